//! The `rtf2plain` text converter: values in Rich Text Format are judged, and packed, as the
//! text the CRM keeps of them; without the converter their codes are reported.

use crate::shared::zip_entries;
use crate::util::{NAME, check_with, pack_pass};
use leadpack_engine::{CheckOptions, EVERY_COLUMN, ReadOptions, Rule, Template, TextConverter};

/// Company's value is 62 characters of RTF around "Acme"; Notes holds a paragraph break; the
/// third lead's first name is RTF with no text at all; the fourth's company is RTF cut off.
const LEADS: &str = "First Name,Last Name,Email,Company,Notes\n\
    Zoe,Lee,zoe@example.com,\"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0\\fs20 {\\b Acme} Caf\\'e9\\par}\",\"{\\rtf1 Call\\par back}\"\n\
    Marc,Tremblay,marc@example.com,Plain Co,plain note\n\
    {\\rtf1\\ansi },Roy,anne@example.com,Roy Ltd,\n\
    Jean,Dupont,jean@example.com,{\\rtf1\\ansi Dupont et f,\n";

fn template(every: bool, converters: &[(&str, TextConverter)]) -> Template {
    let json = r#"{
        "version": 1,
        "columns": [
            {"header": "First Name", "target": "field", "field": "firstName"},
            {"header": "Last Name", "target": "field", "field": "lastName"},
            {"header": "Email", "target": "field", "field": "email"},
            {"header": "Company", "target": "field", "field": "company"},
            {"header": "Notes", "target": "user-field"}
        ]
    }"#;
    let mut template = Template::from_json(json).unwrap_or_else(|error| panic!("{error}"));
    template.rtf2plain = every;
    for (header, converter) in converters {
        template
            .text_converters
            .insert(header.to_string(), *converter);
    }
    template
}

fn findings(template: &Template) -> Vec<(u64, Rule, String)> {
    let report = check_with(LEADS, CheckOptions::from_template(template));
    report
        .issues
        .iter()
        .map(|f| (f.row, f.rule, f.message.clone()))
        .collect()
}

fn rules(template: &Template) -> Vec<(u64, Rule)> {
    findings(template)
        .into_iter()
        .map(|(row, rule, _)| (row, rule))
        .collect()
}

/// The package's CSV rows (without the header) and its mapping file.
fn packed(template: &Template) -> (Vec<Vec<String>>, String) {
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
    let csv = entries
        .iter()
        .find(|(name, _)| name.ends_with(".csv"))
        .expect("a CSV");
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.1.as_slice());
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect();
    let xml = entries
        .iter()
        .find(|(name, _)| name.ends_with("_mappings.xml"))
        .expect("a mapping file");
    (rows, String::from_utf8(xml.1.clone()).unwrap())
}

#[test]
fn without_the_converter_rtf_codes_are_reported_in_every_packed_column() {
    let found = findings(&template(false, &[]));
    let rtf: Vec<(u64, &str)> = found
        .iter()
        .filter(|(_, rule, _)| *rule == Rule::RtfCodes)
        .map(|(row, _, message)| (*row, message.as_str()))
        .collect();
    assert_eq!(
        rtf.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        [2, 2, 4, 5],
        "{found:?}"
    );
    assert!(
        rtf[0].1.starts_with("Company holds formatted text (RTF)"),
        "{}",
        rtf[0].1
    );
    assert!(rtf[0].1.contains("rtf2plain"), "{}", rtf[0].1);
    assert!(
        rtf[1].1.starts_with("Column “Notes” holds formatted text"),
        "{}",
        rtf[1].1
    );
    // The cut-off value says so, whatever the converter.
    assert!(rtf[3].1.contains("cut off before its end"), "{}", rtf[3].1);
    // Judged as written: the RTF company is longer than the CRM keeps.
    assert!(
        found
            .iter()
            .any(|(row, rule, _)| (*row, *rule) == (2, Rule::TooLong))
    );
    // The RTF first name is a value, so no name is missing.
    assert!(!found.iter().any(|(_, rule, _)| *rule == Rule::MissingName));
}

#[test]
fn with_the_converter_values_are_judged_and_packed_as_their_text() {
    let every = template(true, &[]);
    let found = rules(&every);
    // Only the cut-off value is still RTF; the empty RTF first name is a missing name.
    assert_eq!(
        found
            .iter()
            .filter(|(_, rule)| *rule == Rule::RtfCodes)
            .collect::<Vec<_>>(),
        [&(5, Rule::RtfCodes)]
    );
    assert!(found.contains(&(4, Rule::MissingName)), "{found:?}");
    assert!(!found.contains(&(2, Rule::TooLong)), "{found:?}");

    let (rows, xml) = packed(&every);
    assert_eq!(rows[0][3], "Acme Café");
    assert_eq!(rows[0][4], "Call\nback");
    assert_eq!(rows[1][3], "Plain Co");
    // The cut-off value is packed as it is: nothing is lost.
    assert_eq!(rows[2][3], "{\\rtf1\\ansi Dupont et f");
    // The mapping file declares the converter for each text column.
    assert_eq!(
        xml.matches("<textConverter name=\"rtf2plain\"/>").count(),
        5,
        "{xml}"
    );
}

#[test]
fn a_columns_own_converter_wins_over_every_columns() {
    let notes_only = template(false, &[("Notes", TextConverter::Rtf2Plain)]);
    let rtf_rows: Vec<u64> = rules(&notes_only)
        .into_iter()
        .filter(|(_, rule)| *rule == Rule::RtfCodes)
        .map(|(row, _)| row)
        .collect();
    assert_eq!(rtf_rows, [2, 4, 5]);
    let (rows, xml) = packed(&notes_only);
    assert_eq!(rows[0][4], "Call\nback");
    assert!(rows[0][3].starts_with("{\\rtf1"));
    assert_eq!(xml.matches("textConverter").count(), 1, "{xml}");

    let all_but_company = template(
        false,
        &[
            (EVERY_COLUMN, TextConverter::Rtf2Plain),
            ("Company", TextConverter::None),
        ],
    );
    let rtf_rows: Vec<u64> = rules(&all_but_company)
        .into_iter()
        .filter(|(_, rule)| *rule == Rule::RtfCodes)
        .map(|(row, _)| row)
        .collect();
    assert_eq!(rtf_rows, [2, 5]);
    // A column's own "none" wins over the template-wide switch too.
    let legacy_but_company = template(true, &[("Company", TextConverter::None)]);
    assert_eq!(rules(&legacy_but_company), rules(&all_but_company));
}

#[test]
fn templates_carry_text_converters_and_refuse_unknown_ones() {
    let json = r#"{"version": 1, "text_converters": {"Notes": "rtf2plain", "*": ""}}"#;
    let template = Template::from_json(json).unwrap_or_else(|error| panic!("{error}"));
    assert!(template.rtf2plain_for("Notes"));
    assert!(!template.rtf2plain_for("Company"));
    let again = Template::from_json(&template.to_json()).unwrap();
    assert_eq!(again, template);

    let error =
        Template::from_json(r#"{"version": 1, "text_converters": {"Notes": "html2plain"}}"#)
            .unwrap_err();
    assert!(error.contains("html2plain"), "{error}");
    assert!(error.contains("rtf2plain"), "{error}");

    // A template of the earlier form: one switch for every text column.
    let old = Template::from_json(r#"{"version": 1, "rtf2plain": true}"#).unwrap();
    assert!(old.rtf2plain_for("Anything"));
}

proptest::proptest! {
    /// Any value is read without fail; plain words inside RTF come out as they went in, and
    /// RTF that is cut anywhere before its end is found to be cut.
    #[test]
    fn any_value_is_read_and_plain_words_survive(
        value in "\\PC{0,80}",
        words in "[A-Za-z0-9 ,.;:!?()'\"àéüß]{0,60}",
        cut in 0usize..200,
    ) {
        let _ = leadpack_engine::rtf_to_plain(&format!("{{\\rtf1 {value}"));
        let _ = leadpack_engine::rtf_to_plain(&format!("{{\\rtf1 {value}}}"));
        let whole = format!("{{\\rtf1\\ansi{{\\fonttbl{{\\f0 Arial;}}}}\\f0 {words}}}");
        let expected = words.trim_end().to_string();
        proptest::prop_assert_eq!(
            leadpack_engine::rtf_to_plain(&whole),
            leadpack_engine::Rtf::Text(expected)
        );
        let cut = cut.min(whole.len() - 1);
        if whole.is_char_boundary(cut) && cut >= 5 {
            proptest::prop_assert!(matches!(
                leadpack_engine::rtf_to_plain(&whole[..cut]),
                leadpack_engine::Rtf::Unfinished(_)
            ));
        }
    }
}
