//! One import of several files, in as few packages as the size limit allows.
//!
//! Each file is first packed on its own ([`crate::Packer`]): its rows split into packages below
//! the limit, each read back. Those packages are then put together whole, in the files' order:
//! a package of the import holds the CSV files (each with its header and its mapping file) of
//! one or more of them, as many as fit below the limit, and its `fileMappings.xml` lists exactly
//! the CSV files it holds. A package that holds only one is kept as it was made. The entries
//! are copied compressed, never compressed again, and each package is read back.

use std::io::{Cursor, Read, Write};

use zip::{ZipArchive, ZipWriter};

use crate::package::assemble::{PackError, file_options};
use crate::package::output::{OutputFile, OutputKind, PackOutcome, package_name};
use crate::package::xml::{self, PackageFile, names};
use crate::text::encode::OutputEncoding;

/// Bytes a package's own `fileMappings.xml` may take beyond its text, with its entry's headers
/// and the archive's end record.
const LIST_OVERHEAD: u64 = 256;

/// One package of one file.
struct Piece<'a> {
    /// The file's outcome.
    file: &'a PackOutcome,
    /// The package.
    package: &'a OutputFile,
}

/// Puts the packages of the files of one import (`files`, in order, each packed on its own with
/// a CSV name of its own) together into packages named after `name`, each strictly below
/// `max_package_bytes`. Every file's rows end up in exactly one package, in order.
pub fn pack_together(
    name: &str,
    files: &[PackOutcome],
    max_package_bytes: u64,
) -> Result<Vec<OutputFile>, PackError> {
    let Some(first) = files.first() else {
        return Ok(Vec::new());
    };
    if let Some(other) = files.iter().find(|f| f.encoding != first.encoding) {
        return Err(PackError::Failed(format!(
            "The files of one import are written in one character set, but {} is to be written in \
             {} and {} in {}. Choose one output encoding for all of them.",
            first.csv_name,
            first.encoding.title(),
            other.csv_name,
            other.encoding.title()
        )));
    }
    for (index, file) in files.iter().enumerate() {
        if files[..index].iter().any(|f| f.csv_name == file.csv_name) {
            return Err(PackError::Failed(format!(
                "Two files of the import would be named {} in its packages; nothing was written. \
                 Please report this problem.",
                file.csv_name
            )));
        }
    }

    // Whole packages, in order, as many per package of the import as fit.
    let mut groups: Vec<Vec<Piece<'_>>> = Vec::new();
    let mut group: Vec<Piece<'_>> = Vec::new();
    for file in files {
        for package in &file.packages {
            let piece = Piece { file, package };
            group.push(piece);
            if group.len() > 1 && bound(&group, first.encoding) >= max_package_bytes {
                let piece = group.pop();
                groups.push(std::mem::take(&mut group));
                group.extend(piece);
            }
        }
    }
    if !group.is_empty() {
        groups.push(group);
    }

    let total = groups.len();
    let mut packages = Vec::with_capacity(total);
    for (index, group) in groups.iter().enumerate() {
        let package = index + 1;
        let bytes = match group.as_slice() {
            [one] => one.package.bytes.clone(),
            _ => combine(package, group, first.encoding)?,
        };
        let rows: u64 = group.iter().map(|piece| piece.package.rows).sum();
        let name = package_name(name, index, total);
        if bytes.len() as u64 >= max_package_bytes {
            return Err(PackError::Failed(format!(
                "{name} came out at {} bytes, not below the limit of {max_package_bytes}; nothing \
                 was written. Please report this problem.",
                bytes.len()
            )));
        }
        packages.push(OutputFile {
            name,
            kind: OutputKind::Package,
            rows,
            bytes,
        });
    }
    Ok(packages)
}

/// More than the size of a package holding `group`: the pieces' own packages hold each CSV and
/// mapping file as they will be copied, plus a list and an end record of their own, which the
/// package of the import replaces by one list.
fn bound(group: &[Piece<'_>], encoding: OutputEncoding) -> u64 {
    let pieces: u64 = group.iter().map(|p| p.package.bytes.len() as u64).sum();
    pieces + list(group, encoding).len() as u64 + LIST_OVERHEAD
}

/// The `fileMappings.xml` of a package holding `group`.
fn list(group: &[Piece<'_>], encoding: OutputEncoding) -> Vec<u8> {
    let files: Vec<PackageFile> = group
        .iter()
        .map(|piece| PackageFile {
            csv_name: piece.file.csv_name.clone(),
            category: piece.file.category.clone(),
        })
        .collect();
    xml::file_mappings(encoding, &files)
}

/// The package (number `package`, for messages) holding the pieces of `group`: their list, then
/// each piece's mapping file and CSV, copied compressed; read back before it is returned.
fn combine(
    package: usize,
    group: &[Piece<'_>],
    encoding: OutputEncoding,
) -> Result<Vec<u8>, PackError> {
    let fail = |what: String| {
        PackError::Failed(format!(
            "Leadpack could not put package {package} of the import together ({what}); nothing \
             was written. Please report this problem."
        ))
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(names::FILE_MAPPINGS, file_options())
        .map_err(|err| fail(err.to_string()))?;
    zip.write_all(&list(group, encoding))
        .map_err(|err| fail(err.to_string()))?;
    for piece in group {
        let mut source = ZipArchive::new(Cursor::new(piece.package.bytes.as_slice()))
            .map_err(|err| fail(err.to_string()))?;
        for entry in entries(&piece.file.csv_name) {
            let file = source
                .by_name_raw(entry.as_bytes())
                .map_err(|err| fail(format!("{entry}: {err}")))?;
            zip.raw_copy_file(file)
                .map_err(|err| fail(format!("{entry}: {err}")))?;
        }
    }
    let bytes = zip
        .finish()
        .map_err(|err| fail(err.to_string()))?
        .into_inner();
    read_back(&bytes, group, encoding).map_err(fail)?;
    Ok(bytes)
}

/// The entries a CSV file brings into a package: its mapping file, then itself.
fn entries(csv_name: &str) -> [String; 2] {
    [xml::mappings_name(csv_name), csv_name.to_string()]
}

/// Reads a package of the import back: it lists exactly its pieces, and each of their files
/// decompresses to the bytes (size and CRC-32) of the package it was copied from, which was read
/// back itself when it was made.
fn read_back(bytes: &[u8], group: &[Piece<'_>], encoding: OutputEncoding) -> Result<(), String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|err| err.to_string())?;
    let wanted = 1 + 2 * group.len();
    if archive.len() != wanted {
        return Err(format!("{} files instead of {wanted}", archive.len()));
    }
    let mut listed = Vec::new();
    archive
        .by_name(names::FILE_MAPPINGS)
        .and_then(|mut file| Ok(file.read_to_end(&mut listed)?))
        .map_err(|err| err.to_string())?;
    if listed != list(group, encoding) {
        return Err("fileMappings.xml does not list its files".to_string());
    }
    for piece in group {
        let mut source = ZipArchive::new(Cursor::new(piece.package.bytes.as_slice()))
            .map_err(|err| err.to_string())?;
        for entry in entries(&piece.file.csv_name) {
            let (size, crc) = {
                let original = source.by_name(&entry).map_err(|err| err.to_string())?;
                (original.size(), original.crc32())
            };
            let mut copied = archive.by_name(&entry).map_err(|err| err.to_string())?;
            if (copied.size(), copied.crc32()) != (size, crc) {
                return Err(format!("{entry} differs from its file's own package"));
            }
            // Reading to the end checks the data against the CRC-32.
            std::io::copy(&mut copied, &mut std::io::sink())
                .map_err(|err| format!("{entry}: {err}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::options::ReadOptions;
    use crate::lead::template::Template;
    use crate::package::job::pack_bytes;

    /// A file of `rows` leads packed on its own, as `name`.
    fn packed(name: &str, rows: usize) -> PackOutcome {
        let mut text = String::from("First Name,Last Name,Email Address\n");
        for i in 0..rows {
            text.push_str(&format!("Ann{i},Lee{name},a{i}@example.com\n"));
        }
        pack_bytes(
            name,
            text.as_bytes(),
            &Template::default(),
            ReadOptions::default(),
        )
        .expect("the file packs")
        .outcome
    }

    /// The first package of each file, as pieces of an import.
    fn first_pieces(files: &[PackOutcome]) -> Vec<Piece<'_>> {
        files
            .iter()
            .map(|file| Piece {
                file,
                package: &file.packages[0],
            })
            .collect()
    }

    /// Two packages share a package of the import exactly when their own sizes and the new list
    /// stay below the limit with its margin: the bound is that sum, not a guess.
    #[test]
    fn two_packages_share_one_exactly_when_their_bound_is_below_the_limit() {
        let files = [packed("a.csv", 40), packed("b.csv", 30)];
        let pieces = first_pieces(&files);
        let own: u64 = files.iter().map(|f| f.packages[0].bytes.len() as u64).sum();
        let listed = list(&pieces, OutputEncoding::Utf8).len() as u64;
        let bound = own + listed + LIST_OVERHEAD;
        assert_eq!(super::bound(&pieces, OutputEncoding::Utf8), bound);
        let shared = pack_together("import", &files, bound + 1).unwrap();
        assert_eq!(shared.len(), 1);
        assert!((shared[0].bytes.len() as u64) < own);
        let apart = pack_together("import", &files, bound).unwrap();
        assert_eq!(apart.len(), 2);
        assert_eq!(apart[0].bytes, files[0].packages[0].bytes);
        // A limit that holds each package alone, with nothing to spare beside the larger one:
        // each package of the import is one file's, and none is empty.
        let tight = pieces
            .iter()
            .map(|piece| super::bound(std::slice::from_ref(piece), OutputEncoding::Utf8))
            .max()
            .unwrap();
        let alone = pack_together("import", &files, tight).unwrap();
        assert_eq!(alone.len(), 2);
        assert_eq!(alone[1].bytes, files[1].packages[0].bytes);
    }

    /// Reading a package of the import back finds what does not match its pieces.
    #[test]
    fn a_package_that_does_not_hold_its_pieces_does_not_read_back() {
        let files = [packed("a.csv", 3), packed("b.csv", 4)];
        let pieces = first_pieces(&files);
        let together = combine(1, &pieces, OutputEncoding::Utf8).unwrap();
        assert_eq!(read_back(&together, &pieces, OutputEncoding::Utf8), Ok(()));
        // Another package's bytes, another list, the pieces in another order.
        let own = &files[0].packages[0].bytes;
        assert!(
            read_back(own, &pieces, OutputEncoding::Utf8)
                .unwrap_err()
                .contains("3 files instead of 5")
        );
        let listed_otherwise = read_back(&together, &pieces, OutputEncoding::Windows1252);
        assert!(
            listed_otherwise
                .unwrap_err()
                .contains("does not list its files")
        );
        let swapped: Vec<Piece<'_>> = pieces
            .iter()
            .rev()
            .map(|p| Piece {
                file: p.file,
                package: p.package,
            })
            .collect();
        assert!(read_back(&together, &swapped, OutputEncoding::Utf8).is_err());
    }
}
