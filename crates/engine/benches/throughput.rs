//! Native throughput of the engine beside the `csv` crate's raw parse of the same bytes.
//!
//! Run through `scripts/bench`, which generates the input file and records the figures in
//! `docs/performance.md`. Usage: `cargo bench --bench throughput -- FILE [ROUNDS] [NAME...]`
//! (with names, only those measurements run: handy under a profiler).
//! Prints one JSON object per measurement on standard output.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

// The benchmark runs natively; it is only compiled for the web build's lints.
use leadpack_engine::{
    Built, COMPRESSION_LEVEL, CheckOptions, FileChecker, PackJob, ReadOptions, Record,
    RecordReader, Template, TextDecoder,
};

const CHUNK: usize = 1 << 20;

fn best_of<T>(rounds: usize, mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..rounds {
        let start = Instant::now();
        let outcome = run();
        let elapsed = start.elapsed();
        if best.as_ref().is_none_or(|(fastest, _)| elapsed < *fastest) {
            best = Some((elapsed, outcome));
        }
    }
    best.expect("at least one round")
}

fn report(name: &str, bytes: usize, rows: u64, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{{\"name\":\"{name}\",\"bytes\":{bytes},\"rows\":{rows},\"seconds\":{seconds:.4},\"mb_per_s\":{:.1},\"rows_per_s\":{:.0}}}",
        bytes as f64 / 1e6 / seconds,
        rows as f64 / seconds
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: throughput FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let only: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    let wanted = |name: &str| only.is_empty() || only.contains(&name);
    let bytes = std::fs::read(path).unwrap_or_else(|err| {
        eprintln!("cannot read {path}: {err}");
        std::process::exit(2);
    });

    // Records in the file (without the header), from the raw parse when it runs.
    let mut records_in_file = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    if wanted("csv-byte-record") {
        let (elapsed, rows) = best_of(rounds, || {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(bytes.as_slice());
            let mut record = csv::ByteRecord::new();
            let mut rows = 0u64;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                rows += 1;
            }
            rows
        });
        records_in_file = rows.saturating_sub(1);
        report("csv-byte-record", bytes.len(), records_in_file, elapsed);
    }

    if wanted("leadpack-read") {
        // The engine's reading alone (decoding and splitting records), without the rules.
        let (elapsed, records) = best_of(rounds, || {
            let mut decoder = TextDecoder::new(encoding_rs::UTF_8);
            let mut reader = RecordReader::new(b',');
            let mut text = String::new();
            let mut records = 0u64;
            let mut count = |_: Record<'_>| records += 1;
            let chunks: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
            for (index, chunk) in chunks.iter().enumerate() {
                text.clear();
                decoder.decode(chunk, index + 1 == chunks.len(), &mut text);
                reader.feed(&text, &mut count);
            }
            reader.finish(&mut count);
            records
        });
        report(
            "leadpack-read",
            bytes.len(),
            records.saturating_sub(1),
            elapsed,
        );
    }

    // The command-line tool applies the rules on every core; the web worker on one.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let check = |threads: usize| {
        let options = CheckOptions {
            read: ReadOptions {
                size_hint: Some(bytes.len() as u64),
                threads,
                ..ReadOptions::default()
            },
            ..CheckOptions::default()
        };
        let mut checker = FileChecker::new("bench.csv", options);
        for chunk in bytes.chunks(CHUNK) {
            checker.feed(chunk).expect("the generated file is readable");
        }
        let report = checker.finish().expect("the generated file is readable");
        report.summary.records
    };
    if wanted("leadpack-check") {
        let (elapsed, records) = best_of(rounds, || check(cores));
        report("leadpack-check", bytes.len(), records, elapsed);
    }
    if wanted("leadpack-check-1-thread") {
        let (elapsed, records) = best_of(rounds, || check(1));
        report("leadpack-check-1-thread", bytes.len(), records, elapsed);
    }

    if wanted("leadpack-pack") {
        // Packing: the check pass that suggests the template, then the pack pass reusing its
        // findings and compressing on a second thread, as the CLI does.
        let (elapsed, packaged) = best_of(rounds, || {
            let read = ReadOptions {
                size_hint: Some(bytes.len() as u64),
                threads: cores,
                ..ReadOptions::default()
            };
            let options = CheckOptions {
                read,
                ..CheckOptions::default()
            };
            let mut checker = FileChecker::new("bench.csv", options);
            for chunk in bytes.chunks(CHUNK) {
                checker.feed(chunk).expect("the generated file is readable");
            }
            let report = checker.finish().expect("the generated file is readable");
            let template = Template::suggested(&report);
            let mut job = PackJob::new("bench.csv", &template)
                .read_as(read)
                .reusing(Arc::new(report));
            #[cfg(not(target_arch = "wasm32"))]
            {
                job = job.assemble_on_a_thread();
            }
            for chunk in bytes.chunks(CHUNK) {
                job.feed(chunk).expect("the generated file is readable");
            }
            let Built { outcome, .. } = job.finish().expect("the generated file packs");
            outcome.packaged
        });
        report("leadpack-pack", bytes.len(), packaged, elapsed);
    }

    if wanted("deflate") {
        // Plain DEFLATE (the packages' level and backend) of the same bytes, in one stream.
        let (elapsed, compressed) = best_of(rounds, || {
            let mut encoder = flate2::write::DeflateEncoder::new(
                Vec::new(),
                flate2::Compression::new(COMPRESSION_LEVEL as u32),
            );
            encoder.write_all(&bytes).expect("writing to memory");
            encoder.finish().expect("writing to memory").len()
        });
        eprintln!("deflate: {} bytes to {compressed}", bytes.len());
        report("deflate", bytes.len(), records_in_file, elapsed);
    }
}
