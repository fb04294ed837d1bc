//! The package writer, round trip: any bytes are checked, packed as `leadpack pack` packs them
//! (a check pass, the suggested template, then a pack pass fed in chunks, reusing the check
//! pass's findings), and every package is read back with the engine's own package reader.
//!
//! Input: 4 control bytes, then the file.
//! - byte 0: the output encoding (bits 0-1: UTF-8, Windows-1252, ISO-8859-1, UTF-8), replace
//!   unrepresentable characters (bit 2), include invalid leads (bit 3), keep long values
//!   (bit 4), write the simple lead CSV (bit 5), apply every rule again in the pack pass instead
//!   of reusing the check pass's findings (bit 6);
//! - byte 1: the package size limit (0 = the default 10 MB, else 400 + 40 × the byte, so that
//!   files are split into several packages);
//! - byte 2: the encoding to read in (low bits, 0 = detect) and the delimiter (high bits,
//!   0 = detect, 1-4 = `, ; \t |`);
//! - byte 3: the seed of the chunk sizes of the pack pass (0 = whole).
//!
//! Asserts: no panic; both passes read the file alike; packing ends in packages or in one of the
//! documented refusals (characters the encoding cannot hold; a limit too small for a row or for an
//! empty package; no column to pack); every record is either packed or rejected, never both, never
//! lost; every package is below the limit, holds exactly the fileMappings.xml CSV in the declared
//! encoding, and its rows are the ready records in file order with the values the CRM should get
//! (trimmed, cut where the report says, segments and concepts as normalised, characters the
//! encoding cannot hold replaced); the rejected rows hold each left-out record as read, with its
//! row and its reasons.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{
    CheckError, CheckOptions, ColumnMatch, DEFAULT_MAX_PACKAGE_BYTES, Edits, Field, FileChecker,
    Finding, OutputEncoding, PackError, Packer, REJECTED_PROBLEMS_COLUMN, REJECTED_ROW_COLUMN,
    ReadOptions, Record, RowSink, Rule, Severity, Target, Template, Unrepresentable, Verdict,
    check_bytes, plan_columns, read_package,
};
use leadpack_fuzz::{Chunker, DELIMITERS, encoding, split};

const NAME: &str = "leads.csv";

/// One record as the checker handed it to the packer.
struct Logged {
    row: u64,
    fields: Vec<String>,
    verdict: Verdict,
    malformed: bool,
    errors: Vec<Rule>,
}

/// Passes everything on to the packer and keeps a copy.
struct Tee {
    packer: Packer,
    header: Option<(Vec<String>, Vec<ColumnMatch>)>,
    records: Vec<Logged>,
}

impl RowSink for Tee {
    type Error = PackError;

    fn header(&mut self, header: &Record<'_>, columns: &[ColumnMatch]) -> Result<(), PackError> {
        assert!(self.header.is_none(), "one header");
        let fields = header.fields().map(str::to_string).collect();
        self.header = Some((fields, columns.to_vec()));
        self.packer.header(header, columns)
    }

    fn record(
        &mut self,
        record: &Record<'_>,
        verdict: Verdict,
        findings: &[Finding],
    ) -> Result<(), PackError> {
        self.records.push(Logged {
            row: record.row,
            fields: record.fields().map(str::to_string).collect(),
            verdict,
            malformed: findings.iter().any(|f| f.rule == Rule::MalformedRow),
            errors: findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.rule)
                .collect(),
        });
        self.packer.record(record, verdict, findings)
    }
}

/// Whether `encoding` holds `c` (worked out here, not by the engine).
fn holds(encoding: OutputEncoding, c: char) -> bool {
    match encoding {
        OutputEncoding::Utf8 => true,
        OutputEncoding::Iso8859_1 => (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)),
        OutputEncoding::Windows1252 if (0x80..=0x9F).contains(&(c as u32)) => false,
        OutputEncoding::Windows1252 => {
            let mut buffer = [0u8; 4];
            let (bytes, _, unmappable) =
                encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
            !unmappable && bytes.len() == 1
        }
    }
}

/// `text` as a package in `encoding` holds it with replacement on. The replacement itself (the
/// nearest character the encoding holds, from Unicode's decompositions and the engine's table
/// of Latin spellings) is the engine's documented one; this checks, independently, that the
/// result holds only characters the encoding holds and that a text it holds is left alone.
fn replaced(encoding: OutputEncoding, text: &str) -> String {
    let out = encoding.replace_unrepresentable(text);
    assert!(out.chars().all(|c| holds(encoding, c)), "{text:?} → {out:?}");
    if text.chars().all(|c| holds(encoding, c)) {
        assert_eq!(out, text);
    }
    out
}

/// Text in the encoding a package declares, decoded strictly.
fn decode_strictly(bytes: &[u8], encoding: OutputEncoding) -> String {
    match encoding {
        OutputEncoding::Utf8 => String::from_utf8(bytes.to_vec()).expect("the CSV is valid UTF-8"),
        OutputEncoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling_and_without_replacement(bytes)
            .expect("the CSV is valid Windows-1252")
            .into_owned(),
        OutputEncoding::Iso8859_1 => bytes
            .iter()
            .map(|&b| {
                assert!(
                    !(0x80..=0x9F).contains(&b),
                    "byte {b:#04x} is a control code in ISO-8859-1"
                );
                char::from(b)
            })
            .collect(),
    }
}

/// Every record of CSV text, header included.
fn parse_csv(text: &[u8], flexible: bool) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(flexible)
        .from_reader(text)
        .records()
        .map(|record| {
            record
                .expect("the CSV parses")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// What the package writes for each ready record: (source column, lead field) per column.
fn package_columns(template: &Template, matches: &[ColumnMatch]) -> Vec<(usize, Option<Field>)> {
    let mut columns = Vec::new();
    for field in Field::ALL {
        if let Some(source) = matches.iter().position(|m| m.field == Some(field)) {
            columns.push((source, Some(field)));
        }
    }
    let headers: Vec<String> = matches.iter().map(|m| m.header.clone()).collect();
    let targets: Vec<Target> = if template.columns.is_empty() {
        plan_columns(matches)
            .into_iter()
            .map(|plan| plan.target)
            .collect()
    } else {
        template.targets(&headers)
    };
    for (source, column) in matches.iter().enumerate() {
        if column.field.is_none() && !matches!(targets[source], Target::Field { .. } | Target::Skip)
        {
            columns.push((source, None));
        }
    }
    columns
}

#[global_allocator]
static ALLOCATOR: leadpack_fuzz::LimitedAllocator = leadpack_fuzz::LimitedAllocator;

fuzz_target!(|data: &[u8]| {
    let (control, bytes) = split::<4>(data);
    let output = match control[0] & 0x03 {
        1 => OutputEncoding::Windows1252,
        2 => OutputEncoding::Iso8859_1,
        _ => OutputEncoding::Utf8,
    };
    let replace = control[0] & 0x04 != 0;
    let include_invalid = control[0] & 0x08 != 0;
    let keep_long_values = control[0] & 0x10 != 0;
    let simple_csv = control[0] & 0x20 != 0;
    let rules_again = control[0] & 0x40 != 0;
    let limit = match control[1] {
        0 => DEFAULT_MAX_PACKAGE_BYTES,
        byte => 400 + 40 * u64::from(byte),
    };
    let read_encoding = encoding(control[2] & 0x0F);
    let delimiter = match control[2] >> 4 {
        n @ 1..=4 => Some(DELIMITERS[usize::from(n) - 1]),
        _ => None,
    };
    let size_hint = Some(bytes.len() as u64);

    // The check pass, as `leadpack pack` runs it without a template.
    let read = ReadOptions {
        encoding: read_encoding,
        delimiter,
        size_hint,
        ..ReadOptions::default()
    };
    let first = CheckOptions {
        read,
        ..CheckOptions::default()
    };
    let Ok(first) = check_bytes(NAME, bytes, first) else {
        return;
    };
    let first = std::sync::Arc::new(first);
    let mut template = Template::suggested(&first);
    template.options.output_encoding = output;
    template.options.unrepresentable = if replace {
        Unrepresentable::Replace
    } else {
        Unrepresentable::Refuse
    };
    template.options.max_package_bytes = limit;
    template.options.include_invalid = include_invalid;
    template.options.keep_long_values = keep_long_values;
    template.options.simple_csv = simple_csv;

    // The pack pass, with the packer as the checker's sink.
    let options = CheckOptions::for_build(&template, read, Edits::default());
    let mut checker = FileChecker::new(NAME, options);
    if !rules_again {
        checker = checker.reusing(std::sync::Arc::clone(&first));
    }
    let mut tee = Tee {
        packer: Packer::new(NAME, &template),
        header: None,
        records: Vec::new(),
    };
    let fed = match Chunker::new(u16::from(control[3])) {
        None => checker.feed_with(bytes, &mut tee),
        Some(mut chunker) => chunker.for_each(bytes, |chunk| checker.feed_with(chunk, &mut tee)),
    };
    // The packer stops the pass as soon as it cannot go on; otherwise it packs every record.
    let checked = fed.and_then(|()| checker.finish_with(&mut tee));
    let (report, packed) = match checked {
        Ok(report) => {
            assert_eq!(report.summary.records, first.summary.records);
            assert_eq!(report.summary.with_errors, first.summary.with_errors);
            assert_eq!(tee.records.len() as u64, report.summary.records);
            let packed = tee.packer.finish(&report);
            (Some(report), packed)
        }
        Err(CheckError::Sink(error)) => (None, Err(error)),
        Err(CheckError::Read(error)) => {
            panic!("the pack pass reads what the check pass read: {error}")
        }
    };
    let Tee {
        header, records, ..
    } = tee;
    let outcome = match packed {
        Ok(outcome) => outcome,
        Err(PackError::Refused(message)) => {
            assert!(
                output != OutputEncoding::Utf8 && !replace,
                "only characters an encoding cannot hold are refused: {message}"
            );
            return;
        }
        Err(PackError::Failed(message)) => {
            if message.starts_with("No column goes into the package") {
                let (_, matches) = header.as_ref().expect("a report has a header");
                assert!(package_columns(&template, matches).is_empty(), "{message}");
                return;
            }
            assert!(
                limit < DEFAULT_MAX_PACKAGE_BYTES
                    && (message.contains("is too small even for a package without leads")
                        || message.contains("is too large to fit in a package below")),
                "packing failed: {message}"
            );
            return;
        }
    };
    let (source_header, matches) = header.expect("a report has a header");
    let report = report.expect("a pack that succeeded has a report");

    // Every record goes to exactly one place.
    let records_read = report.summary.records;
    assert_eq!(outcome.records, records_read);
    assert_eq!(outcome.packaged + outcome.rejected_rows, records_read);
    let (rejected, packed): (Vec<&Logged>, Vec<&Logged>) = records
        .iter()
        .partition(|r| r.verdict.has_error && (!include_invalid || r.malformed));
    assert_eq!(outcome.packaged, packed.len() as u64);
    assert_eq!(outcome.rejected_rows, rejected.len() as u64);

    // The values each packed record should come out with.
    let mut written: BTreeMap<(u64, Field), String> = BTreeMap::new();
    let mut cut: BTreeMap<(u64, Field), String> = BTreeMap::new();
    // The pack pass previews a too-long value as the package writes it (replaced, then cut).
    for finding in &report.issues {
        let Some(field) = finding.field else { continue };
        match finding.rule {
            Rule::TooLong => {
                if let Some(kept) = &finding.kept {
                    cut.insert((finding.row, field), kept.clone());
                }
            }
            Rule::SegmentNormalised | Rule::ConceptNormalised => {
                if let Some(to) = &finding.suggestion {
                    written.insert((finding.row, field), to.clone());
                }
            }
            _ => {}
        }
    }
    let columns = package_columns(&template, &matches);
    let expected: Vec<(u64, Vec<String>)> = packed
        .iter()
        .map(|record| {
            let values = columns
                .iter()
                .map(|&(source, field)| {
                    let raw = record.fields.get(source).map_or("", String::as_str);
                    let key = field.map(|field| (record.row, field));
                    let value = match key {
                        Some(key) if written.contains_key(&key) => written[&key].clone(),
                        Some(key) if !keep_long_values && cut.contains_key(&key) => {
                            cut[&key].clone()
                        }
                        _ => raw.trim().to_string(),
                    };
                    replaced(output, &value)
                })
                .collect();
            (record.row, values)
        })
        .collect();

    // Every package, read back with the engine's package reader.
    assert!(!outcome.packages.is_empty(), "a file always gets a package");
    let mut rows = expected.iter();
    for package in &outcome.packages {
        assert!(
            (package.bytes.len() as u64) < limit,
            "{} is not below {limit}",
            package.name
        );
        let csvs = read_package(&package.name, &package.bytes)
            .unwrap_or_else(|err| panic!("{} reads back: {err}", package.name));
        assert_eq!(csvs.len(), 1);
        assert_eq!(csvs[0].name, "leads.csv");
        assert_eq!(csvs[0].encoding, output);
        let text = decode_strictly(&csvs[0].bytes, output);
        let csv = parse_csv(text.as_bytes(), false);
        let (titles, values) = csv.split_first().expect("the package CSV has a header");
        assert_eq!(titles.len(), columns.len(), "{titles:?}");
        for (title, (_, field)) in titles.iter().zip(&columns) {
            if let Some(field) = field {
                assert_eq!(title, field.title());
            }
            assert!(!title.is_empty());
        }
        let mut distinct: Vec<String> = titles.iter().map(|t| t.to_ascii_lowercase()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            titles.len(),
            "titles are distinct: {titles:?}"
        );
        assert_eq!(
            values.len() as u64,
            package.rows,
            "rows of {}",
            package.name
        );
        for got in values {
            let (row, wanted) = rows.next().expect("no more rows than the packed records");
            assert_eq!(got, wanted, "row {row} in {}", package.name);
        }
    }
    assert!(rows.next().is_none(), "every packed record is in a package");

    // The rejected rows keep every left-out record as read, with its row and its reasons.
    match &outcome.rejected {
        None => assert!(rejected.is_empty()),
        Some(file) => {
            assert_eq!(file.rows, rejected.len() as u64);
            let text = file
                .bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .expect("a byte order mark");
            let mut csv = parse_csv(text, true);
            // The csv crate drops a byte order mark that starts its input: here it is the
            // first character of the first title (U+FEFF), after the file's own mark.
            if text.starts_with(b"\xEF\xBB\xBF") {
                csv[0][0].insert(0, '\u{FEFF}');
            }
            let mut wanted_header = source_header.clone();
            wanted_header.extend([
                REJECTED_ROW_COLUMN.to_string(),
                REJECTED_PROBLEMS_COLUMN.to_string(),
            ]);
            assert_eq!(csv[0], wanted_header);
            assert_eq!(csv.len() - 1, rejected.len());
            for (got, record) in csv[1..].iter().zip(&rejected) {
                let n = got.len();
                assert_eq!(
                    &got[..n - 2],
                    record.fields.as_slice(),
                    "rejected row {}",
                    record.row
                );
                assert_eq!(got[n - 2], record.row.to_string());
                for rule in &record.errors {
                    assert!(
                        got[n - 1].contains(rule.label()),
                        "row {}: {}",
                        record.row,
                        got[n - 1]
                    );
                }
            }
        }
    }

    if simple_csv {
        let simple = outcome.simple.as_ref().expect("the simple lead CSV");
        let records = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&simple.bytes[..])
            .byte_records()
            .map(|record| record.expect("the simple CSV parses").len())
            .collect::<Vec<_>>();
        assert_eq!(records.len() as u64, outcome.packaged + 1);
        assert!(records.iter().all(|&n| n == Field::ALL.len()));
    }
});
