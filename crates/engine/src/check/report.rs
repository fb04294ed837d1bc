//! What a check tells about a file: the report of one file (columns, summary, counts, notes,
//! values, changes and findings), the report of several, what its findings depend on, and the
//! template it suggests.

use std::collections::BTreeMap;
use std::sync::Arc;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

use crate::check::compare::OutputCheck;
use crate::check::finding::{Rule, Severity};
use crate::check::findings::Findings;
use crate::check::rules::Verdict;
use crate::lead::converters::ValueType;
use crate::lead::dates::DateFits;
use crate::lead::edits::{Change, Edits};
use crate::lead::mapping::{self, ColumnMatch};
use crate::lead::schema::Field;
use crate::lead::template::{Template, keep_unnamed_columns_with_values, plan_columns};
use crate::lead::values::KnownValues;

/// One column in a report: its match and a few sample values, written as one flat object
/// (the match's properties, then `samples`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ReportedColumn", into = "ReportedColumn")]
pub struct ColumnReport {
    /// The match.
    pub column: ColumnMatch,
    /// The first distinct non-empty values of the column.
    pub samples: Vec<String>,
    /// For a column of dates (or a custom field of dates), the formats its values in the first
    /// 1,000 records fit, the chosen one first.
    pub dates: Option<DateFits>,
    /// For a yes/no custom field or a category, every distinct value of the first 1,000
    /// records with how often it occurs, most frequent first (at most 100).
    pub distinct: Vec<(String, u64)>,
}

/// A column as the JSON report writes it. serde reads this plain form directly; the same
/// format through `#[serde(flatten)]` would buffer every column first, and its code would make
/// the web page's download larger.
#[derive(Serialize, Deserialize)]
struct ReportedColumn {
    header: String,
    field: Option<Field>,
    confidence: f64,
    matched_by: mapping::MatchKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wanted: Option<Field>,
    samples: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dates: Option<DateFits>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    distinct: Vec<(String, u64)>,
}

impl From<ReportedColumn> for ColumnReport {
    fn from(reported: ReportedColumn) -> Self {
        ColumnReport {
            column: ColumnMatch {
                header: reported.header,
                field: reported.field,
                confidence: reported.confidence,
                matched_by: reported.matched_by,
                note: reported.note,
                wanted: reported.wanted,
            },
            samples: reported.samples,
            dates: reported.dates,
            distinct: reported.distinct,
        }
    }
}

impl From<ColumnReport> for ReportedColumn {
    fn from(report: ColumnReport) -> Self {
        let ColumnMatch {
            header,
            field,
            confidence,
            matched_by,
            note,
            wanted,
        } = report.column;
        ReportedColumn {
            header,
            field,
            confidence,
            matched_by,
            note,
            wanted,
            samples: report.samples,
            dates: report.dates,
            distinct: report.distinct,
        }
    }
}

/// How many records came to what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Records read (the header and blank lines are not records).
    pub records: u64,
    /// Records without errors: they go into the package.
    pub ready: u64,
    /// Records with at least one error: they go to the rejected rows.
    pub with_errors: u64,
    /// Records without errors but with at least one warning.
    pub with_warnings: u64,
    /// Blank lines (they count as rows but hold no lead).
    pub blank_rows: u64,
    /// Rows the user took out of the import (not counted in `records`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deleted: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// Everything found in one file. Its JSON form is documented in `docs/report-format.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    /// The file's name.
    pub file: String,
    /// The encoding it was read in, as a lower-case WHATWG label (`utf-8`, `windows-1252`).
    pub encoding: String,
    /// The field delimiter (`,` `;` `\t` `|`).
    pub delimiter: String,
    /// The number of records (leads and broken rows), not counting the header and blank lines.
    pub rows: u64,
    /// The row of the header (1 unless blank lines come first).
    pub header_row: u64,
    /// Every column, in file order, with what it is matched to.
    pub columns: Vec<ColumnReport>,
    /// How many records came to what.
    pub summary: Summary,
    /// Findings per field key (`row` for findings about a whole row), per rule id.
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    /// Notes about the whole file, in plain words (how it was read, what to watch for).
    pub notes: Vec<String>,
    /// Distinct market segments and sales concepts, with how often each occurs.
    pub values: BTreeMap<Field, Vec<(String, u64)>>,
    /// The corrections applied, value by value (empty without corrections).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Every finding, in file order, held compactly.
    pub issues: Findings,
    /// Values of the first records (up to 1,000) per column, for the mapping screen.
    /// Not part of the JSON report.
    #[serde(skip)]
    pub samples: Vec<Vec<String>>,
    /// What the findings depend on besides the file's bytes, so that a later pass over the same
    /// file can reuse them (see [`FileChecker::reusing`](crate::FileChecker::reusing)). Not part of the JSON report.
    #[serde(skip)]
    pub basis: Option<Arc<CheckBasis>>,
}

/// What a check's findings depend on besides the file's bytes: how the file was read, what its
/// columns are matched to, the known segments and concepts with the user's value mappings, the
/// output encoding, and the corrections. Two checks of the same bytes whose bases are equal find
/// exactly the same, even when the options that led to them differ (an explicit mapping that
/// says what the automatic one found, a value mapping that confirms a normalisation).
#[derive(Debug, Clone)]
pub struct CheckBasis {
    pub(crate) encoding: &'static Encoding,
    pub(crate) bom: bool,
    pub(crate) delimiter: u8,
    pub(crate) columns: Vec<BasisColumn>,
    pub(crate) segments: KnownValues,
    pub(crate) concepts: KnownValues,
    /// The package whose values are checked for characters its output encoding cannot hold:
    /// how values are written, whether leads with errors are packed, and its columns (none for
    /// UTF-8, which holds every character).
    pub(crate) output: Option<OutputCheck>,
    pub(crate) edits: Edits,
    /// The null converters' values: (column, value).
    pub(crate) nulls: Vec<(usize, String)>,
    /// The value maps: (column, source value → value written).
    pub(crate) value_maps: Vec<(usize, Vec<(String, String)>)>,
    /// The columns whose RTF text is read as `rtf2plain` leaves it.
    pub(crate) rtf_columns: Vec<usize>,
    /// The fingerprint of the bytes read ([`ByteDigest`]), once they all are.
    pub(crate) bytes: u64,
}

/// What a column's findings depend on: its header and field, whether it is packed besides the
/// lead fields, and the field it lost to another column, with why (not how confident the match was, or how it was made).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BasisColumn {
    pub(crate) header: String,
    pub(crate) field: Option<Field>,
    pub(crate) wanted: Option<Field>,
    pub(crate) note: Option<String>,
    /// The column goes into the package besides the lead fields (its formulas are looked for).
    pub(crate) other: bool,
    /// For a custom field, the type its values are checked against.
    pub(crate) value_type: Option<ValueType>,
    /// A column of limited values (a category): its distinct values are reported.
    pub(crate) limited: bool,
}

impl PartialEq for CheckBasis {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.same_decisions(other)
    }
}

impl CheckBasis {
    /// The corrections the check applied.
    pub fn edits(&self) -> &Edits {
        &self.edits
    }

    /// Whether the two checks read and judge alike, whatever bytes they read.
    pub(crate) fn same_decisions(&self, other: &Self) -> bool {
        self.encoding == other.encoding
            && self.bom == other.bom
            && self.delimiter == other.delimiter
            && self.columns == other.columns
            && self.output == other.output
            && self.edits == other.edits
            && self.nulls == other.nulls
            && self.value_maps == other.value_maps
            && self.rtf_columns == other.rtf_columns
            && self.segments.judges_like(&other.segments)
            && self.concepts.judges_like(&other.concepts)
    }
}

impl FileReport {
    /// The number of findings with the given severity.
    pub fn count_severity(&self, severity: Severity) -> usize {
        self.issues.count_severity(severity)
    }

    /// How many values the package would write with characters its output encoding cannot
    /// hold: the `unrepresentable` findings, one per value, only in leads that are packed and
    /// only in the columns the package holds. Every place that shows this count (the web app's
    /// note, a refused build's message, the reports) takes it from here. It is read from
    /// [`counts`](FileReport::counts), which a report keeps even where its findings are left
    /// out (as in the web page).
    pub fn unrepresentable_values(&self) -> u64 {
        self.counts
            .values()
            .filter_map(|rules| rules.get(Rule::Unrepresentable.id()))
            .sum()
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.summary.with_errors > 0 || self.issues.count_severity(Severity::Error) > 0
    }
}

/// Reports on several files, as `leadpack check --format json` prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// One report per file, in the order given.
    pub files: Vec<FileReport>,
}

impl Summary {
    /// Counts one record that came to `verdict`.
    pub(crate) fn count(&mut self, verdict: Verdict) {
        self.records += 1;
        if verdict.has_error {
            self.with_errors += 1;
        } else {
            self.ready += 1;
            if verdict.has_warning {
                self.with_warnings += 1;
            }
        }
    }
}

impl Template {
    /// The template a checked file suggests: its column matches, extra phones, emails and
    /// address parts as subcollection entries, other columns as user fields, and the spellings
    /// the checker normalised as value mappings.
    pub fn suggested(report: &FileReport) -> Template {
        let columns: Vec<ColumnMatch> = report.columns.iter().map(|c| c.column.clone()).collect();
        let mut template = Template {
            columns: plan_columns(&columns),
            ..Template::default()
        };
        keep_unnamed_columns_with_values(&mut template.columns, |index| {
            report
                .columns
                .get(index)
                .is_some_and(|column| !column.samples.is_empty())
        });
        for finding in &report.issues {
            if matches!(
                finding.rule,
                Rule::SegmentNormalised | Rule::ConceptNormalised
            ) && let (Some(field), Some(value), Some(to)) =
                (finding.field, &finding.value, &finding.suggestion)
            {
                template
                    .value_mappings
                    .entry(field)
                    .or_default()
                    .insert(value.trim().to_string(), to.clone());
            }
        }
        template
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::file::check_bytes;
    use crate::lead::template::Target;

    #[test]
    fn a_column_without_header_but_with_values_is_kept() {
        let report = check_bytes(
            "f.csv",
            b"First Name,Last Name,Email,,\nAnn,Lee,a@example.com,note,\n",
            Default::default(),
        )
        .unwrap();
        let template = Template::suggested(&report);
        assert_eq!(template.columns[3].target, Target::UserField);
        assert_eq!(
            template.columns[4].target,
            Target::Skip,
            "an empty column stays out"
        );
    }
}
