//! Categories and custom fields: their targets in templates, the check of custom fields'
//! values against their types, and what packages hold (values in one form, the XML entries and
//! their converters).

use crate::shared::zip_entries;
use crate::util::{NAME, check_with, pack_pass};
use leadpack_engine::{
    CheckOptions, FileChecker, ReadOptions, Rule, Severity, Target, Template, ValueType,
};
use std::sync::Arc;

/// Leads with a birthday (day first), a yes/no column, an amount, an interest and a last
/// contact time. Row 3 has a birthday that does not exist, row 4 a yes/no value in no list,
/// row 5 an amount with a thousands separator, row 6 empty custom fields.
const LEADS: &str = "First Name,Last Name,Email,Birthday,VIP,Assets,Interest,Last Contact\n\
    Zoë,Lee,zoe@example.com,25/12/1980,Y,1200.50,Golf,2024-02-05 17:04\n\
    Marc,Tremblay,marc@example.org,31/02/1975,no,300,Sailing,2024-02-06 09:00\n\
    Anne,Roy,anne@example.com,01/03/1990,maybe,12,Golf,2024-02-07 10:30\n\
    Raj,Patel,raj@example.com,14/07/1985,YES,\"1,000\",Chess,2024-02-08 11:15\n\
    Ida,Moss,ida@example.com,,,,,\n";

fn template() -> Template {
    let json = r#"{
        "version": 1,
        "columns": [
            {"header": "First Name", "target": "field", "field": "firstName"},
            {"header": "Last Name", "target": "field", "field": "lastName"},
            {"header": "Email", "target": "field", "field": "email"},
            {"header": "Birthday", "target": "custom-field", "name": "Birthday", "type": "date", "format": "dd/MM/yyyy"},
            {"header": "VIP", "target": "custom-field", "name": "VIP", "type": "boolean", "true": ["Y", "yes"], "false": ["N", "no"]},
            {"header": "Assets", "target": "custom-field", "type": "number"},
            {"header": "Interest", "target": "category", "type": "Interest"},
            {"header": "Last Contact", "target": "custom-field", "name": "Last contact", "type": "timestamp", "format": "yyyy-MM-dd HH:mm", "zone": "America/Toronto"}
        ]
    }"#;
    Template::from_json(json).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn a_template_names_categories_and_custom_fields_with_their_types() {
    let template = template();
    let targets: Vec<&Target> = template.columns.iter().map(|c| &c.target).collect();
    assert_eq!(
        *targets[6],
        Target::Category {
            type_name: "Interest".into()
        }
    );
    let Target::CustomField { name, value_type } = targets[5] else {
        panic!("{:?}", targets[5]);
    };
    // Without a name, the custom field is named after its column.
    assert_eq!((name.as_str(), value_type), ("Assets", &ValueType::Number));
    let Target::CustomField { name, value_type } = targets[7] else {
        panic!("{:?}", targets[7]);
    };
    assert_eq!(name, "Last contact");
    let ValueType::Timestamp { format, zone } = value_type else {
        panic!("{value_type:?}");
    };
    assert_eq!(
        (format.pattern(), zone.as_str()),
        ("yyyy-MM-dd HH:mm", "America/Toronto")
    );
    // Saved and loaded again, it is the same template.
    assert_eq!(Template::from_json(&template.to_json()).unwrap(), template);
    assert!(template.to_json().contains(r#""true": ["#));
}

#[test]
fn a_template_with_a_wrong_custom_field_says_which_column_and_what_to_write() {
    let cases = [
        (
            r#""type": "colour""#,
            "the column “X”: “colour” is not a custom field type: use string, number, date, timestamp or boolean",
        ),
        (
            r#""type": "date", "format": "dd/mm/yyyy hh""#,
            "the column “X”: The date format “dd/mm/yyyy hh”",
        ),
        (
            r#""type": "date", "format": "dd/MM/yyyy HH:mm""#,
            "has a time of day: use the type “timestamp”",
        ),
        (
            r#""type": "date", "format": "MM/yyyy""#,
            "needs a year (yyyy), a month (MM) and a day (dd)",
        ),
        (
            r#""type": "timestamp", "zone": "Toronto time""#,
            "“Toronto time” is not a time zone: write a zone name such as America/Toronto",
        ),
        (
            r#""type": "timestamp", "zone": "+25:00""#,
            "“+25:00” is not a time zone",
        ),
        (
            r#""type": "boolean", "true": ["Y", "Yes"], "false": ["yes"]"#,
            "the value “Yes” is set both to True and to False",
        ),
    ];
    for (details, problem) in cases {
        let json = format!(
            r#"{{"version": 1, "columns": [{{"header": "X", "target": "custom-field", {details}}}]}}"#
        );
        let error = Template::from_json(&json).expect_err(details);
        assert!(error.contains(problem), "{details}: {error}");
    }
    let json = r#"{"version": 1, "columns": [{"header": "X", "target": "category"}]}"#;
    let error = Template::from_json(json).unwrap_err();
    assert!(
        error.contains("the column “X” has the target “category” but no “type”"),
        "{error}"
    );
    // Zones written as offsets or UTC are fine, and a timestamp without a zone is in UTC.
    for zone in [
        "UTC",
        "-05:00",
        "+05:30",
        "Europe/Paris",
        "America/Argentina/Buenos_Aires",
    ] {
        let json = format!(
            r#"{{"version": 1, "columns": [{{"header": "X", "target": "custom-field", "type": "timestamp", "zone": "{zone}"}}]}}"#
        );
        assert!(Template::from_json(&json).is_ok(), "{zone}");
    }
    let json = r#"{"version": 1, "columns": [{"header": "X", "target": "custom-field", "type": "timestamp"}]}"#;
    let template = Template::from_json(json).unwrap();
    let Target::CustomField {
        value_type: ValueType::Timestamp { zone, .. },
        ..
    } = &template.columns[0].target
    else {
        panic!("{:?}", template.columns[0]);
    };
    assert_eq!(zone, "UTC");
}

#[test]
fn custom_field_values_that_do_not_fit_their_type_are_errors_on_their_rows() {
    let report = check_with(LEADS, CheckOptions::from_template(&template()));
    let found: Vec<(u64, &str, Severity)> = report
        .issues
        .iter()
        .filter(|f| {
            matches!(
                f.rule,
                Rule::InvalidDate | Rule::InvalidNumber | Rule::UnsetBoolean
            )
        })
        .map(|f| (f.row, f.rule.id(), f.severity))
        .collect();
    assert_eq!(
        found,
        [
            (3, "invalid-date", Severity::Error),
            (4, "unset-boolean", Severity::Error),
            (5, "invalid-number", Severity::Error),
        ]
    );
    let message = |rule: Rule| {
        report
            .issues
            .iter()
            .find(|f| f.rule == rule)
            .map(|f| (f.message.clone(), f.value.clone()))
            .unwrap()
    };
    assert_eq!(
        message(Rule::InvalidDate),
        (
            "Column “Birthday” holds “31/02/1975”, which is not a real date in the format \
             dd/MM/yyyy. The CRM cannot import it: correct the value, or choose the format the \
             column's values are written in."
                .to_string(),
            Some("31/02/1975".to_string())
        )
    );
    assert!(
        message(Rule::UnsetBoolean)
            .0
            .starts_with("Column “VIP” holds “maybe”, which is set neither to True nor to False.")
    );
    assert!(
        message(Rule::InvalidNumber)
            .0
            .contains("no spaces or thousands separators")
    );
    assert_eq!((report.summary.ready, report.summary.with_errors), (2, 3));

    // The Birthday column's dates: the chosen format first, with what it reads (3 of 4).
    let dates = report.columns[3]
        .dates
        .as_ref()
        .expect("the column's dates");
    assert_eq!(dates.values, 4);
    assert_eq!(
        (dates.formats[0].pattern.as_str(), dates.formats[0].fits),
        ("dd/MM/yyyy", 3)
    );
    // A column of names has no dates to offer.
    assert_eq!(report.columns[0].dates, None);
}

#[test]
fn a_chosen_date_format_that_reads_no_value_is_listed_with_the_formats_that_do() {
    let json = template().to_json().replace("dd/MM/yyyy", "yyyy-MM-dd");
    let template = Template::from_json(&json).unwrap();
    let report = check_with(LEADS, CheckOptions::from_template(&template));
    let dates = report.columns[3].dates.as_ref().unwrap();
    let listed: Vec<(&str, usize)> = dates
        .formats
        .iter()
        .map(|f| (f.pattern.as_str(), f.fits))
        .collect();
    // 01/03/1990 could be either order; the other birthdays have days past 12.
    assert_eq!(
        listed,
        [("yyyy-MM-dd", 0), ("dd/MM/yyyy", 3), ("MM/dd/yyyy", 1)]
    );
    assert!(!dates.ambiguous);
    let invalid = report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::InvalidDate)
        .count();
    assert_eq!(invalid, 4, "every birthday is reported");
}

#[test]
fn a_check_with_another_format_is_not_taken_from_an_earlier_check() {
    let template = template();
    let first = check_with(LEADS, CheckOptions::from_template(&template));
    let json = template.to_json().replace("dd/MM/yyyy", "MM/dd/yyyy");
    let other = CheckOptions::from_template(&Template::from_json(&json).unwrap());
    let fresh = check_with(LEADS, other.clone());
    assert_ne!(fresh.issues, first.issues);
    let mut checker = FileChecker::new(NAME, other).reusing(Arc::new(first));
    checker.feed(LEADS.as_bytes()).unwrap();
    assert_eq!(checker.finish().unwrap(), fresh);
}

fn packed(template: &Template) -> (Vec<(String, Vec<u8>)>, Option<String>) {
    let (_, outcome) = pack_pass(
        NAME,
        LEADS.as_bytes(),
        13,
        template,
        ReadOptions::default(),
        None,
    )
    .unwrap();
    let outcome = outcome.unwrap();
    assert_eq!(outcome.packages.len(), 1);
    let rejected = outcome
        .rejected
        .map(|file| String::from_utf8(file.bytes).unwrap());
    (zip_entries(&outcome.packages[0].bytes), rejected)
}

#[test]
fn packages_hold_custom_fields_in_one_form_and_categories_as_they_are() {
    let (entries, rejected) = packed(&template());
    let csv = String::from_utf8(entries[2].1.clone()).unwrap();
    assert_eq!(
        csv,
        "First Name,Last Name,Email Address,Birthday,VIP,Assets,Interest,Last Contact\r\n\
         Zoë,Lee,zoe@example.com,1980-12-25,true,1200.50,Golf,2024-02-05 17:04:00\r\n\
         Ida,Moss,ida@example.com,,,,,\r\n"
    );
    let rejected = rejected.expect("three leads left out");
    assert!(
        rejected.contains(
            "31/02/1975,no,300,Sailing,2024-02-06 09:00,3,Not a date in the column's format"
        ),
        "{rejected}"
    );
    assert!(
        rejected.contains(",4,Yes/no value not set to True or False"),
        "{rejected}"
    );
    assert!(rejected.contains(",5,Not a number"), "{rejected}");

    let xml = String::from_utf8(entries[1].1.clone()).unwrap();
    let expected = r#"  <subcollection name="Categories">
    <entry source="Interest" attribute="Value" type="Interest"/>
  </subcollection>
  <subcollection name="Custom Fields">
    <entry source="Birthday" attribute="Value" name="Birthday" type="date">
      <dateConverter format="yyyy-MM-dd"/>
    </entry>
    <entry source="VIP" attribute="Value" name="VIP" type="boolean">
      <booleanConverter>
        <value source="true" target="True"/>
        <value source="false" target="False"/>
      </booleanConverter>
    </entry>
    <entry source="Assets" attribute="Value" name="Assets" type="number"/>
    <entry source="Last Contact" attribute="Value" name="Last contact" type="timestamp">
      <timestampConverter format="yyyy-MM-dd HH:mm:ss" unit="America/Toronto"/>
    </entry>
  </subcollection>
</fieldMappings>
"#;
    assert!(xml.ends_with(expected), "{xml}");
}

#[test]
fn with_invalid_leads_included_a_value_that_does_not_fit_is_packed_as_it_is() {
    let mut template = template();
    template.options.include_invalid = true;
    let (entries, rejected) = packed(&template);
    assert_eq!(rejected, None);
    let csv = String::from_utf8(entries[2].1.clone()).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[2],
        "Marc,Tremblay,marc@example.org,31/02/1975,false,300,Sailing,2024-02-06 09:00:00"
    );
    assert_eq!(
        rows[3],
        "Anne,Roy,anne@example.com,1990-03-01,maybe,12,Golf,2024-02-07 10:30:00"
    );
    assert_eq!(
        rows[4],
        "Raj,Patel,raj@example.com,1985-07-14,true,\"1,000\",Chess,2024-02-08 11:15:00"
    );
}

#[test]
fn custom_fields_are_checked_alike_in_the_web_apps_second_worker() {
    use crate::properties::{Answering, screened_elsewhere};
    let options = CheckOptions::from_template(&template());
    let one = check_with(LEADS, options.clone());
    for sizes in [vec![LEADS.len()], vec![7, 100]] {
        let (elsewhere, traffic) = screened_elsewhere(
            LEADS.as_bytes(),
            &sizes,
            &Answering::default(),
            options.clone(),
        );
        assert_eq!(elsewhere.as_ref(), Ok(&one));
        assert!(
            traffic.sent >= 1,
            "the rules and the leads went to the other worker"
        );
    }
}

#[test]
fn a_yes_no_column_lists_each_distinct_value_with_its_count() {
    let report = check_with(LEADS, CheckOptions::from_template(&template()));
    let listed: Vec<(&str, u64)> = report.columns[4]
        .distinct
        .iter()
        .map(|(value, count)| (value.as_str(), *count))
        .collect();
    assert_eq!(listed, [("Y", 1), ("no", 1), ("maybe", 1), ("YES", 1)]);
    // Only yes/no columns list them.
    assert!(report.columns[3].distinct.is_empty());

    // Values differing only in case are one value, counted together, most frequent first.
    let text = "First Name,Last Name,Email,VIP\n\
        A,B,a@example.com,n\nC,D,c@example.com,Y\nE,F,e@example.com, y \nG,H,g@example.com,y\n";
    let template = Template::from_json(
        r#"{"version": 1, "columns": [{"header": "VIP", "target": "custom-field", "type": "boolean"}]}"#,
    )
    .unwrap();
    let report = check_with(text, CheckOptions::from_template(&template));
    assert_eq!(
        report.columns[3].distinct,
        [("Y".to_string(), 3), ("n".to_string(), 1)]
    );
    // None is set yet: every lead with a value is an error.
    let unset = report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::UnsetBoolean)
        .count();
    assert_eq!(unset, 4);
}

#[test]
fn a_yes_no_value_is_set_to_true_false_or_neither_in_one_list_at_most() {
    let mut value_type = ValueType::Boolean {
        truthy: vec!["Y".into()],
        falsy: vec!["N".into()],
    };
    value_type.set_boolean(" maybe ", Some(true));
    assert_eq!(value_type.convert("MAYBE").as_deref(), Ok("true"));
    value_type.set_boolean("Maybe", Some(false));
    assert_eq!(value_type.convert("maybe").as_deref(), Ok("false"));
    value_type.set_boolean("y", None);
    assert!(value_type.convert("Y").is_err());
    assert_eq!(
        value_type,
        ValueType::Boolean {
            truthy: vec![],
            falsy: vec!["N".into(), "Maybe".into()],
        }
    );
    // Other types are left as they are.
    let mut number = ValueType::Number;
    number.set_boolean("yes", Some(true));
    assert_eq!(number, ValueType::Number);
}

/// The value mapping of a limited-value column: a category's values, each mapped to the value
/// the CRM knows, are judged and packed as they become; the report lists the column's values.
#[test]
fn a_categorys_values_are_mapped_to_the_values_the_crm_knows() {
    let text = "First Name,Last Name,Email,Interest\n\
        Zoë,Lee,zoe@example.com,golf\n\
        Marc,Roy,marc@example.org,Golf \n\
        Anne,Ng,anne@example.com,Sailing\n\
        Raj,Patel,raj@example.com,Chess\n";
    let json = r#"{
        "version": 1,
        "columns": [
            {"header": "First Name", "target": "field", "field": "firstName"},
            {"header": "Last Name", "target": "field", "field": "lastName"},
            {"header": "Email", "target": "field", "field": "email"},
            {"header": "Interest", "target": "category", "type": "Interest"}
        ],
        "value_maps": {"Interest": {"GOLF": "Golf", "Sailing": ""}}
    }"#;
    let template = Template::from_json(json).unwrap_or_else(|error| panic!("{error}"));
    let report = check_with(text, CheckOptions::from_template(&template));
    let interest = &report.columns[3];
    assert_eq!(
        interest.distinct,
        [
            ("golf".to_string(), 2),
            ("Sailing".to_string(), 1),
            ("Chess".to_string(), 1)
        ]
    );
    let (_, outcome) = pack_pass(
        NAME,
        text.as_bytes(),
        1 << 20,
        &template,
        ReadOptions::default(),
        None,
    )
    .unwrap();
    let entries = zip_entries(&outcome.unwrap().packages[0].bytes);
    let csv = String::from_utf8(entries[2].1.clone()).unwrap();
    let interests: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(interests, ["Golf", "Golf", "", "Chess"]);
    assert_eq!(Template::from_json(&template.to_json()).unwrap(), template);

    // A check made without the map is not reused by a build with it.
    let mut plain = template.clone();
    plain.value_maps.clear();
    let earlier = check_with(text, CheckOptions::from_template(&plain));
    let (_, outcome) = pack_pass(
        NAME,
        text.as_bytes(),
        1 << 20,
        &template,
        ReadOptions::default(),
        Some(earlier),
    )
    .unwrap();
    let entries = zip_entries(&outcome.unwrap().packages[0].bytes);
    assert!(
        String::from_utf8(entries[2].1.clone())
            .unwrap()
            .contains(",Golf\r\n")
    );
}
