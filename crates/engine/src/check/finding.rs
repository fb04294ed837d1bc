//! Findings: what a check tells people about one row or one column, with the rule behind it. The JSON form is a public
//! interface, documented in `docs/report-format.md`; change it only with a version note there.

use serde::{Deserialize, Serialize};

use crate::lead::schema::Field;
use crate::text::length::{crm_length, crm_split};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The CRM would reject the lead, or the file is broken at that row.
    Error,
    /// The CRM will change or drop something, or the value looks wrong.
    Warning,
}

impl Severity {
    /// The lower-case name used in reports: `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Every rule the engine checks. The ids (`missing-name`, …) are part of the report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// First or last name empty after trimming.
    MissingName,
    /// Email and phone both empty after trimming.
    MissingContact,
    /// An ID equal to an earlier record's ID.
    DuplicateId,
    /// A record whose field count differs from the header's, or an unterminated quote.
    MalformedRow,
    /// A value longer than the field's maximum: the CRM will truncate it.
    TooLong,
    /// A market segment the CRM does not know: it will be ignored.
    UnknownSegment,
    /// A sales concept the CRM does not know: it will be ignored.
    UnknownConcept,
    /// A market segment written differently from a known one; it will be written as the known one.
    SegmentNormalised,
    /// A sales concept written differently from a known one; it will be written as the known one.
    ConceptNormalised,
    /// An email address that does not look like one.
    InvalidEmail,
    /// A phone number that does not look like one (or that a spreadsheet turned into a number).
    InvalidPhone,
    /// A value a spreadsheet would run as a formula (starts with `=`, `+`, `-` or `@`).
    FormulaLike,
    /// Invisible characters: non-breaking spaces, zero-width characters, control characters.
    HiddenCharacters,
    /// Text that looks double-encoded (`Ã©` for `é`).
    Mojibake,
    /// Bytes that are not valid in the file's encoding.
    InvalidEncoding,
    /// A lead that the CRM's matching weights would consider the same as an earlier one.
    LikelyDuplicate,
    /// Two columns that both match one lead field: only one is imported.
    DuplicateColumn,
    /// A mandatory or contact column that no header matches.
    MissingColumn,
    /// A character the chosen output encoding cannot hold.
    Unrepresentable,
    /// A custom field's value that is not a real date (or date and time) in its format.
    InvalidDate,
    /// A custom field's value that is not a number.
    InvalidNumber,
    /// A yes/no custom field's value set neither to True nor to False.
    UnsetBoolean,
    /// Text in Rich Text Format whose formatting codes would reach the CRM.
    RtfCodes,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: [Rule; 23] = [
        Rule::MissingName,
        Rule::MissingContact,
        Rule::DuplicateId,
        Rule::MalformedRow,
        Rule::TooLong,
        Rule::UnknownSegment,
        Rule::UnknownConcept,
        Rule::SegmentNormalised,
        Rule::ConceptNormalised,
        Rule::InvalidEmail,
        Rule::InvalidPhone,
        Rule::FormulaLike,
        Rule::HiddenCharacters,
        Rule::Mojibake,
        Rule::InvalidEncoding,
        Rule::LikelyDuplicate,
        Rule::DuplicateColumn,
        Rule::MissingColumn,
        Rule::Unrepresentable,
        Rule::InvalidDate,
        Rule::InvalidNumber,
        Rule::UnsetBoolean,
        Rule::RtfCodes,
    ];

    /// The rule's id as written in reports, e.g. `missing-name`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::MissingName => "missing-name",
            Rule::MissingContact => "missing-contact",
            Rule::DuplicateId => "duplicate-id",
            Rule::MalformedRow => "malformed-row",
            Rule::TooLong => "too-long",
            Rule::UnknownSegment => "unknown-segment",
            Rule::UnknownConcept => "unknown-concept",
            Rule::SegmentNormalised => "segment-normalised",
            Rule::ConceptNormalised => "concept-normalised",
            Rule::InvalidEmail => "invalid-email",
            Rule::InvalidPhone => "invalid-phone",
            Rule::FormulaLike => "formula-like",
            Rule::HiddenCharacters => "hidden-characters",
            Rule::Mojibake => "mojibake",
            Rule::InvalidEncoding => "invalid-encoding",
            Rule::LikelyDuplicate => "likely-duplicate",
            Rule::DuplicateColumn => "duplicate-column",
            Rule::MissingColumn => "missing-column",
            Rule::Unrepresentable => "unrepresentable",
            Rule::InvalidDate => "invalid-date",
            Rule::InvalidNumber => "invalid-number",
            Rule::UnsetBoolean => "unset-boolean",
            Rule::RtfCodes => "rtf-codes",
        }
    }

    /// The rule with this id, if there is one.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.id() == id)
    }

    /// How serious a finding of this rule is.
    pub fn severity(self) -> Severity {
        match self {
            Rule::MissingName
            | Rule::MissingContact
            | Rule::DuplicateId
            | Rule::MalformedRow
            | Rule::MissingColumn
            | Rule::InvalidDate
            | Rule::InvalidNumber
            | Rule::UnsetBoolean => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// A short advisor-facing name of the rule, for summaries.
    pub fn label(self) -> &'static str {
        match self {
            Rule::MissingName => "Missing first or last name",
            Rule::MissingContact => "No email and no phone",
            Rule::DuplicateId => "ID used more than once",
            Rule::MalformedRow => "Broken row",
            Rule::TooLong => "Too long, will be cut",
            Rule::UnknownSegment => "Unknown market segment",
            Rule::UnknownConcept => "Unknown sales concept",
            Rule::SegmentNormalised => "Market segment spelled differently",
            Rule::ConceptNormalised => "Sales concept spelled differently",
            Rule::InvalidEmail => "Email address looks wrong",
            Rule::InvalidPhone => "Phone number looks wrong",
            Rule::FormulaLike => "Starts like a spreadsheet formula",
            Rule::HiddenCharacters => "Hidden characters",
            Rule::Mojibake => "Garbled accents",
            Rule::InvalidEncoding => "Unreadable characters",
            Rule::LikelyDuplicate => "Probably the same lead twice",
            Rule::DuplicateColumn => "Two columns for one field",
            Rule::MissingColumn => "Required column missing",
            Rule::Unrepresentable => "Character the output encoding cannot hold",
            Rule::InvalidDate => "Not a date in the column's format",
            Rule::InvalidNumber => "Not a number",
            Rule::UnsetBoolean => "Yes/no value not set to True or False",
            Rule::RtfCodes => "Formatting codes (RTF) in the text",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// How much of a value a finding quotes at most.
pub const MAX_QUOTED_CHARS: usize = 1000;

/// `text`, or its first `max` characters (counted and cut as the CRM counts and cuts them, never
/// inside a letter) followed by `…` and how many more there are.
pub fn excerpt(text: &str, max: usize) -> String {
    match crm_split(text, max) {
        None => text.to_string(),
        Some((shown, rest)) => {
            let more = crm_length(rest);
            format!("{shown}… ({more} more characters)")
        }
    }
}

/// One thing found about one row (or about the header, row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The row a spreadsheet shows: header = 1, first record = 2; blank lines count.
    pub row: u64,
    /// The lead field concerned, or `None` when the finding concerns no single field.
    pub field: Option<Field>,
    /// The rule that found it.
    pub rule: Rule,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong, where, and what to do, in plain words.
    pub message: String,
    /// The value concerned, as read (before trimming), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `too-long`: the part the CRM keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
    /// For `too-long`: the part the CRM cuts off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<String>,
    /// The value the package will hold instead (a normalised or suggested value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Finding {
    /// A finding with the rule's own severity and no value.
    pub fn new(row: u64, field: Option<Field>, rule: Rule, message: impl Into<String>) -> Self {
        Finding {
            row,
            field,
            rule,
            severity: rule.severity(),
            message: message.into(),
            value: None,
            kept: None,
            cut: None,
            suggestion: None,
        }
    }

    /// The same finding, with the value it concerns (its first 1,000 characters, for huge values).
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        let value = value.into();
        self.value = Some(excerpt(&value, MAX_QUOTED_CHARS));
        self
    }

    /// The same finding, with the value the package will hold instead.
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }
}
