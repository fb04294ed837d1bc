//! CSV dialects: which delimiter a file uses, decided by how consistently each candidate splits
//! the first records (quotes respected), not by the first line alone.

use crate::text::reader::{Record, RecordReader};

/// The delimiters Leadpack recognises, in order of preference when two fit equally well.
pub const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records of the sample are looked at.
const SNIFF_RECORDS: usize = 500;

/// A printable name of a delimiter, as reports write it: `,` `;` `\t` `|`.
pub fn delimiter_label(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "\\t".to_string(),
        other => (other as char).to_string(),
    }
}

/// A plain-words name of a delimiter, for messages.
pub fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "vertical bar",
        _ => "other character",
    }
}

/// The delimiter a user means: `,` `;` `|`, `tab` or `\t`, or a word such as `semicolon`.
pub fn parse_delimiter(text: &str) -> Option<u8> {
    match text {
        "\\t" | "tab" | "\t" => Some(b'\t'),
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "pipe" | "bar" => Some(b'|'),
        other if other.len() == 1 && other.is_ascii() && !other.contains(['"', '\r', '\n']) => {
            Some(other.as_bytes()[0])
        }
        _ => None,
    }
}

/// The delimiter named by a first line such as `sep=;`, the hint Excel writes and reads, and
/// how many bytes of text that line takes with its line break. Spreadsheets hide the line, so
/// the row after it is the header, row 1. `sep` may be written in any case; the delimiter is
/// one ASCII character other than a quote or a line break.
pub fn separator_hint(text: &str) -> Option<(u8, usize)> {
    let bytes = text.as_bytes();
    if bytes.len() < 5 || !bytes[..4].eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    let delimiter = bytes[4];
    if !delimiter.is_ascii() || matches!(delimiter, b'"' | b'\r' | b'\n') {
        return None;
    }
    let line_end = match &bytes[5..] {
        [] => 5,
        [b'\r', b'\n', ..] => 7,
        [b'\r' | b'\n', ..] => 6,
        _ => return None,
    };
    Some((delimiter, line_end))
}

/// How well one delimiter splits a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fit {
    delimiter: u8,
    /// The most common field count.
    fields: usize,
    /// The share of records with that field count.
    consistency: f64,
    /// Whether the header has the most common field count.
    header_agrees: bool,
}

/// Picks the delimiter of `sample` (decoded text). `complete` says whether the sample is the whole
/// file; if not, its last, possibly cut-off line is ignored.
pub fn sniff_delimiter(sample: &str, complete: bool) -> u8 {
    let text = if complete {
        sample
    } else {
        match sample.rfind(['\n', '\r']) {
            Some(end) => &sample[..end + 1],
            None => sample,
        }
    };
    let mut best: Option<Fit> = None;
    for delimiter in CANDIDATES {
        // A delimiter that never occurs splits nothing (one field a record): not worth reading.
        if !text.as_bytes().contains(&delimiter) {
            continue;
        }
        let fit = measure(text, delimiter);
        if fit.fields < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some(current) => {
                let score = |f: &Fit| f.consistency + if f.header_agrees { 0.05 } else { 0.0 };
                let (new, old) = (score(&fit), score(&current));
                new > old + 1e-9 || ((new - old).abs() <= 1e-9 && fit.fields > current.fields)
            }
        };
        if better {
            best = Some(fit);
        }
    }
    best.map_or(b',', |fit| fit.delimiter)
}

fn measure(text: &str, delimiter: u8) -> Fit {
    let mut reader = RecordReader::new(delimiter);
    let mut counts: Vec<usize> = Vec::new();
    reader.read_sample(text, true, &mut |record: Record<'_>| {
        if counts.len() < SNIFF_RECORDS {
            counts.push(record.len());
        }
        counts.len() < SNIFF_RECORDS
    });
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for &count in &counts {
        match tally.iter_mut().find(|(fields, _)| *fields == count) {
            Some((_, seen)) => *seen += 1,
            None => tally.push((count, 1)),
        }
    }
    // The most common count; among equals, the larger count.
    let (fields, seen) = tally
        .iter()
        .copied()
        .max_by_key(|&(fields, seen)| (seen, fields))
        .unwrap_or((0, 0));
    Fit {
        delimiter,
        fields,
        consistency: if counts.is_empty() {
            0.0
        } else {
            seen as f64 / counts.len() as f64
        },
        header_agrees: counts.first() == Some(&fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_file() {
        assert_eq!(
            sniff_delimiter("ID,First Name,Last Name\n1,Ann,Lee\n2,Bob,Ray\n", true),
            b','
        );
    }

    #[test]
    fn semicolon_file_with_commas_in_values() {
        let text =
            "ID;Name;Company\n1;Ann;Smith, Jones & Co\n2;Bob;Acme, Inc.\n3;Cy;Foo, Bar, Baz\n";
        assert_eq!(sniff_delimiter(text, true), b';');
    }

    #[test]
    fn tab_and_pipe_files() {
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n", true), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n", true), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        let text = "a,b\n\"x;y;z\",1\n\"p;q;r\",2\n\"s;t;u\",3\n";
        assert_eq!(sniff_delimiter(text, true), b',');
    }

    #[test]
    fn consistency_beats_the_first_line() {
        // The header has a comma in a name, but the records agree on semicolons.
        let text = "ID;Name, full;Phone\n1;Ann;1\n2;Bob;2\n3;Cy;3\n4;Di;4\n";
        assert_eq!(sniff_delimiter(text, true), b';');
    }

    #[test]
    fn single_column_file_defaults_to_comma() {
        assert_eq!(sniff_delimiter("Name\nAnn\nBob\n", true), b',');
    }

    #[test]
    fn a_cut_off_last_line_is_ignored() {
        let text = "a;b;c\n1;2;3\n4;5;6\n7,8";
        assert_eq!(sniff_delimiter(text, false), b';');
    }

    #[test]
    fn an_excel_separator_line_names_the_delimiter() {
        assert_eq!(separator_hint("sep=;\nID;Name\n"), Some((b';', 6)));
        assert_eq!(separator_hint("SEP=,\r\nID,Name\r\n"), Some((b',', 7)));
        assert_eq!(separator_hint("Sep=|\rID|Name\r"), Some((b'|', 6)));
        assert_eq!(separator_hint("sep=\t\nID\tName\n"), Some((b'\t', 6)));
        assert_eq!(separator_hint("sep=;"), Some((b';', 5)));
    }

    #[test]
    fn other_first_lines_are_not_separator_lines() {
        for text in [
            "sep=\nID\n",
            "sep=;;\nID\n",
            "sep= ;\nID\n",
            " sep=;\nID\n",
            "sep=\"\nID\n",
            "sepal=;\n",
            "Separator,Name\n",
            "sep=é\n",
            "",
        ] {
            assert_eq!(separator_hint(text), None, "{text:?}");
        }
    }

    #[test]
    fn delimiters_are_parsed_and_labelled() {
        assert_eq!(parse_delimiter("tab"), Some(b'\t'));
        assert_eq!(parse_delimiter(";"), Some(b';'));
        assert_eq!(parse_delimiter("\""), None);
        assert_eq!(parse_delimiter("ab"), None);
        assert_eq!(delimiter_label(b'\t'), "\\t");
        assert_eq!(delimiter_name(b';'), "semicolon");
    }
}
