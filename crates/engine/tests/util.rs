//! Helpers shared by the engine's tests.

use std::ops::Range;

use leadpack_generate::{GeneratorOptions, Header};
use proptest::prelude::*;
use proptest::sample::select;

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
