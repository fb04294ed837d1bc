//! Rows by number (the review grid): any bytes, in one of the encodings marks are found in,
//! with any delimiter and header row.
//!
//! Input: the first byte picks the encoding (UTF-8, Windows-1252, UTF-16LE, UTF-16BE, Shift_JIS),
//! the delimiter and the header row; the rest is the file.
//!
//! Asserts: no panic; marks in order, one every `MARK_EVERY` records; every record read from the
//! mark before it is the record read from the start of the file; a record asked for by its row
//! is that record.

#![no_main]

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use libfuzzer_sys::fuzz_target;

use leadpack_engine::{MARK_EVERY, RowLocator, RowMark, RowWindow, Wanted, WindowRow};

fn window(
    bytes: &[u8],
    (encoding, delimiter, header_row): (&'static Encoding, u8, u64),
    mark: Option<RowMark>,
    wanted: Wanted,
    piece: usize,
) -> Vec<WindowRow> {
    let mut window = RowWindow::new(encoding, delimiter, header_row, mark, wanted);
    let from = mark.map_or(0, |mark| mark.offset as usize);
    assert!(from <= bytes.len(), "a mark past the end of the file");
    for chunk in bytes[from..].chunks(piece) {
        if window.feed(chunk) {
            break;
        }
    }
    window.finish()
}

fuzz_target!(|input: &[u8]| {
    let Some((&choice, bytes)) = input.split_first() else {
        return;
    };
    let encoding = [UTF_8, WINDOWS_1252, UTF_16LE, UTF_16BE, SHIFT_JIS][usize::from(choice % 5)];
    let delimiter = [b',', b';', b'\t', b'|'][usize::from(choice / 5 % 4)];
    let header_row = u64::from(choice / 20 % 4) + 1;
    let piece = usize::from(choice % 7) * 13 + 1;
    let layout = (encoding, delimiter, header_row);

    let all = window(
        bytes,
        layout,
        None,
        Wanted::Records { first: 0, count: u64::MAX },
        4096,
    );
    let mut locator = RowLocator::new(encoding, delimiter, header_row);
    for chunk in bytes.chunks(piece) {
        locator.feed(chunk);
    }
    let works = locator.works();
    let marks = locator.finish();
    if !works {
        assert!(marks.is_empty());
    }
    for mark in &marks {
        assert_eq!(mark.record % MARK_EVERY, 0);
        assert!(mark.offset <= bytes.len() as u64);
    }
    for pair in marks.windows(2) {
        assert!(pair[0].record < pair[1].record && pair[0].row < pair[1].row);
        assert!(pair[0].offset < pair[1].offset);
    }
    for (index, record) in all.iter().enumerate() {
        assert_eq!(record.record, index as u64);
        let wanted = Wanted::Records { first: record.record, count: 1 };
        let mark = RowWindow::mark_for(&marks, &wanted);
        let read = window(bytes, layout, mark, wanted, piece);
        assert_eq!(read.as_slice(), std::slice::from_ref(record));
        let wanted = Wanted::Rows(vec![record.row]);
        let mark = RowWindow::mark_for(&marks, &wanted);
        let read = window(bytes, layout, mark, wanted, piece);
        assert_eq!(read.as_slice(), std::slice::from_ref(record));
    }
});
