//! The lead rules: one record in, findings out. Which fields exist, their limits and their allowed
//! values come from the schema; this module only applies them.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::check::finding::{Finding, MAX_QUOTED_CHARS, Rule, Severity, excerpt};
use crate::fast::index::KeyIndex;
use crate::fast::pages::prefer_large_pages;
use crate::fast::wire::{WireReader, put_u64};
use crate::lead::quality;
use crate::lead::schema::Field;
use crate::lead::values::{KnownValues, ValueOutcome};
use crate::text::encode::OutputEncoding;
use crate::text::reader::{Record, RecordProblem};

/// The CRM's lead-matching weights (percent), used to spot the same lead twice in a file.
const WEIGHT_FIRST_NAME: u32 = 15;
const WEIGHT_LAST_NAME: u32 = 15;
const WEIGHT_PHONE: u32 = 40;
const WEIGHT_EMAIL: u32 = 30;
/// From this score on, two leads are reported as probably the same: email and both names (60),
/// phone and both names (70), email and phone (70) or more. A phone or an email alone is not enough.
pub const LIKELY_DUPLICATE_SCORE: u32 = 60;

/// A column's header and the lead field it is matched to.
pub type ColumnName = (String, Option<Field>);

/// What one record came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// At least one error: the lead goes to the rejected rows.
    pub has_error: bool,
    /// At least one warning.
    pub has_warning: bool,
}

impl Verdict {
    /// What a record with `findings` comes to.
    pub fn of(findings: &[Finding]) -> Verdict {
        let mut verdict = Verdict::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => verdict.has_error = true,
                Severity::Warning => verdict.has_warning = true,
            }
        }
        verdict
    }
}

/// A lead's identity, as hashes, for the likely-duplicate check.
#[derive(Debug, Clone, Copy, Default)]
struct Fingerprint {
    row: u64,
    first: u64,
    last: u64,
    email: u64,
    phone: u64,
}

/// Trims surrounding whitespace (Unicode's, as the CRM does), fast when the edges are ASCII.
pub fn trim(value: &str) -> &str {
    let trimmed = value.trim_ascii();
    match (trimmed.as_bytes().first(), trimmed.as_bytes().last()) {
        // Beyond ASCII's whitespace, Unicode's counts the vertical tab and the non-ASCII spaces.
        (Some(first), Some(last))
            if *first >= 0x80 || *last >= 0x80 || *first == 0x0B || *last == 0x0B =>
        {
            trimmed.trim()
        }
        _ => trimmed,
    }
}

/// A new hasher for the keys the rules compare. It gives 64-bit hashes on every target: the
/// likely-duplicate check compares leads by these hashes alone, and the index keeps half of
/// each hash as a tag, so the web worker (a 32-bit target, where `FxHasher` gives 32-bit
/// hashes, and every tag came out the same) must have all 64 bits, well mixed, to find exactly
/// what the command line finds, as fast.
fn key_hasher() -> foldhash::fast::FoldHasher<'static> {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x4C45_4144_5041_434B).build_hasher()
}

fn hash_str(text: &str) -> u64 {
    let mut hasher = key_hasher();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A hash of `text` ignoring case; 0 for empty text.
fn hash_folded(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let mut hasher = key_hasher();
    let bytes = text.as_bytes();
    if bytes.is_ascii() {
        // Eight letters at a time, lowered in place.
        crate::fast::words::each_word(bytes, |word| {
            hasher.write_u64(ascii_lowercase_word(word));
        });
        hasher.write_usize(bytes.len());
    } else {
        for c in text.chars() {
            match c {
                // The common letters lowered directly: the general lowering looks each
                // character up in a table.
                _ if c.is_ascii() => hasher.write_u32(u32::from(c.to_ascii_lowercase())),
                'À'..='Þ' if c != '×' => hasher.write_u32(c as u32 + 0x20),
                // The rest of Latin-1 is lower case already, or has no case.
                '\u{80}'..='ÿ' => hasher.write_u32(c as u32),
                _ => {
                    for lower in c.to_lowercase() {
                        hasher.write_u32(lower as u32);
                    }
                }
            }
        }
    }
    // Never 0, which means "empty".
    hasher.finish() | 1
}

/// Eight ASCII bytes as one number (the first in the lowest bits), with `A`–`Z` lowered.
fn ascii_lowercase_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // For ASCII bytes: the high bit of each byte of `upper` is set where the byte is A to Z.
    let at_least_a = w + ONES * (0x80 - u64::from(b'A'));
    let past_z = w + ONES * (0x7F - u64::from(b'Z'));
    let upper = at_least_a & !past_z & (ONES * 0x80);
    w | (upper >> 2)
}

/// A hash of a phone number's digits (before any extension); 0 when it has fewer than 7.
fn hash_phone(phone: &str) -> u64 {
    // The digits are gathered and hashed together, a piece at a time for very long values.
    let mut hasher = key_hasher();
    let mut piece = [0u8; 32];
    let (mut filled, mut digits) = (0, 0usize);
    for byte in phone.bytes() {
        if byte.is_ascii_digit() {
            if filled == piece.len() {
                hasher.write(&piece);
                filled = 0;
            }
            piece[filled] = byte;
            filled += 1;
            digits += 1;
        } else if byte.is_ascii_alphabetic() {
            break;
        }
    }
    if digits < 7 {
        return 0;
    }
    hasher.write(&piece[..filled]);
    hasher.finish() | 1
}

/// Every ID seen so far with the row it was first seen on. The IDs' text lives in one arena
/// rather than one allocation each, which matters on files of millions of rows; each ID ends
/// where the next begins.
#[derive(Default)]
struct IdIndex {
    arena: String,
    entries: Vec<IdEntry>,
    index: KeyIndex,
}

#[derive(Clone, Copy)]
struct IdEntry {
    start: usize,
    row: u64,
}

/// The hash an ID is compared by (never 0, which means "no ID").
fn hash_id(id: &str) -> u64 {
    hash_str(id) | 1
}

/// The text of the ID at `index` in `arena`: it ends where the next one begins.
fn id_at<'a>(arena: &'a str, entries: &[IdEntry], index: u32) -> &'a str {
    let index = index as usize;
    let end = entries
        .get(index + 1)
        .map_or(arena.len(), |next| next.start);
    entries
        .get(index)
        .and_then(|entry| arena.get(entry.start..end))
        .unwrap_or_default()
}

impl IdIndex {
    /// Makes room for about `records` more IDs.
    fn reserve(&mut self, records: usize) {
        let (arena, entries) = (&self.arena, &self.entries);
        self.index
            .reserve(records, |at| hash_id(id_at(arena, entries, at)));
        self.entries.reserve(records);
        prefer_large_pages(&mut self.entries);
        self.arena.reserve(records * 8);
    }

    /// The row `id` (whose hash is `hash`) was first seen on; if it is new, remembers it on
    /// `row` and returns `None`.
    fn first_row_or_insert(&mut self, id: &str, hash: u64, row: u64) -> Option<u64> {
        // Past four billion IDs, later ones are not compared.
        let next = u32::try_from(self.entries.len()).ok()?;
        let (arena, entries) = (&self.arena, &self.entries);
        let found = self.index.find_or_insert(
            hash,
            |at| id_at(arena, entries, at) == id,
            next,
            |at| hash_id(id_at(arena, entries, at)),
        );
        if let Some(at) = found {
            return Some(self.entries[at as usize].row);
        }
        self.entries.push(IdEntry {
            start: self.arena.len(),
            row,
        });
        self.arena.push_str(id);
        None
    }
}

/// Where a finding stands among its row's findings. A row's findings come from two stages (the
/// rules that look at the record alone, and those that compare it with earlier records); the
/// rank puts them in one order, whichever stage found them.
pub type Rank = u16;

const RANK_ROW: Rank = 0;
const RANK_DUPLICATE_ID: Rank = 1;
const RANK_LIKELY_DUPLICATE: Rank = 200;
const RANK_UNREPRESENTABLE: Rank = 201;

/// The rank of one check of one field's value; fields come in their schema order.
fn rank_value(field: Field, step: ValueStep) -> Rank {
    2 + field.index() as Rank * 8 + step as Rank
}

/// The checks of one value, in the order their findings are listed.
#[derive(Clone, Copy)]
enum ValueStep {
    TooLong,
    KnownValue,
    Syntax,
    Formula,
    Hidden,
    Mojibake,
}

/// What the rules that compare leads need of one record, worked out with the rest of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys {
    /// The hash of the trimmed ID; 0 when the ID is empty.
    id: u64,
    /// The lead's identity for the likely-duplicate check.
    print: Fingerprint,
    /// The record is broken: no rule compares it with others.
    broken: bool,
}

impl Keys {
    /// The size of [`Keys::put`]'s bytes.
    pub(crate) const WIRE_BYTES: usize = 6 * 8 + 1;

    /// Appends the keys as bytes, for a check in another worker ([`Keys::read`] reads them).
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        let Fingerprint {
            row,
            first,
            last,
            email,
            phone,
        } = self.print;
        for number in [self.id, row, first, last, email, phone] {
            put_u64(out, number);
        }
        out.push(u8::from(self.broken));
    }

    /// Keys written by [`Keys::put`].
    pub(crate) fn read(wire: &mut WireReader<'_>) -> Option<Keys> {
        Some(Keys {
            id: wire.u64()?,
            print: Fingerprint {
                row: wire.u64()?,
                first: wire.u64()?,
                last: wire.u64()?,
                email: wire.u64()?,
                phone: wire.u64()?,
            },
            broken: match wire.u8()? {
                0 => false,
                1 => true,
                _ => return None,
            },
        })
    }
}

/// The rules that judge a record on its own. They keep no memory between records, so any number
/// of records can go through them at once, in any order, on any thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordScreen {
    columns: [Option<usize>; 10],
    header_len: usize,
    /// The output encoding whose unrepresentable characters are reported, with every column's
    /// header and field.
    output: Option<(OutputEncoding, Vec<ColumnName>)>,
}

impl RecordScreen {
    /// The raw value of `field` in `record` ("" when the field has no column).
    fn raw<'r>(&self, record: &'r Record<'_>, field: Field) -> &'r str {
        raw(&self.columns, record, field)
    }

    /// Applies the rules that need only `record` itself, appending their findings with their
    /// ranks to `found` (in rank order), and returns what the other rules need of it.
    /// `bad_bytes` says whether the record held bytes invalid in the file's encoding.
    pub fn screen(
        &self,
        record: &Record<'_>,
        bad_bytes: bool,
        found: &mut Vec<(Rank, Finding)>,
    ) -> Keys {
        let row = record.row;
        if let Some(problem) = malformed(record, self.header_len) {
            found.push((
                RANK_ROW,
                Finding::new(row, None, Rule::MalformedRow, problem),
            ));
            return Keys {
                broken: true,
                ..Keys::default()
            };
        }
        if bad_bytes {
            found.push((
                RANK_ROW,
                Finding::new(
                    row,
                    None,
                    Rule::InvalidEncoding,
                    "This row has bytes that are not valid in the file's encoding. Leadpack kept them \
                     as well as it could (in a UTF-8 file, as Windows-1252 letters; otherwise as “�”). \
                     If some letters look wrong, choose the file's real encoding.",
                ),
            ));
        }

        // Every lead field's value, as read and trimmed, once.
        let raws = Field::ALL.map(|field| self.raw(record, field));
        let values = raws.map(trim);
        let [first, last, email, phone] = [
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::Phone,
        ]
        .map(|field| values[field.index()]);

        for field in [Field::FirstName, Field::LastName] {
            if values[field.index()].is_empty() {
                let raw = raws[field.index()];
                let message = if raw.is_empty() {
                    format!(
                        "{field} is empty. The CRM rejects a lead without a {}: fill it in.",
                        field.title().to_lowercase()
                    )
                } else {
                    format!(
                        "{field} holds only spaces. The CRM rejects a lead without a {}: fill it in.",
                        field.title().to_lowercase()
                    )
                };
                let finding = Finding::new(row, Some(field), Rule::MissingName, message);
                found.push((
                    RANK_ROW,
                    if raw.is_empty() {
                        finding
                    } else {
                        finding.with_value(raw)
                    },
                ));
            }
        }
        if email.is_empty() && phone.is_empty() {
            found.push((
                RANK_ROW,
                Finding::new(
                    row,
                    None,
                    Rule::MissingContact,
                    "This lead has neither an email address nor a phone number. The CRM needs at least \
                     one of them: add an email address or a phone number.",
                ),
            ));
        }

        // One look at the whole record says whether any value may hold hidden or garbled
        // characters: in most records none does, and no value needs that look of its own.
        let suspects = quality::suspects(record.parts().0);
        let suspect = suspects.hidden || suspects.mojibake;
        // Empty and blank values have nothing to check (missing-name covers names); a field
        // without a column reads as empty.
        for ((field, raw), value) in Field::ALL.into_iter().zip(raws).zip(values) {
            if !value.is_empty() {
                check_value(row, field, (raw, value), suspect, found);
            }
        }
        self.check_representable(record, found);

        let id = values[Field::Id.index()];
        Keys {
            id: if id.is_empty() { 0 } else { hash_id(id) },
            print: Fingerprint {
                row,
                first: hash_folded(first),
                last: hash_folded(last),
                email: hash_folded(email),
                phone: hash_phone(phone),
            },
            broken: false,
        }
    }

    fn check_representable(&self, record: &Record<'_>, found: &mut Vec<(Rank, Finding)>) {
        let Some((encoding, columns)) = &self.output else {
            return;
        };
        for ((header, field), raw) in columns.iter().zip(record.fields()) {
            let value = trim(raw);
            let Some(c) = encoding.first_unrepresentable(value) else {
                continue;
            };
            let replaced = encoding.replace_unrepresentable(value);
            let shown = if c.is_control() || c.is_whitespace() {
                format!("U+{:04X}", c as u32)
            } else {
                c.to_string()
            };
            found.push((
                RANK_UNREPRESENTABLE,
                Finding::new(
                    record.row,
                    *field,
                    Rule::Unrepresentable,
                    format!(
                        "“{}” in column “{header}” has “{shown}”, which {} cannot hold. Choose UTF-8 \
                         as the output encoding, or let Leadpack write “{}” instead.",
                        excerpt(value, 100),
                        encoding.title(),
                        excerpt(&replaced, 100)
                    ),
                )
                .with_value(raw)
                .with_suggestion(replaced),
            ));
        }
    }
}

/// The raw value of `field` in `record` ("" when the field has no column).
fn raw<'r>(columns: &[Option<usize>; 10], record: &'r Record<'_>, field: Field) -> &'r str {
    columns[field.index()]
        .and_then(|column| record.field(column))
        .unwrap_or("")
}

/// The checks of one non-empty value (as read, and trimmed) that need nothing but the value.
/// Unless `suspect`, the value holds no character that may be hidden or garbled.
fn check_value(
    row: u64,
    field: Field,
    (raw, value): (&str, &str),
    suspect: bool,
    found: &mut Vec<(Rank, Finding)>,
) {
    let suspects = if suspect {
        quality::suspects(raw)
    } else {
        quality::Suspects::default()
    };

    if let Some(max) = field.max_chars()
        && value.len() > max
    {
        let chars = value.chars().count();
        if chars > max {
            let cut_at = value
                .char_indices()
                .nth(max)
                .map_or(value.len(), |(at, _)| at);
            let (kept, cut) = value.split_at(cut_at);
            let shown = excerpt(cut, 40);
            let mut finding = Finding::new(
                row,
                Some(field),
                Rule::TooLong,
                format!(
                    "{field} is {chars} characters long; the CRM keeps only the first {max} and cuts \
                     off “{shown}”. Shorten it so nothing important is lost."
                ),
            )
            .with_value(raw);
            finding.kept = Some(kept.to_string());
            finding.cut = Some(excerpt(cut, MAX_QUOTED_CHARS));
            found.push((rank_value(field, ValueStep::TooLong), finding));
        }
    }

    match field {
        // Values past the field's length are reported as too long; their syntax is not judged.
        Field::Email if value.len() <= MAX_QUOTED_CHARS => {
            if let Some(problem) = quality::email_problem(value) {
                found.push((
                    rank_value(field, ValueStep::Syntax),
                    Finding::new(row, Some(field), Rule::InvalidEmail, problem).with_value(raw),
                ));
            }
        }
        Field::Phone if value.len() <= MAX_QUOTED_CHARS => {
            if let Some(problem) = quality::phone_problem(value) {
                found.push((
                    rank_value(field, ValueStep::Syntax),
                    Finding::new(row, Some(field), Rule::InvalidPhone, problem).with_value(raw),
                ));
            }
        }
        _ => {}
    }

    if quality::is_formula_like(raw) {
        let sign = raw.trim_start_matches([' ']).chars().next().unwrap_or('=');
        let shown = if sign.is_control() {
            "a tab".to_string()
        } else {
            format!("“{sign}”")
        };
        found.push((
            rank_value(field, ValueStep::Formula),
            Finding::new(
                row,
                Some(field),
                Rule::FormulaLike,
                format!(
                    "{field} starts with {shown}, so a spreadsheet would run it as a formula. \
                     Remove the sign, or check that the value is what you meant."
                ),
            )
            .with_value(raw),
        ));
    }
    if let Some(hidden) = suspects
        .hidden
        .then(|| quality::hidden_characters(raw))
        .flatten()
    {
        found.push((
            rank_value(field, ValueStep::Hidden),
            Finding::new(
                row,
                Some(field),
                Rule::HiddenCharacters,
                format!("{field} contains {hidden}: invisible characters that make searching and matching fail. Remove them."),
            )
            .with_value(raw),
        ));
    }
    if let Some(repaired) = suspects
        .mojibake
        .then(|| quality::mojibake_repair(value))
        .flatten()
    {
        found.push((
            rank_value(field, ValueStep::Mojibake),
            Finding::new(
                row,
                Some(field),
                Rule::Mojibake,
                format!(
                    "{field} looks garbled: “{value}” is probably “{repaired}” saved twice with \
                     different encodings. Fix the value, or export the file again as UTF-8."
                ),
            )
            .with_value(raw)
            .with_suggestion(repaired),
        ));
    }
}

/// Checks records one after the other, remembering what it needs across records (IDs, leads,
/// the market segments and sales concepts seen).
///
/// A record goes through two stages: [`RecordScreen::screen`], which needs the record alone,
/// and [`RecordChecker::settle`], which compares it with the records before it and must see
/// the records in file order. [`RecordChecker::check`] does both for one record.
pub struct RecordChecker {
    screen: Arc<RecordScreen>,
    segments: KnownValues,
    concepts: KnownValues,
    ids: IdIndex,
    /// The first lead with each email and each phone, as indexes into `prints`.
    prints: Vec<Fingerprint>,
    by_email: KeyIndex,
    by_phone: KeyIndex,
    /// Distinct market segments and sales concepts with their counts, and what becomes of each.
    value_counts: [FxHashMap<String, (u64, ValueOutcome)>; 2],
    /// Findings of the second stage of the record being settled.
    later: Vec<(Rank, Finding)>,
}

/// How many distinct values per limited-value field are counted; more are lumped together.
const MAX_DISTINCT_VALUES: usize = 1000;

impl RecordChecker {
    /// A checker for records whose field `f` is in column `columns[f.index()]`, with
    /// `header_len` columns in the header, and the known segments and concepts.
    pub fn new(
        columns: [Option<usize>; 10],
        header_len: usize,
        segments: KnownValues,
        concepts: KnownValues,
    ) -> Self {
        RecordChecker {
            screen: Arc::new(RecordScreen {
                columns,
                header_len,
                output: None,
            }),
            segments,
            concepts,
            ids: IdIndex::default(),
            prints: Vec::new(),
            by_email: KeyIndex::new(),
            by_phone: KeyIndex::new(),
            value_counts: Default::default(),
            later: Vec::new(),
        }
    }

    /// The first stage of the rules, which can run apart from this checker.
    pub fn screen(&self) -> &Arc<RecordScreen> {
        &self.screen
    }

    /// Distinct market segments and sales concepts (trimmed) with how often each occurs, most
    /// frequent first.
    pub fn value_counts(&self) -> Vec<(Field, Vec<(String, u64)>)> {
        [Field::MarketSegment, Field::SalesConcept]
            .into_iter()
            .zip(&self.value_counts)
            .map(|(field, counts)| {
                let mut list: Vec<(String, u64)> =
                    counts.iter().map(|(v, (n, _))| (v.clone(), *n)).collect();
                list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (field, list)
            })
            .collect()
    }

    /// Also reports characters `encoding` cannot hold, in every column (`columns`: each
    /// column's header and lead field).
    pub fn check_output_encoding(
        &mut self,
        encoding: OutputEncoding,
        columns: Vec<(String, Option<Field>)>,
    ) {
        if encoding != OutputEncoding::Utf8 {
            Arc::make_mut(&mut self.screen).output = Some((encoding, columns));
        }
    }

    /// Makes room for about `records` records, so the indexes do not grow step by step.
    pub fn reserve(&mut self, records: usize) {
        self.ids.reserve(records);
        let prints = &self.prints;
        self.by_email
            .reserve(records, |index| prints[index as usize].email);
        self.by_phone
            .reserve(records, |index| prints[index as usize].phone);
        self.prints.reserve(records);
        prefer_large_pages(&mut self.prints);
    }

    /// Asks for the memory that settling a record with these keys will read (a hint, for a
    /// record a few places ahead).
    pub fn prefetch(&self, keys: &Keys) {
        if keys.broken {
            return;
        }
        if keys.id != 0 {
            self.ids.index.prefetch(keys.id);
        }
        if keys.print.email != 0 {
            self.by_email.prefetch(keys.print.email);
        }
        if keys.print.phone != 0 {
            self.by_phone.prefetch(keys.print.phone);
        }
    }

    /// The second stage: compares `record` with the records settled before it, and appends
    /// its findings, the first stage's (`found`, as [`RecordScreen::screen`] gave them) and
    /// this stage's, in order, to `findings`.
    pub fn settle(
        &mut self,
        record: &Record<'_>,
        keys: &Keys,
        found: impl Iterator<Item = (Rank, Finding)>,
        findings: &mut Vec<Finding>,
    ) -> Verdict {
        let start = findings.len();
        let mut later = std::mem::take(&mut self.later);
        if !keys.broken {
            self.compare(record, keys, &mut later);
        }
        // Both lists are in rank order: merge them.
        let mut later_items = later.drain(..).peekable();
        for (rank, finding) in found {
            while let Some((_, earlier)) = later_items.next_if(|(r, _)| *r < rank) {
                findings.push(earlier);
            }
            findings.push(finding);
        }
        findings.extend(later_items.map(|(_, finding)| finding));
        self.later = later;

        Verdict::of(&findings[start..])
    }

    /// The rules that compare a record with earlier ones, and those that keep counts.
    fn compare(&mut self, record: &Record<'_>, keys: &Keys, later: &mut Vec<(Rank, Finding)>) {
        let row = record.row;
        let id = trim(raw(&self.screen.columns, record, Field::Id));
        if keys.id != 0
            && let Some(first_row) = self.ids.first_row_or_insert(id, keys.id, row)
        {
            later.push((
                RANK_DUPLICATE_ID,
                Finding::new(
                    row,
                    Some(Field::Id),
                    Rule::DuplicateId,
                    format!(
                        "ID “{id}” is already used by row {first_row}. IDs must be unique in the file: \
                         give this lead its own ID, or remove it if it is the same lead."
                    ),
                )
                .with_value(id),
            ));
        }
        for field in [Field::MarketSegment, Field::SalesConcept] {
            let raw = raw(&self.screen.columns, record, field);
            let value = trim(raw);
            if !value.is_empty() {
                self.judge_value(row, field, raw, value, later);
            }
        }
        self.check_likely_duplicate(&keys.print, later);
    }

    /// Counts a market segment or sales concept and reports it when the CRM does not know it.
    fn judge_value(
        &mut self,
        row: u64,
        field: Field,
        raw: &str,
        value: &str,
        later: &mut Vec<(Rank, Finding)>,
    ) {
        let (known, kind, unknown_rule, normalised_rule) = if field == Field::MarketSegment {
            (
                &mut self.segments,
                "market segment",
                Rule::UnknownSegment,
                Rule::SegmentNormalised,
            )
        } else {
            (
                &mut self.concepts,
                "sales concept",
                Rule::UnknownConcept,
                Rule::ConceptNormalised,
            )
        };
        let rank = rank_value(field, ValueStep::KnownValue);
        // A value seen before is counted and judged by one lookup.
        let counts = &mut self.value_counts[usize::from(field == Field::SalesConcept)];
        let outcome = match counts.get_mut(value) {
            Some((count, outcome)) => {
                *count += 1;
                if matches!(outcome, ValueOutcome::Known | ValueOutcome::Mapped(_)) {
                    return;
                }
                outcome.clone()
            }
            None => {
                let outcome = known.judge(value);
                if counts.len() < MAX_DISTINCT_VALUES {
                    counts.insert(value.to_string(), (1, outcome.clone()));
                }
                outcome
            }
        };
        match outcome {
            ValueOutcome::Known | ValueOutcome::Mapped(_) => {}
            ValueOutcome::Normalised(to) => {
                let quoted = excerpt(value, 100);
                later.push((
                    rank,
                    Finding::new(
                        row,
                        Some(field),
                        normalised_rule,
                        format!(
                            "“{quoted}” will be written as “{to}”, the CRM's spelling of this {kind}."
                        ),
                    )
                    .with_value(raw)
                    .with_suggestion(to),
                ));
            }
            ValueOutcome::Unknown(closest) => {
                let quoted = excerpt(value, 100);
                let list = known.values().join(", ");
                let hint = match &closest {
                    Some(near) => format!(" Did you mean “{near}”?"),
                    None => String::new(),
                };
                let mut finding = Finding::new(
                    row,
                    Some(field),
                    unknown_rule,
                    format!(
                        "“{quoted}” is not a {kind} the CRM knows, so the CRM will ignore it.{hint} \
                         Known values: {list}."
                    ),
                )
                .with_value(raw);
                finding.suggestion = closest;
                later.push((rank, finding));
            }
        }
    }

    fn check_likely_duplicate(&mut self, print: &Fingerprint, later: &mut Vec<(Rank, Finding)>) {
        let print = *print;
        if print.email == 0 && print.phone == 0 {
            return;
        }
        let score = |earlier: &Fingerprint| {
            let same = |a: u64, b: u64| a != 0 && a == b;
            WEIGHT_FIRST_NAME * u32::from(same(print.first, earlier.first))
                + WEIGHT_LAST_NAME * u32::from(same(print.last, earlier.last))
                + WEIGHT_PHONE * u32::from(same(print.phone, earlier.phone))
                + WEIGHT_EMAIL * u32::from(same(print.email, earlier.email))
        };
        let prints = &self.prints;
        let earlier_email = (print.email != 0)
            .then(|| {
                self.by_email
                    .find(print.email, |i| prints[i as usize].email == print.email)
            })
            .flatten();
        let earlier_phone = (print.phone != 0)
            .then(|| {
                self.by_phone
                    .find(print.phone, |i| prints[i as usize].phone == print.phone)
            })
            .flatten();
        let best = [earlier_email, earlier_phone]
            .into_iter()
            .flatten()
            .map(|i| &prints[i as usize])
            .map(|earlier| (score(earlier), *earlier))
            .max_by_key(|(score, earlier)| (*score, std::cmp::Reverse(earlier.row)));
        if let Some((score, earlier)) = best
            && score >= LIKELY_DUPLICATE_SCORE
        {
            let mut same = Vec::new();
            if print.first != 0 && print.first == earlier.first {
                same.push("first name");
            }
            if print.last != 0 && print.last == earlier.last {
                same.push("last name");
            }
            if print.email != 0 && print.email == earlier.email {
                same.push("email");
            }
            if print.phone != 0 && print.phone == earlier.phone {
                same.push("phone");
            }
            later.push((
                RANK_LIKELY_DUPLICATE,
                Finding::new(
                    print.row,
                    None,
                    Rule::LikelyDuplicate,
                    format!(
                        "This lead looks like the one in row {} (same {}: {score}% by the CRM's matching \
                         weights). The CRM may treat them as one person; remove one if they are the same.",
                        earlier.row,
                        same.join(", ")
                    ),
                ),
            ));
        }
        let new_email = print.email != 0 && earlier_email.is_none();
        let new_phone = print.phone != 0 && earlier_phone.is_none();
        if new_email || new_phone {
            let Ok(index) = u32::try_from(self.prints.len()) else {
                // Past four billion leads, later ones are not compared.
                return;
            };
            self.prints.push(print);
            let prints = &self.prints;
            if new_email {
                self.by_email
                    .insert(print.email, index, |i| prints[i as usize].email);
            }
            if new_phone {
                self.by_phone
                    .insert(print.phone, index, |i| prints[i as usize].phone);
            }
        }
    }
}

/// Why a record's shape is broken, if it is.
fn malformed(record: &Record<'_>, header_len: usize) -> Option<String> {
    if record.problem == Some(RecordProblem::UnterminatedQuote) {
        return Some(
            "A quote (\") opened in this row is never closed, so everything from there to the end of \
             the file was read as one value. Close the quote or remove it."
                .to_string(),
        );
    }
    let count = record.len();
    if count == header_len {
        return None;
    }
    Some(if count > header_len {
        format!(
            "This row has {count} values but the header has {header_len} columns. A value probably \
             contains the delimiter without quotes around it: put the value in quotes or remove the \
             extra delimiter."
        )
    } else {
        format!(
            "This row has {count} values but the header has {header_len} columns: values are missing \
             or the row was cut. Check the row and fill in the missing values."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_use_all_64_bits() {
        // Distinct keys, distinct hashes, and the upper halves (the index's tags) as distinct:
        // on every target, the worker's included.
        let keys: Vec<String> = (0..100_000)
            .map(|i| format!("lead{i}@example.com"))
            .collect();
        let hashes: std::collections::HashSet<u64> = keys.iter().map(|k| hash_folded(k)).collect();
        let tags: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 32).collect();
        assert_eq!(hashes.len(), keys.len());
        assert!(tags.len() > keys.len() - 10, "{} distinct tags", tags.len());
        assert_ne!(hash_str("ab"), hash_str("ab\0"));
        assert_ne!(hash_str(""), hash_str("\0"));
    }

    /// Phones are compared by their digits before any extension, however long.
    #[test]
    fn phone_hashes_compare_digits_only() {
        let same = hash_phone("+44 20 7946 0958");
        assert_ne!(same, 0);
        assert_eq!(hash_phone("(44) 20-7946-0958"), same);
        assert_eq!(hash_phone("44 20 7946 0958 ext. 12"), same);
        assert_ne!(hash_phone("44 20 7946 0959"), same);
        assert_eq!(hash_phone("123 456"), 0, "fewer than 7 digits");
        let long = "1".repeat(70);
        for at in [0, 31, 32, 33, 64, 69] {
            let mut other = long.clone().into_bytes();
            other[at] = b'2';
            let other = String::from_utf8(other).unwrap_or_default();
            assert_ne!(hash_phone(&long), hash_phone(&other), "digit {at}");
        }
        assert_ne!(hash_phone(&"1".repeat(32)), hash_phone(&"1".repeat(33)));
    }

    /// Names and emails are compared ignoring case: every ASCII character, in every place of
    /// an eight-byte word, folds like its lower-case form and like nothing else.
    #[test]
    fn folded_hashes_ignore_case_and_nothing_else() {
        for at in 0..17 {
            for c in (0x20..0x7Fu8).map(char::from) {
                let with = |c: char| {
                    let mut text = "x".repeat(at);
                    text.push(c);
                    text.push_str("yz");
                    text
                };
                let lower = c.to_ascii_lowercase();
                assert_eq!(
                    hash_folded(&with(c)),
                    hash_folded(&with(lower)),
                    "{c:?} at {at}"
                );
                let other = if lower == 'q' { 'r' } else { 'q' };
                assert_ne!(
                    hash_folded(&with(lower)),
                    hash_folded(&with(other)),
                    "{c:?} at {at}"
                );
            }
        }
        assert_eq!(hash_folded("ZOË"), hash_folded("zoë"));
        // Beyond ASCII, each character is lowered as Unicode says.
        let lowered_by_unicode = |text: &str| {
            let mut hasher = key_hasher();
            for c in text.chars().flat_map(char::to_lowercase) {
                hasher.write_u32(c as u32);
            }
            hasher.finish() | 1
        };
        for c in ('\u{80}'..='\u{250}').chain(['İ', 'Σ', 'Ω', 'Ж', '\u{212A}']) {
            let text = format!("é{c}Ab");
            assert_eq!(hash_folded(&text), lowered_by_unicode(&text), "{c:?}");
        }
        assert_ne!(hash_folded("ab"), hash_folded("ab\0"));
        assert_eq!(hash_folded(""), 0);
    }
}
