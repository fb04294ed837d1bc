//! Checking a whole file: detects the encoding and the delimiter, matches the columns, reads
//! every record and applies the rules, chunk by chunk, into a [`FileReport`].

use std::collections::BTreeMap;
use std::sync::Arc;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

use crate::check::finding::{Finding, Rule, Severity};
use crate::check::rules::{RecordChecker, RecordScreen, Verdict};
use crate::check::screening::{Batch, SCREENED_AHEAD, ScreenRequest, Screener, SendScreening};
use crate::fast::digest::ByteDigest;
use crate::lead::edits::{Change, Edits};
use crate::lead::mapping::{self, ColumnMatch, ExplicitMapping};
use crate::lead::schema::Field;
use crate::lead::template::Template;
use crate::lead::values::KnownValues;
use crate::text::decode::{self, Detected, EncodingSource, SNIFF_BYTES, TextDecoder};
use crate::text::dialect;
use crate::text::encode::OutputEncoding;
use crate::text::error::{ReadError, ReadErrorKind};
use crate::text::reader::{Record, RecordReader};

/// How many records are kept per column for the mapping screen.
pub const SAMPLE_RECORDS: usize = 1000;
/// How many sample values per column the JSON report shows.
const REPORT_SAMPLES: usize = 3;

/// What the caller decides instead of the engine.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Read the file in this encoding instead of detecting it.
    pub encoding: Option<&'static Encoding>,
    /// Split fields at this delimiter instead of detecting it.
    pub delimiter: Option<u8>,
    /// Use this column mapping instead of matching headers automatically.
    pub mapping: Option<ExplicitMapping>,
    /// A firm's own market segments, known besides the CRM's.
    pub extra_segments: Vec<String>,
    /// A firm's own sales concepts, known besides the CRM's.
    pub extra_concepts: Vec<String>,
    /// The file's size in bytes, when known: it lets the checker size its indexes once.
    pub size_hint: Option<u64>,
    /// Per limited-value field: source value → the value to write (the user's value mapping).
    pub value_mappings: BTreeMap<Field, BTreeMap<String, String>>,
    /// Report characters this output encoding cannot hold (`unrepresentable`).
    pub output_encoding: Option<OutputEncoding>,
    /// Corrections applied to the records before they are checked.
    pub edits: Edits,
    /// How many threads may apply the rules at once (0 or 1: the calling thread alone). The
    /// report is the same whatever the number. Ignored where there are no threads (the web).
    pub threads: usize,
}

impl CheckOptions {
    /// The options a template implies: its mapping, its firm's values, its value mappings and
    /// its output encoding.
    pub fn from_template(template: &Template) -> CheckOptions {
        CheckOptions {
            mapping: (!template.columns.is_empty()).then(|| template.explicit_mapping()),
            extra_segments: template.segments.clone(),
            extra_concepts: template.concepts.clone(),
            value_mappings: template.value_mappings.clone(),
            output_encoding: Some(template.options.output_encoding),
            ..CheckOptions::default()
        }
    }

    /// The known market segments, with the user's value mapping.
    pub fn segments(&self) -> KnownValues {
        KnownValues::segments(self.extra_segments.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::MarketSegment)
                .into_iter()
                .flatten(),
        )
    }

    /// The known sales concepts, with the user's value mapping.
    pub fn concepts(&self) -> KnownValues {
        KnownValues::concepts(self.extra_concepts.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::SalesConcept)
                .into_iter()
                .flatten(),
        )
    }
}

/// One column in a report: its match and a few sample values, written as one flat object
/// (the match's properties, then `samples`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ReportedColumn", into = "ReportedColumn")]
pub struct ColumnReport {
    /// The match.
    pub column: ColumnMatch,
    /// The first distinct non-empty values of the column.
    pub samples: Vec<String>,
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
    /// Every finding, in file order.
    pub issues: Vec<Finding>,
    /// Values of the first records (up to 1,000) per column, for the mapping screen.
    /// Not part of the JSON report.
    #[serde(skip)]
    pub samples: Vec<Vec<String>>,
    /// What the findings depend on besides the file's bytes, so that a later pass over the same
    /// file can reuse them (see [`FileChecker::reusing`]). Not part of the JSON report.
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
    encoding: &'static Encoding,
    bom: bool,
    delimiter: u8,
    columns: Vec<BasisColumn>,
    segments: KnownValues,
    concepts: KnownValues,
    /// The output encoding whose unrepresentable characters are reported (none for UTF-8).
    output: Option<OutputEncoding>,
    edits: Edits,
    /// The fingerprint of the bytes read ([`ByteDigest`]), once they all are.
    bytes: u64,
}

/// What a column's findings depend on: its header and field, and the field it lost to another
/// column, with why (not how confident the match was, or how it was made).
#[derive(Debug, Clone, PartialEq)]
struct BasisColumn {
    header: String,
    field: Option<Field>,
    wanted: Option<Field>,
    note: Option<String>,
}

impl PartialEq for CheckBasis {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.same_decisions(other)
    }
}

impl CheckBasis {
    /// Whether the two checks read and judge alike, whatever bytes they read.
    fn same_decisions(&self, other: &Self) -> bool {
        self.encoding == other.encoding
            && self.bom == other.bom
            && self.delimiter == other.delimiter
            && self.columns == other.columns
            && self.output == other.output
            && self.edits == other.edits
            && self.segments.judges_like(&other.segments)
            && self.concepts.judges_like(&other.concepts)
    }
}

impl FileReport {
    /// The number of findings with the given severity.
    pub fn count_severity(&self, severity: Severity) -> usize {
        self.issues
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.summary.with_errors > 0 || self.issues.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Reports on several files, as `leadpack check --format json` prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// One report per file, in the order given.
    pub files: Vec<FileReport>,
}

/// Receives every record with what the checker found, for work that follows the check in the
/// same pass (building packages). Implementations keep their own errors.
pub trait RowSink {
    /// The header row, and what each of its columns is matched to.
    fn header(&mut self, _header: &Record<'_>, _columns: &[ColumnMatch]) {}

    /// One record, what it came to, and its findings.
    fn record(&mut self, record: &Record<'_>, verdict: Verdict, findings: &[Finding]);
}

/// A sink that ignores everything: a plain check.
pub struct NoSink;

impl RowSink for NoSink {
    fn record(&mut self, _: &Record<'_>, _: Verdict, _: &[Finding]) {}
}

/// Checks one file fed in chunks of any size; the same bytes give the same report however they
/// are chunked.
pub struct FileChecker {
    name: String,
    options: CheckOptions,
    earlier: Option<Arc<FileReport>>,
    /// The worker that screens the records elsewhere, until the header is read.
    elsewhere: Option<SendScreening>,
    digest: ByteDigest,
    state: State,
}

enum State {
    Sniffing(Vec<u8>),
    Reading(Box<Reading>),
    Failed(ReadError),
    Done,
}

/// The state of the main pass.
struct Reading {
    detected: Detected,
    delimiter: u8,
    decoder: TextDecoder,
    reader: RecordReader,
    text: String,
    columns: Vec<ColumnMatch>,
    samples: Vec<Vec<String>>,
    checker: Option<RecordChecker>,
    segments: Option<(KnownValues, KnownValues)>,
    /// About how many records the file holds, judged from its size and the sample.
    expected_records: usize,
    output_encoding: Option<OutputEncoding>,
    edits: Edits,
    changes: Vec<Change>,
    /// Where each field is read from, for the corrections.
    field_columns: [Option<usize>; 10],
    header_row: u64,
    summary: Summary,
    findings: Vec<Finding>,
    error: Option<ReadErrorKind>,
    /// What the findings depend on besides the bytes.
    basis: CheckBasis,
    /// An earlier check of the same bytes, until the header is read.
    earlier: Option<Arc<FileReport>>,
    /// The earlier check whose findings are reused instead of applying the rules again.
    replay: Option<Replay>,
    /// Records read and not yet checked.
    batch: Batch,
    /// Where the records' first stage of the rules runs, and the batches on their way.
    screener: Screener,
    /// The file's last bytes have been read.
    input_ended: bool,
}

impl FileChecker {
    /// A checker for the file named `name` (used in messages and the report).
    pub fn new(name: impl Into<String>, options: CheckOptions) -> Self {
        FileChecker {
            name: name.into(),
            options,
            earlier: None,
            elsewhere: None,
            digest: ByteDigest::default(),
            state: State::Sniffing(Vec::new()),
        }
    }

    /// Reuses the findings of `earlier`, a check of the same bytes, instead of applying the rules
    /// again, when the two checks would find the same: when this checker reads the file the
    /// same way and its columns, known values, value mappings, output encoding and corrections
    /// come to the same (their [`CheckBasis`] is equal). Otherwise it applies the rules as usual.
    /// Building packages after a check is then little more than reading the file again.
    ///
    /// The bytes must be those the earlier check read: the checker fingerprints them as it reads
    /// ([`ByteDigest`]) and, at the end, fails with [`ReadErrorKind::Changed`] when they are not
    /// (or when the records did not fall on the rows the earlier check found them on). A sink
    /// fed meanwhile must then throw away what it was given.
    pub fn reusing(mut self, earlier: Arc<FileReport>) -> Self {
        self.earlier = Some(earlier);
        self
    }

    /// Reads the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        self.feed_with(chunk, &mut NoSink)
    }

    /// Reads the next bytes of the file, handing each record to `sink` as well.
    pub fn feed_with(&mut self, chunk: &[u8], sink: &mut dyn RowSink) -> Result<(), ReadError> {
        self.digest.update(chunk);
        match &mut self.state {
            State::Sniffing(raw) => {
                raw.extend_from_slice(chunk);
                if raw.len() >= SNIFF_BYTES {
                    let raw = std::mem::take(raw);
                    self.start(&raw, false, sink)?;
                }
                Ok(())
            }
            State::Reading(reading) => {
                reading.push(chunk, false, sink);
                self.take_error()
            }
            State::Failed(error) => Err(error.clone()),
            State::Done => Ok(()),
        }
    }

    /// Ends the file and returns its report.
    pub fn finish(self) -> Result<FileReport, ReadError> {
        self.finish_with(&mut NoSink)
    }

    /// Ends the file, handing the last records to `sink`, and returns the report.
    pub fn finish_with(mut self, sink: &mut dyn RowSink) -> Result<FileReport, ReadError> {
        self.end_input(sink)?;
        if let State::Reading(reading) = &mut self.state {
            // Records screened apart, and (when another worker has not answered) the rest.
            reading.settle_screened(0, sink);
        }
        self.take_error()?;
        match std::mem::replace(&mut self.state, State::Done) {
            State::Reading(reading) => reading.into_report(self.name, self.digest.finish()),
            State::Failed(error) => Err(error),
            State::Sniffing(_) | State::Done => {
                Err(ReadError::new(self.name, ReadErrorKind::Empty))
            }
        }
    }

    /// Has another worker apply the first stage of the rules (those that need a record
    /// alone) while this one reads: `send` hands it the rules ([`ScreenRequest::Start`], before
    /// the first batch) and each batch of records ([`ScreenRequest::Records`], for
    /// [`crate::check::screening::screen_wire`]). The caller hands each answer back, in
    /// order, to [`FileChecker::receive_screened`], keeps up (waits for answers while more
    /// than [`SCREENED_AHEAD`] batches are out, see [`FileChecker::screening_out`]), and, after
    /// [`FileChecker::end_input`], waits for every answer before it finishes. Batches not
    /// answered by then are screened here, so a worker that stops loses nothing. The report is
    /// the same as without.
    pub fn screen_elsewhere(&mut self, send: impl FnMut(ScreenRequest<'_>) + 'static) {
        self.elsewhere = Some(Box::new(send));
    }

    /// How many batches of records are with the worker that screens elsewhere.
    pub fn screening_out(&self) -> usize {
        match &self.state {
            State::Reading(reading) => reading.screener.out(),
            _ => 0,
        }
    }

    /// What the worker that screens elsewhere found in the oldest batch it was sent: its
    /// records are settled and handed to `sink`. Damaged answers are not trusted: that batch is
    /// screened here instead.
    pub fn receive_screened(
        &mut self,
        results: &[u8],
        sink: &mut dyn RowSink,
    ) -> Result<(), ReadError> {
        if let State::Reading(reading) = &mut self.state {
            reading.receive_screened(results, sink);
        }
        self.take_error()
    }

    /// Stops sending records to the worker that screens elsewhere (it stopped, or does not
    /// answer): the batches it has not answered are screened here and handed to `sink`, and
    /// so is every batch after them.
    pub fn screen_here(&mut self, sink: &mut dyn RowSink) -> Result<(), ReadError> {
        if let State::Reading(reading) = &mut self.state {
            reading.settle_screened(0, sink);
            reading.screener.screen_here();
        } else {
            self.elsewhere = None;
        }
        self.take_error()
    }

    /// Reads the end of the file (its last record), without settling what is screened
    /// elsewhere: [`FileChecker::finish_with`] does that, once the answers are in.
    pub fn end_input(&mut self, sink: &mut dyn RowSink) -> Result<(), ReadError> {
        if let State::Sniffing(raw) = &mut self.state {
            let raw = std::mem::take(raw);
            self.start(&raw, true, sink)?;
        } else if let State::Reading(reading) = &mut self.state
            && !reading.input_ended
        {
            reading.push(&[], true, sink);
        }
        self.take_error()
    }

    fn take_error(&mut self) -> Result<(), ReadError> {
        if let State::Reading(reading) = &mut self.state
            && let Some(kind) = reading.error.take()
        {
            let error = ReadError::new(&self.name, kind);
            self.state = State::Failed(error.clone());
            return Err(error);
        }
        Ok(())
    }

    /// Decides encoding, delimiter and mapping from the sample, then reads the sample for real.
    fn start(
        &mut self,
        raw: &[u8],
        complete: bool,
        sink: &mut dyn RowSink,
    ) -> Result<(), ReadError> {
        // Detection looks at exactly the first SNIFF_BYTES, however the bytes arrived.
        let sample = &raw[..raw.len().min(SNIFF_BYTES)];
        let sample_is_file = complete && sample.len() == raw.len();
        match self.prepare(sample, sample_is_file) {
            Ok(mut reading) => {
                if let Some(send) = self.elsewhere.take() {
                    reading.screener = Screener::elsewhere(send);
                }
                reading.push(raw, complete, sink);
                self.state = State::Reading(reading);
                self.take_error()
            }
            Err(kind) => {
                let error = ReadError::new(&self.name, kind);
                self.state = State::Failed(error.clone());
                Err(error)
            }
        }
    }

    fn prepare(&self, sample: &[u8], complete: bool) -> Result<Box<Reading>, ReadErrorKind> {
        let detected = match self.options.encoding {
            Some(encoding) => Detected {
                encoding,
                source: EncodingSource::Chosen,
                bom: Encoding::for_bom(sample).is_some_and(|(bom, _)| bom == encoding),
            },
            None => decode::detect(sample, complete)?,
        };
        let mut text = String::with_capacity(sample.len());
        TextDecoder::new(detected.encoding).decode(sample, complete, &mut text);
        let delimiter = match self.options.delimiter {
            Some(delimiter) => delimiter,
            None => dialect::sniff_delimiter(&text, complete),
        };

        // The header and the first records, for matching columns.
        let mut header: Option<Vec<String>> = None;
        let mut samples: Vec<Vec<String>> = Vec::new();
        let mut records = 0usize;
        // Where the header ends and where the last sampled record ends, in the text.
        let (mut header_end, mut sampled_end) = (0u64, 0u64);
        let mut pre = RecordReader::new(delimiter);
        pre.read_sample(&text, complete, &mut |record: Record<'_>| {
            match &header {
                None => {
                    header = Some(record.fields().map(str::to_string).collect());
                    header_end = record.end_offset;
                }
                Some(names) if records < SAMPLE_RECORDS => {
                    records += 1;
                    sampled_end = record.end_offset;
                    if samples.is_empty() {
                        samples = vec![Vec::new(); names.len()];
                    }
                    for (column, value) in samples.iter_mut().zip(record.fields()) {
                        column.push(value.to_string());
                    }
                }
                Some(_) => {}
            }
            records < SAMPLE_RECORDS
        });
        let Some(header) = header else {
            return Err(ReadErrorKind::NoHeader);
        };
        if header.iter().all(|name| name.trim().is_empty()) {
            return Err(ReadErrorKind::BlankHeader);
        }
        if samples.is_empty() {
            samples = vec![Vec::new(); header.len()];
        }
        let trimmed: Vec<String> = header.iter().map(|name| name.trim().to_string()).collect();
        let columns = match &self.options.mapping {
            Some(explicit) => {
                mapping::apply_explicit(&trimmed, explicit).map_err(ReadErrorKind::Invalid)?
            }
            None => mapping::auto_map(&trimmed, &samples),
        };
        let expected_records = self.options.size_hint.map_or(0, |size| {
            // The size in decoded text (UTF-16 takes about half as much as UTF-8, for example).
            let text_size = u128::from(size) * text.len() as u128 / sample.len().max(1) as u128;
            let text_size = u64::try_from(text_size).unwrap_or(u64::MAX);
            expected_records(text_size, records, sampled_end.saturating_sub(header_end))
        });
        let segments = self.options.segments();
        let concepts = self.options.concepts();
        let basis = CheckBasis {
            encoding: detected.encoding,
            bom: detected.bom,
            delimiter,
            columns: columns
                .iter()
                .map(|c| BasisColumn {
                    header: c.header.clone(),
                    field: c.field,
                    wanted: c.wanted,
                    note: c.note.clone(),
                })
                .collect(),
            segments: segments.clone(),
            concepts: concepts.clone(),
            output: self
                .options
                .output_encoding
                .filter(|encoding| *encoding != OutputEncoding::Utf8),
            edits: self.options.edits.clone(),
            bytes: 0,
        };
        Ok(Box::new(Reading {
            detected,
            delimiter,
            decoder: TextDecoder::new(detected.encoding),
            reader: RecordReader::new(delimiter),
            text: String::new(),
            columns,
            samples,
            checker: None,
            segments: Some((segments, concepts)),
            expected_records,
            output_encoding: self.options.output_encoding,
            edits: self.options.edits.clone(),
            changes: Vec::new(),
            field_columns: [None; 10],
            header_row: 0,
            summary: Summary::default(),
            findings: Vec::new(),
            error: None,
            basis,
            earlier: self.earlier.clone(),
            replay: None,
            batch: Batch::default(),
            screener: Screener::new(self.options.threads),
            input_ended: false,
        }))
    }
}

/// About how many records a file of `size` bytes of text holds, when its first `records`
/// records take `sampled` bytes; a little more rather than less, since the tables sized from it would
/// otherwise grow to twice the size, copying everything, near the end of the file.
fn expected_records(size: u64, records: usize, sampled: u64) -> usize {
    if records == 0 {
        return 0;
    }
    let per_record = (sampled / records as u64).max(1);
    let expected = size / per_record;
    (expected + expected / 8).min(50_000_000) as usize
}

impl Reading {
    /// Decodes and reads `chunk`, and checks its records; `last` ends the file. Records
    /// screened apart from this thread are settled later ([`Reading::settle_screened`]).
    fn push(&mut self, chunk: &[u8], last: bool, sink: &mut dyn RowSink) {
        self.read(chunk, last, sink);
        if last || !self.screener.apart() {
            self.check_batch(sink);
        }
        self.input_ended |= last;
    }

    /// Decodes and reads `chunk` into the batch (or, for the header, sets up the checker).
    fn read(&mut self, chunk: &[u8], last: bool, sink: &mut dyn RowSink) {
        self.text.clear();
        self.decoder.decode(chunk, last, &mut self.text);
        let text = std::mem::take(&mut self.text);
        let mut reader = std::mem::take(&mut self.reader);
        {
            let mut each = |record: Record<'_>| self.record(record, sink);
            reader.feed(&text, &mut each);
            if last {
                reader.finish(&mut each);
            }
        }
        self.reader = reader;
        self.text = text;
    }

    /// Handles one record: the header, or a lead (kept in the batch until it is checked).
    fn record(&mut self, record: Record<'_>, sink: &mut dyn RowSink) {
        if self.error.is_some() {
            return;
        }
        if self.header_row == 0 {
            self.header(&record);
            sink.header(&record, &self.columns);
            return;
        }
        let corrected = if self.edits.is_empty() {
            None
        } else {
            let fields: Vec<&str> = record.fields().collect();
            let headers: Vec<String> = self.columns.iter().map(|c| c.header.clone()).collect();
            self.edits.apply(
                record.row,
                &fields,
                &self.field_columns,
                &headers,
                &mut self.changes,
            )
        };
        let invalid = self.decoder.invalid_offsets();
        let bad_bytes = invalid.first().is_some_and(|&at| at < record.end_offset);
        if bad_bytes {
            self.decoder.forget_invalid_before(record.end_offset);
        }
        match &corrected {
            Some(values) => {
                let (text, ends) = Record::join_fields(values);
                let record =
                    Record::from_parts(record.row, &text, &ends, record.problem, record.end_offset);
                self.take(&record, bad_bytes, sink);
            }
            None => self.take(&record, bad_bytes, sink),
        }
    }

    /// A lead, corrected: into the batch, or straight to `sink` with the earlier check's
    /// findings.
    fn take(&mut self, record: &Record<'_>, bad_bytes: bool, sink: &mut dyn RowSink) {
        if let Some(replay) = &mut self.replay {
            match replay.findings(record.row, self.header_row) {
                Some(findings) => {
                    let verdict = Verdict::of(findings);
                    sink.record(record, verdict, findings);
                    self.summary.count(verdict);
                }
                None => self.error = Some(ReadErrorKind::Changed),
            }
            return;
        }
        self.batch.push(record, bad_bytes);
        if self.batch.is_full() {
            self.check_batch(sink);
        }
    }

    /// Checks the records of the batch: the rules that look at each record alone (on several
    /// threads where the options allow), then, in file order, the rules that compare records;
    /// then hands each to `sink`. Where the batch is screened apart from this thread, it is
    /// settled once the next batches are on their way.
    fn check_batch(&mut self, sink: &mut dyn RowSink) {
        let Some(checker) = &self.checker else {
            return;
        };
        if self.batch.is_empty() {
            return;
        }
        let screen = Arc::clone(checker.screen());
        let spare = self.screener.spare();
        let batch = std::mem::replace(&mut self.batch, spare);
        match self.screener.hand_over(&screen, batch) {
            Some(screened) => {
                self.settle_screened(0, sink);
                self.settle_and_recycle(screened, sink);
            }
            None => self.settle_screened(SCREENED_AHEAD, sink),
        }
    }

    /// Settles the batches screened apart from this thread, in order, until at most `ahead`
    /// remain out (waiting for a thread's; with `ahead` 0, screening here what another worker
    /// has not answered).
    fn settle_screened(&mut self, ahead: usize, sink: &mut dyn RowSink) {
        while let Some(screen) = self.first_stage()
            && let Some(batch) = self.screener.next_screened(&screen, ahead)
        {
            self.settle_and_recycle(batch, sink);
        }
    }

    /// Settles the oldest batch sent to another worker, with what it found there (`results`).
    fn receive_screened(&mut self, results: &[u8], sink: &mut dyn RowSink) {
        if let Some(screen) = self.first_stage()
            && let Some(batch) = self.screener.receive(&screen, results)
        {
            self.settle_and_recycle(batch, sink);
        }
    }

    /// The first stage of the rules, once the header is read.
    fn first_stage(&self) -> Option<Arc<RecordScreen>> {
        self.checker
            .as_ref()
            .map(|checker| Arc::clone(checker.screen()))
    }

    /// Settles a screened batch, and keeps it for filling again.
    fn settle_and_recycle(&mut self, mut batch: Batch, sink: &mut dyn RowSink) {
        self.settle_batch(&mut batch, sink);
        self.screener.recycle(batch);
    }

    /// The second stage of the rules over a screened batch, in file order, and the sink.
    fn settle_batch(&mut self, batch: &mut Batch, sink: &mut dyn RowSink) {
        let Some(checker) = &mut self.checker else {
            return;
        };
        let (text, ends, records) = (&batch.text, &batch.ends, &batch.records);
        let mut found = batch.found.drain(..);
        for (index, pending) in records.iter().enumerate() {
            // The memory of a whole group of records is asked for at once, a group ahead: the
            // requests overlap, which matters most in WebAssembly, whose hint is a plain read.
            if index % PREFETCH_AHEAD == 0 {
                for ahead in records
                    .iter()
                    .skip(index + PREFETCH_AHEAD)
                    .take(PREFETCH_AHEAD)
                {
                    checker.prefetch(&ahead.keys);
                }
            }
            let record = pending.record(text, ends);
            let start = self.findings.len();
            let verdict = checker.settle(
                &record,
                &pending.keys,
                found.by_ref().take(pending.found),
                &mut self.findings,
            );
            sink.record(&record, verdict, &self.findings[start..]);
            self.summary.count(verdict);
        }
    }

    /// Handles the header row: findings about the columns, then a checker for the records.
    fn header(&mut self, record: &Record<'_>) {
        let row = record.row;
        self.header_row = row;
        // Bytes before the header that were invalid belong to it; forget them.
        self.decoder.forget_invalid_before(record.end_offset);
        for column in &self.columns {
            if let (Some(wanted), Some(note)) = (column.wanted, &column.note) {
                self.findings.push(
                    Finding::new(
                        row,
                        Some(wanted),
                        Rule::DuplicateColumn,
                        format!(
                            "Column “{}” {note}, so it is not imported as {}. If it holds the better \
                             values, map it to {} instead.",
                            column.header,
                            wanted.title(),
                            wanted.title()
                        ),
                    )
                    .with_value(column.header.clone()),
                );
            }
        }
        let columns = mapping::columns_by_field(&self.columns);
        self.field_columns = columns;
        for field in [Field::FirstName, Field::LastName] {
            if columns[field.index()].is_none() {
                self.findings.push(Finding::new(
                    row,
                    Some(field),
                    Rule::MissingColumn,
                    format!(
                        "No column is matched to {field}, which every lead needs. Map the column that \
                         holds it to {field}, or add one."
                    ),
                ));
            }
        }
        if columns[Field::Email.index()].is_none() && columns[Field::Phone.index()].is_none() {
            self.findings.push(Finding::new(
                row,
                None,
                Rule::MissingColumn,
                "No column is matched to Email Address or Phone, and every lead needs one of them. \
                 Map the column that holds emails or phone numbers, or add one.",
            ));
        }
        if let Some(earlier) = self.earlier.take()
            && earlier.header_row == row
            && earlier
                .basis
                .as_ref()
                .is_some_and(|basis| basis.same_decisions(&self.basis))
        {
            // The earlier check found what this one would: its findings are taken row by row
            // (the header's own findings above are the same as its).
            self.replay = Some(Replay { earlier, next: 0 });
            return;
        }
        let (segments, concepts) = self
            .segments
            .take()
            .unwrap_or_else(|| (KnownValues::segments([]), KnownValues::concepts([])));
        let mut checker = RecordChecker::new(columns, self.columns.len(), segments, concepts);
        checker.reserve(self.expected_records);
        if let Some(encoding) = self.output_encoding {
            let headers = self
                .columns
                .iter()
                .map(|c| (c.header.clone(), c.field))
                .collect();
            checker.check_output_encoding(encoding, headers);
        }
        self.checker = Some(checker);
    }

    fn into_report(mut self, file: String, bytes: u64) -> Result<FileReport, ReadError> {
        self.basis.bytes = bytes;
        if self.header_row == 0 {
            return Err(ReadError::new(file, ReadErrorKind::NoHeader));
        }
        let mut values = self
            .checker
            .as_ref()
            .map(|checker| checker.value_counts().into_iter().collect())
            .unwrap_or_default();
        if let Some(replay) = self.replay.take() {
            let earlier = replay
                .finish(&self.summary, bytes)
                .ok_or_else(|| ReadError::new(&file, ReadErrorKind::Changed))?;
            self.findings = earlier.issues;
            values = earlier.values;
        }
        let mut summary = self.summary;
        summary.blank_rows = self
            .reader
            .rows_seen()
            .saturating_sub(summary.records + self.header_row);
        // Blank lines before the header are rows too.
        summary.blank_rows += self.header_row.saturating_sub(1);

        let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for finding in &self.findings {
            let key = finding.field.map_or("row", Field::key).to_string();
            *counts
                .entry(key)
                .or_default()
                .entry(finding.rule.id().to_string())
                .or_default() += 1;
        }

        let mut notes = Vec::new();
        let encoding = decode::label(self.detected.encoding);
        match self.detected.source {
            EncodingSource::Fallback => notes.push(
                "Read as Windows-1252 (the encoding Excel uses on Windows) because the file is not valid \
                 UTF-8. If accented letters look wrong, choose the file's encoding."
                    .to_string(),
            ),
            EncodingSource::Utf16Pattern => notes.push(format!(
                "Read as {} although the file has no byte order mark, because its bytes follow that pattern.",
                encoding.to_uppercase()
            )),
            _ => {}
        }
        let mojibake = counts
            .values()
            .filter_map(|rules| rules.get(Rule::Mojibake.id()))
            .sum::<u64>();
        if mojibake > 0 {
            notes.push(format!(
                "{mojibake} value(s) look double-encoded (for example “Ã©” instead of “é”): the file was \
                 probably saved as UTF-8 and then read as Windows-1252 somewhere along the way. Export it \
                 again from the original source as CSV UTF-8."
            ));
        }
        if summary.records == 0 {
            notes.push("The file has a header row but no leads.".to_string());
        }

        let columns = self
            .columns
            .into_iter()
            .enumerate()
            .map(|(index, column)| {
                let mut shown: Vec<String> = Vec::new();
                for value in self.samples.get(index).into_iter().flatten() {
                    let value = value.trim();
                    if !value.is_empty() && !shown.iter().any(|s| s == value) {
                        shown.push(value.to_string());
                        if shown.len() == REPORT_SAMPLES {
                            break;
                        }
                    }
                }
                ColumnReport {
                    column,
                    samples: shown,
                }
            })
            .collect();

        Ok(FileReport {
            file,
            encoding,
            delimiter: dialect::delimiter_label(self.delimiter),
            rows: summary.records,
            header_row: self.header_row,
            columns,
            summary,
            counts,
            notes,
            values,
            changes: self.changes,
            issues: self.findings,
            samples: self.samples,
            basis: Some(Arc::new(self.basis)),
        })
    }
}

impl Summary {
    /// Counts one record that came to `verdict`.
    fn count(&mut self, verdict: Verdict) {
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

/// An earlier check of the same bytes whose findings are taken instead of applying the rules.
struct Replay {
    earlier: Arc<FileReport>,
    /// The first of its findings not yet taken.
    next: usize,
}

impl Replay {
    /// The findings of the record on `row`; `None` when the earlier check found something on a
    /// row before it that is neither the header nor a record of this pass (the file changed).
    fn findings(&mut self, row: u64, header_row: u64) -> Option<&[Finding]> {
        let issues = &self.earlier.issues;
        while let Some(finding) = issues.get(self.next)
            && finding.row < row
        {
            if finding.row != header_row {
                return None;
            }
            self.next += 1;
        }
        let start = self.next;
        while issues
            .get(self.next)
            .is_some_and(|finding| finding.row == row)
        {
            self.next += 1;
        }
        Some(&issues[start..self.next])
    }

    /// The earlier check, once every record is read: `None` unless the records came to what
    /// they came to in it and every finding was taken (some of the header's remain when the
    /// file has no record).
    fn finish(self, summary: &Summary, bytes: u64) -> Option<FileReport> {
        let earlier = &self.earlier;
        let rest = &earlier.issues[self.next..];
        let same = earlier
            .basis
            .as_ref()
            .is_some_and(|basis| basis.bytes == bytes)
            && earlier.summary.records == summary.records
            && earlier.summary.ready == summary.ready
            && earlier.summary.with_errors == summary.with_errors
            && earlier.summary.with_warnings == summary.with_warnings
            && rest.iter().all(|finding| finding.row == earlier.header_row);
        if !same {
            return None;
        }
        Some(Arc::unwrap_or_clone(self.earlier))
    }
}

/// Checks a whole file held in memory.
pub fn check_bytes(
    name: &str,
    bytes: &[u8],
    options: CheckOptions,
) -> Result<FileReport, ReadError> {
    let mut checker = FileChecker::new(name, options);
    checker.feed(bytes)?;
    checker.finish()
}

/// How many records ahead the checker asks for the memory its indexes will need, and how many
/// it asks for at once.
const PREFETCH_AHEAD: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use leadpack_generate::{GeneratorOptions, generate};

    /// The indexes are sized from this estimate: too low, and they grow to twice their size,
    /// copying everything, near the end of a large file.
    #[test]
    fn the_number_of_records_is_estimated_from_the_sample_a_little_high() {
        for (records, encoding) in [(30_000u64, "utf-8"), (30_000, "utf-16le"), (500, "utf-8")] {
            let options = GeneratorOptions {
                rows: records,
                ..GeneratorOptions::default()
            };
            let mut file = Vec::new();
            generate(&options, &mut file).expect("writing to memory");
            if encoding == "utf-16le" {
                let text = String::from_utf8(file).expect("generated text");
                file = vec![0xFF, 0xFE];
                file.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            }
            let checker = FileChecker::new(
                "leads.csv",
                CheckOptions {
                    size_hint: Some(file.len() as u64),
                    ..CheckOptions::default()
                },
            );
            let sample = &file[..file.len().min(SNIFF_BYTES)];
            let reading = checker
                .prepare(sample, sample.len() == file.len())
                .expect("a readable file");
            let expected = reading.expected_records as f64;
            let wanted = records as f64;
            assert!(
                (wanted..wanted * 1.3).contains(&expected),
                "{records} {encoding} records estimated as {expected}"
            );
        }
    }
}
