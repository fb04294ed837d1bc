//! `leadpack pack`: the same packages on any number of cores, and never a file written over one
//! of its inputs.

use crate::shared::{Faults, hostile_bytes, hostile_path};
use crate::util::{TempDir, check_json, generate, leadpack};

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
