//! Reading files for the engine, in chunks, with messages that name the file.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use leadpack_engine::{SheetChoice, SheetText, WorkbookKind, read_sheet, workbook_kind};

/// The size of the chunks fed to the engine.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Reads `path` in chunks, calling `each` for every chunk. Errors name the file and the cause.
pub fn read_chunks(
    path: &Path,
    mut each: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut file = File::open(path)
        .map_err(|err| format!("cannot open {}: {}", path.display(), describe(&err)))?;
    let mut buffer = vec![0u8; CHUNK_BYTES];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => {
                return Err(format!(
                    "cannot read {}: {}",
                    path.display(),
                    describe(&err)
                ));
            }
        };
        each(&buffer[..read])?;
    }
}

/// A file to read once or more. A regular file is read from the disk each time. Anything else
/// (a pipe, standard input, a device) gives its bytes only once, so it is read into memory at
/// once and read from there. A workbook is read as the CSV text of its chosen sheet.
pub enum Input {
    /// A regular file.
    File(PathBuf),
    /// The bytes of a pipe or a device.
    Bytes(Vec<u8>),
    /// A sheet of a workbook, as CSV text, with what kind of workbook it came from.
    Sheet(SheetText, WorkbookKind),
}

/// Whether a file's first bytes are those of a workbook (an Excel or OpenDocument file is a ZIP
/// archive or a compound file).
pub fn may_be_workbook(first: &[u8]) -> bool {
    first.starts_with(b"PK\x03\x04") || first.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

/// Whether the name of `path` ends as a workbook's does.
fn has_workbook_extension(path: &Path) -> bool {
    let name = display_name(path).to_lowercase();
    [".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"]
        .iter()
        .any(|extension| name.ends_with(extension))
}

impl Input {
    /// Opens `path` for reading; a workbook, by its bytes whatever its name, as its sheet
    /// `sheet`.
    pub fn open(path: &Path, sheet: &SheetChoice) -> Result<Input, String> {
        let input = Input::open_file(path)?;
        let first: Vec<u8> = match &input {
            Input::File(path) => {
                let mut first = Vec::new();
                File::open(path)
                    .and_then(|file| file.take(8).read_to_end(&mut first))
                    .map_err(|err| format!("cannot read {}: {}", path.display(), describe(&err)))?;
                first
            }
            Input::Bytes(bytes) => bytes.iter().take(8).copied().collect(),
            Input::Sheet(..) => Vec::new(),
        };
        if !may_be_workbook(&first) {
            return Ok(input);
        }
        let bytes = match input {
            Input::File(path) => std::fs::read(&path)
                .map_err(|err| format!("cannot read {}: {}", path.display(), describe(&err)))?,
            Input::Bytes(bytes) => bytes,
            sheet @ Input::Sheet(..) => return Ok(sheet),
        };
        match workbook_kind(&bytes) {
            // A workbook by its name whose archive cannot even be opened: damaged.
            None if has_workbook_extension(path) => Err(format!(
                "{}: this looks like a workbook but it cannot be read: it may be damaged or only \
                 partly copied. Open it in Excel or LibreOffice and save it again, or use File > \
                 Save As > CSV UTF-8 and choose the CSV file.",
                display_name(path)
            )),
            // Another ZIP archive or compound file: the check says what it is.
            None => Ok(Input::Bytes(bytes)),
            Some(kind) => read_sheet(&bytes, sheet)
                .map(|text| Input::Sheet(text, kind))
                .map_err(|err| format!("{}: {err}", display_name(path))),
        }
    }

    /// What the user should know about how the input was read: for a sheet, which one and
    /// what it held.
    pub fn notes(&self) -> Vec<String> {
        match self {
            Input::Sheet(sheet, kind) => {
                let mut notes = vec![format!(
                    "Read from the sheet “{}” of {} ({} sheet{} in all), as Excel shows its cells: \
                     numbers in full, dates as yyyy-MM-dd.",
                    sheet.sheet,
                    kind.name(),
                    sheet.sheets.len(),
                    if sheet.sheets.len() == 1 { "" } else { "s" }
                )];
                notes.extend(sheet.notes.iter().cloned());
                notes
            }
            _ => Vec::new(),
        }
    }

    fn open_file(path: &Path) -> Result<Input, String> {
        let cannot_read =
            |err: &std::io::Error| format!("cannot read {}: {}", path.display(), describe(err));
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => Ok(Input::File(path.to_path_buf())),
            Ok(meta) if meta.is_dir() => Err(format!(
                "cannot read {}: it is a folder, not a file",
                path.display()
            )),
            Ok(_) => {
                let mut bytes = Vec::new();
                File::open(path)
                    .and_then(|mut file| file.read_to_end(&mut bytes))
                    .map_err(|err| cannot_read(&err))?;
                Ok(Input::Bytes(bytes))
            }
            Err(err) => Err(format!(
                "cannot open {}: {}",
                path.display(),
                describe(&err)
            )),
        }
    }

    /// Its size in bytes, when it is known before reading.
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::File(path) => std::fs::metadata(path).ok().map(|meta| meta.len()),
            Input::Bytes(bytes) => Some(bytes.len() as u64),
            Input::Sheet(sheet, _) => Some(sheet.csv.len() as u64),
        }
    }

    /// Reads it in chunks, calling `each` for every chunk.
    pub fn chunks(&self, mut each: impl FnMut(&[u8]) -> Result<(), String>) -> Result<(), String> {
        match self {
            Input::File(path) => read_chunks(path, each),
            Input::Bytes(bytes) => bytes.chunks(CHUNK_BYTES).try_for_each(&mut each),
            Input::Sheet(sheet, _) => sheet.csv.chunks(CHUNK_BYTES).try_for_each(&mut each),
        }
    }
}

/// The name of a file as the engine shows it: its file name, without folders.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The names of `paths` in reports and messages: each file's name, or, for files that share
/// their name with another (`a/leads.csv`, `b/leads.csv`), the path as it was given, so that a
/// finding that names another file of an import names one file only.
pub fn import_names(paths: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = paths.iter().map(|path| display_name(path)).collect();
    names
        .iter()
        .zip(paths)
        .map(|(name, path)| {
            if names.iter().filter(|other| *other == name).count() > 1 {
                path.display().to_string()
            } else {
                name.clone()
            }
        })
        .collect()
}

/// An error writing a file, in plain words.
pub fn describe_write(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match err.kind() {
        PermissionDenied | ReadOnlyFilesystem => {
            "permission denied; check that you may write in that folder, or choose another with --out"
                .to_string()
        }
        StorageFull | QuotaExceeded => {
            "the disk is full; make room, or choose another folder with --out".to_string()
        }
        NotFound => "the folder does not exist".to_string(),
        IsADirectory => "a folder has that name".to_string(),
        _ => err.to_string(),
    }
}

/// An error reading a file, in plain words.
pub fn describe(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match err.kind() {
        NotFound => "there is no such file; check the name and the folder".to_string(),
        PermissionDenied => "permission denied; check that you may read it".to_string(),
        IsADirectory => "it is a folder, not a file".to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{describe, describe_write};
    use std::io::{Error, ErrorKind};

    /// Hostile input, round two, (16): a folder that cannot be written is not answered with
    /// advice about reading.
    #[test]
    fn a_write_that_is_refused_gets_advice_about_writing() {
        for kind in [ErrorKind::PermissionDenied, ErrorKind::ReadOnlyFilesystem] {
            let message = describe_write(&Error::from(kind));
            assert!(message.contains("may write in that folder"), "{message}");
            assert!(!message.contains("read"), "{message}");
        }
        let full = describe_write(&Error::from(ErrorKind::StorageFull));
        assert!(full.contains("the disk is full"), "{full}");
        assert!(describe(&Error::from(ErrorKind::PermissionDenied)).contains("may read it"));
    }
}
