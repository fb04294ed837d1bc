//! Hostile input through the engine: empty, binary, mis-encoded, broken and oversized files, and
//! archives built to escape or explode (see tests/fixtures/hostile/README.md). Nothing may crash
//! or hang; every refusal must say what is wrong, where, and what to do; and every record read
//! must end up packed or rejected. The command-line tool meets the same cases in its own tests
//! (crates/cli/tests/hostile.rs).

use crate::shared::{
    ABSOLUTE_PATH_REFUSAL, Faults, HEADER_QUOTE_REFUSAL, HEADER_TOO_LONG_REFUSAL,
    LISTED_TWICE_REFUSAL, LYING_SIZE_REFUSAL, NO_LEADS_REFUSAL, NOT_A_PACKAGE_REFUSAL,
    NOT_A_ZIP_REFUSAL, PARENT_PATH_REFUSAL, WIDE_COLUMNS, ZIP_BOMB_REFUSAL, assert_says,
    big_value_file, compressible_leads, csv_records, damaged_midway, damaged_refusal,
    formulas_behind_whitespace, header_quote_files, hostile_bytes, late_invalid_file,
    late_nul_file, long_header_file, no_header_refusal, package_of_copies, rows_in_package,
    separator_line_files, wide_file, xml_attributes, zip_entries,
};
use crate::util::{CHUNK, pack_pass};
use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use leadpack_engine::{
    Built, CheckOptions, ColumnPlan, Edits, Field, FileChecker, FileReport, Finding, Fix,
    HEADER_LIMIT, OutputEncoding, PackError, PackJob, PackOutcome, PackageEntry, PackageReader,
    ReadError, ReadErrorKind, ReadOptions, RowSink, Rule, SNIFF_BYTES, Target, Template,
    check_bytes, delimiter_label, read_package,
};

// ---------------------------------------------------------------------------------------------
// Helpers: the engine as the command-line tool runs it, and what must hold of what it wrote.
// ---------------------------------------------------------------------------------------------

/// Every record read was judged: ready or with errors, nothing in between.
#[track_caller]
fn assert_all_judged(report: &FileReport) {
    let summary = report.summary;
    assert_eq!(
        summary.ready + summary.with_errors,
        summary.records,
        "{}: {summary:?}",
        report.file
    );
    assert_eq!(report.rows, summary.records, "{}", report.file);
}

/// The text of the CSV inside a package (every package here is UTF-8).
fn package_csv(name: &str, bytes: &[u8]) -> String {
    let csvs = read_package(name, bytes).expect("the package opens again");
    assert_eq!(csvs.len(), 1, "{name} holds one CSV");
    String::from_utf8(csvs[0].bytes.clone()).expect("the package CSV is UTF-8")
}

/// What the engine came to when packing a file as `leadpack pack` does without a template.
struct EnginePack {
    /// The report of the first pass, a plain check.
    first: Option<FileReport>,
    /// The report of the pack pass (its mapping is the suggested template's, so it has no
    /// findings about how columns were matched).
    report: FileReport,
    outcome: Result<PackOutcome, PackError>,
}

impl EnginePack {
    #[track_caller]
    fn outcome(&self) -> &PackOutcome {
        match &self.outcome {
            Ok(outcome) => outcome,
            Err(err) => panic!("{}: packing failed: {err}", self.report.file),
        }
    }
}

/// A check pass, the suggested template, then the pack pass with the packer as the checker's sink,
/// in chunks of 1 MiB, as the command-line tool does.
fn engine_pack(name: &str, bytes: &[u8]) -> Result<EnginePack, ReadError> {
    let read = ReadOptions {
        size_hint: Some(bytes.len() as u64),
        ..ReadOptions::default()
    };
    let first = check_bytes(
        name,
        bytes,
        CheckOptions {
            read,
            ..CheckOptions::default()
        },
    )?;
    let template = Template::suggested(&first);
    let mut packed = engine_pack_pass(name, bytes, read, &template)?;
    packed.first = Some(first);
    Ok(packed)
}

/// The pack pass alone, in chunks of 1 MiB.
fn engine_pack_pass(
    name: &str,
    bytes: &[u8],
    read: ReadOptions,
    template: &Template,
) -> Result<EnginePack, ReadError> {
    let (report, outcome) = pack_pass(name, bytes, CHUNK, template, read, None)?;
    Ok(EnginePack {
        first: None,
        report,
        outcome,
    })
}

/// Every record went to exactly one place, and the files say so when read back.
#[track_caller]
fn assert_nothing_lost(report: &FileReport, outcome: &PackOutcome) {
    assert_all_judged(report);
    assert_eq!(outcome.records, report.summary.records, "{}", report.file);
    assert_eq!(
        outcome.packaged + outcome.rejected_rows,
        outcome.records,
        "{}: {} packed + {} rejected",
        report.file,
        outcome.packaged,
        outcome.rejected_rows
    );
    let packed: u64 = outcome
        .packages
        .iter()
        .map(|package| {
            let rows = rows_in_package(&package.name, &package.bytes);
            assert_eq!(rows, package.rows, "{}", package.name);
            rows
        })
        .sum();
    assert_eq!(
        packed, outcome.packaged,
        "{}: rows in the packages",
        report.file
    );
    let rejected = outcome
        .rejected
        .as_ref()
        .map_or(0, |file| csv_records(&file.bytes));
    assert_eq!(
        rejected, outcome.rejected_rows,
        "{}: rows in the rejected rows file",
        report.file
    );
}

/// The first finding of `rule`, if any.
fn find(report: &FileReport, rule: Rule) -> Option<Finding> {
    report.issues.iter().find(|finding| finding.rule == rule)
}

/// (row, field key or "", rule id) of every finding.
fn findings(report: &FileReport) -> Vec<(u64, String, String)> {
    report
        .issues
        .iter()
        .map(|f| {
            (
                f.row,
                f.field
                    .map_or(String::new(), |field| field.key().to_string()),
                f.rule.id().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Empty and headerless files.
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_is_refused_with_what_to_do() {
    let err = check_bytes(
        "empty.csv",
        &hostile_bytes("empty.csv"),
        CheckOptions::default(),
    )
    .expect_err("an empty file has no report");
    assert_eq!(err.kind, ReadErrorKind::Empty);
    assert_eq!(err.file, "empty.csv");
    assert_says(
        &err.to_string(),
        &[
            "empty.csv",
            "is empty",
            "Choose the file that holds your leads",
        ],
    );
    assert!(engine_pack("empty.csv", b"").is_err());
}

#[test]
fn byte_order_mark_only_and_blank_lines_only_are_refused() {
    for name in ["bom-only.csv", "blank-lines-only.csv"] {
        let err = check_bytes(name, &hostile_bytes(name), CheckOptions::default())
            .expect_err("no header, no report");
        assert_eq!(err.kind, ReadErrorKind::NoHeader, "{name}");
        let words = no_header_refusal(name);
        assert_says(&err.to_string(), &words);
    }
}

#[test]
fn a_header_without_leads_is_refused_with_what_to_do() {
    let mut files = vec![(
        "header-only.csv".to_string(),
        hostile_bytes("header-only.csv"),
    )];
    for (i, tail) in ["", "\n", "\r\n\r\n", "\n\n\n"].into_iter().enumerate() {
        files.push((
            format!("header-{i}.csv"),
            format!("First Name,Last Name,Email Address{tail}").into_bytes(),
        ));
    }
    files.push((
        "sep-and-header.csv".into(),
        b"sep=;\nFirst Name;Last Name\n".to_vec(),
    ));
    for (name, bytes) in files {
        let err = check_bytes(&name, &bytes, CheckOptions::default())
            .expect_err("a header alone has nothing to check");
        assert_eq!(err.kind, ReadErrorKind::NoLeads, "{name}");
        assert_says(
            &err.to_string(),
            &[
                &name,
                NO_LEADS_REFUSAL[0],
                NO_LEADS_REFUSAL[1],
                NO_LEADS_REFUSAL[2],
            ],
        );
        // Chunk by chunk, and when packing, the same.
        let mut checker = FileChecker::new(&name, CheckOptions::default());
        for piece in bytes.chunks(3) {
            checker.feed(piece).expect("nothing wrong yet");
        }
        assert_eq!(checker.finish().map(|_| ()), Err(err), "{name} in chunks");
        let packed = engine_pack(&name, &bytes).map(|_| ());
        assert!(
            matches!(&packed, Err(e) if e.kind == ReadErrorKind::NoLeads),
            "{name}: {packed:?}"
        );
    }
}

#[test]
fn an_excel_separator_line_names_the_delimiter_and_is_no_row() {
    for (name, bytes, delimiter) in separator_line_files() {
        let report = check_bytes(&name, &bytes, CheckOptions::default()).expect("readable");
        assert_eq!(report.delimiter, delimiter_label(delimiter), "{name}");
        assert_eq!(report.header_row, 1, "{name}");
        assert_eq!(report.summary.records, 2, "{name}");
        assert_eq!(report.summary.ready, 2, "{name}: {:?}", report.issues);
        assert_eq!(report.summary.blank_rows, 0, "{name}");
        assert_eq!(
            report.columns[3].column.field,
            Some(Field::Company),
            "{name}: the company column is found"
        );
        assert!(
            report.notes.iter().any(|n| n.contains("sep=")),
            "{name}: {:?}",
            report.notes
        );
        // The same in chunks of any size, and in the package.
        for size in [1, 2, 5, 7] {
            let mut checker = FileChecker::new(&name, CheckOptions::default());
            for piece in bytes.chunks(size) {
                checker.feed(piece).expect("readable");
            }
            assert_eq!(
                checker.finish().as_ref(),
                Ok(&report),
                "{name} in chunks of {size}"
            );
        }
        let packed = engine_pack(&name, &bytes).expect("readable");
        let outcome = packed.outcome();
        assert_eq!(outcome.packaged, 2, "{name}");
        let csv = package_csv(&name, &outcome.packages[0].bytes);
        assert!(!csv.contains("sep="), "{name}: {csv}");
        assert!(
            csv.contains("Smith, Jones, and Partners, Inc."),
            "{name}: {csv}"
        );
    }
}

#[test]
fn a_chosen_delimiter_wins_over_the_separator_line_which_is_still_no_row() {
    let bytes = b"sep=;\nFirst Name,Last Name,Email Address\nAnn,Lee,ann@example.com\n";
    let options = CheckOptions {
        read: ReadOptions {
            delimiter: Some(b','),
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    let report = check_bytes("chosen.csv", bytes, options).expect("readable");
    assert_eq!(report.delimiter, ",");
    assert_eq!(
        (
            report.header_row,
            report.summary.records,
            report.summary.ready
        ),
        (1, 1, 1)
    );
}

#[test]
fn a_first_line_that_only_looks_like_a_separator_line_is_the_header() {
    // `Sep` is a column here: no hint, the header is read as usual.
    let bytes = b"sep=;x,First Name,Last Name,Email Address\n1,Ann,Lee,ann@example.com\n";
    let report = check_bytes("not-a-hint.csv", bytes, CheckOptions::default()).expect("readable");
    assert_eq!(report.delimiter, ",");
    assert_eq!(report.columns[0].column.header, "sep=;x");
    assert!(
        report.notes.iter().all(|n| !n.contains("sep=")),
        "{:?}",
        report.notes
    );
}

#[test]
fn a_header_longer_than_the_first_megabyte_is_read_whole() {
    for size in [SNIFF_BYTES + 10, 5 * SNIFF_BYTES / 2] {
        let bytes = long_header_file(size);
        let whole = check_bytes("long-header.csv", &bytes, CheckOptions::default())
            .unwrap_or_else(|e| panic!("a header of {size} bytes: {e}"));
        assert_eq!(whole.summary.records, 2, "{size}");
        assert_eq!(whole.summary.ready, 2, "{size}: {:?}", whole.issues.get(0));
        assert!(
            whole.columns.len() > size / 120,
            "{size}: {} columns",
            whole.columns.len()
        );
        assert_eq!(whole.columns[2].column.field, Some(Field::Email));
        // Arriving in pieces of any size, the header is widened the same way.
        for chunk in [4096, CHUNK, 5 * CHUNK / 3] {
            let mut checker = FileChecker::new("long-header.csv", CheckOptions::default());
            for piece in bytes.chunks(chunk) {
                checker.feed(piece).expect("readable");
            }
            assert_eq!(
                checker.finish().as_ref(),
                Ok(&whole),
                "{size} in chunks of {chunk}"
            );
        }
    }
}

/// A header past the first megabyte that arrives in one piece with the records after it is
/// read as soon as that piece is: the checker does not wait for more of the file first (the
/// page shows the columns, and a sink gets the header, while the rest is still on its way).
#[test]
fn a_long_header_arriving_in_one_piece_is_read_at_once() {
    struct Header(usize);
    impl RowSink for Header {
        type Error = std::convert::Infallible;
        fn header(
            &mut self,
            _: &leadpack_engine::Record<'_>,
            columns: &[leadpack_engine::ColumnMatch],
        ) -> Result<(), Self::Error> {
            self.0 = columns.len();
            Ok(())
        }
        fn record(
            &mut self,
            _: &leadpack_engine::Record<'_>,
            _: leadpack_engine::Verdict,
            _: &[leadpack_engine::Finding],
        ) -> Result<(), Self::Error> {
            Ok(())
        }
    }
    let mut bytes = long_header_file(SNIFF_BYTES + 10);
    let lead = bytes[bytes.len() / 2..]
        .split(|&b| b == b'\n')
        .rev()
        .nth(1)
        .expect("the last lead")
        .to_vec();
    // Twice the first megabyte in all: the widened sample is there in full.
    while bytes.len() < 2 * SNIFF_BYTES + 4096 {
        bytes.extend_from_slice(&lead);
        bytes.push(b'\n');
    }
    // The widened sample (twice the first megabyte) arrives exactly, or with more after it.
    for first in [2 * SNIFF_BYTES, bytes.len()] {
        let mut checker = FileChecker::new("long-header.csv", CheckOptions::default());
        let mut sink = Header(0);
        checker
            .feed_with(&bytes[..first], &mut sink)
            .expect("readable");
        assert!(
            sink.0 > SNIFF_BYTES / 120,
            "{first} bytes: the header was read: {} columns",
            sink.0
        );
        checker
            .feed_with(&bytes[first..], &mut sink)
            .expect("readable");
        let report = checker.finish_with(&mut sink).expect("a report");
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(report.summary.records, lines - 1);
        assert_eq!(report.summary.records, report.summary.ready);
    }
}

#[test]
fn a_first_row_past_the_header_limit_has_its_own_message() {
    // One line of commas and letters, and one that opens a quote and never closes it.
    let mut endless = b"First Name,Last Name,".to_vec();
    endless.resize(HEADER_LIMIT + 100, b'x');
    let mut quoted = b"First Name,\"Last Name\n".to_vec();
    while quoted.len() <= HEADER_LIMIT + 100 {
        quoted.extend_from_slice(b"Ann,Lee,ann@example.com\n");
    }
    for (name, bytes, kind, words) in [
        (
            "endless.csv",
            endless,
            ReadErrorKind::HeaderTooLong,
            HEADER_TOO_LONG_REFUSAL,
        ),
        (
            "open-quote.csv",
            quoted,
            ReadErrorKind::HeaderQuote { column: None },
            HEADER_QUOTE_REFUSAL,
        ),
    ] {
        let mut checker = FileChecker::new(name, CheckOptions::default());
        let mut refused = None;
        for piece in bytes.chunks(CHUNK) {
            if let Err(err) = checker.feed(piece) {
                refused = Some(err);
                break;
            }
        }
        let err = refused.expect("refused before the end of the file");
        assert_eq!(err.kind, kind, "{name}");
        assert_says(&err.to_string(), &[name, words[0], words[1], words[2]]);
    }
}

#[test]
fn a_quote_opened_in_the_header_is_refused_and_no_lead_goes_missing() {
    for (name, bytes, column) in header_quote_files() {
        let err = check_bytes(name, &bytes, CheckOptions::default())
            .expect_err("the header swallows the file");
        assert_eq!(
            err.kind,
            ReadErrorKind::HeaderQuote {
                column: Some(column)
            },
            "{name}"
        );
        assert_says(
            &err.to_string(),
            &[
                name,
                HEADER_QUOTE_REFUSAL[0],
                HEADER_QUOTE_REFUSAL[1],
                HEADER_QUOTE_REFUSAL[2],
                &format!("column {column}"),
            ],
        );
        let mut checker = FileChecker::new(name, CheckOptions::default());
        let mut fed = Ok(());
        for piece in bytes.chunks(4096) {
            fed = checker.feed(piece);
            if fed.is_err() {
                break;
            }
        }
        let chunked = fed.and_then(|()| checker.finish().map(|_| ()));
        assert_eq!(chunked, Err(err), "{name} in chunks");
        assert!(
            engine_pack(name, &bytes).is_err(),
            "{name}: nothing is packed"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Files that are not CSV text.
// ---------------------------------------------------------------------------------------------

#[test]
fn png_named_csv_is_refused_as_an_image() {
    let err = check_bytes(
        "png-image.csv",
        &hostile_bytes("png-image.csv"),
        CheckOptions::default(),
    )
    .expect_err("an image is not CSV");
    assert!(matches!(err.kind, ReadErrorKind::Binary { .. }), "{err:?}");
    assert_says(
        &err.to_string(),
        &[
            "png-image.csv",
            "not a CSV file",
            "PNG image",
            "Choose the CSV file",
        ],
    );
}

#[test]
fn xlsx_named_csv_says_save_as_csv() {
    let err = check_bytes(
        "workbook.csv",
        &hostile_bytes("workbook.csv"),
        CheckOptions::default(),
    )
    .expect_err("a workbook is not CSV");
    assert!(matches!(err.kind, ReadErrorKind::Binary { .. }), "{err:?}");
    assert_says(
        &err.to_string(),
        &[
            "workbook.csv",
            "Excel workbook (.xlsx)",
            "Save As",
            "CSV UTF-8",
        ],
    );
}

#[test]
fn nul_bytes_are_refused_with_where_and_what_to_do() {
    let bytes = hostile_bytes("nul-bytes.csv");
    let at = bytes
        .iter()
        .position(|&b| b == 0)
        .expect("the fixture holds a NUL") as u64;
    let err = check_bytes("nul-bytes.csv", &bytes, CheckOptions::default())
        .expect_err("NUL bytes are not text");
    assert_eq!(err.kind, ReadErrorKind::NulBytes { offset: at });
    assert_says(
        &err.to_string(),
        &[
            "nul-bytes.csv",
            "NUL bytes",
            &format!("byte {at}"),
            "Export the leads again as CSV",
        ],
    );
}

/// A NUL byte after the first MiB (the sample that decides the encoding) is not refused: it is
/// read as a control character, and its row is named.
#[test]
fn nul_byte_after_the_first_mib_is_named_by_its_row() {
    let bytes = late_nul_file();
    let row = 25_002u64;

    let packed = engine_pack("late-nul.csv", &bytes).expect("readable");
    let report = &packed.report;
    assert_nothing_lost(report, packed.outcome());
    assert_eq!(report.summary.records, 25_001);
    let hidden = find(report, Rule::HiddenCharacters).expect("the NUL is reported");
    assert_eq!((hidden.row, hidden.field), (row, Some(Field::FirstName)));
    assert_says(&hidden.message, &["control character", "Remove them"]);
}

// ---------------------------------------------------------------------------------------------
// Encodings.
// ---------------------------------------------------------------------------------------------

/// One stray Windows-1252 byte (row 4) in a file that is otherwise UTF-8: the file stays UTF-8,
/// row 4 is named with its column and what the byte was read as, and the package holds every
/// name whole.
#[test]
fn invalid_utf8_in_a_utf8_file_names_its_row_and_keeps_the_good_accents() {
    let bytes = hostile_bytes("invalid-utf8.csv");
    let packed = engine_pack("invalid-utf8.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.summary.records, 4);
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(
        findings(report),
        [(4, "firstName".to_string(), "invalid-encoding".to_string())]
    );
    assert_says(
        &report.issues.to_vec()[0].message,
        &[
            "First Name (“Renée”) has a byte that is not valid UTF-8",
            "Read as Windows-1252 it is “é”",
        ],
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("Read as UTF-8") && n.contains("1 row(s)")),
        "{:?}",
        report.notes
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(&csv, &["Zoë", "García", "Søren", "Renée"]);
}

#[test]
fn invalid_utf8_after_the_first_mib_is_a_warning_on_its_row() {
    let bytes = late_invalid_file();
    let row = 25_002u64;

    let packed = engine_pack("late-invalid.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(report.summary.records, 25_002);
    assert_eq!(
        findings(report),
        [(row, "firstName".to_string(), "invalid-encoding".to_string())]
    );
    assert_says(
        &report.issues.to_vec()[0].message,
        &[
            "First Name (“Renée”) has a byte that is not valid UTF-8",
            "Read as Windows-1252 it is “é”",
            "save the file as CSV UTF-8",
        ],
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert!(csv.contains("Renée,Martin") && csv.contains("Søren,Kierkegaard"));
}

/// A file saved by Excel for Mac as “CSV (Macintosh)”: Mac Roman, lines ended by CR. Read as
/// Windows-1252 its names came out as “Zo‘” and “MŸller”, with only the generic note.
#[test]
fn mac_roman_file_is_read_as_mac_roman_and_said() {
    let bytes = hostile_bytes("mac-roman.csv");
    let packed = engine_pack("mac-roman.csv", &bytes).expect("readable");
    let report = &packed.report;
    assert_nothing_lost(report, packed.outcome());
    assert_eq!(report.encoding, "macintosh");
    assert_eq!((report.summary.records, report.summary.ready), (5, 5));
    assert_eq!(findings(report), []);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert_says(
        &report.notes[0],
        &[
            "Read as Mac Roman (the encoding of Excel for Mac",
            "which Windows-1252 would read as",
        ],
    );
    let outcome = packed.outcome();
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(
        &csv,
        &[
            "Zoë,Lefèvre",
            "Jürgen,Müller",
            "José,García",
            "Søren,Kierkegaard",
            "Anaïs,O’Brien",
            "Müller & Söhne",
            "Café Noël",
        ],
    );
}

/// Latin-9, written by older Linux and Unix programs: `Š`, `Ž`, `œ` and `Œ` where Windows-1252
/// has `¦`, `´`, `½` and `¼`.
#[test]
fn iso_8859_15_file_is_read_as_iso_8859_15_and_said() {
    let bytes = hostile_bytes("iso-8859-15.csv");
    let packed = engine_pack("iso-8859-15.csv", &bytes).expect("readable");
    let report = &packed.report;
    assert_nothing_lost(report, packed.outcome());
    assert_eq!(report.encoding, "iso-8859-15");
    assert_eq!((report.summary.records, report.summary.ready), (4, 4));
    assert_eq!(findings(report), []);
    assert_says(
        &report.notes[0],
        &[
            "Read as ISO-8859-15 (Latin-9",
            "which Windows-1252 would read as",
        ],
    );
    let outcome = packed.outcome();
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(
        &csv,
        &[
            "Šárka,Žáková",
            "Zoë,Lebœuf",
            "Tomáš,Kuželová",
            "Œuvre & Cie",
            "Jens,Østergård",
        ],
    );
}

/// Three UTF-8 rows and five rows pasted in from a Windows-1252 file (more than half): the file
/// stays UTF-8, and each of the five is named with its columns and what the bytes were read as.
#[test]
fn utf8_file_with_windows_1252_rows_stays_utf8_and_names_each_row() {
    let bytes = hostile_bytes("utf8-with-windows-1252-rows.csv");
    let packed = engine_pack("utf8-with-windows-1252-rows.csv", &bytes).expect("readable");
    let report = &packed.report;
    assert_nothing_lost(report, packed.outcome());
    assert_eq!(report.encoding, "utf-8");
    assert_eq!((report.summary.records, report.summary.ready), (8, 8));
    let invalid = |row: u64, field: &str| (row, field.to_string(), "invalid-encoding".to_string());
    assert_eq!(
        findings(report),
        [
            invalid(3, "firstName"),
            invalid(5, ""),
            invalid(6, ""),
            invalid(8, ""),
            invalid(9, ""),
        ]
    );
    assert_says(
        &report.issues.to_vec()[1].message,
        &[
            "First Name (“Jürgen”), Last Name (“Müller”) and Company (“Müller & Söhne”) have bytes \
             that are not valid UTF-8",
            "Read as Windows-1252 they are “ü” and “ö”, and the package holds the values so",
        ],
    );
    assert_says(
        &report.notes[0],
        &[
            "Read as UTF-8",
            "5 row(s) hold bytes that are not valid UTF-8",
        ],
    );
    let outcome = packed.outcome();
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(
        &csv,
        &[
            "Zoë,Whitfield",
            "Hélène,Dubois",
            "José,García",
            "Jürgen,Müller",
            "Müller & Söhne",
            "Anaïs,Lefèvre",
            "Søren,Kierkegaard",
            "Begoña,Ibáñez",
            "Noël,Renée",
        ],
    );
}

#[test]
fn utf16le_without_bom_is_read_and_said() {
    let bytes = hostile_bytes("utf16le-no-bom.csv");
    let packed = engine_pack("utf16le-no-bom.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.encoding, "utf-16le");
    assert_eq!((report.summary.records, report.summary.ready), (3, 3));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("UTF-16LE") && n.contains("no byte order mark")),
        "{:?}",
        report.notes
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(&csv, &["Zoë,Whitfield", "José,García", "Hannah,Müller"]);
}

// ---------------------------------------------------------------------------------------------
// Broken CSV structure.
// ---------------------------------------------------------------------------------------------

#[test]
fn unterminated_quote_is_a_broken_row_kept_whole_in_the_rejected_rows() {
    let bytes = hostile_bytes("unterminated-quote.csv");
    let packed = engine_pack("unterminated-quote.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    // Row 3 opens a quote that never closes: it swallows row 4, and is one broken record.
    assert_eq!(report.summary.records, 2);
    assert_eq!(
        findings(report),
        [(3, String::new(), "malformed-row".to_string())]
    );
    assert_says(
        &report.issues.to_vec()[0].message,
        &["quote", "never closed", "Close the quote or remove it"],
    );
    let rejected = outcome.rejected.as_ref().expect("a rejected rows file");
    let text = String::from_utf8_lossy(&rejected.bytes);
    assert_says(&text, &["U2,Bob", "U3,Cara,Diaz", ",3,Broken row"]);
}

#[test]
fn mixed_line_endings_give_the_rows_a_spreadsheet_shows() {
    let bytes = hostile_bytes("mixed-line-endings.csv");
    let packed = engine_pack("mixed-line-endings.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.summary.records, 5);
    assert_eq!(report.summary.blank_rows, 1);
    assert_eq!(report.header_row, 1);
    assert_eq!(report.samples[0], ["M1", "M2", "M3", "M4", "M5"]);
    assert_eq!(
        report.samples[2][2], "Diaz\r\nOrtega",
        "a quoted CRLF stays in its value"
    );
    assert_eq!(
        findings(report),
        [(6, "lastName".to_string(), "missing-name".to_string())]
    );
    assert_eq!((outcome.packaged, outcome.rejected_rows), (4, 1));
}

// ---------------------------------------------------------------------------------------------
// Headers.
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_header_names_lose_no_column() {
    let bytes = hostile_bytes("duplicate-headers.csv");
    let packed = engine_pack("duplicate-headers.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.columns.len(), 9);
    let first = packed.first.as_ref().expect("the check pass");
    assert_eq!(
        findings(first),
        [
            (1, "email".to_string(), "duplicate-column".to_string()),
            (1, "phone".to_string(), "duplicate-column".to_string()),
            (1, "firstName".to_string(), "duplicate-column".to_string()),
        ]
    );
    assert_says(
        &first.issues.to_vec()[0].message,
        &["already taken", "map it to Email Address"],
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    let header: Vec<String> = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_lowercase)
        .collect();
    let mut distinct = header.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        9,
        "every column keeps a name of its own: {header:?}"
    );
    for value in [
        "ann@example.com",
        "ann.lee@work.example.com",
        "+1 416 555 0199",
        "note a1",
        "note a2",
        "Annie",
        "Bobby",
    ] {
        assert!(csv.contains(value), "{value} is in the package:\n{csv}");
    }
}

#[test]
fn header_matching_no_field_is_kept_as_a_user_field() {
    let bytes = hostile_bytes("unknown-header.csv");
    let packed = engine_pack("unknown-header.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    let colour = &report.columns[4];
    assert_eq!(
        (colour.column.header.as_str(), colour.column.field),
        ("Favourite Colour", None)
    );
    assert!(report.issues.is_empty(), "{:?}", findings(report));
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(&csv, &["Favourite Colour", "teal", "amber"]);
}

#[test]
fn only_unmapped_columns_reject_every_lead_with_its_reasons() {
    let bytes = hostile_bytes("only-unmapped-columns.csv");
    let packed = engine_pack("only-unmapped-columns.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!((report.summary.records, report.summary.with_errors), (3, 3));
    let header_findings: Vec<_> = findings(report).into_iter().filter(|f| f.0 == 1).collect();
    assert_eq!(
        header_findings,
        [
            (1, "firstName".to_string(), "missing-column".to_string()),
            (1, "lastName".to_string(), "missing-column".to_string()),
            (1, String::new(), "missing-column".to_string()),
        ]
    );
    assert_says(
        &report.issues.to_vec()[0].message,
        &["No column is matched to First Name", "Map the column"],
    );
    assert_eq!((outcome.packaged, outcome.rejected_rows), (0, 3));
    let rejected =
        String::from_utf8_lossy(&outcome.rejected.as_ref().expect("rejected").bytes).into_owned();
    assert_says(
        &rejected,
        &[
            "red,cat,apple,2,",
            "green,owl,plum,4,",
            "No email and no phone",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Archives.
// ---------------------------------------------------------------------------------------------

/// Asserts that the engine refuses the package at once, with `words`. Unless the package is
/// found out only as its files are expanded (`when_read`), opening it to read its files as
/// streams refuses it the same way, from its directory and `fileMappings.xml` alone.
#[track_caller]
fn assert_package_refused(name: &str, words: &[&str], when_read: bool) {
    let bytes = hostile_bytes(name);
    let started = Instant::now();
    let err = read_package(name, &bytes).expect_err("the package is refused");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{name}: refused at once"
    );
    assert_eq!(err.file, name);
    assert_says(&err.to_string(), words);
    match PackageReader::open(name, &bytes) {
        Err(opened) => assert_eq!((opened, when_read), (err, false), "{name}"),
        Ok(_) => assert!(
            when_read,
            "{name}: opened, though its directory gives it away"
        ),
    }
}

#[test]
fn zip_that_is_not_a_package_is_refused() {
    assert_package_refused("not-a-package.zip", &NOT_A_PACKAGE_REFUSAL, false);
}

#[test]
fn text_named_zip_is_refused_as_not_a_zip() {
    let err =
        read_package("not-a-zip.zip", &hostile_bytes("not-a-zip.zip")).expect_err("not a ZIP");
    assert_says(&err.to_string(), &NOT_A_ZIP_REFUSAL);
}

#[test]
fn package_listing_a_parent_path_is_refused() {
    assert_package_refused("package-parent-path.zip", &PARENT_PATH_REFUSAL, false);
}

#[test]
fn package_listing_an_absolute_path_is_refused() {
    assert_package_refused("package-absolute-path.zip", &ABSOLUTE_PATH_REFUSAL, false);
}

#[test]
fn package_listing_a_file_twice_is_refused() {
    assert_package_refused("package-listed-twice.zip", &LISTED_TWICE_REFUSAL, false);
}

#[test]
fn zip_bomb_is_refused_before_it_expands() {
    assert_package_refused("zip-bomb.zip", &ZIP_BOMB_REFUSAL, false);
}

/// A package whose CSV says it holds 1,000 bytes but expands to 50 MB. Leadpack stops reading
/// after 1,001 bytes, and says in its own words (not the ZIP library's) that the entry is
/// damaged and what to do.
#[test]
fn zip_lying_about_its_size_is_refused_as_damaged() {
    let name = "zip-bomb-lying-size.zip";
    assert_package_refused(name, &LYING_SIZE_REFUSAL, true);
    let err = read_package(name, &hostile_bytes(name)).expect_err("refused");
    assert!(
        !err.to_string().contains("declared uncompressed size"),
        "the ZIP library's own words: {err}"
    );
}

/// A package whose directory says its CSV expands to 60 MB, though the entry holds 40 bytes
/// (found by fuzzing: a 559-byte archive made the reader reserve 33 MB before reading a byte).
/// Leadpack reserves no more than the compressed bytes can expand to, and keeps no more than
/// what the entry really held.
#[test]
fn package_claiming_a_huge_size_reserves_only_what_it_holds() {
    use std::io::{Cursor, Write};
    let csv = b"First Name,Last Name,Phone\r\nAnn,Lee,1234\r\n";
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("fileMappings.xml", stored).unwrap();
    zip.write_all(br#"<mapping encodingType="UTF-8"><file name="leads.csv"/></mapping>"#)
        .unwrap();
    zip.start_file("leads.csv", stored).unwrap();
    zip.write_all(csv).unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    // The uncompressed size of leads.csv, in its local header and in the central directory.
    let claimed = 60_000_000u32.to_le_bytes();
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(60) {
        let size_at = match &bytes[at..at + 4] {
            b"PK\x03\x04" if bytes[at + 30..].starts_with(b"leads.csv") => at + 22,
            b"PK\x01\x02" if bytes[at + 46..].starts_with(b"leads.csv") => at + 24,
            _ => continue,
        };
        bytes[size_at..size_at + 4].copy_from_slice(&claimed);
        patched += 1;
    }
    assert_eq!(patched, 2, "both headers of leads.csv are patched");
    assert!(bytes.len() < 1_000);

    let csvs = read_package("claims.zip", &bytes).expect("the entry itself is intact");
    assert_eq!(csvs[0].bytes, csv);
    assert!(
        csvs[0].bytes.capacity() < 64 * 1024,
        "{} bytes kept for a {}-byte entry",
        csvs[0].bytes.capacity(),
        csv.len()
    );
}

/// Checks each CSV file of `package` as the command-line tool does: each expanded a chunk at a
/// time straight into its checker. Each report, or the refusal.
fn check_package_streamed(name: &str, package: &[u8]) -> Result<Vec<FileReport>, String> {
    let mut package = PackageReader::open(name, package).map_err(|err| err.to_string())?;
    let mut reports = Vec::new();
    let mut chunk = vec![0; CHUNK];
    while let Some(entry) = package.next_entry() {
        let mut entry = entry.map_err(|err| err.to_string())?;
        let declared = entry.declared_size();
        let read = ReadOptions {
            encoding: Some(entry.encoding().reader()),
            ..ReadOptions::default()
        };
        let options = CheckOptions {
            read,
            ..CheckOptions::default()
        };
        let mut checker = FileChecker::new(format!("{name}/{}", entry.name()), options);
        let mut fed = 0u64;
        loop {
            let read = entry.read(&mut chunk).map_err(|err| err.to_string())?;
            if read == 0 {
                break;
            }
            fed += read as u64;
            // Whole chunks, but the last.
            assert!(read == CHUNK || fed == declared, "{read} bytes at {fed}");
            checker
                .feed(&chunk[..read])
                .map_err(|err| err.to_string())?;
        }
        reports.push(checker.finish().map_err(|err| err.to_string())?);
    }
    Ok(reports)
}

/// Ten CSV files of 10 MB each (100 MB of leads) in a package of about 3.6 MB: each file is
/// expanded as it is checked, a chunk at a time, never whole, and every lead is counted. (The
/// command-line tool's test checks such a package under a memory limit.)
#[test]
fn a_package_of_large_files_is_checked_file_by_file() {
    let (csv, leads) = compressible_leads(10_000_000);
    let (bytes, names) = package_of_copies(&csv, 10);
    assert!(
        bytes.len() * 20 < csv.len() * names.len(),
        "{} bytes of package for {} bytes of leads",
        bytes.len(),
        csv.len() * names.len()
    );
    let package = PackageReader::open("large.zip", &bytes).expect("the package opens");
    assert_eq!(package.names(), names);
    assert_eq!(package.encoding(), OutputEncoding::Utf8);

    let reports = check_package_streamed("large.zip", &bytes).expect("every file is checked");
    assert_eq!(reports.len(), names.len());
    for (report, name) in reports.iter().zip(&names) {
        assert_eq!(report.file, format!("large.zip/{name}"));
        assert_eq!(report.summary.records, leads, "{name}");
        assert_eq!(report.summary.ready, leads, "{name}");
        assert_all_judged(report);
    }
}

/// A package whose second file's compressed bytes are overwritten half-way: the first file is
/// checked, the second expands correctly up to the damage and then stops with Leadpack's own
/// message, which every later read repeats, and reading the package whole says the same.
#[test]
fn a_package_damaged_midway_stops_with_the_damaged_message() {
    let (csv, _) = compressible_leads(4_000_000);
    let (bytes, names) = package_of_copies(&csv, 2);
    let bytes = damaged_midway(&bytes, &names[1]);
    let said = damaged_refusal("damaged.zip", &names[1]);

    let mut package =
        PackageReader::open("damaged.zip", &bytes).expect("nothing is wrong in the directory");
    let mut first = package
        .next_entry()
        .expect("a first file")
        .expect("it opens");
    let mut whole = Vec::new();
    first
        .read_to_end(&mut whole)
        .expect("the first file is intact");
    assert!(whole == csv, "the first file expands as it was written");
    drop(first);
    let mut second = package
        .next_entry()
        .expect("a second file")
        .expect("it opens");
    let mut chunk = vec![0; CHUNK];
    assert_eq!(second.read(&mut chunk).expect("its start is intact"), CHUNK);
    let mut given = CHUNK;
    let error = loop {
        match second.read(&mut chunk) {
            Ok(0) => panic!("the damage went unnoticed after {given} bytes"),
            Ok(read) => given += read,
            Err(error) => break error,
        }
    };
    assert!(given < csv.len(), "stopped after {given} bytes");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(error.to_string(), said);
    let refusal = PackageEntry::read_error(&error).expect("the error carries Leadpack's refusal");
    assert_eq!(refusal.file, "damaged.zip");
    let again = second
        .read(&mut chunk)
        .expect_err("a damaged file stays damaged");
    assert_eq!(again.to_string(), said);
    drop(second);
    assert!(package.next_entry().is_none(), "two files only");

    assert_eq!(
        check_package_streamed("damaged.zip", &bytes),
        Err(said.clone())
    );
    let whole = read_package("damaged.zip", &bytes).expect_err("read whole, refused too");
    assert_eq!(whole.to_string(), said);
}

/// The package whose CSV claims 1,000 bytes but expands to 50 MB, read as a stream: Leadpack's
/// own message, at the first chunk.
#[test]
fn zip_lying_about_its_size_stops_its_stream_as_damaged() {
    let name = "zip-bomb-lying-size.zip";
    let bytes = hostile_bytes(name);
    let mut package = PackageReader::open(name, &bytes).expect("its directory is plausible");
    let mut entry = package.next_entry().expect("one file").expect("it opens");
    let mut chunk = vec![0; CHUNK];
    let error = entry.read(&mut chunk).expect_err("refused at once");
    assert_eq!(error.to_string(), damaged_refusal(name, "leads.csv"));
    assert_says(&error.to_string(), &LYING_SIZE_REFUSAL);
}

// ---------------------------------------------------------------------------------------------
// Values that are dangerous elsewhere: in XML, in spreadsheets.
// ---------------------------------------------------------------------------------------------

#[test]
fn xml_special_and_control_characters_make_valid_packages() {
    let bytes = hostile_bytes("xml-special.csv");
    let packed = engine_pack("xml-special.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.summary.records, 3);
    assert_eq!(report.columns[6].column.header, "Notes <b>&amp; \"quoted\"");
    assert_eq!(report.columns[7].column.header, "Tag\u{1}Col");
    let hidden = find(report, Rule::HiddenCharacters).expect("the control character is named");
    assert_eq!((hidden.row, hidden.field), (3, Some(Field::FirstName)));
    assert_says(&hidden.message, &["control character", "Remove them"]);

    let package = &outcome.packages[0];
    let entries = zip_entries(&package.bytes);
    let mut sources = Vec::new();
    for (name, data) in &entries {
        if name.ends_with(".xml") {
            for (key, value) in xml_attributes(data) {
                assert!(
                    !value.chars().any(char::is_control),
                    "{name}: {key}={value:?}"
                );
                if key == "source" {
                    sources.push(value);
                }
            }
        }
    }
    assert!(
        sources.contains(&"Notes <b>&amp; \"quoted\"".to_string()),
        "{sources:?}"
    );
    assert!(sources.contains(&"Tag Col".to_string()), "{sources:?}");
    // Every column the mapping names is a column of the CSV, and the values come back as read.
    let csv = &read_package(&package.name, &package.bytes).expect("opens again")[0];
    let again = check_bytes(&csv.name, &csv.bytes, CheckOptions::default()).expect("reads again");
    let headers: Vec<&str> = again
        .columns
        .iter()
        .map(|c| c.column.header.as_str())
        .collect();
    for source in &sources {
        assert!(
            headers.contains(&source.as_str()),
            "{source} in {headers:?}"
        );
    }
    assert_eq!(again.summary.records, 3);
    let company = headers.iter().position(|h| *h == "Company").unwrap();
    assert_eq!(
        again.samples[company],
        ["Smith & Sons \"Ltd\"", "AT&T", "</Company>"]
    );
    assert_eq!(again.samples[2][0], "<Lee>");
}

#[test]
fn formula_like_values_are_warned_and_kept_as_written() {
    let bytes = hostile_bytes("formula-values.csv");
    let packed = engine_pack("formula-values.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    let formula = |row: u64, field: &str| (row, field.to_string(), "formula-like".to_string());
    assert_eq!(
        findings(report),
        [
            formula(2, "firstName"),
            formula(2, "company"),
            formula(3, "lastName"),
            formula(4, "company"),
            formula(4, "position"),
        ]
    );
    for (finding, sign) in report.issues.iter().zip(["=", "=", "+", "-", "@"]) {
        assert_says(
            &finding.message,
            &[
                &format!("starts with “{sign}”"),
                "spreadsheet",
                "Remove the sign",
            ],
        );
    }
    assert_eq!(outcome.packaged, 4, "a warning never rejects a lead");
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert_says(
        &csv,
        &[
            "=Ann",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"",
        ],
    );
}

#[test]
fn formulas_behind_whitespace_are_found_in_every_packed_column() {
    let (bytes, expected) = formulas_behind_whitespace();
    let report = check_bytes("formulas.csv", &bytes, CheckOptions::default()).expect("readable");
    let found: Vec<(u64, Option<Field>)> = report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::FormulaLike)
        .map(|f| (f.row, f.field))
        .collect();
    let wanted: Vec<(u64, Option<Field>)> = expected
        .iter()
        .map(|&(row, field, _)| (row, field))
        .collect();
    assert_eq!(found, wanted);
    for (finding, (_, _, name)) in report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::FormulaLike)
        .zip(&expected)
    {
        assert_says(
            &finding.message,
            &[
                name,
                "starts with “",
                "spreadsheet would run it",
                "Remove the sign",
            ],
        );
    }
}

#[test]
fn formulas_are_neutralised_after_trimming_in_every_column() {
    let (bytes, expected) = formulas_behind_whitespace();
    let first = check_bytes("formulas.csv", &bytes, CheckOptions::default()).expect("readable");
    let template = Template::suggested(&first);
    let edits = Edits {
        fixes: vec![Fix::NeutraliseAllFormulas],
        ..Edits::default()
    };
    let mut job = PackJob::new("formulas.csv", &template).with_edits(edits);
    job.feed(&bytes).expect("readable");
    let Built { report, outcome } = job.finish().expect("packed");
    assert!(
        report.issues.iter().all(|f| f.rule != Rule::FormulaLike),
        "{:?}",
        report.issues
    );
    assert_eq!(
        report.changes.len(),
        expected.len(),
        "one change per formula"
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    let values: Vec<String> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .flat_map(|record| {
            record
                .expect("the package CSV reads back")
                .iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    let neutralised = values.iter().filter(|v| v.starts_with('\'')).count();
    assert_eq!(neutralised, expected.len());
    for value in &values {
        assert!(
            !value.starts_with(['=', '@']) && value.trim() == value,
            "{value:?} in the package"
        );
        if let Some(text) = value.strip_prefix('\'') {
            assert!(
                ["=1+1", "@cmd", "+SUM(A1)", "-2+3"].contains(&text),
                "{value:?}"
            );
        }
    }
}

#[test]
fn a_fix_applies_to_the_value_the_fixes_before_it_left() {
    // A zero-width space hides the formula from spreadsheets; once it is removed, the formula
    // would run, so the next fix makes it text.
    let bytes = "First Name,Last Name,Email Address\n\u{200b}=1+1,Lee,ann@example.com\n";
    let edits = Edits {
        fixes: vec![
            Fix::RemoveHiddenCharacters {
                field: Field::FirstName,
            },
            Fix::NeutraliseFormulas {
                field: Field::FirstName,
            },
        ],
        ..Edits::default()
    };
    let report = check_bytes(
        "hidden.csv",
        bytes.as_bytes(),
        CheckOptions {
            edits,
            ..CheckOptions::default()
        },
    )
    .expect("readable");
    assert_eq!(report.issues.to_vec(), []);
    let after: Vec<&str> = report.changes.iter().map(|c| c.after.as_str()).collect();
    assert_eq!(after, ["=1+1", "'=1+1"]);
}

// ---------------------------------------------------------------------------------------------
// Size: one 50 MB value, 100,000 columns (generated here, not committed).
// ---------------------------------------------------------------------------------------------

/// A 50 MB company name: reported as too long and cut as the CRM would. But the finding's
/// message quotes the whole 49,999,940 characters that are cut, so the text report is 50 MB on
/// one line (and the JSON report 150 MB). The message should quote the start of the cut part and
/// say how much more there is.
#[test]
fn fifty_mb_value_in_a_lead_field_is_cut_with_a_readable_message() {
    let started = Instant::now();
    let bytes = big_value_file("Company");
    let packed = engine_pack("big-company.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!((report.summary.records, report.summary.ready), (2, 2));
    let long = find(report, Rule::TooLong).expect("the value is too long");
    assert_eq!((long.row, long.field), (2, Some(Field::Company)));
    assert_eq!(long.kept.as_deref(), Some("x".repeat(60).as_str()));
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert!(csv.len() < 1000, "the package holds the cut value");
    let engine_message = long.message.clone();
    eprintln!("50 MB company, engine: {:?}", started.elapsed());

    let mut faults = Faults::default();
    faults.expect(engine_message.len() < 1000, || {
        format!(
            "engine: the too-long message is {} bytes long: {}…",
            engine_message.len(),
            &engine_message[..200]
        )
    });
    faults.none();
}

/// A 50 MB note (an extra column, packed as a user field). The check passes; but packing stops
/// for the whole file with “Row 2 is too large to fit in a package below 10000000 bytes, even
/// alone”: the size bound counts raw bytes, while this value compresses to about 50 KB; and no
/// lead at all is packed, not even row 3. The oversized row should be packed when it fits
/// compressed, or else go to the rejected rows with that reason, while the other leads are packed.
#[test]
fn fifty_mb_value_in_an_extra_column_does_not_block_the_other_leads() {
    let started = Instant::now();
    let bytes = big_value_file("Notes");
    let first = check_bytes("big-notes.csv", &bytes, CheckOptions::default()).expect("readable");
    assert_all_judged(&first);
    assert_eq!((first.summary.records, first.summary.ready), (2, 2));
    let packed = engine_pack("big-notes.csv", &bytes).expect("readable");
    assert_all_judged(&packed.report);
    let engine = match &packed.outcome {
        Ok(outcome) => {
            assert_nothing_lost(&packed.report, outcome);
            Ok(outcome.packaged)
        }
        Err(err) => Err(err.to_string()),
    };
    drop(packed);
    eprintln!("50 MB note, engine: {:?}", started.elapsed());

    let mut faults = Faults::default();
    faults.expect(engine.as_ref().is_ok_and(|&packaged| packaged >= 1), || {
        format!("engine: {engine:?}")
    });
    faults.none();
}

/// The template a user would save for the wide file: the three lead fields, every other column a
/// user field.
fn wide_template(bytes: &[u8]) -> Template {
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let header = std::str::from_utf8(&bytes[..header_end]).unwrap();
    let columns = header
        .split(',')
        .map(|name| ColumnPlan {
            header: name.to_string(),
            target: match name {
                "First Name" => Target::Field {
                    field: Field::FirstName,
                },
                "Last Name" => Target::Field {
                    field: Field::LastName,
                },
                "Email Address" => Target::Field {
                    field: Field::Email,
                },
                _ => Target::UserField,
            },
        })
        .collect();
    Template {
        columns,
        ..Template::default()
    }
}

/// Runs `work` on another thread and waits at most `limit` for it. A run past the limit fails the
/// test (its thread is left to end with the test process).
fn within<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(work());
    });
    receive.recv_timeout(limit).map_err(|err| match err {
        mpsc::RecvTimeoutError::Timeout => format!("did not finish within {limit:?}"),
        mpsc::RecvTimeoutError::Disconnected => "panicked (see the message above)".to_string(),
    })
}

/// 100,000 columns through the engine with a saved template (no automatic matching): a check
/// pass with the packer as its sink. The work per column must stay constant (the explicit
/// mapping, the template's lookup and the package's unique column names once compared every
/// column with every earlier one: 5 billion comparisons, minutes of work).
#[test]
fn hundred_thousand_columns_with_a_template_pack_in_reasonable_time() {
    let bytes = wide_file();
    let template = wide_template(&bytes);
    let started = Instant::now();
    let outcome = within(Duration::from_secs(20), move || {
        let read = ReadOptions {
            size_hint: Some(bytes.len() as u64),
            ..ReadOptions::default()
        };
        engine_pack_pass("wide.csv", &bytes, read, &template).map(|packed| {
            let result = packed.outcome.as_ref().map(|outcome| {
                assert_nothing_lost(&packed.report, outcome);
                (outcome.packaged, outcome.rejected_rows)
            });
            (
                packed.report.columns.len(),
                result.map_err(|err| err.to_string()),
            )
        })
    });
    eprintln!(
        "100,000 columns, engine with a template: {:?}",
        started.elapsed()
    );
    let (columns, packed) = outcome
        .unwrap_or_else(|hang| panic!("checking and packing 100,000 columns {hang}"))
        .expect("the wide file is readable");
    assert_eq!(columns, WIDE_COLUMNS);
    assert_eq!(packed, Ok((2, 0)));
}
