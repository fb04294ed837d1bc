//! Property tests of the file checker: generated defects, chunking, arbitrary bytes, encodings.

use crate::util::{DELIMITERS, NAME, generate_file, generator_options};
use std::collections::BTreeSet;
use std::sync::OnceLock;

use encoding_rs::WINDOWS_1252;
use leadpack_engine::{
    CheckOptions, FileChecker, FileReport, ReadOptions, Rule, SNIFF_BYTES, Severity, check_bytes,
};
use leadpack_generate::{Defect, GeneratedSummary, GeneratorOptions, Header};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// A report, or the error's message (so outcomes compare with `==`).
pub(crate) type Outcome = Result<FileReport, String>;

fn check_whole(bytes: &[u8]) -> Outcome {
    check_whole_with(bytes, CheckOptions::default())
}

fn check_whole_with(bytes: &[u8], options: CheckOptions) -> Outcome {
    check_bytes(NAME, bytes, options).map_err(|error| error.to_string())
}

fn check_chunked(bytes: &[u8], sizes: &[usize]) -> Outcome {
    check_chunked_with(bytes, sizes, CheckOptions::default())
}

/// `bytes` cut into chunks of the given sizes (cycled; a size of 0 counts as 1).
fn chunks<'a>(mut rest: &'a [u8], sizes: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    sizes.iter().cycle().map_while(move |&size| {
        if rest.is_empty() {
            return None;
        }
        let (chunk, tail) = rest.split_at(size.clamp(1, rest.len()));
        rest = tail;
        Some(chunk)
    })
}

/// Feeds `bytes` in chunks of the given sizes (cycled), stopping at the first error, which must
/// then also be what `finish` returns.
fn check_chunked_with(bytes: &[u8], sizes: &[usize], options: CheckOptions) -> Outcome {
    let mut checker = FileChecker::new(NAME, options);
    for chunk in chunks(bytes, sizes) {
        if let Err(error) = checker.feed(chunk) {
            let message = error.to_string();
            let finished = checker.finish().map_err(|error| error.to_string());
            assert_eq!(finished.as_ref().err(), Some(&message), "the error sticks");
            return Err(message);
        }
    }
    checker.finish().map_err(|error| error.to_string())
}

/// How the pretend second worker of [`screened_elsewhere`] answers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answering {
    /// Batches left unanswered before the checker is handed the oldest answer.
    pub(crate) lag: usize,
    /// Answers (by number) cut short on the way, and where (a fraction of their length).
    pub(crate) damaged: Vec<(usize, f64)>,
    /// The worker stops answering after this many answers (it stopped, out of memory).
    pub(crate) stops_after: Option<usize>,
    /// Once it stops, the checker is told to screen everything itself from then on.
    pub(crate) screen_here_then: bool,
}

/// What the checker asked the pretend second worker, as the web worker passes it on.
enum Asked {
    Start(String),
    Records(Vec<u8>),
}

/// What crossed between the checker and the pretend second worker of [`screened_elsewhere`].
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Traffic {
    /// Batches of records the checker sent.
    pub(crate) sent: usize,
    /// Answers handed back to the checker.
    answered: usize,
    /// Whether the checker was told to screen everything itself (once the worker stopped).
    screened_here: bool,
    /// Batches sent after the checker was told to screen everything itself.
    sent_after_screen_here: usize,
    /// Batches the checker still counted as out when the input ended and every answer was in.
    out_at_end: usize,
}

/// Checks `bytes` in chunks with the first stage of the rules applied elsewhere, as the web
/// worker has its second worker do: the rules cross as JSON, each batch as bytes for
/// `screen_wire`, each answer comes back as bytes, as `answering` says. The outcome, and what
/// crossed between the two workers.
pub(crate) fn screened_elsewhere(
    bytes: &[u8],
    sizes: &[usize],
    answering: &Answering,
    options: CheckOptions,
) -> (Outcome, Traffic) {
    use leadpack_engine::NoSink;
    use leadpack_engine::RecordScreen;
    use leadpack_engine::{ScreenRequest, screen_wire};
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    let asked = Rc::new(RefCell::new(VecDeque::new()));
    let mut checker = FileChecker::new(NAME, options);
    let queue = Rc::clone(&asked);
    checker.screen_elsewhere(move |request| {
        queue.borrow_mut().push_back(match request {
            ScreenRequest::Start(screen) => {
                Asked::Start(serde_json::to_string(screen).expect("the rules as JSON"))
            }
            ScreenRequest::Records(records) => Asked::Records(records.to_vec()),
        })
    });
    let mut screen: Option<RecordScreen> = None;
    let mut answers: VecDeque<Vec<u8>> = VecDeque::new();
    let mut answered = 0;
    let mut traffic = Traffic::default();
    // The second worker answers what it was asked; the checker takes the answers it is given.
    let mut exchange = |checker: &mut FileChecker, lag: usize| -> Result<(), String> {
        while let Some(request) = asked.borrow_mut().pop_front() {
            match request {
                Asked::Start(json) => screen = Some(serde_json::from_str(&json).expect("rules")),
                Asked::Records(records) => {
                    traffic.sent += 1;
                    if traffic.screened_here {
                        traffic.sent_after_screen_here += 1;
                    }
                    let rules = screen.as_ref().expect("the rules come first");
                    answers.push_back(screen_wire(rules, &records).expect("whole records"));
                }
            }
        }
        if answering.screen_here_then && answering.stops_after.is_some_and(|stop| answered >= stop)
        {
            answers.clear();
            traffic.screened_here = true;
            checker
                .screen_here(&mut NoSink)
                .map_err(|error| error.to_string())?;
        }
        while checker.screening_out() > lag
            && answering.stops_after.is_none_or(|stop| answered < stop)
            && let Some(mut answer) = answers.pop_front()
        {
            if let Some((_, cut)) = answering.damaged.iter().find(|(n, _)| *n == answered) {
                answer.truncate((answer.len() as f64 * cut) as usize);
            }
            answered += 1;
            checker
                .receive_screened(&answer, &mut NoSink)
                .map_err(|error| error.to_string())?;
        }
        Ok(())
    };
    let fed = (|| -> Result<(), String> {
        for chunk in chunks(bytes, sizes) {
            checker.feed(chunk).map_err(|error| error.to_string())?;
            exchange(&mut checker, answering.lag)?;
        }
        checker
            .end_input(&mut NoSink)
            .map_err(|error| error.to_string())?;
        exchange(&mut checker, 0)
    })();
    traffic.answered = answered;
    traffic.out_at_end = checker.screening_out();
    let outcome = fed.and_then(|()| checker.finish().map_err(|error| error.to_string()));
    (outcome, traffic)
}

/// What must have crossed between the two workers, as `answering` answers: every batch sent is
/// answered until the worker stops; none is sent once the checker screens everything itself;
/// and the checker counts as out exactly the batches not answered (none once it was told to
/// screen them itself). `None` when the traffic is so, else what differs.
fn traffic_problem(traffic: &Traffic, answering: &Answering) -> Option<String> {
    let answered = answering
        .stops_after
        .map_or(traffic.sent, |stop| stop.min(traffic.sent));
    let out = if traffic.screened_here {
        0
    } else {
        traffic.sent - answered
    };
    let wanted = Traffic {
        sent: traffic.sent,
        answered,
        screened_here: traffic.screened_here,
        sent_after_screen_here: 0,
        out_at_end: out,
    };
    (*traffic != wanted).then(|| format!("{traffic:?}, not {wanted:?}"))
}

/// A short description of an outcome, for failure messages (a report's debug form runs to
/// megabytes).
fn headline(outcome: &Outcome) -> String {
    match outcome {
        Ok(report) => format!(
            "Ok: {} {:?}, header row {}, {:?}, {} findings, notes {:?}",
            report.encoding,
            report.delimiter,
            report.header_row,
            report.summary,
            report.issues.len(),
            report.notes
        ),
        Err(message) => format!("Err: {message}"),
    }
}

/// Fails unless the outcomes are equal, saying briefly where they differ.
fn prop_assert_same(chunked: &Outcome, whole: &Outcome) -> Result<(), TestCaseError> {
    if chunked == whole {
        return Ok(());
    }
    let mut message = format!(
        "chunked and whole outcomes differ\n chunked: {}\n   whole: {}",
        headline(chunked),
        headline(whole)
    );
    if let (Ok(a), Ok(b)) = (chunked, whole) {
        if let Some((x, y)) = a.issues.iter().zip(&b.issues).find(|(x, y)| x != y) {
            message.push_str(&format!(
                "\n first differing finding: {x:?}\n                    vs: {y:?}"
            ));
        }
        let differing = [
            ("columns", a.columns != b.columns),
            ("counts", a.counts != b.counts),
            ("samples", a.samples != b.samples),
            ("rows", a.rows != b.rows),
        ];
        for (name, _) in differing.iter().filter(|(_, differs)| *differs) {
            message.push_str(&format!("\n {name} differ"));
        }
    }
    Err(TestCaseError::fail(message))
}

/// The rows holding at least one error finding (the header row included).
fn error_rows(report: &FileReport) -> BTreeSet<u64> {
    report
        .issues
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(|finding| finding.row)
        .collect()
}

/// The rows where the generator injected a defect that is an error.
fn injected_error_rows(generated: &GeneratedSummary) -> BTreeSet<u64> {
    generated
        .defects
        .iter()
        .filter(|(_, defect)| defect.is_error())
        .map(|&(row, _)| row)
        .collect()
}

/// What must hold of any report: every record is counted once, as ready or with errors, and the
/// counts agree with the findings.
fn check_report_invariants(report: &FileReport) -> Result<(), TestCaseError> {
    let summary = report.summary;
    prop_assert_eq!(summary.ready + summary.with_errors, summary.records);
    prop_assert_eq!(report.rows, summary.records);
    prop_assert!(summary.with_warnings <= summary.ready);
    prop_assert!(report.header_row >= 1);
    prop_assert!(
        report
            .issues
            .to_vec()
            .windows(2)
            .all(|w| w[0].row <= w[1].row),
        "findings are in file order"
    );
    for finding in &report.issues {
        prop_assert!(finding.row >= report.header_row, "{:?}", finding);
        if finding.row == report.header_row {
            prop_assert!(
                matches!(
                    finding.rule,
                    Rule::DuplicateColumn | Rule::MissingColumn | Rule::InvalidEncoding
                ),
                "{:?}",
                finding
            );
        }
    }
    let record_rows = |severity: Severity| -> BTreeSet<u64> {
        report
            .issues
            .iter()
            .filter(|f| f.severity == severity && f.row > report.header_row)
            .map(|f| f.row)
            .collect()
    };
    let errors = record_rows(Severity::Error);
    let warned_only = record_rows(Severity::Warning).difference(&errors).count();
    prop_assert_eq!(errors.len() as u64, summary.with_errors);
    prop_assert_eq!(warned_only as u64, summary.with_warnings);
    let counted: u64 = report
        .counts
        .values()
        .flat_map(|rules| rules.values())
        .sum();
    prop_assert_eq!(counted, report.issues.len() as u64);
    Ok(())
}

/// Checks an outcome of arbitrary input: a clear error, or a report that keeps every record.
fn check_outcome(outcome: &Outcome) -> Result<(), TestCaseError> {
    match outcome {
        Ok(report) => check_report_invariants(report),
        Err(message) => {
            prop_assert!(message.starts_with(NAME), "{}", message);
            prop_assert!(message.len() > NAME.len() + 2, "{}", message);
            Ok(())
        }
    }
}

/// Bytes that look a little like CSV: delimiters, quotes, line ends, header words, letters, `é`
/// in UTF-8 and in Latin-1, other non-ASCII and odd bytes, and now and then a NUL byte.
fn csv_ish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = |set: &'static [u8]| select(set.to_vec()).prop_map(|b| vec![b]);
    let text = |set: &[&'static str]| select(set.to_vec()).prop_map(|s| s.as_bytes().to_vec());
    let token = prop_oneof![
        8 => byte(b",;\t|\"\r\n"),
        8 => byte(b"abcxyzAEZ0149 @.+-="),
        3 => text(&["ID", "First Name", "Last Name", "Email", "Phone", "Market Segment",
            "Sales Concept", "Company", "L1", "Ann", "a@example.com", "416 555 0199"]),
        2 => text(&["é", "\u{a0}", "Ã©", "😀", "\u{feff}", "ễ", "\u{200b}"]),
        2 => byte(&[0xE9, 0xC3, 0x80, 0x9D, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF]),
    ];
    (
        vec(token, 0..400),
        proptest::option::weighted(0.1, any::<Index>()),
    )
        .prop_map(|(tokens, nul)| {
            let mut bytes = tokens.concat();
            if let Some(at) = nul {
                let at = at.index(bytes.len() + 1);
                bytes.insert(at, 0);
            }
            bytes
        })
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..2000), csv_ish_bytes()]
}

/// Chunk sizes: one size, or a sequence of varying sizes (cycled).
fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        (1..4096usize).prop_map(|size| vec![size]),
        vec(1..4096usize, 1..32)
    ]
}

/// A realistic file a little longer than the sample the encoding and delimiter are decided on.
fn big_file() -> &'static [u8] {
    static BIG: OnceLock<Vec<u8>> = OnceLock::new();
    BIG.get_or_init(|| {
        let options = GeneratorOptions {
            rows: 9_000,
            seed: 7,
            defect_rate: 0.1,
            ..GeneratorOptions::default()
        };
        let bytes = generate_file(&options).0;
        assert!(bytes.len() > SNIFF_BYTES + 4096);
        bytes
    })
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() * 2 + 2);
    let units = bom.then_some('\u{feff}').into_iter().map(|c| c as u16);
    for unit in units.chain(text.encode_utf16()) {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

/// The text with every character Windows-1252 cannot hold replaced by `x`.
fn windows_1252_representable(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut buf = [0; 4];
            let (_, _, unmappable) = WINDOWS_1252.encode(c.encode_utf8(&mut buf));
            if unmappable { 'x' } else { c }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(48)
    })]

    /// Every generated record is counted once, as ready or with errors, and exactly the records
    /// with an injected error are rejected.
    #[test]
    fn every_record_is_reported_once_as_ready_or_rejected(options in generator_options(1..300, 0.6)) {
        let (bytes, generated) = generate_file(&options);
        let report = check_whole(&bytes).map_err(TestCaseError::fail)?;
        let summary = report.summary;
        prop_assert_eq!(summary.records, generated.rows);
        prop_assert_eq!(summary.ready + summary.with_errors, summary.records);
        prop_assert_eq!(summary.with_errors, generated.rows_with_errors);
        prop_assert_eq!((report.header_row, summary.blank_rows), (1, 0));
        prop_assert_eq!(error_rows(&report), injected_error_rows(&generated));
        check_report_invariants(&report)?;
    }

    /// Each injected defect is reported with its rule at its row; rows without an injected
    /// error have no error, and rows without any injected defect have no finding at all.
    #[test]
    fn each_injected_defect_is_found_at_its_row(options in generator_options(1..300, 0.6)) {
        let (bytes, generated) = generate_file(&options);
        let report = check_whole(&bytes).map_err(TestCaseError::fail)?;
        for &(row, defect) in &generated.defects {
            prop_assert!(
                report.issues.iter().any(|f| f.row == row && f.rule == defect.rule()),
                "{:?} at row {} not found; findings there: {:?}",
                defect,
                row,
                report.issues.iter().filter(|f| f.row == row).collect::<Vec<_>>()
            );
        }
        let injected_errors = injected_error_rows(&generated);
        let injected: BTreeSet<u64> = generated.defects.iter().map(|&(row, _)| row).collect();
        for finding in &report.issues {
            prop_assert!(
                finding.severity != Severity::Error || injected_errors.contains(&finding.row),
                "an error on a row without an injected error: {:?}",
                finding
            );
            prop_assert!(
                injected.contains(&finding.row),
                "a finding on a clean row: {:?}",
                finding
            );
        }
    }

    /// A small file fed in chunks (of one size, or of varying sizes) gives the same report as
    /// the whole file at once. (The checker buffers the first `SNIFF_BYTES` bytes, so chunks
    /// only reach the decoder and reader one by one in the tests past the sample, below.)
    #[test]
    fn chunked_input_gives_the_same_report_as_whole_input(
        options in generator_options(1..200, 0.6),
        size in 1..4096usize,
        sizes in vec(1..4096usize, 1..32),
    ) {
        let (bytes, _) = generate_file(&options);
        let whole = check_whole(&bytes);
        prop_assert!(whole.is_ok());
        prop_assert_same(&check_chunked(&bytes, &[size]), &whole)?;
        prop_assert_same(&check_chunked(&bytes, &sizes), &whole)?;
    }

    /// Arbitrary bytes never panic: the checker gives a clear error or a report keeping every
    /// record, and the same outcome however the bytes are chunked.
    #[test]
    fn arbitrary_bytes_never_panic_and_keep_every_record(
        bytes in any_bytes(),
        sizes in chunk_sizes(),
    ) {
        let whole = check_whole(&bytes);
        check_outcome(&whole)?;
        prop_assert_same(&check_chunked(&bytes, &sizes), &whole)?;
    }

    /// One invalid sequence in one record (a lone 0xFF byte in UTF-8, an unpaired surrogate in
    /// UTF-16), in a file read in its chosen encoding, is reported as invalid-encoding at that
    /// record's row and nowhere else, whole or in chunks.
    #[test]
    fn an_invalid_sequence_is_reported_at_its_row(
        options in generator_options(1..120, 0.6),
        record in any::<Index>(),
        sizes in chunk_sizes(),
    ) {
        let (bytes, generated) = generate_file(&options);
        let text = String::from_utf8(bytes).expect("the generator writes UTF-8");
        // A record with its own ID `L<n>` (a duplicate-id record repeats an earlier one); the
        // invalid sequence goes right after the ID, on the first line starting with it.
        let own_ids: Vec<u64> = (1..=options.rows)
            .filter(|&n| !generated.defects.contains(&(n + 1, Defect::DuplicateId)))
            .collect();
        let n = own_ids[record.index(own_ids.len())];
        let line = format!("\nL{n}{}", char::from(options.delimiter));
        let at = text.find(&line).expect("record n starts a line") + line.len() - 1;
        let (before, after) = text.split_at(at);
        let row = n + 1;

        let utf16_with = |big_endian: bool| {
            let mut bytes = utf16(before, big_endian, true);
            let unpaired = 0xD800u16;
            bytes.extend(if big_endian {
                unpaired.to_be_bytes()
            } else {
                unpaired.to_le_bytes()
            });
            bytes.extend(utf16(after, big_endian, false));
            bytes
        };
        let files = [
            (encoding_rs::UTF_8, [before.as_bytes(), b"\xFF", after.as_bytes()].concat()),
            (encoding_rs::UTF_16LE, utf16_with(false)),
            (encoding_rs::UTF_16BE, utf16_with(true)),
        ];
        for (encoding, bytes) in files {
            let chosen = || CheckOptions {
                read: ReadOptions {
                    encoding: Some(encoding),
                    ..ReadOptions::default()
                },
                ..CheckOptions::default()
            };
            let whole = check_whole_with(&bytes, chosen());
            let report = whole.as_ref().map_err(|e| TestCaseError::fail(e.clone()))?;
            check_report_invariants(report)?;
            let found: BTreeSet<u64> = report
                .issues
                .iter()
                .filter(|f| f.rule == Rule::InvalidEncoding)
                .map(|f| f.row)
                .collect();
            // A broken row is reported as broken only.
            let malformed = report
                .issues
                .iter()
                .any(|f| f.row == row && f.rule == Rule::MalformedRow);
            let expected: BTreeSet<u64> = (!malformed).then_some(row).into_iter().collect();
            prop_assert_eq!(
                found,
                expected,
                "{} with the invalid sequence in row {}",
                encoding.name(),
                row
            );
            prop_assert_same(&check_chunked_with(&bytes, &sizes, chosen()), &whole)?;
        }
    }

    /// UTF-16 (little- and big-endian, with a byte order mark or without) and Windows-1252
    /// files give the findings and counts of the same text in UTF-8.
    #[test]
    fn windows_1252_and_utf16_files_read_like_utf8(
        seed in any::<u64>(),
        rows in 1..200u64,
        delimiter in select(DELIMITERS.to_vec()),
        crlf in any::<bool>(),
    ) {
        let options = GeneratorOptions {
            rows,
            seed,
            delimiter,
            crlf,
            defect_rate: 0.2,
            header: Header::Documented,
        };
        let (bytes, _) = generate_file(&options);
        let text = String::from_utf8(bytes).expect("the generator writes UTF-8");
        let utf8 = check_whole(text.as_bytes()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(utf8.encoding.as_str(), "utf-8");

        for (big_endian, label) in [(false, "utf-16le"), (true, "utf-16be")] {
            let mut with_bom = check_whole(&utf16(&text, big_endian, true))
                .map_err(TestCaseError::fail)?;
            prop_assert_eq!(with_bom.encoding.as_str(), label);
            with_bom.encoding = utf8.encoding.clone();
            // How it was read is part of what the findings depend on; the rest is the same.
            prop_assert_ne!(&with_bom.basis, &utf8.basis);
            with_bom.basis = utf8.basis.clone();
            prop_assert_eq!(&with_bom, &utf8);

            // Without a byte order mark the encoding is guessed (and a note says so).
            let without_bom = check_whole(&utf16(&text, big_endian, false))
                .map_err(TestCaseError::fail)?;
            prop_assert_eq!(without_bom.encoding.as_str(), label);
            prop_assert_eq!(&without_bom.issues, &utf8.issues);
            prop_assert_eq!(without_bom.summary, utf8.summary);
            prop_assert_eq!(&without_bom.columns, &utf8.columns);
        }

        // Windows-1252 cannot hold every generated name (Nguyễn), so compare files of the text
        // with those characters replaced.
        let text = windows_1252_representable(&text);
        let utf8 = check_whole(text.as_bytes()).map_err(TestCaseError::fail)?;
        let (encoded, _, unmappable) = WINDOWS_1252.encode(&text);
        prop_assert!(!unmappable);
        let cp1252 = check_whole(&encoded).map_err(TestCaseError::fail)?;
        if std::str::from_utf8(&encoded).is_ok() {
            // Plain ASCII (no accented record): it is UTF-8 too.
            prop_assert_eq!(&cp1252, &utf8);
        } else {
            prop_assert_eq!(cp1252.encoding.as_str(), "windows-1252");
            prop_assert_eq!(&cp1252.issues, &utf8.issues);
            prop_assert_eq!(cp1252.summary, utf8.summary);
            prop_assert_eq!(&cp1252.columns, &utf8.columns);
            prop_assert_eq!(&cp1252.samples, &utf8.samples);
            prop_assert_eq!(cp1252.notes.len(), utf8.notes.len() + 1, "{:?}", cp1252.notes);
        }
    }
}

proptest! {
    // Each case checks a file of over 1 MiB two or three times, so few cases and short shrinking.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        max_shrink_iters: 8,
        ..ProptestConfig::with_cases(8)
    })]

    /// A file longer than the sample its encoding and delimiter are decided on, in UTF-8 or
    /// UTF-16 and cut at any byte, gives the same report in chunks as whole: the chunks past
    /// the sample go through the decoder and reader one by one.
    #[test]
    fn chunked_input_past_the_sample_gives_the_same_report_as_whole_input(
        options in generator_options(9_000..9_001, 0.6),
        encoding in 0..3u8,
        extra in 0..8192usize,
        size in 1..4096usize,
        sizes in vec(1..4096usize, 1..32),
    ) {
        let (bytes, _) = generate_file(&options);
        let bytes = match encoding {
            0 => bytes,
            _ => utf16(std::str::from_utf8(&bytes).unwrap(), encoding == 2, true),
        };
        let bytes = &bytes[..(SNIFF_BYTES + extra).min(bytes.len())];
        let whole = check_whole(bytes);
        check_outcome(&whole)?;
        prop_assert!(whole.is_ok());
        prop_assert_same(&check_chunked(bytes, &[size]), &whole)?;
        prop_assert_same(&check_chunked(bytes, &sizes), &whole)?;
    }

    /// The rules give the same report on several threads as on one, whole or in chunks (the
    /// command-line tool uses every core; the web worker one).
    #[test]
    fn several_threads_give_the_same_report_as_one(
        options in generator_options(9_000..9_001, 0.6),
        threads in 2..5usize,
        sizes in vec(1..300_000usize, 1..8),
    ) {
        let (bytes, _) = generate_file(&options);
        let one = check_whole(&bytes);
        check_outcome(&one)?;
        let several = CheckOptions {
            read: ReadOptions { threads, ..ReadOptions::default() },
            ..CheckOptions::default()
        };
        prop_assert_same(&check_whole_with(&bytes, several.clone()), &one)?;
        prop_assert_same(&check_chunked_with(&bytes, &sizes, several), &one)?;
    }

    /// The first stage of the rules in another worker (the web app's second one) gives the same
    /// report as one thread, whatever the chunks, however late the answers come, when some
    /// come cut short (that batch is screened by the checker itself) and when that worker stops
    /// answering (the rest is screened by the checker itself).
    #[test]
    fn screening_in_another_worker_gives_the_same_report_as_one_thread(
        options in generator_options(9_000..26_000, 0.6),
        sizes in vec(1..300_000usize, 1..8),
        lag in 0..4usize,
        damaged in vec((0..4usize, 0.0..1.0f64), 0..3),
        stops_after in proptest::option::of(0..4usize),
    ) {
        let (bytes, _) = generate_file(&options);
        let one = check_whole(&bytes);
        check_outcome(&one)?;
        let screen_here_then = stops_after.is_some() && lag % 2 == 1;
        let answering = Answering { lag, damaged, stops_after, screen_here_then };
        let (elsewhere, traffic) = screened_elsewhere(&bytes, &sizes, &answering, CheckOptions::default());
        prop_assert_same(&elsewhere, &one)?;
        // Something is sent, unless the checker was told to screen everything itself before
        // the first batch was ready.
        let told_before_any = answering.screen_here_then && answering.stops_after == Some(0);
        prop_assert!(traffic.sent >= 1 || told_before_any, "{traffic:?}");
        let problem = traffic_problem(&traffic, &answering);
        prop_assert!(problem.is_none(), "{}", problem.unwrap_or_default());
    }

    /// Arbitrary bytes around or past the end of the sample (after a realistic start cut at any
    /// byte) never panic and give the same outcome in chunks as whole.
    #[test]
    fn arbitrary_bytes_past_the_sample_never_panic_and_keep_every_record(
        cut in SNIFF_BYTES - 1024..SNIFF_BYTES + 4096,
        tail in any_bytes(),
        sizes in chunk_sizes(),
    ) {
        let mut bytes = big_file()[..cut].to_vec();
        bytes.extend_from_slice(&tail);
        let whole = check_whole(&bytes);
        check_outcome(&whole)?;
        prop_assert_same(&check_chunked(&bytes, &sizes), &whole)?;
    }
}

/// The answers of the worker that screens elsewhere can be cut short or never come: the
/// checker then screens those batches itself, and the report is still the one-thread report.
#[test]
fn damaged_or_missing_answers_from_the_screening_worker_lose_nothing() {
    let options = GeneratorOptions {
        rows: 30_000,
        seed: 7,
        defect_rate: 0.3,
        ..GeneratorOptions::default()
    };
    let (bytes, _) = generate_file(&options);
    let one = check_whole(&bytes);
    let report = one.as_ref().expect("a report");
    assert!(
        report.issues.len() > 1000,
        "a file with findings in every batch"
    );
    let sizes = [1 << 20];
    let answering = |lag, damaged, stops_after, screen_here_then| Answering {
        lag,
        damaged,
        stops_after,
        screen_here_then,
    };
    let cases = [
        ("every answer in time", answering(0, vec![], None, false)),
        ("answers late", answering(3, vec![], None, false)),
        (
            "the first and third answers cut short",
            answering(1, vec![(0, 0.5), (2, 0.99)], None, false),
        ),
        ("no answer at all", answering(0, vec![], Some(0), false)),
        (
            "answers stop after one",
            answering(0, vec![], Some(1), false),
        ),
        (
            "answers stop after one, then all is screened here",
            answering(0, vec![], Some(1), true),
        ),
    ];
    for (case, answering) in cases {
        let (elsewhere, traffic) =
            screened_elsewhere(&bytes, &sizes, &answering, CheckOptions::default());
        assert!(elsewhere == one, "{case}: {}", headline(&elsewhere));
        // The other worker really had the batches, and what it answered was taken.
        assert!(traffic.sent >= 2, "{case}: {traffic:?}");
        assert_eq!(traffic.screened_here, answering.screen_here_then, "{case}");
        if let Some(problem) = traffic_problem(&traffic, &answering) {
            panic!("{case}: {problem}");
        }
    }

    // Told to screen everything itself before the first batch was ready (the file's first MiB
    // is still being read): nothing is sent, and nothing is lost.
    let told_first = answering(3, vec![], Some(0), true);
    let (elsewhere, traffic) =
        screened_elsewhere(&bytes, &[65_536], &told_first, CheckOptions::default());
    assert!(elsewhere == one, "told first: {}", headline(&elsewhere));
    assert_eq!((traffic.sent, traffic.screened_here), (0, true));
    assert_eq!(traffic_problem(&traffic, &told_first), None);
}

/// The encoding is decided on the first `SNIFF_BYTES` bytes, so bytes after them must not change
/// how the file is read, whether it is checked whole or in chunks. (The smallest case of the
/// property above: a NUL byte or a Latin-1 `é` in the first record past the sample.)
#[test]
fn bytes_past_the_sample_give_the_same_outcome_whole_and_in_chunks() {
    // Long notes (not a lead field) keep the records few, so the test is quick.
    let notes = "x".repeat(1000);
    let mut text = String::from("ID,First Name,Last Name,Email Address,Notes\n");
    let mut n = 0;
    while text.len() < SNIFF_BYTES {
        n += 1;
        text.push_str(&format!("L{n},Zoë,Lee,z{n}@example.com,{notes}\n"));
    }
    let past: [&[u8]; 2] = [
        b"L0,A\0n,Lee,a@example.com,\n",
        b"L0,Ren\xE9e,Lee,r@example.com,\n",
    ];
    let mut failures = Vec::new();
    for tail in past {
        let mut bytes = text.as_bytes().to_vec();
        bytes.extend_from_slice(tail);
        let whole = check_whole(&bytes);
        // What the command-line tool does: 1 MiB chunks.
        let chunked = check_chunked(&bytes, &[1 << 20]);
        if let Err(error) = prop_assert_same(&chunked, &whole) {
            let tail = String::from_utf8_lossy(tail).replace('\0', "\\0");
            failures.push(format!("{} past the sample: {error}", tail.trim()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
