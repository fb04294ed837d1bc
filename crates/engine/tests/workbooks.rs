//! Workbooks read directly: a sheet becomes the CSV Excel would save, without the damage; the
//! check finds in it what it finds in that CSV, on the sheet's own rows.

use crate::shared::{LEADS_WORKBOOK_CSV, leads_workbook};
use crate::util::check_with;
use leadpack_engine::{
    CheckOptions, Rule, SheetChoice, WorkbookKind, read_sheet, workbook_kind, workbook_sheets,
};

fn text(choice: &SheetChoice) -> String {
    let sheet = read_sheet(&leads_workbook(), choice).unwrap_or_else(|error| panic!("{error}"));
    String::from_utf8(sheet.csv).expect("UTF-8")
}

#[test]
fn a_sheet_is_read_as_excel_shows_it() {
    let book = leads_workbook();
    assert_eq!(workbook_kind(&book), Some(WorkbookKind::Xlsx));
    let sheet = read_sheet(&book, &SheetChoice::FirstWithValues).unwrap();
    // The first sheet is empty: the first with values is read.
    assert_eq!(sheet.sheet, "Leads");
    assert_eq!(
        sheet
            .sheets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["Notes", "Leads"]
    );
    assert_eq!(String::from_utf8(sheet.csv).unwrap(), LEADS_WORKBOOK_CSV);
    // The formula error is noted, with its cell.
    assert_eq!(sheet.notes.len(), 1, "{:?}", sheet.notes);
    assert!(sheet.notes[0].contains("1 cell of the sheet shows a formula error (the first in H6)"));
}

#[test]
fn a_sheet_is_chosen_by_name_or_number() {
    assert_eq!(
        text(&SheetChoice::Named("leads".into())),
        LEADS_WORKBOOK_CSV
    );
    assert_eq!(text(&SheetChoice::Number(2)), LEADS_WORKBOOK_CSV);
    assert_eq!(SheetChoice::parse("2"), SheetChoice::Number(2));
    assert_eq!(
        SheetChoice::parse(" Leads "),
        SheetChoice::Named("Leads".into())
    );
    assert_eq!(SheetChoice::parse("0"), SheetChoice::Named("0".into()));

    let book = leads_workbook();
    let error = read_sheet(&book, &SheetChoice::Named("Contacts".into())).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the workbook has no sheet named “Contacts”. Its sheets are “Notes”, “Leads”: choose one of them."
    );
    let error = read_sheet(&book, &SheetChoice::Number(3)).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the workbook has 2 sheets, so there is no sheet 3.")
    );
    let error = read_sheet(&book, &SheetChoice::Number(1)).unwrap_err();
    assert!(
        error.to_string().starts_with("the sheet “Notes” is empty"),
        "{error}"
    );
    assert_eq!(workbook_sheets(&book).unwrap().len(), 2);
}

#[test]
fn the_sheet_gives_the_findings_of_its_csv_on_the_sheets_rows() {
    let sheet = read_sheet(&leads_workbook(), &SheetChoice::FirstWithValues).unwrap();
    let from_sheet = check_with(
        std::str::from_utf8(&sheet.csv).unwrap(),
        CheckOptions::default(),
    );
    let from_csv = check_with(LEADS_WORKBOOK_CSV, CheckOptions::default());
    assert_eq!(from_sheet.issues, from_csv.issues);
    let found: Vec<(u64, Rule)> = from_sheet.issues.iter().map(|f| (f.row, f.rule)).collect();
    // The header is on row 3; Jean Dupont, on row 7, has no email and no phone; row 8 repeats
    // row 4's ID.
    assert!(found.contains(&(7, Rule::MissingContact)), "{found:?}");
    assert!(found.contains(&(8, Rule::DuplicateId)), "{found:?}");
    // Whole phone numbers, never in scientific notation: no phone is reported.
    assert!(
        !found.iter().any(|(_, rule)| *rule == Rule::InvalidPhone),
        "{found:?}"
    );
}

#[test]
fn what_is_not_a_readable_workbook_says_so() {
    assert_eq!(workbook_kind(b"First Name,Last Name\n"), None);
    assert_eq!(workbook_kind(b""), None);
    // A ZIP archive that is no workbook.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("leads.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"a,b\n").unwrap();
    let archive = zip.finish().unwrap().into_inner();
    assert_eq!(workbook_kind(&archive), None);
    let error = read_sheet(&archive, &SheetChoice::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("this is neither a workbook Leadpack can read")
    );

    // Cut short anywhere: a message, never a panic.
    let book = leads_workbook();
    for cut in [10, 100, book.len() / 3, book.len() / 2, book.len() - 30] {
        let error = read_sheet(&book[..cut], &SheetChoice::default()).unwrap_err();
        assert!(!error.to_string().is_empty(), "cut at {cut}");
    }

    // A compound file: an old workbook, or an encrypted new one.
    let mut encrypted = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    encrypted.resize(512, 0);
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(workbook_kind(&encrypted), Some(WorkbookKind::Encrypted));
    let error = read_sheet(&encrypted, &SheetChoice::default()).unwrap_err();
    assert!(
        error.to_string().contains("protected by a password"),
        "{error}"
    );
    let mut old = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    old.resize(2048, 7);
    assert_eq!(workbook_kind(&old), Some(WorkbookKind::Xls));
    let error = read_sheet(&old, &SheetChoice::default()).unwrap_err();
    assert!(error.to_string().contains("it may be damaged"), "{error}");
}

#[test]
fn merged_cells_are_noted() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "First Name").unwrap();
    sheet.write_string(0, 1, "Last Name").unwrap();
    sheet.write_string(0, 2, "Email").unwrap();
    sheet
        .merge_range(1, 1, 2, 1, "Lee", &Format::new())
        .unwrap();
    sheet.write_string(1, 0, "Zoë").unwrap();
    sheet.write_string(2, 0, "Ann").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let sheet = read_sheet(&bytes, &SheetChoice::default()).unwrap();
    assert_eq!(
        String::from_utf8(sheet.csv).unwrap(),
        "First Name,Last Name,Email\r\nZoë,Lee,\r\nAnn,,\r\n"
    );
    assert_eq!(sheet.notes.len(), 1);
    assert!(
        sheet.notes[0].starts_with("The sheet has merged cells (B2:B3)"),
        "{}",
        sheet.notes[0]
    );
}

#[test]
fn the_workbook_of_the_browser_tests_is_the_one_these_tests_write() {
    let fixture = std::fs::read(crate::shared::fixture("fair.xlsx")).expect("the fixture");
    let sheet = read_sheet(&fixture, &SheetChoice::FirstWithValues).unwrap();
    assert_eq!(String::from_utf8(sheet.csv).unwrap(), LEADS_WORKBOOK_CSV);
}
