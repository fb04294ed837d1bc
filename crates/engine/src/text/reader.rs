//! Splitting decoded text into records with `csv-core`, chunk by chunk, counting the rows a
//! spreadsheet shows and spotting broken records.
//!
//! It knows nothing of lead fields; it hands each record, with its row number, to a callback.

use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};

use crate::fast::text_fields::TextFields;

/// Something wrong with the shape of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordProblem {
    /// A quoted field opened and never closed before the end of the file.
    UnterminatedQuote,
}

/// One record, borrowed from the reader until the callback returns.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The spreadsheet row where the record starts: header = 1; blank lines count.
    pub row: u64,
    /// The fields' text, unquoted, one after the other.
    text: &'a str,
    /// Where each field ends in `text`.
    ends: &'a [usize],
    /// A problem with the record's shape, if any.
    pub problem: Option<RecordProblem>,
    /// The offset in the decoded text where the record ends.
    pub end_offset: u64,
}

impl<'a> Record<'a> {
    /// A record of fields laid end to end in `text`, each ending at its entry of `ends`
    /// (used for records the user corrected).
    pub fn from_parts(
        row: u64,
        text: &'a str,
        ends: &'a [usize],
        problem: Option<RecordProblem>,
        end_offset: u64,
    ) -> Self {
        Record {
            row,
            text,
            ends,
            problem,
            end_offset,
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields (never true for records the reader emits).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text and field ends of a record whose fields are `values` (for
    /// [`Record::from_parts`]).
    pub fn join_fields<S: AsRef<str>>(values: &[S]) -> (String, Vec<usize>) {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(values.len());
        for value in values {
            text.push_str(value.as_ref());
            ends.push(text.len());
        }
        (text, ends)
    }

    /// The fields' text end to end, and where each field ends in it (as [`Record::from_parts`]
    /// takes them).
    pub fn parts(&self) -> (&'a str, &'a [usize]) {
        (self.text, self.ends)
    }

    /// The field at `index`, unquoted.
    pub fn field(&self, index: usize) -> Option<&'a str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.text.get(start..end)
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (text, ends) = (self.text, self.ends);
        ends.iter().scan(0, move |start, &end| {
            let field = text.get(*start..end).unwrap_or("");
            *start = end;
            Some(field)
        })
    }
}

/// Reads records out of UTF-8 text that arrives in chunks.
#[derive(Default)]
pub struct RecordReader {
    /// csv-core, and the record it is reading.
    fields: TextFields,
    /// The row the next record starts on.
    next_row: u64,
    /// The row the record being read started on.
    record_row: u64,
    /// True between records (where blank lines are skipped and counted).
    between_records: bool,
    /// The last byte consumed was a carriage return ending a line; a `\n` right after it belongs to it.
    after_cr: bool,
    /// Bytes of text consumed so far.
    offset: u64,
    /// The record being ended has a quote that never closed.
    unterminated: bool,
    /// Bytes at the start of the text that are no row (a `sep=` line), still to pass over.
    skip: usize,
}

/// A new csv-core reader for `delimiter`. Each one compiles its state machine anew (about 13 µs):
/// csv-core's `Reader::clone` copies only part of the compiled tables, so a copy of a built
/// reader does not read correctly.
fn fresh_core(delimiter: u8) -> csv_core::Reader {
    ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(b'"')
        .double_quote(true)
        .terminator(Terminator::CRLF)
        .build()
}

impl RecordReader {
    /// A reader for fields separated by `delimiter`, quoted with `"` (doubled inside quotes),
    /// with lines ending in CRLF, LF or CR.
    pub fn new(delimiter: u8) -> Self {
        RecordReader {
            fields: TextFields::new(fresh_core(delimiter)),
            next_row: 1,
            record_row: 1,
            between_records: true,
            after_cr: false,
            offset: 0,
            unterminated: false,
            skip: 0,
        }
    }

    /// The same reader, passing over the first `bytes` bytes of the text (a `sep=` line, whose
    /// length the dialect module's `separator_hint` gives) as if they were not there: no row
    /// is counted for them, but offsets still count them.
    pub fn skipping(mut self, bytes: usize) -> Self {
        self.skip = bytes;
        self
    }

    /// The same reader, counting rows from `row` (when the text it reads starts below rows it
    /// passes over, such as titles above a header).
    pub fn from_row(mut self, row: u64) -> Self {
        self.next_row = row.max(1);
        self.record_row = row.max(1);
        self
    }

    /// The same reader, starting right after a record that ended with a carriage return (when
    /// `after_cr`), so that a line feed at the start belongs to that record's line break and is
    /// no blank row.
    pub fn after_carriage_return(mut self, after_cr: bool) -> Self {
        self.after_cr = after_cr;
        self
    }

    /// The same reader, starting inside a text rather than at its start (after a record of it),
    /// where a byte order mark is a character of the next value like any other.
    pub fn inside(mut self) -> Self {
        self.fields.begun();
        self
    }

    /// The number of text rows seen so far, including blank ones.
    pub fn rows_seen(&self) -> u64 {
        self.next_row - 1
    }

    /// Reads every complete record in `text`, calling `sink` for each. A record cut off by the
    /// end of `text` is completed by the next call.
    pub fn feed(&mut self, text: &str, sink: &mut impl FnMut(Record<'_>)) {
        let mut text = text;
        if self.skip > 0 {
            let mut skipped = self.skip.min(text.len());
            while !text.is_char_boundary(skipped) {
                skipped += 1;
            }
            self.skip -= skipped.min(self.skip);
            self.offset += skipped as u64;
            text = &text[skipped..];
        }
        while !text.is_empty() {
            if self.between_records {
                // Blank lines are ASCII: the rest starts at a character.
                let skipped = self.skip_blank_lines(text.as_bytes());
                text = &text[skipped..];
                if text.is_empty() {
                    return;
                }
                self.between_records = false;
                self.record_row = self.next_row;
            }
            let used = self.read(text, sink);
            text = &text[used..];
        }
    }

    /// Reads the records of a sample (`complete`: the sample is the whole file, so its last
    /// record ends with it) for as long as `sink` asks for more by returning `true`. The text is
    /// split in pieces of about 16 KiB, so a sample of a megabyte is not read to its end when its
    /// first records are all that is wanted; `sink` may see a few records after it said no.
    pub fn read_sample(
        &mut self,
        text: &str,
        complete: bool,
        sink: &mut impl FnMut(Record<'_>) -> bool,
    ) {
        const PIECE: usize = 16 << 10;
        let more = std::cell::Cell::new(true);
        let mut each = |record: Record<'_>| {
            let wanted = sink(record);
            more.set(more.get() && wanted);
        };
        let mut rest = text;
        while !rest.is_empty() {
            let mut end = rest.len().min(PIECE);
            while !rest.is_char_boundary(end) {
                end += 1;
            }
            self.feed(&rest[..end], &mut each);
            rest = &rest[end..];
            if !more.get() {
                return;
            }
        }
        if complete {
            self.finish(&mut each);
        }
    }

    /// Ends the text: a last record without a line break is completed, and an unclosed quote is
    /// reported.
    pub fn finish(&mut self, sink: &mut impl FnMut(Record<'_>)) {
        if self.between_records {
            return;
        }
        // A line break closes the record unless a quoted field is still open, in which case the
        // line break lands inside the field.
        if self.fields.end(true) == ReadRecordResult::Record {
            self.emit(sink);
            return;
        }
        // The quote is still open: end the record anyway, without the line break added above.
        self.unterminated = true;
        if self.fields.end(false) == ReadRecordResult::Record {
            self.emit(sink);
        }
        self.unterminated = false;
        self.between_records = true;
    }

    /// Skips and counts blank lines; returns how many bytes were skipped.
    fn skip_blank_lines(&mut self, text: &[u8]) -> usize {
        let mut used = 0;
        for &byte in text {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.next_row += 1,
                b'\r' => {
                    self.next_row += 1;
                    self.after_cr = true;
                }
                _ => {
                    self.after_cr = false;
                    break;
                }
            }
            used += 1;
        }
        self.offset += used as u64;
        used
    }

    /// Feeds `text` to csv-core once through; returns the bytes consumed. Emits at most one record.
    fn read(&mut self, text: &str, sink: &mut impl FnMut(Record<'_>)) -> usize {
        let (result, consumed) = self.fields.read(text);
        self.offset += consumed as u64;
        if result == ReadRecordResult::Record {
            let ended_with_cr = consumed > 0 && text.as_bytes()[consumed - 1] == b'\r';
            self.emit(sink);
            self.after_cr = ended_with_cr;
        }
        consumed
    }

    fn emit(&mut self, sink: &mut impl FnMut(Record<'_>)) {
        let row = self.record_row;
        // A spreadsheet shows a record on one row, even when a quoted field holds line breaks.
        self.next_row = row + 1;
        self.between_records = true;
        let mut problem = None;
        if self.unterminated {
            problem = Some(RecordProblem::UnterminatedQuote);
            self.fields.drop_trailing_line_break();
        }
        let end_offset = self.offset;
        let (text, ends) = self.fields.record();
        sink(Record {
            row,
            text,
            ends,
            problem,
            end_offset,
        });
        self.fields.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (row, fields, problem) of every record, reading `text` in chunks of `size` bytes.
    fn read_in_chunks(
        text: &str,
        delimiter: u8,
        size: usize,
    ) -> Vec<(u64, Vec<String>, Option<RecordProblem>)> {
        let mut reader = RecordReader::new(delimiter);
        let mut records = Vec::new();
        let mut sink = |record: Record<'_>| {
            records.push((
                record.row,
                record.fields().map(str::to_string).collect(),
                record.problem,
            ))
        };
        let mut start = 0;
        while start < text.len() {
            let mut end = (start + size.max(1)).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            reader.feed(&text[start..end], &mut sink);
            start = end;
        }
        reader.finish(&mut sink);
        records
    }

    fn read(text: &str) -> Vec<(u64, Vec<String>, Option<RecordProblem>)> {
        let whole = read_in_chunks(text, b',', usize::MAX);
        for size in 1..=text.len().min(64) {
            assert_eq!(
                read_in_chunks(text, b',', size),
                whole,
                "chunk size {size} of {text:?}"
            );
        }
        whole
    }

    fn rows(text: &str) -> Vec<u64> {
        read(text).into_iter().map(|(row, _, _)| row).collect()
    }

    #[test]
    fn a_sample_is_read_only_as_far_as_wanted() {
        let text: String = (0..20_000).map(|i| format!("{i},\"a\nb\",c\n")).collect();
        // Wanting everything gives what feeding and finishing gives.
        let mut all = Vec::new();
        RecordReader::new(b',').read_sample(&text, true, &mut |r: Record<'_>| {
            all.push((r.row, r.fields().map(str::to_string).collect::<Vec<_>>()));
            true
        });
        let whole = read_in_chunks(&text, b',', usize::MAX);
        assert_eq!(all.len(), 20_000);
        assert!(
            all.iter()
                .zip(&whole)
                .all(|(a, w)| a.0 == w.0 && a.1 == w.1)
        );
        // Wanting ten stops within the first piece.
        let mut seen = 0;
        RecordReader::new(b',').read_sample(&text, true, &mut |_: Record<'_>| {
            seen += 1;
            seen < 10
        });
        assert!((10..2_000).contains(&seen), "{seen}");
        // A sample that is not the whole file keeps its unfinished last record back.
        let mut rows = Vec::new();
        RecordReader::new(b',').read_sample("a,b\n1,2\n3,\"4", false, &mut |r: Record<'_>| {
            rows.push(r.row);
            true
        });
        assert_eq!(rows, [1, 2]);
    }

    #[test]
    fn a_new_reader_starts_fresh_after_another_stopped_inside_a_quote() {
        // No reader inherits another's state or tables.
        for delimiter in [b',', b';', b'~'] {
            let mut first = RecordReader::new(delimiter);
            first.feed("a\"b", &mut |_| {});
            let text = format!("x{}y\n", delimiter as char);
            assert_eq!(
                read_in_chunks(&text, delimiter, usize::MAX),
                [(1, vec!["x".to_string(), "y".to_string()], None)]
            );
        }
    }

    #[test]
    fn a_skipped_first_line_is_no_row_at_any_chunk_size() {
        let text = "sep=;\r\nID;Name\n1;Ann\n";
        let whole = {
            let mut records = Vec::new();
            let mut reader = RecordReader::new(b';').skipping(7);
            let mut sink = |r: Record<'_>| {
                records.push((
                    r.row,
                    r.fields().map(str::to_string).collect::<Vec<_>>(),
                    r.end_offset,
                ))
            };
            reader.feed(text, &mut sink);
            reader.finish(&mut sink);
            records
        };
        assert_eq!(whole[0].0, 1);
        assert_eq!(whole[0].1, ["ID", "Name"]);
        // Offsets still count the skipped line.
        assert_eq!(whole[0].2, 15);
        assert_eq!(whole[1].0, 2);
        for size in 1..text.len() {
            let mut records = Vec::new();
            let mut reader = RecordReader::new(b';').skipping(7);
            let mut sink = |r: Record<'_>| {
                records.push((
                    r.row,
                    r.fields().map(str::to_string).collect::<Vec<_>>(),
                    r.end_offset,
                ))
            };
            for piece in text.as_bytes().chunks(size) {
                reader.feed(std::str::from_utf8(piece).expect("ASCII"), &mut sink);
            }
            reader.finish(&mut sink);
            assert_eq!(records, whole, "chunks of {size}");
        }
    }

    #[test]
    fn header_is_row_one_and_records_follow() {
        assert_eq!(rows("ID,Name\n1,Ann\n2,Bob\n"), [1, 2, 3]);
    }

    #[test]
    fn crlf_lf_and_cr_line_ends_give_the_same_rows() {
        assert_eq!(rows("a\r\nb\r\nc\r\n"), [1, 2, 3]);
        assert_eq!(rows("a\rb\rc\r"), [1, 2, 3]);
        assert_eq!(rows("a\nb\r\nc\rd"), [1, 2, 3, 4]);
    }

    #[test]
    fn blank_lines_are_rows_but_not_records() {
        assert_eq!(rows("h\n\na\n\r\n\rb\n"), [1, 3, 6]);
        assert_eq!(rows("\n\nh\na\n"), [3, 4]);
    }

    #[test]
    fn a_quoted_line_break_keeps_the_record_on_one_row() {
        let records = read("h1,h2\n\"two\nlines\",x\nnext,y\n");
        assert_eq!(records[1].0, 2);
        assert_eq!(records[1].1, ["two\nlines", "x"]);
        assert_eq!(records[2].0, 3);
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_crlf() {
        let records = read("a,b,c\r\n\"Smith, Jones\",\"say \"\"hi\"\"\",\"x\r\ny\"\r\n");
        assert_eq!(records[1].1, ["Smith, Jones", "say \"hi\"", "x\r\ny"]);
        assert_eq!(records[1].2, None);
    }

    #[test]
    fn last_record_without_line_break_is_read() {
        let records = read("a,b\n1,2");
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].1, ["1", "2"]);
        assert_eq!(records[1].2, None);
    }

    #[test]
    fn unterminated_quote_at_end_of_file_is_reported() {
        let records = read("a,b\n1,\"open\nstill open\n");
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].0, 2);
        assert_eq!(records[1].1, ["1", "open\nstill open\n"]);
        assert_eq!(records[1].2, Some(RecordProblem::UnterminatedQuote));
    }

    #[test]
    fn closed_quote_at_end_of_file_is_fine() {
        let records = read("a,b\n1,\"closed\"");
        assert_eq!(records[1].1, ["1", "closed"]);
        assert_eq!(records[1].2, None);
    }

    #[test]
    fn semicolon_and_tab_delimiters() {
        let records = read_in_chunks("a;b\n\"x;y\";z\n", b';', 3);
        assert_eq!(records[1].1, ["x;y", "z"]);
        let records = read_in_chunks("a\tb\n1\t2\n", b'\t', 2);
        assert_eq!(records[1].1, ["1", "2"]);
    }

    #[test]
    fn records_keep_their_own_field_count() {
        let records = read("a,b,c\n1,2\n1,2,3,4\n");
        assert_eq!(records[1].1.len(), 2);
        assert_eq!(records[2].1.len(), 4);
    }

    #[test]
    fn large_fields_grow_the_buffers() {
        let big = "x".repeat(100_000);
        let many = vec!["f"; 1000].join(",");
        let text = format!("h\n{big}\n{many}\n");
        let records = read_in_chunks(&text, b',', 4096);
        assert_eq!(records[1].1[0].len(), 100_000);
        assert_eq!(records[2].1.len(), 1000);
    }
}
