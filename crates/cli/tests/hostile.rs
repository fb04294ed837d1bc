//! Hostile input: empty, binary, mis-encoded, broken and oversized files, and archives built to
//! escape or explode (see tests/fixtures/hostile/README.md). Each case goes through the engine
//! and through the `leadpack` binary. Nothing may crash or hang; every refusal must say what is
//! wrong, where, and what to do; and every record read must end up packed or rejected.

use crate::util::TempDir;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use leadpack_engine::{
    CheckOptions, ColumnPlan, Field, FileChecker, FileReport, Finding, PackError, PackOutcome,
    Packer, ReadError, ReadErrorKind, Rule, Target, Template, check_bytes, read_package,
};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

// ---------------------------------------------------------------------------------------------
// Helpers: fixtures, temporary folders, the engine, the binary.
// ---------------------------------------------------------------------------------------------

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/hostile")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|err| panic!("fixture {name}: {err}"))
}

/// Asserts that `text` contains every one of `words`.
#[track_caller]
fn assert_says(text: &str, words: &[&str]) {
    for word in words {
        assert!(text.contains(word), "expected “{word}” in:\n{text}");
    }
}

/// Problems kept until the end of a test, so one run shows every broken expectation of a case.
#[derive(Default)]
struct Faults(Vec<String>);

impl Faults {
    fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    #[track_caller]
    fn none(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}

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

/// The records in a CSV (the first line is the header), read by the `csv` crate, an independent
/// reader.
fn csv_records(bytes: &[u8]) -> u64 {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes)
        .byte_records()
        .inspect(|record| {
            assert!(
                record.is_ok(),
                "a CSV Leadpack wrote reads back: {record:?}"
            )
        })
        .count() as u64
}

/// The leads in an import package, read back through the engine's own package reader.
fn package_rows(name: &str, bytes: &[u8]) -> u64 {
    let csvs = read_package(name, bytes)
        .unwrap_or_else(|err| panic!("a package Leadpack wrote opens again: {err}"));
    csvs.iter().map(|csv| csv_records(&csv.bytes)).sum()
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
    let size_hint = Some(bytes.len() as u64);
    let first = check_bytes(
        name,
        bytes,
        CheckOptions {
            size_hint,
            ..CheckOptions::default()
        },
    )?;
    let template = Template::suggested(&first);
    let mut options = CheckOptions::from_template(&template);
    options.size_hint = size_hint;
    let mut packed = pack_pass(name, bytes, options, &template)?;
    packed.first = Some(first);
    Ok(packed)
}

fn pack_pass(
    name: &str,
    bytes: &[u8],
    options: CheckOptions,
    template: &Template,
) -> Result<EnginePack, ReadError> {
    let mut checker = FileChecker::new(name, options);
    let mut packer = Packer::new(name, template);
    for chunk in bytes.chunks(1 << 20) {
        checker.feed_with(chunk, &mut packer)?;
    }
    let report = checker.finish_with(&mut packer)?;
    let outcome = packer.finish(&report);
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
            let rows = package_rows(&package.name, &package.bytes);
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
fn find(report: &FileReport, rule: Rule) -> Option<&Finding> {
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

/// What one run of the binary came to.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `leadpack` in `cwd` (or here) with these arguments, killing it after `limit`. `Err` says
/// it did not finish in time. It must not crash: no panic, no signal.
fn leadpack_in(
    cwd: Option<&Path>,
    limit: Duration,
    args: &[&dyn AsRef<OsStr>],
) -> Result<Run, String> {
    let scratch = TempDir::new("run");
    let (out, err) = (scratch.path("stdout"), scratch.path("stderr"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadpack"));
    command
        .args(args.iter().map(|arg| arg.as_ref()))
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"));
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let shown: Vec<String> = args
        .iter()
        .map(|arg| arg.as_ref().to_string_lossy().into_owned())
        .collect();
    let start = Instant::now();
    let mut child = command.spawn().expect("leadpack starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("leadpack can be waited for") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`leadpack {}` did not finish within {limit:?}",
                shown.join(" ")
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let read =
        |path: &Path| String::from_utf8_lossy(&std::fs::read(path).expect("output")).into_owned();
    let run = Run {
        code: status
            .code()
            .unwrap_or_else(|| panic!("`leadpack {}` ended by a signal", shown.join(" "))),
        stdout: read(&out),
        stderr: read(&err),
        elapsed,
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "`leadpack {}` crashed: {}",
        shown.join(" "),
        run.stderr
    );
    Ok(run)
}

/// Runs `leadpack` with these arguments; a run of a small file must finish within 60 seconds.
fn leadpack(args: &[&dyn AsRef<OsStr>]) -> Run {
    leadpack_in(None, Duration::from_secs(60), args).unwrap_or_else(|hang| panic!("{hang}"))
}

/// Runs `leadpack check --format json FILE`: the exit code, the report and stderr.
fn check_json(path: &Path) -> (i32, serde_json::Value, String) {
    let run = leadpack(&[&"check", &"--format", &"json", &path]);
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}\nstderr: {}",
            run.stdout, run.stderr
        )
    });
    (run.code, report, run.stderr)
}

/// The one file report of a JSON report, with its summary adding up.
#[track_caller]
fn only_file(report: &serde_json::Value) -> &serde_json::Value {
    let files = report["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 1, "{report:#}");
    let file = &files[0];
    let summary = &file["summary"];
    let number = |key: &str| summary[key].as_u64().expect("a count");
    assert_eq!(
        number("ready") + number("with_errors"),
        number("records"),
        "{summary:#}"
    );
    file
}

/// (row, rule) of every finding of a JSON file report.
fn json_findings(file: &serde_json::Value) -> Vec<(u64, String)> {
    file["issues"]
        .as_array()
        .expect("issues is an array")
        .iter()
        .map(|issue| {
            (
                issue["row"].as_u64().expect("row"),
                issue["rule"].as_str().expect("rule").to_string(),
            )
        })
        .collect()
}

/// Counts `leadpack pack` reported for one file: (read, packed, left out).
#[derive(Debug, PartialEq, Eq)]
struct Packed {
    read: u64,
    packed: u64,
    left_out: u64,
}

/// Parses “NAME: R leads read, P packed, L left out”.
#[track_caller]
fn packed_line(stdout: &str, name: &str) -> Packed {
    let prefix = format!("{name}: ");
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&prefix) && line.contains(" leads read, "))
        .unwrap_or_else(|| panic!("no summary line for {name} in:\n{stdout}"));
    let numbers: Vec<u64> = line[prefix.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().expect("a count"))
        .collect();
    assert_eq!(numbers.len(), 3, "{line}");
    Packed {
        read: numbers[0],
        packed: numbers[1],
        left_out: numbers[2],
    }
}

/// Runs `leadpack pack FILE --out DIR` and checks that what it says adds up and that the files it
/// wrote hold exactly the rows it says.
#[track_caller]
fn pack_cli(path: &Path, out: &TempDir) -> (Run, Option<Packed>) {
    let run = leadpack(&[&"pack", &path, &"--out", &out.0]);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    if run.code == 2 {
        return (run, None);
    }
    let packed = packed_line(&run.stdout, &name);
    assert_eq!(
        packed.packed + packed.left_out,
        packed.read,
        "{name}: {packed:?}"
    );
    assert_written(out, &packed);
    (run, Some(packed))
}

/// The files in `out` hold exactly the rows `packed` says, and no half-written file is left.
#[track_caller]
fn assert_written(out: &TempDir, packed: &Packed) {
    let (mut in_packages, mut rejected) = (0, 0);
    for name in out.names() {
        assert!(
            !name.ends_with(".partial"),
            "half-written file left: {name}"
        );
        let bytes = std::fs::read(out.path(&name)).expect("output file");
        if name.ends_with(".zip") {
            in_packages += package_rows(&name, &bytes);
        } else if name.ends_with("-rejected.csv") {
            rejected += csv_records(&bytes);
        }
    }
    assert_eq!(
        in_packages,
        packed.packed,
        "rows in the packages: {:?}",
        out.names()
    );
    assert_eq!(
        rejected,
        packed.left_out,
        "rows in the rejected rows: {:?}",
        out.names()
    );
}

/// Checks that a refused file is refused the same way by `check` and `pack`: exit 2, the message
/// on stderr with `words`, nothing on stdout, and nothing written.
#[track_caller]
fn assert_cli_refuses(path: &Path, words: &[&str]) {
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 2, "check: {}{}", run.stdout, run.stderr);
    assert_says(&run.stderr, words);
    assert_eq!(run.stdout, "", "check prints no report for a refused file");

    let out = TempDir::new("refused");
    let run = leadpack(&[&"pack", &path, &"--out", &out.0]);
    assert_eq!(run.code, 2, "pack: {}{}", run.stdout, run.stderr);
    assert_says(&run.stderr, &[words[0]]);
    assert_eq!(out.names(), Vec::<String>::new(), "nothing is written");
}

/// The documented header.
const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code";

/// `count` distinct, valid leads (no two alike), numbered from `first`.
fn distinct_leads(first: usize, count: usize) -> String {
    let mut text = String::new();
    for i in first..first + count {
        text.push_str(&format!(
            "G{i},Zoë{i},Whitfield{i},zoe{i}@example.com,+1 416 {:03} {:04},,,,,\n",
            i / 10_000 % 1000,
            i % 10_000
        ));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Empty and headerless files.
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_is_refused_with_what_to_do() {
    let err = check_bytes("empty.csv", &fixture("empty.csv"), CheckOptions::default())
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

    assert_cli_refuses(
        &fixture_path("empty.csv"),
        &["empty.csv", "is empty", "Choose the file"],
    );
}

#[test]
fn byte_order_mark_only_and_blank_lines_only_are_refused() {
    for name in ["bom-only.csv", "blank-lines-only.csv"] {
        let err = check_bytes(name, &fixture(name), CheckOptions::default())
            .expect_err("no header, no report");
        assert_eq!(err.kind, ReadErrorKind::NoHeader, "{name}");
        let words = [
            name,
            "no header row",
            "Choose the file that holds your leads",
        ];
        assert_says(&err.to_string(), &words);
        assert_cli_refuses(&fixture_path(name), &words);
    }
}

#[test]
fn header_only_file_has_zero_leads_and_says_so() {
    let bytes = fixture("header-only.csv");
    let report = check_bytes("header-only.csv", &bytes, CheckOptions::default())
        .expect("a header alone is readable");
    assert_all_judged(&report);
    assert_eq!(report.summary.records, 0);
    assert_eq!(report.columns.len(), 10);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("header row but no leads")),
        "{:?}",
        report.notes
    );
    let packed = engine_pack("header-only.csv", &bytes).expect("readable");
    let outcome = packed.outcome();
    assert_nothing_lost(&packed.report, outcome);
    assert_eq!(
        outcome.packages.len(),
        1,
        "a package with the layout and no leads"
    );

    let path = fixture_path("header-only.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_says(
        &run.stdout,
        &["header-only.csv: 0 leads", "header row but no leads"],
    );
    let out = TempDir::new("header-only");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        packed,
        Some(Packed {
            read: 0,
            packed: 0,
            left_out: 0
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Files that are not CSV text.
// ---------------------------------------------------------------------------------------------

#[test]
fn png_named_csv_is_refused_as_an_image() {
    let err = check_bytes(
        "png-image.csv",
        &fixture("png-image.csv"),
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
    assert_cli_refuses(
        &fixture_path("png-image.csv"),
        &["png-image.csv", "PNG image", "Choose the CSV file"],
    );
}

#[test]
fn xlsx_named_csv_says_save_as_csv() {
    let err = check_bytes(
        "workbook.csv",
        &fixture("workbook.csv"),
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
    assert_cli_refuses(
        &fixture_path("workbook.csv"),
        &["workbook.csv", "Excel workbook", "Save As", "CSV UTF-8"],
    );
}

#[test]
fn nul_bytes_are_refused_with_where_and_what_to_do() {
    let bytes = fixture("nul-bytes.csv");
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
    assert_cli_refuses(
        &fixture_path("nul-bytes.csv"),
        &[
            "nul-bytes.csv",
            "NUL bytes",
            &format!("byte {at}"),
            "as CSV",
        ],
    );
}

/// A NUL byte after the first MiB (the sample that decides the encoding) is not refused: it is
/// read as a control character, and its row is named.
#[test]
fn nul_byte_after_the_first_mib_is_named_by_its_row() {
    let mut bytes = format!("{}\n{}", "ID,First Name,Last Name,Email Address,Phone", {
        let leads = distinct_leads(2, 25_000);
        leads.replace(",,,,,\n", "\n")
    })
    .into_bytes();
    assert!(bytes.len() > 1 << 20);
    let row = 25_002u64;
    bytes.extend_from_slice(b"N1,Ren\0e,Martin,renee@example.fr,+33 1 23 45 67 89\n");
    let dir = TempDir::new("late-nul");
    let path = dir.write("late-nul.csv", &bytes);

    let packed = engine_pack("late-nul.csv", &bytes).expect("readable");
    let report = &packed.report;
    assert_nothing_lost(report, packed.outcome());
    assert_eq!(report.summary.records, 25_001);
    let hidden = find(report, Rule::HiddenCharacters).expect("the NUL is reported");
    assert_eq!((hidden.row, hidden.field), (row, Some(Field::FirstName)));
    assert_says(&hidden.message, &["control character", "Remove them"]);

    let (code, json, _) = check_json(&path);
    assert_eq!(code, 0, "warnings only");
    let file = only_file(&json);
    assert!(json_findings(file).contains(&(row, "hidden-characters".to_string())));
    let out = TempDir::new("late-nul-out");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(packed.expect("packed").read, 25_001);
}

// ---------------------------------------------------------------------------------------------
// Encodings.
// ---------------------------------------------------------------------------------------------

/// One stray Windows-1252 byte (row 4) in a file that is otherwise UTF-8.
///
/// Today the whole file is read as Windows-1252: the correct accents of rows 2, 3 and 5 come out
/// garbled (“ZoÃ«”), “García” is even reported for a soft hyphen, the packages hold the garbled
/// names, and row 4, the row with the stray byte, is never named. The same byte after the first
/// MiB gives an `invalid-encoding` warning on its row and leaves the other rows intact (see the
/// next test); the same should happen here.
#[test]
fn invalid_utf8_in_a_utf8_file_names_its_row_and_keeps_the_good_accents() {
    let bytes = fixture("invalid-utf8.csv");
    let packed = engine_pack("invalid-utf8.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.summary.records, 4);

    let path = fixture_path("invalid-utf8.csv");
    let (code, json, _) = check_json(&path);
    assert!(code == 0 || code == 1, "exit {code}");
    let cli = json_findings(only_file(&json));
    let out = TempDir::new("invalid-utf8");
    let (run, packed_cli) = pack_cli(&path, &out);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert_eq!(packed_cli.expect("packed").read, 4);

    let mut faults = Faults::default();
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    faults.expect(
        findings(report).contains(&(4, String::new(), "invalid-encoding".into())),
        || {
            format!(
                "engine: row 4 (the stray byte) is not named: {:?}",
                findings(report)
            )
        },
    );
    faults.expect(find(report, Rule::Mojibake).is_none(), || {
        format!(
            "engine: correct UTF-8 accents are reported as garbled: {:?}; notes: {:?}",
            findings(report),
            report.notes
        )
    });
    faults.expect(
        csv.contains("Zoë") && csv.contains("García") && csv.contains("Søren"),
        || format!("engine: the package holds garbled names:\n{csv}"),
    );
    faults.expect(cli.contains(&(4, "invalid-encoding".into())), || {
        format!("cli: row 4 is not named: {cli:?}")
    });
    faults.none();
}

#[test]
fn invalid_utf8_after_the_first_mib_is_a_warning_on_its_row() {
    let mut bytes = format!("{HEADER}\n{}", distinct_leads(2, 25_000)).into_bytes();
    assert!(bytes.len() > 1 << 20);
    let row = 25_002u64;
    bytes.extend_from_slice(b"V3,Ren\xE9e,Martin,renee@example.fr,+33 1 23 45 67 89,,,,,\n");
    bytes.extend_from_slice(
        "V4,Søren,Kierkegaard,soren@example.dk,+45 33 12 34 56,,,,,\n".as_bytes(),
    );
    let dir = TempDir::new("late-invalid");
    let path = dir.write("late-invalid.csv", &bytes);

    let packed = engine_pack("late-invalid.csv", &bytes).expect("readable");
    let report = &packed.report;
    let outcome = packed.outcome();
    assert_nothing_lost(report, outcome);
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(report.summary.records, 25_002);
    assert_eq!(
        findings(report),
        [(row, String::new(), "invalid-encoding".to_string())]
    );
    assert_says(
        &report.issues[0].message,
        &[
            "not valid in the file's encoding",
            "choose the file's real encoding",
        ],
    );
    let csv = package_csv(&outcome.packages[0].name, &outcome.packages[0].bytes);
    assert!(csv.contains("Renée,Martin") && csv.contains("Søren,Kierkegaard"));

    let (code, json, _) = check_json(&path);
    assert_eq!(code, 0, "a warning only");
    assert_eq!(
        json_findings(only_file(&json)),
        [(row, "invalid-encoding".to_string())]
    );
    let out = TempDir::new("late-invalid-out");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(packed.expect("packed").packed, 25_002);
}

#[test]
fn utf16le_without_bom_is_read_and_said() {
    let bytes = fixture("utf16le-no-bom.csv");
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

    let path = fixture_path("utf16le-no-bom.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_says(
        &run.stdout,
        &["3 leads, read as UTF-16LE", "no byte order mark"],
    );
    let out = TempDir::new("utf16");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(packed.expect("packed").packed, 3);
}

// ---------------------------------------------------------------------------------------------
// Broken CSV structure.
// ---------------------------------------------------------------------------------------------

#[test]
fn unterminated_quote_is_a_broken_row_kept_whole_in_the_rejected_rows() {
    let bytes = fixture("unterminated-quote.csv");
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
        &report.issues[0].message,
        &["quote", "never closed", "Close the quote or remove it"],
    );
    let rejected = outcome.rejected.as_ref().expect("a rejected rows file");
    let text = String::from_utf8_lossy(&rejected.bytes);
    assert_says(&text, &["U2,Bob", "U3,Cara,Diaz", ",3,Broken row"]);

    let path = fixture_path("unterminated-quote.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_says(&run.stdout, &["row 3", "quote", "never closed"]);
    let out = TempDir::new("unterminated");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        packed,
        Some(Packed {
            read: 2,
            packed: 1,
            left_out: 1
        })
    );
    let rejected = std::fs::read_to_string(out.path("unterminated-quote-rejected.csv"))
        .expect("the rejected rows file");
    assert!(rejected.contains("U3,Cara,Diaz"), "{rejected}");
}

#[test]
fn mixed_line_endings_give_the_rows_a_spreadsheet_shows() {
    let bytes = fixture("mixed-line-endings.csv");
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

    let path = fixture_path("mixed-line-endings.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_says(
        &run.stdout,
        &["5 leads", "row 6", "Last Name is empty", "fill it in"],
    );
    let out = TempDir::new("mixed");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 1);
    assert_eq!(
        packed,
        Some(Packed {
            read: 5,
            packed: 4,
            left_out: 1
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Headers.
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_header_names_lose_no_column() {
    let bytes = fixture("duplicate-headers.csv");
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
        &first.issues[0].message,
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

    let path = fixture_path("duplicate-headers.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stderr);
    assert_says(
        &run.stdout,
        &["row 1", "already taken by column", "packed as a user field"],
    );
    let out = TempDir::new("duplicate-headers");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0);
    assert_eq!(packed.expect("packed").packed, 2);
}

#[test]
fn header_matching_no_field_is_kept_as_a_user_field() {
    let bytes = fixture("unknown-header.csv");
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

    let path = fixture_path("unknown-header.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_says(
        &run.stdout,
        &[
            "Favourite Colour  ->  packed as a user field",
            "->  not imported",
        ],
    );
    let out = TempDir::new("unknown-header");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0);
    assert_eq!(packed.expect("packed").packed, 2);
}

#[test]
fn only_unmapped_columns_reject_every_lead_with_its_reasons() {
    let bytes = fixture("only-unmapped-columns.csv");
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
        &report.issues[0].message,
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

    let path = fixture_path("only-unmapped-columns.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_says(
        &run.stdout,
        &[
            "0 ready to import",
            "3 with errors",
            "No column is matched to First Name",
            "Map the column",
        ],
    );
    let out = TempDir::new("unmapped");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 1);
    assert_eq!(
        packed,
        Some(Packed {
            read: 3,
            packed: 0,
            left_out: 3
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Archives.
// ---------------------------------------------------------------------------------------------

/// Runs `leadpack check` on a package in a fresh working folder and asserts that it is refused
/// with `words` and that nothing was written there or next to it.
#[track_caller]
fn assert_package_refused(name: &str, words: &[&str]) {
    let started = Instant::now();
    let err = read_package(name, &fixture(name)).expect_err("the package is refused");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{name}: refused at once"
    );
    assert_eq!(err.file, name);
    assert_says(&err.to_string(), words);

    let sandbox = TempDir::new("package");
    let cwd = sandbox.path("work");
    std::fs::create_dir(&cwd).expect("working folder");
    let path = fixture_path(name);
    let run = leadpack_in(Some(&cwd), Duration::from_secs(30), &[&"check", &path])
        .unwrap_or_else(|hang| panic!("{hang}"));
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_says(&run.stderr, words);
    assert_eq!(
        sandbox.names(),
        ["work"],
        "nothing is written beside the working folder"
    );
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing is written in it"
    );

    // `pack` takes files, not packages: it refuses the archive without opening it.
    let out = TempDir::new("package-out");
    let run = leadpack(&[&"pack", &path, &"--out", &out.0]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_says(&run.stderr, &[name, "ZIP archive"]);
    assert_eq!(out.names(), Vec::<String>::new());
}

#[test]
fn zip_that_is_not_a_package_is_refused() {
    assert_package_refused(
        "not-a-package.zip",
        &[
            "not-a-package.zip",
            "no fileMappings.xml",
            "not an import package",
            "Unpack it",
        ],
    );
}

#[test]
fn text_named_zip_is_refused_as_not_a_zip() {
    let err = read_package("not-a-zip.zip", &fixture("not-a-zip.zip")).expect_err("not a ZIP");
    assert_says(
        &err.to_string(),
        &["not-a-zip.zip", "not a ZIP archive", "Choose the CSV file"],
    );
    let run = leadpack(&[&"check", &fixture_path("not-a-zip.zip")]);
    assert_eq!(run.code, 2);
    assert_says(
        &run.stderr,
        &["not-a-zip.zip", "not a ZIP archive", "Choose the CSV file"],
    );
}

#[test]
fn package_listing_a_parent_path_is_refused() {
    assert_package_refused(
        "package-parent-path.zip",
        &[
            "package-parent-path.zip",
            "“../evil.csv”",
            "unsafe name",
            "does not open it",
            "Make the package again, or choose the CSV files it was made from.",
        ],
    );
}

#[test]
fn package_listing_an_absolute_path_is_refused() {
    assert_package_refused(
        "package-absolute-path.zip",
        &[
            "package-absolute-path.zip",
            "“/etc/passwd”",
            "unsafe name",
            "Make the package again",
        ],
    );
}

#[test]
fn package_listing_a_file_twice_is_refused() {
    assert_package_refused(
        "package-listed-twice.zip",
        &[
            "package-listed-twice.zip",
            "lists “leads.csv” twice",
            "Make the package again",
        ],
    );
}

#[test]
fn zip_bomb_is_refused_before_it_expands() {
    assert_package_refused(
        "zip-bomb.zip",
        &[
            "zip-bomb.zip",
            "“leads.csv” would expand to 150000000 bytes",
            "more than 200 times",
            "Choose the CSV files the package was made from instead.",
        ],
    );
}

/// A package whose CSV says it holds 1,000 bytes but expands to 50 MB. Leadpack stops reading
/// after 1,001 bytes, and says in its own words (not the ZIP library's) that the entry is
/// damaged and what to do.
#[test]
fn zip_lying_about_its_size_is_refused_as_damaged() {
    let name = "zip-bomb-lying-size.zip";
    assert_package_refused(
        name,
        &[
            name,
            "“leads.csv” is damaged: it does not expand as the package says",
            "Make the package again, or choose the CSV files it was made from.",
        ],
    );
    let err = read_package(name, &fixture(name)).expect_err("refused");
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

// ---------------------------------------------------------------------------------------------
// Values that are dangerous elsewhere: in XML, in spreadsheets.
// ---------------------------------------------------------------------------------------------

/// Every element and attribute of `xml`, parsed strictly; panics on malformed XML.
fn xml_attributes(xml: &[u8]) -> Vec<(String, String)> {
    let mut reader = Reader::from_reader(xml);
    let mut buffer = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buffer)
            .expect("the XML is well formed")
        {
            Event::Start(element) | Event::Empty(element) => {
                for attribute in element.attributes() {
                    let attribute = attribute.expect("a well-formed attribute");
                    let key = attribute.key.into_inner().to_string();
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .expect("an attribute value that unescapes")
                        .into_owned();
                    out.push((key, value));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    out
}

/// The entries of a ZIP archive.
fn zip_entries(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("entry reads");
        entries.insert(name, data);
    }
    entries
}

#[test]
fn xml_special_and_control_characters_make_valid_packages() {
    let bytes = fixture("xml-special.csv");
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

    let path = fixture_path("xml-special.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stderr);
    assert_says(&run.stdout, &["row 3", "control character"]);
    // The column is listed under the name the package gives it, and no control character
    // reaches the terminal.
    assert_says(&run.stdout, &["    Tag Col "]);
    assert!(
        !run.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        run.stdout
    );
    let out = TempDir::new("xml-special");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(packed.expect("packed").packed, 3);
    let written = std::fs::read(out.path("xml-special.zip")).expect("the package");
    for (name, data) in zip_entries(&written) {
        if name.ends_with(".xml") {
            xml_attributes(&data);
        }
    }
}

#[test]
fn formula_like_values_are_warned_and_kept_as_written() {
    let bytes = fixture("formula-values.csv");
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

    let path = fixture_path("formula-values.csv");
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stderr);
    assert_says(&run.stdout, &["row 2", "row 3", "row 4", "starts with “@”"]);
    assert!(
        !run.stdout.contains("row 5 "),
        "row 5 holds a number and a phone, not formulas"
    );
    let out = TempDir::new("formula");
    let (run, packed) = pack_cli(&path, &out);
    assert_eq!(run.code, 0);
    assert_eq!(packed.expect("packed").packed, 4);
}

// ---------------------------------------------------------------------------------------------
// Size: one 50 MB value, 100,000 columns (generated here, not committed).
// ---------------------------------------------------------------------------------------------

const FIFTY_MB: usize = 50_000_000;

fn big_value_file(column: &str) -> Vec<u8> {
    let mut text = String::with_capacity(FIFTY_MB + 200);
    text.push_str("ID,First Name,Last Name,Email Address,Phone,Company,Notes\n");
    let big = "x".repeat(FIFTY_MB);
    match column {
        "Company" => text.push_str(&format!("B1,Ann,Lee,ann@example.com,,{big},note\n")),
        _ => text.push_str(&format!("B1,Ann,Lee,ann@example.com,,Acme,{big}\n")),
    }
    text.push_str("B2,Bob,Stone,bob@example.com,,Acme,short note\n");
    text.into_bytes()
}

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

    let dir = TempDir::new("big-company");
    let path = dir.write("big-company.csv", &bytes);
    drop(packed);
    let started = Instant::now();
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "a warning only: {}", run.stderr);
    assert_says(
        &run.stdout,
        &["2 leads", "row 2", "Company is 50000000 characters long"],
    );
    let out = TempDir::new("big-company-out");
    let (pack_run, packed) = pack_cli(&path, &out);
    assert_eq!(pack_run.code, 0, "{}", pack_run.stderr);
    assert_eq!(packed.expect("packed").packed, 2);
    eprintln!("50 MB company, cli check + pack: {:?}", started.elapsed());

    let mut faults = Faults::default();
    faults.expect(engine_message.len() < 1000, || {
        format!(
            "engine: the too-long message is {} bytes long: {}…",
            engine_message.len(),
            &engine_message[..200]
        )
    });
    faults.expect(run.stdout.len() < 100_000, || {
        format!(
            "cli: `leadpack check` printed {} bytes for a 2-lead file",
            run.stdout.len()
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

    let dir = TempDir::new("big-notes");
    let path = dir.write("big-notes.csv", &bytes);
    let run = leadpack(&[&"check", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = TempDir::new("big-notes-out");
    let (pack_run, packed) = pack_cli(&path, &out);
    if pack_run.code == 2 {
        assert_says(&pack_run.stderr, &["big-notes.csv", "Row 2"]);
    }

    let mut faults = Faults::default();
    faults.expect(engine.as_ref().is_ok_and(|&packaged| packaged >= 1), || {
        format!("engine: {engine:?}")
    });
    faults.expect(
        packed
            .as_ref()
            .is_some_and(|p| p.read == 2 && p.packed >= 1),
        || {
            format!(
                "cli: exit {}: {}{}",
                pack_run.code, pack_run.stdout, pack_run.stderr
            )
        },
    );
    faults.none();
}

const WIDE_COLUMNS: usize = 100_000;

/// A header of 100,000 columns (the three a lead needs, then `C4` … `C100000`) and two leads.
fn wide_file() -> Vec<u8> {
    let mut header = vec![
        "First Name".to_string(),
        "Last Name".into(),
        "Email Address".into(),
    ];
    let mut ann = vec!["Ann".to_string(), "Lee".into(), "ann@example.com".into()];
    let mut bob = vec!["Bob".to_string(), "Stone".into(), "bob@example.com".into()];
    for i in 4..=WIDE_COLUMNS {
        header.push(format!("C{i}"));
        ann.push(format!("a{i}"));
        bob.push(String::new());
    }
    format!(
        "{}\n{}\n{}\n",
        header.join(","),
        ann.join(","),
        bob.join(",")
    )
    .into_bytes()
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
        let mut options = CheckOptions::from_template(&template);
        options.size_hint = Some(bytes.len() as u64);
        pack_pass("wide.csv", &bytes, options, &template).map(|packed| {
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

/// 100,000 columns through the command-line tool: `check` matches every header automatically
/// (linear, about 15 s in a debug build); `pack` with a mapping file then has to finish in
/// 15 s (it takes under a second).
#[test]
fn hundred_thousand_columns_through_the_cli() {
    let bytes = wide_file();
    let dir = TempDir::new("wide");
    let path = dir.write("wide.csv", &bytes);
    let mapping = dir.write(
        "mapping.json",
        r#"{"columns": {"First Name": "firstName", "Last Name": "lastName", "Email Address": "email"}}"#,
    );
    drop(bytes);

    let run = leadpack_in(
        None,
        Duration::from_secs(90),
        &[&"check", &"--format", &"json", &path],
    )
    .unwrap_or_else(|hang| panic!("{hang}"));
    eprintln!("100,000 columns, cli check: {:?}", run.elapsed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let file = only_file(&json);
    assert_eq!(file["columns"].as_array().unwrap().len(), WIDE_COLUMNS);
    assert_eq!(file["summary"]["records"], 2);
    let mapped: Vec<&str> = file["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert_eq!(mapped, ["firstName", "lastName", "email"]);

    let out = TempDir::new("wide-out");
    let run = leadpack_in(
        None,
        Duration::from_secs(15),
        &[&"pack", &path, &"--mapping", &mapping, &"--out", &out.0],
    )
    .unwrap_or_else(|hang| panic!("{hang}"));
    eprintln!(
        "100,000 columns, cli pack with a mapping: {:?}",
        run.elapsed
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let packed = packed_line(&run.stdout, "wide.csv");
    assert_eq!((packed.read, packed.packed), (2, 2));
    assert_written(&out, &packed);
}

// ---------------------------------------------------------------------------------------------
// The command-line tool's own files.
// ---------------------------------------------------------------------------------------------

/// `leadpack pack` writes `<stem>.zip` and `<stem>-rejected.csv` into the output folder. When
/// one of those names is one of its input files, the input is overwritten: `pack leads.csv
/// leads-rejected.csv --out .` replaces the user's leads-rejected.csv (two good leads) with the
/// rejected rows of leads.csv before reading it, and those two leads are gone; `pack in.zip
/// --out .` (a CSV named .zip) replaces the input with its own package. The tool should never
/// write over a file it was given (refuse, or pick another name).
#[test]
fn pack_never_writes_over_an_input_file() {
    let dir = TempDir::new("overwrite");
    let leads = dir.write(
        "leads.csv",
        "First Name,Last Name,Email Address\nAnn,Lee,ann@example.com\nBob,,bob@example.com\n",
    );
    let fixed =
        "First Name,Last Name,Email Address\nCara,Diaz,cara@example.com\nDan,Fox,dan@example.com\n";
    let rejected = dir.write("leads-rejected.csv", fixed);
    let run = leadpack(&[&"pack", &leads, &rejected, &"--out", &dir.0]);
    let after = std::fs::read_to_string(&rejected).expect("the input is still there");

    let not_a_zip = dir.write("in.zip", fixture("not-a-zip.zip"));
    let run_zip = leadpack(&[&"pack", &not_a_zip, &"--out", &dir.0]);
    let zip_after = std::fs::read(&not_a_zip).expect("the input is still there");

    let mut faults = Faults::default();
    faults.expect(after == fixed, || {
        format!(
            "leads-rejected.csv (an input) was overwritten; exit {}:\n{}\nit now holds:\n{after}",
            run.code, run.stdout
        )
    });
    faults.expect(zip_after == fixture("not-a-zip.zip"), || {
        format!(
            "in.zip (an input) was overwritten; exit {}:\n{}",
            run_zip.code, run_zip.stdout
        )
    });
    faults.none();
}

/// `leadpack pack` on a ZIP archive refuses it as binary, with the advice for Excel workbooks:
/// “Open it in Excel and use File > Save As > CSV UTF-8”. For a ZIP that is not a workbook (an
/// import package, an archive of CSV files), the advice should be to unpack it or to check the
/// package with `leadpack check`, as `check` says.
#[test]
fn pack_of_a_zip_archive_gives_advice_for_archives() {
    let mut faults = Faults::default();
    for name in ["not-a-package.zip", "zip-bomb.zip"] {
        let out = TempDir::new("pack-zip");
        let run = leadpack(&[&"pack", &fixture_path(name), &"--out", &out.0]);
        assert_eq!(run.code, 2);
        faults.expect(!run.stderr.contains("Open it in Excel"), || {
            format!("{name}: {}", run.stderr.trim())
        });
    }
    faults.none();
}
