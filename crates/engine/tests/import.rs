//! Several files as one import: checked together (an ID or a lead of an earlier file is
//! reported with that file and row), and packed together (packages that hold several files,
//! each listed with its mapping file, none at or above the size limit).

use crate::shared::{csv_records, xml_elements, zip_entries};
use std::collections::BTreeMap;
use std::sync::Arc;

use leadpack_engine::{
    BuildError, Built, CheckOptions, FileChecker, FileReport, Import, OutputEncoding, PackJob,
    PackOutcome, Rule, Template, check_bytes, pack_together, read_package,
};
use proptest::prelude::*;

const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone\n";

/// `text` checked as `name`, part of `import`, fed in pieces of `chunk` bytes.
fn check_in(import: &Import, name: &str, text: &str, chunk: usize) -> FileReport {
    let mut checker = FileChecker::new(name, CheckOptions::default()).in_import(import);
    for piece in text.as_bytes().chunks(chunk) {
        checker.feed(piece).expect("the file is readable");
    }
    checker.finish().expect("the file is readable")
}

/// The findings of `rule` in `report`: row and message.
fn findings(report: &FileReport, rule: Rule) -> Vec<(u64, String)> {
    report
        .issues
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.row, f.message.clone()))
        .collect()
}

#[test]
fn an_id_of_an_earlier_file_is_reported_with_that_file_and_row() {
    let import = Import::new();
    let a = format!("{HEADER}A1,Ann,Lee,ann@example.com,\nA2,Bo,Ng,bo@example.com,\n");
    let b = format!(
        "{HEADER}B1,Cy,Oh,cy@example.com,\nA2,Di,Ma,di@example.com,\nB1,Ed,Yu,ed@example.com,\nA2,Fa,Li,fa@example.com,\n"
    );
    let c = format!("{HEADER}A2,Gu,Wo,gu@example.com,\nB1,Ha,Xi,ha@example.com,\n");
    let a = check_in(&import, "a.csv", &a, 1 << 20);
    assert!(findings(&a, Rule::DuplicateId).is_empty());
    let b = check_in(&import, "b.csv", &b, 1 << 20);
    let c = check_in(&import, "c.csv", &c, 1 << 20);
    assert_eq!(
        import.files(),
        ["a.csv", "b.csv", "c.csv"].map(String::from)
    );

    let b = findings(&b, Rule::DuplicateId);
    assert_eq!(b.iter().map(|(row, _)| *row).collect::<Vec<_>>(), [3, 4, 5]);
    // Used in an earlier file: that file and row, the first use in the import.
    assert!(
        b[0].1
            .contains("row 3 of a.csv, another file of this import"),
        "{}",
        b[0].1
    );
    assert!(b[2].1.contains("row 3 of a.csv"), "{}", b[2].1);
    // Used twice in this file only: the row, as in a file checked alone.
    assert!(b[1].1.contains("already used by row 2."), "{}", b[1].1);
    assert!(!b[1].1.contains(" of "), "{}", b[1].1);

    let c = findings(&c, Rule::DuplicateId);
    assert_eq!(c.len(), 2);
    assert!(c[0].1.contains("row 3 of a.csv"), "{}", c[0].1);
    assert!(c[1].1.contains("row 2 of b.csv"), "{}", c[1].1);
    assert!(c.iter().all(|(_, m)| m.contains("unique in the import")));
}

#[test]
fn a_lead_of_an_earlier_file_is_reported_as_a_likely_duplicate() {
    let import = Import::new();
    let a = format!("{HEADER}1,Ann,Lee,ann@example.com,+1 416 555 0101\n2,Bo,Ng,bo@example.com,\n");
    // Same email and names as a.csv's row 2; same phone and names as a.csv's row 2; a phone
    // alone is not enough; then the same lead twice in this file.
    let b = format!(
        "{HEADER}3,Ann,Lee,ANN@example.com,\n4,Ann,Lee,,+1 416 555 0101\n5,Zed,Ko,,+1 416 555 0101\n6,Cy,Oh,cy@example.com,\n7,Cy,Oh,cy@example.com,\n"
    );
    check_in(&import, "a.csv", &a, 1 << 20);
    let b = check_in(&import, "b.csv", &b, 7);
    let found = findings(&b, Rule::LikelyDuplicate);
    assert_eq!(
        found.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        [2, 3, 6]
    );
    assert!(
        found[0].1.contains(
            "row 2 of a.csv, another file of this import (same first name, last name, email: 60%"
        ),
        "{}",
        found[0].1
    );
    assert!(
        found[1].1.contains(
            "row 2 of a.csv, another file of this import (same first name, last name, phone: 70%"
        ),
        "{}",
        found[1].1
    );
    assert!(
        found[2]
            .1
            .contains("the one in row 5 (same first name, last name, email: 60%"),
        "{}",
        found[2].1
    );
}

#[test]
fn the_same_files_checked_alone_find_no_duplicate_across_them() {
    let a = format!("{HEADER}1,Ann,Lee,ann@example.com,\n");
    let b = format!("{HEADER}1,Ann,Lee,ann@example.com,\n");
    for text in [&a, &b] {
        let alone = check_bytes("b.csv", text.as_bytes(), CheckOptions::default()).unwrap();
        assert!(alone.issues.is_empty());
    }
    // Two imports do not share their files.
    let (one, two) = (Import::new(), Import::new());
    check_in(&one, "a.csv", &a, 1 << 20);
    let b = check_in(&two, "b.csv", &b, 1 << 20);
    assert!(b.issues.is_empty());
    assert_eq!(two.files(), ["b.csv"]);
}

#[test]
fn a_file_that_is_not_read_to_its_end_does_not_join_the_import() {
    let import = Import::new();
    let a = format!("{HEADER}1,Ann,Lee,ann@example.com,\n2,Bo,Ng,bo@example.com,\n");
    // Stopped halfway, as a cancelled check is.
    let mut stopped = FileChecker::new("a.csv", CheckOptions::default()).in_import(&import);
    stopped.feed(a.as_bytes()).unwrap();
    drop(stopped);
    // A header and no leads: the check fails.
    let empty = FileChecker::new("e.csv", CheckOptions::default()).in_import(&import);
    let mut empty = empty;
    empty.feed(HEADER.as_bytes()).unwrap();
    assert!(empty.finish().is_err());
    assert!(import.files().is_empty());
    let b = check_in(&import, "b.csv", &a, 1 << 20);
    assert!(b.issues.is_empty(), "{:?}", findings(&b, Rule::DuplicateId));
}

#[test]
fn a_check_in_an_import_does_not_reuse_an_earlier_check_of_the_file_alone() {
    let a = format!("{HEADER}1,Ann,Lee,ann@example.com,\n");
    let b = format!("{HEADER}2,Cy,Oh,cy@example.com,\n1,Bo,Ng,bo@example.com,\n");
    let alone = Arc::new(check_bytes("b.csv", b.as_bytes(), CheckOptions::default()).unwrap());
    assert!(alone.issues.is_empty());
    let import = Import::new();
    check_in(&import, "a.csv", &a, 1 << 20);
    let mut checker = FileChecker::new("b.csv", CheckOptions::default())
        .reusing(Arc::clone(&alone))
        .in_import(&import);
    checker.feed(b.as_bytes()).unwrap();
    let b = checker.finish().unwrap();
    assert_eq!(findings(&b, Rule::DuplicateId).len(), 1);
    assert_eq!(import.files(), ["a.csv", "b.csv"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Files of IDs from a small pool: each ID is reported exactly where a simple model says,
    /// with the file and row of its first use in the import, however the files are chunked.
    #[test]
    fn ids_are_compared_across_the_files_of_an_import(
        files in prop::collection::vec(prop::collection::vec(0u8..12, 1..12), 1..6),
        chunk in 1usize..64,
    ) {
        let import = Import::new();
        // ID → (file, row) of its first use.
        let mut first: BTreeMap<u8, (usize, u64)> = BTreeMap::new();
        for (f, ids) in files.iter().enumerate() {
            let mut text = HEADER.to_string();
            for (r, id) in ids.iter().enumerate() {
                text.push_str(&format!("K{id},N{f}x{r},M{f}x{r},m{f}x{r}@example.com,\n"));
            }
            let name = format!("f{f}.csv");
            let report = check_in(&import, &name, &text, chunk);
            let mut expected = Vec::new();
            for (r, id) in ids.iter().enumerate() {
                let row = r as u64 + 2;
                match first.get(id) {
                    Some(&(file, at)) if file < f => {
                        expected.push((row, format!("row {at} of f{file}.csv, another file")));
                    }
                    Some(&(_, at)) => expected.push((row, format!("already used by row {at}. "))),
                    None => {
                        first.insert(*id, (f, row));
                    }
                }
            }
            let found = findings(&report, Rule::DuplicateId);
            prop_assert_eq!(found.len(), expected.len(), "{:?}", found);
            for ((row, message), (want_row, words)) in found.iter().zip(&expected) {
                prop_assert_eq!(row, want_row);
                prop_assert!(message.contains(words.as_str()), "{} should say {}", message, words);
            }
            prop_assert!(findings(&report, Rule::LikelyDuplicate).is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packing together.
// ---------------------------------------------------------------------------------------------

/// `count` valid leads of file `file`, unlike any other file's.
fn leads(file: usize, count: usize) -> String {
    let mut text = HEADER.to_string();
    for i in 0..count {
        text.push_str(&format!(
            "F{file}-{i},Name{file}x{i},Family{i}x{file},l{file}x{i}@example.com,+1 416 {:03} {:04}\n",
            file % 1000,
            i % 10_000
        ));
    }
    text
}

/// `text` built as `name`, part of `import`, following `template`.
fn build_in(import: &Import, name: &str, text: &str, template: &Template) -> PackOutcome {
    let mut job = PackJob::new(name, template).in_import(import);
    let built: Result<Built, BuildError> = job.feed(text.as_bytes()).and_then(|()| job.finish());
    built.expect("the file packs").outcome
}

/// The template of a file like [`leads`], with a size limit of `limit` bytes.
fn template(limit: u64, encoding: OutputEncoding) -> Template {
    let report = check_bytes("x.csv", leads(0, 2).as_bytes(), CheckOptions::default()).unwrap();
    let mut template = Template::suggested(&report);
    template.options.max_package_bytes = limit;
    template.options.output_encoding = encoding;
    template
}

/// The CSV files a package lists, in order, with their category, checked against its entries:
/// `fileMappings.xml` first, then each CSV's mapping file and the CSV, nothing else.
fn listed(package: &[u8]) -> Vec<(String, String)> {
    let entries = zip_entries(package);
    assert_eq!(entries[0].0, "fileMappings.xml");
    let files: Vec<(String, String)> = xml_elements(&entries[0].1)
        .into_iter()
        .filter(|(name, _)| name == "file")
        .map(|(_, attributes)| {
            let get = |key: &str| {
                attributes
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let csv = get("name");
            assert_eq!(get("mappingFile"), csv.replace(".csv", "_mappings.xml"));
            (csv, get("category"))
        })
        .collect();
    let mut wanted = vec!["fileMappings.xml".to_string()];
    for (csv, _) in &files {
        wanted.push(csv.replace(".csv", "_mappings.xml"));
        wanted.push(csv.clone());
    }
    let names: Vec<String> = entries.into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, wanted);
    files
}

#[test]
fn small_files_share_one_package_that_lists_each_with_its_mapping_and_category() {
    let import = Import::new();
    let mut outcomes = Vec::new();
    for (file, category) in ["a.csv", "b.csv", "c.csv"]
        .into_iter()
        .zip(["All", "Contacts", "All"])
    {
        let mut template = template(10_000_000, OutputEncoding::Windows1252);
        template.category = category.to_string();
        let count = outcomes.len() * 3 + 2;
        outcomes.push(build_in(
            &import,
            file,
            &leads(outcomes.len(), count),
            &template,
        ));
    }
    let packages = pack_together("import", &outcomes, 10_000_000).unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].name, "import.zip");
    assert_eq!(packages[0].rows, 2 + 5 + 8);
    assert_eq!(
        listed(&packages[0].bytes),
        [("a.csv", "All"), ("b.csv", "Contacts"), ("c.csv", "All")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let together = zip_entries(&packages[0].bytes);
    let mapping = String::from_utf8(together[0].1.clone()).unwrap();
    assert!(mapping.contains("encodingType=\"CP-1252\""), "{mapping}");
    // Each file's mapping file and CSV are its own package's, byte for byte.
    for outcome in &outcomes {
        let own = zip_entries(&outcome.packages[0].bytes);
        for (name, bytes) in &own[1..] {
            let copied = together.iter().find(|(n, _)| n == name).expect("copied");
            assert_eq!(&copied.1, bytes, "{name}");
        }
    }
    let csvs = read_package("import.zip", &packages[0].bytes).unwrap();
    assert_eq!(
        csvs.iter()
            .map(|c| csv_records(&c.bytes))
            .collect::<Vec<_>>(),
        [2, 5, 8]
    );
}

#[test]
fn a_single_package_is_kept_as_its_file_made_it() {
    let import = Import::new();
    let outcome = build_in(
        &import,
        "a.csv",
        &leads(1, 20),
        &template(10_000_000, OutputEncoding::Utf8),
    );
    let packages = pack_together("My import", std::slice::from_ref(&outcome), 10_000_000).unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].name, "My import.zip");
    assert_eq!(packages[0].bytes, outcome.packages[0].bytes);
    assert!(pack_together("import", &[], 10_000_000).unwrap().is_empty());
}

#[test]
fn files_in_different_encodings_cannot_share_packages() {
    let import = Import::new();
    let a = build_in(
        &import,
        "a.csv",
        &leads(1, 2),
        &template(10_000_000, OutputEncoding::Utf8),
    );
    let b = build_in(
        &import,
        "b.csv",
        &leads(2, 2),
        &template(10_000_000, OutputEncoding::Iso8859_1),
    );
    let refused = pack_together("import", &[a, b], 10_000_000).unwrap_err();
    let message = refused.message();
    for words in [
        "a.csv",
        "UTF-8",
        "b.csv",
        "ISO-8859-1",
        "one output encoding",
    ] {
        assert!(message.contains(words), "{message} should say {words}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Files of any size, a limit of any size that holds a package of one lead: every package
    /// of the import is below the limit and lists exactly the CSV files it holds, each with its
    /// header and mapping file; each file's rows are all there, once, in order; the packages
    /// come in the files' order; two neighbouring packages could not have been one.
    #[test]
    fn every_row_of_every_file_is_in_one_package_below_the_limit(
        counts in prop::collection::vec(0usize..400, 1..6),
        limit in 2_500u64..40_000,
    ) {
        let import = Import::new();
        let template = template(limit, OutputEncoding::Utf8);
        let mut outcomes = Vec::new();
        for (file, count) in counts.iter().enumerate() {
            let text = if *count == 0 {
                // Every lead left out: the file's package holds its header only.
                format!("{HEADER}X,,,,\n")
            } else {
                leads(file, *count)
            };
            outcomes.push(build_in(&import, &format!("f{file}.csv"), &text, &template));
        }
        let packages = pack_together("import", &outcomes, limit).unwrap();
        // Each file's rows, as its own packages hold them, in order.
        let own: Vec<Vec<u8>> = outcomes
            .iter()
            .map(|outcome| {
                let mut rows = Vec::new();
                for package in &outcome.packages {
                    let csv = &zip_entries(&package.bytes)[2].1;
                    let body = csv.splitn(2, |b| *b == b'\n').nth(1).unwrap_or_default();
                    rows.extend_from_slice(body);
                }
                rows
            })
            .collect();
        let mut gathered: Vec<Vec<u8>> = vec![Vec::new(); outcomes.len()];
        let mut order = Vec::new();
        for (index, package) in packages.iter().enumerate() {
            prop_assert!((package.bytes.len() as u64) < limit);
            if packages.len() > 1 {
                let wanted = format!("import-part-{:02}-of-{:02}.zip", index + 1, packages.len());
                prop_assert_eq!(&package.name, &wanted);
            }
            let files = listed(&package.bytes);
            prop_assert!(!files.is_empty(), "{} lists no file", package.name);
            let entries = zip_entries(&package.bytes);
            let mut rows = 0;
            for (csv, _) in &files {
                let file: usize = csv[1..csv.len() - 4].parse().unwrap();
                order.push(file);
                let bytes = &entries.iter().find(|(n, _)| n == csv).unwrap().1;
                prop_assert!(bytes.starts_with(HEADER.trim_end().as_bytes()));
                let body = bytes.splitn(2, |b| *b == b'\n').nth(1).unwrap_or_default();
                gathered[file].extend_from_slice(body);
                rows += csv_records(bytes);
            }
            prop_assert_eq!(rows, package.rows);
        }
        prop_assert_eq!(gathered, own);
        prop_assert!(order.windows(2).all(|w| w[0] <= w[1]), "{:?}", order);
        let total: u64 = outcomes.iter().map(|o| o.packaged).sum();
        prop_assert_eq!(packages.iter().map(|p| p.rows).sum::<u64>(), total);
        // Packages are filled: the first piece of each next package (the size of the package
        // its file made of it) did not fit beside the pieces of the one before.
        let mut next_own = vec![0usize; outcomes.len()];
        let mut sizes: Vec<(u64, u64)> = Vec::new();
        for package in &packages {
            let mut first = None;
            let mut sum = 0;
            for (csv, _) in listed(&package.bytes) {
                let file: usize = csv[1..csv.len() - 4].parse().unwrap();
                let size = outcomes[file].packages[next_own[file]].bytes.len() as u64;
                next_own[file] += 1;
                first.get_or_insert(size);
                sum += size;
            }
            sizes.push((first.unwrap_or(0), sum));
        }
        for pair in sizes.windows(2) {
            prop_assert!(pair[0].1 + pair[1].0 + 1_024 >= limit, "{:?} under {}", pair, limit);
        }
    }
}

#[test]
fn an_import_shows_its_files_when_debugged() {
    let import = Import::new();
    check_in(
        &import,
        "a.csv",
        &format!("{HEADER}1,Ann,Lee,ann@example.com,\n"),
        1 << 20,
    );
    assert_eq!(format!("{import:?}"), r#"Import { files: ["a.csv"] }"#);
}

#[test]
fn a_lead_of_the_second_file_is_named_with_that_file() {
    let import = Import::new();
    check_in(
        &import,
        "a.csv",
        &format!("{HEADER}1,Ann,Lee,ann@example.com,\n"),
        1 << 20,
    );
    check_in(
        &import,
        "b.csv",
        &format!("{HEADER}2,Bo,Ng,bo@example.com,\n3,Cy,Oh,cy@example.com,\n"),
        1 << 20,
    );
    let c = check_in(
        &import,
        "c.csv",
        &format!("{HEADER}4,Cy,Oh,cy@example.com,\n"),
        1 << 20,
    );
    let found = findings(&c, Rule::LikelyDuplicate);
    assert_eq!(found.len(), 1);
    assert!(found[0].1.contains("row 3 of b.csv"), "{}", found[0].1);
}

#[test]
fn a_files_category_is_written_for_it_and_an_empty_one_is_refused() {
    let import = Import::new();
    let mut named = template(10_000_000, OutputEncoding::Utf8);
    named.category = "Accounts\u{1}".to_string();
    let outcome = build_in(&import, "a.csv", &leads(1, 2), &named);
    assert_eq!(outcome.category, "Accounts ");
    let entries = zip_entries(&outcome.packages[0].bytes);
    let list = String::from_utf8(entries[0].1.clone()).unwrap();
    assert!(list.contains(r#"category="Accounts ""#), "{list}");

    let mut empty = template(10_000_000, OutputEncoding::Utf8);
    empty.category = " ".to_string();
    let mut job = PackJob::new("b.csv", &empty);
    let refused = job
        .feed(leads(2, 2).as_bytes())
        .and_then(|()| job.finish())
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("The type of data in this file is empty"),
        "{refused}"
    );
}
