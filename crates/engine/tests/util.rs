//! Helpers shared by the engine's tests.

use std::ops::Range;

use std::sync::Arc;

use leadpack_engine::{
    BuildError, Built, CheckOptions, Edits, FileReport, PackError, PackJob, PackOutcome, ReadError,
    ReadOptions, Template, check_bytes,
};
use leadpack_generate::{GeneratedSummary, GeneratorOptions, Header, generate};
use proptest::prelude::*;
use proptest::sample::select;

/// The name the tests give a file.
pub const NAME: &str = "leads.csv";

/// The chunk size the command-line tool reads files in.
pub const CHUNK: usize = 1 << 20;

/// The delimiters Leadpack recognises.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Generated lead files: any seed, `rows` records, up to `max_defect_rate` of them defective,
/// any delimiter, line end and header spelling.
pub fn generator_options(
    rows: Range<u64>,
    max_defect_rate: f64,
) -> impl Strategy<Value = GeneratorOptions> {
    (
        any::<u64>(),
        rows,
        0.0..max_defect_rate,
        select(DELIMITERS.to_vec()),
        any::<bool>(),
        select(Header::ALL.to_vec()),
    )
        .prop_map(
            |(seed, rows, defect_rate, delimiter, crlf, header)| GeneratorOptions {
                rows,
                seed,
                delimiter,
                crlf,
                defect_rate,
                header,
            },
        )
}

/// The file the generator writes for `options`, and what it says it wrote.
pub fn generate_file(options: &GeneratorOptions) -> (Vec<u8>, GeneratedSummary) {
    let mut bytes = Vec::new();
    let summary = generate(options, &mut bytes).expect("the generator writes to memory");
    (bytes, summary)
}

/// `text` checked as [`NAME`]; the file must be readable.
pub fn check(text: &str) -> FileReport {
    check_with(text, CheckOptions::default())
}

/// `text` checked as [`NAME`] with `options`; the file must be readable.
pub fn check_with(text: &str, options: CheckOptions) -> FileReport {
    check_bytes(NAME, text.as_bytes(), options).expect("the file is readable")
}

/// The pack pass, as every build runs it ([`PackJob`]): `bytes` fed in pieces of `chunk` for the
/// file `name`, following `template`, read as `read`, reusing the findings of `earlier` (a check
/// of the same bytes) when given. The report, and what the packer finished with; when packing
/// failed, the report is that of a check with the same options (the pack pass stops at its
/// first failure).
pub fn pack_pass(
    name: &str,
    bytes: &[u8],
    chunk: usize,
    template: &Template,
    read: ReadOptions,
    earlier: Option<FileReport>,
) -> Result<(FileReport, Result<PackOutcome, PackError>), ReadError> {
    let mut job = PackJob::new(name, template).read_as(read);
    if let Some(earlier) = earlier {
        job = job.reusing(Arc::new(earlier));
    }
    let built = bytes
        .chunks(chunk)
        .try_for_each(|piece| job.feed(piece))
        .and_then(|()| job.finish());
    match built {
        Ok(Built { report, outcome }) => Ok((report, Ok(outcome))),
        Err(BuildError::Read(error)) => Err(error),
        Err(BuildError::Pack(error)) => {
            let options = CheckOptions::for_build(template, read, Edits::default());
            Ok((check_bytes(name, bytes, options)?, Err(error)))
        }
    }
}
