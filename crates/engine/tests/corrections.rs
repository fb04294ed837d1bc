//! Corrections made in the review grid: find and replace, a broken row written anew, a row taken
//! out. Each reaches the findings, the package and the change log, and nothing is lost.

use leadpack_engine::{
    Built, CheckOptions, Edits, PackJob, Replacement, Rule, Template, check_bytes, read_package,
};

const FILE: &str = "First Name,Last Name,Email Address,Company\n\
    Ann,Lee,ann@example.com,Lee & Co\n\
    Bo,LEE,bo@example.com,Acme LEE Ltd\n\
    Cy,Day,cy@example.com,Day Inc,extra\n\
    Di,Ray,di@example.com,\"Ray\n";

fn checked(edits: Edits) -> leadpack_engine::FileReport {
    let options = CheckOptions {
        edits,
        ..CheckOptions::default()
    };
    check_bytes("leads.csv", FILE.as_bytes(), options).expect("readable")
}

/// The package's CSV and the rejected rows' CSV (empty when none) for `edits`.
fn packed(edits: Edits) -> (String, String, Built) {
    let first = check_bytes("leads.csv", FILE.as_bytes(), CheckOptions::default()).unwrap();
    let template = Template::suggested(&first);
    let mut job = PackJob::new("leads.csv", &template).with_edits(edits);
    job.feed(FILE.as_bytes()).unwrap();
    let built = job.finish().unwrap();
    let package = &built.outcome.packages[0];
    let csv = read_package(&package.name, &package.bytes).unwrap()[0]
        .bytes
        .clone();
    let rejected = built
        .outcome
        .rejected
        .as_ref()
        .map(|file| String::from_utf8_lossy(&file.bytes).into_owned())
        .unwrap_or_default();
    (String::from_utf8(csv).unwrap(), rejected, built)
}

fn replace(column: Option<usize>, find: &str, with: &str, match_case: bool) -> Replacement {
    Replacement {
        column,
        find: find.into(),
        with: with.into(),
        match_case,
    }
}

#[test]
fn find_and_replace_in_one_column_changes_that_column_only_and_is_logged() {
    let edits = Edits {
        replacements: vec![replace(Some(1), "lee", "Li", false)],
        ..Edits::default()
    };
    let report = checked(edits.clone());
    let changed: Vec<(u64, &str, &str, &str)> = report
        .changes
        .iter()
        .map(|c| {
            (
                c.row,
                c.column.as_str(),
                c.before.as_str(),
                c.after.as_str(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [(2, "Last Name", "Lee", "Li"), (3, "Last Name", "LEE", "Li")]
    );
    assert!(report.changes.iter().all(|c| c.reason == "replaced"));
    let (csv, _, _) = packed(edits);
    assert!(csv.contains("Ann,Li,"), "{csv}");
    // The company, another column, keeps its LEE.
    assert!(csv.contains("Acme LEE Ltd"), "{csv}");
}

#[test]
fn find_and_replace_in_every_column_matches_case_when_asked() {
    let every = Edits {
        replacements: vec![replace(None, "LEE", "Lee", true)],
        ..Edits::default()
    };
    let report = checked(every);
    let after: Vec<&str> = report.changes.iter().map(|c| c.after.as_str()).collect();
    assert_eq!(after, ["Lee", "Acme Lee Ltd"]);
}

#[test]
fn a_replacement_finds_each_occurrence_once_in_any_letters() {
    let r = replace(None, "é", "e", false);
    assert_eq!(r.apply("Émile Éé"), Some("emile ee".into()));
    assert_eq!(r.count("Émile Éé"), 3);
    let aa = replace(None, "aa", "b", true);
    assert_eq!(aa.apply("aaa"), Some("ba".into()));
    assert_eq!(aa.count("aaaa"), 2);
    // Nothing to find, or nothing found: no change.
    assert_eq!(replace(None, "", "x", false).apply("abc"), None);
    assert_eq!(replace(None, "z", "x", false).apply("abc"), None);
    // Replacing a text by itself changes nothing.
    assert_eq!(replace(None, "Lee", "Lee", false).apply("Lee"), None);
    // A match at the very end, after letters of two bytes.
    assert_eq!(
        replace(None, "ÖZ", "oz", false).apply("çöz"),
        Some("çoz".into())
    );
    assert!(replace(Some(2), "a", "b", false).covers(2));
    assert!(!replace(Some(2), "a", "b", false).covers(1));
    assert!(replace(None, "a", "b", false).covers(7));
}

#[test]
fn a_broken_row_written_anew_is_checked_and_packed_as_written() {
    let before = checked(Edits::default());
    let broken: Vec<u64> = before
        .issues
        .iter()
        .filter(|f| f.rule == Rule::MalformedRow)
        .map(|f| f.row)
        .collect();
    // A value too many on row 4, and a quote never closed on row 5.
    assert_eq!(broken, [4, 5]);
    let mut edits = Edits::default();
    edits.rows.insert(
        4,
        ["Cy", "Day", "cy@example.com", "Day Inc, extra"]
            .map(String::from)
            .to_vec(),
    );
    edits.rows.insert(
        5,
        ["Di", "Ray", "di@example.com", "Ray"]
            .map(String::from)
            .to_vec(),
    );
    let report = checked(edits.clone());
    assert!(
        report.issues.iter().all(|f| f.rule != Rule::MalformedRow),
        "{:?}",
        report.issues
    );
    assert_eq!(report.summary.with_errors, 0);
    let rewritten: Vec<(u64, &str)> = report
        .changes
        .iter()
        .map(|c| (c.row, c.reason.as_str()))
        .collect();
    assert_eq!(rewritten, [(4, "row rewritten"), (5, "row rewritten")]);
    assert_eq!(
        report.changes[0].before,
        "Cy | Day | cy@example.com | Day Inc | extra"
    );
    let (csv, rejected, built) = packed(edits);
    assert!(csv.contains("\"Day Inc, extra\""), "{csv}");
    assert!(csv.contains("Di,Ray,di@example.com,Ray"), "{csv}");
    assert_eq!(rejected, "");
    assert_eq!(built.outcome.packaged, 4);
}

#[test]
fn a_row_taken_out_goes_into_no_package_and_into_the_change_log() {
    let mut edits = Edits::default();
    edits.deleted.insert(3);
    // Row 5's quote never closed: taking it out is one way to deal with it.
    edits.deleted.insert(5);
    let report = checked(edits.clone());
    assert_eq!(report.summary.deleted, 2);
    assert_eq!(report.summary.records, 2);
    // Rows taken out are not blank rows.
    assert_eq!(report.summary.blank_rows, 0);
    assert_eq!(report.rows, 2);
    assert!(report.issues.iter().all(|f| f.row != 3 && f.row != 5));
    let deleted: Vec<(u64, &str, &str)> = report
        .changes
        .iter()
        .map(|c| (c.row, c.before.as_str(), c.reason.as_str()))
        .collect();
    assert_eq!(
        deleted,
        [
            (3, "Bo | LEE | bo@example.com | Acme LEE Ltd", "row deleted"),
            (5, "Di | Ray | di@example.com | Ray\n", "row deleted"),
        ]
    );
    let (csv, rejected, built) = packed(edits);
    assert!(!csv.contains("bo@example.com"), "{csv}");
    assert!(!rejected.contains("bo@example.com"), "{rejected}");
    // Row 4 still has a value too many: it is the one row left out.
    assert!(rejected.contains("cy@example.com"), "{rejected}");
    assert_eq!(built.outcome.packaged, 1);
    assert_eq!(built.outcome.rejected_rows, 1);
    assert_eq!(built.report.summary.deleted, 2);
}

#[test]
fn corrections_travel_as_json_and_older_corrections_still_read() {
    let mut edits = Edits::default();
    edits.deleted.insert(9);
    edits.rows.insert(4, vec!["a".into(), "b".into()]);
    edits.replacements.push(replace(Some(1), "x", "y", true));
    let json = serde_json::to_string(&edits).unwrap();
    assert_eq!(
        json,
        r#"{"cells":[],"fixes":[],"replacements":[{"column":1,"find":"x","with":"y","match_case":true}],"rows":[{"row":4,"values":["a","b"]}],"deleted":[9]}"#
    );
    assert_eq!(serde_json::from_str::<Edits>(&json).unwrap(), edits);
    let older: Edits = serde_json::from_str(r#"{"cells":[],"fixes":[]}"#).unwrap();
    assert!(older.is_empty());
}
