//! Rows by number: the marks a `RowLocator` leaves let a `RowWindow` read any record from the
//! middle of a file, giving exactly what reading the file from its start gives.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use leadpack_engine::{MARK_EVERY, RowLocator, RowMark, RowWindow, Wanted, WindowRow, check_bytes};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// The marks of `bytes`, fed in pieces of `piece` bytes.
fn marks(bytes: &[u8], encoding: &'static Encoding, header_row: u64, piece: usize) -> Vec<RowMark> {
    let mut locator = RowLocator::new(encoding, b',', header_row);
    for chunk in bytes.chunks(piece.max(1)) {
        locator.feed(chunk);
    }
    locator.finish()
}

/// The records `wanted` names, read from `mark` (or the start) in pieces of `piece` bytes.
fn window(
    bytes: &[u8],
    encoding: &'static Encoding,
    header_row: u64,
    mark: Option<RowMark>,
    wanted: Wanted,
    piece: usize,
) -> Vec<WindowRow> {
    let mut window = RowWindow::new(encoding, b',', header_row, mark, wanted);
    let from = mark.map_or(0, |mark| mark.offset as usize);
    for chunk in bytes[from..].chunks(piece.max(1)) {
        if window.feed(chunk) {
            break;
        }
    }
    window.finish()
}

/// Every data record, read from the start of the file.
fn all_records(bytes: &[u8], encoding: &'static Encoding, header_row: u64) -> Vec<WindowRow> {
    let wanted = Wanted::Records {
        first: 0,
        count: u64::MAX,
    };
    window(bytes, encoding, header_row, None, wanted, 4096)
}

fn encode(text: &str, encoding: &'static Encoding, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    if encoding == UTF_16LE || encoding == UTF_16BE {
        let units = bom.then_some('\u{feff}').into_iter().map(|c| c as u16);
        for unit in units.chain(text.encode_utf16()) {
            bytes.extend(if encoding == UTF_16BE {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        return bytes;
    }
    if bom && encoding == UTF_8 {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(&encoding.encode(text).0);
    bytes
}

/// A field: plain words, a quoted field with delimiters, quotes and line breaks, letters that
/// are not ASCII, or nothing.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec!["Ann", "Lee", "a@example.com", "416 555 0199", "Zoë", "Šárka", "€5", "x", "\u{80}\u{7f}"])
            .prop_map(str::to_string),
        2 => select(vec![
            "\"a,b\"", "\"line\nbreak\"", "\"cr\r\nlf\"", "\"say \"\"hi\"\"\"", "\"\"", "\"é\r\"",
        ])
        .prop_map(str::to_string),
        1 => Just(String::new()),
        1 => select(vec!["5\" tall", "a\"b"]).prop_map(str::to_string),
    ]
}

/// A line break, or a line break after blank lines.
fn line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => select(vec!["\n", "\r\n", "\r"]),
        1 => select(vec!["\n\n", "\r\n\r\n", "\r\r", "\n\r\n"]),
    ]
}

/// A file: maybe a `sep=` line, maybe titles and blank lines, a header, and records.
fn file() -> impl Strategy<Value = (String, u64)> {
    let record = (vec(field(), 1..5), line_end()).prop_map(|(fields, end)| fields.join(",") + end);
    (any::<bool>(), 0..3usize, vec(record, 0..300)).prop_map(|(sep, titles, records)| {
        let mut text = String::new();
        if sep {
            text.push_str("sep=,\r\n");
        }
        let mut header_row = 1;
        for title in 0..titles {
            text.push_str(&format!("Leads of the fair {title}\n\n"));
            header_row += 2;
        }
        text.push_str("First Name,Last Name,Email,Phone\r\n");
        for record in records {
            text.push_str(&record);
        }
        (text, header_row)
    })
}

fn encoding() -> impl Strategy<Value = (&'static Encoding, bool)> {
    (
        select(vec![UTF_8, WINDOWS_1252, UTF_16LE, UTF_16BE]),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(64)
    })]

    #[test]
    fn every_record_read_from_its_mark_is_the_record_read_from_the_start(
        (text, header_row) in file(),
        (encoding, bom) in encoding(),
        piece in 1..5000usize,
    ) {
        let bytes = encode(&text, encoding, bom);
        let all = all_records(&bytes, encoding, header_row);
        let marks = marks(&bytes, encoding, header_row, piece);
        // One mark below the header, then one every MARK_EVERY records.
        prop_assert_eq!(marks.len() as u64, all.len() as u64 / MARK_EVERY + 1);
        for (index, mark) in marks.iter().enumerate() {
            prop_assert_eq!(mark.record, index as u64 * MARK_EVERY);
        }
        for record in &all {
            let wanted = Wanted::Records { first: record.record, count: 1 };
            let mark = RowWindow::mark_for(&marks, &wanted);
            prop_assert!(mark.is_some_and(|mark| record.record - mark.record < MARK_EVERY));
            let read = window(&bytes, encoding, header_row, mark, wanted, piece);
            prop_assert_eq!(&read, &vec![record.clone()]);
            // The same record, asked for by its row.
            let wanted = Wanted::Rows(vec![record.row]);
            let mark = RowWindow::mark_for(&marks, &wanted);
            let read = window(&bytes, encoding, header_row, mark, wanted, piece);
            prop_assert_eq!(&read, &vec![record.clone()]);
        }
    }

    #[test]
    fn a_stretch_of_records_is_read_whole_and_in_order(
        (text, header_row) in file(),
        first in 0..320u64,
        count in 0..100u64,
    ) {
        let bytes = encode(&text, UTF_8, false);
        let all = all_records(&bytes, UTF_8, header_row);
        let marks = marks(&bytes, UTF_8, header_row, 777);
        let wanted = Wanted::Records { first, count };
        let mark = RowWindow::mark_for(&marks, &wanted);
        let read = window(&bytes, UTF_8, header_row, mark, wanted, 300);
        let expected: Vec<WindowRow> =
            all.iter().skip(first as usize).take(count as usize).cloned().collect();
        prop_assert_eq!(read, expected);
    }
}

#[test]
fn rows_and_records_agree_with_the_check() {
    let mut text = String::from("Leads from the fair\r\n\r\nFirst Name,Last Name,Email,Phone\r\n");
    for index in 0..500 {
        match index % 7 {
            // A lead without a name: a finding on its row.
            0 => text.push_str(",Lee,lee@example.com,\r\n"),
            // A quoted line break: one row in a spreadsheet.
            3 => text.push_str("Ann,\"Lee\nJr\",ann@example.com,\r\n"),
            // A blank line, which counts as a row.
            5 => text.push_str("Bo,Ray,bo@example.com,\r\n\r\n"),
            _ => text.push_str("Zoë,Ray,zoe@example.com,416 555 0199\r\n"),
        }
    }
    let bytes = encode(&text, WINDOWS_1252, false);
    let report = check_bytes("fair.csv", &bytes, Default::default()).unwrap();
    assert_eq!(report.header_row, 3);
    let all = all_records(&bytes, WINDOWS_1252, report.header_row);
    assert_eq!(all.len() as u64, report.rows);
    let nameless: Vec<u64> = all
        .iter()
        .filter(|record| record.values[0].is_empty())
        .map(|record| record.row)
        .collect();
    let found: Vec<u64> = report
        .issues
        .iter()
        .filter(|finding| finding.rule == leadpack_engine::Rule::MissingName)
        .map(|finding| finding.row)
        .collect();
    assert_eq!(nameless, found);
    // Reading those rows by number, through the marks, gives the same records.
    let marks = marks(&bytes, WINDOWS_1252, report.header_row, 1000);
    for row in &found {
        let wanted = Wanted::Rows(vec![*row]);
        let mark = RowWindow::mark_for(&marks, &wanted);
        let read = window(&bytes, WINDOWS_1252, report.header_row, mark, wanted, 1000);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].row, *row);
        assert_eq!(read[0].values, ["", "Lee", "lee@example.com", ""]);
    }
}

#[test]
fn several_rows_are_read_in_one_pass() {
    let mut text = String::from("First Name,Email\n");
    for index in 0..200 {
        text.push_str(&format!("Lead {index},lead{index}@example.com\n"));
    }
    let bytes = text.into_bytes();
    let marks = marks(&bytes, UTF_8, 1, 64);
    let wanted = Wanted::Rows(vec![10, 11, 70, 71]);
    let mark = RowWindow::mark_for(&marks, &wanted);
    let read = window(&bytes, UTF_8, 1, mark, wanted, 64);
    let names: Vec<&str> = read.iter().map(|r| r.values[0].as_str()).collect();
    // Row 2 holds lead 0.
    assert_eq!(names, ["Lead 8", "Lead 9", "Lead 68", "Lead 69"]);
    assert_eq!(read[2].record, 68);
}

#[test]
fn an_unclosed_quote_at_the_end_is_read_as_the_check_reads_it() {
    let bytes = b"First Name,Email\nAnn,a@example.com\n\"Bo,b@example.com\nCy,c@example.com\n";
    let all = all_records(bytes, UTF_8, 1);
    assert_eq!(all.len(), 2);
    assert!(all[1].unterminated);
    assert!(!all[0].unterminated);
    assert_eq!(all[1].row, 3);
}

#[test]
fn a_multibyte_encoding_has_no_marks_and_is_read_from_the_start() {
    let mut text = String::from("First Name,Email\n");
    for index in 0..150 {
        // Shift_JIS letters whose second byte is `|` or `\`.
        text.push_str(&format!("ソ表{index},a{index}@example.com\n"));
    }
    let bytes = encode(&text, SHIFT_JIS, false);
    let locator = RowLocator::new(SHIFT_JIS, b',', 1);
    assert!(!locator.works());
    assert!(marks(&bytes, SHIFT_JIS, 1, 100).is_empty());
    let wanted = Wanted::Records {
        first: 140,
        count: 2,
    };
    assert_eq!(RowWindow::mark_for(&[], &wanted), None);
    let read = window(&bytes, SHIFT_JIS, 1, None, wanted, 100);
    let names: Vec<&str> = read.iter().map(|r| r.values[0].as_str()).collect();
    assert_eq!(names, ["ソ表140", "ソ表141"]);
}

#[test]
fn a_separator_line_and_a_byte_order_mark_are_no_rows() {
    let text = "sep=;\r\nFirst Name;Email\r\nAnn;a@example.com\r\n";
    for encoding in [UTF_8, UTF_16LE, UTF_16BE] {
        let bytes = encode(text, encoding, true);
        let mut locator = RowLocator::new(encoding, b';', 1);
        assert!(locator.works(), "{}", encoding.name());
        locator.feed(&bytes);
        let marks = locator.finish();
        assert_eq!(marks.len(), 1, "{}", encoding.name());
        // The mark is right after the header's line break, counted in the file's bytes.
        let header = encode("sep=;\r\nFirst Name;Email\r", encoding, true).len() as u64;
        assert_eq!(marks[0].offset, header, "{}", encoding.name());
        assert!(marks[0].after_cr);
        assert_eq!(marks[0].row, 2);
        let mut window = RowWindow::new(
            encoding,
            b';',
            1,
            Some(marks[0]),
            Wanted::Records { first: 0, count: 1 },
        );
        window.feed(&bytes[marks[0].offset as usize..]);
        let read = window.finish();
        assert_eq!(
            read[0].values,
            ["Ann", "a@example.com"],
            "{}",
            encoding.name()
        );
        assert_eq!(read[0].row, 2);
    }
}

#[test]
fn each_rows_findings_are_found_by_its_row() {
    let bytes = b"First Name,Last Name,Email,Phone\n\
        ,Lee,not an email,\n\
        Ann,Ray,ann@example.com,416 555 0199\n\
        Bo,,,\n\
        Cy,Day,cy@example.com,12\n";
    let report = check_bytes("f.csv", bytes, Default::default()).unwrap();
    let by_row = report.issues.by_row();
    let all = report.issues.to_vec();
    for row in 1..=7 {
        let expected: Vec<_> = all.iter().filter(|f| f.row == row).cloned().collect();
        assert_eq!(by_row.of_row(&report.issues, row), expected, "row {row}");
    }
    assert!(by_row.of_row(&report.issues, 3).is_empty());
    assert!(by_row.of_row(&report.issues, 2).len() >= 2);
    let errors = report
        .issues
        .rows_where(|f| f.severity == leadpack_engine::Severity::Error);
    let mut expected: Vec<u64> = all
        .iter()
        .filter(|f| f.severity == leadpack_engine::Severity::Error)
        .map(|f| f.row)
        .collect();
    expected.dedup();
    assert_eq!(errors, expected);
    assert_eq!(errors, [2, 4]);
    let phones = report
        .issues
        .rows_where(|f| f.field == Some(leadpack_engine::Field::Phone));
    assert_eq!(phones, [5]);
}

#[test]
fn a_search_finds_the_rows_holding_the_text_in_any_case() {
    let text = "First Name,Last Name,Email\n\
        Zoë,Lee,zoe@example.com\n\
        Ann,LEE-RAY,ann@example.com\n\
        Bo,Ray,bo@sample.org\n\
        ZOË,Day,\"note: lee\nwas here\"\n";
    for encoding in [UTF_8, WINDOWS_1252, UTF_16LE] {
        let bytes = encode(text, encoding, false);
        let rows = |wanted| -> Vec<u64> {
            window(&bytes, encoding, 1, None, wanted, 7)
                .iter()
                .map(|r| r.row)
                .collect()
        };
        assert_eq!(rows(Wanted::containing("lee", 100)), [2, 3, 5]);
        assert_eq!(rows(Wanted::containing("Lee", 2)), [2, 3]);
        assert_eq!(rows(Wanted::containing("zoë", 100)), [2, 5]);
        assert_eq!(rows(Wanted::containing("SAMPLE.ORG", 100)), [4]);
        assert!(rows(Wanted::containing("nobody", 100)).is_empty());
        assert!(rows(Wanted::containing("lee", 0)).is_empty());
    }
}

#[test]
fn a_file_read_from_its_start_in_tiny_pieces_passes_over_its_separator_line() {
    let text = "sep=;\r\nFirst Name;Email\r\nAnn;a@example.com\r\nBo;b@example.com\r\n";
    for encoding in [UTF_8, UTF_16LE] {
        let bytes = encode(text, encoding, true);
        for piece in [1, 2, 3, 5, 16, 17] {
            let mut window = RowWindow::new(
                encoding,
                b';',
                1,
                None,
                Wanted::Records { first: 0, count: 2 },
            );
            for chunk in bytes.chunks(piece) {
                if window.feed(chunk) {
                    break;
                }
            }
            let read: Vec<(u64, Vec<String>)> = window
                .finish()
                .into_iter()
                .map(|row| (row.row, row.values))
                .collect();
            assert_eq!(
                read,
                [
                    (2, vec!["Ann".to_string(), "a@example.com".to_string()]),
                    (3, vec!["Bo".to_string(), "b@example.com".to_string()]),
                ],
                "{} in pieces of {piece}",
                encoding.name()
            );
        }
    }
}

#[test]
fn a_header_row_that_holds_no_record_still_gives_marks_from_the_first_record_below_it() {
    // Row 3, where the header is said to be, is blank: the data records start at row 4.
    let mut text = String::from("Title\nFirst Name,Email\n\n");
    for index in 0..150 {
        text.push_str(&format!("Lead {index},l{index}@example.com\n"));
    }
    let bytes = text.into_bytes();
    let all = all_records(&bytes, UTF_8, 3);
    assert_eq!(all.len(), 150);
    assert_eq!(all[0].row, 4);
    let marks = marks(&bytes, UTF_8, 3, 7);
    let records: Vec<u64> = marks.iter().map(|mark| mark.record).collect();
    assert_eq!(records, [0, 64, 128]);
    for record in &all {
        let wanted = Wanted::Records {
            first: record.record,
            count: 1,
        };
        let mark = RowWindow::mark_for(&marks, &wanted);
        assert_eq!(
            window(&bytes, UTF_8, 3, mark, wanted, 7),
            vec![record.clone()]
        );
    }
}

#[test]
fn sep_and_a_letter_is_no_separator_line_for_the_marks_either() {
    // `sep=` followed by a letter that is not ASCII is a row like any other, as the check reads
    // it; in the copy the marks are found on, that letter is an `x`.
    let mut text = String::from("sep=é\r\nFirst Name,Email\r\n");
    for index in 0..70 {
        text.push_str(&format!("Lead {index},l{index}@example.com\r\n"));
    }
    for encoding in [WINDOWS_1252, UTF_16LE] {
        let bytes = encode(&text, encoding, encoding == UTF_16LE);
        let all = all_records(&bytes, encoding, 2);
        assert_eq!(all.len(), 70, "{}", encoding.name());
        assert_eq!(all[0].row, 3);
        let marks = marks(&bytes, encoding, 2, 5);
        for record in &all {
            let wanted = Wanted::Records {
                first: record.record,
                count: 1,
            };
            let mark = RowWindow::mark_for(&marks, &wanted);
            let read = window(&bytes, encoding, 2, mark, wanted, 5);
            assert_eq!(read, vec![record.clone()], "{}", encoding.name());
        }
    }
}

#[test]
fn a_record_after_a_mark_that_opens_with_a_byte_order_mark_keeps_it() {
    // U+FEFF opening a record below the file's start is a character of its first value, as the
    // check reads it; a reader started at a mark must not take it for the file's byte order mark.
    let mut text = String::from("First Name,Email\n");
    for index in 0..130 {
        let lead = if index % 64 == 0 {
            "\u{feff}\"Lead, quoted\""
        } else {
            "Lead"
        };
        text.push_str(&format!("{lead} {index},l{index}@example.com\n"));
    }
    for encoding in [UTF_8, UTF_16BE] {
        let bytes = encode(&text, encoding, false);
        let all = all_records(&bytes, encoding, 1);
        assert!(
            all[64].values[0].starts_with('\u{feff}'),
            "{:?}",
            all[64].values
        );
        let marks = marks(&bytes, encoding, 1, 9);
        for record in &all {
            let wanted = Wanted::Records {
                first: record.record,
                count: 1,
            };
            let mark = RowWindow::mark_for(&marks, &wanted);
            let read = window(&bytes, encoding, 1, mark, wanted, 9);
            assert_eq!(read, vec![record.clone()], "{}", encoding.name());
        }
    }
}
