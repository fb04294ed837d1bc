//! Rows by number: where the records of a file start in its bytes, found without decoding its
//! text, and any stretch of records read from there. The review grid shows row 900,000 of a
//! large file by reading a few kilobytes, not the whole file.
//!
//! The places are found on a copy of the bytes in which every character that is not ASCII is
//! one `x` per byte (per two bytes in UTF-16): the characters that shape records (quotes,
//! delimiters, line breaks) are ASCII in every encoding this works for, so the copy splits into
//! the same records, on the same rows, at the same byte offsets as the file. Encodings where a
//! byte of a longer character can look like ASCII (Shift_JIS, GBK, Big5 and the like) are read
//! from the start instead: slower for a large file, never wrong.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::decode::TextDecoder;
use super::dialect::separator_hint;
use super::reader::{Record, RecordProblem, RecordReader};

/// Records between two marks: reading any record reads at most this many before it.
pub const MARK_EVERY: u64 = 64;

/// Where a record starts, for reading from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowMark {
    /// The data record (counted from 0, the first record below the header) that comes next.
    pub record: u64,
    /// The byte of the file where reading starts: the end of the record before.
    pub offset: u64,
    /// The spreadsheet row that comes next (blank lines count).
    pub row: u64,
    /// The record before ended with a carriage return, so a line feed right here is part of it.
    pub after_cr: bool,
}

/// How the bytes of an encoding map to the copy the marks are found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Units {
    /// One byte, one unit: UTF-8 and the single-byte encodings.
    Bytes,
    /// Two bytes, one unit.
    Utf16 { little: bool },
}

impl Units {
    fn of(encoding: &'static Encoding) -> Option<Units> {
        if encoding == UTF_8 || encoding.is_single_byte() {
            Some(Units::Bytes)
        } else if encoding == UTF_16LE {
            Some(Units::Utf16 { little: true })
        } else if encoding == UTF_16BE {
            Some(Units::Utf16 { little: false })
        } else {
            None
        }
    }

    fn width(self) -> u64 {
        match self {
            Units::Bytes => 1,
            Units::Utf16 { .. } => 2,
        }
    }
}

/// Finds a mark every [`MARK_EVERY`] data records, fed the file's bytes in order.
pub struct RowLocator {
    encoding: &'static Encoding,
    units: Option<Units>,
    delimiter: u8,
    header_row: u64,
    /// The reader, once the start (a byte order mark, a `sep=` line) is judged.
    reader: Option<RecordReader>,
    /// The first bytes, held until the start can be judged.
    start: Vec<u8>,
    /// Bytes before the text the reader reads (a byte order mark).
    base: u64,
    /// The first byte of a two-byte unit cut off by the end of a chunk.
    odd: Option<u8>,
    /// The copy of the current chunk.
    copy: String,
    /// Units handed to the reader before the current chunk.
    fed: u64,
    /// Data records seen.
    records: u64,
    marks: Vec<RowMark>,
}

/// Bytes to hold before judging the start: enough for a byte order mark and a `sep=` line.
const START_BYTES: usize = 16;

impl RowLocator {
    /// A locator for a file in `encoding`, whose records are separated by `delimiter` and whose
    /// header is on `header_row` (the records above it are titles, not data).
    pub fn new(encoding: &'static Encoding, delimiter: u8, header_row: u64) -> Self {
        RowLocator {
            encoding,
            units: Units::of(encoding),
            delimiter,
            header_row,
            reader: None,
            start: Vec::new(),
            base: 0,
            odd: None,
            copy: String::new(),
            fed: 0,
            records: 0,
            marks: Vec::new(),
        }
    }

    /// Whether marks can be found in this encoding (when not, every reading starts at the
    /// start of the file).
    pub fn works(&self) -> bool {
        self.units.is_some()
    }

    /// Reads the next bytes of the file.
    pub fn feed(&mut self, bytes: &[u8]) {
        let Some(units) = self.units else {
            return;
        };
        if self.reader.is_none() {
            self.start.extend_from_slice(bytes);
            if self.start.len() >= START_BYTES {
                let held = std::mem::take(&mut self.start);
                self.begin(units, &held);
            }
            return;
        }
        self.read(units, bytes);
    }

    /// Ends the file and returns the marks, in order; empty when the encoding does not allow
    /// them.
    pub fn finish(mut self) -> Vec<RowMark> {
        let Some(units) = self.units else {
            return Vec::new();
        };
        if self.reader.is_none() {
            let held = std::mem::take(&mut self.start);
            self.begin(units, &held);
        }
        let (header_row, records) = (self.header_row, &mut self.records);
        let marks = &mut self.marks;
        let copy = "";
        let chunk_start = self.fed;
        if let Some(reader) = self.reader.as_mut() {
            reader.finish(&mut |record| {
                note(
                    record,
                    header_row,
                    records,
                    marks,
                    copy,
                    chunk_start,
                    self.base,
                    units,
                );
            });
        }
        self.marks
    }

    /// Judges the start: a byte order mark is passed over, and a `sep=` line is no row.
    fn begin(&mut self, units: Units, held: &[u8]) {
        let bom: &[u8] = match units {
            Units::Bytes if held.starts_with(b"\xEF\xBB\xBF") => b"\xEF\xBB\xBF",
            Units::Utf16 { little: true } if held.starts_with(b"\xFF\xFE") => b"\xFF\xFE",
            Units::Utf16 { little: false } if held.starts_with(b"\xFE\xFF") => b"\xFE\xFF",
            _ => b"",
        };
        self.base = bom.len() as u64;
        let body = &held[bom.len()..];
        // Judged on the text, as the check judges it (in the copy, `sep=` and a letter would look
        // like a hint); the line is ASCII, so its length in bytes is its length in units.
        let mut text = String::new();
        TextDecoder::new(self.encoding).decode(held, false, &mut text);
        let skip = separator_hint(&text).map_or(0, |(_, line)| line);
        self.reader = Some(RecordReader::new(self.delimiter).skipping(skip));
        self.read(units, body);
    }

    fn read(&mut self, units: Units, bytes: &[u8]) {
        let mut copy = std::mem::take(&mut self.copy);
        copy.clear();
        ascii_copy(units, bytes, &mut self.odd, &mut copy);
        let (header_row, base, chunk_start) = (self.header_row, self.base, self.fed);
        let (records, marks) = (&mut self.records, &mut self.marks);
        if let Some(reader) = self.reader.as_mut() {
            reader.feed(&copy, &mut |record| {
                note(
                    record,
                    header_row,
                    records,
                    marks,
                    &copy,
                    chunk_start,
                    base,
                    units,
                );
            });
        }
        self.fed += copy.len() as u64;
        self.copy = copy;
    }
}

/// Takes note of one record: the header (the last record at or above its row), and every
/// [`MARK_EVERY`]th data record's predecessor, leave a mark at their end.
#[allow(clippy::too_many_arguments)]
fn note(
    record: Record<'_>,
    header_row: u64,
    records: &mut u64,
    marks: &mut Vec<RowMark>,
    copy: &str,
    chunk_start: u64,
    base: u64,
    units: Units,
) {
    let next = if record.row <= header_row {
        // The header (or a row above it, when the header's row holds no record): the data
        // records start after the last of them.
        marks.clear();
        0
    } else {
        *records += 1;
        *records
    };
    if next % MARK_EVERY != 0 {
        return;
    }
    let end = record.end_offset;
    let after_cr = end
        .checked_sub(chunk_start + 1)
        .and_then(|at| copy.as_bytes().get(at as usize))
        == Some(&b'\r');
    marks.push(RowMark {
        record: next,
        offset: base + end * units.width(),
        row: record.row + 1,
        after_cr,
    });
}

/// Appends the ASCII copy of `bytes` to `copy`: ASCII stays, anything else is `x` per unit.
fn ascii_copy(units: Units, bytes: &[u8], odd: &mut Option<u8>, copy: &mut String) {
    match units {
        Units::Bytes => copy.extend(
            bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { 'x' }),
        ),
        Units::Utf16 { little } => {
            let mut rest = bytes;
            if let Some(first) = odd.take() {
                let Some((&second, tail)) = rest.split_first() else {
                    *odd = Some(first);
                    return;
                };
                copy.push(utf16_unit(little, first, second));
                rest = tail;
            }
            let mut pairs = rest.chunks_exact(2);
            copy.extend(
                pairs
                    .by_ref()
                    .map(|pair| utf16_unit(little, pair[0], pair[1])),
            );
            *odd = pairs.remainder().first().copied();
        }
    }
}

fn utf16_unit(little: bool, first: u8, second: u8) -> char {
    let unit = if little {
        u16::from_le_bytes([first, second])
    } else {
        u16::from_be_bytes([first, second])
    };
    if unit < 0x80 { unit as u8 as char } else { 'x' }
}

/// One record read by a [`RowWindow`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowRow {
    /// The data record, from 0.
    pub record: u64,
    /// Its spreadsheet row.
    pub row: u64,
    /// Its values, as read (as many as the record has, which for a broken row is not the
    /// header's count).
    pub values: Vec<String>,
    /// Its quote never closed.
    pub unterminated: bool,
}

/// Which records a [`RowWindow`] keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// The data records `first`, `first + 1`, … (`count` in all).
    Records {
        /// The first.
        first: u64,
        /// How many.
        count: u64,
    },
    /// The records on these spreadsheet rows, in ascending order.
    Rows(Vec<u64>),
    /// The records with a value that holds this text, whatever the case of its letters: the
    /// first `limit` of them.
    Containing {
        /// The text, in lower case.
        text: String,
        /// How many to keep at most.
        limit: usize,
    },
}

impl Wanted {
    /// The records holding `text` (any case), `limit` at most.
    pub fn containing(text: &str, limit: usize) -> Self {
        Wanted::Containing {
            text: text.to_lowercase(),
            limit,
        }
    }
}

/// Whether `value` holds `text` (in lower case), whatever the case of its letters.
fn holds(value: &str, text: &str) -> bool {
    if text.is_ascii() {
        let text = text.as_bytes();
        value.len() >= text.len()
            && value
                .as_bytes()
                .windows(text.len())
                .any(|window| window.eq_ignore_ascii_case(text))
    } else {
        value.to_lowercase().contains(text)
    }
}

/// Reads the records a [`Wanted`] names, from a mark or from the start of the file.
pub struct RowWindow {
    decoder: TextDecoder,
    reader: RecordReader,
    /// Reading from the start of the file: the `sep=` line is still to judge.
    from_start: bool,
    /// The first bytes, held (from the start only) until the start can be judged.
    start: Vec<u8>,
    header_row: u64,
    /// The data record that comes next.
    next: u64,
    wanted: Wanted,
    rows: Vec<WindowRow>,
    text: String,
    done: bool,
}

impl RowWindow {
    /// A window over a file in `encoding` with `delimiter` and its header on `header_row`,
    /// reading from `mark`: the caller feeds the file's bytes from `mark.offset` on (from the
    /// start of the file when there is no mark).
    pub fn new(
        encoding: &'static Encoding,
        delimiter: u8,
        header_row: u64,
        mark: Option<RowMark>,
        wanted: Wanted,
    ) -> Self {
        let (decoder, reader, next) = match mark {
            Some(mark) => (
                TextDecoder::resuming(encoding),
                RecordReader::new(delimiter)
                    .inside()
                    .from_row(mark.row)
                    .after_carriage_return(mark.after_cr),
                mark.record,
            ),
            None => (TextDecoder::new(encoding), RecordReader::new(delimiter), 0),
        };
        RowWindow {
            decoder,
            reader,
            from_start: mark.is_none(),
            start: Vec::new(),
            header_row,
            next,
            done: wanted_is_empty(&wanted),
            wanted,
            rows: Vec::new(),
            text: String::new(),
        }
    }

    /// The mark to read `wanted` from: the last at or before its first record (or row).
    pub fn mark_for(marks: &[RowMark], wanted: &Wanted) -> Option<RowMark> {
        let after = match wanted {
            Wanted::Records { first, .. } => marks.partition_point(|mark| mark.record <= *first),
            Wanted::Rows(rows) => {
                let first = rows.first().copied().unwrap_or(0);
                marks.partition_point(|mark| mark.row <= first)
            }
            Wanted::Containing { .. } => 0,
        };
        after.checked_sub(1).map(|at| marks[at])
    }

    /// Reads the next bytes; `true` once every wanted record is read (feed no more).
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.done {
            return true;
        }
        if self.from_start {
            self.start.extend_from_slice(bytes);
            if self.start.len() < START_BYTES {
                return false;
            }
            let held = std::mem::take(&mut self.start);
            self.begin(&held, false);
            return self.done;
        }
        self.decode(bytes, false);
        self.done
    }

    /// Ends the file; returns the wanted records found, in file order.
    pub fn finish(mut self) -> Vec<WindowRow> {
        if !self.done {
            if self.from_start {
                let held = std::mem::take(&mut self.start);
                self.begin(&held, true);
            } else {
                self.decode(&[], true);
            }
            let mut text = std::mem::take(&mut self.text);
            text.clear();
            let (header_row, wanted) = (self.header_row, &self.wanted);
            let (next, rows, done) = (&mut self.next, &mut self.rows, &mut self.done);
            self.reader
                .finish(&mut |record| keep(record, header_row, wanted, next, rows, done));
        }
        self.rows
    }

    /// The start of the file: the byte order mark is the decoder's, the `sep=` line no row.
    fn begin(&mut self, held: &[u8], last: bool) {
        self.from_start = false;
        let mut text = String::new();
        self.decoder.decode(held, last, &mut text);
        if let Some((_, line)) = separator_hint(&text) {
            self.reader = std::mem::take(&mut self.reader).skipping(line);
        }
        self.read(&text);
    }

    fn decode(&mut self, bytes: &[u8], last: bool) {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        self.decoder.decode(bytes, last, &mut text);
        self.read(&text);
        self.text = text;
    }

    fn read(&mut self, text: &str) {
        let (header_row, wanted) = (self.header_row, &self.wanted);
        let (next, rows, done) = (&mut self.next, &mut self.rows, &mut self.done);
        self.reader.feed(text, &mut |record| {
            keep(record, header_row, wanted, next, rows, done)
        });
    }
}

fn wanted_is_empty(wanted: &Wanted) -> bool {
    match wanted {
        Wanted::Records { count, .. } => *count == 0,
        Wanted::Rows(rows) => rows.is_empty(),
        Wanted::Containing { limit, .. } => *limit == 0,
    }
}

/// Keeps `record` if it is wanted, and notes when every wanted record is read.
fn keep(
    record: Record<'_>,
    header_row: u64,
    wanted: &Wanted,
    next: &mut u64,
    rows: &mut Vec<WindowRow>,
    done: &mut bool,
) {
    if *done || record.row <= header_row {
        return;
    }
    let index = *next;
    *next += 1;
    let (take, last) = match wanted {
        // Past the last one wanted, `done` stops the reading.
        Wanted::Records { first, count } => (index >= *first, index + 1 >= first + count),
        Wanted::Rows(wanted_rows) => (
            wanted_rows.binary_search(&record.row).is_ok(),
            wanted_rows.last().is_none_or(|&last| record.row >= last),
        ),
        Wanted::Containing { text, limit } => {
            let take = record.fields().any(|value| holds(value, text));
            (take, take && rows.len() + 1 >= *limit)
        }
    };
    if take {
        rows.push(WindowRow {
            record: index,
            row: record.row,
            values: record.fields().map(str::to_string).collect(),
            unterminated: record.problem == Some(RecordProblem::UnterminatedQuote),
        });
    }
    *done = last;
}
