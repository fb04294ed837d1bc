//! The lead rules: one record in, findings out. Which fields exist, their limits and their allowed
//! values come from the schema; this module only applies them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::check::finding::{Finding, MAX_QUOTED_CHARS, Rule, Severity, excerpt};
use crate::fast::hash::{hash_folded, hash_id, hash_phone};
use crate::fast::wire::{WireReader, put_u64};
use crate::lead::converters::{Unconverted, ValueType};
use crate::lead::quality;
use crate::lead::schema::Field;
use crate::text::encode::OutputEncoding;
use crate::text::length::{crm_length, crm_split};
use crate::text::reader::{Record, RecordProblem};
use crate::text::rtf::{Rtf, rtf_to_plain};

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
pub(crate) struct Fingerprint {
    pub(crate) row: u64,
    pub(crate) first: u64,
    pub(crate) last: u64,
    pub(crate) email: u64,
    pub(crate) phone: u64,
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

/// Where a finding stands among its row's findings. A row's findings come from two stages (the
/// rules that look at the record alone, and those that compare it with earlier records); the
/// rank puts them in one order, whichever stage found them.
pub type Rank = u16;

pub(crate) const RANK_ROW: Rank = 0;
pub(crate) const RANK_DUPLICATE_ID: Rank = 1;
/// After every lead field's own findings: the other columns, in file order.
pub(crate) const RANK_OTHER_COLUMNS: Rank = 100;
pub(crate) const RANK_LIKELY_DUPLICATE: Rank = 200;

/// The rank of one check of one field's value; fields come in their schema order.
pub(crate) fn rank_value(field: Field, step: ValueStep) -> Rank {
    2 + field.index() as Rank * 8 + step as Rank
}

/// The checks of one value, in the order their findings are listed.
#[derive(Clone, Copy)]
pub(crate) enum ValueStep {
    Rtf,
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
    pub(crate) id: u64,
    /// The lead's identity for the likely-duplicate check.
    pub(crate) print: Fingerprint,
    /// The record is broken: no rule compares it with others.
    pub(crate) broken: bool,
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
    pub(crate) columns: [Option<usize>; 10],
    pub(crate) header_len: usize,
    /// The output encoding whose characters it cannot hold are replaced in the package (the
    /// user allows it): a too-long value is previewed as replaced, as the package writes it.
    pub(crate) replace: Option<OutputEncoding>,
    /// The columns that go into the package besides the lead fields (Telcoms and Addresses
    /// entries, categories, custom fields, user fields): formulas are looked for there too, and
    /// custom fields' values are checked against their types.
    pub(crate) others: Vec<OtherColumn>,
}

/// A column that goes into the package besides the lead fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OtherColumn {
    /// Its index in the file.
    pub(crate) column: usize,
    /// Its header (trimmed).
    pub(crate) header: String,
    /// For a custom field, the type its values must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) value_type: Option<ValueType>,
}

impl OtherColumn {
    /// How messages name the column.
    fn named(&self) -> String {
        if self.header.is_empty() {
            format!("The column without a name (column {})", self.column + 1)
        } else {
            format!("Column “{}”", self.header)
        }
    }
}

impl RecordScreen {
    /// The raw value of `field` in `record` ("" when the field has no column).
    fn raw<'r>(&self, record: &'r Record<'_>, field: Field) -> &'r str {
        raw(&self.columns, record, field)
    }

    /// Applies the rules that need only `record` itself, appending their findings with their
    /// ranks to `found` (in rank order), and returns what the other rules need of it.
    /// `invalid` is the finding about bytes in the record that are not valid in the file's
    /// encoding, if it held any (the record alone cannot tell where its text came from bytes
    /// that were not valid).
    pub fn screen(
        &self,
        record: &Record<'_>,
        invalid: Option<&Finding>,
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
        if let Some(invalid) = invalid {
            found.push((RANK_ROW, invalid.clone()));
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
                check_value(row, field, (raw, value), (suspect, self.replace), found);
            }
        }
        for other in &self.others {
            let raw = record.field(other.column).unwrap_or("");
            let value = trim(raw);
            if let Some(value_type) = &other.value_type
                && !value.is_empty()
                && let Err(unconverted) = value_type.convert(value)
            {
                let (rule, message) = unconverted_problem(other, value_type, unconverted, value);
                found.push((
                    RANK_OTHER_COLUMNS,
                    Finding::new(row, None, rule, message).with_value(raw),
                ));
            } else if value.starts_with('{')
                && let Some(problem) = rtf_problem(&other.named(), value)
            {
                found.push((
                    RANK_OTHER_COLUMNS,
                    Finding::new(row, None, Rule::RtfCodes, problem).with_value(raw),
                ));
            } else if let Some(problem) = formula_problem(&other.named(), value) {
                found.push((
                    RANK_OTHER_COLUMNS,
                    Finding::new(row, None, Rule::FormulaLike, problem).with_value(raw),
                ));
            }
        }

        let id = values[Field::Id.index()];
        Keys {
            id: if id.is_empty() { 0 } else { hash_id(id) },
            print: Fingerprint {
                row,
                first: hash_folded(first),
                last: hash_folded(last),
                email: hash_folded(email),
                phone: hash_phone(phone, quality::MIN_PHONE_DIGITS),
            },
            broken: false,
        }
    }
}

/// The rule and message of a custom field's value that does not fit its type.
fn unconverted_problem(
    other: &OtherColumn,
    value_type: &ValueType,
    unconverted: Unconverted,
    value: &str,
) -> (Rule, String) {
    let column = other.named();
    let shown = excerpt(value, 40);
    match (unconverted, value_type) {
        (
            Unconverted::NotADate,
            ValueType::Date { format } | ValueType::Timestamp { format, .. },
        ) => {
            let what = if format.has_time() {
                "date and time"
            } else {
                "date"
            };
            (
                Rule::InvalidDate,
                format!(
                    "{column} holds “{shown}”, which is not a real {what} in the format {format}. \
                     The CRM cannot import it: correct the value, or choose the format the \
                     column's values are written in."
                ),
            )
        }
        (Unconverted::NotANumber, _) => (
            Rule::InvalidNumber,
            format!(
                "{column} holds “{shown}”, which is not a number. The CRM cannot import it: write \
                 digits only, with a point for decimals and no spaces or thousands separators \
                 (1234.5)."
            ),
        ),
        _ => (
            Rule::UnsetBoolean,
            format!(
                "{column} holds “{shown}”, which is set neither to True nor to False. Set it to \
                 True or False in the column's list of values."
            ),
        ),
    }
}

/// The finding about a value to be packed (`value`: trimmed, normalised and cut as the package
/// writes it, before any replacement) in which `encoding` cannot hold the character `shown`,
/// with what the package writes instead when the user allows it (`replaced`).
pub(crate) fn unrepresentable(
    row: u64,
    (header, field): (&str, Option<Field>),
    (raw, value): (&str, &str),
    (encoding, shown): (OutputEncoding, &str),
    replaced: &str,
) -> Finding {
    let separate = shown.chars().count() > 1
        && shown
            .chars()
            .skip(1)
            .all(unicode_normalization::char::is_combining_mark);
    let named = if shown.chars().any(|c| c.is_control() || c.is_whitespace()) {
        shown
            .chars()
            .map(|c| format!("U+{:04X}", c as u32))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        shown.to_string()
    };
    let how = if separate {
        " typed as a letter and a separate accent"
    } else {
        ""
    };
    Finding::new(
        row,
        field,
        Rule::Unrepresentable,
        format!(
            "“{}” in column “{header}” has “{named}”{how}, which {} cannot hold. Choose UTF-8 \
             as the output encoding, or let Leadpack write “{}” instead.",
            excerpt(value, 100),
            encoding.title(),
            excerpt(replaced, 100)
        ),
    )
    .with_value(raw)
    .with_suggestion(replaced.to_string())
}

/// What is wrong with a value (trimmed, as the package writes it) that a spreadsheet would run
/// as a formula, naming the column `what`; `None` for any other value.
fn formula_problem(what: &str, value: &str) -> Option<String> {
    if !quality::is_formula_like(value) {
        return None;
    }
    let sign = value.chars().next().unwrap_or('=');
    let shown = if sign.is_control() {
        "a tab".to_string()
    } else {
        format!("“{sign}”")
    };
    Some(format!(
        "{what} starts with {shown}, so a spreadsheet would run it as a formula. Remove the sign, \
         or check that the value is what you meant."
    ))
}

/// What is wrong with `value` (trimmed) of the column `what` when it is text in Rich Text
/// Format: its codes would be imported as they are (the column has no `rtf2plain`, or the text
/// is cut off before its end so the converter cannot be trusted with it). Rare, so kept out of
/// the way of the common checks.
#[cold]
#[inline(never)]
fn rtf_problem(what: &str, value: &str) -> Option<String> {
    if !value.starts_with("{\\rtf") {
        return None;
    }
    Some(match rtf_to_plain(value) {
        Rtf::Unfinished(_) => format!(
            "{what} holds formatted text (RTF) that is cut off before its end, so its formatting \
             codes may reach the CRM. Export the value again in full, or as plain text."
        ),
        Rtf::Text(_) | Rtf::Plain => format!(
            "{what} holds formatted text (RTF): the CRM would import its formatting codes as \
             they are. Turn on “Remove formatting (rtf2plain)” for this column, or export the \
             text as plain text."
        ),
    })
}

/// The raw value of `field` in `record` ("" when the field has no column).
pub(crate) fn raw<'r>(
    columns: &[Option<usize>; 10],
    record: &'r Record<'_>,
    field: Field,
) -> &'r str {
    columns[field.index()]
        .and_then(|column| record.field(column))
        .unwrap_or("")
}

/// The checks of one non-empty value (as read, and trimmed) that need nothing but the value.
/// Unless `suspect`, the value holds no character that may be hidden or garbled. With
/// `replace`, the package replaces the characters that encoding cannot hold.
fn check_value(
    row: u64,
    field: Field,
    (raw, value): (&str, &str),
    (suspect, replace): (bool, Option<OutputEncoding>),
    found: &mut Vec<(Rank, Finding)>,
) {
    let suspects = if suspect {
        quality::suspects(raw)
    } else {
        quality::Suspects::default()
    };

    if value.starts_with('{')
        && let Some(problem) = rtf_problem(&field.to_string(), value)
    {
        found.push((
            rank_value(field, ValueStep::Rtf),
            Finding::new(row, Some(field), Rule::RtfCodes, problem).with_value(raw),
        ));
    }

    if let Some(max) = field.max_chars()
        && value.len() > max
    {
        // As the package writes it: with replaced characters when the user allows it, since a
        // replacement may be longer (`Œ` → `OE`).
        let written = match replace {
            Some(encoding) if encoding.first_unrepresentable(value).is_some() => {
                Cow::Owned(encoding.replace_unrepresentable(value))
            }
            _ => Cow::Borrowed(value),
        };
        if let Some(parts) = crm_split(&written, max) {
            let replaced = matches!(written, Cow::Owned(_))
                .then_some(replace)
                .flatten();
            found.push((
                rank_value(field, ValueStep::TooLong),
                too_long(row, field, (raw, &written), (max, replaced), parts),
            ));
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

    if let Some(problem) = formula_problem(&field.to_string(), value) {
        found.push((
            rank_value(field, ValueStep::Formula),
            Finding::new(row, Some(field), Rule::FormulaLike, problem).with_value(raw),
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

/// The finding about a value (as read, and as the package writes it: trimmed, with the
/// characters `replaced_in` cannot hold replaced) longer than `max` as the CRM counts it, with
/// the part the CRM keeps and the part it cuts off.
fn too_long(
    row: u64,
    field: Field,
    (raw, value): (&str, &str),
    (max, replaced_in): (usize, Option<OutputEncoding>),
    (kept, cut): (&str, &str),
) -> Finding {
    let length = crm_length(value);
    let how = counting_note(value);
    let shown = excerpt(cut, 40);
    let written = match replaced_in {
        Some(encoding) => format!(
            ", once the characters {} cannot hold are replaced (“{}”),",
            encoding.title(),
            excerpt(value, 100)
        ),
        None => String::new(),
    };
    let mut finding = Finding::new(
        row,
        Some(field),
        Rule::TooLong,
        format!(
            "{field}{written} is {length} characters long{how}; the CRM keeps at most {max} and \
             cuts off “{shown}”. Shorten it so nothing important is lost."
        ),
    )
    .with_value(raw);
    finding.kept = Some(kept.to_string());
    finding.cut = Some(excerpt(cut, MAX_QUOTED_CHARS));
    finding
}

/// How the CRM counts the characters of `value`, where that differs from what a reader sees.
fn counting_note(value: &str) -> &'static str {
    if value.is_ascii() {
        return "";
    }
    let wide = value.chars().any(|c| c.len_utf16() == 2);
    let marks = value
        .chars()
        .any(unicode_normalization::char::is_combining_mark);
    match (wide, marks) {
        (true, true) => {
            " as the CRM counts them (an emoji counts as two, an accent stored apart from its \
             letter as one more)"
        }
        (true, false) => " as the CRM counts them (an emoji counts as two)",
        (false, true) => {
            " as the CRM counts them (an accent stored apart from its letter counts as one more)"
        }
        (false, false) => "",
    }
}

/// Why a record's shape is broken, if it is.
pub(crate) fn malformed(record: &Record<'_>, header_len: usize) -> Option<String> {
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
