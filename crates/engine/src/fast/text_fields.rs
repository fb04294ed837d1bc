//! csv-core's record reader over UTF-8 text, handing each record's fields back as text without
//! checking them again.
//!
//! csv-core works on bytes. Fed text, it copies the fields' bytes to its output in order and
//! leaves out only ASCII bytes (quotes, delimiters, line ends), so what it copies is text too;
//! checking that again would cost about a tenth of a whole check. [`TextFields`] keeps that true
//! by construction: it is fed only `&str` (and ASCII line breaks), it consumes text only up to
//! character boundaries, and it changes its output only by removing one ASCII line break.

use csv_core::{ReadRecordResult, Reader};

/// A csv-core reader and the buffers it copies one record's fields into.
#[derive(Default)]
pub struct TextFields {
    core: Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    /// Text was consumed up to a point inside a character (csv-core never does this): the output
    /// is then checked before it is read as text.
    unsure: bool,
}

impl TextFields {
    /// Fields read by `core`, a csv-core reader that keeps no state of its own yet.
    pub fn new(core: Reader) -> Self {
        TextFields {
            core,
            output: vec![0; 4096],
            ends: vec![0; 64],
            out_len: 0,
            ends_len: 0,
            unsure: false,
        }
    }

    /// Reads `text` until a record ends (`Record`) or the text does (`InputEmpty`); returns
    /// which, and how many bytes of `text` it consumed.
    pub fn read(&mut self, text: &str) -> (ReadRecordResult, usize) {
        let bytes = text.as_bytes();
        let mut consumed = 0;
        loop {
            let result = self.read_bytes(&bytes[consumed..], &mut consumed);
            match result {
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                    self.grow(result)
                }
                _ => {
                    self.unsure |= !text.is_char_boundary(consumed);
                    return (result, consumed);
                }
            }
        }
    }

    /// Ends the text: feeds a line break (`newline`) or nothing, which closes the last record
    /// unless a quoted field is still open. Returns `Record` when a record ended.
    pub fn end(&mut self, newline: bool) -> ReadRecordResult {
        let input: &[u8] = if newline { b"\n" } else { b"" };
        let mut consumed = 0;
        loop {
            let result = self.read_bytes(&input[consumed..], &mut consumed);
            match result {
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                    self.grow(result)
                }
                _ => return result,
            }
        }
    }

    /// Takes back the line break that [`TextFields::end`] put into a field left open.
    pub fn drop_trailing_line_break(&mut self) {
        if self.out_len > 0 && self.output[self.out_len - 1] == b'\n' && self.ends_len > 0 {
            self.out_len -= 1;
            self.ends[self.ends_len - 1] -= 1;
        }
    }

    /// The record read: its fields' text laid end to end, and where each field ends in it.
    pub fn record(&mut self) -> (&str, &[usize]) {
        if self.unsure {
            // Never reached with csv-core as it is; should it change, the text is checked and
            // cut before its first byte that is not text.
            if let Err(error) = std::str::from_utf8(&self.output[..self.out_len]) {
                self.out_len = error.valid_up_to();
                for end in &mut self.ends[..self.ends_len] {
                    *end = (*end).min(self.out_len);
                }
            }
            self.unsure = false;
        }
        let output = &self.output[..self.out_len];
        debug_assert!(std::str::from_utf8(output).is_ok());
        // SAFETY: the bytes fed to csv-core came from `&str` (or were ASCII line breaks), were
        // consumed up to character boundaries (checked above otherwise), and csv-core copies them
        // to `output` in order, leaving out ASCII bytes only; the only change made to `output`
        // since removes an ASCII line break. So `output` is UTF-8.
        let text = unsafe { std::str::from_utf8_unchecked(output) };
        (text, &self.ends[..self.ends_len])
    }

    /// Empties the buffers for the next record.
    /// Tells csv-core its text has begun: it passes over a UTF-8 byte order mark only at the
    /// very start of its input, and a reader that starts inside a file must keep one that opens
    /// a record there as the value's first character. A line break at the start of a record is
    /// passed over, so nothing is read.
    pub fn begun(&mut self) {
        let mut consumed = 0;
        let _ = self.read_bytes(b"\n", &mut consumed);
        self.clear();
    }

    pub fn clear(&mut self) {
        self.out_len = 0;
        self.ends_len = 0;
    }

    fn read_bytes(&mut self, input: &[u8], consumed: &mut usize) -> ReadRecordResult {
        let (result, nin, nout, nend) = self.core.read_record(
            input,
            &mut self.output[self.out_len..],
            &mut self.ends[self.ends_len..],
        );
        *consumed += nin;
        self.out_len += nout;
        self.ends_len += nend;
        result
    }

    /// Makes room in the buffer csv-core says is full.
    fn grow(&mut self, full: ReadRecordResult) {
        if full == ReadRecordResult::OutputFull {
            let grown = (self.output.len() * 2).max(4096);
            self.output.resize(grown, 0);
        } else {
            let grown = (self.ends.len() * 2).max(64);
            self.ends.resize(grown, 0);
        }
    }
}
