//! Assembling import packages from rows already written as CSV: ZIP archives strictly below the
//! size limit, a new one started when the next row would not fit (the compressed size is
//! measured, never guessed).
//!
//! This is the part of packing that compresses. The [`Packer`](super::package::Packer) runs it
//! itself, or hands it the rows to run elsewhere (the web app runs it in a second worker, so
//! that compressing overlaps reading and writing the rows on a machine's other core).

use std::cell::Cell;
use std::hash::Hasher;
use std::io::{Cursor, Seek, SeekFrom, Write};
use std::rc::Rc;

use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::package::{COMPRESSION_LEVEL, PackError};

/// What every package of a file holds besides its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageLayout {
    /// The name of the CSV file inside each package.
    pub csv_name: String,
    /// The CSV's header row, encoded.
    pub header_row: Vec<u8>,
    /// The XML files before the CSV: name and bytes.
    pub xml_files: Vec<(String, Vec<u8>)>,
    /// Bytes after the CSV data: central directory, end record, and a margin.
    pub tail: u64,
    /// Every package stays strictly below this many bytes.
    pub max_package_bytes: u64,
}

/// A finished package, before it has its final name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledPart {
    /// The ZIP archive.
    pub bytes: Vec<u8>,
    /// How many rows its CSV holds.
    pub rows: u64,
    /// A checksum of the rows' values, in order, as the packer computed them: reading the
    /// package back must give the same.
    pub checksum: u64,
}

/// Packs rows into packages, one after the other.
pub struct Assembler {
    layout: PackageLayout,
    part: Option<Part>,
    finished: Vec<AssembledPart>,
    /// Packages finished so far, including those handed out.
    count: usize,
}

/// A `Write + Seek` over a growing buffer that tells its size to whoever holds the probe.
struct SizeProbe {
    cursor: Cursor<Vec<u8>>,
    size: Rc<Cell<u64>>,
}

impl Write for SizeProbe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.cursor.write(buf)?;
        self.size.set(self.cursor.get_ref().len() as u64);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for SizeProbe {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.cursor.seek(pos)
    }
}

/// A package being written.
struct Part {
    zip: ZipWriter<SizeProbe>,
    size: Rc<Cell<u64>>,
    /// Raw CSV bytes written since the last flush of the compressor.
    unflushed: u64,
    rows: u64,
    checksum: FxHasher,
}

impl Assembler {
    /// An assembler of packages laid out as `layout`.
    pub fn new(layout: PackageLayout) -> Self {
        Assembler {
            layout,
            part: None,
            finished: Vec::new(),
            count: 0,
        }
    }

    /// Adds one row (`bytes`, a CSV record with its line end) whose values have the checksum
    /// `checksum`, starting a new package when it would not fit. `row` is the row of the file
    /// it comes from, for messages.
    pub fn add_row(&mut self, row: u64, bytes: &[u8], checksum: u64) -> Result<(), PackError> {
        let limit = self.layout.max_package_bytes;
        let len = bytes.len() as u64;
        // Compressed data never exceeds the raw bytes plus 5 bytes per stored block.
        let bound = len + 5 * (len / 16_000 + 1) + 8;
        let tail = self.layout.tail;
        let write = |err: std::io::Error| {
            PackError::Failed(format!("Leadpack could not write the package: {err}"))
        };
        loop {
            if self.part.is_none() {
                self.start_part(row)?;
            }
            let Some(part) = &mut self.part else {
                continue;
            };
            if part.size.get() + part.unflushed + bound + tail < limit {
                part.zip.write_all(bytes).map_err(write)?;
                part.unflushed += len;
                part.rows += 1;
                part.checksum.write_u64(checksum);
                return Ok(());
            }
            if part.unflushed > 0 {
                // Make the size exact before deciding.
                part.zip.flush().map_err(write)?;
                part.unflushed = 0;
                continue;
            }
            if part.rows == 0 {
                // Alone in a package, the raw size says nothing: write the row and measure.
                part.zip.write_all(bytes).map_err(write)?;
                part.zip.flush().map_err(write)?;
                if part.size.get() + tail < limit {
                    part.rows = 1;
                    part.checksum.write_u64(checksum);
                    return Ok(());
                }
                return Err(PackError::Failed(format!(
                    "Row {row} is too large to fit in a package below {limit} bytes, even alone and \
                     compressed. Shorten its values (or leave out the column that holds them)."
                )));
            }
            self.finish_part()?;
        }
    }

    /// Ends the rows: finishes the last package. A file with no row to pack still gets one
    /// package, which tells the CRM the layout.
    pub fn finish(&mut self) -> Result<(), PackError> {
        if self.part.is_none() && self.count == 0 {
            self.start_part(0)?;
        }
        self.finish_part()
    }

    /// The packages finished since the last call, in order.
    pub fn take_finished(&mut self) -> Vec<AssembledPart> {
        std::mem::take(&mut self.finished)
    }

    /// Starts a package; `first_row` names the row that would not fit, for the message.
    fn start_part(&mut self, first_row: u64) -> Result<(), PackError> {
        let size = Rc::new(Cell::new(0));
        let probe = SizeProbe {
            cursor: Cursor::new(Vec::new()),
            size: Rc::clone(&size),
        };
        let mut zip = ZipWriter::new(probe);
        let options = file_options();
        let io = |err: zip::result::ZipError| {
            PackError::Failed(format!("Leadpack could not build the package: {err}"))
        };
        let layout = &self.layout;
        for (name, bytes) in &layout.xml_files {
            zip.start_file(name.as_str(), options).map_err(io)?;
            zip.write_all(bytes).map_err(|err| io(err.into()))?;
        }
        zip.start_file(layout.csv_name.as_str(), options)
            .map_err(io)?;
        zip.write_all(&layout.header_row)
            .map_err(|err| io(err.into()))?;
        zip.flush().map_err(|err| io(err.into()))?;
        if size.get() + layout.tail >= layout.max_package_bytes {
            let limit = layout.max_package_bytes;
            let next = if first_row > 0 {
                format!(" (row {first_row} was next)")
            } else {
                String::new()
            };
            return Err(PackError::Failed(format!(
                "The package size limit of {limit} bytes is too small even for a package without leads{next}. \
                 Raise the limit; the CRM accepts packages up to 10 MB."
            )));
        }
        self.part = Some(Part {
            zip,
            size,
            unflushed: 0,
            rows: 0,
            checksum: FxHasher::default(),
        });
        Ok(())
    }

    fn finish_part(&mut self) -> Result<(), PackError> {
        let Some(part) = self.part.take() else {
            return Ok(());
        };
        let probe = part.zip.finish().map_err(|err| {
            PackError::Failed(format!("Leadpack could not finish the package: {err}"))
        })?;
        self.finished.push(AssembledPart {
            bytes: probe.cursor.into_inner(),
            rows: part.rows,
            checksum: part.checksum.finish(),
        });
        self.count += 1;
        Ok(())
    }
}

/// How every entry of a package is written: DEFLATE at [`COMPRESSION_LEVEL`], a fixed date (the
/// same bytes give the same package), permissions a spreadsheet user expects.
pub(crate) fn file_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
}
