//! `leadpack check --together` and `leadpack pack --together`: several files as one import.

use crate::shared::{csv_records, xml_elements, zip_entries};
use crate::util::{TempDir, check_json, findings, leadpack, names_in};
use serde_json::Value;

/// Every finding of a file report as (row, rule, message).
fn messages(file: &Value) -> Vec<(u64, String, String)> {
    file["issues"]
        .as_array()
        .expect("issues is an array")
        .iter()
        .map(|issue| {
            let text = |key: &str| issue[key].as_str().unwrap_or("").to_string();
            (
                issue["row"].as_u64().unwrap_or(0),
                text("rule"),
                text("message"),
            )
        })
        .collect()
}

const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone\n";

/// The CSV files `fileMappings.xml` of `package` lists, in order.
fn listed(package: &[u8]) -> Vec<String> {
    let entries = zip_entries(package);
    assert_eq!(entries[0].0, "fileMappings.xml");
    xml_elements(&entries[0].1)
        .into_iter()
        .filter(|(name, _)| name == "file")
        .filter_map(|(_, attributes)| {
            attributes
                .into_iter()
                .find(|(key, _)| key == "name")
                .map(|(_, value)| value)
        })
        .collect()
}

#[test]
fn check_together_names_the_other_file_and_row_of_a_repeated_id_or_lead() {
    let dir = TempDir::new("together-check");
    let a = dir.write(
        "a.csv",
        format!("{HEADER}1,Ann,Lee,ann@example.com,\n2,Bo,Ng,bo@example.com,\n"),
    );
    // Another encoding and delimiter: each file is read its own way.
    let b = dir.write(
        "b.csv",
        encoding_rs::WINDOWS_1252
            .encode(&format!(
                "{}3;Zoë;Oh;zoe@example.com;\n1;Dee;Ma;dee@example.com;\n4;Ann;Lee;ann@example.com;\n",
                HEADER.replace(',', ";")
            ))
            .0,
    );
    let (code, report) = check_json(&[&"--together", &a, &b]);
    assert_eq!(code, 1, "a repeated ID is an error");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(findings(&files[0]).is_empty());
    let found = messages(&files[1]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].0, found[0].1.as_str()), (3, "duplicate-id"));
    assert!(
        found[0]
            .2
            .contains("row 2 of a.csv, another file of this import"),
        "{found:?}"
    );
    assert_eq!((found[1].0, found[1].1.as_str()), (4, "likely-duplicate"));
    assert!(found[1].2.contains("row 2 of a.csv"), "{found:?}");
    assert_eq!(files[1]["encoding"], "windows-1252");

    // Without --together, each file is checked alone.
    let (code, alone) = check_json(&[&a, &b]);
    assert_eq!(code, 0);
    assert!(
        alone["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| findings(f).is_empty())
    );

    // Two files that share a name are told apart by their folders.
    std::fs::create_dir_all(dir.path("x")).unwrap();
    std::fs::create_dir_all(dir.path("y")).unwrap();
    let x = dir.write(
        "x/leads.csv",
        format!("{HEADER}7,Ann,Lee,ann@example.com,\n"),
    );
    let y = dir.write("y/leads.csv", format!("{HEADER}7,Cy,Oh,cy@example.com,\n"));
    let (_, report) = check_json(&[&"--together", &x, &y]);
    let second = &report["files"][1];
    let shown = x.display().to_string();
    assert_eq!(report["files"][0]["file"], shown.as_str());
    assert!(
        messages(second)[0].2.contains(&format!("row 2 of {shown}")),
        "{second}"
    );
}

#[test]
fn pack_together_writes_one_import_with_each_file_listed_and_its_own_rejected_rows() {
    let dir = TempDir::new("together-pack");
    std::fs::create_dir_all(dir.path("x")).unwrap();
    std::fs::create_dir_all(dir.path("y")).unwrap();
    let a = dir.write(
        "x/leads.csv",
        format!("{HEADER}1,Ann,Lee,ann@example.com,\n2,,Ng,bo@example.com,\n"),
    );
    let b = dir.write(
        "y/leads.csv",
        format!("{HEADER}3,Cy,Oh,cy@example.com,\n1,Dee,Ma,dee@example.com,\n"),
    );
    let c = dir.write("c.csv", format!("{HEADER}5,Eve,Yu,eve@example.com,\n"));
    let out = dir.path("out");
    let run = leadpack(&[
        &"pack",
        &"--together",
        &"--name",
        &"Spring import",
        &a,
        &b,
        &c,
        &"--out",
        &out,
    ]);
    assert_eq!(run.code, 1, "rows were left out: {}", run.stderr);
    assert_eq!(
        names_in(&out),
        [
            "Spring_import.zip",
            "leads-2-rejected.csv",
            "leads-rejected.csv"
        ]
    );
    assert!(
        run.stdout.contains("The import, 3 file(s) in 1 package(s)"),
        "{}",
        run.stdout
    );
    let package = std::fs::read(out.join("Spring_import.zip")).unwrap();
    assert_eq!(listed(&package), ["leads.csv", "leads-2.csv", "c.csv"]);
    let entries = zip_entries(&package);
    let rows: Vec<u64> = ["leads.csv", "leads-2.csv", "c.csv"]
        .iter()
        .map(|name| csv_records(&entries.iter().find(|(n, _)| n == name).unwrap().1))
        .collect();
    assert_eq!(rows, [1, 1, 1]);
    // Each file's rejected rows name its own problem: a missing name, an ID of another file.
    let first = std::fs::read_to_string(out.join("leads-rejected.csv")).unwrap();
    assert!(first.contains("2,,Ng,bo@example.com,,3,"), "{first}");
    let second = std::fs::read_to_string(out.join("leads-2-rejected.csv")).unwrap();
    assert!(
        second.contains("1,Dee,Ma,dee@example.com,,3,ID used more than once"),
        "{second}"
    );

    // A package limit below the package of all three: several packages, each self-contained.
    let small = dir.path("small");
    let one = std::fs::metadata(out.join("Spring_import.zip"))
        .unwrap()
        .len();
    let limit = (one * 3 / 4).to_string();
    let run = leadpack(&[
        &"pack",
        &"--together",
        &a,
        &b,
        &c,
        &"--out",
        &small,
        &"--max-package-bytes",
        &limit,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let parts: Vec<String> = names_in(&small)
        .into_iter()
        .filter(|name| name.starts_with("import-part-"))
        .collect();
    assert!(parts.len() >= 2, "{parts:?}");
    let mut all = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        assert_eq!(
            part,
            &format!("import-part-{:02}-of-{:02}.zip", index + 1, parts.len())
        );
        let bytes = std::fs::read(small.join(part)).unwrap();
        assert!((bytes.len() as u64) < one * 3 / 4);
        all.extend(listed(&bytes));
    }
    assert_eq!(all, ["leads.csv", "leads-2.csv", "c.csv"]);
}

#[test]
fn an_import_with_a_file_that_cannot_be_packed_writes_nothing() {
    let dir = TempDir::new("together-refused");
    let a = dir.write("a.csv", format!("{HEADER}1,Ann,Lee,ann@example.com,\n"));
    let empty = dir.write("b.csv", HEADER);
    let out = dir.path("out");
    let run = leadpack(&[&"pack", &"--together", &a, &empty, &"--out", &out]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("b.csv"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("nothing was written: every file of an import must be packed"),
        "{}",
        run.stderr
    );
    assert!(names_in(&out).is_empty(), "{:?}", names_in(&out));

    // --name needs --together.
    let run = leadpack(&[&"pack", &"--name", &"x", &a, &"--out", &out]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--together"), "{}", run.stderr);
}

#[test]
fn a_template_per_file_is_found_by_the_file_name_or_by_its_columns() {
    let dir = TempDir::new("together-templates");
    let a = dir.write(
        "accounts.csv",
        format!("{HEADER}1,Ann,Lee,ann@example.com,\n"),
    );
    // Another month's export: another name, the same columns in another order.
    let march = dir.write(
        "march.csv",
        "Email Address,ID,Last Name,First Name,Mobile\ncy@example.com,2,Oh,Cy,\n",
    );
    let other = dir.write("other.csv", "Name,Mail\nDee,dee@example.com\n");
    let set = r#"{
        "version": 1,
        "files": [
            {"file": "accounts.csv", "headers": ["ID", "First Name", "Last Name", "Email Address", "Phone"],
             "template": {"version": 1, "category": "Accounts",
                          "columns": [{"header": "ID", "target": "field", "field": "id"},
                                      {"header": "First Name", "target": "field", "field": "firstName"},
                                      {"header": "Last Name", "target": "field", "field": "lastName"},
                                      {"header": "Email Address", "target": "field", "field": "email"},
                                      {"header": "Phone", "target": "skip"}],
                          "nulls": {"Phone": "none"}}},
            {"file": "contacts.csv", "headers": ["email address", "id", "last name", "first name", "mobile"],
             "template": {"version": 1, "category": "Contacts",
                          "columns": [{"header": "ID", "target": "field", "field": "id"},
                                      {"header": "First Name", "target": "field", "field": "firstName"},
                                      {"header": "Last Name", "target": "field", "field": "lastName"},
                                      {"header": "Email Address", "target": "field", "field": "email"},
                                      {"header": "Mobile", "target": "user-field"}]}}
        ]
    }"#;
    let templates = dir.write("templates.json", set);
    let out = dir.path("out");
    let run = leadpack(&[
        &"pack",
        &"--together",
        &"--template",
        &templates,
        &a,
        &march,
        &other,
        &"--out",
        &out,
    ]);
    // other.csv has no template: matched automatically, with a note; it has no last name, so
    // its lead is left out.
    assert!(
        run.stderr.contains("no template for other.csv"),
        "{}",
        run.stderr
    );
    let package = std::fs::read(out.join("import.zip")).unwrap();
    let entries = zip_entries(&package);
    let list = String::from_utf8(entries[0].1.clone()).unwrap();
    assert!(
        list.contains(
            r#"<file name="accounts.csv" mappingFile="accounts_mappings.xml" category="Accounts"/>"#
        ),
        "{list}"
    );
    // march.csv is found by its columns: contacts.csv's template, Mobile a user field.
    assert!(
        list.contains(
            r#"<file name="march.csv" mappingFile="march_mappings.xml" category="Contacts"/>"#
        ),
        "{list}"
    );
    assert!(
        list.contains(
            r#"<file name="other.csv" mappingFile="other_mappings.xml" category="All"/>"#
        ),
        "{list}"
    );
    let march_csv = &entries.iter().find(|(n, _)| n == "march.csv").unwrap().1;
    assert_eq!(
        String::from_utf8_lossy(march_csv),
        "ID,First Name,Last Name,Email Address,Mobile\r\n2,Cy,Oh,cy@example.com,\r\n"
    );
    let accounts_csv = &entries.iter().find(|(n, _)| n == "accounts.csv").unwrap().1;
    assert_eq!(
        String::from_utf8_lossy(accounts_csv),
        "ID,First Name,Last Name,Email Address\r\n1,Ann,Lee,ann@example.com\r\n"
    );

    // check follows the same templates.
    let (_, report) = check_json(&[&"--template", &templates, &march]);
    assert_eq!(report["files"][0]["columns"][4]["field"], Value::Null);
}

/// Bad input: 100 files in one import work, with a line per file as each is done, and their
/// packages list every file once, in order.
#[test]
fn a_hundred_files_make_one_import() {
    let dir = TempDir::new("together-hundred");
    let mut paths = Vec::new();
    for file in 0..100 {
        paths.push(dir.write(
            &format!("f{file:03}.csv"),
            format!("{HEADER}{file}-1,Ann{file},Lee,a{file}@example.com,\n{file}-2,Bo{file},Ng,b{file}@example.com,\n"),
        ));
    }
    let out = dir.path("out");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"pack", &"--together", &"--out", &out];
    args.extend(paths.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
    let run = leadpack(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in 0..100 {
        assert!(
            run.stdout.contains(&format!(
                "f{file:03}.csv: 2 leads read, 2 packed, 0 left out"
            )),
            "{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("The import, 100 file(s) in 1 package(s)"),
        "{}",
        run.stdout
    );
    let package = std::fs::read(out.join("import.zip")).unwrap();
    let wanted: Vec<String> = (0..100).map(|file| format!("f{file:03}.csv")).collect();
    assert_eq!(listed(&package), wanted);
    assert_eq!(zip_entries(&package).len(), 201);
}
