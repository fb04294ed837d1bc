//! Workbooks on the command line: `check` and `pack` read a sheet directly (`--sheet` chooses
//! it), find what they find in the CSV of the same data, and give the same packages.

use crate::shared::{LEADS_WORKBOOK_CSV, leads_workbook};
use crate::util::{TempDir, check_json, leadpack, only_file, rows_and_rules};

#[test]
fn a_workbook_is_checked_as_the_csv_of_its_sheet() {
    let dir = TempDir::new("workbook-check");
    let book = dir.write("fair.xlsx", leads_workbook());
    let csv = dir.write("fair.csv", LEADS_WORKBOOK_CSV);
    let (code, from_book) = check_json(&[&book]);
    let (_, from_csv) = check_json(&[&csv]);
    assert_eq!(code, 1, "row 7 has no email and no phone");
    let (book_file, csv_file) = (only_file(&from_book), only_file(&from_csv));
    assert_eq!(rows_and_rules(book_file), rows_and_rules(csv_file));
    assert_eq!(
        rows_and_rules(book_file),
        [
            (7, "missing-contact".to_string()),
            (8, "duplicate-id".to_string())
        ]
    );
    assert_eq!(book_file["summary"], csv_file["summary"]);
    let notes: Vec<&str> = book_file["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note.as_str().unwrap())
        .collect();
    assert!(
        notes[0].starts_with(
            "Read from the sheet “Leads” of an Excel workbook (.xlsx) (2 sheets in all)"
        ),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|note| note.contains("formula error (the first in H6)")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|note| note.starts_with("Rows 1 to 2 are above the column names (row 3)")),
        "{notes:?}"
    );
}

#[test]
fn the_sheet_is_chosen_by_name_or_number() {
    let dir = TempDir::new("workbook-sheet");
    let book = dir.write("fair.xlsx", leads_workbook());
    let (_, by_name) = check_json(&[&"--sheet", &"leads", &book]);
    let (_, by_number) = check_json(&[&"--sheet", &"2", &book]);
    assert_eq!(by_name, by_number);
    let run = leadpack(&[&"check", &"--sheet", &"1", &book]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("fair.xlsx: the sheet “Notes” is empty"),
        "{}",
        run.stderr
    );
    let run = leadpack(&[&"check", &"--sheet", &"Contacts", &book]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no sheet named “Contacts”. Its sheets are “Notes”, “Leads”"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_workbook_packs_as_the_csv_of_its_sheet() {
    let dir = TempDir::new("workbook-pack");
    let book_dir = dir.path("book");
    let csv_dir = dir.path("csv");
    std::fs::create_dir_all(&book_dir).unwrap();
    std::fs::create_dir_all(&csv_dir).unwrap();
    let book = book_dir.join("fair.xlsx");
    std::fs::write(&book, leads_workbook()).unwrap();
    let csv = csv_dir.join("fair.csv");
    std::fs::write(&csv, LEADS_WORKBOOK_CSV).unwrap();
    for (input, out) in [(&book, "out-book"), (&csv, "out-csv")] {
        let run = leadpack(&[&"pack", input, &"--out", &dir.path(out)]);
        // Leads with errors are left out, as from any file.
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("5 leads read, 3 packed, 2 left out"),
            "{}",
            run.stdout
        );
    }
    let from_book = std::fs::read(dir.path("out-book").join("fair.zip")).unwrap();
    let from_csv = std::fs::read(dir.path("out-csv").join("fair.zip")).unwrap();
    assert_eq!(from_book, from_csv, "the same package, byte for byte");
    let entries = crate::shared::zip_entries(&from_book);
    let (_, text) = entries.iter().find(|(name, _)| name == "fair.csv").unwrap();
    let text = String::from_utf8(text.clone()).unwrap();
    // Leading zeros and whole phone numbers reach the package.
    assert!(text.contains("zoe@example.com,4165550199,"), "{text}");
    assert!(text.contains(",01234"), "{text}");
}

#[test]
fn files_are_read_by_what_they_are_not_by_their_names() {
    let dir = TempDir::new("workbook-names");
    // A workbook named .csv is read as a workbook; CSV text named .xlsx as CSV.
    let book = dir.write("leads.csv", leads_workbook());
    let (_, report) = check_json(&[&book]);
    assert!(
        only_file(&report)["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("Read from the sheet “Leads”")
    );
    let text = dir.write(
        "leads.xlsx",
        "First Name,Last Name,Email\nZoë,Lee,zoe@example.com\n",
    );
    let (code, report) = check_json(&[&text]);
    assert_eq!(code, 0);
    assert_eq!(only_file(&report)["summary"]["records"], 1);
    // A workbook cut short: a message that names it, and no panic.
    let whole = leads_workbook();
    let cut = dir.write("cut.xlsx", &whole[..whole.len() / 2]);
    let run = leadpack(&[&"check", &cut]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cut.xlsx: this looks like a workbook but it cannot be read"),
        "{}",
        run.stderr
    );
    // Cut short inside its sheet, where the archive still opens.
    for cut in [whole.len() - 40, whole.len() - 200] {
        let cut = dir.write("cut2.xlsx", &whole[..cut]);
        let run = leadpack(&[&"check", &cut]);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("cut2.xlsx: "), "{}", run.stderr);
    }
}
