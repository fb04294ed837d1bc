//! The reader: decoding bytes in an encoding and splitting the text into records, whole and in
//! chunks of any size.
//!
//! Input: 3 control bytes, then the file.
//! - byte 0: the encoding (0 = UTF-8, else one of `ENCODINGS`), and in its high bits the
//!   delimiter (`, ; \t |`);
//! - bytes 1-2: the seed of the chunk sizes (0 = one chunk, the whole file).
//!
//! Asserts: no panic; the same records (row, fields, problem, end offset), the same text and the
//! same invalid bytes (where their reading starts and how long it is) whole and chunked; rows
//! strictly increase, only the last record may have an unclosed quote, every record has a field;
//! the readings of invalid bytes lie in the text, in order, one after the other.

#![no_main]

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{InvalidBytes, Record, RecordProblem, RecordReader, TextDecoder};
use leadpack_fuzz::{Chunker, DELIMITERS, encoding, split};

#[derive(Debug, PartialEq)]
struct Read {
    records: Vec<(u64, Vec<String>, Option<RecordProblem>, u64)>,
    text: String,
    invalid: Vec<InvalidBytes>,
    rows_seen: u64,
}

fn read(
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
    delimiter: u8,
    chunker: Option<Chunker>,
) -> Read {
    let mut decoder = TextDecoder::new(encoding);
    let mut reader = RecordReader::new(delimiter);
    let mut records = Vec::new();
    let mut all_text = String::new();
    let mut sink = |record: Record<'_>| {
        records.push((
            record.row,
            record.fields().map(str::to_string).collect(),
            record.problem,
            record.end_offset,
        ));
    };
    let mut text = String::new();
    let mut push = |chunk: &[u8], last: bool, sink: &mut dyn FnMut(Record<'_>)| {
        text.clear();
        decoder.decode(chunk, last, &mut text);
        all_text.push_str(&text);
        let mut sink = |record: Record<'_>| sink(record);
        reader.feed(&text, &mut sink);
    };
    match chunker {
        None => push(bytes, true, &mut sink),
        Some(mut chunker) => {
            chunker
                .for_each::<()>(bytes, |chunk| {
                    push(chunk, false, &mut sink);
                    Ok(())
                })
                .unwrap();
            push(&[], true, &mut sink);
        }
    }
    reader.finish(&mut sink);
    Read {
        records,
        text: all_text,
        invalid: decoder.invalid().to_vec(),
        rows_seen: reader.rows_seen(),
    }
}

#[global_allocator]
static ALLOCATOR: leadpack_fuzz::LimitedAllocator = leadpack_fuzz::LimitedAllocator;

fuzz_target!(|data: &[u8]| {
    let (control, bytes) = split::<3>(data);
    let encoding = encoding(control[0] & 0x0F).unwrap_or(encoding_rs::UTF_8);
    let delimiter = DELIMITERS[usize::from(control[0] >> 4) % DELIMITERS.len()];
    let seed = u16::from_le_bytes([control[1], control[2]]);

    let whole = read(bytes, encoding, delimiter, None);
    let mut previous_row = 0;
    let mut previous_end = 0;
    for (index, (row, fields, problem, end)) in whole.records.iter().enumerate() {
        assert!(*row > previous_row, "rows increase: {whole:?}");
        assert!(*end >= previous_end, "records end in order: {whole:?}");
        assert!(
            *end <= whole.text.len() as u64,
            "a record ends inside the text"
        );
        assert!(!fields.is_empty(), "a record has a field");
        if problem.is_some() {
            assert_eq!(
                index + 1,
                whole.records.len(),
                "only the last quote can stay open"
            );
        }
        previous_row = *row;
        previous_end = *end;
    }
    assert!(whole.rows_seen >= previous_row);
    assert!(
        whole
            .invalid
            .windows(2)
            .all(|w| w[0].offset + u64::from(w[0].len) <= w[1].offset)
    );
    for bytes in &whole.invalid {
        let end = bytes.offset + u64::from(bytes.len);
        assert!(
            end <= whole.text.len() as u64,
            "invalid bytes read inside the text"
        );
    }

    if let Some(chunker) = Chunker::new(seed) {
        let chunked = read(bytes, encoding, delimiter, Some(chunker));
        assert_eq!(chunked, whole, "chunking changed what was read");
    }
});
