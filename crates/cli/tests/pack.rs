//! `leadpack pack`: the same packages on any number of cores, and never a file written over one
//! of its inputs.

use crate::shared::{Faults, hostile_bytes, hostile_path};
use crate::util::{TempDir, check_json, generate, leadpack, names_in};

#[test]
fn the_number_of_cores_changes_nothing_in_the_report_or_the_packages() {
    let dir = TempDir::new("threads");
    let (file, _) = generate(&dir, "leads.csv", &["--rows", "30000", "--seed", "3"]);
    let (code, one) = check_json(&[&"--threads", &"1", &file]);
    assert_eq!(code, 1, "the generated file has defects");
    let (_, three) = check_json(&[&"--threads", &"3", &file]);
    let (_, all) = check_json(&[&file]);
    assert_eq!(one, three);
    assert_eq!(one, all);

    let packed = |threads: &str| {
        let out = dir.path(&format!("out-{threads}"));
        let run = leadpack(&[&"pack", &"--threads", &threads, &file, &"--out", &out]);
        assert_eq!(
            run.code, 1,
            "leads with errors are left out: {}",
            run.stderr
        );
        std::fs::read(out.join("leads.zip")).expect("the package")
    };
    assert_eq!(packed("1"), packed("2"));

    let refused = leadpack(&[&"check", &"--threads", &"0", &file]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("“0” is not a number of cores; use a whole number such as 1 or 4"),
        "{}",
        refused.stderr
    );
}

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

    let not_a_zip = dir.write("in.zip", hostile_bytes("not-a-zip.zip"));
    let run_zip = leadpack(&[&"pack", &not_a_zip, &"--out", &dir.0]);
    let zip_after = std::fs::read(&not_a_zip).expect("the input is still there");

    let mut faults = Faults::default();
    faults.expect(after == fixed, || {
        format!(
            "leads-rejected.csv (an input) was overwritten; exit {}:\n{}\nit now holds:\n{after}",
            run.code, run.stdout
        )
    });
    faults.expect(zip_after == hostile_bytes("not-a-zip.zip"), || {
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
        let run = leadpack(&[&"pack", &hostile_path(name), &"--out", &out.0]);
        assert_eq!(run.code, 2);
        faults.expect(!run.stderr.contains("Open it in Excel"), || {
            format!("{name}: {}", run.stderr.trim())
        });
    }
    faults.none();
}

/// Hostile input, round two, (1): an output named like an input. The findings report of
/// `pack d/findings.csv d/other.csv --out d --findings` would have replaced the input
/// `findings.csv`; so would the rejected rows of `leads.csv` an input named
/// `leads-rejected.csv`. Both are refused before anything is written, and the inputs stay.
#[test]
fn an_output_named_like_an_input_is_refused_and_nothing_is_written() {
    let defects = std::fs::read(crate::shared::fixture("every-defect.csv")).expect("fixture");
    for (inputs, extra) in [
        (&["findings.csv", "other.csv"][..], &["--findings"][..]),
        (&["leads.csv", "leads-rejected.csv"][..], &[][..]),
    ] {
        let dir = TempDir::new("output-is-input");
        let paths: Vec<_> = inputs
            .iter()
            .map(|name| dir.write(name, &defects))
            .collect();
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"pack"];
        for path in &paths {
            args.push(path);
        }
        args.push(&"--out");
        args.push(&dir.0);
        for flag in extra {
            args.push(flag);
        }
        let run = leadpack(&args);
        assert_eq!(run.code, 2, "{inputs:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("is one of the files being packed; nothing was written"),
            "{}",
            run.stderr
        );
        assert_eq!(dir.names(), {
            let mut names: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
            names.sort();
            names
        });
        for path in &paths {
            assert_eq!(std::fs::read(path).expect("input"), defects, "{path:?}");
        }
    }
}

/// (12): packing again into the same folder removes the parts of an earlier split, and its
/// rejected rows, that this run does not write again, and names them.
#[test]
fn the_outputs_an_earlier_run_left_for_the_same_file_are_removed_and_named() {
    let dir = TempDir::new("stale");
    let (file, _) = generate(&dir, "leads.csv", &["--rows", "3000", "--seed", "5"]);
    let out = dir.path("out");
    let split = leadpack(&[
        &"pack",
        &file,
        &"--out",
        &out,
        &"--max-package-bytes",
        &"30000",
    ]);
    assert_eq!(split.code, 1, "{}", split.stderr);
    let parts = std::fs::read_dir(&out)
        .expect("out")
        .filter(|entry| {
            let name = entry.as_ref().expect("entry").file_name();
            name.to_string_lossy().starts_with("leads-part-")
        })
        .count();
    assert!(parts >= 3, "the first run is split: {parts} parts");
    // Someone else's file in the same folder stays.
    std::fs::write(out.join("notes.txt"), "mine").expect("notes");

    // The same file, its defects fixed, packed whole.
    let (file, _) = generate(
        &dir,
        "leads.csv",
        &["--rows", "3000", "--seed", "5", "--defect-rate", "0"],
    );
    let whole = leadpack(&[&"pack", &file, &"--out", &out]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    assert!(
        whole.stdout.contains("Removed leads-part-01-of-"),
        "{}",
        whole.stdout
    );
    assert!(
        whole.stdout.contains("Removed leads-rejected.csv"),
        "{}",
        whole.stdout
    );
    assert_eq!(names_in(&out), ["leads.zip", "notes.txt"]);
}

/// (3): a closed standard output (`| head`, `| true`) ends the run quietly: no panic, and the
/// files are written all the same.
#[test]
fn a_closed_standard_output_ends_the_run_quietly() {
    let dir = TempDir::new("closed-stdout");
    let fixture = crate::shared::fixture("every-defect.csv");
    let out = dir.path("out");
    let generated = dir.path("generated.csv");
    for args in [
        vec![
            "pack".to_string(),
            fixture.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--findings".into(),
        ],
        vec![
            "generate".to_string(),
            "--rows".into(),
            "50".into(),
            "--out".into(),
            generated.display().to_string(),
        ],
        vec!["check".to_string(), fixture.display().to_string()],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadpack"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("leadpack starts");
        // The reading end is closed before the tool prints anything.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("leadpack ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(
            output.status.code().is_some(),
            "{args:?}: ended by a signal"
        );
    }
    assert!(out.join("every-defect.zip").is_file());
    assert!(out.join("every-defect-findings.csv").is_file());
    assert!(generated.is_file());
}

/// (16): a size limit that is not a number of bytes says so in plain words, not with the
/// argument parser's advice about `--`.
#[test]
fn a_negative_or_zero_package_size_is_refused_in_plain_words() {
    let dir = TempDir::new("limit");
    let fixture = crate::shared::fixture("clean-utf8.csv");
    for limit in ["-5", "0", "-1e6", "ten"] {
        let run = leadpack(&[
            &"pack",
            &fixture,
            &"--out",
            &dir.0,
            &"--max-package-bytes",
            &limit,
        ]);
        assert_eq!(run.code, 2, "{limit}");
        assert!(
            run.stderr
                .contains("is not a size in bytes; use a whole number above zero"),
            "{limit}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("tip:"), "{limit}: {}", run.stderr);
    }
    assert!(dir.names().is_empty());
}

/// (4): input that can be read only once (standard input from a pipe, a named pipe) is read
/// once and packed like a file; before, the second reading found nothing ("stdin is empty") or
/// waited for ever.
#[cfg(unix)]
#[test]
fn input_that_can_be_read_only_once_is_packed_like_a_file() {
    use std::io::Write as _;
    let fixture = std::fs::read(crate::shared::fixture("every-defect.csv")).expect("fixture");

    let dir = TempDir::new("stdin");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadpack"))
        .args(["pack", "/dev/stdin", "--out"])
        .arg(&dir.0)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("leadpack starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&fixture)
        .expect("the file is piped");
    let output = child.wait_with_output().expect("leadpack ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("18 leads read, 13 packed, 5 left out"),
        "{stdout}"
    );
    assert_eq!(dir.names(), ["stdin-rejected.csv", "stdin.zip"]);

    let dir = TempDir::new("fifo");
    let fifo = dir.path("leads.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        let fixture = fixture.clone();
        std::thread::spawn(move || std::fs::write(fifo, fixture).expect("the pipe is written"))
    };
    let out = dir.path("out");
    let run = leadpack(&[&"pack", &fifo, &"--out", &out]);
    writer.join().expect("the writer ends");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("18 leads read, 13 packed, 5 left out"),
        "{}",
        run.stdout
    );
    assert!(out.join("leads.zip").is_file());
}
