//! Opening an existing import package to check it again: the CSV files `fileMappings.xml` lists,
//! with their declared encoding, read safely (no paths outside the package, no ZIP bombs).
//!
//! [`PackageReader`] opens a package and hands out its CSV files one at a time, each as a
//! stream ([`PackageEntry`]): a caller checks each in chunks, so no more than one chunk of
//! expanded text is held at a time, however large the entries. [`read_package`] reads every CSV
//! whole, for small packages and tests.

use std::io::{self, Cursor, Read};

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
/// The most memory reserved ahead for an entry read whole; a larger entry grows as it is read.
const MAX_RESERVED_BYTES: u64 = 64 << 20;

/// One CSV file of a package, read whole.
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

/// An entry that would expand past the limits, judged from the archive's directory.
fn too_expanding(file: &str, name: &str, declared: u64, packed: u64) -> ReadError {
    invalid(
        file,
        format!(
            "“{name}” would expand to {declared} bytes from {packed}: Leadpack does not open archives \
             that expand this much (past 100 MB at more than {MAX_RATIO} times, or past 1 GB in all). \
             Choose the CSV files the package was made from instead."
        ),
    )
}

/// A listed entry that is not in the archive.
fn missing(file: &str, name: &str) -> ReadError {
    invalid(
        file,
        format!("the package lists “{name}”, but it is not in the package. {REMAKE}"),
    )
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The sizes the archive's directory declares for the entry `name`: (expanded, compressed, at
/// least 1). `None` when the archive has no such entry.
fn declared_sizes(archive: &Archive<'_>, name: &str) -> Option<(u64, u64)> {
    let index = archive.index_for_name(name)?;
    let entry = archive.by_index_data(index).ok()?;
    Some((entry.size(), entry.compressed_size().max(1)))
}

/// Whether an entry that declares `declared` bytes from `packed` may be expanded, when `total`
/// bytes of the package were expanded before it.
fn expands_too_much(declared: u64, packed: u64, total: u64) -> bool {
    (declared > RATIO_FREE_BYTES && declared / packed > MAX_RATIO)
        || total.saturating_add(declared) > MAX_UNPACKED_BYTES
}

/// Opens the entry `name` as a stream, after the checks on its declared sizes; `total` counts
/// every byte it gives.
fn open_entry<'p>(
    file: &'p str,
    archive: &'p mut Archive<'_>,
    name: &'p str,
    encoding: OutputEncoding,
    total: &'p mut u64,
) -> Result<PackageEntry<'p>, ReadError> {
    let (declared, packed) = declared_sizes(archive, name).ok_or_else(|| missing(file, name))?;
    if expands_too_much(declared, packed, *total) {
        return Err(too_expanding(file, name, declared, packed));
    }
    let entry = archive.by_name(name).map_err(|_| missing(file, name))?;
    Ok(PackageEntry {
        file,
        name,
        encoding,
        declared,
        packed,
        given: 0,
        total,
        // One byte past the declared size is enough to tell that the entry lies about it.
        reader: Box::new(entry.take(declared.saturating_add(1))),
        failed: false,
    })
}

/// An import package opened for reading: its `fileMappings.xml` read, and every CSV file it
/// lists found safe to open. [`PackageReader::next_entry`] then hands out the CSV files one at a
/// time, in the order `fileMappings.xml` lists them, each as a stream.
///
/// The checks are the same whichever way a package is read: a refusal from the archive's
/// directory (no ZIP archive, no `fileMappings.xml`, an unsafe, doubled or missing name, an
/// entry that would expand too much) comes from [`PackageReader::open`] before any CSV is
/// expanded; an entry that turns out damaged, or longer than it said, fails as it is read, with
/// the same message as when it is read whole; and the package's entries never expand past
/// [`MAX_UNPACKED_BYTES`] in all.
pub struct PackageReader<'a> {
    file: String,
    archive: Archive<'a>,
    encoding: OutputEncoding,
    names: Vec<String>,
    next: usize,
    /// The bytes expanded so far, `fileMappings.xml` included.
    total: u64,
}

impl std::fmt::Debug for PackageReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageReader")
            .field("file", &self.file)
            .field("encoding", &self.encoding)
            .field("names", &self.names)
            .field("next", &self.next)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<'a> PackageReader<'a> {
    /// Opens the import package `bytes` (named `file` in messages): reads its
    /// `fileMappings.xml` and checks every CSV file it lists, without expanding them.
    pub fn open(file: &str, bytes: &'a [u8]) -> Result<PackageReader<'a>, ReadError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
            invalid(file, "this is not a ZIP archive, so it cannot be an import package. Choose the CSV file instead.")
        })?;
        // The archive's own count of its entries: an entry whose name an earlier one already has
        // is hidden by it when entries are looked up by name, so two entries of one name are
        // refused.
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
        let mut total = 0;
        let mappings = open_entry(
            file,
            &mut archive,
            names::FILE_MAPPINGS,
            OutputEncoding::Utf8,
            &mut total,
        )
        .and_then(|entry| entry.read_whole(bytes.len() as u64))
        .map_err(|_| {
            invalid(
                file,
                "this ZIP archive has no fileMappings.xml, so it is not an import package. Unpack it and choose the CSV files.",
            )
        })?;
        let (encoding, listed) = parse_file_mappings(file, &mappings)?;
        drop(mappings);
        for (index, name) in listed.iter().enumerate() {
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
            if listed[..index].contains(name) {
                return Err(invalid(
                    file,
                    format!("the package lists “{name}” twice. {REMAKE}"),
                ));
            }
            let (declared, packed) =
                declared_sizes(&archive, name).ok_or_else(|| missing(file, name))?;
            // What the directory alone tells; the entries before this one count as they are
            // read (`PackageReader::next_entry` judges each again then).
            if expands_too_much(declared, packed, total) {
                return Err(too_expanding(file, name, declared, packed));
            }
        }
        if listed.is_empty() {
            return Err(invalid(
                file,
                format!("the package's fileMappings.xml lists no CSV file. {REMAKE}"),
            ));
        }
        Ok(PackageReader {
            file: file.to_string(),
            archive,
            encoding,
            names: listed,
            next: 0,
            total,
        })
    }

    /// The package as named in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The encoding `fileMappings.xml` declares for every CSV file.
    pub fn encoding(&self) -> OutputEncoding {
        self.encoding
    }

    /// The names of the CSV files, in the order `fileMappings.xml` lists them.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The next CSV file as a stream, or `None` after the last. `Err` when it would take the
    /// package past [`MAX_UNPACKED_BYTES`] with what was expanded before it, or cannot be found
    /// where the archive's directory says. The next file can be asked for once this one is
    /// dropped, whether or not it was read to its end.
    pub fn next_entry(&mut self) -> Option<Result<PackageEntry<'_>, ReadError>> {
        let name = self.names.get(self.next)?;
        self.next += 1;
        Some(open_entry(
            &self.file,
            &mut self.archive,
            name,
            self.encoding,
            &mut self.total,
        ))
    }
}

/// One CSV file of a package, expanded as it is read ([`Read`]).
///
/// It gives no more than the archive's directory declares: an entry that expands further, or
/// cannot be expanded at all (a wrong checksum, broken compressed data), fails with an
/// [`io::Error`] of kind [`io::ErrorKind::InvalidData`] that carries the [`ReadError`] saying so
/// (its text is the message; [`PackageEntry::read_error`] gives the error itself), and every
/// read after that fails the same way.
pub struct PackageEntry<'p> {
    file: &'p str,
    name: &'p str,
    encoding: OutputEncoding,
    declared: u64,
    packed: u64,
    /// The bytes given so far.
    given: u64,
    /// The package's count of expanded bytes.
    total: &'p mut u64,
    reader: Box<dyn Read + 'p>,
    failed: bool,
}

impl std::fmt::Debug for PackageEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageEntry")
            .field("file", &self.file)
            .field("name", &self.name)
            .field("encoding", &self.encoding)
            .field("declared", &self.declared)
            .field("given", &self.given)
            .finish_non_exhaustive()
    }
}

impl PackageEntry<'_> {
    /// Its name in the package.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The encoding `fileMappings.xml` declares for it.
    pub fn encoding(&self) -> OutputEncoding {
        self.encoding
    }

    /// The size the archive's directory declares for it: the most it can give.
    pub fn declared_size(&self) -> u64 {
        self.declared
    }

    /// The [`ReadError`] an error of [`Read::read`] carries (`None` for any other error).
    pub fn read_error(error: &io::Error) -> Option<&ReadError> {
        error.get_ref()?.downcast_ref::<ReadError>()
    }

    /// The error that stops reading: this entry is damaged.
    fn damaged(&mut self) -> io::Error {
        self.failed = true;
        io::Error::new(io::ErrorKind::InvalidData, damaged(self.file, self.name))
    }

    /// The whole entry (for `fileMappings.xml` and [`read_package`]), in room for what the entry
    /// says it holds but no more than its compressed bytes, which must be among the archive's
    /// `archive_bytes`, can expand to: a damaged or hostile directory can claim any size, and a
    /// tiny archive must not make Leadpack reserve megabytes.
    fn read_whole(mut self, archive_bytes: u64) -> Result<Vec<u8>, ReadError> {
        let expandable = self
            .packed
            .min(archive_bytes)
            .saturating_mul(MAX_DEFLATE_RATIO);
        let room = self.declared.min(expandable).min(MAX_RESERVED_BYTES);
        let mut out = Vec::with_capacity(room as usize);
        if let Err(error) = self.read_to_end(&mut out) {
            return Err(PackageEntry::read_error(&error)
                .cloned()
                .unwrap_or_else(|| damaged(self.file, self.name)));
        }
        // An entry shorter than it claimed gives back the room it did not use.
        out.shrink_to_fit();
        Ok(out)
    }
}

/// Fills `buf` as far as the entry goes: a read gives less than `buf` holds only at the end of
/// the entry, so a caller feeding a checker gets chunks of the size it chose.
impl Read for PackageEntry<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(self.damaged());
        }
        let mut filled = 0;
        while filled < buf.len() {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(given) => filled += given,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(self.damaged()),
            }
            if self.given + filled as u64 > self.declared {
                return Err(self.damaged());
            }
        }
        self.given += filled as u64;
        *self.total += filled as u64;
        Ok(filled)
    }
}

/// Reads the CSV files of the import package `bytes` (named `file` in messages), each whole.
/// To check the files of a package of any size, read them as streams with [`PackageReader`].
pub fn read_package(file: &str, bytes: &[u8]) -> Result<Vec<PackagedCsv>, ReadError> {
    let mut package = PackageReader::open(file, bytes)?;
    let mut csvs = Vec::new();
    while let Some(entry) = package.next_entry() {
        let entry = entry?;
        let (name, encoding) = (entry.name().to_string(), entry.encoding());
        let bytes = entry.read_whole(bytes.len() as u64)?;
        csvs.push(PackagedCsv {
            name,
            encoding,
            bytes,
        });
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
