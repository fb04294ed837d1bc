//! The engine's checker on whole files: reading real-world CSV shapes and applying every rule.

use crate::shared::assert_says;
use crate::util::check;
use leadpack_engine::{
    CheckOptions, ColumnPlan, Field, FileChecker, FileReport, Finding, ReadErrorKind, ReadOptions,
    Rule, Severity, Target, check_bytes,
};

const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code\n";

/// The file with one record after the documented header.
fn one(record: &str) -> FileReport {
    check(&format!("{HEADER}{record}\n"))
}

fn rules(report: &FileReport) -> Vec<(u64, Option<Field>, Rule)> {
    report
        .issues
        .iter()
        .map(|f| (f.row, f.field, f.rule))
        .collect()
}

fn findings_of(report: &FileReport, rule: Rule) -> Vec<Finding> {
    report.issues.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn a_clean_lead_has_no_findings() {
    let report = one(
        "L1,Ann,Lee,ann@example.com,+1 416 555 0199,Retirement,Mortgage Needs,\"Lee, Lee & Co\",Advisor,M5V 2T6",
    );
    assert_eq!(report.issues.to_vec(), []);
    assert_eq!(report.summary.records, 1);
    assert_eq!(report.summary.ready, 1);
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(report.delimiter, ",");
}

#[test]
fn a_25_character_name_with_accents_is_not_too_long() {
    let name = "Zoë-Anaïs Éléonore Müller"; // 25 characters, 30 bytes
    assert_eq!(name.chars().count(), 25);
    let report = one(&format!("L1,{name},Lee,a@example.com,,,,,,"));
    assert!(
        findings_of(&report, Rule::TooLong).is_empty(),
        "{:?}",
        report.issues
    );
}

#[test]
fn too_long_first_name_counts_characters_and_shows_kept_and_cut_parts() {
    let report = one("L1,  Anne-Marguerite Smythe-Smythe  ,Lee,a@example.com,,,,,,");
    let found = findings_of(&report, Rule::TooLong);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].field, Some(Field::FirstName));
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(found[0].kept.as_deref(), Some("Anne-Marguerite Smythe-Sm"));
    assert_eq!(found[0].cut.as_deref(), Some("ythe"));
    assert!(
        found[0].message.contains("29 characters"),
        "{}",
        found[0].message
    );
}

#[test]
fn whitespace_only_names_are_missing() {
    let report = one("L1,   ,\t,a@example.com,,,,,,");
    assert_eq!(
        rules(&report),
        [
            (2, Some(Field::FirstName), Rule::MissingName),
            (2, Some(Field::LastName), Rule::MissingName)
        ]
    );
    assert!(report.issues.to_vec()[0].message.contains("only spaces"));
    assert_eq!(report.summary.with_errors, 1);
}

#[test]
fn a_lead_without_email_and_phone_is_rejected() {
    let report = one("L1,Ann,Lee, , ,,,,,");
    assert_eq!(rules(&report), [(2, None, Rule::MissingContact)]);
}

#[test]
fn a_phone_alone_is_enough_contact() {
    assert_eq!(one("L1,Ann,Lee,,416-555-0199,,,,,").issues.to_vec(), []);
}

#[test]
fn pre_retirement_is_normalised_and_millennials_is_unknown() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,a@example.com,,Pre Retirement,,,,\nL2,Bob,Ray,b@example.com,,Millennials,,,,\n"
    ));
    assert_eq!(
        rules(&report),
        [
            (2, Some(Field::MarketSegment), Rule::SegmentNormalised),
            (3, Some(Field::MarketSegment), Rule::UnknownSegment)
        ]
    );
    assert_eq!(
        report.issues.to_vec()[0].suggestion.as_deref(),
        Some("Pre-Retirement")
    );
    assert_eq!(report.issues.to_vec()[1].suggestion, None);
    assert_eq!(report.summary.ready, 2, "segment findings are warnings");
}

#[test]
fn unknown_concept_suggests_the_closest_known_value() {
    let report = one("L1,Ann,Lee,a@example.com,,,Survivor Need,,,");
    let found = findings_of(&report, Rule::UnknownConcept);
    assert_eq!(found[0].suggestion.as_deref(), Some("Survivor Needs"));
}

#[test]
fn a_firms_own_segments_are_known() {
    let mut options = CheckOptions::default();
    options.template.segments = vec!["Young Families".into()];
    let text = format!("{HEADER}L1,Ann,Lee,a@example.com,,Young Families,,,,\n");
    let report = check_bytes("f.csv", text.as_bytes(), options).unwrap();
    assert_eq!(report.issues.to_vec(), []);
}

#[test]
fn the_second_and_third_l42_are_duplicates_of_the_first() {
    let report = check(&format!(
        "{HEADER}L42,Ann,Lee,a@example.com,,,,,,\nL43,Bob,Ray,b@example.com,,,,,,\nL42,Cy,Fox,c@example.com,,,,,,\nL42,Di,Orr,d@example.com,,,,,,\n"
    ));
    let found = findings_of(&report, Rule::DuplicateId);
    assert_eq!(found.iter().map(|f| f.row).collect::<Vec<_>>(), [4, 5]);
    assert!(found.iter().all(|f| f.message.contains("row 2")));
    assert_eq!(report.summary.with_errors, 2);
    assert_eq!(report.summary.ready, 2);
}

#[test]
fn quoted_fields_with_commas_quotes_and_line_breaks_stay_one_record() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,a@example.com,,,,\"Smith, \"\"Jones\"\" & Co\",\"Senior\nAdvisor\",\nL2,Bob,Ray,b@example.com,,,,,,\n"
    ));
    assert_eq!(report.summary.records, 2);
    assert!(findings_of(&report, Rule::MalformedRow).is_empty());
    // The second lead is on row 3: a record spanning two lines is one spreadsheet row.
    assert!(
        report.issues.iter().all(|f| f.row == 2),
        "{:?}",
        report.issues
    );
}

#[test]
fn crlf_bom_and_semicolons_as_excel_writes_them() {
    let text = "\u{feff}ID;First Name;Last Name;Email\r\nL1;Zoë;Lee;z@example.com\r\nL2;;Ray;b@example.com\r\n";
    let report = check(text);
    assert_eq!(report.delimiter, ";");
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(
        report.columns[0].column.header, "ID",
        "the BOM is not part of the first header"
    );
    assert_eq!(report.columns[0].column.field, Some(Field::Id));
    assert_eq!(
        rules(&report),
        [(3, Some(Field::FirstName), Rule::MissingName)]
    );
}

#[test]
fn tab_separated_file() {
    let report = check("ID\tFirst Name\tLast Name\tPhone\nL1\tAnn\tLee\t416 555 0199\n");
    assert_eq!(report.delimiter, "\\t");
    assert_eq!(report.issues.to_vec(), []);
}

#[test]
fn windows_1252_bytes_are_read_as_windows_1252() {
    let bytes = b"ID;Pr\xE9nom;Nom;Email\r\nL1;Ren\xE9e;Ch\xE2teau;r@example.com\r\n";
    let report = check_bytes("export.csv", bytes, CheckOptions::default()).unwrap();
    assert_eq!(report.encoding, "windows-1252");
    assert_eq!(report.samples[1][0], "Renée");
    assert_eq!(report.columns[1].column.field, Some(Field::FirstName));
    assert_eq!(report.columns[2].column.field, Some(Field::LastName));
    assert!(report.notes.iter().any(|n| n.contains("Windows-1252")));
}

#[test]
fn chosen_encoding_and_delimiter_override_detection() {
    let options = CheckOptions {
        read: ReadOptions {
            encoding: Some(encoding_rs::WINDOWS_1252),
            delimiter: Some(b'|'),
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    let report = check_bytes(
        "x.csv",
        "First Name|Last Name|Phone\nZoë|Lee|4165550199\n".as_bytes(),
        options,
    )
    .unwrap();
    assert_eq!(report.encoding, "windows-1252");
    assert_eq!(report.samples[0][0], "ZoÃ«");
}

#[test]
fn broken_rows_are_reported_and_reading_goes_on() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,a@example.com,,,,,,,extra\nL2,Bob\nL3,Cy,Fox,c@example.com,,,,,,\n"
    ));
    assert_eq!(
        rules(&report),
        [(2, None, Rule::MalformedRow), (3, None, Rule::MalformedRow)]
    );
    assert_eq!(report.summary.records, 3);
    assert_eq!(report.summary.ready, 1);
}

#[test]
fn an_unterminated_quote_is_a_broken_row() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,a@example.com,,,,\"Open Co,,\nL2,Bob,Ray,b@example.com,,,,,,\n"
    ));
    assert_eq!(rules(&report), [(2, None, Rule::MalformedRow)]);
    assert!(report.issues.to_vec()[0].message.contains("never closed"));
}

#[test]
fn blank_lines_count_as_rows_but_not_as_records() {
    let report = check(&format!(
        "{HEADER}\nL1,,Lee,a@example.com,,,,,,\n\n\nL2,Bob,,b@example.com,,,,,,\n"
    ));
    assert_eq!(
        report.issues.iter().map(|f| f.row).collect::<Vec<_>>(),
        [3, 6]
    );
    assert_eq!(report.summary.records, 2);
    assert_eq!(report.summary.blank_rows, 3);
}

#[test]
fn missing_name_and_contact_columns_are_reported_on_the_header() {
    let report = check("ID,Company\nL1,Acme\n");
    let missing = findings_of(&report, Rule::MissingColumn);
    assert_eq!(missing.len(), 3);
    assert!(missing.iter().all(|f| f.row == 1));
    assert_eq!(report.summary.with_errors, 1);
}

#[test]
fn a_second_phone_column_is_listed_not_imported() {
    let report =
        check("First Name,Last Name,Work Phone,Mobile\nAnn,Lee,416 555 0199,647 555 0100\n");
    let duplicate = findings_of(&report, Rule::DuplicateColumn);
    assert_eq!(duplicate.len(), 1);
    assert_eq!(duplicate[0].field, Some(Field::Phone));
    assert_eq!(report.columns[3].column.field, None);
    assert_eq!(report.summary.ready, 1);
}

#[test]
fn quality_warnings_name_their_fields() {
    let report = one("L1,=HYPERLINK(\"x\"),Lee\u{a0},ann@@example,4.47901E+11,,,,,");
    assert_eq!(
        rules(&report),
        [
            (2, Some(Field::FirstName), Rule::FormulaLike),
            (2, Some(Field::LastName), Rule::HiddenCharacters),
            (2, Some(Field::Email), Rule::InvalidEmail),
            (2, Some(Field::Phone), Rule::InvalidPhone),
        ]
    );
    assert_eq!(report.summary.with_warnings, 1);
}

#[test]
fn double_encoded_accents_are_spotted() {
    let report = one("L1,ZoÃ«,Lee,a@example.com,,,,,,");
    let found = findings_of(&report, Rule::Mojibake);
    assert_eq!(found[0].suggestion.as_deref(), Some("Zoë"));
    assert!(report.notes.iter().any(|n| n.contains("double-encoded")));
}

#[test]
fn invalid_utf8_in_a_utf8_file_is_located_and_kept_readable() {
    let mut bytes = HEADER.as_bytes().to_vec();
    // The sample must look like UTF-8, so the bad byte comes after a valid first record.
    bytes.extend_from_slice("L1,Zoë,Lee,a@example.com,,,,,,\n".as_bytes());
    bytes.extend_from_slice(b"L2,Ren\xE9e,Lee,b@example.com,,,,,,\n");
    let options = CheckOptions {
        read: ReadOptions {
            encoding: Some(encoding_rs::UTF_8),
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    let report = check_bytes("mixed.csv", &bytes, options).unwrap();
    assert_eq!(
        rules(&report),
        [(3, Some(Field::FirstName), Rule::InvalidEncoding)]
    );
    assert_eq!(report.samples[1][1], "Renée");
    let finding = &report.issues.to_vec()[0];
    assert_eq!(finding.value.as_deref(), Some("Renée"));
    assert_says(
        &finding.message,
        &[
            "First Name (“Renée”) has a byte that is not valid UTF-8",
            "Read as Windows-1252 it is “é”",
            "the package holds the value so",
            "save the file as CSV UTF-8",
        ],
    );
}

#[test]
fn the_same_lead_twice_is_a_likely_duplicate() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,ann@example.com,416 555 0199,,,,,\nL2,ann,LEE,Ann@Example.com,(416) 555-0199,,,,,\nL3,Bob,Ray,bob@example.com,416 555 0199,,,,,\n"
    ));
    let found = findings_of(&report, Rule::LikelyDuplicate);
    assert_eq!(
        found.len(),
        1,
        "a shared phone alone is not enough: {:?}",
        report.issues
    );
    assert_eq!(found[0].row, 3);
    assert!(found[0].message.contains("row 2") && found[0].message.contains("100%"));
}

#[test]
fn the_nexj_example_header_is_understood() {
    let report = check(
        "ID,lastName,firstName,Work Phone,Email,Market Segment,Sale Concept\n1,Lee,Ann,416 555 0199,ann@example.com,Retirement,Retirement Income\n",
    );
    assert_eq!(report.issues.to_vec(), []);
    assert!(report.columns.iter().all(|c| c.column.field.is_some()));
}

#[test]
fn an_explicit_mapping_replaces_matching() {
    let mut options = CheckOptions::default();
    for (header, field) in [
        ("A", Field::FirstName),
        ("B", Field::LastName),
        ("C", Field::Email),
    ] {
        options.template.columns.push(ColumnPlan {
            header: header.into(),
            target: Target::Field { field },
        });
    }
    let report = check_bytes("m.csv", b"A,B,C\nAnn,Lee,a@example.com\n", options).unwrap();
    assert_eq!(report.issues.to_vec(), []);
}

#[test]
fn samples_keep_the_first_records() {
    let mut text = String::from("First Name,Last Name,Phone\n");
    for index in 0..1200 {
        text.push_str(&format!("Ann{index},Lee,416 555 {index:04}\n"));
    }
    let report = check(&text);
    assert_eq!(report.samples.len(), 3);
    assert_eq!(report.samples[0].len(), 1000);
    assert_eq!(report.samples[0][999], "Ann999");
    assert_eq!(report.columns[0].samples, ["Ann0", "Ann1", "Ann2"]);
}

#[test]
fn unreadable_inputs_are_clear_errors() {
    type Expect = fn(&ReadErrorKind) -> bool;
    let cases: [(&[u8], Expect); 5] = [
        (b"", |k| matches!(k, ReadErrorKind::Empty)),
        (b"\n\r\n\n", |k| matches!(k, ReadErrorKind::NoHeader)),
        (b",,,\n1,2,3,4\n", |k| {
            matches!(k, ReadErrorKind::BlankHeader)
        }),
        (b"PK\x03\x04\x14\x00\x06\x00", |k| {
            matches!(k, ReadErrorKind::Binary { .. })
        }),
        (b"ID,Name\n1,A\x00B\n", |k| {
            matches!(k, ReadErrorKind::NulBytes { .. })
        }),
    ];
    for (bytes, expected) in cases {
        let error = check_bytes("bad.csv", bytes, CheckOptions::default()).unwrap_err();
        assert!(expected(&error.kind), "{bytes:?} gave {:?}", error.kind);
        assert!(error.to_string().starts_with("bad.csv"), "{error}");
    }
}

#[test]
fn a_header_only_file_has_no_leads() {
    let err = check_bytes("leads.csv", HEADER.as_bytes(), CheckOptions::default())
        .expect_err("nothing to check");
    assert_eq!(err.kind, ReadErrorKind::NoLeads);
}

#[test]
fn chunk_boundaries_inside_characters_and_quoted_fields_change_nothing() {
    let text = format!(
        "{HEADER}L1,Zoë,Nguyễn,z@example.com,,Pre Retirement,,\"Müller, \"\"Söhne\"\"\",\"Two\r\nlines\",\r\nL1,😀,Lee,,,,,,,\r\n"
    );
    let whole = check(&text);
    for size in 1..=64 {
        let mut checker = FileChecker::new("leads.csv", CheckOptions::default());
        for chunk in text.as_bytes().chunks(size) {
            checker.feed(chunk).unwrap();
        }
        assert_eq!(checker.finish().unwrap(), whole, "chunk size {size}");
    }
    assert_eq!(
        rules(&whole),
        [
            (2, Some(Field::MarketSegment), Rule::SegmentNormalised),
            (3, None, Rule::MissingContact),
            (3, Some(Field::Id), Rule::DuplicateId),
        ]
    );
}

#[test]
fn the_json_report_writes_each_column_as_one_flat_object_and_reads_back() {
    let text =
        "ID,First Name,Surname,Email,Email,Notes\nL1,Ann,Lee,ann@example.com,a@example.com,VIP\n";
    let report = check(text);
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    let columns = json["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 6);
    let keys = |column: &serde_json::Value| {
        let mut keys: Vec<String> = column.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(&columns[2]),
        ["confidence", "field", "header", "matched_by", "samples"]
    );
    assert_eq!(columns[2]["header"], "Surname");
    assert_eq!(columns[2]["field"], "lastName");
    assert_eq!(columns[2]["samples"][0], "Lee");
    // The second Email column lost to the first: it says which field it looked like, and why.
    assert_eq!(
        keys(&columns[4]),
        [
            "confidence",
            "field",
            "header",
            "matched_by",
            "note",
            "samples",
            "wanted"
        ]
    );
    assert_eq!(columns[4]["field"], serde_json::Value::Null);
    assert_eq!(columns[4]["wanted"], "email");

    let read: FileReport = serde_json::from_value(json).unwrap();
    // The sample records and the check's basis are not part of the JSON report.
    let expected = FileReport {
        samples: Vec::new(),
        basis: None,
        ..report
    };
    assert_eq!(read, expected);
}

#[test]
fn a_broken_row_says_whether_values_are_too_many_or_missing() {
    let report = check(&format!(
        "{HEADER}L1,Ann,Lee,a@example.com,,,,\"Lee, Lee & Co\",Advisor,M5V 2T6,extra\n\
         L2,Bo,Ray,b@example.com\n\
         L3,Cy,Fox,c@example.com,,,,,,\n"
    ));
    let broken = findings_of(&report, Rule::MalformedRow);
    assert_eq!(
        broken.iter().map(|f| (f.row, f.field)).collect::<Vec<_>>(),
        [(2, None), (3, None)]
    );
    assert_says(
        &broken[0].message,
        &[
            "This row has 11 values but the header has 10 columns",
            "contains the delimiter without quotes",
        ],
    );
    assert_says(
        &broken[1].message,
        &[
            "This row has 4 values but the header has 10 columns",
            "values are missing or the row was cut",
        ],
    );
    assert_eq!(report.summary.with_errors, 2);
    assert_eq!(report.summary.ready, 1);
}

/// Rules and severities are named in reports, in the findings CSV and in the page's filter
/// exactly as the report format says, and a rule is found again from its name.
#[test]
fn rules_and_severities_are_named_as_the_report_format_says() {
    use leadpack_engine::{Rule, Severity};
    assert_eq!(Severity::Error.as_str(), "error");
    assert_eq!(Severity::Warning.as_str(), "warning");
    let ids: Vec<&str> = Rule::ALL.iter().map(|rule| rule.id()).collect();
    let documented = include_str!("../../../docs/report-format.md");
    for rule in Rule::ALL {
        assert_eq!(Rule::from_id(rule.id()), Some(rule));
        assert_eq!(rule.to_string(), rule.id());
        assert!(
            documented.contains(&format!("`{}`", rule.id())),
            "{} is documented",
            rule.id()
        );
        assert!(!rule.label().is_empty());
    }
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "every rule has its own id");
    for unknown in ["", "Missing-Name", "missing_name", "missing-name ", "error"] {
        assert_eq!(Rule::from_id(unknown), None, "{unknown:?}");
    }
}

#[test]
fn a_report_counts_its_findings_by_severity_and_says_whether_any_is_an_error() {
    let clean = check("ID,First Name,Last Name,Email Address\n1,Ann,Lee,ann@example.com\n");
    assert!(!clean.has_errors());
    assert_eq!(clean.count_severity(leadpack_engine::Severity::Error), 0);
    let report = check(
        "First Name,Last Name,Email Address\n,Lee,a@example.com\nAnn,,b@example.com\nBo,Ray,not-an-email\n",
    );
    assert!(report.has_errors());
    assert_eq!(report.count_severity(leadpack_engine::Severity::Error), 2);
    assert_eq!(report.count_severity(leadpack_engine::Severity::Warning), 1);
}

#[test]
fn two_checks_have_one_basis_only_when_they_read_the_same_bytes_the_same_way() {
    let text = "First Name,Last Name,Email\nAnn,Lee,a@example.com\n";
    let (a, b) = (check(text), check(text));
    assert!(a.basis.is_some());
    assert_eq!(a.basis, b.basis);
    let other_bytes = check("First Name,Last Name,Email\nAnn,Lee,b@example.com\n");
    assert_ne!(a.basis, other_bytes.basis);
    let mut options = leadpack_engine::CheckOptions::default();
    options.template.segments.push("Young Families".into());
    let other_decisions = crate::util::check_with(text, options);
    assert_ne!(a.basis, other_decisions.basis);
}

/// Titles above the column names, as on a sheet: the header is the first of the first ten rows
/// that names two lead fields or more, the rows above it hold no lead, and every row keeps its
/// number, whatever the line breaks.
#[test]
fn titles_above_the_header_are_passed_over_with_a_note() {
    for line_break in ["\r\n", "\n", "\r"] {
        let text = [
            "Spring fair,,",
            "Exported 2024-03-01,,",
            "",
            "First Name,Last Name,Email",
            "Zoë,Lee,zoe@example.com",
            "Marc,,marc@example.org",
            "",
        ]
        .join(line_break);
        let report = check(&text);
        assert_eq!(report.summary.records, 2, "{line_break:?}");
        assert_eq!(
            rules(&report),
            [(6, Some(Field::LastName), Rule::MissingName)],
            "{line_break:?}"
        );
        // Rows 1 to 3 hold no lead; with the header and the two leads, every row is counted.
        assert_eq!(report.summary.blank_rows, 3, "{line_break:?}");
        assert!(
            report.notes.contains(
                &"Rows 1 to 3 are above the column names (row 4) and hold no lead, so they are left out: “Spring fair”, “Exported 2024-03-01”."
                    .to_string()
            ),
            "{:?}",
            report.notes
        );
    }
    // One title row, right above the header.
    let report = check("Leads\nFirst Name,Last Name,Email\nZoë,Lee,zoe@example.com\n");
    assert_eq!(report.summary.records, 1);
    assert!(
        report.notes[0].starts_with(
            "Row 1 is above the column names (row 2) and holds no lead, so it is left out: “Leads”."
        ),
        "{:?}",
        report.notes
    );
    // A first row that names fewer than two fields, and no better row below: it is the header.
    let report = check("Name,Contact\nZoë,zoe@example.com\nMarc,marc@example.org\n");
    assert_eq!(report.summary.records, 2);
    assert!(
        report
            .notes
            .iter()
            .all(|note| !note.contains("above the column names"))
    );
    // Data rows that happen to look like names are never taken for a header: the first row
    // names two fields.
    let report = check("First Name,Last Name,Email\nEmail,Phone,x@example.com\n");
    assert_eq!(report.summary.records, 1);
}
