//! Messages between the web page and its worker.
//!
//! Both sides serialise these with serde. A request is an object tagged by its `kind`; a `File`
//! travels beside it in the message's `file` property. A reply is named by its variant
//! (`"ready"`, `{"checked": {…}}`); the files the worker makes travel as `Blob`s (made in the
//! worker, so the page never copies their bytes) in the reply's `blobs` property, never inside
//! these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use leadpack_engine::{
    Edits, Field, FileReport, Finding, OutputKind, Replacement, Rule, Severity, Template,
};

/// A file the user chose, as the page describes it before any reading starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenFile {
    /// The file's name as the browser reports it (no folder).
    pub name: String,
    /// The file's size in bytes.
    pub size: u64,
}

/// How to read a file, where the user overrides the detection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSettings {
    /// An encoding label (`utf-8`, `windows-1252`, …), or `None` to detect it.
    pub encoding: Option<String>,
    /// A delimiter (`,` `;` `\t` `|`), or `None` to detect it.
    pub delimiter: Option<String>,
}

/// Which findings the table shows, by field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldFilter {
    /// Every finding.
    #[default]
    Any,
    /// Only findings about whole rows (no single field).
    Row,
    /// Only findings about this field.
    Field(Field),
}

/// Which findings a page of the findings table shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsQuery {
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this rule.
    pub rule: Option<Rule>,
    /// Only these fields.
    pub field: FieldFilter,
    /// The first finding to show.
    pub offset: u64,
    /// How many to show.
    pub limit: u64,
}

impl FindingsQuery {
    /// Whether `finding` passes the filters.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.severity.is_none_or(|s| s == finding.severity)
            && self.rule.is_none_or(|r| r == finding.rule)
            && match self.field {
                FieldFilter::Any => true,
                FieldFilter::Row => finding.field.is_none(),
                FieldFilter::Field(field) => finding.field == Some(field),
            }
    }
}

/// Which rows the review grid shows: every row, or the rows with a kind of finding, or holding
/// a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsFilter {
    /// Only rows with a finding of this severity.
    pub severity: Option<Severity>,
    /// Only rows with a finding of this rule.
    pub rule: Option<Rule>,
    /// Only rows with a finding about these fields.
    pub field: FieldFilter,
    /// Only rows with a value holding this text (any case).
    pub search: Option<String>,
}

impl RowsFilter {
    /// Whether every row passes.
    pub fn is_every_row(&self) -> bool {
        self.severity.is_none()
            && self.rule.is_none()
            && self.field == FieldFilter::Any
            && self
                .search
                .as_deref()
                .is_none_or(|text| text.trim().is_empty())
    }

    /// The filters about findings, as a findings query.
    pub fn findings(&self) -> Option<FindingsQuery> {
        let any = self.severity.is_some() || self.rule.is_some() || self.field != FieldFilter::Any;
        any.then_some(FindingsQuery {
            severity: self.severity,
            rule: self.rule,
            field: self.field,
            offset: 0,
            limit: 0,
        })
    }
}

/// One row of the review grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    /// Its spreadsheet row.
    pub row: u64,
    /// Its values with the corrections of the last check applied, one per column of the file (a
    /// broken row may have more or fewer).
    pub values: Vec<String>,
    /// The row's quote never closed (it ran to the end of the file).
    pub unterminated: bool,
    /// The last check left the row out: the user took it out of the import.
    #[serde(default)]
    pub deleted: bool,
    /// The row's findings, in words.
    pub findings: Vec<Finding>,
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Request {
    /// Check the `File` sent beside this request and keep it as `file_id`.
    Check {
        /// The job, for progress, cancelling and the reply.
        job: u32,
        /// The page's id for the file.
        file_id: u32,
        /// How to read it.
        settings: ReadSettings,
        /// The user's decisions so far (mapping, value mappings, output options), if any.
        template: Option<Template>,
        /// The user's corrections.
        #[serde(default)]
        edits: Edits,
        /// The import the file is part of, when the files are one import: the files of one
        /// import are checked one after the other with the same number, and each is compared
        /// with those checked before it under that number.
        #[serde(default)]
        import: Option<u32>,
    },
    /// A page of a checked file's findings.
    Findings {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// Filters and the page.
        query: FindingsQuery,
    },
    /// A stretch of a checked file's rows, for the review grid.
    Rows {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// Which rows.
        filter: RowsFilter,
        /// The first row to send, counted among the rows the filter keeps (from 0).
        offset: u64,
        /// How many to send.
        limit: u64,
    },
    /// Where a spreadsheet row is among the rows the grid shows.
    FindRow {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// Which rows the grid shows.
        filter: RowsFilter,
        /// The spreadsheet row.
        row: u64,
    },
    /// How many cells a find and replace would change.
    CountReplace {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// The replacement.
        replacement: Replacement,
    },
    /// Put the files sent beside this request (`Blob`s, in the message's `files` property) into
    /// one ZIP archive, under these names.
    Bundle {
        /// The job.
        job: u32,
        /// The name of each file, in order.
        names: Vec<String>,
    },
    /// Pack a checked file with the user's template.
    Pack {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// How to read it.
        settings: ReadSettings,
        /// Everything the user decided.
        template: Template,
        /// The user's corrections.
        #[serde(default)]
        edits: Edits,
    },
    /// Build one import of several checked files: each is checked and packed in turn, then
    /// their packages are put together; one `Packed` reply offers every file made.
    PackImport {
        /// The job.
        job: u32,
        /// The name of the import's packages.
        name: String,
        /// The files, in order, with everything the user decided for each.
        files: Vec<ImportPart>,
    },
    /// Open the import package (`.zip`) sent beside this request: reply with its CSV files.
    Unpack {
        /// The job.
        job: u32,
    },
    /// Stop a running job.
    Cancel {
        /// The job.
        job: u32,
    },
    /// Forget a file the user removed.
    Forget {
        /// The file.
        file_id: u32,
    },
}

/// One file of an import to build, with what the user decided for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPart {
    /// The file (checked before).
    pub file_id: u32,
    /// How to read it.
    pub settings: ReadSettings,
    /// Everything the user decided.
    pub template: Template,
    /// The user's corrections.
    #[serde(default)]
    pub edits: Edits,
}

/// What a job is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Reading and checking.
    Checking,
    /// Reading the file once more, checking and writing packages.
    Packing,
    /// Building one import: reading file `file` (counted from 1) of `files` once more, checking
    /// it and writing its packages.
    PackingImport {
        /// The file being read.
        file: u32,
        /// The files of the import.
        files: u32,
    },
    /// Reading a finished package back to make sure it holds what was written (`done` and
    /// `total` count the bytes of its CSV).
    Verifying,
    /// Writing the findings report and handing the finished files to the page (`done` and
    /// `total` count the bytes of the files).
    Finishing,
}

/// A checked file, as the page needs it: the report without its (possibly huge) list of
/// findings, which the page asks for page by page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedFile {
    /// The report, with `issues` empty.
    pub report: FileReport,
    /// How many findings the report holds.
    pub findings: u64,
    /// Findings per severity.
    pub errors: u64,
    /// Findings per severity.
    pub warnings: u64,
    /// Per column, the first two distinct non-empty sample values.
    pub samples: Vec<Vec<String>>,
    /// The template the check suggests (the starting point of the user's decisions).
    pub suggested: Template,
    /// Distinct market segments and sales concepts with how often each occurs.
    pub values: BTreeMap<Field, Vec<(String, u64)>>,
}

/// A file the worker produced, described; the file itself travels in the reply's `blobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedFile {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: OutputKind,
    /// The leads (or findings) it holds.
    pub rows: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Worker → page.
///
/// Written in serde's default form, named by the variant: `"ready"`, or
/// `{"progress": {"job": 3, …}}`. The page reads replies, and serde reads this form directly,
/// where the `kind`-tagged form of requests would buffer each reply first; its code would make
/// the page's download larger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// The worker has started and takes requests.
    Ready,
    /// How far a job is.
    Progress {
        /// The job.
        job: u32,
        /// What it is doing.
        stage: Stage,
        /// Bytes read.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A file was checked.
    Checked {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// What was found.
        checked: Box<CheckedFile>,
    },
    /// A page of findings.
    Findings {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// How many findings pass the filters.
        total: u64,
        /// The first finding shown.
        offset: u64,
        /// The findings of the page.
        items: Vec<Finding>,
    },
    /// A stretch of rows for the review grid.
    Rows {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// How many rows the filter keeps.
        total: u64,
        /// The first row sent, counted among the rows the filter keeps.
        offset: u64,
        /// The rows, in order.
        rows: Vec<GridRow>,
        /// The search stopped at its limit: more rows hold the text.
        more: bool,
    },
    /// Where a row is among the rows the grid shows: the place of the first row the filter
    /// keeps at or after it (the last row, when none is).
    RowFound {
        /// The job.
        job: u32,
        /// The place, counted from 0.
        place: u64,
    },
    /// How many cells a find and replace would change, and in how many rows.
    ReplaceCount {
        /// The job.
        job: u32,
        /// The cells.
        cells: u64,
        /// The rows.
        rows: u64,
        /// The count stopped at the search's limit: more would change.
        more: bool,
    },
    /// The files of a `Bundle` request are in one ZIP archive, the `Blob` in `blobs`.
    Bundled {
        /// The job.
        job: u32,
        /// Its size in bytes.
        size: u64,
    },
    /// A file was packed; the files themselves (`Blob`s) are in `blobs`, in this order.
    Packed {
        /// The job.
        job: u32,
        /// The file.
        file_id: u32,
        /// The files produced.
        files: Vec<ProducedFile>,
        /// Leads packed.
        packaged: u64,
        /// Leads left out.
        rejected: u64,
    },
    /// An import package was opened: its CSV files (`File`s) are in `blobs`, in this order.
    Unpacked {
        /// The job.
        job: u32,
        /// Each CSV's name and the encoding label its package declares.
        files: Vec<(String, String)>,
    },
    /// A job failed; the message says what, where and what to do.
    Failed {
        /// The job.
        job: u32,
        /// The message, in plain words.
        message: String,
    },
    /// A job was cancelled; nothing it produced is offered.
    Cancelled {
        /// The job.
        job: u32,
    },
}

/// The findings of `report` that pass `query`'s filters: how many, and the page it asks for.
pub fn findings_page(report: &FileReport, query: &FindingsQuery) -> (u64, Vec<Finding>) {
    report
        .issues
        .page(|f| query.matches(f), query.offset, query.limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_tagged_by_kind() {
        let json = serde_json::to_string(&Request::Cancel { job: 7 }).unwrap();
        assert_eq!(json, r#"{"kind":"cancel","job":7}"#);
        let back: Request = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Request::Cancel { job: 7 });
        // A check request written before imports existed still reads, as a file alone.
        let older = r#"{"kind":"check","job":1,"file_id":2,"settings":{"encoding":null,"delimiter":null},"template":null}"#;
        match serde_json::from_str::<Request>(older).unwrap() {
            Request::Check { import, .. } => assert_eq!(import, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_stage_of_an_import_build_names_the_file_and_the_count() {
        let progress = Reply::Progress {
            job: 4,
            stage: Stage::PackingImport { file: 2, files: 5 },
            done: 1,
            total: 2,
        };
        let json = serde_json::to_string(&progress).unwrap();
        assert_eq!(
            json,
            r#"{"progress":{"job":4,"stage":{"packing-import":{"file":2,"files":5}},"done":1,"total":2}}"#
        );
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), progress);
    }

    #[test]
    fn replies_are_named_by_their_variant() {
        assert_eq!(serde_json::to_string(&Reply::Ready).unwrap(), r#""ready""#);
        let progress = Reply::Progress {
            job: 3,
            stage: Stage::Verifying,
            done: 10,
            total: 20,
        };
        let json = serde_json::to_string(&progress).unwrap();
        assert_eq!(
            json,
            r#"{"progress":{"job":3,"stage":"verifying","done":10,"total":20}}"#
        );
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), progress);
    }

    #[test]
    fn findings_queries_filter_and_page() {
        let report = leadpack_engine::check_bytes(
            "f.csv",
            b"First Name,Last Name,Email\n,Lee,a@example.com\nAnn,,b@example.com\nBo,Ray,\n",
            Default::default(),
        )
        .unwrap();
        let all = FindingsQuery {
            limit: 10,
            ..FindingsQuery::default()
        };
        assert_eq!(findings_page(&report, &all).0, 3);
        let names = FindingsQuery {
            rule: Some(Rule::MissingName),
            limit: 1,
            offset: 1,
            ..FindingsQuery::default()
        };
        let (total, items) = findings_page(&report, &names);
        assert_eq!(total, 2);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].row, 3);
        let whole_rows = FindingsQuery {
            field: FieldFilter::Row,
            limit: 10,
            ..FindingsQuery::default()
        };
        assert_eq!(
            findings_page(&report, &whole_rows).1[0].rule,
            Rule::MissingContact
        );
    }
}

/// A request to the workbook reader (a worker of its own, started only when a workbook is
/// chosen): read one sheet of the workbook `File` sent beside it as CSV text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRequest {
    /// The page's number for this reading.
    pub job: u32,
    /// The sheet to read, by its name; `None` for the first sheet that holds values.
    pub sheet: Option<String>,
}

/// A reply of the workbook reader. The sheet's CSV text travels beside it, as a `File` in the
/// message's `blobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SheetReply {
    /// The reader has started and takes requests.
    Ready,
    /// The sheet was read.
    Read {
        /// The reading.
        job: u32,
        /// What kind of workbook it is, in words ("an Excel workbook (.xlsx)").
        kind: String,
        /// The sheet read.
        sheet: String,
        /// Every sheet: its name, and whether it is hidden.
        sheets: Vec<(String, bool)>,
        /// What the user should know about the sheet (merged cells, formula errors).
        notes: Vec<String>,
    },
    /// The workbook cannot be read, in plain words.
    Failed {
        /// The reading.
        job: u32,
        /// What went wrong and what to do.
        message: String,
    },
}
