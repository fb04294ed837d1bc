//! Reading a finished package back before it is handed over: its files are all there, its CSV
//! holds exactly the rows written, in the declared encoding, with the same values.

use std::hash::Hasher;
use std::io::{Cursor, Read, Write};

use encoding_rs::DecoderResult;
use rustc_hash::FxHasher;
use zip::{ZipArchive, ZipWriter};

use crate::package::assemble::{AssembledPart, PackError, file_options};
use crate::package::xml::{self, names};
use crate::text::encode::OutputEncoding;
use crate::text::reader::{Record, RecordReader};

/// How far reading back a finished package has got (a package is read back as soon as it is
/// complete, which takes a moment for a large one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verifying {
    /// The package, counted from 1.
    pub package: usize,
    /// Bytes of its CSV read back so far.
    pub done: u64,
    /// Bytes of its CSV in all.
    pub total: u64,
}

/// Compresses `bytes` as the single entry of an archive, with exactly the method, level and
/// backend of the packages, and returns the entry's compressed size. A diagnostic for
/// benchmarks of the compressor alone (the browser benchmark sets it beside other DEFLATE
/// implementations); packing never calls it.
pub fn compressed_entry_size(bytes: &[u8]) -> Result<u64, PackError> {
    let io = |err: zip::result::ZipError| {
        PackError::Failed(format!("Leadpack could not compress the data: {err}"))
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() / 3)));
    zip.start_file("data.csv", file_options()).map_err(io)?;
    zip.write_all(bytes).map_err(|err| io(err.into()))?;
    let archive = zip.finish().map_err(io)?.into_inner();
    let mut archive = ZipArchive::new(Cursor::new(archive)).map_err(io)?;
    let entry = archive.by_index_raw(0).map_err(io)?;
    Ok(entry.compressed_size())
}

/// Reopens a package and checks its files, its row count and its values.
pub(crate) fn verify(
    package: usize,
    part: &AssembledPart,
    csv_name: &str,
    encoding: OutputEncoding,
    progress: &mut dyn FnMut(Verifying),
) -> Result<(), PackError> {
    let fail = |what: String| {
        PackError::Failed(format!(
            "Package {package} did not read back as written ({what}); nothing was written. Please report this problem."
        ))
    };
    let mut archive =
        ZipArchive::new(Cursor::new(&part.bytes)).map_err(|err| fail(err.to_string()))?;
    for wanted in [
        names::FILE_MAPPINGS.to_string(),
        xml::mappings_name(csv_name),
        csv_name.to_string(),
    ] {
        if archive.index_for_name(&wanted).is_none() {
            return Err(fail(format!("{wanted} is missing")));
        }
    }
    let mut mappings = String::new();
    archive
        .by_name(names::FILE_MAPPINGS)
        .map_err(|err| fail(err.to_string()))?
        .read_to_string(&mut mappings)
        .map_err(|err| fail(err.to_string()))?;
    if !mappings.contains(&format!(
        "{}=\"{}\"",
        names::ENCODING_TYPE,
        encoding.mapping_name()
    )) {
        return Err(fail("fileMappings.xml names another encoding".to_string()));
    }
    let mut reader = RecordReader::new(b',');
    let mut rows = 0u64;
    let mut header_seen = false;
    let mut checksum = FxHasher::default();
    let mut each = |record: Record<'_>| {
        if !header_seen {
            header_seen = true;
            return;
        }
        let mut row = FxHasher::default();
        for value in record.fields() {
            row.write(value.as_bytes());
            row.write_u8(0x1F);
        }
        checksum.write_u64(row.finish());
        rows += 1;
    };
    // Read piece by piece, so checking a package never holds its whole CSV. Decoded in the
    // declared encoding only: a Windows-1252 or ISO-8859-1 CSV may begin with bytes that look
    // like a byte order mark (a first header “ÿþ…” is FF FE), and must not be read as UTF-16 or
    // UTF-8 because of them.
    let mut entry = archive
        .by_name(csv_name)
        .map_err(|err| fail(err.to_string()))?;
    let mut decoder = encoding.reader().new_decoder_without_bom_handling();
    let mut input = vec![0u8; 64 << 10];
    let mut text = String::new();
    let mut state = Verifying {
        package,
        done: 0,
        total: entry.size(),
    };
    progress(state);
    loop {
        let read = entry
            .read(&mut input)
            .map_err(|err| fail(err.to_string()))?;
        let last = read == 0;
        state.done += read as u64;
        if !last {
            progress(state);
        }
        let mut pending = &input[..read];
        loop {
            text.clear();
            text.reserve(pending.len() * 3 + 16);
            let (result, used) =
                decoder.decode_to_string_without_replacement(pending, &mut text, last);
            reader.feed(&text, &mut each);
            pending = &pending[used..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    return Err(fail(
                        "the CSV is not valid in its declared encoding".to_string(),
                    ));
                }
            }
        }
        if last {
            break;
        }
    }
    reader.finish(&mut each);
    if rows != part.rows {
        return Err(fail(format!("{rows} rows instead of {}", part.rows)));
    }
    if checksum.finish() != part.checksum {
        return Err(fail("the values differ".to_string()));
    }
    state.total = state.done;
    progress(state);
    Ok(())
}
