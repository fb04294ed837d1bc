//! Import packages: the cleaned leads written as CSV in the chosen encoding with their mapping
//! XML, in ZIP archives strictly below the size limit (split by rows when needed, the
//! compressed size measured, never guessed), each verified by reading it back; plus the
//! rejected rows, the simple lead CSV and the findings report.
//!
//! The packer is a [`RowSink`]: it runs in the same pass as the checker, so the rows it packs
//! are exactly the rows the checker judged.

use encoding_rs::DecoderResult;
use std::hash::Hasher;
use std::io::{Cursor, Read, Write};

use rustc_hash::FxHasher;
use zip::{ZipArchive, ZipWriter};

use crate::package::assemble::{AssembledPart, Assembler, PackageLayout, file_options};

use crate::check::file::{FileReport, RowSink};
use crate::check::finding::{Finding, Rule, Severity};
use crate::check::rules::{Verdict, trim};
use crate::lead::mapping::ColumnMatch;
use crate::lead::schema::Field;
use crate::lead::template::{
    PackOptions, REJECTED_PROBLEMS_COLUMN, REJECTED_ROW_COLUMN, Target, Template,
};
use crate::lead::values::KnownValues;
use crate::package::xml::{self, FieldMappings, PackageFile, names};
use crate::text::csvout::CsvOut;
use crate::text::encode::{OutputEncoding, Unrepresentable};
use crate::text::reader::{Record, RecordReader};

/// The DEFLATE level of packages. Level 4 of `zlib-rs` compresses generated leads about a fifth
/// faster than zlib's usual 6, for packages about 2% larger (docs/performance.md).
pub const COMPRESSION_LEVEL: i64 = 4;

/// Something that keeps a package from being written, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackError {
    /// The data needs a decision first (characters the output encoding cannot hold).
    Refused(String),
    /// The package cannot be made (a row too large for the limit, or a fault).
    Failed(String),
}

impl PackError {
    /// The message, in plain words.
    pub fn message(&self) -> &str {
        match self {
            PackError::Refused(message) | PackError::Failed(message) => message,
        }
    }
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PackError {}

/// What a written file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputKind {
    /// An import package (ZIP).
    Package,
    /// The rows left out of the packages, with their problems (CSV).
    Rejected,
    /// The ten documented columns, for imports without a package (CSV).
    SimpleCsv,
    /// Every finding (CSV).
    Findings,
    /// Every correction made while reviewing (CSV).
    Changes,
}

/// One file Leadpack produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: OutputKind,
    /// The leads (or findings) it holds.
    pub rows: u64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Everything packing one file produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOutcome {
    /// The packages, in order.
    pub packages: Vec<OutputFile>,
    /// The rejected rows, when rows were left out.
    pub rejected: Option<OutputFile>,
    /// The simple lead CSV, when asked for.
    pub simple: Option<OutputFile>,
    /// Records read.
    pub records: u64,
    /// Records written to packages.
    pub packaged: u64,
    /// Records written to the rejected rows.
    pub rejected_rows: u64,
}

impl PackOutcome {
    /// Every file, packages first.
    pub fn files(&self) -> impl Iterator<Item = &OutputFile> {
        self.packages
            .iter()
            .chain(&self.rejected)
            .chain(&self.simple)
    }
}

/// A file name made safe for any system and for the CRM: ASCII letters, digits, `-` and `_`.
pub fn safe_stem(name: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = match stem.rfind('.') {
        Some(dot) if dot > 0 => &stem[..dot],
        _ => stem,
    };
    let mut safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.truncate(60);
    let trimmed = safe.trim_matches('_');
    if trimmed.is_empty() {
        "leads".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The name of package `index` (from 0) of `total` for `stem`.
pub fn package_name(stem: &str, index: usize, total: usize) -> String {
    if total <= 1 {
        format!("{stem}.zip")
    } else {
        let width = total.to_string().len().max(2);
        format!("{stem}-part-{:0width$}-of-{total:0width$}.zip", index + 1)
    }
}

/// A column of the package CSV.
#[derive(Debug, Clone)]
struct OutColumn {
    /// The source column it comes from.
    source: usize,
    /// Its header in the package.
    name: String,
    /// The lead field, when it is one.
    field: Option<Field>,
}

/// Packs the records of one file as the checker hands them over.
pub struct Packer {
    stem: String,
    template: Template,
    options: PackOptions,
    segments: KnownValues,
    concepts: KnownValues,
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
    unrepresentable: Vec<(u64, String, char)>,
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

/// What a packer sends to where its packages are assembled ([`Packer::assemble_elsewhere`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assembling<'a> {
    /// The layout of every package, before any row.
    Start(&'a PackageLayout),
    /// One row of the CSV, encoded, with a checksum of its values and the file's row it comes
    /// from (for messages): [`Assembler::add_row`].
    Row {
        /// The file's row.
        row: u64,
        /// The CSV record, line end included.
        bytes: &'a [u8],
        /// The checksum of its values.
        checksum: u64,
    },
    /// No more rows: [`Assembler::finish`].
    End,
}

/// How far reading back a finished package has got (a package is read back as soon as it is
/// complete, which takes a moment for a large one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verifying {
    /// The package, counted from 1.
    pub package: usize,
    /// Bytes of its CSV read back so far.
    pub done: u64,
    /// Bytes of its CSV in all.
    pub total: u64,
}

impl Packer {
    /// A packer for the file named `file_name`, following `template` (its column plan, value
    /// mappings, null converters and options).
    pub fn new(file_name: &str, template: &Template) -> Self {
        let options = template.options.clone();
        let segments = KnownValues::segments(template.segments.iter().map(String::as_str))
            .with_overrides(
                template
                    .value_mappings
                    .get(&Field::MarketSegment)
                    .into_iter()
                    .flatten(),
            );
        let concepts = KnownValues::concepts(template.concepts.iter().map(String::as_str))
            .with_overrides(
                template
                    .value_mappings
                    .get(&Field::SalesConcept)
                    .into_iter()
                    .flatten(),
            );
        Packer {
            stem: safe_stem(file_name),
            template: template.clone(),
            simple: options.simple_csv.then(Vec::new),
            options,
            segments,
            concepts,
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
            let encoding = self.options.output_encoding.title();
            let mut message = format!(
                "{} value(s) to be packed have characters {encoding} cannot hold, so nothing was written:",
                self.unrepresentable_count
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
                "\nChoose UTF-8 as the output encoding, or allow Leadpack to write these letters without \
                 their accents (or “?” where a letter has no plain form).",
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
        })
    }

    /// Lays out the package from the header: its CSV columns, CSV header and XML files.
    fn lay_out(&mut self, header: &Record<'_>, matches: &[ColumnMatch]) {
        self.header_fields = header.len();
        self.csv_name = format!("{}.csv", self.stem);
        let mut mappings = FieldMappings {
            category: self.template.category.clone(),
            null_converters: self.template.null_converters.clone(),
            rtf2plain: self.template.rtf2plain,
            ..FieldMappings::default()
        };
        let encoding = self.options.output_encoding;
        let mut used_names: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut unique = |wanted: &str| {
            // The name the CSV can hold, so the mapping XML names the column as the CSV titles it.
            // Without U+FEFF: invisible, and first in the CSV it would read as a byte order mark.
            let visible = xml::xml_safe(wanted).replace('\u{FEFF}', "");
            let base = encoding.replace_unrepresentable(visible.trim());
            let base = if base.is_empty() {
                "Column".to_string()
            } else {
                base
            };
            let mut name = base.clone();
            let mut n = 2;
            while used_names.contains(&name.to_ascii_lowercase()) {
                name = format!("{base} ({n})");
                n += 1;
            }
            used_names.insert(name.to_ascii_lowercase());
            name
        };

        // The lead fields first, in the documented order, under their documented titles.
        for field in Field::ALL {
            if let Some(source) = matches.iter().position(|m| m.field == Some(field)) {
                let name = unique(field.title());
                mappings.fields.push((name.clone(), field));
                self.columns.push(OutColumn {
                    source,
                    name,
                    field: Some(field),
                });
            }
        }
        // Then the other columns the template keeps, in file order. Without a column plan, the
        // plan the matching suggests.
        let suggested = crate::lead::template::plan_columns(matches);
        let headers: Vec<String> = matches.iter().map(|m| m.header.clone()).collect();
        let planned = self.template.targets(&headers);
        for (source, column) in matches.iter().enumerate() {
            if column.field.is_some() {
                continue;
            }
            let target = if self.template.columns.is_empty() {
                suggested[source].target.clone()
            } else {
                planned[source].clone()
            };
            let name = match target {
                Target::Field { .. } | Target::Skip => continue,
                _ => unique(&column.header),
            };
            match target {
                Target::Telcom { type_name } => mappings.telcoms.push((name.clone(), type_name)),
                Target::Address { part, type_name } => mappings
                    .addresses
                    .entry(type_name)
                    .or_default()
                    .push((name.clone(), part)),
                Target::UserField => mappings.user_fields.push(name.clone()),
                Target::Field { .. } | Target::Skip => {}
            }
            self.columns.push(OutColumn {
                source,
                name,
                field: None,
            });
        }
        if self.columns.is_empty() {
            // Known from the header on, and `finish` returns it: no record is written, so no
            // package is finished (and read back) before packing ends with this refusal.
            self.error = Some(no_column_to_pack());
        }
        for (field, values) in &self.template.value_mappings {
            let limited = matches!(field, Field::MarketSegment | Field::SalesConcept);
            if limited && mappings.fields.iter().any(|(_, f)| f == field) {
                let values = values.iter().filter(|(from, to)| from != to);
                mappings.value_mappings.insert(
                    *field,
                    values.map(|(a, b)| (a.clone(), b.clone())).collect(),
                );
            }
        }

        let mut encoded: Vec<Vec<u8>> = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            let mut bytes = Vec::new();
            encoding.encode_into(&column.name, &mut bytes);
            encoded.push(bytes);
        }
        let mut header_row = Vec::new();
        self.csv
            .record(encoded.iter().map(Vec::as_slice), &mut header_row);

        let file = PackageFile {
            csv_name: self.csv_name.clone(),
            category: self.template.category.clone(),
        };
        let xml_files = vec![
            (
                names::FILE_MAPPINGS.to_string(),
                xml::file_mappings(encoding, &[file]),
            ),
            (
                xml::mappings_name(&self.csv_name),
                xml::field_mappings(&self.csv_name, &mappings),
            ),
        ];
        // The central directory: 46 bytes and the name per entry, then the 22-byte end record;
        // a margin covers the end of the compressed stream.
        let entries =
            xml_files.iter().map(|(name, _)| name.len()).sum::<usize>() + self.csv_name.len();
        let layout = PackageLayout {
            csv_name: self.csv_name.clone(),
            header_row,
            xml_files,
            tail: (46 * 3 + entries + 22 + 64) as u64,
            max_package_bytes: self.options.max_package_bytes,
        };
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
    /// normalised, cut as the CRM would.
    fn clean(&mut self, field: Option<Field>, raw: &str, value: &mut String) {
        value.clear();
        let trimmed = trim(raw);
        match field {
            Some(Field::MarketSegment) if !trimmed.is_empty() => {
                value.push_str(&self.segments.written(trimmed));
            }
            Some(Field::SalesConcept) if !trimmed.is_empty() => {
                value.push_str(&self.concepts.written(trimmed));
            }
            _ => value.push_str(trimmed),
        }
        if let Some(max) = field.and_then(Field::max_chars)
            && !self.options.keep_long_values
            && value.len() > max
            && let Some((cut, _)) = value.char_indices().nth(max)
        {
            value.truncate(cut);
        }
        if self.options.unrepresentable == Unrepresentable::Replace
            && self
                .options
                .output_encoding
                .first_unrepresentable(value)
                .is_some()
        {
            *value = self.options.output_encoding.replace_unrepresentable(value);
        }
    }

    fn pack(&mut self, record: &Record<'_>) -> Result<(), PackError> {
        let encoding = self.options.output_encoding;
        let mut values = std::mem::take(&mut self.values);
        let columns = std::mem::take(&mut self.columns);
        // The values' buffers are kept from row to row.
        values.resize_with(columns.len(), String::new);
        for (column, value) in columns.iter().zip(values.iter_mut()) {
            let raw = record.field(column.source).unwrap_or("");
            self.clean(column.field, raw, value);
        }
        self.columns = columns;
        if self.options.unrepresentable == Unrepresentable::Refuse {
            for value in &values {
                if let Some(c) = encoding.first_unrepresentable(value) {
                    self.unrepresentable_count += 1;
                    if self.unrepresentable.len() < 10 {
                        self.unrepresentable.push((record.row, value.clone(), c));
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
    fn header(&mut self, header: &Record<'_>, columns: &[ColumnMatch]) {
        self.lay_out(header, columns);
    }

    fn record(&mut self, record: &Record<'_>, verdict: Verdict, findings: &[Finding]) {
        if self.error.is_some() {
            return;
        }
        // A broken row's values cannot be placed in columns: it is always rejected.
        let malformed = findings.iter().any(|f| f.rule == Rule::MalformedRow);
        if verdict.has_error && (!self.options.include_invalid || malformed) {
            self.reject(record, findings);
            return;
        }
        if let Err(error) = self.pack(record) {
            self.error = Some(error);
        }
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

/// Compresses `bytes` as the single entry of an archive, with exactly the method, level and
/// backend of the packages, and returns the entry's compressed size. A diagnostic for
/// benchmarks of the compressor alone (the browser benchmark sets it beside other DEFLATE
/// implementations); packing never calls it.
pub fn compressed_entry_size(bytes: &[u8]) -> Result<u64, PackError> {
    let io = |err: zip::result::ZipError| {
        PackError::Failed(format!("Leadpack could not compress the data: {err}"))
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() / 3)));
    zip.start_file("data.csv", file_options()).map_err(io)?;
    zip.write_all(bytes).map_err(|err| io(err.into()))?;
    let archive = zip.finish().map_err(io)?.into_inner();
    let mut archive = ZipArchive::new(Cursor::new(archive)).map_err(io)?;
    let entry = archive.by_index_raw(0).map_err(io)?;
    Ok(entry.compressed_size())
}

/// Reopens a package and checks its files, its row count and its values.
fn verify(
    package: usize,
    part: &AssembledPart,
    csv_name: &str,
    encoding: OutputEncoding,
    progress: &mut dyn FnMut(Verifying),
) -> Result<(), PackError> {
    let fail = |what: String| {
        PackError::Failed(format!(
            "Package {package} did not read back as written ({what}); nothing was written. Please report this problem."
        ))
    };
    let mut archive =
        ZipArchive::new(Cursor::new(&part.bytes)).map_err(|err| fail(err.to_string()))?;
    for wanted in [
        names::FILE_MAPPINGS.to_string(),
        xml::mappings_name(csv_name),
        csv_name.to_string(),
    ] {
        if archive.index_for_name(&wanted).is_none() {
            return Err(fail(format!("{wanted} is missing")));
        }
    }
    let mut mappings = String::new();
    archive
        .by_name(names::FILE_MAPPINGS)
        .map_err(|err| fail(err.to_string()))?
        .read_to_string(&mut mappings)
        .map_err(|err| fail(err.to_string()))?;
    if !mappings.contains(&format!(
        "{}=\"{}\"",
        names::ENCODING_TYPE,
        encoding.mapping_name()
    )) {
        return Err(fail("fileMappings.xml names another encoding".to_string()));
    }
    let mut reader = RecordReader::new(b',');
    let mut rows = 0u64;
    let mut header_seen = false;
    let mut checksum = FxHasher::default();
    let mut each = |record: Record<'_>| {
        if !header_seen {
            header_seen = true;
            return;
        }
        let mut row = FxHasher::default();
        for value in record.fields() {
            row.write(value.as_bytes());
            row.write_u8(0x1F);
        }
        checksum.write_u64(row.finish());
        rows += 1;
    };
    // Read piece by piece, so checking a package never holds its whole CSV. Decoded in the
    // declared encoding only: a Windows-1252 or ISO-8859-1 CSV may begin with bytes that look
    // like a byte order mark (a first header “ÿþ…” is FF FE), and must not be read as UTF-16 or
    // UTF-8 because of them.
    let mut entry = archive
        .by_name(csv_name)
        .map_err(|err| fail(err.to_string()))?;
    let mut decoder = encoding.reader().new_decoder_without_bom_handling();
    let mut input = vec![0u8; 64 << 10];
    let mut text = String::new();
    let mut state = Verifying {
        package,
        done: 0,
        total: entry.size(),
    };
    progress(state);
    loop {
        let read = entry
            .read(&mut input)
            .map_err(|err| fail(err.to_string()))?;
        let last = read == 0;
        state.done += read as u64;
        if !last {
            progress(state);
        }
        let mut pending = &input[..read];
        loop {
            text.clear();
            text.reserve(pending.len() * 3 + 16);
            let (result, used) =
                decoder.decode_to_string_without_replacement(pending, &mut text, last);
            reader.feed(&text, &mut each);
            pending = &pending[used..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    return Err(fail(
                        "the CSV is not valid in its declared encoding".to_string(),
                    ));
                }
            }
        }
        if last {
            break;
        }
    }
    reader.finish(&mut each);
    if rows != part.rows {
        return Err(fail(format!("{rows} rows instead of {}", part.rows)));
    }
    if checksum.finish() != part.checksum {
        return Err(fail("the values differ".to_string()));
    }
    state.total = state.done;
    progress(state);
    Ok(())
}

/// The corrections of a report as a CSV change log (UTF-8 with a byte order mark), if any.
pub fn changes_csv(report: &FileReport) -> Option<OutputFile> {
    if report.changes.is_empty() {
        return None;
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut csv = CsvOut::new();
    let header: [&[u8]; 5] = [b"Row", b"Column", b"Before", b"After", b"Why"];
    csv.record(header, &mut out);
    for change in &report.changes {
        let row = change.row.to_string();
        let fields = [
            &row,
            &change.column,
            &change.before,
            &change.after,
            &change.reason,
        ];
        csv.record(fields.iter().map(|f| f.as_bytes()), &mut out);
    }
    Some(OutputFile {
        name: format!("{}-changes.csv", safe_stem(&report.file)),
        kind: OutputKind::Changes,
        rows: report.changes.len() as u64,
        bytes: out,
    })
}

/// The findings of every report as one CSV (UTF-8 with a byte order mark, for spreadsheets).
pub fn findings_csv(reports: &[FileReport]) -> OutputFile {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut csv = CsvOut::new();
    let header: [&[u8]; 9] = [
        b"File",
        b"Row",
        b"Field",
        b"Rule",
        b"Severity",
        b"Value",
        b"Kept",
        b"Cut",
        b"Message",
    ];
    csv.record(header, &mut out);
    let mut rows = 0;
    for report in reports {
        for finding in &report.issues {
            let row = finding.row.to_string();
            let fields: [&str; 9] = [
                &report.file,
                &row,
                finding.field.map_or("", Field::title),
                finding.rule.id(),
                finding.severity.as_str(),
                finding.value.as_deref().unwrap_or(""),
                finding.kept.as_deref().unwrap_or(""),
                finding.cut.as_deref().unwrap_or(""),
                &finding.message,
            ];
            csv.record(fields.iter().map(|f| f.as_bytes()), &mut out);
            rows += 1;
        }
    }
    let name = match reports {
        [one] => format!("{}-findings.csv", safe_stem(&one.file)),
        _ => "findings.csv".to_string(),
    };
    OutputFile {
        name,
        kind: OutputKind::Findings,
        rows,
        bytes: out,
    }
}
