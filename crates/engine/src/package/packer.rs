//! Import packages: the cleaned leads written as CSV in the chosen encoding with their mapping
//! XML, in ZIP archives strictly below the size limit (split by rows when needed, the
//! compressed size measured, never guessed), each verified by reading it back; plus the
//! rejected rows, the simple lead CSV and the findings report.
//!
//! The packer is a [`RowSink`]: it runs in the same pass as the checker, so the rows it packs
//! are exactly the rows the checker judged.

use std::borrow::Cow;
use std::hash::Hasher;

use rustc_hash::FxHasher;

use crate::package::assemble::{AssembledPart, Assembler, Assembling, PackError};
use crate::package::layout::{Laid, OutColumn, lay_out};
use crate::package::output::{OutputFile, OutputKind, PackOutcome, package_name, safe_stem};
use crate::package::verify::{Verifying, verify};
use crate::package::xml;

use crate::check::finding::{Finding, Rule, Severity};
use crate::check::report::FileReport;
use crate::check::rules::{Verdict, trim};
use crate::check::sink::RowSink;
use crate::lead::mapping::ColumnMatch;
use crate::lead::schema::Field;
use crate::lead::template::{PackOptions, REJECTED_PROBLEMS_COLUMN, REJECTED_ROW_COLUMN, Template};
use crate::lead::values::KnownValues;
use crate::lead::writing::{Writing, normalised};
use crate::text::csvout::CsvOut;
use crate::text::encode::{OutputEncoding, Unrepresentable};
use crate::text::reader::Record;

/// Packs the records of one file as the checker hands them over.
pub struct Packer {
    stem: String,
    template: Template,
    options: PackOptions,
    segments: KnownValues,
    concepts: KnownValues,
    /// How each value is written (replaced, cut).
    writing: Writing,
    csv: CsvOut,
    /// Set from the header.
    columns: Vec<OutColumn>,
    header_fields: usize,
    csv_name: String,
    /// Where the packages are assembled.
    assembly: Assembly,
    /// The rows have ended: the last package is finished (or asked for).
    rows_ended: bool,
    /// The packages finished and read back, in order.
    finished: Vec<AssembledPart>,
    rejected: Vec<u8>,
    rejected_rows: u64,
    simple: Option<Vec<u8>>,
    packaged: u64,
    /// Scratch buffers, kept to avoid allocating per row.
    row: Vec<u8>,
    encoded: Vec<Vec<u8>>,
    values: Vec<String>,
    /// Written values the output encoding cannot hold: (row, value, character), the first ones.
    unrepresentable: Vec<(u64, String, String)>,
    unrepresentable_count: u64,
    error: Option<PackError>,
    /// Told how far reading back a finished package has got.
    on_verify: Option<Box<dyn FnMut(Verifying)>>,
}

/// Where the packages are assembled.
enum Assembly {
    /// Here, as the rows come (from the header on).
    Here(Option<Box<Assembler>>),
    /// Elsewhere: what to send there.
    Elsewhere(Box<dyn FnMut(Assembling<'_>)>),
}

impl Packer {
    /// A packer for the file named `file_name`, following `template` (its column plan, value
    /// mappings, null converters and options).
    pub fn new(file_name: &str, template: &Template) -> Self {
        let options = template.options.clone();
        let segments = template.segments();
        let concepts = template.concepts();
        Packer {
            stem: safe_stem(file_name),
            template: template.clone(),
            simple: options.simple_csv.then(Vec::new),
            options,
            segments,
            concepts,
            writing: Writing::new(&template.options),
            csv: CsvOut::new(),
            columns: Vec::new(),
            header_fields: 0,
            csv_name: String::new(),
            assembly: Assembly::Here(None),
            rows_ended: false,
            finished: Vec::new(),
            rejected: Vec::new(),
            rejected_rows: 0,
            packaged: 0,
            row: Vec::new(),
            encoded: Vec::new(),
            values: Vec::new(),
            unrepresentable: Vec::new(),
            unrepresentable_count: 0,
            error: None,
            on_verify: None,
        }
    }

    /// Calls `hook` as each finished package is read back: at its start, after each piece
    /// (64 KiB of its CSV) and at its end. The web worker uses it to keep the page informed.
    pub fn on_verify(&mut self, hook: impl FnMut(Verifying) + 'static) {
        self.on_verify = Some(Box::new(hook));
    }

    /// Uses `stem` for the output names instead of the one made from the file name.
    pub fn with_stem(mut self, stem: &str) -> Self {
        self.stem = safe_stem(stem);
        self
    }

    /// The packer's failure, if it failed: kept, so that [`Packer::finish`] returns it too.
    fn failure(&self) -> Result<(), PackError> {
        self.error.clone().map_or(Ok(()), Err)
    }

    /// The stem of every output name.
    pub fn stem(&self) -> &str {
        &self.stem
    }

    /// Ends packing: finishes the last package, names the packages, verifies each one, and
    /// checks that every record went to exactly one place.
    pub fn finish(mut self, report: &FileReport) -> Result<PackOutcome, PackError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.unrepresentable_count > 0 {
            // The check found the same values, and its count is the one every other place shows.
            let count = report.unrepresentable_values();
            if count != self.unrepresentable_count {
                return Err(PackError::Failed(format!(
                    "Leadpack's check and its packing disagree on how many values of {} have \
                     characters {} cannot hold ({count} and {}). Nothing was written; please \
                     report this problem.",
                    report.file,
                    self.options.output_encoding.title(),
                    self.unrepresentable_count
                )));
            }
            let encoding = self.options.output_encoding.title();
            let mut message = format!(
                "{count} value(s) to be packed have characters {encoding} cannot hold, so nothing was written:"
            );
            for (row, value, c) in &self.unrepresentable {
                message.push_str(&format!("\n  row {row}: “{value}” has “{c}”"));
            }
            if self.unrepresentable_count > self.unrepresentable.len() as u64 {
                message.push_str(&format!(
                    "\n  … and {} more",
                    self.unrepresentable_count - self.unrepresentable.len() as u64
                ));
            }
            message.push_str(
                "\nChoose UTF-8 as the output encoding, or allow Leadpack to replace these characters \
                 with the nearest it can write (a letter without its accents, Ł as L, “ as \", Cyrillic \
                 and Greek in Latin letters; “?” where nothing fits, such as Chinese or emoji).",
            );
            return Err(PackError::Refused(message));
        }
        if self.columns.is_empty() && report.summary.records == 0 && self.csv_name.is_empty() {
            return Err(PackError::Failed(format!(
                "{} has no header row, so there is nothing to pack.",
                report.file
            )));
        }
        self.end_rows();
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let records = report.summary.records;
        if self.packaged + self.rejected_rows != records {
            return Err(PackError::Failed(format!(
                "Leadpack lost track of rows in {}: {records} read, {} packed and {} rejected. Nothing was \
                 written; please report this problem.",
                report.file, self.packaged, self.rejected_rows
            )));
        }
        let total = self.finished.len();
        let mut packages = Vec::with_capacity(total);
        for (index, part) in self.finished.into_iter().enumerate() {
            let name = package_name(&self.stem, index, total);
            if part.bytes.len() as u64 >= self.options.max_package_bytes {
                return Err(PackError::Failed(format!(
                    "{name} came out at {} bytes, not below the limit of {}; nothing was written. Please report this problem.",
                    part.bytes.len(),
                    self.options.max_package_bytes
                )));
            }
            packages.push(OutputFile {
                name,
                kind: OutputKind::Package,
                rows: part.rows,
                bytes: part.bytes,
            });
        }
        let rejected = (self.rejected_rows > 0).then(|| OutputFile {
            name: format!("{}-rejected.csv", self.stem),
            kind: OutputKind::Rejected,
            rows: self.rejected_rows,
            bytes: self.rejected,
        });
        let simple = self.simple.map(|bytes| OutputFile {
            name: format!("{}-leads.csv", self.stem),
            kind: OutputKind::SimpleCsv,
            rows: self.packaged,
            bytes,
        });
        Ok(PackOutcome {
            packages,
            rejected,
            simple,
            records,
            packaged: self.packaged,
            rejected_rows: self.rejected_rows,
            csv_name: self.csv_name,
            category: xml::xml_safe(&self.template.category),
            encoding: self.options.output_encoding,
        })
    }

    /// Lays out the package from the header: its CSV columns, CSV header and XML files.
    fn lay_out(&mut self, header: &Record<'_>, matches: &[ColumnMatch]) {
        self.header_fields = header.len();
        self.csv_name = format!("{}.csv", self.stem);
        let Laid { columns, layout } = lay_out(&self.csv_name, &self.template, matches);
        self.columns = columns;
        if self.columns.is_empty() {
            // Known from the header on, and `finish` returns it: no record is written, so no
            // package is finished (and read back) before packing ends with this refusal.
            self.error = Some(no_column_to_pack());
        }
        if xml::xml_safe(&self.template.category).trim().is_empty() {
            self.error = Some(PackError::Failed(
                "The type of data in this file is empty. Choose “All”, or type the name of the \
                 category as your CRM's import definition names it, then pack again."
                    .to_string(),
            ));
        }
        match &mut self.assembly {
            Assembly::Here(assembler) => *assembler = Some(Box::new(Assembler::new(layout))),
            Assembly::Elsewhere(send) => send(Assembling::Start(&layout)),
        }

        // The rejected rows: the original columns, then where and why.
        let mut header_fields: Vec<&[u8]> = header.fields().map(str::as_bytes).collect();
        header_fields.push(REJECTED_ROW_COLUMN.as_bytes());
        header_fields.push(REJECTED_PROBLEMS_COLUMN.as_bytes());
        self.rejected.extend_from_slice(b"\xEF\xBB\xBF");
        self.csv.record(header_fields, &mut self.rejected);

        if let Some(simple) = &mut self.simple {
            let titles: Vec<Vec<u8>> = Field::ALL
                .iter()
                .map(|f| f.title().as_bytes().to_vec())
                .collect();
            self.csv.record(titles.iter().map(Vec::as_slice), simple);
        }
    }

    /// Hands the encoded row in `self.row` to the assembly of packages.
    fn assemble(&mut self, row: u64, checksum: u64) -> Result<(), PackError> {
        match &mut self.assembly {
            Assembly::Here(Some(assembler)) => {
                assembler.add_row(row, &self.row, checksum)?;
                for part in assembler.take_finished() {
                    self.read_back(part)?;
                }
                Ok(())
            }
            // The header lays the packages out before any row comes.
            Assembly::Here(None) => Err(PackError::Failed(
                "Leadpack packed a row before the header; nothing was written. Please report this problem."
                    .to_string(),
            )),
            Assembly::Elsewhere(send) => {
                send(Assembling::Row {
                    row,
                    bytes: &self.row,
                    checksum,
                });
                Ok(())
            }
        }
    }

    /// Reads a finished package back and keeps it. Each package is read back as soon as it is
    /// complete, while later rows are still being read (the last one when packing ends), so the
    /// work is spread over the file. Not when values the output encoding cannot hold were met:
    /// packing is then refused when it ends and nothing is written, and the package, which
    /// holds their replacements, would not read back as the values.
    fn read_back(&mut self, part: AssembledPart) -> Result<(), PackError> {
        if self.unrepresentable_count == 0 {
            let package = self.finished.len() + 1;
            let mut ignore = |_: Verifying| {};
            let hook: &mut dyn FnMut(Verifying) = match &mut self.on_verify {
                Some(hook) => hook,
                None => &mut ignore,
            };
            verify(
                package,
                &part,
                &self.csv_name,
                self.options.output_encoding,
                hook,
            )?;
        }
        self.finished.push(part);
        Ok(())
    }

    /// Assembles the packages elsewhere: `send` is given the layout (from the header), every
    /// row to pack, and the end of the rows, and whoever assembles them (an [`Assembler`]
    /// there) hands each finished package to [`Packer::receive`], or its error to
    /// [`Packer::receive_error`], in order. Call before the first record; after
    /// [`Packer::end_rows`], wait until the last package is received before
    /// [`Packer::finish`].
    pub fn assemble_elsewhere(&mut self, send: impl FnMut(Assembling<'_>) + 'static) {
        self.assembly = Assembly::Elsewhere(Box::new(send));
    }

    /// A package assembled elsewhere: it is read back, then kept.
    pub fn receive(&mut self, part: AssembledPart) {
        if self.error.is_some() {
            return;
        }
        if let Err(error) = self.read_back(part) {
            self.error = Some(error);
        }
    }

    /// Assembling the packages elsewhere failed.
    pub fn receive_error(&mut self, error: PackError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Ends the rows: the last package is finished (here), or asked for (elsewhere). `finish`
    /// ends them if nobody did.
    pub fn end_rows(&mut self) {
        if std::mem::replace(&mut self.rows_ended, true) {
            return;
        }
        match &mut self.assembly {
            Assembly::Here(Some(assembler)) => {
                let finished = assembler.finish().map(|()| assembler.take_finished());
                match finished {
                    Ok(parts) => {
                        for part in parts {
                            self.receive(part);
                        }
                    }
                    Err(error) => self.receive_error(error),
                }
            }
            Assembly::Here(None) => {}
            Assembly::Elsewhere(send) => send(Assembling::End),
        }
    }

    fn reject(&mut self, record: &Record<'_>, findings: &[Finding]) {
        let mut reasons: Vec<String> = Vec::new();
        for finding in findings.iter().filter(|f| f.severity == Severity::Error) {
            let reason = match finding.field {
                Some(field) => format!("{} ({field})", finding.rule.label()),
                None => finding.rule.label().to_string(),
            };
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        let row = record.row.to_string();
        let reasons = reasons.join("; ");
        let mut fields: Vec<&[u8]> = record.fields().map(str::as_bytes).collect();
        fields.push(row.as_bytes());
        fields.push(reasons.as_bytes());
        self.csv.record(fields, &mut self.rejected);
        self.rejected_rows += 1;
    }

    /// Writes into `value` (emptied first) the value the package writes for a field: trimmed,
    /// normalised, with characters replaced if allowed, cut as the CRM would
    /// ([`Writing::written`], which the check's preview follows too).
    /// The value of `column` as the package writes it: trimmed; a segment or concept as the
    /// CRM spells it; a custom field's value in its type's one form (a value that does not fit
    /// its type, packed only with invalid leads included, is written as it is); then with the
    /// characters the encoding cannot hold replaced and cut to the field's length.
    fn clean(&mut self, column: &OutColumn, raw: &str, value: &mut String) {
        value.clear();
        let trimmed = trim(raw);
        let normalised = match &column.converted {
            Some(value_type) if !trimmed.is_empty() => value_type
                .convert(trimmed)
                .unwrap_or(Cow::Borrowed(trimmed)),
            _ => normalised(
                column.field,
                trimmed,
                &mut self.segments,
                &mut self.concepts,
            ),
        };
        value.push_str(&self.writing.written(column.field, &normalised));
    }

    fn pack(&mut self, record: &Record<'_>) -> Result<(), PackError> {
        let encoding = self.options.output_encoding;
        let mut values = std::mem::take(&mut self.values);
        let columns = std::mem::take(&mut self.columns);
        // The values' buffers are kept from row to row.
        values.resize_with(columns.len(), String::new);
        for (column, value) in columns.iter().zip(values.iter_mut()) {
            let raw = record.field(column.source).unwrap_or("");
            self.clean(column, raw, value);
        }
        self.columns = columns;
        if self.options.unrepresentable == Unrepresentable::Refuse {
            for value in &values {
                if let Some(c) = encoding.first_unrepresentable(value) {
                    self.unrepresentable_count += 1;
                    if self.unrepresentable.len() < 10 {
                        self.unrepresentable
                            .push((record.row, value.clone(), c.to_string()));
                    }
                }
            }
        }
        let mut checksum = FxHasher::default();
        for value in &values {
            checksum.write(value.as_bytes());
            checksum.write_u8(0x1F);
        }
        self.row.clear();
        if encoding == OutputEncoding::Utf8 {
            // UTF-8 is the values' own encoding: no copy.
            self.csv
                .record(values.iter().map(String::as_bytes), &mut self.row);
        } else {
            self.encoded.resize_with(values.len(), Vec::new);
            for (bytes, value) in self.encoded.iter_mut().zip(&values) {
                bytes.clear();
                encoding.encode_into(value, bytes);
            }
            self.csv
                .record(self.encoded.iter().map(Vec::as_slice), &mut self.row);
        }
        self.assemble(record.row, checksum.finish())?;
        self.packaged += 1;

        if let Some(simple) = &mut self.simple {
            let mut by_field: Vec<&[u8]> = vec![b""; Field::ALL.len()];
            for (index, column) in self.columns.iter().enumerate() {
                if let Some(field) = column.field {
                    by_field[field.index()] = match encoding {
                        OutputEncoding::Utf8 => values[index].as_bytes(),
                        _ => &self.encoded[index],
                    };
                }
            }
            self.csv.record(by_field, simple);
        }
        self.values = values;
        Ok(())
    }
}

impl RowSink for Packer {
    type Error = PackError;

    /// Lays the packages out; a header with no column to pack stops the check.
    fn header(&mut self, header: &Record<'_>, columns: &[ColumnMatch]) -> Result<(), PackError> {
        self.lay_out(header, columns);
        self.failure()
    }

    /// Packs the record or puts it with the rejected rows. A row that cannot be packed, or a
    /// package that failed elsewhere since the last record, stops the check.
    fn record(
        &mut self,
        record: &Record<'_>,
        verdict: Verdict,
        findings: &[Finding],
    ) -> Result<(), PackError> {
        self.failure()?;
        // A broken row's values cannot be placed in columns: it is always rejected.
        let malformed = findings.iter().any(|f| f.rule == Rule::MalformedRow);
        if verdict.has_error && (!self.options.include_invalid || malformed) {
            self.reject(record, findings);
            return Ok(());
        }
        if let Err(error) = self.pack(record) {
            self.error = Some(error);
        }
        self.failure()
    }
}

/// Packing refused because no column goes into the package. No value would reach the CRM, and
/// a CSV cannot even hold a row without values (it reads back as one empty value), so nothing
/// is written rather than a package of empty rows.
fn no_column_to_pack() -> PackError {
    PackError::Failed(
        "No column goes into the package: none is matched to a lead field, and the others are left \
         out (their headers are empty or have no letter or digit, they are the columns Leadpack adds \
         to rejected rows, or the template leaves them out). Map at least one column to a lead \
         field, then pack again."
            .to_string(),
    )
}
