//! The rules that compare each lead with the leads before it: the same ID twice, the same lead
//! twice by the CRM's matching weights, and the counts of market segments and sales concepts.

use crate::shared::assert_says;
use crate::util::check;
use leadpack_engine::{Field, FileReport, Rule};

const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept\n";

/// The file with these rows under [`HEADER`].
fn file(rows: &[&str]) -> FileReport {
    check(&format!("{HEADER}{}\n", rows.join("\n")))
}

/// The likely duplicates found: (row, message).
fn likely_duplicates(report: &FileReport) -> Vec<(u64, String)> {
    report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::LikelyDuplicate)
        .map(|f| (f.row, f.message))
        .collect()
}

/// Every finding of a rule: (row, field).
fn found(report: &FileReport, rule: Rule) -> Vec<(u64, Option<Field>)> {
    report
        .issues
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.row, f.field))
        .collect()
}

const ANN: &str = "L1,Ann,Lee,ann@example.com,416 555 0199,,";

#[test]
fn a_lead_is_a_likely_duplicate_from_60_percent_of_the_crms_matching_weights() {
    // (the later lead, the score and the fields named, or None below 60%)
    let cases: [(&str, Option<(u32, &str)>); 10] = [
        (
            "L2,Ann,Lee,ann@example.com,416 555 0199,,",
            Some((100, "first name, last name, email, phone")),
        ),
        (
            "L2,Ann,Lee,ann@example.com,905 555 0100,,",
            Some((60, "first name, last name, email")),
        ),
        (
            "L2,Ann,Lee,other@example.com,416 555 0199,,",
            Some((70, "first name, last name, phone")),
        ),
        (
            "L2,Bo,Ray,ann@example.com,416 555 0199,,",
            Some((70, "email, phone")),
        ),
        (
            "L2,Bo,Lee,ann@example.com,416 555 0199,,",
            Some((85, "last name, email, phone")),
        ),
        (
            "L2,Ann,Ray,ann@example.com,416 555 0199,,",
            Some((85, "first name, email, phone")),
        ),
        // Below the threshold: an email with one name (45), a phone with one name (55), a phone
        // or an email alone, and both names with neither contact.
        ("L2,Ann,Ray,ann@example.com,905 555 0100,,", None),
        ("L2,Bo,Lee,other@example.com,416 555 0199,,", None),
        ("L2,Bo,Ray,other@example.com,416 555 0199,,", None),
        ("L2,Ann,Lee,other@example.com,905 555 0100,,", None),
    ];
    for (later, expected) in cases {
        let report = file(&[ANN, later]);
        let found = likely_duplicates(&report);
        match expected {
            Some((score, fields)) => {
                assert_eq!(found.len(), 1, "{later}: {found:?}");
                assert_eq!(found[0].0, 3, "{later}");
                assert_says(
                    &found[0].1,
                    &[
                        &format!("looks like the one in row 2 (same {fields}: {score}%"),
                        "remove one if they are the same",
                    ],
                );
            }
            None => assert_eq!(found, [], "{later}"),
        }
    }
}

#[test]
fn only_one_contact_can_make_a_likely_duplicate_with_both_names() {
    let email_only = file(&[
        "L1,Ann,Lee,ann@example.com,,,",
        "L2,Ann,Lee,ann@example.com,,,",
    ]);
    assert_eq!(likely_duplicates(&email_only).len(), 1);
    assert_says(
        &likely_duplicates(&email_only)[0].1,
        &["row 2 (same first name, last name, email: 60%"],
    );
    let phone_only = file(&["L1,Ann,Lee,,416 555 0199,,", "L2,Ann,Lee,,416-555-0199,,"]);
    assert_says(
        &likely_duplicates(&phone_only)[0].1,
        &["row 2 (same first name, last name, phone: 70%"],
    );
    // Names alone, with no contact in common, are not compared.
    let names_only = file(&[
        "L1,Ann,Lee,ann@example.com,,,",
        "L2,Ann,Lee,,416 555 0199,,",
    ]);
    assert_eq!(likely_duplicates(&names_only), []);
}

#[test]
fn empty_names_are_not_the_same_name() {
    let report = file(&[
        "L1,,Lee,ann@example.com,416 555 0199,,",
        "L2,,Lee,ann@example.com,416 555 0199,,",
    ]);
    assert_says(
        &likely_duplicates(&report)[0].1,
        &["(same last name, email, phone: 85%"],
    );
}

#[test]
fn names_emails_and_phones_match_whatever_their_case_spaces_and_punctuation() {
    let report = file(&[
        "L1,Ann,Lee,ann@example.com,416 555 0199,,",
        "L2, ANN ,lee\u{a0},Ann@Example.COM ,(416) 555-0199,,",
    ]);
    assert_says(&likely_duplicates(&report)[0].1, &["100%"]);
}

#[test]
fn each_copy_of_a_lead_points_to_the_first() {
    let report = file(&[ANN, ANN, ANN]);
    let found: Vec<(u64, bool)> = likely_duplicates(&report)
        .into_iter()
        .map(|(row, message)| (row, message.contains("row 2 ")))
        .collect();
    assert_eq!(found, [(3, true), (4, true)]);
    assert_eq!(found_ids(&report), [(3, "2"), (4, "2")]);
}

/// The duplicate-ID findings: (row, the row named as the ID's first user).
fn found_ids(report: &FileReport) -> Vec<(u64, &'static str)> {
    report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::DuplicateId)
        .map(|f| {
            let first = ["2", "3", "4", "5"]
                .into_iter()
                .find(|row| f.message.contains(&format!("already used by row {row}.")))
                .unwrap_or("none");
            (f.row, first)
        })
        .collect()
}

#[test]
fn a_lead_with_a_new_phone_is_remembered_by_it() {
    let report = file(&[
        "L1,Ann,Lee,ann@example.com,416 555 0199,,",
        "L2,Ann,Lee,ann@example.com,905 555 0100,,",
        "L3,Ann,Lee,third@example.com,905 555 0100,,",
    ]);
    let found = likely_duplicates(&report);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_says(
        &found[0].1,
        &["row 2 (same first name, last name, email: 60%"],
    );
    assert_eq!(found[1].0, 4);
    assert_says(
        &found[1].1,
        &["row 3 (same first name, last name, phone: 70%"],
    );
}

#[test]
fn a_lead_with_a_new_email_is_remembered_by_it() {
    let report = file(&[
        "L1,Ann,Lee,ann@example.com,416 555 0199,,",
        "L2,Ann,Lee,new@example.com,416 555 0199,,",
        "L3,Ann,Lee,new@example.com,905 555 0100,,",
    ]);
    let found = likely_duplicates(&report);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_says(
        &found[1].1,
        &["row 3 (same first name, last name, email: 60%"],
    );
}

#[test]
fn the_earlier_lead_that_matches_best_is_named() {
    // The email leads to row 2, the phone to row 3: the phone weighs more.
    let by_phone = file(&[
        "L1,Ann,Lee,ann@example.com,416 555 0199,,",
        "L2,Ann,Lee,b@example.com,905 555 0100,,",
        "L3,Ann,Lee,ann@example.com,905 555 0100,,",
    ]);
    let found = likely_duplicates(&by_phone);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_says(
        &found[0].1,
        &["row 3 (same first name, last name, phone: 70%"],
    );
    // The other way round: the email leads to row 3, the phone to row 2.
    let by_phone_first = file(&[
        "L1,Ann,Lee,ann@example.com,416 555 0199,,",
        "L2,Ann,Lee,b@example.com,905 555 0100,,",
        "L3,Ann,Lee,b@example.com,416 555 0199,,",
    ]);
    let found = likely_duplicates(&by_phone_first);
    assert_says(
        &found[0].1,
        &["row 2 (same first name, last name, phone: 70%"],
    );
}

#[test]
fn a_broken_row_is_not_compared_with_the_others() {
    // Too many values: the row's values may sit in the wrong columns.
    let broken = "L1,Ann,Lee,ann@example.com,416 555 0199,,,extra";
    let before = file(&[broken, ANN]);
    assert_eq!(found(&before, Rule::MalformedRow), [(2, None)]);
    assert_eq!(found(&before, Rule::DuplicateId), []);
    assert_eq!(likely_duplicates(&before), []);
    let after = file(&[ANN, broken]);
    assert_eq!(found(&after, Rule::MalformedRow), [(3, None)]);
    assert_eq!(found(&after, Rule::DuplicateId), []);
    assert_eq!(likely_duplicates(&after), []);
    // Nor are its segment and concept counted.
    let counted = file(&[
        "L1,Ann,Lee,ann@example.com,,Retirement,,extra",
        "L2,Bo,Ray,bo@example.com,,Estate,",
    ]);
    assert_eq!(
        counted.values.get(&Field::MarketSegment),
        Some(&vec![("Estate".to_string(), 1)])
    );
}

#[test]
fn an_id_with_unicode_spaces_at_one_edge_is_the_same_id() {
    for id in [
        "\u{a0}L1",
        "L1\u{a0}",
        "\u{3000}L1",
        "L1\u{2003}",
        "\u{b}L1",
        "L1\u{b}",
        " \u{a0}L1 ",
    ] {
        let report = file(&[ANN, &format!("{id},Bo,Ray,bo@example.com,,,")]);
        assert_eq!(found_ids(&report), [(3, "2")], "{id:?}");
        let duplicate = report
            .issues
            .iter()
            .find(|f| f.rule == Rule::DuplicateId)
            .unwrap();
        assert_says(&duplicate.message, &["ID “L1” is already used by row 2"]);
    }
}

#[test]
fn segments_and_concepts_are_counted_trimmed_most_frequent_first() {
    let report = file(&[
        "L1,Ann,Lee,a@example.com,,Retirement,Estate Planning",
        "L2,Bo,Lee,b@example.com,, Retirement ,Estate Planning",
        "L3,Cy,Lee,c@example.com,,Estate,Estate Planning",
        "L4,Di,Lee,d@example.com,,Business Owner,",
        "L5,Ed,Lee,e@example.com,,,",
    ]);
    assert_eq!(
        report.values.get(&Field::MarketSegment),
        Some(&vec![
            ("Retirement".to_string(), 2),
            ("Business Owner".to_string(), 1),
            ("Estate".to_string(), 1),
        ])
    );
    assert_eq!(
        report.values.get(&Field::SalesConcept),
        Some(&vec![("Estate Planning".to_string(), 3)])
    );
}

#[test]
fn at_most_a_thousand_distinct_values_are_counted_and_every_one_is_still_judged() {
    let mut rows: Vec<String> = (0..1001)
        .map(|i| format!("L{i},Ann,Lee,a{i}@example.com,,Segment {i:04},"))
        .collect();
    // A value counted before the cap keeps being counted; one past the cap is not listed.
    rows.push("L1001,Ann,Lee,z@example.com,,Segment 0000,".to_string());
    rows.push("L1002,Ann,Lee,y@example.com,,Segment 1000,".to_string());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let report = file(&rows);
    let segments = &report.values[&Field::MarketSegment];
    assert_eq!(segments.len(), 1000);
    assert_eq!(segments[0], ("Segment 0000".to_string(), 2));
    assert!(segments[1..].iter().all(|(_, count)| *count == 1));
    assert!(!segments.iter().any(|(value, _)| value == "Segment 1000"));
    // Each unknown value is reported on its row, counted or not.
    assert_eq!(found(&report, Rule::UnknownSegment).len(), 1003);
    assert_eq!(
        found(&report, Rule::UnknownSegment).last(),
        Some(&(1004, Some(Field::MarketSegment)))
    );
}

#[test]
fn a_rows_findings_come_in_one_order_whichever_rule_found_them() {
    // What the lead lacks first, then a duplicate ID, an unknown segment, a formula in a column that is
    // not a lead field, and the same lead as row 2.
    let report = check(
        "ID,First Name,Last Name,Email Address,Phone,Market Segment,Notes\n\
         L1,Ann,Lee,ann@example.com,416 555 0199,,\n\
         L1,,Lee,ann@example.com,416 555 0199,Unheard Of,=1+1\n",
    );
    let order: Vec<(Option<Field>, Rule)> = report
        .issues
        .iter()
        .filter(|f| f.row == 3)
        .map(|f| (f.field, f.rule))
        .collect();
    assert_eq!(
        order,
        [
            (Some(Field::FirstName), Rule::MissingName),
            (Some(Field::Id), Rule::DuplicateId),
            (Some(Field::MarketSegment), Rule::UnknownSegment),
            (None, Rule::FormulaLike),
            (None, Rule::LikelyDuplicate),
        ]
    );
}
