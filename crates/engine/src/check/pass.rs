//! The main pass of a check: the state kept while the records of a file are read, checked in
//! batches (the first stage of the rules here or elsewhere, the comparisons in file order), and
//! summed up into the report.

use std::collections::BTreeMap;
use std::sync::Arc;

use encoding_rs::Encoding;

use crate::check::compare::{OutputCheck, RecordChecker};
use crate::check::finding::{Finding, Rule, excerpt};
use crate::check::findings::{Cursor, Findings};
use crate::check::import::Import;
use crate::check::options::CheckOptions;
use crate::check::replay::Replay;
use crate::check::report::{BasisColumn, CheckBasis, ColumnReport, FileReport, Summary};
use crate::check::rules::{OtherColumn, RecordScreen, Verdict, trim};
use crate::check::screening::{Batch, SCREENED_AHEAD, Screener};
use crate::check::sink::RowSink;
use crate::check::strays::Strays;
use crate::lead::converters::{ValueType, distinct_values, same_word};
use crate::lead::dates::column_fits;
use crate::lead::edits::{Change, Edits};
use crate::lead::mapping::{self, ColumnMatch, ExplicitMapping};
use crate::lead::schema::Field;
use crate::lead::template::{
    Target, Template, keep_unnamed_columns_with_values, packed_columns, plan_columns,
};
use crate::lead::values::KnownValues;
use crate::lead::writing::Writing;
use crate::text::decode::{self, Detected, EncodingSource, SNIFF_BYTES, TextDecoder};
use crate::text::dialect;
use crate::text::encode::OutputEncoding;
use crate::text::error::{ReadError, ReadErrorKind};
use crate::text::reader::{Record, RecordProblem, RecordReader};
use crate::text::rtf::{Rtf, is_rtf, rtf_to_plain};

/// How many records are kept per column for the mapping screen.
pub const SAMPLE_RECORDS: usize = 1000;
/// How many sample values per column the JSON report shows.
const REPORT_SAMPLES: usize = 3;

/// The state of the main pass.
pub(crate) struct Reading {
    detected: Detected,
    delimiter: u8,
    decoder: TextDecoder,
    /// Bytes of decoded text so far.
    decoded: u64,
    /// Invalid byte sequences decoded and not yet matched to their record.
    strays: Strays,
    reader: RecordReader,
    /// The delimiter a `sep=` first line named, when the file has one.
    separator_line: Option<u8>,
    /// The columns packed besides the lead fields (index, header).
    others: Vec<OtherColumn>,
    /// The value of the empty cells of each column that has one (the null converters): the
    /// rules judge it, and the package holds it, as the CRM would see it.
    nulls: Vec<(usize, String)>,
    /// The value maps of the columns that have one: a value found in the map is judged, and
    /// packed, as the value it becomes.
    value_maps: Vec<(usize, Vec<(String, String)>)>,
    /// The columns whose text in Rich Text Format is judged, and packed, as the `rtf2plain`
    /// converter leaves it.
    rtf_columns: Vec<usize>,
    /// When the header is below titles: how many rows are above it, and their first values.
    above_header: Option<(u64, Vec<String>)>,
    text: String,
    columns: Vec<ColumnMatch>,
    samples: Vec<Vec<String>>,
    checker: Option<RecordChecker>,
    segments: Option<(KnownValues, KnownValues)>,
    /// About how many records the file holds, judged from its size and the sample.
    expected_records: usize,
    /// What the check needs to report characters the output encoding cannot hold.
    output: Option<OutputCheck>,
    edits: Edits,
    changes: Vec<Change>,
    /// Where each field is read from, for the corrections.
    field_columns: [Option<usize>; 10],
    header_row: u64,
    summary: Summary,
    /// Every finding so far, held compactly.
    findings: Findings,
    /// The findings of the record being settled.
    found: Vec<Finding>,
    pub(crate) error: Option<ReadErrorKind>,
    /// What the findings depend on besides the bytes.
    basis: CheckBasis,
    /// An earlier check of the same bytes, until the header is read.
    earlier: Option<Arc<FileReport>>,
    /// The earlier check whose findings are reused instead of applying the rules again.
    replay: Option<Replay>,
    /// The import this file is part of, whose earlier files its leads are compared with.
    pub(crate) import: Option<Import>,
    /// Records read and not yet checked.
    batch: Batch,
    /// Where the records' first stage of the rules runs, and the batches on their way.
    pub(crate) screener: Screener,
    /// The file's last bytes have been read.
    pub(crate) input_ended: bool,
}

/// One of the first records of a file, read before the main pass.
struct EarlyRecord {
    fields: Vec<String>,
    problem: Option<RecordProblem>,
    /// Where it ends in the text.
    end: u64,
    /// Its row.
    row: u64,
}

/// How many of the first rows may hold titles above the header.
const HEADER_SEARCH_ROWS: usize = 10;

/// Which of the first records is the header: the first, unless it names fewer than two lead
/// fields (or columns of the `mapping` given) and a later one among the first
/// [`HEADER_SEARCH_ROWS`] names two or more, as under a title or a date on the sheet's first
/// rows.
fn header_index(early: &[EarlyRecord], mapping: Option<&ExplicitMapping>) -> usize {
    let named = |record: &EarlyRecord| -> usize {
        let trimmed: Vec<String> = record
            .fields
            .iter()
            .map(|name| name.trim().to_string())
            .collect();
        match mapping {
            Some(mapping) => trimmed
                .iter()
                .filter(|name| mapping.columns.contains_key(*name))
                .count(),
            None => mapping::auto_map(&trimmed, &[])
                .iter()
                .filter(|column| column.field.is_some())
                .count(),
        }
    };
    match early.first() {
        None => 0,
        Some(first) if named(first) >= 2 => 0,
        Some(_) => early
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|record| record.problem.is_none() && named(record) >= 2)
            .unwrap_or(0),
    }
}

impl Reading {
    /// Decides the encoding, the delimiter and the columns from the file's first bytes
    /// (`sample`; `complete`: the sample is the whole file), and readies the main pass.
    pub(crate) fn prepare(
        options: &CheckOptions,
        earlier: Option<Arc<FileReport>>,
        sample: &[u8],
        complete: bool,
    ) -> Result<Box<Reading>, ReadErrorKind> {
        // The encoding is judged on the first SNIFF_BYTES only, however long the sample.
        let first = &sample[..sample.len().min(SNIFF_BYTES)];
        let detected = match options.read.encoding {
            Some(encoding) => Detected {
                encoding,
                source: EncodingSource::Chosen,
                bom: Encoding::for_bom(sample).is_some_and(|(bom, _)| bom == encoding),
                runner_up: None,
            },
            None => decode::detect(first, complete && first.len() == sample.len())?,
        };
        let mut text = String::with_capacity(sample.len());
        TextDecoder::new(detected.encoding).decode(sample, complete, &mut text);
        // Excel's `sep=;` first line names the delimiter and is no row.
        let hint = dialect::separator_hint(&text);
        let skip = hint.map_or(0, |(_, line)| line);
        let body = &text[skip..];
        let delimiter = match (options.read.delimiter, hint) {
            (Some(delimiter), _) | (None, Some((delimiter, _))) => delimiter,
            (None, None) => dialect::sniff_delimiter(body, complete),
        };

        // The first records: the header (the first row, or a row below titles) and the
        // records after it, for matching columns.
        let mut early: Vec<EarlyRecord> = Vec::new();
        let mut pre = RecordReader::new(delimiter);
        pre.read_sample(body, complete, &mut |record: Record<'_>| {
            early.push(EarlyRecord {
                fields: record.fields().map(str::to_string).collect(),
                problem: record.problem,
                end: record.end_offset,
                row: record.row,
            });
            early.len() <= SAMPLE_RECORDS + HEADER_SEARCH_ROWS
        });
        let found = header_index(&early, options.mapping().as_ref());
        // The rows above the header (titles), passed over by the main pass.
        let above = found.checked_sub(1).map(|last| {
            let last = &early[last];
            let shown: Vec<String> = early[..found]
                .iter()
                .flat_map(|record| record.fields.iter())
                .map(|value| value.trim())
                .filter(|value| !value.is_empty())
                .take(3)
                .map(|value| format!("“{}”", excerpt(value, 60)))
                .collect();
            // Past the title's whole line break: a record's end may fall between CR and LF.
            let mut end = last.end as usize;
            if body.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r')
                && body.as_bytes().get(end) == Some(&b'\n')
            {
                end += 1;
            }
            (skip + end, last.row + 1, early[found].row, shown)
        });
        let mut early = early.into_iter().skip(found);
        // Where the header ends and where the last sampled record ends, in the text.
        let (mut header_end, mut sampled_end) = (0u64, 0u64);
        let header = early.next().map(|record| {
            header_end = record.end;
            (record.fields, record.problem)
        });
        let mut samples: Vec<Vec<String>> = Vec::new();
        let mut records = 0usize;
        for record in early.take(SAMPLE_RECORDS) {
            records += 1;
            sampled_end = record.end;
            if samples.is_empty() {
                samples = vec![Vec::new(); header.as_ref().map_or(0, |(names, _)| names.len())];
            }
            for (column, value) in samples.iter_mut().zip(record.fields) {
                column.push(value);
            }
        }
        let header = match header {
            Some(header) => header_shape(header, delimiter)?,
            None => {
                let rest = body.trim_start_matches(['\r', '\n']);
                return Err(if rest.is_empty() {
                    ReadErrorKind::NoHeader
                } else if rest.contains(['\r', '\n']) {
                    // The sample has a line break past the header's start, and yet the header
                    // has not ended: the line break is inside a quote.
                    ReadErrorKind::HeaderQuote { column: None }
                } else {
                    ReadErrorKind::HeaderTooLong
                });
            }
        };
        if header.iter().all(|name| name.trim().is_empty()) {
            return Err(ReadErrorKind::BlankHeader);
        }
        if samples.is_empty() {
            samples = vec![Vec::new(); header.len()];
        }
        let trimmed: Vec<String> = header.iter().map(|name| name.trim().to_string()).collect();
        let columns = match &options.mapping() {
            Some(explicit) => {
                mapping::apply_explicit(&trimmed, explicit).map_err(ReadErrorKind::Invalid)?
            }
            None => mapping::auto_map(&trimmed, &samples),
        };
        let expected_records = options.read.size_hint.map_or(0, |size| {
            // The size in decoded text (UTF-16 takes about half as much as UTF-8, for example).
            let text_size = u128::from(size) * text.len() as u128 / sample.len().max(1) as u128;
            let text_size = u64::try_from(text_size).unwrap_or(u64::MAX);
            expected_records(text_size, records, sampled_end.saturating_sub(header_end))
        });
        // The columns packed besides the lead fields, whose formulas are looked for too.
        let targets = if options.template.columns.is_empty() {
            // As the suggested template will plan them.
            let mut plans = plan_columns(&columns);
            keep_unnamed_columns_with_values(&mut plans, |index| {
                samples
                    .get(index)
                    .is_some_and(|values| values.iter().any(|value| !value.trim().is_empty()))
            });
            plans.into_iter().map(|plan| plan.target).collect()
        } else {
            options.template.targets(&trimmed)
        };
        let others: Vec<OtherColumn> = targets
            .iter()
            .enumerate()
            .filter(|(_, target)| !matches!(target, Target::Field { .. } | Target::Skip))
            .filter_map(|(index, target)| {
                Some(OtherColumn {
                    column: index,
                    header: columns.get(index)?.header.clone(),
                    value_type: target.value_type().cloned(),
                })
            })
            .collect();
        let segments = options.segments();
        let concepts = options.concepts();
        let output = output_check(&options.template, &columns);
        let nulls = options.template.nulls_of(&columns);
        let value_maps = options.template.value_maps_of(&columns);
        let rtf_columns = options.template.rtf_columns_of(&columns);
        let basis = CheckBasis {
            encoding: detected.encoding,
            bom: detected.bom,
            delimiter,
            columns: columns
                .iter()
                .enumerate()
                .map(|(index, c)| BasisColumn {
                    header: c.header.clone(),
                    field: c.field,
                    wanted: c.wanted,
                    note: c.note.clone(),
                    other: targets.get(index).is_some_and(|target| {
                        !matches!(target, Target::Field { .. } | Target::Skip)
                    }),
                    value_type: targets.get(index).and_then(Target::value_type).cloned(),
                    limited: matches!(targets.get(index), Some(Target::Category { .. })),
                })
                .collect(),
            segments: segments.clone(),
            concepts: concepts.clone(),
            output: output.clone(),
            edits: options.edits.clone(),
            nulls: nulls.clone(),
            value_maps: value_maps.clone(),
            rtf_columns: rtf_columns.clone(),
            bytes: 0,
        };
        Ok(Box::new(Reading {
            decoder: TextDecoder::new(detected.encoding),
            detected,
            delimiter,
            reader: match &above {
                Some((bytes, row, _, _)) => {
                    RecordReader::new(delimiter).skipping(*bytes).from_row(*row)
                }
                None => RecordReader::new(delimiter).skipping(skip),
            },
            above_header: above.map(|(_, _, header, shown)| (header - 1, shown)),
            separator_line: hint.map(|(delimiter, _)| delimiter),
            others,
            nulls,
            value_maps,
            rtf_columns,
            decoded: 0,
            strays: Strays::default(),
            text: String::new(),
            columns,
            samples,
            checker: None,
            segments: Some((segments, concepts)),
            expected_records,
            output,
            edits: options.edits.clone(),
            changes: Vec::new(),
            field_columns: [None; 10],
            header_row: 0,
            summary: Summary::default(),
            findings: Findings::new(),
            found: Vec::new(),
            error: None,
            basis,
            earlier,
            replay: None,
            import: None,
            batch: Batch::default(),
            screener: Screener::new(options.read.threads),
            input_ended: false,
        }))
    }
}

/// The column names of a header read whole, or why they cannot be: a quote opened in the header
/// and still open at the end of the file, or closed only rows later (a name then holds a line
/// break and the delimiter), would make the rows below it part of a column name.
fn header_shape(
    (names, problem): (Vec<String>, Option<RecordProblem>),
    delimiter: u8,
) -> Result<Vec<String>, ReadErrorKind> {
    if problem == Some(RecordProblem::UnterminatedQuote) {
        return Err(ReadErrorKind::HeaderQuote {
            column: Some(names.len()),
        });
    }
    let swallowed =
        |name: &String| name.contains(['\r', '\n']) && name.as_bytes().contains(&delimiter);
    if let Some(index) = names.iter().position(swallowed) {
        return Err(ReadErrorKind::HeaderQuote {
            column: Some(index + 1),
        });
    }
    Ok(names)
}

/// What a check following `template` needs to report the values its package would write with
/// characters the output encoding cannot hold: none for UTF-8, which holds every character.
fn output_check(template: &Template, columns: &[ColumnMatch]) -> Option<OutputCheck> {
    let writing = Writing::new(&template.options);
    (writing.encoding != OutputEncoding::Utf8).then(|| OutputCheck {
        writing,
        include_invalid: template.options.include_invalid,
        columns: packed_columns(template, columns)
            .into_iter()
            .map(|(source, target)| {
                let field = match target {
                    Target::Field { field } => Some(field),
                    _ => None,
                };
                (source, columns[source].header.clone(), field)
            })
            .collect(),
    })
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
    pub(crate) fn push<E>(
        &mut self,
        chunk: &[u8],
        last: bool,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        self.read(chunk, last, sink)?;
        if last || !self.screener.apart() {
            self.check_batch(sink)?;
        }
        self.input_ended |= last;
        Ok(())
    }

    /// Decodes and reads `chunk` into the batch (or, for the header, sets up the checker).
    fn read<E>(
        &mut self,
        chunk: &[u8],
        last: bool,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        self.text.clear();
        self.decoder.decode(chunk, last, &mut self.text);
        if !self.decoder.invalid().is_empty() {
            self.strays.take(&mut self.decoder);
        }
        let text = std::mem::take(&mut self.text);
        let start = self.decoded;
        self.decoded += text.len() as u64;
        let mut reader = std::mem::take(&mut self.reader);
        // The first error of the sink; the records after it are not handled.
        let mut stopped = None;
        {
            let chunk = Chunk { text: &text, start };
            let mut each = |record: Record<'_>| {
                if stopped.is_none()
                    && let Err(error) = self.record(record, chunk, sink)
                {
                    stopped = Some(error);
                }
            };
            reader.feed(&text, &mut each);
            if last {
                reader.finish(&mut each);
            }
        }
        self.strays.chunk_read(&text, start);
        self.reader = reader;
        self.text = text;
        stopped.map_or(Ok(()), Err)
    }

    /// Handles one record: the header, or a lead (kept in the batch until it is checked).
    fn record<E>(
        &mut self,
        record: Record<'_>,
        chunk: Chunk<'_>,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        if self.error.is_some() {
            return Ok(());
        }
        // Bytes invalid in the file's encoding, as read (before any correction).
        let invalid = (!self.strays.none_before(record.end_offset)).then(|| {
            self.strays.finding(
                &record,
                chunk.text,
                chunk.start,
                &self.columns,
                self.detected.encoding,
                self.header_row == 0,
            )
        });
        if self.header_row == 0 {
            self.header(&record, invalid);
            return sink.header(&record, &self.columns);
        }
        if self.edits.is_deleted(record.row) {
            // Taken out by the user: into the change log, not into a package or the rejected
            // rows.
            let fields: Vec<&str> = record.fields().collect();
            self.changes.push(Edits::deletion(record.row, &fields));
            self.summary.deleted += 1;
            return Ok(());
        }
        let mut corrected = None;
        if !self.rtf_columns.is_empty() {
            strip_rtf(&record, &self.rtf_columns, &mut corrected);
        }
        if !self.edits.is_empty() {
            let fields: Vec<&str> = match &corrected {
                Some(values) => values.iter().map(String::as_str).collect(),
                None => record.fields().collect(),
            };
            let headers: Vec<String> = self.columns.iter().map(|c| c.header.clone()).collect();
            let edited = self.edits.apply(
                record.row,
                &fields,
                &self.field_columns,
                &headers,
                &mut self.changes,
            );
            if edited.is_some() {
                corrected = edited;
            }
        }
        if !self.value_maps.is_empty() {
            map_values(&record, &self.value_maps, &mut corrected);
        }
        if !self.nulls.is_empty() {
            fill_empty_cells(&record, &self.nulls, &mut corrected);
        }
        match &corrected {
            Some(values) => {
                let (text, ends) = Record::join_fields(values);
                // A row written anew has the shape the user gave it.
                let problem = if self.edits.rows.contains_key(&record.row) {
                    None
                } else {
                    record.problem
                };
                let record =
                    Record::from_parts(record.row, &text, &ends, problem, record.end_offset);
                self.take(&record, invalid, sink)
            }
            None => self.take(&record, invalid, sink),
        }
    }

    /// A lead, corrected: into the batch, or straight to `sink` with the earlier check's
    /// findings.
    fn take<E>(
        &mut self,
        record: &Record<'_>,
        invalid: Option<Finding>,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        if let Some(replay) = &mut self.replay {
            match replay.findings(record.row, self.header_row) {
                Some(findings) => {
                    let verdict = Verdict::of(findings);
                    sink.record(record, verdict, findings)?;
                    self.summary.count(verdict);
                }
                None => self.error = Some(ReadErrorKind::Changed),
            }
            return Ok(());
        }
        self.batch.push(record, invalid);
        if self.batch.is_full() {
            self.check_batch(sink)?;
        }
        Ok(())
    }

    /// Checks the records of the batch: the rules that look at each record alone (on several
    /// threads where the options allow), then, in file order, the rules that compare records;
    /// then hands each to `sink`. Where the batch is screened apart from this thread, it is
    /// settled once the next batches are on their way.
    fn check_batch<E>(&mut self, sink: &mut dyn RowSink<Error = E>) -> Result<(), E> {
        let Some(checker) = &self.checker else {
            return Ok(());
        };
        if self.batch.is_empty() {
            return Ok(());
        }
        let screen = Arc::clone(checker.screen());
        let spare = self.screener.spare();
        let batch = std::mem::replace(&mut self.batch, spare);
        match self.screener.hand_over(&screen, batch) {
            Some(screened) => {
                self.settle_screened(0, sink)?;
                self.settle_and_recycle(screened, sink)
            }
            None => self.settle_screened(SCREENED_AHEAD, sink),
        }
    }

    /// Settles the batches screened apart from this thread, in order, until at most `ahead`
    /// remain out (waiting for a thread's; with `ahead` 0, screening here what another worker
    /// has not answered).
    pub(crate) fn settle_screened<E>(
        &mut self,
        ahead: usize,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        while let Some(screen) = self.first_stage()
            && let Some(batch) = self.screener.next_screened(&screen, ahead)
        {
            self.settle_and_recycle(batch, sink)?;
        }
        Ok(())
    }

    /// Settles the oldest batch sent to another worker, with what it found there (`results`).
    pub(crate) fn receive_screened<E>(
        &mut self,
        results: &[u8],
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        if let Some(screen) = self.first_stage()
            && let Some(batch) = self.screener.receive(&screen, results)
        {
            self.settle_and_recycle(batch, sink)?;
        }
        Ok(())
    }

    /// The first stage of the rules, once the header is read.
    fn first_stage(&self) -> Option<Arc<RecordScreen>> {
        self.checker
            .as_ref()
            .map(|checker| Arc::clone(checker.screen()))
    }

    /// Settles a screened batch, and keeps it for filling again.
    fn settle_and_recycle<E>(
        &mut self,
        mut batch: Batch,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        let settled = self.settle_batch(&mut batch, sink);
        self.screener.recycle(batch);
        settled
    }

    /// The second stage of the rules over a screened batch, in file order, and the sink.
    fn settle_batch<E>(
        &mut self,
        batch: &mut Batch,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), E> {
        let Some(checker) = &mut self.checker else {
            return Ok(());
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
            self.found.clear();
            let verdict = checker.settle(
                &record,
                &pending.keys,
                found.by_ref().take(pending.found),
                &mut self.found,
            );
            self.findings.extend_from(&self.found);
            sink.record(&record, verdict, &self.found)?;
            self.summary.count(verdict);
        }
        Ok(())
    }

    /// Handles the header row: findings about the columns (and about bytes in it that are not
    /// valid in the file's encoding, `invalid`), then a checker for the records.
    fn header(&mut self, record: &Record<'_>, invalid: Option<Finding>) {
        let row = record.row;
        self.header_row = row;
        self.findings.extend(invalid);
        for column in &self.columns {
            if let (Some(wanted), Some(note)) = (column.wanted, &column.note) {
                self.findings.push(
                    &Finding::new(
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
                self.findings.push(&Finding::new(
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
            self.findings.push(&Finding::new(
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
            self.replay = Some(Replay::new(earlier));
            return;
        }
        let (segments, concepts) = self
            .segments
            .take()
            .unwrap_or_else(|| (KnownValues::segments([]), KnownValues::concepts([])));
        let mut checker = RecordChecker::new(columns, self.columns.len(), segments, concepts);
        if let Some(import) = &self.import {
            checker.after(import.earlier());
        }
        checker.reserve(self.expected_records);
        checker.check_other_columns(self.others.clone());
        if let Some(output) = self.output.take() {
            checker.check_output(output);
        }
        self.checker = Some(checker);
    }

    /// The column names, as matched.
    pub(crate) fn headers(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.header.clone()).collect()
    }

    pub(crate) fn into_report(mut self, file: String, bytes: u64) -> Result<FileReport, ReadError> {
        self.basis.bytes = bytes;
        if self.header_row == 0 {
            return Err(ReadError::new(file, ReadErrorKind::NoHeader));
        }
        if self.summary.records == 0 {
            return Err(ReadError::new(file, ReadErrorKind::NoLeads));
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
        // The rows the reader saw: the records read (the ones taken out included), the header
        // and the blank lines.
        let read = summary.records + summary.deleted;
        summary.blank_rows = self
            .reader
            .rows_seen()
            .saturating_sub(read + self.header_row);
        // Blank lines before the header are rows too.
        summary.blank_rows += self.header_row.saturating_sub(1);

        let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        // Counted without putting the findings into words.
        let mut cursor = Cursor::default();
        while let Some(finding) = self.findings.read(&mut cursor, false) {
            let key = finding.field.map_or("row", Field::key).to_string();
            *counts
                .entry(key)
                .or_default()
                .entry(finding.rule.id().to_string())
                .or_default() += 1;
        }

        let mut notes = Vec::new();
        if let Some((rows, shown)) = &self.above_header {
            let which = if *rows == 1 {
                "Row 1 is".to_string()
            } else {
                format!("Rows 1 to {rows} are")
            };
            notes.push(format!(
                "{which} above the column names (row {}) and {} no lead, so {} left out{}.",
                rows + 1,
                if *rows == 1 { "holds" } else { "hold" },
                if *rows == 1 { "it is" } else { "they are" },
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(": {}", shown.join(", "))
                }
            ));
        }
        let encoding = decode::label(self.detected.encoding);
        match self.detected.source {
            EncodingSource::SingleByte => notes.push(single_byte_note(&self.detected)),
            EncodingSource::Utf16Pattern => notes.push(format!(
                "Read as {} although the file has no byte order mark, because its bytes follow that pattern.",
                encoding.to_uppercase()
            )),
            _ => {}
        }
        let invalid = counts
            .values()
            .filter_map(|rules| rules.get(Rule::InvalidEncoding.id()))
            .sum::<u64>();
        if invalid > 0 {
            notes.push(invalid_note(&self.detected, invalid));
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
        if let Some(delimiter) = self.separator_line {
            notes.push(format!(
                "The first line, “sep={}”, tells spreadsheets which character separates the \
                 columns. Leadpack followed it too and read the column names from the line below \
                 it, which is row 1 here as in a spreadsheet.",
                dialect::delimiter_label(delimiter)
            ));
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
                let value_type = self
                    .basis
                    .columns
                    .get(index)
                    .and_then(|c| c.value_type.as_ref());
                let limited = self.basis.columns.get(index).is_some_and(|c| c.limited);
                let distinct = match value_type {
                    _ if limited => {
                        distinct_values(self.samples.get(index).map_or(&[], Vec::as_slice))
                    }
                    Some(ValueType::Boolean { .. }) => {
                        distinct_values(self.samples.get(index).map_or(&[], Vec::as_slice))
                    }
                    _ => Vec::new(),
                };
                let dates = column_fits(
                    value_type.and_then(ValueType::date_format),
                    &shown,
                    self.samples.get(index).map_or(&[], Vec::as_slice),
                );
                ColumnReport {
                    column,
                    samples: shown,
                    dates,
                    distinct,
                }
            })
            .collect();

        // The file is read to its end: it joins its import. Its checker goes first, and with it
        // its hold on the import's earlier files, which are then added to rather than copied.
        if let (Some(import), Some(checker)) = (&self.import, self.checker.take()) {
            import.add(&file, &checker.into_seen());
        }
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

/// Replaces each whole value in Rich Text Format of `record` in a column of `columns` by its
/// text, as the `rtf2plain` converter leaves it. A value cut off before its end stays as it is
/// (the rules report it), and so does a broken row.
fn strip_rtf(record: &Record<'_>, columns: &[usize], corrected: &mut Option<Vec<String>>) {
    if record.problem.is_some() {
        return;
    }
    for &column in columns {
        let Some(value) = record.field(column).filter(|value| is_rtf(value)) else {
            continue;
        };
        if let Rtf::Text(text) = rtf_to_plain(value) {
            let values =
                corrected.get_or_insert_with(|| record.fields().map(str::to_string).collect());
            if let Some(cell) = values.get_mut(column) {
                *cell = text;
            }
        }
    }
}

/// Replaces each value of `record` (after the corrections, `corrected`) found in its column's
/// value map (`maps`: column, source value → value written; trimmed, case aside) by the value it
/// becomes. A broken row is left as it is.
fn map_values(
    record: &Record<'_>,
    maps: &[(usize, Vec<(String, String)>)],
    corrected: &mut Option<Vec<String>>,
) {
    if record.problem.is_some() {
        return;
    }
    for (column, map) in maps {
        let current = match corrected {
            Some(values) => values.get(*column).map(String::as_str),
            None => record.field(*column),
        };
        let Some(current) = current.map(trim) else {
            continue;
        };
        let Some((_, to)) = map.iter().find(|(from, _)| same_word(from, current)) else {
            continue;
        };
        let to = to.clone();
        let values = corrected.get_or_insert_with(|| record.fields().map(str::to_string).collect());
        if let Some(cell) = values.get_mut(*column) {
            *cell = to;
        }
    }
}

/// Gives each empty cell of `record` (after the corrections, `corrected`) in a column with a
/// null converter (`nulls`: column, value) the converter's value. A broken row's cells are
/// left as they are: its values cannot be placed in columns.
fn fill_empty_cells(
    record: &Record<'_>,
    nulls: &[(usize, String)],
    corrected: &mut Option<Vec<String>>,
) {
    if record.problem.is_some() {
        return;
    }
    for (column, value) in nulls {
        let current = match corrected {
            Some(values) => values.get(*column).map(String::as_str),
            None => record.field(*column),
        };
        if current.is_some_and(|current| trim(current).is_empty()) {
            let values =
                corrected.get_or_insert_with(|| record.fields().map(str::to_string).collect());
            if let Some(cell) = values.get_mut(*column) {
                cell.clone_from(value);
            }
        }
    }
}

/// How people call an encoding Leadpack may detect, and who writes it.
fn encoding_names(encoding: &'static Encoding) -> (String, &'static str) {
    if encoding == encoding_rs::WINDOWS_1252 {
        ("Windows-1252".into(), "the encoding Excel uses on Windows")
    } else if encoding == encoding_rs::MACINTOSH {
        (
            "Mac Roman".into(),
            "the encoding of Excel for Mac and other older Mac programs",
        )
    } else if encoding == encoding_rs::ISO_8859_15 {
        (
            "ISO-8859-15".into(),
            "Latin-9, written by older Linux and Unix programs",
        )
    } else {
        (encoding.name().to_string(), "")
    }
}

/// The note on a file read in a single-byte encoding: which, why, and when the letters could
/// also be another encoding's, which one and how to choose it.
fn single_byte_note(detected: &Detected) -> String {
    let (name, what) = encoding_names(detected.encoding);
    let runner_up = detected.runner_up.as_ref();
    let example = runner_up.and_then(|other| {
        let (mine, theirs) = other.example.as_ref()?;
        Some((encoding_names(other.encoding).0, mine, theirs))
    });
    match (runner_up, example) {
        (Some(other), Some((other_name, mine, theirs))) if other.close => format!(
            "Read as {name} ({what}) because the file is not valid UTF-8, but too few of its letters \
             tell {name} and {other_name} apart to be sure: read as {name} the file has “{mine}”, read \
             as {other_name} “{theirs}”. If names look wrong, choose {other_name} as the file's \
             encoding (in the Encoding list beside the file, or --encoding {} on the command line).",
            decode::label(other.encoding)
        ),
        (Some(_), Some((other_name, mine, theirs)))
            if detected.encoding != encoding_rs::WINDOWS_1252 =>
        {
            format!(
                "Read as {name} ({what}) because the file is not valid UTF-8 and its accented letters \
                 read best in {name}: for example “{mine}”, which {other_name} would read as \
                 “{theirs}”. If accented letters look wrong, choose the file's encoding."
            )
        }
        _ => format!(
            "Read as {name} ({what}) because the file is not valid UTF-8. If accented letters look \
             wrong, choose the file's encoding."
        ),
    }
}

/// The note on a file some of whose rows (`rows`) hold bytes not valid in its encoding.
fn invalid_note(detected: &Detected, rows: u64) -> String {
    if detected.encoding == encoding_rs::UTF_8 {
        let read = if detected.source == EncodingSource::MostlyUtf8 {
            "Read as UTF-8, because its accented letters are UTF-8, although "
        } else {
            ""
        };
        let mut note = format!(
            "{read}{rows} row(s) hold bytes that are not valid UTF-8, probably pasted from a file in \
             another encoding: Leadpack read those bytes as Windows-1252, and the finding on each \
             such row shows what they became. Correct those rows in your file and save it as CSV \
             UTF-8."
        );
        if let Some(first) = note.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        note
    } else {
        format!(
            "{rows} row(s) hold bytes that are not valid {}: they are written as “\u{FFFD}”. If the \
             file was saved in another encoding, choose it.",
            encoding_names(detected.encoding).0
        )
    }
}

/// A chunk of decoded text and where it starts in the whole text.
#[derive(Clone, Copy)]
struct Chunk<'t> {
    text: &'t str,
    start: u64,
}

/// How many records ahead the checker asks for the memory its indexes will need, and how many
/// it asks for at once.
const PREFETCH_AHEAD: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::options::ReadOptions;
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
            let options = CheckOptions {
                read: ReadOptions {
                    size_hint: Some(file.len() as u64),
                    ..ReadOptions::default()
                },
                ..CheckOptions::default()
            };
            let sample = &file[..file.len().min(SNIFF_BYTES)];
            let reading = Reading::prepare(&options, None, sample, sample.len() == file.len())
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
