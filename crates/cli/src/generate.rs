//! `leadpack generate`: writes a realistic lead file for trying Leadpack out and for benchmarks.

use std::fs::File;
use std::io::BufWriter;

use leadpack_engine::{format_size, parse_delimiter};
use leadpack_generate::{GeneratorOptions, Header, generate};

use super::input::describe;
use super::{EXIT_OK, EXIT_UNUSABLE, GenerateArgs, HeaderChoice};

pub fn run(args: GenerateArgs) -> i32 {
    let Some(delimiter) = parse_delimiter(&args.delimiter) else {
        eprintln!(
            "leadpack: “{}” cannot be a delimiter; use , ; | or tab",
            args.delimiter
        );
        return EXIT_UNUSABLE;
    };
    if !(0.0..=1.0).contains(&args.defect_rate) {
        eprintln!("leadpack: --defect-rate must be between 0 and 1, for example 0.05 for 5%");
        return EXIT_UNUSABLE;
    }
    let options = GeneratorOptions {
        rows: args.rows,
        seed: args.seed,
        delimiter,
        crlf: !args.lf,
        defect_rate: args.defect_rate,
        header: match args.header {
            HeaderChoice::Documented => Header::Documented,
            HeaderChoice::Nexj => Header::NexjExample,
            HeaderChoice::Export => Header::Export,
        },
    };
    let file = match File::create(&args.out) {
        Ok(file) => file,
        Err(err) => {
            eprintln!(
                "leadpack: cannot create {}: {}",
                args.out.display(),
                describe(&err)
            );
            return EXIT_UNUSABLE;
        }
    };
    match generate(&options, BufWriter::with_capacity(1 << 20, file)) {
        Ok(summary) => {
            say!(
                "Wrote {} leads ({}) to {}; {} with errors.",
                summary.rows,
                format_size(summary.bytes),
                args.out.display(),
                summary.rows_with_errors
            );
            EXIT_OK
        }
        Err(err) => {
            eprintln!(
                "leadpack: cannot write {}: {}",
                args.out.display(),
                describe(&err)
            );
            EXIT_UNUSABLE
        }
    }
}
