//! Writing CSV records (`,` delimiter, `"` quotes doubled inside, CRLF) with `csv-core`'s
//! writer, field by field, into a byte buffer the caller owns.

use csv_core::{QuoteStyle, Terminator, WriteResult, Writer, WriterBuilder};

/// Writes records into byte buffers, quoting only where needed.
pub struct CsvOut {
    writer: Writer,
    scratch: Vec<u8>,
}

impl Default for CsvOut {
    fn default() -> Self {
        CsvOut::new()
    }
}

impl CsvOut {
    /// A writer with `,`, `"` and CRLF, as the CRM's documentation describes lead files.
    pub fn new() -> Self {
        let writer = WriterBuilder::new()
            .delimiter(b',')
            .quote(b'"')
            .double_quote(true)
            .quote_style(QuoteStyle::Necessary)
            .terminator(Terminator::CRLF)
            .build();
        CsvOut {
            writer,
            scratch: Vec::new(),
        }
    }

    /// Appends one record of already-encoded fields to `out`.
    pub fn record<'a>(&mut self, fields: impl IntoIterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
        for (index, field) in fields.into_iter().enumerate() {
            if index > 0 {
                self.step(out, |writer, buffer| {
                    let (result, written) = writer.delimiter(buffer);
                    (result, written)
                });
            }
            let needed = 2 + 2 * field.len();
            if self.scratch.len() < needed {
                self.scratch.resize(needed, 0);
            }
            let (result, read, written) = self.writer.field(field, &mut self.scratch);
            debug_assert!(result == WriteResult::InputEmpty && read == field.len());
            out.extend_from_slice(&self.scratch[..written]);
        }
        self.step(out, |writer, buffer| writer.terminator(buffer));
    }

    fn step(
        &mut self,
        out: &mut Vec<u8>,
        mut write: impl FnMut(&mut Writer, &mut [u8]) -> (WriteResult, usize),
    ) {
        // A delimiter or terminator may first close a quote: 4 bytes always suffice.
        let mut buffer = [0u8; 8];
        let (result, written) = write(&mut self.writer, &mut buffer);
        debug_assert_eq!(result, WriteResult::InputEmpty);
        out.extend_from_slice(&buffer[..written]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[&str]) -> String {
        let mut out = Vec::new();
        CsvOut::new().record(fields.iter().map(|f| f.as_bytes()), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_fields_are_not_quoted() {
        assert_eq!(row(&["L1", "Zoë", "Lee"]), "L1,Zoë,Lee\r\n");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            row(&["Smith, Jones", "say \"hi\"", "two\nlines"]),
            "\"Smith, Jones\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn empty_fields_stay_empty() {
        assert_eq!(row(&["a", "", "b"]), "a,,b\r\n");
    }
}
