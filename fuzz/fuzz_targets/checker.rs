//! The checker: a whole check of any bytes, with options a user can choose, whole and in chunks.
//!
//! Input: 4 control bytes, then the file.
//! - byte 0: the encoding to read in instead of detecting it (0 = detect; see `ENCODINGS`);
//! - byte 1: the delimiter (0 = detect, 1-4 = `, ; \t |`, else any byte `--delimiter` accepts);
//! - byte 2: the output encoding whose unrepresentable characters are reported (0 = none), and
//!   in its high bits a firm's own segment and concept (0x04), the chunked check's first stage
//!   of the rules in "another worker" (0x08: through the bytes that cross between the web
//!   app's workers, answered after each chunk) and on two threads (0x10);
//! - byte 3: the seed of the chunk sizes (0 = only whole).
//!
//! Asserts: no panic; a refusal names the file and says something; a report keeps every record
//! once (ready + with errors = records), its counts agree with its findings, findings are in
//! file order and on rows of the file; the same bytes give the same outcome whole and chunked,
//! and an error returned by `feed` is returned by `finish` too.

#![no_main]

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{
    CheckOptions, FileChecker, FileReport, NoSink, OutputEncoding, ReadError, ReadOptions,
    RecordScreen, Rule, ScreenRequest, Severity, check_bytes, screen_wire,
};
use leadpack_fuzz::{Chunker, delimiter, encoding, split};

const NAME: &str = "leads.csv";

fn options(control: &[u8; 4], size: usize) -> CheckOptions {
    let output = match control[2] & 0x03 {
        0 | 1 => OutputEncoding::Utf8,
        2 => OutputEncoding::Windows1252,
        _ => OutputEncoding::Iso8859_1,
    };
    let mut options = CheckOptions {
        read: ReadOptions {
            encoding: encoding(control[0]),
            delimiter: delimiter(control[1]),
            size_hint: Some(size as u64),
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    options.template.options.output_encoding = output;
    if control[2] & 0x04 != 0 {
        options.template.segments = vec!["Young Families".to_string(), "  ".to_string()];
        options.template.concepts = vec!["Estate Planning".to_string(), "é".to_string()];
    }
    options
}

fn check_report(report: &FileReport) {
    let summary = report.summary;
    assert_eq!(summary.ready + summary.with_errors, summary.records);
    assert_eq!(report.rows, summary.records);
    assert!(summary.with_warnings <= summary.ready);
    assert!(report.header_row >= 1);
    assert!(
        report.issues.to_vec().windows(2).all(|w| w[0].row <= w[1].row),
        "findings are in file order"
    );
    // Every row of the file: the header, the records and the blank lines (before the header too).
    let last_row = summary.records + summary.blank_rows + 1;
    for finding in &report.issues {
        assert!(finding.row >= report.header_row, "{finding:?}");
        assert!(finding.row <= last_row, "{finding:?} after row {last_row}");
        assert!(!finding.message.is_empty());
        if finding.row == report.header_row {
            assert!(
                matches!(
                    finding.rule,
                    Rule::DuplicateColumn | Rule::MissingColumn | Rule::InvalidEncoding
                ),
                "{finding:?}"
            );
        }
    }
    let rows = |severity: Severity| -> BTreeSet<u64> {
        report
            .issues
            .iter()
            .filter(|f| f.severity == severity && f.row > report.header_row)
            .map(|f| f.row)
            .collect()
    };
    let errors = rows(Severity::Error);
    let warned_only = rows(Severity::Warning).difference(&errors).count();
    assert_eq!(errors.len() as u64, summary.with_errors);
    assert_eq!(warned_only as u64, summary.with_warnings);
    let counted: u64 = report.counts.values().flat_map(|r| r.values()).sum();
    assert_eq!(counted, report.issues.len() as u64);
    assert_eq!(report.samples.len(), report.columns.len());
}

#[global_allocator]
static ALLOCATOR: leadpack_fuzz::LimitedAllocator = leadpack_fuzz::LimitedAllocator;

fuzz_target!(|data: &[u8]| {
    let (control, bytes) = split::<4>(data);
    let whole = check_bytes(NAME, bytes, options(&control, bytes.len()));
    let whole = whole.map_err(|error| error.to_string());
    match &whole {
        Ok(report) => check_report(report),
        Err(message) => {
            assert!(message.starts_with(NAME), "{message}");
            assert!(message.len() > NAME.len() + 10, "{message}");
        }
    }

    let Some(mut chunker) = Chunker::new(u16::from(control[3])) else {
        return;
    };
    let mut chunked_options = options(&control, bytes.len());
    if control[2] & 0x10 != 0 {
        chunked_options.read.threads = 2;
    }
    let mut checker = FileChecker::new(NAME, chunked_options);
    // The first stage elsewhere: what the checker asks, answered after each chunk.
    let asked: Rc<RefCell<VecDeque<Asked>>> = Rc::default();
    if control[2] & 0x08 != 0 {
        let queue = Rc::clone(&asked);
        checker.screen_elsewhere(move |request| {
            queue.borrow_mut().push_back(match request {
                ScreenRequest::Start(screen) => Asked::Start(screen.clone()),
                ScreenRequest::Records(records) => Asked::Records(records.to_vec()),
            })
        });
    }
    let mut screen: Option<RecordScreen> = None;
    let mut answer = |checker: &mut FileChecker| -> Result<(), ReadError> {
        while let Some(request) = asked.borrow_mut().pop_front() {
            match request {
                Asked::Start(rules) => screen = Some(rules),
                Asked::Records(records) => {
                    let rules = screen.as_ref().expect("the rules come before the records");
                    let found = screen_wire(rules, &records).expect("the records cross whole");
                    checker.receive_screened(&found, &mut NoSink)?;
                }
            }
        }
        Ok(())
    };
    let fed = chunker.for_each(bytes, |chunk| {
        checker.feed(chunk)?;
        answer(&mut checker)
    });
    let fed = fed.and_then(|()| {
        checker.end_input(&mut NoSink)?;
        answer(&mut checker)
    });
    let chunked = match fed {
        Ok(()) => checker.finish().map_err(|error| error.to_string()),
        Err(error) => {
            let message = error.to_string();
            let finished = checker.finish().map_err(|error| error.to_string());
            assert_eq!(finished.as_ref().err(), Some(&message), "the error sticks");
            Err(message)
        }
    };
    assert!(chunked == whole, "chunking changed the outcome");
});

/// What the checker asked of the worker that screens elsewhere.
enum Asked {
    Start(RecordScreen),
    Records(Vec<u8>),
}
