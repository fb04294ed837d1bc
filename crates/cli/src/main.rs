//! The `leadpack` command-line tool: parses arguments, reads files, calls the engine, prints,
//! and maps the outcome to an exit code (0 clean, 1 errors found, 2 unusable input or arguments).
//! It is glue: everything it knows about leads and packages comes from `leadpack-engine`.

/// Prints a line on standard output. A closed output (`leadpack … | head`) is not an error:
/// the run goes on, quietly, and ends as it would have.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod check;
mod generate;
mod input;
mod options;
mod output;
mod pack;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: everything is fine.
const EXIT_OK: i32 = 0;
/// Exit code: the files were read, and some leads have errors.
const EXIT_FINDINGS: i32 = 1;
/// Exit code: a file or an argument could not be used.
const EXIT_UNUSABLE: i32 = 2;

/// Checks lead files and builds NexJ CRM import packages, on this computer only.
#[derive(Debug, Parser)]
#[command(name = "leadpack", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check lead files against the CRM's rules and report what it would reject, cut or ignore.
    Check(CheckArgs),
    /// Check lead files and write NexJ CRM import packages (ZIP, under the size limit), plus the rows left out.
    Pack(PackArgs),
    /// Write a realistic lead file with a chosen share of defects (for trying Leadpack out and benchmarks).
    Generate(GenerateArgs),
}

/// How `check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A readable summary.
    Text,
    /// The full report as JSON (see docs/report-format.md).
    Json,
}

/// How to read lead files: shared by `check` and `pack`.
#[derive(Debug, clap::Args)]
struct ReadArgs {
    /// Read the files in this encoding instead of detecting it (utf-8, windows-1252, iso-8859-15, macintosh for Mac Roman, utf-16le, …).
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Split fields at this character instead of detecting it (`,` `;` `|` or `tab`).
    #[arg(long, value_name = "C")]
    delimiter: Option<String>,
    /// A template saved from Leadpack (or a JSON mapping of headers to lead fields) that
    /// replaces the automatic matching.
    #[arg(long, visible_alias = "template", value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// A market segment your firm added to the CRM (repeat for several).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// A sales concept your firm added to the CRM (repeat for several).
    #[arg(long = "concept", value_name = "NAME")]
    concepts: Vec<String>,
    /// Put an apostrophe before values a spreadsheet would run as formulas (=, +, -, @), so they stay text.
    #[arg(long)]
    neutralise_formulas: bool,
    /// How many processor cores to use (default: all). Fewer leave room for other work; the
    /// report and the packages are the same whatever the number.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    threads: Option<usize>,
    /// For a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods): the sheet to read, by its name or its
    /// number from 1 (default: the first sheet that holds values).
    #[arg(long, value_name = "NAME|NUMBER")]
    sheet: Option<String>,
}

impl ReadArgs {
    /// The sheet to read from workbooks.
    fn sheet(&self) -> leadpack_engine::SheetChoice {
        self.sheet
            .as_deref()
            .map(leadpack_engine::SheetChoice::parse)
            .unwrap_or_default()
    }
}

/// A number of cores: a whole number from 1 up.
fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "“{text}” is not a number of cores; use a whole number such as 1 or 4"
        )),
    }
}

/// A package size limit: a whole number of bytes, above zero.
fn parse_package_bytes(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "“{text}” is not a size in bytes; use a whole number above zero, such as 5000000 for 5 MB"
        )),
    }
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// How to print the report.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    read: ReadArgs,
    /// How many findings the text report lists per file (the JSON report has them all).
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: usize,
    /// Check the files as one import: an ID or a lead repeated in another file is reported
    /// with that file and row.
    #[arg(long)]
    together: bool,
    /// The lead files (CSV), or import packages (ZIP) to check again.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct PackArgs {
    #[command(flatten)]
    read: ReadArgs,
    /// The folder to write the packages into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The character set of the CSV files in the packages: utf-8 (default), windows-1252 or iso-8859-1.
    #[arg(long, value_name = "ENCODING")]
    output_encoding: Option<String>,
    /// Every package is smaller than this many bytes (default 10000000, the CRM's 10 MB).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_package_bytes)]
    max_package_bytes: Option<u64>,
    /// Put leads with errors into the packages too, instead of the rejected rows.
    #[arg(long)]
    include_invalid: bool,
    /// Keep values longer than the CRM's maximum as they are, instead of cutting them as the CRM would.
    #[arg(long)]
    keep_long_values: bool,
    /// Also write a simple lead CSV with the ten documented columns.
    #[arg(long)]
    simple_csv: bool,
    /// Replace characters the output encoding cannot hold with the nearest it holds: a letter
    /// without its accents, Ł as L, Cyrillic and Greek in Latin letters (`?` where nothing fits).
    #[arg(long)]
    replace_unrepresentable: bool,
    /// Also write every finding to a CSV report.
    #[arg(long)]
    findings: bool,
    /// Make one import of all the files: they are checked together (an ID or a lead repeated in
    /// another file is reported), and their packages hold several files each, as many as fit.
    #[arg(long)]
    together: bool,
    /// The name of the packages of an import made with --together (default: import).
    #[arg(long, value_name = "NAME", requires = "together")]
    name: Option<String>,
    /// The lead files (CSV).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// How many leads (records) to write.
    #[arg(long, default_value_t = 1000)]
    rows: u64,
    /// The random seed: the same seed writes the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The share of leads that carry one defect, from 0 to 1.
    #[arg(long, default_value_t = 0.05)]
    defect_rate: f64,
    /// The field delimiter (`,` `;` `|` or `tab`).
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// End lines with LF instead of CRLF.
    #[arg(long)]
    lf: bool,
    /// Which header spelling to write.
    #[arg(long, value_enum, default_value = "documented")]
    header: HeaderChoice,
    /// Where to write the file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Header spellings of generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HeaderChoice {
    /// The documented column titles.
    Documented,
    /// The spellings of NexJ's own example.
    Nexj,
    /// Unusual export spellings, semicolon-friendly.
    Export,
}

/// Runs the tool and returns the exit code.
fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_UNUSABLE
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Pack(args) => pack::run(args),
        Command::Generate(args) => generate::run(args),
    }
}

fn main() {
    std::process::exit(run());
}
