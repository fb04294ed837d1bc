//! The lead rules: one record in, findings out. Which fields exist, their limits and their allowed
//! values come from the schema; this module only applies them.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::quality;
use super::reader::{Record, RecordProblem};
use super::report::{Finding, Rule, Severity};
use super::schema::Field;
use super::values::{KnownValues, ValueOutcome};

/// The CRM's lead-matching weights (percent), used to spot the same lead twice in a file.
const WEIGHT_FIRST_NAME: u32 = 15;
const WEIGHT_LAST_NAME: u32 = 15;
const WEIGHT_PHONE: u32 = 40;
const WEIGHT_EMAIL: u32 = 30;
/// From this score on, two leads are reported as probably the same: email and both names (60),
/// phone and both names (70), email and phone (70) or more. A phone or an email alone is not enough.
pub const LIKELY_DUPLICATE_SCORE: u32 = 60;

/// What one record came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// At least one error: the lead goes to the rejected rows.
    pub has_error: bool,
    /// At least one warning.
    pub has_warning: bool,
}

/// A lead's identity, as hashes, for the likely-duplicate check.
#[derive(Debug, Clone, Copy)]
struct Fingerprint {
    row: u64,
    first: u64,
    last: u64,
    email: u64,
    phone: u64,
}

fn hash_of(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let mut hasher = FxHasher::default();
    text.hash(&mut hasher);
    // Never 0, which means "empty".
    hasher.finish() | 1
}

/// Checks records one after the other, remembering what it needs across records (IDs, leads).
pub struct RecordChecker {
    columns: [Option<usize>; 10],
    header_len: usize,
    segments: KnownValues,
    concepts: KnownValues,
    ids: FxHashMap<Box<str>, u64>,
    by_email: FxHashMap<u64, Fingerprint>,
    by_phone: FxHashMap<u64, Fingerprint>,
}

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
            columns,
            header_len,
            segments,
            concepts,
            ids: FxHashMap::default(),
            by_email: FxHashMap::default(),
            by_phone: FxHashMap::default(),
        }
    }

    /// The raw value of `field` in `record` ("" when the field has no column).
    fn raw<'r>(&self, record: &'r Record<'_>, field: Field) -> &'r str {
        self.columns[field.index()]
            .and_then(|column| record.fields.get(column).copied())
            .unwrap_or("")
    }

    /// Checks one record, appending its findings (in field order) to `findings`.
    /// `bad_bytes` says whether the record held bytes invalid in the file's encoding.
    pub fn check(
        &mut self,
        record: &Record<'_>,
        bad_bytes: bool,
        findings: &mut Vec<Finding>,
    ) -> Verdict {
        let start = findings.len();
        let row = record.row;
        if let Some(problem) = malformed(record, self.header_len) {
            findings.push(Finding::new(row, None, Rule::MalformedRow, problem));
            return Verdict {
                has_error: true,
                has_warning: false,
            };
        }
        if bad_bytes {
            findings.push(Finding::new(
                row,
                None,
                Rule::InvalidEncoding,
                "This row has bytes that are not valid in the file's encoding; they were read as \
                 Windows-1252 letters. If some letters look wrong, choose the file's real encoding.",
            ));
        }

        let first = self.raw(record, Field::FirstName).trim();
        let last = self.raw(record, Field::LastName).trim();
        let email = self.raw(record, Field::Email).trim();
        let phone = self.raw(record, Field::Phone).trim();

        for (field, value) in [(Field::FirstName, first), (Field::LastName, last)] {
            if value.is_empty() {
                let raw = self.raw(record, field);
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
                findings.push(if raw.is_empty() {
                    finding
                } else {
                    finding.with_value(raw)
                });
            }
        }
        if email.is_empty() && phone.is_empty() {
            findings.push(Finding::new(
                row,
                None,
                Rule::MissingContact,
                "This lead has neither an email address nor a phone number. The CRM needs at least \
                 one of them: add an email address or a phone number.",
            ));
        }

        let id = self.raw(record, Field::Id).trim();
        if !id.is_empty() {
            match self.ids.get(id) {
                Some(&first_row) => findings.push(
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
                ),
                None => {
                    self.ids.insert(id.into(), row);
                }
            }
        }

        for field in Field::ALL {
            if self.columns[field.index()].is_none() {
                continue;
            }
            let raw = self.raw(record, field);
            // Empty and blank values have nothing to check (missing-name covers names).
            if raw.trim().is_empty() {
                continue;
            }
            self.check_value(row, field, raw, findings);
        }

        self.check_likely_duplicate(row, [first, last, email, phone], findings);

        let mut verdict = Verdict::default();
        for finding in &findings[start..] {
            match finding.severity {
                Severity::Error => verdict.has_error = true,
                Severity::Warning => verdict.has_warning = true,
            }
        }
        verdict
    }

    /// The checks of one non-empty value.
    fn check_value(&mut self, row: u64, field: Field, raw: &str, findings: &mut Vec<Finding>) {
        let value = raw.trim();
        let simple = raw.bytes().all(|b| (0x20..0x7F).contains(&b));

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
                let mut finding = Finding::new(
                    row,
                    Some(field),
                    Rule::TooLong,
                    format!(
                        "{field} is {chars} characters long; the CRM keeps only the first {max} and cuts \
                         off “{cut}”. Shorten it so nothing important is lost."
                    ),
                )
                .with_value(raw);
                finding.kept = Some(kept.to_string());
                finding.cut = Some(cut.to_string());
                findings.push(finding);
            }
        }

        match field {
            Field::MarketSegment | Field::SalesConcept if !value.is_empty() => {
                let (known, kind, unknown_rule, normalised_rule) = if field == Field::MarketSegment
                {
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
                match known.judge(value) {
                    ValueOutcome::Known => {}
                    ValueOutcome::Normalised(to) => findings.push(
                        Finding::new(
                            row,
                            Some(field),
                            normalised_rule,
                            format!("“{value}” will be written as “{to}”, the CRM's spelling of this {kind}."),
                        )
                        .with_value(raw)
                        .with_suggestion(to),
                    ),
                    ValueOutcome::Unknown(closest) => {
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
                                "“{value}” is not a {kind} the CRM knows, so the CRM will ignore it.{hint} \
                                 Known values: {list}."
                            ),
                        )
                        .with_value(raw);
                        finding.suggestion = closest;
                        findings.push(finding);
                    }
                }
            }
            Field::Email if !value.is_empty() => {
                if let Some(problem) = quality::email_problem(value) {
                    findings.push(
                        Finding::new(row, Some(field), Rule::InvalidEmail, problem).with_value(raw),
                    );
                }
            }
            Field::Phone if !value.is_empty() => {
                if let Some(problem) = quality::phone_problem(value) {
                    findings.push(
                        Finding::new(row, Some(field), Rule::InvalidPhone, problem).with_value(raw),
                    );
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
            findings.push(
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
            );
        }
        if simple {
            return;
        }
        if let Some(hidden) = quality::hidden_characters(raw) {
            findings.push(
                Finding::new(
                    row,
                    Some(field),
                    Rule::HiddenCharacters,
                    format!("{field} contains {hidden}. You cannot see them, but the CRM stores them: remove them."),
                )
                .with_value(raw),
            );
        }
        if let Some(repaired) = quality::mojibake_repair(value) {
            findings.push(
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
            );
        }
    }

    fn check_likely_duplicate(
        &mut self,
        row: u64,
        [first, last, email, phone]: [&str; 4],
        findings: &mut Vec<Finding>,
    ) {
        let email_key = if email.is_empty() {
            String::new()
        } else {
            quality::email_key(email)
        };
        let phone_key = if phone.is_empty() {
            String::new()
        } else {
            quality::phone_key(phone)
        };
        let print = Fingerprint {
            row,
            first: hash_of(&first.to_lowercase()),
            last: hash_of(&last.to_lowercase()),
            email: hash_of(&email_key),
            phone: hash_of(&phone_key),
        };
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
        let best = [
            (print.email != 0)
                .then(|| self.by_email.get(&print.email))
                .flatten(),
            (print.phone != 0)
                .then(|| self.by_phone.get(&print.phone))
                .flatten(),
        ]
        .into_iter()
        .flatten()
        .map(|earlier| (score(earlier), earlier))
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
            findings.push(Finding::new(
                row,
                None,
                Rule::LikelyDuplicate,
                format!(
                    "This lead looks like the one in row {} (same {}: {score}% by the CRM's matching weights). \
                     The CRM may treat them as one person; remove one if they are the same.",
                    earlier.row,
                    same.join(", ")
                ),
            ));
        }
        if print.email != 0 {
            self.by_email.entry(print.email).or_insert(print);
        }
        if print.phone != 0 {
            self.by_phone.entry(print.phone).or_insert(print);
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
    let count = record.fields.len();
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
