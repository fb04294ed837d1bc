//! Assembling import packages from rows already written as CSV: ZIP archives strictly below the
//! size limit, a new one started when the next row would not fit (the compressed size is
//! measured, never guessed).
//!
//! This is the part of packing that compresses. The packer runs it
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

use crate::fast::wire::{WireReader, put_u32, put_u64};

/// The DEFLATE level of packages. Level 4 of `zlib-rs` compresses generated leads about a fifth
/// faster than zlib's usual 6, for packages about 2% larger (docs/performance.md).
pub const COMPRESSION_LEVEL: i64 = 4;

/// Something that keeps a package from being written, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackError {
    /// The data needs a decision first (characters the output encoding cannot hold).
    Refused(String),
    /// The package cannot be made (a row too large for the limit, or a fault).
    Failed(String),
}

impl PackError {
    /// The message, in plain words.
    pub fn message(&self) -> &str {
        match self {
            PackError::Refused(message) | PackError::Failed(message) => message,
        }
    }
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PackError {}

/// What a packer sends to where its packages are assembled ([`Packer::assemble_elsewhere`](crate::Packer::assemble_elsewhere)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assembling<'a> {
    /// The layout of every package, before any row.
    Start(&'a PackageLayout),
    /// One row of the CSV, encoded, with a checksum of its values and the file's row it comes
    /// from (for messages): [`Assembler::add_row`].
    Row {
        /// The file's row.
        row: u64,
        /// The CSV record, line end included.
        bytes: &'a [u8],
        /// The checksum of its values.
        checksum: u64,
    },
    /// No more rows: [`Assembler::finish`].
    End,
}

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The rows have ended.
    pub(crate) ended: bool,
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
            ended: false,
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
        self.ended = true;
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

/// Rows on their way to an assembler elsewhere, in one buffer that crosses to it whole: per row
/// its file row and checksum (8 bytes each, little-endian), its length (4 bytes), its bytes.
#[derive(Debug, Default)]
pub struct RowBatch {
    bytes: Vec<u8>,
}

impl RowBatch {
    /// Adds a row, as [`Assembler::add_row`] takes it.
    pub fn push(&mut self, row: u64, bytes: &[u8], checksum: u64) {
        put_u64(&mut self.bytes, row);
        put_u64(&mut self.bytes, checksum);
        // A row is far below 4 GB: a package is below the CRM's 10 MB.
        put_u32(&mut self.bytes, bytes.len() as u32);
        self.bytes.extend_from_slice(bytes);
    }

    /// A batch is sent once it holds this many bytes.
    pub const FULL_BYTES: usize = 256 << 10;

    /// Adds a row; the batch so far, leaving it empty, once it holds [`Self::FULL_BYTES`].
    pub fn push_until_full(&mut self, row: u64, bytes: &[u8], checksum: u64) -> Option<Vec<u8>> {
        self.push(row, bytes, checksum);
        (self.size() >= Self::FULL_BYTES).then(|| self.take())
    }

    /// The batch's size in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The batch so far, leaving it empty.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// What a packer hands over for an assembler elsewhere, with its rows gathered in batches
/// ([`RowBatch::batching`]).
#[derive(Debug)]
pub enum Batched<'a> {
    /// The layout of every package, before any row.
    Start(&'a PackageLayout),
    /// Rows, as [`Assembler::add_batch`] takes them.
    Rows(Vec<u8>),
    /// No more rows (the last batch has gone before).
    End,
}

impl RowBatch {
    /// What a packer hands over row by row ([`crate::package::packer::Packer::assemble_elsewhere`]),
    /// passed on to `send` with the rows in batches: each batch once it is full, the last one
    /// before the end.
    pub fn batching(mut send: impl FnMut(Batched<'_>)) -> impl FnMut(Assembling<'_>) {
        let mut batch = RowBatch::default();
        move |what| match what {
            Assembling::Start(layout) => send(Batched::Start(layout)),
            Assembling::Row {
                row,
                bytes,
                checksum,
            } => {
                if let Some(full) = batch.push_until_full(row, bytes, checksum) {
                    send(Batched::Rows(full));
                }
            }
            Assembling::End => {
                if batch.size() > 0 {
                    send(Batched::Rows(batch.take()));
                }
                send(Batched::End);
            }
        }
    }
}

impl Assembler {
    /// Adds every row of `batch` (made by a [`RowBatch`]).
    pub fn add_batch(&mut self, batch: &[u8]) -> Result<(), PackError> {
        let mut rows = WireReader::new(batch);
        while !rows.is_empty() {
            let mut row = || {
                Some((
                    rows.u64()?,
                    rows.u64()?,
                    rows.len().and_then(|len| rows.bytes(len))?,
                ))
            };
            let Some((row, checksum, bytes)) = row() else {
                return Err(PackError::Failed(
                    "Leadpack's rows reached the package builder damaged; nothing was written. \
                     Please report this problem."
                        .to_string(),
                ));
            };
            self.add_row(row, bytes, checksum)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(max_package_bytes: u64) -> PackageLayout {
        PackageLayout {
            csv_name: "leads.csv".into(),
            header_row: b"First Name,Last Name\r\n".to_vec(),
            xml_files: vec![("fileMappings.xml".into(), b"<x/>".to_vec())],
            tail: 300,
            max_package_bytes,
        }
    }

    fn rows(count: u64) -> Vec<(u64, Vec<u8>, u64)> {
        (0..count)
            .map(|i| {
                let text = format!("Ann{i},Lee{}\r\n", i * 7919 % 1000);
                (i + 2, text.into_bytes(), i * 31)
            })
            .collect()
    }

    #[test]
    fn a_batch_of_rows_assembles_as_the_rows_one_by_one() {
        for limit in [10_000, 3_000_000] {
            let mut one_by_one = Assembler::new(layout(limit));
            let mut batched = Assembler::new(layout(limit));
            let mut batch = RowBatch::default();
            for (row, bytes, checksum) in rows(5_000) {
                one_by_one.add_row(row, &bytes, checksum).unwrap();
                batch.push(row, &bytes, checksum);
                if batch.size() > 4_000 {
                    batched.add_batch(&batch.take()).unwrap();
                }
            }
            batched.add_batch(&batch.take()).unwrap();
            one_by_one.finish().unwrap();
            batched.finish().unwrap();
            let parts = one_by_one.take_finished();
            assert_eq!(parts.len() > 1, limit == 10_000);
            assert_eq!(parts, batched.take_finished());
            assert_eq!(parts.iter().map(|p| p.rows).sum::<u64>(), 5_000);
        }
    }

    #[test]
    fn a_damaged_batch_is_refused() {
        let mut batch = RowBatch::default();
        batch.push(2, b"Ann,Lee\r\n", 1);
        let bytes = batch.take();
        for cut in [1, 19, 21, bytes.len() - 1] {
            let refused = Assembler::new(layout(1 << 20))
                .add_batch(&bytes[..cut])
                .unwrap_err();
            assert!(refused.message().contains("damaged"), "{refused}");
        }
    }

    #[test]
    fn a_file_without_rows_gets_one_package() {
        let mut assembler = Assembler::new(layout(1 << 20));
        assembler.finish().unwrap();
        let parts = assembler.take_finished();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].rows, 0);
    }
}
