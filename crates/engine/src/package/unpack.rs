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
    // The archive's own count of its entries: an entry whose name an earlier one already has is
    // hidden by it when entries are looked up by name, so two entries of one name are refused.
    if let Some(listed) = entries_in_directory(bytes)
        && listed as usize != archive.len()
    {
        return Err(invalid(
            file,
            format!(
                "the package holds two files of the same name ({listed} entries, {} names), so \
                 Leadpack cannot tell which one is meant. {REMAKE}",
                archive.len()
            ),
        ));
    }
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

/// How many entries the end of the central directory of the ZIP archive `bytes` says it holds
/// (`None` when that record is not found, or counts in the 64-bit form).
fn entries_in_directory(bytes: &[u8]) -> Option<u16> {
    const END_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const END_BYTES: usize = 22;
    // The record is last, followed only by a comment of at most 65,535 bytes.
    let earliest = bytes
        .len()
        .saturating_sub(END_BYTES + usize::from(u16::MAX));
    let last = bytes.len().checked_sub(END_BYTES)?;
    let at = (earliest..=last)
        .rev()
        .find(|&at| bytes[at..at + 4] == END_SIGNATURE)?;
    let total = u16::from_le_bytes([bytes[at + 10], bytes[at + 11]]);
    (total != u16::MAX).then_some(total)
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
                // An attribute's value; `Err` with its raw text when it cannot be read (an
                // unknown entity such as `&x;`).
                let attribute = |wanted: &str| {
                    element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.into_inner() == wanted)
                        .map(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .map_err(|_| a.value.to_string())
                        })
                };
                if tag == names::MAPPING {
                    let label = match attribute(names::ENCODING_TYPE) {
                        None => "UTF-8".to_string(),
                        Some(Ok(label)) => label,
                        Some(Err(raw)) => {
                            return Err(invalid(
                                file,
                                format!(
                                    "its fileMappings.xml declares the encoding “{raw}”, which cannot \
                                     be read. {REMAKE}"
                                ),
                            ));
                        }
                    };
                    encoding = Some(OutputEncoding::from_label(&label).ok_or_else(|| {
                        invalid(file, format!("its fileMappings.xml declares the encoding “{label}”, which Leadpack does not know. {REMAKE}"))
                    })?);
                } else if tag == names::FILE {
                    match attribute(names::NAME) {
                        Some(Ok(name)) => names_listed.push(name),
                        Some(Err(raw)) => {
                            return Err(invalid(
                                file,
                                format!(
                                    "its fileMappings.xml names a file “{raw}” that cannot be read. \
                                     {REMAKE}"
                                ),
                            ));
                        }
                        None => {}
                    }
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

    /// Hostile input, round two, (16): two entries of one name, the later of which would
    /// silently hide the earlier, are refused, whichever file the name is and wherever the two
    /// stand.
    #[test]
    fn two_entries_of_one_name_are_refused() {
        let mappings: &[u8] =
            br#"<mapping encodingType="UTF-8"><file name="leads.csv" mappingFile="leads_mappings.xml"/></mapping>"#;
        for (first, second) in [
            ("leads.csv", "leadz.csv"),
            ("fileMappings.xml", "fileMappingz.xml"),
        ] {
            let mut bytes = archive(&[
                ("fileMappings.xml", mappings),
                ("leads.csv", b"First Name\nAnn\n"),
                (second, b"First Name\nBob\nCy\n"),
            ]);
            // The second name made equal to the first, in the entry's header and in the directory.
            let (from, to) = (second.as_bytes(), first.as_bytes());
            let mut at = 0;
            while let Some(found) = bytes[at..].windows(from.len()).position(|w| w == from) {
                bytes[at + found..at + found + to.len()].copy_from_slice(to);
                at += found + to.len();
            }
            let error = read_package("p.zip", &bytes).unwrap_err().to_string();
            assert!(error.contains("two files of the same name"), "{error}");
            assert!(error.contains("Make the package again"), "{error}");
        }
    }

    /// (16): an encoding or a file name that cannot be read (an unknown entity) is refused, not
    /// taken for UTF-8 or skipped.
    #[test]
    fn an_unreadable_encoding_or_file_name_is_refused() {
        for (mappings, said) in [
            (
                r#"<mapping encodingType="&x;"><file name="leads.csv"/></mapping>"#,
                "declares the encoding “&x;”, which cannot be read",
            ),
            (
                r#"<mapping encodingType="UTF-&#;8"><file name="leads.csv"/></mapping>"#,
                "which cannot be read",
            ),
            (
                r#"<mapping encodingType="UTF-8"><file name="&bogus;.csv"/></mapping>"#,
                "names a file “&bogus;.csv” that cannot be read",
            ),
        ] {
            let bytes = archive(&[
                ("fileMappings.xml", mappings.as_bytes()),
                ("leads.csv", b"First Name\nAnn\n"),
            ]);
            let error = read_package("p.zip", &bytes).unwrap_err().to_string();
            assert!(error.contains(said), "{mappings}: {error}");
        }
        // A declared entity that is known is read: `&#45;` is a hyphen.
        let bytes = archive(&[
            (
                "fileMappings.xml",
                br#"<mapping encodingType="CP&#45;1252"><file name="leads.csv"/></mapping>"#,
            ),
            ("leads.csv", b"First Name\nAnn\n"),
        ]);
        assert_eq!(
            read_package("p.zip", &bytes).unwrap()[0].encoding,
            OutputEncoding::Windows1252
        );
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
