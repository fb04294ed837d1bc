//! `leadpack check` as users run it: the built binary on the fixture files (see
//! tests/fixtures/README.md), its output and its exit codes.

use crate::shared::{DOCUMENTED_HEADER, fixture};
use crate::util::{TempDir, check_json, columns, findings, leadpack, only_file, rows_and_rules};

use serde_json::{Value, json};

fn triples(list: &[(u64, &str, &str)]) -> Vec<(u64, String, String)> {
    list.iter()
        .map(|&(row, field, rule)| (row, field.to_string(), rule.to_string()))
        .collect()
}

/// The first finding with this rule.
fn finding<'a>(file: &'a Value, rule: &str) -> &'a Value {
    file["issues"]
        .as_array()
        .expect("issues is an array")
        .iter()
        .find(|issue| issue["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:#}", file["issues"]))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|&(header, field)| (header.to_string(), field.to_string()))
        .collect()
}

/// The findings of every-defect.csv, one per defective row (see tests/fixtures/README.md).
const EVERY_DEFECT: [(u64, &str, &str); 14] = [
    (3, "firstName", "missing-name"),
    (4, "lastName", "missing-name"),
    (5, "", "missing-contact"),
    (7, "id", "duplicate-id"),
    (9, "", "malformed-row"),
    (10, "firstName", "too-long"),
    (11, "marketSegment", "unknown-segment"),
    (12, "marketSegment", "segment-normalised"),
    (13, "salesConcept", "unknown-concept"),
    (14, "email", "invalid-email"),
    (15, "phone", "invalid-phone"),
    (16, "company", "formula-like"),
    (17, "lastName", "hidden-characters"),
    (18, "", "likely-duplicate"),
];

/// The columns of windows-1252-semicolon.csv, each matched to its field.
const FRENCH_COLUMNS: [(&str, &str); 10] = [
    ("ID", "id"),
    ("Prénom", "firstName"),
    ("Nom", "lastName"),
    ("E-mail", "email"),
    ("Téléphone", "phone"),
    ("Segment", "marketSegment"),
    ("Concept", "salesConcept"),
    ("Société", "company"),
    ("Fonction", "position"),
    ("Code postal", "zipCode"),
];
// Clean files.

#[test]
fn a_clean_file_exits_0_with_a_text_summary_and_no_findings() {
    let run = leadpack(&[&"check", &fixture("clean-utf8.csv")]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "");
    let out = &run.stdout;
    assert!(
        out.starts_with("clean-utf8.csv: 25 leads, read as UTF-8, comma-separated\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "Result: 25 ready to import (0 of them with warnings), 0 with errors (left out of the package)"
        ),
        "{out}"
    );
    assert!(
        out.contains("No findings: every lead is ready for the CRM."),
        "{out}"
    );
    for title in ["First Name", "Email Address", "Zip Code"] {
        assert!(
            out.contains(&format!("->  {title} (100% sure, exact)")),
            "{title}: {out}"
        );
    }
}

#[test]
fn a_clean_file_as_json_has_every_lead_ready_and_no_issues() {
    let (code, report) = check_json(&[&fixture("clean-utf8.csv")]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    assert_eq!(file["file"], "clean-utf8.csv");
    assert_eq!(file["encoding"], "utf-8");
    assert_eq!(file["delimiter"], ",");
    assert_eq!(file["rows"], 25);
    assert_eq!(file["header_row"], 1);
    assert_eq!(file["issues"], json!([]));
    assert_eq!(file["notes"], json!([]));
    assert_eq!(
        file["summary"],
        json!({"records": 25, "ready": 25, "with_errors": 0, "with_warnings": 0, "blank_rows": 0})
    );
    let headers: Vec<String> = columns(file)
        .into_iter()
        .map(|(header, _)| header)
        .collect();
    assert_eq!(headers.join(","), DOCUMENTED_HEADER);
    assert_eq!(
        file["columns"][1]["samples"],
        json!(["Zoë", "José", "Hannah"])
    );
}

// Every defect.

#[test]
fn every_defect_exits_1_and_reports_one_finding_per_defective_row_in_file_order() {
    let (code, report) = check_json(&[&fixture("every-defect.csv")]);
    assert_eq!(code, 1, "{report:#}");
    let file = only_file(&report);
    assert_eq!(findings(file), triples(&EVERY_DEFECT));
    assert_eq!(
        file["summary"],
        json!({"records": 18, "ready": 13, "with_errors": 5, "with_warnings": 9, "blank_rows": 1})
    );
    assert_eq!(file["rows"], 18);
}

#[test]
fn every_defect_findings_carry_severities_values_and_references() {
    let (_, report) = check_json(&[&fixture("every-defect.csv")]);
    let file = only_file(&report);
    for (_, _, rule) in EVERY_DEFECT {
        let errors = [
            "missing-name",
            "missing-contact",
            "duplicate-id",
            "malformed-row",
        ];
        let expected = if errors.contains(&rule) {
            "error"
        } else {
            "warning"
        };
        assert_eq!(finding(file, rule)["severity"], expected, "{rule}");
    }
    let message = |rule: &str| finding(file, rule)["message"].as_str().unwrap().to_string();
    assert!(message("missing-name").contains("is empty"));
    assert!(message("duplicate-id").contains("row 2"));
    assert!(message("malformed-row").contains("11 values"));
    let duplicate = message("likely-duplicate");
    assert!(
        duplicate.contains("row 2") && duplicate.contains("100%"),
        "{duplicate}"
    );
    let too_long = finding(file, "too-long");
    assert_eq!(too_long["kept"], "Anne-Marguerite Smythe-Sm");
    assert_eq!(too_long["cut"], "ythe");
    assert_eq!(
        finding(file, "segment-normalised")["suggestion"],
        "Pre-Retirement"
    );
    assert_eq!(finding(file, "unknown-segment")["value"], "Millennials");
    assert_eq!(finding(file, "invalid-phone")["value"], "4.47901E+11");
    assert_eq!(finding(file, "formula-like")["value"], "=HYPERLINK(\"x\")");
    assert_eq!(finding(file, "hidden-characters")["value"], "Nowak\u{a0}");
    assert_eq!(
        file["issues"][1]["value"], "   ",
        "the whitespace-only last name"
    );
}

#[test]
fn every_defect_rows_are_the_same_with_crlf_or_cr_line_endings() {
    let lf = std::fs::read_to_string(fixture("every-defect.csv")).unwrap();
    let dir = TempDir::new("line-endings");
    for (name, ending) in [("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
        let path = dir.write(name, lf.replace('\n', ending));
        let (code, report) = check_json(&[&path]);
        assert_eq!(code, 1, "{name}: {report:#}");
        let file = only_file(&report);
        assert_eq!(findings(file), triples(&EVERY_DEFECT), "{name}");
        assert_eq!(file["summary"]["blank_rows"], 1, "{name}");
    }
}

#[test]
fn the_text_report_counts_rules_and_lists_findings_up_to_the_limit() {
    let run = leadpack(&[&"check", &"--limit", &"3", &fixture("every-defect.csv")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains(
            "Result: 13 ready to import (9 of them with warnings), 5 with errors (left out of the package)"
        ),
        "{out}"
    );
    assert!(
        out.contains("error    missing-name               2"),
        "{out}"
    );
    assert!(
        out.contains("warning  likely-duplicate           1"),
        "{out}"
    );
    let listed: Vec<&str> = out
        .lines()
        .filter(|line| line.trim_start().starts_with("row "))
        .collect();
    assert_eq!(listed.len(), 3, "{out}");
    assert!(listed[0].contains("row 3") && listed[0].contains("First Name"));
    assert!(listed[1].contains("row 4") && listed[1].contains("Last Name"));
    assert!(listed[2].contains("row 5") && listed[2].contains("(row)"));
    assert!(out.contains("… and 11 more"), "{out}");
}

// Windows-1252, semicolons, CRLF.

#[test]
fn a_windows_1252_semicolon_export_is_decoded_and_split() {
    let (code, report) = check_json(&[&fixture("windows-1252-semicolon.csv")]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    assert_eq!(file["encoding"], "windows-1252");
    assert_eq!(file["delimiter"], ";");
    assert_eq!(file["rows"], 20);
    assert_eq!(file["issues"], json!([]));
    assert_eq!(file["summary"]["ready"], 20);
    assert!(
        file["notes"][0]
            .as_str()
            .is_some_and(|note| note.contains("Windows-1252")),
        "{:#}",
        file["notes"]
    );
    let headers: Vec<String> = columns(file)
        .into_iter()
        .map(|(header, _)| header)
        .collect();
    assert_eq!(
        headers,
        FRENCH_COLUMNS.map(|(header, _)| header.to_string())
    );
    let columns = &file["columns"];
    assert_eq!(
        columns[1]["samples"],
        json!(["Amélie", "François", "Hélène"])
    );
    // ’ (0x92) and Œ (0x8C) exist in Windows-1252 but not in ISO-8859-1.
    assert_eq!(columns[7]["samples"][0], "Boulangerie d’Amélie");
    assert_eq!(columns[8]["samples"][2], "Œnologue");
}

#[test]
fn every_column_of_the_windows_1252_export_is_mapped() {
    let (_, report) = check_json(&[&fixture("windows-1252-semicolon.csv")]);
    assert_eq!(
        columns(only_file(&report)),
        pairs(&FRENCH_COLUMNS),
        "a French export's Société and Fonction should be imported as Company and Position"
    );
}

#[test]
fn a_chosen_encoding_is_used_without_the_fallback_note() {
    let (code, report) = check_json(&[
        &"--encoding",
        &"windows-1252",
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    assert_eq!(file["encoding"], "windows-1252");
    assert_eq!(file["notes"], json!([]));
    assert_eq!(file["columns"][2]["samples"][2], "Garçon");
}

// Excel's CSV UTF-8: byte order mark, CRLF.

#[test]
fn excel_csv_utf8_with_bom_is_read_with_its_warnings() {
    let (code, report) = check_json(&[&fixture("excel-utf8-bom.csv")]);
    assert_eq!(code, 0, "warnings alone exit 0: {report:#}");
    let file = only_file(&report);
    assert_eq!(file["encoding"], "utf-8");
    assert_eq!(file["delimiter"], ",");
    assert_eq!(file["rows"], 20);
    assert_eq!(
        file["columns"][0]["header"], "Lead Ref",
        "the byte order mark is not part of the first header"
    );
    let mapped: Vec<(String, String)> = columns(file).into_iter().skip(1).collect();
    assert_eq!(
        mapped,
        pairs(&[
            ("Given Name", "firstName"),
            ("Surname", "lastName"),
            ("E-mail", "email"),
            ("Mobile", "phone"),
            ("Segment", "marketSegment"),
            ("Concept", "salesConcept"),
            ("Organisation", "company"),
            ("Job Title", "position"),
            ("Postal Code", "zipCode"),
        ])
    );
    assert_eq!(
        findings(file),
        triples(&[
            (3, "marketSegment", "segment-normalised"),
            (5, "company", "too-long"),
        ])
    );
    assert_eq!(file["issues"][0]["value"], "pre retirement");
    assert_eq!(file["issues"][0]["suggestion"], "Pre-Retirement");
    assert_eq!(file["issues"][1]["cut"], "stees");
    assert_eq!(
        file["summary"],
        json!({"records": 20, "ready": 20, "with_errors": 0, "with_warnings": 2, "blank_rows": 0})
    );
}

#[test]
fn a_lead_ref_column_is_matched_to_id() {
    let (_, report) = check_json(&[&fixture("excel-utf8-bom.csv")]);
    let first = &only_file(&report)["columns"][0];
    assert_eq!(
        (first["header"].as_str(), first["field"].as_str()),
        (Some("Lead Ref"), Some("id")),
        "without an ID column, repeated IDs go unnoticed: {first:#}"
    );
}

// Unusable arguments and files.

#[test]
fn an_unknown_encoding_exits_2_naming_the_value() {
    let run = leadpack(&[
        &"check",
        &"--encoding",
        &"klingon",
        &fixture("clean-utf8.csv"),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("“klingon”"), "{}", run.stderr);
    assert!(run.stderr.contains("utf-8"), "it lists encodings to try");
    assert_eq!(run.stdout, "", "no report for unusable arguments");
}

#[test]
fn an_encoding_label_that_cannot_decode_text_is_refused() {
    // WHATWG maps ISO-2022-KR (like HZ-GB-2312 and a few others) to its "replacement" encoding,
    // which reads a whole file as one U+FFFD: the report would say "0 leads" and exit 1.
    let run = leadpack(&[
        &"check",
        &"--encoding",
        &"iso-2022-kr",
        &fixture("clean-utf8.csv"),
    ]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("iso-2022-kr"), "{}", run.stderr);
}

#[test]
fn a_missing_file_exits_2_naming_the_file_without_panicking() {
    let dir = TempDir::new("missing");
    let missing = dir.path("no-such-leads.csv");
    let run = leadpack(&[&"check", &missing]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&missing.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_folder_instead_of_a_file_exits_2() {
    let dir = TempDir::new("folder");
    let run = leadpack(&[&"check", &dir.0]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("folder"), "{}", run.stderr);
}

#[test]
fn a_png_named_csv_exits_2_with_advice() {
    let dir = TempDir::new("png");
    let png = dir.write(
        "leads.csv",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0",
    );
    let run = leadpack(&[&"check", &png]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("leads.csv"), "{}", run.stderr);
    assert!(run.stderr.contains("PNG image"), "{}", run.stderr);
    assert!(run.stderr.contains("CSV"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_damaged_workbook_exits_2_with_advice() {
    let dir = TempDir::new("xlsx");
    let xlsx = dir.write(
        "leads.xlsx",
        b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0[Content_Types].xml",
    );
    let run = leadpack(&[&"check", &xlsx]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("leads.xlsx: this looks like a workbook but it cannot be read"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("damaged"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Save As") && run.stderr.contains("CSV"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_empty_file_exits_2() {
    let dir = TempDir::new("empty");
    let empty = dir.write("empty.csv", b"");
    let run = leadpack(&[&"check", &empty]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("empty.csv is empty"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_file_of_blank_lines_exits_2() {
    let dir = TempDir::new("blank");
    let blank = dir.write("blank.csv", b"\r\n\r\n\n");
    let run = leadpack(&[&"check", &blank]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("only blank lines"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Choose the file that holds your leads."),
        "{}",
        run.stderr
    );
}

#[test]
fn control_characters_in_headers_and_values_are_printed_as_spaces() {
    let dir = TempDir::new("control");
    let file = dir.write(
        "control.csv",
        "First Name,Last Name,Email Address,Tag\u{1}Col,Bell\u{7}\u{1b}[31m\nAnn\u{1},Lee,ann@example.com,a,b\n",
    );
    let run = leadpack(&[&"check", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // As the package names these columns: a space for each control character.
    assert!(run.stdout.contains("    Tag Col "), "{}", run.stdout);
    assert!(run.stdout.contains("    Bell  [31m "), "{}", run.stdout);
    assert!(
        run.stdout.contains("control character at the end"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reaches the terminal: {:?}",
        run.stdout
    );
}

#[test]
fn missing_arguments_and_unknown_formats_exit_2() {
    assert_eq!(leadpack(&[&"check"]).code, 2);
    let run = leadpack(&[&"check", &"--format", &"xml", &fixture("clean-utf8.csv")]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("xml"), "{}", run.stderr);
    assert_eq!(leadpack(&[&"--help"]).code, 0);
}

// Mappings.

#[test]
fn a_mapping_file_maps_the_columns_it_names() {
    let dir = TempDir::new("mapping");
    let mapping = dir.write(
        "french.json",
        r#"{"columns": {"ID": "id", "Prénom": "firstName", "Nom": "lastName", "E-mail": "email",
            "Téléphone": "phone", "Segment": "marketSegment", "Concept": "salesConcept",
            "Société": "company", "Fonction": "position", "Code postal": null}}"#,
    );
    let (code, report) = check_json(&[
        &"--mapping",
        &mapping,
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    let mut expected = FRENCH_COLUMNS;
    expected[9].1 = "";
    assert_eq!(columns(file), pairs(&expected));
    let kinds: Vec<&str> = file["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["matched_by"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..9], ["chosen"; 9]);
    assert_eq!(kinds[9], "none");
    assert_eq!(file["issues"], json!([]));
}

#[test]
fn a_mapping_without_the_name_columns_leaves_them_missing() {
    let dir = TempDir::new("mapping-partial");
    let mapping = dir.write("partial.json", r#"{"columns": {"Email Address": "email"}}"#);
    let (code, report) = check_json(&[&"--mapping", &mapping, &fixture("clean-utf8.csv")]);
    assert_eq!(code, 1, "{report:#}");
    let on_header: Vec<_> = findings(only_file(&report))
        .into_iter()
        .filter(|(row, _, _)| *row == 1)
        .collect();
    assert_eq!(
        on_header,
        triples(&[
            (1, "firstName", "missing-column"),
            (1, "lastName", "missing-column")
        ])
    );
}

#[test]
fn a_malformed_mapping_exits_2_with_a_message_and_an_example() {
    let dir = TempDir::new("bad-mapping");
    let cases = [
        ("broken.json", r#"{"columns": {"Prénom": "#),
        ("list.json", r#"["firstName"]"#),
        (
            "unknown-field.json",
            r#"{"columns": {"Prénom": "givenName"}}"#,
        ),
    ];
    for (name, text) in cases {
        let mapping = dir.write(name, text);
        let run = leadpack(&[
            &"check",
            &"--mapping",
            &mapping,
            &fixture("windows-1252-semicolon.csv"),
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(r#"{"columns": {"Work Phone": "phone""#),
            "it shows what a mapping looks like: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{name}");
    }
}

#[test]
fn a_mapping_with_an_unknown_field_key_names_that_key() {
    let dir = TempDir::new("mapping-typo");
    let mapping = dir.write(
        "typo.json",
        r#"{"columns": {"Prénom": "givenName", "Nom": "lastName"}}"#,
    );
    let run = leadpack(&[
        &"check",
        &"--mapping",
        &mapping,
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("givenName"),
        "the message should name the key that is not a lead field: {}",
        run.stderr
    );
}

#[test]
fn a_mapping_giving_two_columns_one_field_exits_2() {
    let dir = TempDir::new("mapping-twice");
    let mapping = dir.write(
        "twice.json",
        r#"{"columns": {"Prénom": "firstName", "Nom": "firstName"}}"#,
    );
    let run = leadpack(&[
        &"check",
        &"--mapping",
        &mapping,
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("“Prénom”") && run.stderr.contains("“Nom”"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_mapping_file_exits_2_naming_it() {
    let dir = TempDir::new("mapping-missing");
    let mapping = dir.path("nowhere.json");
    let run = leadpack(&[&"check", &"--mapping", &mapping, &fixture("clean-utf8.csv")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&mapping.display().to_string()),
        "{}",
        run.stderr
    );
}

// Several files.

#[test]
fn with_one_unusable_file_the_others_are_still_reported_and_the_exit_is_2() {
    let dir = TempDir::new("several");
    let png = dir.write("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let text = leadpack(&[&"check", &png, &fixture("clean-utf8.csv")]);
    assert_eq!(text.code, 2);
    assert!(text.stderr.contains("photo.csv"), "{}", text.stderr);
    assert!(
        text.stdout
            .starts_with("clean-utf8.csv: 25 leads, read as UTF-8, comma-separated"),
        "{}",
        text.stdout
    );

    let (code, report) = check_json(&[
        &fixture("clean-utf8.csv"),
        &png,
        &fixture("every-defect.csv"),
    ]);
    assert_eq!(code, 2, "an unusable file outranks errors found");
    let names: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["file"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["clean-utf8.csv", "every-defect.csv"]);
    assert_eq!(findings(&report["files"][1]), triples(&EVERY_DEFECT));
}

#[test]
fn several_readable_files_are_reported_in_order_and_errors_exit_1() {
    let run = leadpack(&[
        &"check",
        &fixture("clean-utf8.csv"),
        &fixture("excel-utf8-bom.csv"),
        &fixture("every-defect.csv"),
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let firsts: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.contains(" leads, read as "))
        .collect();
    assert_eq!(
        firsts,
        [
            "clean-utf8.csv: 25 leads, read as UTF-8, comma-separated",
            "excel-utf8-bom.csv: 20 leads, read as UTF-8, comma-separated",
            "every-defect.csv: 18 leads, read as UTF-8, comma-separated",
            "windows-1252-semicolon.csv: 20 leads, read as WINDOWS-1252, semicolon-separated",
        ],
        "{}",
        run.stdout
    );
}

// Delimiter, segments and concepts.

#[test]
fn the_delimiter_option_overrides_detection() {
    let (code, report) =
        check_json(&[&"--delimiter", &";", &fixture("windows-1252-semicolon.csv")]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    assert_eq!(file["delimiter"], ";");
    assert_eq!(file["columns"].as_array().unwrap().len(), 10);

    // A comma file read as semicolon-separated: its header is one column, so no lead has a name.
    let (code, report) = check_json(&[&"--delimiter", &";", &fixture("clean-utf8.csv")]);
    assert_eq!(code, 1, "{report:#}");
    let file = only_file(&report);
    assert_eq!(file["delimiter"], ";");
    assert_eq!(file["columns"].as_array().unwrap().len(), 1);
    assert_eq!(file["columns"][0]["header"], DOCUMENTED_HEADER);
    assert!(
        findings(file).contains(&(1, "firstName".into(), "missing-column".into())),
        "{:#}",
        file["issues"]
    );
}

#[test]
fn the_delimiter_option_takes_words_and_refuses_two_characters() {
    let run = leadpack(&[
        &"check",
        &"--delimiter",
        &"semicolon",
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("semicolon-separated"), "{}", run.stdout);

    let run = leadpack(&[
        &"check",
        &"--delimiter",
        &";;",
        &fixture("windows-1252-semicolon.csv"),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("“;;”"), "{}", run.stderr);
}

#[test]
fn the_segment_option_makes_a_firms_own_segment_known() {
    let dir = TempDir::new("segment");
    let leads = dir.write(
        "families.csv",
        format!(
            "{DOCUMENTED_HEADER}\n\
             F1,Ann,Lee,ann.lee@example.com,,Young Families,Mortgage Needs,,,\n\
             F2,Bob,Ray,bob.ray@example.com,,young families,,,,\n"
        ),
    );

    let (code, report) = check_json(&[&leads]);
    assert_eq!(code, 0, "unknown segments are warnings: {report:#}");
    assert_eq!(
        findings(only_file(&report)),
        triples(&[
            (2, "marketSegment", "unknown-segment"),
            (3, "marketSegment", "unknown-segment")
        ])
    );

    let (code, report) = check_json(&[&"--segment", &"Young Families", &leads]);
    assert_eq!(code, 0, "{report:#}");
    let file = only_file(&report);
    assert_eq!(
        findings(file),
        triples(&[(3, "marketSegment", "segment-normalised")])
    );
    assert_eq!(file["issues"][0]["suggestion"], "Young Families");
}

#[test]
fn segment_and_concept_options_silence_only_those_findings() {
    let (code, report) = check_json(&[
        &"--segment",
        &"Millennials",
        &"--concept",
        &"Education Savings",
        &fixture("every-defect.csv"),
    ]);
    assert_eq!(code, 1, "{report:#}");
    let expected: Vec<(u64, &str, &str)> = EVERY_DEFECT
        .into_iter()
        .filter(|(row, _, _)| *row != 11 && *row != 13)
        .collect();
    assert_eq!(findings(only_file(&report)), triples(&expected));
}
#[test]
fn neutralised_formulas_are_no_longer_reported_and_are_packed_as_text() {
    let (_, report) = check_json(&[&"--neutralise-formulas", &fixture("every-defect.csv")]);
    let file = only_file(&report);
    assert!(
        !findings(file)
            .iter()
            .any(|(_, _, rule)| rule == "formula-like"),
        "{:?}",
        findings(file)
    );
    assert_eq!(file["changes"][0]["reason"], "formula neutralised");
    assert_eq!(file["changes"][0]["after"], "'=HYPERLINK(\"x\")");
}

/// The column list follows the template given: its custom fields with their types and
/// formats; without one, a column of dates says how a template can read it.
#[test]
fn the_column_list_shows_custom_fields_and_columns_of_dates() {
    let dir = TempDir::new("custom-fields");
    let csv = dir.write(
        "club.csv",
        "First Name,Last Name,Email,Since,VIP\n\
         Zoë,Lee,z@example.com,2024-02-02,Y\n\
         Marc,Roy,m@example.com,2023-12-31,N\n\
         Ann,Lee,a@example.com,1999-07-14,Y\n",
    );
    let run = leadpack(&[&"check", &csv]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "Since       ->  packed as a user field: its values are dates (yyyy-MM-dd): a custom field of type date can hold them\n"
        ),
        "{}",
        run.stdout
    );
    let template = dir.write(
        "club.json",
        r#"{"version": 1, "columns": [
            {"header": "First Name", "target": "field", "field": "firstName"},
            {"header": "Last Name", "target": "field", "field": "lastName"},
            {"header": "Email", "target": "field", "field": "email"},
            {"header": "Since", "target": "custom-field", "name": "Member since", "type": "date"},
            {"header": "VIP", "target": "custom-field", "type": "boolean", "true": ["Y"]}
        ]}"#,
    );
    let run = leadpack(&[&"check", &csv, &"--template", &template]);
    assert_eq!(
        run.code, 1,
        "N is set to neither: {}{}",
        run.stdout, run.stderr
    );
    for line in [
        "Since       ->  packed as the custom field Member since (date, read as yyyy-MM-dd)\n",
        "VIP         ->  packed as the custom field VIP (boolean)\n",
        "error    unset-boolean              1  Yes/no value not set to True or False\n",
    ] {
        assert!(run.stdout.contains(line), "{line}{}", run.stdout);
    }
}

/// Text in Rich Text Format: reported without the converter, judged and packed as its text
/// with a template that gives a column `rtf2plain`.
#[test]
fn a_template_turns_rtf_into_text_for_the_checks_and_the_package() {
    let dir = TempDir::new("rtf");
    let csv = dir.write(
        "notes.csv",
        "First Name,Last Name,Email,Notes\n\
         Zoë,Lee,z@example.com,\"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Call back\\par}\"\n",
    );
    let (code, report) = check_json(&[&csv]);
    assert_eq!(code, 0, "a warning only: {report}");
    assert_eq!(
        rows_and_rules(only_file(&report)),
        [(2, "rtf-codes".to_string())]
    );
    let template = dir.write(
        "notes.json",
        r#"{"version": 1, "text_converters": {"Notes": "rtf2plain"}}"#,
    );
    let (_, report) = check_json(&[&"--template", &template, &csv]);
    assert_eq!(rows_and_rules(only_file(&report)), []);

    let out = dir.path("out");
    let run = leadpack(&[&"pack", &csv, &"--template", &template, &"--out", &out]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let package = std::fs::read(out.join("notes.zip")).expect("the package");
    let entries = crate::shared::zip_entries(&package);
    let text = |name: &str| {
        let (_, bytes) = entries.iter().find(|(n, _)| n == name).expect(name);
        String::from_utf8(bytes.clone()).unwrap()
    };
    assert_eq!(
        text("notes.csv"),
        "First Name,Last Name,Email Address,Notes\r\nZoë,Lee,z@example.com,Call back\r\n"
    );
    assert!(text("notes_mappings.xml").contains("<textConverter name=\"rtf2plain\"/>"));
}
