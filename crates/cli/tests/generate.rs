//! `leadpack generate`: the test files it writes, and how they check.

use crate::shared::DOCUMENTED_HEADER;
use crate::util::{TempDir, check_json, columns, generate, leadpack, only_file};
use std::path::Path;

#[test]
fn a_generated_file_checks_consistently_with_its_summary_line() {
    let dir = TempDir::new("generate");
    let (file, errors) = generate(&dir, "leads.csv", &["--rows", "50", "--seed", "7"]);
    assert!(
        starts_with_documented_header(&file),
        "the file starts with the documented header"
    );

    let text = leadpack(&[&"check", &file]);
    assert_eq!(
        text.code,
        if errors > 0 { 1 } else { 0 },
        "{errors} with errors: {}",
        text.stdout
    );
    assert!(
        text.stdout
            .starts_with("leads.csv: 50 leads, read as UTF-8, comma-separated"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!(", {errors} with errors (left out")),
        "{errors}: {}",
        text.stdout
    );

    let (_, report) = check_json(&[&file]);
    let summary = &only_file(&report)["summary"];
    assert_eq!(summary["records"], 50);
    assert_eq!(summary["with_errors"], errors);

    let (again, _) = generate(&dir, "again.csv", &["--rows", "50", "--seed", "7"]);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(&again).unwrap(),
        "the same seed writes the same file"
    );
}

fn starts_with_documented_header(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.starts_with(DOCUMENTED_HEADER))
}

#[test]
fn generated_files_in_every_header_spelling_check_to_the_errors_they_were_given() {
    let dir = TempDir::new("generate-headers");
    for header in ["documented", "nexj", "export"] {
        let (file, errors) = generate(
            &dir,
            &format!("{header}.csv"),
            &["--rows", "300", "--seed", "1", "--header", header],
        );
        assert!(errors > 0, "seed 1 gives some errors");
        let (code, report) = check_json(&[&file]);
        assert_eq!(code, 1, "{header}: {report:#}");
        let file = only_file(&report);
        assert_eq!(
            file["summary"]["with_errors"],
            errors,
            "{header}: the generator wrote {errors} leads with errors; columns: {:?}",
            columns(file)
        );
    }
}

#[test]
fn generate_refuses_a_bad_defect_rate_and_an_unwritable_path() {
    let dir = TempDir::new("generate-unwritable");
    let out = dir.path("leads.csv");
    let run = leadpack(&[&"generate", &"--defect-rate", &"1.5", &"--out", &out]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--defect-rate"), "{}", run.stderr);
    assert!(!out.exists(), "nothing is written");

    let inside_missing = dir.path("no-such-folder").join("leads.csv");
    let run = leadpack(&[&"generate", &"--out", &inside_missing]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&inside_missing.display().to_string()),
        "{}",
        run.stderr
    );
}
