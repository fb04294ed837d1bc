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

// ---------------------------------------------------------------------------------------------
// Hostile workbooks: each works or says why, and no row is lost.
// ---------------------------------------------------------------------------------------------

/// A minimal Excel workbook, written by hand, whose one sheet is `sheet_data` (the XML inside
/// `<sheetData>`), for shapes Excel itself never writes.
fn hand_made(sheet_data: &str) -> Vec<u8> {
    use std::io::Write;
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// An inline text cell.
fn text_cell(place: &str, text: &str) -> String {
    format!(r#"<c r="{place}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn leads_header() -> String {
    format!(
        "<row r=\"1\">{}{}{}</row>",
        text_cell("A1", "First Name"),
        text_cell("B1", "Last Name"),
        text_cell("C1", "Email")
    )
}

#[test]
fn a_value_past_excels_last_row_or_column_is_refused_by_its_cell() {
    for (place, row) in [("A1048577", 1_048_577), ("XFE2", 2)] {
        let book = hand_made(&format!(
            "{}<row r=\"{row}\">{}</row>",
            leads_header(),
            text_cell(place, "x")
        ));
        match read_sheet(&book, &SheetChoice::default()) {
            Err(error) => assert_eq!(
                error.to_string(),
                format!(
                    "the sheet has a value in cell {place}, beyond the 1,048,576 rows and 16,384 \
                     columns a sheet can have: the workbook is damaged. Save it again from Excel, \
                     or save the sheet as CSV UTF-8."
                )
            ),
            Ok(sheet) => panic!("{place} was read: {} bytes", sheet.csv.len()),
        }
    }
}

#[test]
fn cells_out_of_order_are_put_back_in_place() {
    let book = hand_made(&format!(
        "<row r=\"3\">{}{}</row>{}<row r=\"2\">{}{}{}</row>",
        text_cell("B3", "Roy"),
        text_cell("A3", "Anne"),
        leads_header(),
        text_cell("C2", "zoe@example.com"),
        text_cell("A2", "Zoë"),
        text_cell("B2", "Lee")
    ));
    let sheet = read_sheet(&book, &SheetChoice::default()).unwrap();
    assert_eq!(
        String::from_utf8(sheet.csv).unwrap(),
        "First Name,Last Name,Email\r\nZoë,Lee,zoe@example.com\r\nAnne,Roy,\r\n"
    );
}

#[test]
fn a_lead_on_excels_last_row_keeps_its_row_number() {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (column, header) in ["First Name", "Last Name", "Email"].into_iter().enumerate() {
        sheet.write_string(0, column as u16, header).unwrap();
    }
    sheet.write_string(1, 0, "Zoë").unwrap();
    sheet.write_string(1, 1, "Lee").unwrap();
    sheet.write_string(1, 2, "zoe@example.com").unwrap();
    // The sheet's last row: a lead without an email.
    sheet.write_string(1_048_575, 0, "Last").unwrap();
    sheet.write_string(1_048_575, 1, "Row").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let sheet = read_sheet(&bytes, &SheetChoice::default()).unwrap();
    let report = check_with(
        std::str::from_utf8(&sheet.csv).unwrap(),
        CheckOptions::default(),
    );
    assert_eq!(report.summary.records, 2);
    let found: Vec<(u64, Rule)> = report.issues.iter().map(|f| (f.row, f.rule)).collect();
    assert_eq!(found, [(1_048_576, Rule::MissingContact)]);
    // Every row is accounted for: the header, two leads, and the empty rows between.
    assert_eq!(report.summary.blank_rows, 1_048_576 - 3);
}

#[test]
fn a_thousand_sheets_and_the_widest_and_longest_cells_are_read() {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    for _ in 0..999 {
        book.add_worksheet();
    }
    let sheet = book.add_worksheet();
    sheet.set_name("Leads").unwrap();
    for column in 0..16_384u16 {
        let header = match column {
            0 => "First Name".to_string(),
            1 => "Last Name".to_string(),
            2 => "Email".to_string(),
            3 => "Company".to_string(),
            n => format!("C{}", n + 1),
        };
        sheet.write_string(0, column, header).unwrap();
    }
    let long = "é".repeat(32_767);
    sheet.write_string(1, 0, "Zoë").unwrap();
    sheet.write_string(1, 1, "Lee").unwrap();
    sheet.write_string(1, 2, "zoe@example.com").unwrap();
    sheet.write_string(1, 3, &long).unwrap();
    sheet.write_string(1, 16_383, &long).unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let read = read_sheet(&bytes, &SheetChoice::default()).unwrap();
    assert_eq!(read.sheet, "Leads");
    assert_eq!(read.sheets.len(), 1_000);
    assert_eq!(
        read_sheet(&bytes, &SheetChoice::Number(1_000)).unwrap().csv,
        read.csv
    );
    let report = check_with(
        std::str::from_utf8(&read.csv).unwrap(),
        CheckOptions::default(),
    );
    assert_eq!(report.columns.len(), 16_384);
    assert_eq!(report.summary.records, 1);
    let too_long: Vec<leadpack_engine::Finding> = report
        .issues
        .iter()
        .filter(|f| f.rule == Rule::TooLong)
        .collect();
    assert_eq!(too_long.len(), 1, "{:?}", report.issues);
    assert!(
        too_long[0].message.contains("32767"),
        "{}",
        too_long[0].message
    );
}

#[test]
fn a_sheet_that_expands_enormously_holds_no_lead_and_says_so() {
    // 60 MB of empty cells, a few hundred kilobytes compressed: read without a grid of them.
    let empty_cells = "<c r=\"A2\"/>".repeat(5_000_000);
    let book = hand_made(&format!(
        "{}<row r=\"2\">{empty_cells}</row>",
        leads_header()
    ));
    assert!(book.len() < 2_000_000, "{} bytes", book.len());
    let error = read_sheet(&book, &SheetChoice::default()).map(|sheet| sheet.csv.len());
    // The header alone: a sheet with column names and no lead, which the check refuses.
    let csv = error.expect("the sheet is read");
    assert_eq!(csv, "First Name,Last Name,Email\r\n".len());
}

#[test]
fn an_excel_97_workbook_is_read_as_its_sheet() {
    // Written by another program (see tests/fixtures/README.md): the same leads, with plain
    // numbers for the scores and without the cells' number formats, which only .xlsx keeps.
    let fixture = std::fs::read(crate::shared::fixture("fair.xls")).expect("the fixture");
    assert_eq!(workbook_kind(&fixture), Some(WorkbookKind::Xls));
    let sheet = read_sheet(&fixture, &SheetChoice::FirstWithValues).unwrap();
    assert_eq!(sheet.sheet, "Leads");
    let expected = LEADS_WORKBOOK_CSV
        .replace(",02134,", ",2134,")
        .replace("#DIV/0!", "30");
    assert_eq!(String::from_utf8(sheet.csv).unwrap(), expected);
}

#[test]
fn an_opendocument_spreadsheet_is_read_as_its_sheet() {
    use std::io::Write;
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>
<table:table table:name="Leads">
<table:table-row><table:table-cell office:value-type="string"><text:p>First Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Last Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Phone</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Met on</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="4"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Zoë</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Lee</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="4165550199"><text:p>4165550199</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2024-02-02"><text:p>02/02/24</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048571"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file(
        "META-INF/manifest.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(workbook_kind(&bytes), Some(WorkbookKind::Ods));
    let sheet = read_sheet(&bytes, &SheetChoice::default()).unwrap();
    // The empty rows keep their place; the million repeated empty rows at the end are no rows.
    assert_eq!(
        String::from_utf8(sheet.csv).unwrap(),
        "First Name,Last Name,Phone,Met on\r\n\r\n\r\nZoë,Lee,4165550199,2024-02-02\r\n"
    );
}

#[test]
fn an_old_workbook_whose_sectors_go_round_in_a_circle_is_refused_at_once() {
    // Found by fuzzing: the directory's chain of sectors never ends, which made the workbook
    // reader grow its memory until the system stopped it.
    let bytes = crate::shared::hostile_bytes("sector-circle.xls");
    assert_eq!(workbook_kind(&bytes), Some(WorkbookKind::Xls));
    let error = read_sheet(&bytes, &SheetChoice::default()).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "this looks like an Excel 97–2003 workbook (.xls) but it cannot be read (its sector chains are broken)"
        ),
        "{error}"
    );
    // Every shorter piece of it, too, and of a sound one: a message, never a hang or a panic.
    let sound = std::fs::read(crate::shared::fixture("fair.xls")).unwrap();
    for bytes in [&bytes, &sound] {
        for cut in (512..bytes.len()).step_by(256) {
            let _ = read_sheet(&bytes[..cut], &SheetChoice::default());
        }
    }
}

#[test]
fn an_old_workbook_that_trips_the_readers_arithmetic_gets_a_message() {
    // Found by fuzzing: in builds that check arithmetic (these tests), calamine's `.xls` reader
    // panics on it; in release builds it refuses it. Either way the user gets a message.
    let bytes = std::fs::read(crate::shared::fixture("rk-overflow.xls")).unwrap();
    let error = read_sheet(&bytes, &SheetChoice::default()).unwrap_err();
    assert!(error.to_string().contains("damaged"), "{error}");
}
