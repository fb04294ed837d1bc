//! Workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) read directly: one sheet becomes the
//! CSV text Excel's "Save as CSV UTF-8" would write, without the damage that step does, and the
//! check reads it as it reads any CSV file.
//!
//! - A workbook is known by its bytes, whatever its name says.
//! - Every row keeps the sheet's own row number: rows above the first value, and empty rows
//!   between values, are written as blank lines, which the check counts as rows without a
//!   lead. Columns start at A; empty columns and rows at
//!   the end are left out.
//! - Each cell is written as Excel shows it ([`cells`](super::cells)).
//! - Excel (`.xlsx`, `.xlsm`, `.xlsb`) sheets are read cell by cell, so a sheet never needs
//!   more memory than its values; older `.xls` and OpenDocument `.ods` sheets are read whole.
//! - A sheet larger than Excel allows (1,048,576 rows, 16,384 columns), or whose text would
//!   pass [`MAX_SHEET_TEXT`], is refused with a message, never cut short.

use std::io::Cursor;

use calamine::{Data, DataRef, Dimensions, Ods, Reader, SheetVisible, Xls, Xlsb, Xlsx};

use super::cells::cell_text;
use super::csvout::CsvOut;

/// Excel's own limits.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's own limits.
pub const MAX_COLUMNS: u32 = 16_384;
/// The most CSV text one sheet may become (2 GiB natively; 1 GiB in the browser, where a tab
/// has less memory).
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_SHEET_TEXT: usize = 2 << 30;
/// The most CSV text one sheet may become.
#[cfg(target_arch = "wasm32")]
pub const MAX_SHEET_TEXT: usize = 1 << 30;

/// The kinds of workbook Leadpack reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookKind {
    /// Excel 2007 and later (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel's binary workbook (`.xlsb`).
    Xlsb,
    /// Excel 97–2003 (`.xls`).
    Xls,
    /// OpenDocument (`.ods`: LibreOffice, Google Sheets' download).
    Ods,
    /// An Excel workbook protected by a password (it is encrypted).
    Encrypted,
}

impl WorkbookKind {
    /// How people call it.
    pub fn name(self) -> &'static str {
        match self {
            WorkbookKind::Xlsx => "an Excel workbook (.xlsx)",
            WorkbookKind::Xlsb => "an Excel binary workbook (.xlsb)",
            WorkbookKind::Xls => "an Excel 97–2003 workbook (.xls)",
            WorkbookKind::Ods => "an OpenDocument spreadsheet (.ods)",
            WorkbookKind::Encrypted => "a password-protected Excel workbook",
        }
    }
}

/// The kind of workbook `bytes` hold (their beginning is enough for most; a ZIP archive is
/// told apart by the names it holds), or `None` when they are no workbook.
pub fn workbook_kind(bytes: &[u8]) -> Option<WorkbookKind> {
    const CFB: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if bytes.starts_with(CFB) {
        // An encrypted Excel 2007 workbook is a compound file holding an "EncryptedPackage".
        let encrypted: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let holds = bytes
            .windows(encrypted.len())
            .any(|window| window == encrypted.as_slice());
        return Some(if holds {
            WorkbookKind::Encrypted
        } else {
            WorkbookKind::Xls
        });
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        Some(WorkbookKind::Xlsx)
    } else if has("xl/workbook.bin") {
        Some(WorkbookKind::Xlsb)
    } else if has("content.xml") && has("mimetype") {
        Some(WorkbookKind::Ods)
    } else {
        None
    }
}

/// One sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    /// Its name, as its tab shows it.
    pub name: String,
    /// Hidden in the workbook.
    pub hidden: bool,
}

/// Which sheet to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SheetChoice {
    /// The first sheet that holds a value.
    #[default]
    FirstWithValues,
    /// The sheet with this name (case aside).
    Named(String),
    /// The sheet at this place, from 1.
    Number(usize),
}

impl SheetChoice {
    /// A choice as the command line takes it: a number from 1, else a name.
    pub fn parse(text: &str) -> SheetChoice {
        match text.trim().parse::<usize>() {
            Ok(number) if number > 0 => SheetChoice::Number(number),
            _ => SheetChoice::Named(text.trim().to_string()),
        }
    }
}

/// A sheet read as CSV text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetText {
    /// The sheet read.
    pub sheet: String,
    /// Every sheet of the workbook, in order.
    pub sheets: Vec<SheetInfo>,
    /// The CSV text: UTF-8, `,`, CRLF, one row per row of the sheet.
    pub csv: Vec<u8>,
    /// What the user should know about how the sheet was read (merged cells, errors).
    pub notes: Vec<String>,
}

/// Why a workbook cannot be read, in words for people: what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookError(pub String);

impl std::fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WorkbookError {}

/// The sheets of the workbook `bytes`.
pub fn workbook_sheets(bytes: &[u8]) -> Result<Vec<SheetInfo>, WorkbookError> {
    Ok(open(bytes)?.sheets())
}

/// Reads the chosen sheet of the workbook `bytes` as CSV text.
///
/// calamine's readers check their arithmetic only in builds that check for overflow, where a
/// damaged workbook can make them panic (fuzzing found one in the `.xls` reader); such a panic
/// is caught here and told as damage, never passed on.
pub fn read_sheet(bytes: &[u8], choice: &SheetChoice) -> Result<SheetText, WorkbookError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_sheet_inner(bytes, choice)
    }))
    .unwrap_or_else(|_| {
        Err(WorkbookError(
            "the workbook is damaged in a way it cannot be read past. Open it in Excel or \
                 LibreOffice and save it again, or save the sheet as CSV UTF-8."
                .to_string(),
        ))
    })
}

fn read_sheet_inner(bytes: &[u8], choice: &SheetChoice) -> Result<SheetText, WorkbookError> {
    let mut book = open(bytes)?;
    let sheets = book.sheets();
    let names = || {
        sheets
            .iter()
            .map(|sheet| format!("“{}”", sheet.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut grid = Grid::default();
    let name = match choice {
        SheetChoice::Named(wanted) => {
            let Some(sheet) = sheets
                .iter()
                .find(|sheet| sheet.name.to_lowercase() == wanted.to_lowercase())
            else {
                return Err(WorkbookError(format!(
                    "the workbook has no sheet named “{wanted}”. Its sheets are {}: choose one of them.",
                    names()
                )));
            };
            book.read(&sheet.name, &mut grid)?;
            sheet.name.clone()
        }
        SheetChoice::Number(number) => {
            let Some(sheet) = sheets.get(number - 1) else {
                return Err(WorkbookError(format!(
                    "the workbook has {} sheet{}, so there is no sheet {number}. Its sheets are {}.",
                    sheets.len(),
                    if sheets.len() == 1 { "" } else { "s" },
                    names()
                )));
            };
            book.read(&sheet.name, &mut grid)?;
            sheet.name.clone()
        }
        SheetChoice::FirstWithValues => {
            let mut chosen = None;
            for sheet in sheets.iter().filter(|sheet| !sheet.hidden) {
                grid = Grid::default();
                book.read(&sheet.name, &mut grid)?;
                if !grid.is_empty() {
                    chosen = Some(sheet.name.clone());
                    break;
                }
            }
            match chosen {
                Some(name) => name,
                None => {
                    return Err(WorkbookError(
                        "every sheet of the workbook is empty: there are no leads in it. Check \
                         that it is the right file."
                            .to_string(),
                    ));
                }
            }
        }
    };
    if grid.is_empty() {
        return Err(WorkbookError(format!(
            "the sheet “{name}” is empty: there are no leads in it. Choose another sheet ({}).",
            names()
        )));
    }
    let mut notes = grid.notes();
    notes.extend(book.merged_notes(&name));
    let csv = grid.csv()?;
    Ok(SheetText {
        sheet: name,
        sheets,
        csv,
        notes,
    })
}

/// An open workbook, of whichever kind.
enum Book<'a> {
    Xlsx(Box<Xlsx<Cursor<&'a [u8]>>>),
    Xlsb(Box<Xlsb<Cursor<&'a [u8]>>>),
    Xls(Box<Xls<Cursor<&'a [u8]>>>),
    Ods(Box<Ods<Cursor<&'a [u8]>>>),
}

fn open(bytes: &[u8]) -> Result<Book<'_>, WorkbookError> {
    let kind = workbook_kind(bytes).ok_or_else(|| {
        WorkbookError(
            "this is neither a workbook Leadpack can read (.xlsx, .xlsm, .xlsb, .xls or .ods) nor \
             CSV text: it may be damaged or only partly copied. If it is a workbook, open it in \
             Excel or LibreOffice and save it again, or use File > Save As > CSV UTF-8 and choose \
             the CSV file."
                .to_string(),
        )
    })?;
    let damaged = |error: &dyn std::fmt::Display| {
        WorkbookError(format!(
            "this looks like {} but it cannot be read ({error}): it may be damaged or only \
             partly copied. Open it in Excel or LibreOffice and save it again, or save the sheet \
             as CSV UTF-8.",
            kind.name()
        ))
    };
    let cursor = Cursor::new(bytes);
    match kind {
        WorkbookKind::Encrypted => Err(protected(kind)),
        WorkbookKind::Xlsx => match Xlsx::new(cursor) {
            Ok(book) => Ok(Book::Xlsx(Box::new(book))),
            Err(calamine::XlsxError::Password) => Err(protected(kind)),
            Err(error) => Err(damaged(&error)),
        },
        WorkbookKind::Xlsb => match Xlsb::new(cursor) {
            Ok(book) => Ok(Book::Xlsb(Box::new(book))),
            Err(calamine::XlsbError::Password) => Err(protected(kind)),
            Err(error) => Err(damaged(&error)),
        },
        // calamine follows the file's sector chains without bounds: a damaged chain would
        // make it loop or index past its tables. The chains are checked first.
        WorkbookKind::Xls if !compound_file_is_sound(bytes) => {
            Err(damaged(&"its sector chains are broken"))
        }
        WorkbookKind::Xls => match Xls::new(cursor) {
            Ok(book) => Ok(Book::Xls(Box::new(book))),
            Err(calamine::XlsError::Password) => Err(protected(kind)),
            Err(error) => Err(damaged(&error)),
        },
        WorkbookKind::Ods => match Ods::new(cursor) {
            Ok(book) => Ok(Book::Ods(Box::new(book))),
            Err(calamine::OdsError::Password) => Err(protected(kind)),
            Err(error) => Err(damaged(&error)),
        },
    }
}

/// Whether the compound file `bytes` (an Excel 97–2003 workbook) has sound sector chains: its
/// tables (FAT, mini FAT) lie in the file, every chain stays inside its table and ends without
/// going round in a circle, and every stream starts inside the table it is read through.
fn compound_file_is_sound(bytes: &[u8]) -> bool {
    const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
    const LAST_REGULAR: u32 = 0xFFFF_FFFA;
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let size = match u16_at(0x1E) {
        Some(9) => 512usize,
        Some(12) => 4096,
        _ => return false,
    };
    let sectors = (bytes.len() / size).saturating_sub(1);
    let sector = |id: u32| -> Option<&[u8]> {
        let id = usize::try_from(id).ok()?;
        (id < sectors).then(|| &bytes[(id + 1) * size..(id + 2) * size])
    };
    let words = |data: &[u8]| -> Vec<u32> {
        data.chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    };
    // The FAT's sectors: 109 in the header, then the DIFAT chain's.
    let mut fat_sectors: Vec<u32> = (0..109).filter_map(|i| u32_at(0x4C + 4 * i)).collect();
    let mut difat = u32_at(0x44).unwrap_or(END_OF_CHAIN);
    let mut steps = 0;
    while difat <= LAST_REGULAR {
        steps += 1;
        let Some(data) = sector(difat).filter(|_| steps <= sectors) else {
            return false;
        };
        let mut entries = words(data);
        difat = entries.pop().unwrap_or(END_OF_CHAIN);
        fat_sectors.extend(entries);
    }
    let mut fat = Vec::new();
    for id in fat_sectors.into_iter().filter(|id| *id <= LAST_REGULAR) {
        match sector(id) {
            Some(data) => fat.extend(words(data)),
            None => return false,
        }
    }
    // A chain through `table` from `start`: within the table, and ending.
    let chain = |table: &[u32], start: u32| -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
            if id > LAST_REGULAR || id as usize >= table.len() || ids.len() >= table.len() {
                return None;
            }
            ids.push(id);
            id = table[id as usize];
        }
        Some(ids)
    };
    let no_circle = |table: &[u32]| -> bool {
        // 0: not seen, 1: on the path being followed, 2: ends well.
        let mut state = vec![0u8; table.len()];
        for first in 0..table.len() {
            let mut path = Vec::new();
            let mut id = first;
            loop {
                match state[id] {
                    2 => break,
                    1 => return false,
                    _ => {}
                }
                state[id] = 1;
                path.push(id);
                let next = table[id];
                if next > LAST_REGULAR {
                    break;
                }
                if next as usize >= table.len() {
                    return false;
                }
                id = next as usize;
            }
            for id in path {
                state[id] = 2;
            }
        }
        true
    };
    if !no_circle(&fat) {
        return false;
    }
    let Some(mini_sectors) = chain(&fat, u32_at(0x3C).unwrap_or(END_OF_CHAIN)) else {
        return false;
    };
    let mut mini_fat = Vec::new();
    for id in mini_sectors {
        match sector(id) {
            Some(data) => mini_fat.extend(words(data)),
            None => return false,
        }
    }
    if !no_circle(&mini_fat) {
        return false;
    }
    let Some(directory) = chain(&fat, u32_at(0x30).unwrap_or(END_OF_CHAIN)) else {
        return false;
    };
    // Each stream starts inside the table it is read through (the mini FAT below 4,096 bytes).
    for id in directory {
        let Some(data) = sector(id) else {
            return false;
        };
        for entry in data.chunks_exact(128) {
            let kind = entry[0x42];
            let start = u32::from_le_bytes([entry[0x74], entry[0x75], entry[0x76], entry[0x77]]);
            let length = u32::from_le_bytes([entry[0x78], entry[0x79], entry[0x7A], entry[0x7B]]);
            if kind == 0 || start > LAST_REGULAR {
                continue;
            }
            let table = if kind != 5 && length < 4096 {
                &mini_fat
            } else {
                &fat
            };
            if start as usize >= table.len() {
                return false;
            }
        }
    }
    true
}

fn protected(kind: WorkbookKind) -> WorkbookError {
    WorkbookError(format!(
        "this is {}: it is protected by a password, and Leadpack cannot read it. Open it in Excel \
         with its password, remove the password (File > Info > Protect Workbook), save it, and \
         choose it again.",
        kind.name()
    ))
}

impl Book<'_> {
    fn sheets(&self) -> Vec<SheetInfo> {
        let metadata = match self {
            Book::Xlsx(book) => book.sheets_metadata(),
            Book::Xlsb(book) => book.sheets_metadata(),
            Book::Xls(book) => book.sheets_metadata(),
            Book::Ods(book) => book.sheets_metadata(),
        };
        metadata
            .iter()
            .filter(|sheet| sheet.typ == calamine::SheetType::WorkSheet)
            .map(|sheet| SheetInfo {
                name: sheet.name.clone(),
                hidden: sheet.visible != SheetVisible::Visible,
            })
            .collect()
    }

    /// Reads the sheet `name` into `grid`.
    fn read(&mut self, name: &str, grid: &mut Grid) -> Result<(), WorkbookError> {
        let unreadable = |error: &dyn std::fmt::Display| {
            WorkbookError(format!(
                "the sheet “{name}” cannot be read ({error}): the workbook may be damaged. Open \
                 it in Excel or LibreOffice and save it again, or save the sheet as CSV UTF-8."
            ))
        };
        match self {
            Book::Xlsx(book) => {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|error| unreadable(&error))?;
                let formats: Vec<Option<String>> = cells
                    .styles()
                    .iter()
                    .map(|style| {
                        style
                            .number_format
                            .as_ref()
                            .map(|format| format.format_code.clone())
                    })
                    .collect();
                while let Some((cell, style)) = cells
                    .next_cell_with_style_id()
                    .map_err(|error| unreadable(&error))?
                {
                    let format = formats.get(style).and_then(Option::as_deref);
                    let (row, column) = cell.get_position();
                    grid.put(row, column, cell.get_value(), format)?;
                }
            }
            Book::Xlsb(book) => {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|error| unreadable(&error))?;
                while let Some(cell) = cells.next_cell().map_err(|error| unreadable(&error))? {
                    let (row, column) = cell.get_position();
                    grid.put(row, column, cell.get_value(), None)?;
                }
            }
            Book::Xls(book) => {
                let range = book
                    .worksheet_range(name)
                    .map_err(|error| unreadable(&error))?;
                put_range(&range, grid)?;
            }
            Book::Ods(book) => {
                let range = book
                    .worksheet_range(name)
                    .map_err(|error| unreadable(&error))?;
                put_range(&range, grid)?;
            }
        }
        Ok(())
    }

    /// A note on the merged cells of the sheet `name`, when it has some.
    fn merged_notes(&mut self, name: &str) -> Vec<String> {
        let regions: Vec<Dimensions> = match self {
            Book::Xlsx(book) => book.merge_cells_by_sheet_name(name).unwrap_or_default(),
            Book::Xls(book) => book.merge_cells_by_sheet_name(name).unwrap_or_default(),
            _ => Vec::new(),
        };
        if regions.is_empty() {
            return Vec::new();
        }
        let shown: Vec<String> = regions.iter().take(5).map(cell_range).collect();
        let more = regions.len().saturating_sub(shown.len());
        vec![format!(
            "The sheet has merged cells ({}{}): only the first cell of each holds its value, and \
             the others are read as empty. Unmerge them in Excel and fill every cell if each \
             row needs the value.",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )]
    }
}

fn put_range(range: &calamine::Range<Data>, grid: &mut Grid) -> Result<(), WorkbookError> {
    let (top, left) = range.start().unwrap_or((0, 0));
    for (row, column, value) in range.used_cells() {
        let value = match value {
            Data::Int(number) => DataRef::Int(*number),
            Data::Float(number) => DataRef::Float(*number),
            Data::String(text) => DataRef::SharedString(text),
            Data::Bool(value) => DataRef::Bool(*value),
            Data::DateTime(when) => DataRef::DateTime(*when),
            Data::DateTimeIso(text) => DataRef::DateTimeIso(text.clone()),
            Data::DurationIso(text) => DataRef::DurationIso(text.clone()),
            Data::Error(error) => DataRef::Error(error.clone()),
            Data::Empty => DataRef::Empty,
        };
        let row = u32::try_from(row).unwrap_or(u32::MAX).saturating_add(top);
        let column = u32::try_from(column)
            .unwrap_or(u32::MAX)
            .saturating_add(left);
        grid.put(row, column, &value, None)?;
    }
    Ok(())
}

/// A cell's name, `B7`, from its row and column (from 0).
pub fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

fn cell_range(region: &Dimensions) -> String {
    format!(
        "{}:{}",
        cell_name(region.start.0, region.start.1),
        cell_name(region.end.0, region.end.1)
    )
}

/// The cells with values of a sheet, before they are written as CSV.
#[derive(Default)]
struct Grid {
    /// Every cell's text, one after the other.
    text: String,
    /// Each cell: its row and column (from 0), and where its text starts and ends in `text`.
    cells: Vec<(u32, u32, u32, u32)>,
    /// The cells did not come row by row, left to right.
    unordered: bool,
    /// The widest row, in columns.
    width: u32,
    /// Cells whose formula gives an error: their count and the first.
    errors: (usize, Option<String>),
}

impl Grid {
    fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn put(
        &mut self,
        row: u32,
        column: u32,
        value: &DataRef<'_>,
        format: Option<&str>,
    ) -> Result<(), WorkbookError> {
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        if let DataRef::String(text) = value
            && text.is_empty()
        {
            return Ok(());
        }
        if let DataRef::SharedString(text) = value
            && text.is_empty()
        {
            return Ok(());
        }
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(WorkbookError(format!(
                "the sheet has a value in cell {}, beyond the 1,048,576 rows and 16,384 columns \
                 a sheet can have: the workbook is damaged. Save it again from Excel, or save the \
                 sheet as CSV UTF-8.",
                cell_name(row.min(MAX_ROWS * 4), column.min(MAX_COLUMNS * 4))
            )));
        }
        if let DataRef::Error(_) = value {
            self.errors.0 += 1;
            if self.errors.1.is_none() {
                self.errors.1 = Some(cell_name(row, column));
            }
        }
        if let Some(&(last_row, last_column, _, _)) = self.cells.last()
            && (row, column) <= (last_row, last_column)
        {
            self.unordered = true;
        }
        let start = self.text.len();
        cell_text(value, format, &mut self.text);
        if self.text.len() > MAX_SHEET_TEXT {
            return Err(too_large());
        }
        // Both fit: the text is at most MAX_SHEET_TEXT (2 GiB) long.
        let (start, end) = (start as u32, self.text.len() as u32);
        if start == end {
            return Ok(());
        }
        self.cells.push((row, column, start, end));
        self.width = self.width.max(column + 1);
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        match &self.errors {
            (0, _) => Vec::new(),
            (count, first) => vec![format!(
                "{count} cell{} of the sheet show{} a formula error (the first in {}), such as \
                 #N/A or #DIV/0!: the error is read as the cell's value. Correct the formula in \
                 the workbook if the value matters.",
                if *count == 1 { "" } else { "s" },
                if *count == 1 { "s" } else { "" },
                first.as_deref().unwrap_or("the sheet")
            )],
        }
    }

    /// The CSV text: every row from the first of the sheet to the last with values, each as
    /// wide as the widest.
    fn csv(&mut self) -> Result<Vec<u8>, WorkbookError> {
        if self.unordered {
            // A later cell of one place wins, as it would in the sheet.
            self.cells.sort_by_key(|&(row, column, _, _)| (row, column));
        }
        let width = self.width as usize;
        let rows = self.cells.last().map_or(0, |cell| cell.0 as usize + 1);
        let commas = width.saturating_sub(1).saturating_mul(rows);
        if self.text.len().saturating_add(commas) > MAX_SHEET_TEXT {
            return Err(too_large());
        }
        let mut out = Vec::with_capacity(self.text.len() + commas + 2 * rows);
        let mut writer = CsvOut::new();
        let mut fields: Vec<&str> = vec![""; width];
        let mut next_row = 0u32;
        for row_cells in self.cells.chunk_by(|a, b| a.0 == b.0) {
            let row = row_cells[0].0;
            // The empty rows before it, as blank lines: rows without a lead.
            for _ in next_row..row {
                out.extend_from_slice(b"\r\n");
            }
            fields.fill("");
            for &(_, column, start, end) in row_cells {
                fields[column as usize] = &self.text[start as usize..end as usize];
            }
            writer.record(fields.iter().map(|field| field.as_bytes()), &mut out);
            next_row = row + 1;
        }
        Ok(out)
    }
}

fn too_large() -> WorkbookError {
    WorkbookError(format!(
        "the sheet holds more text than Leadpack reads from one sheet ({} MB). Split it into \
         several sheets or files, or save it as CSV UTF-8.",
        MAX_SHEET_TEXT >> 20
    ))
}
