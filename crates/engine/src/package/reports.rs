//! The reports a build writes beside its packages: every finding, and every correction made
//! while reviewing, as CSV files for a spreadsheet.

use crate::check::report::FileReport;
use crate::lead::schema::Field;
use crate::package::output::{OutputFile, OutputKind, safe_stem};
use crate::text::csvout::CsvOut;

/// The corrections of a report as a CSV change log (UTF-8 with a byte order mark), if any.
pub fn changes_csv(report: &FileReport) -> Option<OutputFile> {
    if report.changes.is_empty() {
        return None;
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut csv = CsvOut::new();
    let header: [&[u8]; 5] = [b"Row", b"Column", b"Before", b"After", b"Why"];
    csv.record(header, &mut out);
    for change in &report.changes {
        let row = change.row.to_string();
        let fields = [
            &row,
            &change.column,
            &change.before,
            &change.after,
            &change.reason,
        ];
        csv.record(fields.iter().map(|f| f.as_bytes()), &mut out);
    }
    Some(OutputFile {
        name: format!("{}-changes.csv", safe_stem(&report.file)),
        kind: OutputKind::Changes,
        rows: report.changes.len() as u64,
        bytes: out,
    })
}

/// The findings of every report as one CSV (UTF-8 with a byte order mark, for spreadsheets).
pub fn findings_csv(reports: &[FileReport]) -> OutputFile {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut csv = CsvOut::new();
    let header: [&[u8]; 9] = [
        b"File",
        b"Row",
        b"Field",
        b"Rule",
        b"Severity",
        b"Value",
        b"Kept",
        b"Cut",
        b"Message",
    ];
    csv.record(header, &mut out);
    let mut rows = 0;
    for report in reports {
        for finding in &report.issues {
            let row = finding.row.to_string();
            let fields: [&str; 9] = [
                &report.file,
                &row,
                finding.field.map_or("", Field::title),
                finding.rule.id(),
                finding.severity.as_str(),
                finding.value.as_deref().unwrap_or(""),
                finding.kept.as_deref().unwrap_or(""),
                finding.cut.as_deref().unwrap_or(""),
                &finding.message,
            ];
            csv.record(fields.iter().map(|f| f.as_bytes()), &mut out);
            rows += 1;
        }
    }
    let name = match reports {
        [one] => format!("{}-findings.csv", safe_stem(&one.file)),
        _ => "findings.csv".to_string(),
    };
    OutputFile {
        name,
        kind: OutputKind::Findings,
        rows,
        bytes: out,
    }
}
