//! Bytes that are not valid in a file's encoding: which record and which value hold them, what
//! they were read as, and the `invalid-encoding` finding that says so on their row.
//!
//! The decoder says where each invalid sequence's reading starts in the decoded text. A record
//! knows where it ends in that text but holds its values unquoted, so a position in the text is
//! found in the values by what the two have in common: every character the reader drops
//! (quotes, delimiters, line breaks) is ASCII, so the bytes beyond ASCII from the sequence to
//! the record's end are the same in both. Counting them needs the text between the two, which
//! may span chunks: the count is carried from chunk to chunk for the sequences still waiting for
//! their record. Files without invalid bytes never reach this module.

use std::collections::BTreeMap;

use encoding_rs::{Encoding, UTF_8};

use crate::check::finding::{Finding, Rule, excerpt};
use crate::lead::mapping::ColumnMatch;
use crate::text::decode::{InvalidBytes, TextDecoder};
use crate::text::reader::Record;

/// How much of a value an `invalid-encoding` message quotes.
const QUOTED_CHARS: usize = 60;

/// The invalid sequences decoded and not yet matched to their record.
#[derive(Default)]
pub(crate) struct Strays {
    waiting: Vec<Waiting>,
}

struct Waiting {
    bytes: InvalidBytes,
    /// Bytes beyond ASCII from the sequence's reading up to `counted_to` in the decoded text.
    beyond_ascii: u64,
    counted_to: u64,
}

/// One invalid sequence, found in a record's values.
struct Found {
    /// The index of the value (the column).
    column: usize,
    /// What the sequence was read as.
    reading: String,
}

fn beyond_ascii(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&byte| byte >= 0x80).count() as u64
}

/// `chunk`'s bytes between the offsets `from` and `to` of the decoded text, the chunk starting at
/// `chunk_start`.
fn between(chunk: &str, chunk_start: u64, from: u64, to: u64) -> &[u8] {
    let at = |offset: u64| {
        usize::try_from(offset.saturating_sub(chunk_start))
            .unwrap_or(usize::MAX)
            .min(chunk.len())
    };
    let (from, to) = (at(from), at(to));
    &chunk.as_bytes()[from.min(to)..to]
}

impl Strays {
    /// Takes the sequences `decoder` found in the chunk it has just decoded.
    pub(crate) fn take(&mut self, decoder: &mut TextDecoder) {
        self.waiting
            .extend(decoder.take_invalid().map(|bytes| Waiting {
                bytes,
                beyond_ascii: 0,
                counted_to: bytes.offset,
            }));
    }

    /// Whether the record ending at `end_offset` holds none of the waiting sequences.
    pub(crate) fn none_before(&self, end_offset: u64) -> bool {
        self.waiting
            .first()
            .is_none_or(|first| first.bytes.offset >= end_offset)
    }

    /// The end of a chunk (`chunk`, from `chunk_start` in the decoded text): the sequences still
    /// waiting count its bytes beyond ASCII.
    pub(crate) fn chunk_read(&mut self, chunk: &str, chunk_start: u64) {
        let chunk_end = chunk_start + chunk.len() as u64;
        for waiting in &mut self.waiting {
            waiting.beyond_ascii +=
                beyond_ascii(between(chunk, chunk_start, waiting.counted_to, chunk_end));
            waiting.counted_to = chunk_end;
        }
    }

    /// The finding for the sequences that `record` holds (it ends in `chunk`, which starts at
    /// `chunk_start` in the decoded text), read in `encoding`; `header` for the header row.
    pub(crate) fn finding(
        &mut self,
        record: &Record<'_>,
        chunk: &str,
        chunk_start: u64,
        columns: &[ColumnMatch],
        encoding: &'static Encoding,
        header: bool,
    ) -> Finding {
        let end = record.end_offset;
        let held = self
            .waiting
            .partition_point(|waiting| waiting.bytes.offset < end);
        let (text, ends) = record.parts();
        let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut sequences = 0;
        for waiting in self.waiting.drain(..held) {
            let count = waiting.beyond_ascii
                + beyond_ascii(between(chunk, chunk_start, waiting.counted_to, end));
            let Some(at) = start_with_beyond_ascii_after(text.as_bytes(), count) else {
                continue;
            };
            let Some(reading) = text.get(at..at + waiting.bytes.len as usize) else {
                continue;
            };
            let column = ends.partition_point(|&field_end| field_end <= at);
            sequences += 1;
            let readings = found.entry(column).or_default();
            if !readings.iter().any(|known| known == reading) {
                readings.push(reading.to_string());
            }
        }
        let found: Vec<Found> = found
            .into_iter()
            .flat_map(|(column, readings)| {
                readings
                    .into_iter()
                    .map(move |reading| Found { column, reading })
            })
            .collect();
        message(record, &found, sequences, columns, encoding, header)
    }
}

/// Where, in `text`, the character starts after which (itself included) `count` bytes are beyond
/// ASCII; `None` if there is no such character.
fn start_with_beyond_ascii_after(text: &[u8], count: u64) -> Option<usize> {
    let mut seen = 0;
    for (at, &byte) in text.iter().enumerate().rev() {
        if byte >= 0x80 {
            seen += 1;
        }
        if seen == count && byte >= 0xC0 {
            return Some(at);
        }
        if seen > count {
            return None;
        }
    }
    None
}

/// “a” and “b”, or “a”, “b” and “c”.
fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The `invalid-encoding` finding of `record`, whose invalid sequences were `found` in it
/// (`sequences` of them in all).
fn message(
    record: &Record<'_>,
    found: &[Found],
    sequences: usize,
    columns: &[ColumnMatch],
    encoding: &'static Encoding,
    header: bool,
) -> Finding {
    // `found` comes in the order of the columns.
    let mut hit: Vec<usize> = found.iter().map(|item| item.column).collect();
    hit.dedup();
    let places: Vec<String> = hit
        .iter()
        .take(4)
        .map(|&index| {
            let value = excerpt(record.field(index).unwrap_or(""), QUOTED_CHARS);
            let column = columns.get(index);
            let name = match column.and_then(|c| c.field) {
                _ if header => format!("the header of column {}", index + 1),
                Some(field) => field.title().to_string(),
                None => match column {
                    Some(column) if !column.header.trim().is_empty() => {
                        format!("column “{}”", column.header.trim())
                    }
                    _ => format!("column {}", index + 1),
                },
            };
            format!("{name} (“{value}”)")
        })
        .collect();
    let mut readings: Vec<String> = Vec::new();
    for item in found {
        let quoted = format!("“{}”", item.reading);
        if !readings.contains(&quoted) {
            readings.push(quoted);
        }
    }
    readings.truncate(5);
    let mut place = listed(&places);
    if let Some(first) = place.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let has = if places.len() > 1 { "have" } else { "has" };
    let message = if found.is_empty() {
        format!(
            "This row has bytes that are not valid {}, the encoding the file is read in. If letters \
             look wrong, choose the file's real encoding.",
            encoding_name(encoding)
        )
    } else if encoding == UTF_8 {
        let (bytes, are, they) = if sequences > 1 {
            ("bytes", "are", "they are")
        } else {
            ("a byte", "is", "it is")
        };
        let holds = if header {
            "and Leadpack reads the header so"
        } else if places.len() > 1 {
            "and the package holds the values so"
        } else {
            "and the package holds the value so"
        };
        format!(
            "{place} {has} {bytes} that {are} not valid UTF-8, probably pasted from a file in another \
             encoding. Read as Windows-1252 {they} {}, {holds}. If that is not what the file should \
             say, correct it in your file and save the file as CSV UTF-8.",
            listed(&readings)
        )
    } else {
        format!(
            "{place} {has} bytes that are not valid {}, the encoding the file is read in; they are \
             written as “\u{FFFD}”. If letters look wrong, choose the file's real encoding; \
             otherwise correct the value in your file.",
            encoding_name(encoding)
        )
    };
    let field = match hit.as_slice() {
        [only] if !header => columns.get(*only).and_then(|c| c.field),
        _ => None,
    };
    let finding = Finding::new(record.row, field, Rule::InvalidEncoding, message);
    match hit.as_slice() {
        [only] => finding.with_value(record.field(*only).unwrap_or("")),
        _ => finding,
    }
}

/// An encoding as reports name it in prose (`UTF-8`, `WINDOWS-1252`).
fn encoding_name(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_uppercase()
}
