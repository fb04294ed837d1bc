//! Every finding of a file, held compactly: a check of a file where every row has a finding
//! must not need many times the file's size in memory.
//!
//! A finding's message is mostly the same words from row to row: "ID “L1” is also used in
//! row 2 …". So each message is kept as its *wording* (the words, with a mark where its value
//! and its numbers go), which many findings share and which is stored once, and the numbers
//! themselves. Each finding is a few bytes in one buffer: its row (as the step from the finding
//! before), its rule, field and severity, its wording, its numbers and its value. A finding is
//! put back into words only when it is shown or written ([`Findings::iter`], [`Findings::get`]),
//! and it comes back exactly as it went in.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::check::finding::{Finding, Rule, Severity};
use crate::lead::schema::Field;

/// A mark in a wording: the number that comes next goes here.
const NUMBER: char = '\u{1}';
/// A mark in a wording: the finding's value goes here.
const VALUE: char = '\u{2}';
/// A wording that begins with this holds its message as it is, marks and all (the message held
/// a character used as a mark).
const VERBATIM: char = '\u{3}';
/// A mark in a wording: the finding's suggestion goes here.
const SUGGESTION: char = '\u{4}';
/// Every character used as a mark.
const MARKS: [char; 4] = [NUMBER, VALUE, VERBATIM, SUGGESTION];

/// How often [`Findings`] notes where a finding starts, so that [`Findings::get`] reads at most
/// this many findings to reach one.
const CHECKPOINT_EVERY: usize = 64;

/// Which of a finding's optional parts it has, one bit each.
const HAS_VALUE: u8 = 1;
const HAS_KEPT: u8 = 2;
const HAS_CUT: u8 = 4;
const HAS_SUGGESTION: u8 = 8;
/// The severity is not the rule's own.
const OTHER_SEVERITY: u8 = 16;
/// The value is the one of the finding before (within a stretch between two checkpoints).
const SAME_VALUE: u8 = 32;
/// The part kept (`kept`) and the part cut (`cut`) are stored as where they are in the value.
const PARTS_OF_VALUE: u8 = 64;

/// The findings of one file, in the order they were found.
#[derive(Clone, Default)]
pub struct Findings {
    /// The findings, one after the other, encoded.
    bytes: Vec<u8>,
    /// Where every [`CHECKPOINT_EVERY`]th finding starts, and the row of the finding before it.
    checkpoints: Vec<(usize, u64)>,
    len: usize,
    /// The row of the last finding.
    last_row: u64,
    /// Where the value of the last finding is in `bytes`, when it had one.
    last_value: Option<(usize, usize)>,
    /// Wordings and suggestions, each kept once.
    words: Words,
}

/// Which findings each row has (see [`Findings::by_row`]).
#[derive(Debug, Clone, Default)]
pub struct FindingsByRow {
    /// Row and index of every finding, by row.
    entries: Vec<(u64, u32)>,
}

impl FindingsByRow {
    /// The findings of `row`, in words, in the order they were found.
    pub fn of_row(&self, findings: &Findings, row: u64) -> Vec<Finding> {
        let start = self.entries.partition_point(|&(at, _)| at < row);
        self.entries[start..]
            .iter()
            .take_while(|&&(at, _)| at == row)
            .filter_map(|&(_, index)| findings.get(index as usize))
            .collect()
    }
}

/// Texts kept once each, numbered in the order first seen.
#[derive(Clone, Default)]
struct Words {
    numbers: HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Words {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(&number) = self.numbers.get(text) {
            return number;
        }
        let number = u32::try_from(self.texts.len()).expect("fewer than 4 billion wordings");
        let text: Arc<str> = Arc::from(text);
        self.texts.push(Arc::clone(&text));
        self.numbers.insert(text, number);
        number
    }

    fn text(&self, number: u64) -> &str {
        usize::try_from(number)
            .ok()
            .and_then(|index| self.texts.get(index))
            .map_or("", |text| text)
    }
}

impl Findings {
    /// No findings.
    pub fn new() -> Self {
        Findings::default()
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a finding after the others.
    pub fn push(&mut self, finding: &Finding) {
        let checkpoint = self.len.is_multiple_of(CHECKPOINT_EVERY);
        if checkpoint {
            self.checkpoints.push((self.bytes.len(), self.last_row));
        }
        let value = finding.value.as_deref();
        let same_value = !checkpoint
            && value.is_some()
            && self
                .last_value
                .and_then(|(at, len)| self.bytes.get(at..at + len))
                .is_some_and(|last| value.map(str::as_bytes) == Some(last));
        // Kept and cut, where they are in the value.
        let parts_of_value = match (value, &finding.kept, &finding.cut) {
            (Some(value), Some(kept), Some(cut)) => {
                value.find(kept.as_str()).zip(value.find(cut.as_str()))
            }
            _ => None,
        };
        let mut parts = 0;
        for (present, bit) in [
            (value.is_some(), HAS_VALUE),
            (finding.kept.is_some(), HAS_KEPT),
            (finding.cut.is_some(), HAS_CUT),
            (finding.suggestion.is_some(), HAS_SUGGESTION),
            (finding.severity != finding.rule.severity(), OTHER_SEVERITY),
            (same_value, SAME_VALUE),
            (parts_of_value.is_some(), PARTS_OF_VALUE),
        ] {
            if present {
                parts |= bit;
            }
        }
        let out = &mut self.bytes;
        put_signed(out, finding.row.wrapping_sub(self.last_row) as i64);
        self.last_row = finding.row;
        out.push(rule_number(finding.rule));
        out.push(finding.field.map_or(0, |field| field.index() as u8 + 1));
        out.push(parts);
        if parts & OTHER_SEVERITY != 0 {
            out.push(u8::from(finding.severity == Severity::Warning));
        }
        if let Some(value) = value {
            if !same_value {
                put_unsigned(out, value.len() as u64);
                self.last_value = Some((out.len(), value.len()));
                out.extend_from_slice(value.as_bytes());
            }
        } else {
            self.last_value = None;
        }
        match (parts_of_value, &finding.kept, &finding.cut) {
            (Some((kept_at, cut_at)), Some(kept), Some(cut)) => {
                for number in [kept_at, kept.len(), cut_at, cut.len()] {
                    put_unsigned(out, number as u64);
                }
            }
            _ => {
                for text in [&finding.kept, &finding.cut].into_iter().flatten() {
                    put_text(out, text);
                }
            }
        }
        let suggestion = finding.suggestion.as_deref();
        if let Some(suggestion) = suggestion {
            put_unsigned(out, u64::from(self.words.number(suggestion)));
        }
        // The message, as its wording and its numbers.
        let value = value.map(str::trim).unwrap_or("");
        let (wording, numbers) = wording(&finding.message, value, suggestion.unwrap_or(""));
        put_unsigned(out, u64::from(self.words.number(&wording)));
        for number in numbers {
            put_unsigned(out, number);
        }
        self.len += 1;
    }

    /// The finding at `index`, in words.
    pub fn get(&self, index: usize) -> Option<Finding> {
        self.iter_from(index).next()
    }

    /// Every finding, in words, in a list.
    pub fn to_vec(&self) -> Vec<Finding> {
        self.iter().collect()
    }

    /// Every finding, in words, in order.
    pub fn iter(&self) -> FindingsIter<'_> {
        self.iter_from(0)
    }

    /// The findings from `index` on, in words, in order.
    pub fn iter_from(&self, index: usize) -> FindingsIter<'_> {
        FindingsIter {
            findings: self,
            cursor: self.cursor_at(index),
        }
    }

    /// Adds findings after the others.
    pub fn extend_from(&mut self, findings: &[Finding]) {
        for finding in findings {
            self.push(finding);
        }
    }

    /// How many findings have this severity.
    pub fn count_severity(&self, severity: Severity) -> usize {
        self.count(|f| f.severity == severity)
    }

    /// How many findings `keep` keeps. It is given each finding without its message, which is
    /// not put into words.
    pub fn count(&self, keep: impl Fn(&Finding) -> bool) -> usize {
        let mut cursor = Cursor::default();
        let mut kept = 0;
        while let Some(finding) = self.read(&mut cursor, false) {
            kept += usize::from(keep(&finding));
        }
        kept
    }

    /// The rows with at least one finding `keep` keeps, in ascending order, each once. `keep`
    /// is given each finding without its message.
    pub fn rows_where(&self, keep: impl Fn(&Finding) -> bool) -> Vec<u64> {
        let mut cursor = Cursor::default();
        let mut rows = Vec::new();
        while let Some(finding) = self.read(&mut cursor, false) {
            if keep(&finding) {
                rows.push(finding.row);
            }
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// Where each row's findings are, to show a row's findings beside it.
    pub fn by_row(&self) -> FindingsByRow {
        let mut cursor = Cursor::default();
        let mut entries = Vec::with_capacity(self.len);
        while let Some(row) = self.row_at(&cursor) {
            entries.push((row, cursor.index as u32));
            self.read(&mut cursor, false);
        }
        // Stable: a row's findings stay in the order they were found.
        entries.sort_by_key(|&(row, _)| row);
        FindingsByRow { entries }
    }

    /// A page of the findings `keep` keeps: how many it keeps in all, and those of them from
    /// the `offset`th on, `limit` at most, in words. `keep` is given each finding without its
    /// message; only the page is put into words.
    pub fn page(
        &self,
        keep: impl Fn(&Finding) -> bool,
        offset: u64,
        limit: u64,
    ) -> (u64, Vec<Finding>) {
        let mut cursor = Cursor::default();
        let (mut total, mut page) = (0u64, Vec::new());
        loop {
            let at = cursor;
            let Some(finding) = self.read(&mut cursor, false) else {
                break;
            };
            if !keep(&finding) {
                continue;
            }
            if total >= offset && (page.len() as u64) < limit {
                page.extend(self.read(&mut { at }, true));
            }
            total += 1;
        }
        (total, page)
    }

    /// A place to read from, at the finding `index` (past the end: at the end).
    pub(crate) fn cursor_at(&self, index: usize) -> Cursor {
        if index >= self.len {
            return Cursor {
                index: self.len,
                at: self.bytes.len(),
                row: self.last_row,
                value: None,
            };
        }
        let (at, row) = self.checkpoints[index / CHECKPOINT_EVERY];
        let mut cursor = Cursor {
            index: index / CHECKPOINT_EVERY * CHECKPOINT_EVERY,
            at,
            row,
            value: None,
        };
        while cursor.index < index {
            self.read(&mut cursor, false);
        }
        cursor
    }

    /// The row of the finding at `cursor`, if there is one.
    pub(crate) fn row_at(&self, cursor: &Cursor) -> Option<u64> {
        (cursor.index < self.len).then(|| {
            let mut reader = Reader {
                bytes: &self.bytes,
                at: cursor.at,
            };
            cursor.row.wrapping_add(reader.signed() as u64)
        })
    }

    /// Reads the finding at `cursor` and moves past it; `words` puts its message into words
    /// (else the message is left empty).
    pub(crate) fn read(&self, cursor: &mut Cursor, words: bool) -> Option<Finding> {
        if cursor.index >= self.len {
            return None;
        }
        let mut reader = Reader {
            bytes: &self.bytes,
            at: cursor.at,
        };
        let row = cursor.row.wrapping_add(reader.signed() as u64);
        let rule = Rule::ALL
            .get(usize::from(reader.byte()))
            .copied()
            .unwrap_or(Rule::MalformedRow);
        let field = match reader.byte() {
            0 => None,
            n => Field::ALL.get(usize::from(n) - 1).copied(),
        };
        let parts = reader.byte();
        let severity = if parts & OTHER_SEVERITY != 0 {
            if reader.byte() == 1 {
                Severity::Warning
            } else {
                Severity::Error
            }
        } else {
            rule.severity()
        };
        let value_at = if parts & HAS_VALUE == 0 {
            None
        } else if parts & SAME_VALUE != 0 {
            cursor.value
        } else {
            let len = usize::try_from(reader.unsigned()).unwrap_or(usize::MAX);
            let at = reader.at;
            reader.at = at.saturating_add(len);
            Some((at, len))
        };
        let value_text = value_at.map(|(at, len)| text_at(&self.bytes, at, len));
        let (kept, cut) = if parts & PARTS_OF_VALUE != 0 {
            let value = value_text.unwrap_or("");
            let mut part = || {
                let at = usize::try_from(reader.unsigned()).unwrap_or(usize::MAX);
                let len = usize::try_from(reader.unsigned()).unwrap_or(usize::MAX);
                value
                    .get(at..at.saturating_add(len))
                    .unwrap_or("")
                    .to_string()
            };
            (Some(part()), Some(part()))
        } else {
            let mut text = |bit: u8| (parts & bit != 0).then(|| reader.text().to_string());
            (text(HAS_KEPT), text(HAS_CUT))
        };
        let suggestion = (parts & HAS_SUGGESTION != 0).then(|| self.words.text(reader.unsigned()));
        let wording = self.words.text(reader.unsigned());
        let message = if words {
            let trimmed = value_text.map(str::trim).unwrap_or("");
            into_words(wording, trimmed, suggestion.unwrap_or(""), &mut reader)
        } else {
            skip_numbers(wording, &mut reader);
            String::new()
        };
        *cursor = Cursor {
            index: cursor.index + 1,
            at: reader.at,
            row,
            value: value_at,
        };
        Some(Finding {
            row,
            field,
            rule,
            severity,
            message,
            value: value_text.map(str::to_string),
            kept,
            cut,
            suggestion: suggestion.map(str::to_string),
        })
    }
}

/// A place among the findings of a [`Findings`]: the next finding's number, where it starts,
/// and the row of the finding before it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cursor {
    index: usize,
    at: usize,
    row: u64,
    /// Where the value of the finding before is, when it had one.
    value: Option<(usize, usize)>,
}

/// The findings of a [`Findings`], in words, one at a time.
pub struct FindingsIter<'a> {
    findings: &'a Findings,
    cursor: Cursor,
}

impl Iterator for FindingsIter<'_> {
    type Item = Finding;

    fn next(&mut self) -> Option<Finding> {
        self.findings.read(&mut self.cursor, true)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.findings.len - self.cursor.index.min(self.findings.len);
        (left, Some(left))
    }
}

impl ExactSizeIterator for FindingsIter<'_> {}

impl<'a> IntoIterator for &'a Findings {
    type Item = Finding;
    type IntoIter = FindingsIter<'a>;

    fn into_iter(self) -> FindingsIter<'a> {
        self.iter()
    }
}

impl FromIterator<Finding> for Findings {
    fn from_iter<I: IntoIterator<Item = Finding>>(iter: I) -> Self {
        let mut findings = Findings::new();
        findings.extend(iter);
        findings
    }
}

impl Extend<Finding> for Findings {
    fn extend<I: IntoIterator<Item = Finding>>(&mut self, iter: I) {
        for finding in iter {
            self.push(&finding);
        }
    }
}

impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Self {
        findings.into_iter().collect()
    }
}

impl PartialEq for Findings {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Findings {}

impl fmt::Debug for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Findings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Findings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Finding>::deserialize(deserializer)?.into())
    }
}

/// The number of a rule in [`Rule::ALL`].
fn rule_number(rule: Rule) -> u8 {
    Rule::ALL
        .iter()
        .position(|&r| r == rule)
        .map_or(0, |index| index as u8)
}

/// A message as its wording (the value, the suggestion and the numbers replaced by marks) and
/// its numbers. A number is a run of digits without a leading zero that fits in 64 bits; any
/// other digits stay words. `value` (trimmed) and `suggestion` (each empty for none) are marked
/// where they first appear, in that order.
fn wording(message: &str, value: &str, suggestion: &str) -> (String, Vec<u64>) {
    if message.contains(MARKS) {
        return (format!("{VERBATIM}{message}"), Vec::new());
    }
    let mut words = String::with_capacity(message.len());
    let mut numbers = Vec::new();
    let mut rest = message;
    for (text, mark) in [(value, VALUE), (suggestion, SUGGESTION)] {
        if let Some(at) = (!text.is_empty()).then(|| rest.find(text)).flatten() {
            mark_numbers(&rest[..at], &mut words, &mut numbers);
            words.push(mark);
            rest = &rest[at + text.len()..];
        }
    }
    mark_numbers(rest, &mut words, &mut numbers);
    (words, numbers)
}

/// Copies `text` into `words`, with each number replaced by a mark and added to `numbers`.
fn mark_numbers(text: &str, words: &mut String, numbers: &mut Vec<u64>) {
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        words.push_str(&rest[..start]);
        let digits = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - start, |len| len);
        let run = &rest[start..start + digits];
        match run.parse::<u64>() {
            Ok(number) if !run.starts_with('0') || run == "0" => {
                words.push(NUMBER);
                numbers.push(number);
            }
            _ => words.push_str(run),
        }
        rest = &rest[start + digits..];
    }
    words.push_str(rest);
}

/// The message a wording and its numbers (read from `reader`) stand for.
fn into_words(wording: &str, value: &str, suggestion: &str, reader: &mut Reader<'_>) -> String {
    if let Some(verbatim) = wording.strip_prefix(VERBATIM) {
        return verbatim.to_string();
    }
    let mut message = String::with_capacity(wording.len() + value.len() + 8);
    for c in wording.chars() {
        match c {
            NUMBER => message.push_str(&reader.unsigned().to_string()),
            VALUE => message.push_str(value),
            SUGGESTION => message.push_str(suggestion),
            c => message.push(c),
        }
    }
    message
}

/// Reads past the numbers of a wording.
fn skip_numbers(wording: &str, reader: &mut Reader<'_>) {
    if !wording.starts_with(VERBATIM) {
        for _ in wording.matches(NUMBER) {
            reader.unsigned();
        }
    }
}

/// The text of `len` bytes at `at` in `bytes` (empty where there is none).
fn text_at(bytes: &[u8], at: usize, len: usize) -> &str {
    bytes
        .get(at..at.saturating_add(len))
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or("")
}

/// Appends `number` in 7-bit groups, low first, the high bit saying more follow.
fn put_unsigned(out: &mut Vec<u8>, mut number: u64) {
    while number >= 0x80 {
        out.push((number as u8) | 0x80);
        number >>= 7;
    }
    out.push(number as u8);
}

/// Appends a signed number, small ones of either sign in few bytes.
fn put_signed(out: &mut Vec<u8>, number: i64) {
    put_unsigned(out, ((number << 1) ^ (number >> 63)) as u64);
}

/// Appends a text, its length first.
fn put_text(out: &mut Vec<u8>, text: &str) {
    put_unsigned(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Reads what the `put_` functions wrote. The buffer is only ever written by them, so a read
/// past its end (which would be a mistake here) gives zeros and empty texts, not a panic.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn unsigned(&mut self) -> u64 {
        let mut number = 0u64;
        let mut shift = 0;
        loop {
            let byte = self.byte();
            if shift < 64 {
                number |= u64::from(byte & 0x7F) << shift;
            }
            if byte & 0x80 == 0 {
                return number;
            }
            shift += 7;
        }
    }

    fn signed(&mut self) -> i64 {
        let number = self.unsigned();
        ((number >> 1) as i64) ^ -((number & 1) as i64)
    }

    fn text(&mut self) -> &'a str {
        let len = usize::try_from(self.unsigned()).unwrap_or(usize::MAX);
        let end = self.at.saturating_add(len).min(self.bytes.len());
        let text = self
            .bytes
            .get(self.at..end)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("");
        self.at = end;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(row: u64, rule: Rule, message: &str, value: Option<&str>) -> Finding {
        let finding = Finding::new(row, Some(Field::Id), rule, message);
        match value {
            Some(value) => finding.with_value(value),
            None => finding,
        }
    }

    #[test]
    fn findings_come_back_exactly_as_they_went_in() {
        let mut all = vec![
            finding(
                1,
                Rule::MissingColumn,
                "No column is matched to First Name.",
                None,
            ),
            finding(
                3,
                Rule::DuplicateId,
                "ID “L1” is also used in row 2; IDs must differ.",
                Some(" L1 "),
            ),
            finding(
                3,
                Rule::TooLong,
                "007 and 0 and 18446744073709551616 and 12",
                Some("1"),
            ),
            finding(2, Rule::InvalidEmail, "a\u{1}b\u{2}c", Some("b")),
            finding(u64::MAX, Rule::Unrepresentable, "“é” has é", Some("é")),
            finding(0, Rule::Mojibake, "", Some("")),
        ];
        all[1].kept = Some("kept".into());
        all[1].cut = Some("cut “x”".into());
        all[2].suggestion = Some("Pre-Retirement".into());
        all[3].severity = Severity::Error;
        all[4].field = None;
        let findings: Findings = all.clone().into();
        assert_eq!(findings.len(), all.len());
        assert_eq!(findings.iter().collect::<Vec<_>>(), all);
        for (index, expected) in all.iter().enumerate() {
            assert_eq!(findings.get(index).as_ref(), Some(expected));
        }
        assert_eq!(findings.get(all.len()), None);
    }

    /// Any findings come back exactly: texts of digits, marks, quotes and letters; values shared
    /// with the finding before; kept and cut inside the value or not; suggestions in the
    /// message or not.
    #[test]
    fn any_findings_come_back_exactly() {
        let mut rng = fastrand::Rng::with_seed(7);
        let pool = [
            '0', '1', '7', '9', 'a', 'Z', ' ', '“', '”', 'é', '😀', '\u{1}', '\u{2}', '\u{3}',
            '\u{4}', '…',
        ];
        let text = |rng: &mut fastrand::Rng, max: usize| -> String {
            (0..rng.usize(0..max))
                .map(|_| pool[rng.usize(0..pool.len())])
                .collect()
        };
        let mut all: Vec<Finding> = Vec::new();
        for i in 0..5_000u64 {
            let value = (rng.u8(0..4) > 0).then(|| text(&mut rng, 30));
            let value = match (&value, all.last()) {
                (Some(_), Some(last)) if rng.bool() => last.value.clone(),
                _ => value,
            };
            let mut finding = Finding::new(
                i / 2 + rng.u64(0..3),
                Field::ALL.get(rng.usize(0..12)).copied(),
                Rule::ALL[rng.usize(0..Rule::ALL.len())],
                String::new(),
            );
            finding.value = value.clone();
            if rng.bool() {
                let whole = value.clone().unwrap_or_default();
                let cut_at = whole
                    .char_indices()
                    .map(|(at, _)| at)
                    .nth(rng.usize(0..4))
                    .unwrap_or(whole.len());
                finding.kept = Some(whole[..cut_at].to_string());
                finding.cut = Some(if rng.bool() {
                    whole[cut_at..].to_string()
                } else {
                    text(&mut rng, 10)
                });
            }
            if rng.bool() {
                finding.suggestion = Some(text(&mut rng, 8));
            }
            if rng.u8(0..10) == 0 {
                finding.severity = Severity::Error;
            }
            let shown_value = value.as_deref().map(str::trim).unwrap_or("").to_string();
            let shown_suggestion = finding.suggestion.clone().unwrap_or_default();
            finding.message = format!(
                "{}{}{}{}{}",
                text(&mut rng, 12),
                if rng.bool() {
                    shown_value
                } else {
                    String::new()
                },
                text(&mut rng, 12),
                if rng.bool() {
                    shown_suggestion
                } else {
                    String::new()
                },
                text(&mut rng, 12),
            );
            all.push(finding);
        }
        let findings: Findings = all.iter().cloned().collect();
        assert_eq!(findings.to_vec(), all);
        for _ in 0..200 {
            let index = rng.usize(0..all.len());
            assert_eq!(findings.get(index).as_ref(), Some(&all[index]), "{index}");
        }
    }

    /// One value in every finding (the same unknown segment on every row, say): each is kept
    /// once after the first, and every finding still reads back from wherever reading starts,
    /// at a checkpoint or between two.
    #[test]
    fn a_value_repeated_across_checkpoints_is_read_back_from_anywhere() {
        let all: Vec<Finding> = (0..300u64)
            .map(|i| {
                finding(
                    i + 2,
                    Rule::UnknownSegment,
                    "“Retirees” is unknown.",
                    Some("Retirees"),
                )
            })
            .collect();
        let findings: Findings = all.iter().cloned().collect();
        for (index, expected) in all.iter().enumerate() {
            assert_eq!(findings.get(index).as_ref(), Some(expected), "{index}");
        }
        for start in [0, 63, 64, 65, 128, 256, 299] {
            assert_eq!(
                findings.iter_from(start).collect::<Vec<_>>(),
                all[start..],
                "{start}"
            );
        }
    }

    /// Reading from anywhere knows how many findings are left (the page counts what a filter
    /// leaves, and lists are made the right size at once).
    #[test]
    fn the_findings_left_are_counted_from_anywhere() {
        let all: Vec<Finding> = (0..150u64)
            .map(|i| finding(i + 2, Rule::InvalidEmail, "no @", Some("a")))
            .collect();
        let findings: Findings = all.iter().cloned().collect();
        for start in [0, 1, 64, 149, 150, 151, 1000] {
            let mut iter = findings.iter_from(start);
            let left = all.len().saturating_sub(start);
            assert_eq!(iter.len(), left, "{start}");
            assert_eq!(iter.size_hint(), (left, Some(left)), "{start}");
            if left > 0 {
                iter.next();
                assert_eq!(iter.len(), left - 1, "{start}, after one");
            }
        }
    }

    /// Two lists of findings are equal only when every finding is (a check reused or not,
    /// a report read back from JSON): the same number of findings is not enough.
    #[test]
    fn findings_are_equal_only_when_every_finding_is() {
        let list = |rows: &[u64]| -> Findings {
            rows.iter()
                .map(|&row| finding(row, Rule::MissingName, "First Name is empty.", None))
                .collect()
        };
        assert_eq!(list(&[2, 3]), list(&[2, 3]));
        assert_ne!(list(&[2, 3]), list(&[2, 4]));
        assert_ne!(list(&[2, 3]), list(&[2]));
        assert_ne!(list(&[]), list(&[2]));
    }

    #[test]
    fn every_finding_is_reached_past_many_checkpoints() {
        let all: Vec<Finding> = (0..1_000u64)
            .map(|i| {
                finding(
                    i / 3 + 2,
                    Rule::ALL[(i as usize) % Rule::ALL.len()],
                    &format!("Row {} says “v{i}” {}", i * 7, i % 5),
                    (i % 2 == 0).then_some(format!("v{i}")).as_deref(),
                )
            })
            .collect();
        let findings: Findings = all.iter().cloned().collect();
        for index in [0, 1, 63, 64, 65, 127, 128, 500, 999] {
            assert_eq!(findings.get(index).as_ref(), Some(&all[index]), "{index}");
            assert_eq!(
                findings.iter_from(index).collect::<Vec<_>>(),
                all[index..],
                "{index}"
            );
        }
        assert_eq!(findings.iter_from(1_000).count(), 0);
        assert_eq!(findings.iter_from(5_000).count(), 0);
    }

    #[test]
    fn findings_that_differ_only_in_numbers_and_values_share_their_wording() {
        let findings: Findings = (0..10_000u64)
            .map(|row| {
                finding(
                    row + 2,
                    Rule::DuplicateId,
                    &format!(
                        "ID “L{row}” is also used in row {}; IDs must differ.",
                        row + 1
                    ),
                    Some(&format!("L{row}")),
                )
            })
            .collect();
        assert_eq!(findings.words.texts.len(), 1);
        // A few bytes each, not the hundreds a worded finding takes.
        assert!(
            findings.bytes.len() < 10_000 * 16,
            "{}",
            findings.bytes.len()
        );
    }

    #[test]
    fn pages_and_counts_see_every_finding_and_word_only_the_page() {
        let all: Vec<Finding> = (0..300u64)
            .map(|i| {
                finding(
                    i + 2,
                    if i % 3 == 0 {
                        Rule::DuplicateId
                    } else {
                        Rule::InvalidEmail
                    },
                    &format!("message {i}"),
                    None,
                )
            })
            .collect();
        let findings: Findings = all.iter().cloned().collect();
        let duplicate = |f: &Finding| f.rule == Rule::DuplicateId;
        assert_eq!(findings.count(duplicate), 100);
        assert_eq!(findings.count_severity(Severity::Error), 100);
        assert_eq!(findings.count_severity(Severity::Warning), 200);
        let (total, page) = findings.page(duplicate, 30, 50);
        assert_eq!(total, 100);
        let wanted: Vec<Finding> = all
            .iter()
            .filter(|f| duplicate(f))
            .skip(30)
            .take(50)
            .cloned()
            .collect();
        assert_eq!(page, wanted);
        let (total, page) = findings.page(duplicate, 95, 50);
        assert_eq!((total, page.len()), (100, 5));
        assert_eq!(page[4].message, "message 297");
    }

    #[test]
    fn a_list_of_findings_reads_and_writes_as_json_like_a_list() {
        let all = vec![finding(
            2,
            Rule::DuplicateId,
            "ID “A” again in row 1",
            Some("A"),
        )];
        let findings: Findings = all.clone().into();
        let json = serde_json::to_string(&findings).expect("JSON");
        assert_eq!(json, serde_json::to_string(&all).expect("JSON"));
        let back: Findings = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, findings);
    }
}
