//! Opening an existing import package to check it again: the CSV files `fileMappings.xml` lists,
//! with their declared encoding, read safely (no paths outside the package, no ZIP bombs).

use std::io::{Cursor, Read};

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use crate::package::xml::names;
use crate::text::encode::OutputEncoding;
use crate::text::error::{ReadError, ReadErrorKind};

/// The most a package may expand to, in all.
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
/// The most one large entry may expand relative to its compressed size.
pub const MAX_RATIO: u64 = 200;
/// Entries up to this size are read whatever their ratio (lead files can compress very well).
pub const RATIO_FREE_BYTES: u64 = 100_000_000;
/// The most DEFLATE can expand: about 1,032 bytes out for each byte in.
const MAX_DEFLATE_RATIO: u64 = 1032;
/// The most memory reserved ahead for one entry; a larger entry grows as it is read.
const MAX_RESERVED_BYTES: u64 = 64 << 20;

/// One CSV file of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedCsv {
    /// Its name in the package.
    pub name: String,
    /// The encoding `fileMappings.xml` declares for it.
    pub encoding: OutputEncoding,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// What to do with a package Leadpack refuses.
const REMAKE: &str = "Make the package again, or choose the CSV files it was made from.";

fn invalid(file: &str, message: impl Into<String>) -> ReadError {
    ReadError::new(file, ReadErrorKind::Invalid(message.into()))
}

/// An entry that does not expand as the archive says (damaged, or built to mislead).
fn damaged(file: &str, name: &str) -> ReadError {
    invalid(
        file,
        format!(
            "“{name}” is damaged: it does not expand as the package says, so Leadpack stopped reading it. {REMAKE}"
        ),
    )
}

/// Reads the CSV files of the import package `bytes` (named `file` in messages).
pub fn read_package(file: &str, bytes: &[u8]) -> Result<Vec<PackagedCsv>, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        invalid(file, "this is not a ZIP archive, so it cannot be an import package. Choose the CSV file instead.")
    })?;
    let mut total = 0u64;
    let mut read_entry = |archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
                          name: &str|
     -> Result<Vec<u8>, ReadError> {
        let entry = archive.by_name(name).map_err(|_| {
            invalid(
                file,
                format!("the package lists “{name}”, but it is not in the package. {REMAKE}"),
            )
        })?;
        let declared = entry.size();
        let packed = entry.compressed_size().max(1);
        if (declared > RATIO_FREE_BYTES && declared / packed > MAX_RATIO)
            || total + declared > MAX_UNPACKED_BYTES
        {
            return Err(invalid(
                file,
                format!(
                    "“{name}” would expand to {declared} bytes from {packed}: Leadpack does not open archives \
                     that expand this much (past 100 MB at more than {MAX_RATIO} times, or past 1 GB in all). \
                     Choose the CSV files the package was made from instead."
                ),
            ));
        }
        // Room for what the entry says it holds, but no more than its compressed bytes (which
        // the archive must hold) can expand to: a damaged or hostile directory can claim any
        // size, and a tiny archive must not make Leadpack reserve megabytes.
        let expandable = packed
            .min(bytes.len() as u64)
            .saturating_mul(MAX_DEFLATE_RATIO);
        let room = declared.min(expandable).min(MAX_RESERVED_BYTES);
        let mut out = Vec::with_capacity(room as usize);
        entry
            .take(declared + 1)
            .read_to_end(&mut out)
            .map_err(|_| damaged(file, name))?;
        if out.len() as u64 > declared {
            return Err(damaged(file, name));
        }
        // An entry shorter than it claimed gives back the room it did not use.
        out.shrink_to_fit();
        total += out.len() as u64;
        Ok(out)
    };
    let mappings = read_entry(&mut archive, names::FILE_MAPPINGS).map_err(|_| {
        invalid(
            file,
            "this ZIP archive has no fileMappings.xml, so it is not an import package. Unpack it and choose the CSV files.",
        )
    })?;
    let (encoding, listed) = parse_file_mappings(file, &mappings)?;
    let mut csvs = Vec::new();
    for name in listed {
        // Only plain names: no folders, no way out of the package.
        if name.is_empty()
            || name.contains(['/', '\\'])
            || name.contains("..")
            || name.chars().any(char::is_control)
        {
            return Err(invalid(
                file,
                format!(
                    "the package names a file “{name}” with a folder or an unsafe name; Leadpack does not open it. {REMAKE}"
                ),
            ));
        }
        if csvs.iter().any(|c: &PackagedCsv| c.name == name) {
            return Err(invalid(
                file,
                format!("the package lists “{name}” twice. {REMAKE}"),
            ));
        }
        let bytes = read_entry(&mut archive, &name)?;
        csvs.push(PackagedCsv {
            name,
            encoding,
            bytes,
        });
    }
    if csvs.is_empty() {
        return Err(invalid(
            file,
            format!("the package's fileMappings.xml lists no CSV file. {REMAKE}"),
        ));
    }
    Ok(csvs)
}

/// The declared encoding and the listed CSV names of a `fileMappings.xml`.
fn parse_file_mappings(file: &str, xml: &[u8]) -> Result<(OutputEncoding, Vec<String>), ReadError> {
    let mut reader = Reader::from_reader(xml);
    let mut buffer = Vec::new();
    let mut encoding = None;
    let mut names_listed = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(|err| {
            invalid(
                file,
                format!("its fileMappings.xml is not valid XML ({err}). {REMAKE}"),
            )
        })?;
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let tag = element.name().into_inner();
                let attribute = |wanted: &str| {
                    element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.into_inner() == wanted)
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                if tag == names::MAPPING {
                    let label = attribute(names::ENCODING_TYPE).unwrap_or_else(|| "UTF-8".into());
                    encoding = Some(OutputEncoding::from_label(&label).ok_or_else(|| {
                        invalid(file, format!("its fileMappings.xml declares the encoding “{label}”, which Leadpack does not know. {REMAKE}"))
                    })?);
                } else if tag == names::FILE
                    && let Some(name) = attribute(names::NAME)
                {
                    names_listed.push(name);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    let encoding = encoding.ok_or_else(|| {
        invalid(
            file,
            format!("its fileMappings.xml has no <mapping> root. {REMAKE}"),
        )
    })?;
    Ok((encoding, names_listed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_gives_its_csv_with_the_declared_encoding() {
        let bytes = archive(&[
            ("fileMappings.xml", br#"<mapping encodingType="CP-1252"><file name="leads.csv" mappingFile="leads_mappings.xml" category="All"/></mapping>"#),
            ("leads.csv", b"First Name\r\nRen\xE9e\r\n"),
        ]);
        let csvs = read_package("p.zip", &bytes).unwrap();
        assert_eq!(csvs.len(), 1);
        assert_eq!(csvs[0].name, "leads.csv");
        assert_eq!(csvs[0].encoding, OutputEncoding::Windows1252);
        assert_eq!(csvs[0].bytes, b"First Name\r\nRen\xE9e\r\n");
    }

    #[test]
    fn a_zip_without_file_mappings_is_not_a_package() {
        let error = read_package("x.zip", &archive(&[("a.csv", b"x")])).unwrap_err();
        assert!(error.to_string().contains("no fileMappings.xml"), "{error}");
    }

    #[test]
    fn paths_leaving_the_package_are_refused() {
        let bytes = archive(&[(
            "fileMappings.xml",
            br#"<mapping encodingType="UTF-8"><file name="../evil.csv"/></mapping>"#,
        )]);
        assert!(
            read_package("p.zip", &bytes)
                .unwrap_err()
                .to_string()
                .contains("unsafe name")
        );
    }

    #[test]
    fn small_entries_that_compress_very_well_are_read() {
        let zeros = vec![b'a'; 5_000_000];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("fileMappings.xml", SimpleFileOptions::default())
            .unwrap();
        zip.write_all(br#"<mapping encodingType="UTF-8"><file name="big.csv"/></mapping>"#)
            .unwrap();
        zip.start_file(
            "big.csv",
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        zip.write_all(&zeros).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        // 5 MB of one letter compresses a thousandfold, but is no threat: it is read.
        // (A real bomb, 150 MB of zeros, is refused: see crates/engine/tests/hostile.rs.)
        let csvs = read_package("big.zip", &bytes).map_err(|err| err.to_string());
        assert_eq!(csvs.map(|c| c[0].bytes.len()), Ok(5_000_000));
    }

    #[test]
    fn not_a_zip_is_said_plainly() {
        assert!(
            read_package("a.zip", b"hello")
                .unwrap_err()
                .to_string()
                .contains("not a ZIP archive")
        );
    }
}
