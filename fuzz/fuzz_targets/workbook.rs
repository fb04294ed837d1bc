//! The workbook reader: any bytes read as a workbook (`.xlsx`, `.xlsb`, `.xls`, `.ods`, told by
//! their bytes), and the sheet's text then checked.
//!
//! Input: the workbook's bytes (the seeds are small real workbooks of each kind).
//!
//! Asserts: no panic; a refusal says something; a sheet read has a name among the sheets, CSV
//! text of UTF-8 whose every row is as wide as the first, and, checked, keeps every record.

#![no_main]

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{CheckOptions, SheetChoice, check_bytes, read_sheet, workbook_kind};

fuzz_target!(|bytes: &[u8]| {
    let _ = workbook_kind(bytes);
    match read_sheet(bytes, &SheetChoice::FirstWithValues) {
        Err(error) => assert!(!error.to_string().is_empty()),
        Ok(sheet) => {
            assert!(sheet.sheets.iter().any(|info| info.name == sheet.sheet));
            let text = std::str::from_utf8(&sheet.csv).expect("the sheet's text is UTF-8");
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut width = None;
            for record in reader.records() {
                let record = record.expect("the sheet's text is CSV");
                // Blank lines (empty rows) aside, every row is as wide as the widest.
                if record.len() == 1 && record[0].is_empty() {
                    continue;
                }
                assert_eq!(*width.get_or_insert(record.len()), record.len());
            }
            if let Ok(report) = check_bytes("sheet.csv", &sheet.csv, CheckOptions::default()) {
                let summary = report.summary;
                assert_eq!(summary.ready + summary.with_errors, summary.records);
            }
        }
    }
});
