//! The rules that compare each lead with the leads before it, in file order: IDs used twice,
//! the same lead twice (by the CRM's own matching weights), and the counts of market segments
//! and sales concepts. They run after the rules for one lead ([`crate::check::rules`]).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::check::finding::{Finding, Rule, excerpt};
use crate::check::import::EarlierFiles;
use crate::check::rules::{
    Fingerprint, Keys, OtherColumn, RANK_DUPLICATE_ID, RANK_LIKELY_DUPLICATE, Rank, RecordScreen,
    ValueStep, Verdict, rank_value, raw, trim, unrepresentable,
};
use crate::check::seen::Seen;
use crate::lead::schema::Field;
use crate::lead::values::{KnownValues, ValueOutcome};
use crate::lead::writing::{Writing, normalised};
use crate::text::encode::OutputEncoding;
use crate::text::reader::Record;

/// The CRM's lead-matching weights (percent), used to spot the same lead twice in a file.
const WEIGHT_FIRST_NAME: u32 = 15;
const WEIGHT_LAST_NAME: u32 = 15;
const WEIGHT_PHONE: u32 = 40;
const WEIGHT_EMAIL: u32 = 30;
/// From this score on, two leads are reported as probably the same: email and both names (60),
/// phone and both names (70), email and phone (70) or more. A phone or an email alone is not enough.
pub const LIKELY_DUPLICATE_SCORE: u32 = 60;

/// Checks records one after the other, remembering what it needs across records (IDs, leads,
/// the market segments and sales concepts seen).
///
/// A record goes through two stages: [`RecordScreen::screen`], which needs the record alone,
/// and [`RecordChecker::settle`], which compares it with the records before it and must see
/// the records in file order.
pub struct RecordChecker {
    screen: Arc<RecordScreen>,
    segments: KnownValues,
    concepts: KnownValues,
    /// The IDs and leads of this file so far.
    seen: Seen,
    /// The files checked before this one in the same import, if there are any.
    earlier: Option<Arc<EarlierFiles>>,
    /// Distinct market segments and sales concepts with their counts, and what becomes of each.
    value_counts: [FxHashMap<String, (u64, ValueOutcome)>; 2],
    /// Findings of the second stage of the record being settled.
    later: Vec<(Rank, Finding)>,
    /// The package whose values are checked for characters its encoding cannot hold.
    output: Option<OutputCheck>,
}

/// What the check needs to report the values a package would write with characters its output
/// encoding cannot hold: how values are written, whether leads with errors are packed, and the
/// package's columns. Part of what a check's findings depend on ([`CheckBasis`]).
///
/// [`CheckBasis`]: crate::check::report::CheckBasis
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutputCheck {
    pub(crate) writing: Writing,
    pub(crate) include_invalid: bool,
    /// The package's columns: (source column, header, lead field).
    pub(crate) columns: Vec<(usize, String, Option<Field>)>,
}

/// The first leads seen with the email and with the phone of `print`.
fn look_up<'a>(
    seen: &'a Seen,
    print: &Fingerprint,
) -> (Option<&'a Fingerprint>, Option<&'a Fingerprint>) {
    let email = (print.email != 0)
        .then(|| seen.with_email(print.email))
        .flatten();
    let phone = (print.phone != 0)
        .then(|| seen.with_phone(print.phone))
        .flatten();
    (email, phone)
}

/// Keeps `candidate` (a lead of this file when `in_file`) in `best` when it scores higher, or
/// as high and comes first: an earlier file's before this file's, an earlier row before a later.
fn keep_better<'a>(
    best: &mut Option<(u32, &'a Fingerprint, bool)>,
    candidate: Option<&'a Fingerprint>,
    in_file: bool,
    score: impl Fn(&Fingerprint) -> u32,
) {
    let Some(earlier) = candidate else {
        return;
    };
    let scored = (score(earlier), earlier, in_file);
    let key = |(score, earlier, in_file): &(u32, &Fingerprint, bool)| {
        (*score, std::cmp::Reverse((*in_file, earlier.row)))
    };
    if best
        .as_ref()
        .is_none_or(|current| key(&scored) > key(current))
    {
        *best = Some(scored);
    }
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
                replace: None,
                others: Vec::new(),
            }),
            segments,
            concepts,
            seen: Seen::default(),
            earlier: None,
            value_counts: Default::default(),
            later: Vec::new(),
            output: None,
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

    /// Also reports the values a package would write with characters its output encoding
    /// cannot hold (nothing for UTF-8), and previews too-long values as the package writes them.
    pub(crate) fn check_output(&mut self, output: OutputCheck) {
        if output.writing.encoding == OutputEncoding::Utf8 {
            return;
        }
        if output.writing.replace {
            Arc::make_mut(&mut self.screen).replace = Some(output.writing.encoding);
        }
        self.output = Some(output);
    }

    /// Looks for formulas in these columns too (index, header): the columns that go into the
    /// package besides the lead fields.
    pub(crate) fn check_other_columns(&mut self, others: Vec<OtherColumn>) {
        Arc::make_mut(&mut self.screen).others = others;
    }

    /// Also compares each record with the leads of `earlier`, the files checked before this
    /// one in the same import.
    pub(crate) fn after(&mut self, earlier: Arc<EarlierFiles>) {
        self.earlier = (!earlier.is_empty()).then_some(earlier);
    }

    /// The IDs and leads of this file, once it is checked.
    pub(crate) fn into_seen(self) -> Seen {
        self.seen
    }

    /// Makes room for about `records` records, so the indexes do not grow step by step.
    pub fn reserve(&mut self, records: usize) {
        self.seen.reserve(records);
    }

    /// Asks for the memory that settling a record with these keys will read (a hint, for a
    /// record a few places ahead).
    pub fn prefetch(&self, keys: &Keys) {
        if !keys.broken {
            self.seen.prefetch(keys);
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

        let verdict = Verdict::of(&findings[start..]);
        // The values the package would write, in a record it would pack: a broken row, or one
        // with errors unless those are packed too, goes to the rejected rows (which hold every
        // character) instead.
        if let Some(output) = self.output.take() {
            if !keys.broken && (!verdict.has_error || output.include_invalid) {
                self.check_representable(&output, record, findings);
            }
            self.output = Some(output);
            return Verdict::of(&findings[start..]);
        }
        verdict
    }

    /// Reports each value of `record` that the package would write with a character the output
    /// encoding cannot hold: the value trimmed, a segment or concept as the CRM knows it, cut as
    /// the CRM cuts it, exactly as the packer writes it, but before any replacement.
    fn check_representable(
        &mut self,
        output: &OutputCheck,
        record: &Record<'_>,
        findings: &mut Vec<Finding>,
    ) {
        let encoding = output.writing.encoding;
        for (source, header, field) in &output.columns {
            let raw = record.field(*source).unwrap_or("");
            let trimmed = trim(raw);
            let normalised = normalised(*field, trimmed, &mut self.segments, &mut self.concepts);
            let value = output.writing.cut(*field, &normalised);
            let Some(shown) = encoding.first_unrepresentable(value) else {
                continue;
            };
            let replacing = Writing {
                replace: true,
                ..output.writing
            };
            let replaced = replacing.written(*field, &normalised);
            findings.push(unrepresentable(
                record.row,
                (header, *field),
                (raw, value),
                (encoding, shown),
                &replaced,
            ));
        }
    }

    /// The rules that compare a record with earlier ones, and those that keep counts.
    fn compare(&mut self, record: &Record<'_>, keys: &Keys, later: &mut Vec<(Rank, Finding)>) {
        let row = record.row;
        let id = trim(raw(&self.screen.columns, record, Field::Id));
        if keys.id != 0 {
            let in_file = self.seen.id_row_or_insert(id, keys.id, row);
            // An ID of an earlier file of the import was used there first.
            let in_import = self.earlier.as_ref().and_then(|earlier| {
                let place = earlier.seen().id_row(id, keys.id)?;
                Some(earlier.locate(place))
            });
            let message = match (in_import, in_file) {
                (Some((file, first_row)), _) => Some(format!(
                    "ID “{id}” is already used by row {first_row} of {file}, another file of this \
                     import. IDs must be unique in the import: give this lead its own ID, or \
                     remove it if it is the same lead."
                )),
                (None, Some(first_row)) => Some(format!(
                    "ID “{id}” is already used by row {first_row}. IDs must be unique in the file: \
                     give this lead its own ID, or remove it if it is the same lead."
                )),
                (None, None) => None,
            };
            if let Some(message) = message {
                later.push((
                    RANK_DUPLICATE_ID,
                    Finding::new(row, Some(Field::Id), Rule::DuplicateId, message).with_value(id),
                ));
            }
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
        let (email_in_file, phone_in_file) = look_up(&self.seen, &print);
        // The best match; among equals, the first lead: the import's earlier files come before
        // this file, and earlier rows before later ones. Only the best is copied out.
        let mut best: Option<(u32, &Fingerprint, bool)> = None;
        if let Some(files) = &self.earlier {
            let (email, phone) = look_up(files.seen(), &print);
            keep_better(&mut best, email, false, score);
            keep_better(&mut best, phone, false, score);
        }
        keep_better(&mut best, email_in_file, true, score);
        keep_better(&mut best, phone_in_file, true, score);
        let best = best.map(|(score, earlier, in_file)| (score, *earlier, in_file));
        let (new_email, new_phone) = (
            print.email != 0 && email_in_file.is_none(),
            print.phone != 0 && phone_in_file.is_none(),
        );
        if let Some((score, earlier, in_file)) = best
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
            let place = match (&self.earlier, in_file) {
                (Some(files), false) => {
                    let (file, row) = files.locate(earlier.row);
                    format!("row {row} of {file}, another file of this import")
                }
                _ => format!("row {}", earlier.row),
            };
            later.push((
                RANK_LIKELY_DUPLICATE,
                Finding::new(
                    print.row,
                    None,
                    Rule::LikelyDuplicate,
                    format!(
                        "This lead looks like the one in {place} (same {}: {score}% by the CRM's \
                         matching weights). The CRM may treat them as one person; remove one if they \
                         are the same.",
                        same.join(", ")
                    ),
                ),
            ));
        }
        self.seen.remember(print, new_email, new_phone);
    }
}
