//! Null converters: the value used for a column's empty cells, per lead field, per column and
//! for every column. The rules judge the value the CRM will see, and the package holds it.

use crate::shared::zip_entries;
use crate::util::{NAME, check_with, pack_pass};
use leadpack_engine::{CheckOptions, EVERY_COLUMN, Field, ReadOptions, Rule, Template};

const LEADS: &str = "First Name,Last Name,Email,Phone,Company,Notes\n\
    ,Lee,zoe@example.com,,Acme,\n\
    Marc,Tremblay,,,,Call back\n\
    Anne,Roy,anne@example.com,+1 416 555 0101,,\n";

fn template(nulls: &[(&str, &str)], by_field: &[(Field, &str)]) -> Template {
    let json = r#"{
        "version": 1,
        "columns": [
            {"header": "First Name", "target": "field", "field": "firstName"},
            {"header": "Last Name", "target": "field", "field": "lastName"},
            {"header": "Email", "target": "field", "field": "email"},
            {"header": "Phone", "target": "field", "field": "phone"},
            {"header": "Company", "target": "field", "field": "company"},
            {"header": "Notes", "target": "user-field"}
        ]
    }"#;
    let mut template = Template::from_json(json).unwrap_or_else(|error| panic!("{error}"));
    for (header, value) in nulls {
        template.nulls.insert(header.to_string(), value.to_string());
    }
    for (field, value) in by_field {
        template.null_converters.insert(*field, value.to_string());
    }
    template
}

/// The rows of the package's CSV, without the header.
fn packed_rows(template: &Template) -> Vec<String> {
    let (_, outcome) = pack_pass(
        NAME,
        LEADS.as_bytes(),
        1 << 20,
        template,
        ReadOptions::default(),
        None,
    )
    .expect("the file is readable");
    let outcome = outcome.expect("the file packs");
    let entries = zip_entries(&outcome.packages[0].bytes);
    let csv = String::from_utf8(entries[2].1.clone()).unwrap();
    csv.lines().skip(1).map(str::to_string).collect()
}

fn rules(template: &Template) -> Vec<(u64, Rule)> {
    let report = check_with(LEADS, CheckOptions::from_template(template));
    report.issues.iter().map(|f| (f.row, f.rule)).collect()
}

#[test]
fn without_null_converters_empty_cells_stay_empty() {
    let plain = template(&[], &[]);
    assert_eq!(
        rules(&plain),
        [(2, Rule::MissingName), (3, Rule::MissingContact)]
    );
}

#[test]
fn a_lead_fields_null_converter_is_judged_and_packed_as_the_crm_sees_it() {
    let with = template(&[], &[(Field::FirstName, "Unknown"), (Field::Phone, "0")]);
    // The first name is no longer missing; the phone "0" is a contact, and not a valid phone.
    let found = rules(&with);
    assert!(!found.contains(&(2, Rule::MissingName)), "{found:?}");
    assert!(!found.contains(&(3, Rule::MissingContact)), "{found:?}");
    assert!(found.contains(&(3, Rule::InvalidPhone)), "{found:?}");
    let rows = packed_rows(&with);
    assert_eq!(rows[0], "Unknown,Lee,zoe@example.com,0,Acme,");
    // The mapping file says so too.
    let (_, outcome) = pack_pass(
        NAME,
        LEADS.as_bytes(),
        1 << 20,
        &with,
        ReadOptions::default(),
        None,
    )
    .unwrap();
    let entries = zip_entries(&outcome.unwrap().packages[0].bytes);
    let mapping = String::from_utf8(entries[1].1.clone()).unwrap();
    assert!(
        mapping.contains(r#"<nullConverter value="Unknown"/>"#),
        "{mapping}"
    );
}

#[test]
fn a_columns_own_value_wins_over_its_fields_and_every_columns() {
    let with = template(
        &[
            (EVERY_COLUMN, "?"),
            ("Company", "Self-employed"),
            ("Phone", ""),
        ],
        &[(Field::Company, "n/a")],
    );
    assert_eq!(
        with.null_for("Company", Some(Field::Company)),
        Some("Self-employed")
    );
    assert_eq!(with.null_for("Phone", Some(Field::Phone)), None);
    assert_eq!(with.null_for("Notes", None), Some("?"));
    let rows = packed_rows(&with);
    // Row 2: no first name ("?"), an email; row 3: no email ("?", an invalid one, but a
    // contact), no phone (its own empty value: none), no company.
    assert_eq!(
        rows,
        [
            "?,Lee,zoe@example.com,,Acme,?",
            "Marc,Tremblay,?,,Self-employed,Call back",
            "Anne,Roy,anne@example.com,+1 416 555 0101,Self-employed,?",
        ]
    );
    let found = rules(&with);
    assert!(found.contains(&(3, Rule::InvalidEmail)), "{found:?}");
    assert!(
        !found.iter().any(|(_, rule)| *rule == Rule::MissingContact),
        "{found:?}"
    );
}

#[test]
fn a_value_for_empty_cells_too_long_for_its_field_is_reported() {
    let long = "x".repeat(60);
    let with = template(&[("First Name", long.as_str())], &[]);
    let report = check_with(LEADS, CheckOptions::from_template(&with));
    let too_long: Vec<_> = report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::TooLong)
        .map(|f| (f.row, f.field))
        .collect();
    assert_eq!(too_long, [(2, Some(Field::FirstName))]);
}

#[test]
fn a_build_does_not_reuse_a_check_made_with_other_null_converters() {
    let before = template(&[], &[]);
    let after = template(&[("First Name", "Unknown")], &[]);
    let earlier = check_with(LEADS, CheckOptions::from_template(&before));
    assert!(earlier.issues.iter().any(|f| f.rule == Rule::MissingName));
    let (report, outcome) = pack_pass(
        NAME,
        LEADS.as_bytes(),
        1 << 20,
        &after,
        ReadOptions::default(),
        Some(earlier),
    )
    .unwrap();
    assert!(!report.issues.iter().any(|f| f.rule == Rule::MissingName));
    // Only the lead without email or phone is left out now.
    assert_eq!(outcome.unwrap().packaged, 2);
}

#[test]
fn templates_keep_the_values_for_empty_cells() {
    let with = template(
        &[(EVERY_COLUMN, "?"), ("Notes", "")],
        &[(Field::Company, "n/a")],
    );
    let json = with.to_json();
    assert!(json.contains(r#""nulls": {"#), "{json}");
    assert_eq!(Template::from_json(&json).unwrap(), with);
}
