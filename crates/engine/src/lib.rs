//! The Leadpack engine: everything Leadpack knows about lead files and NexJ CRM import packages,
//! as pure Rust over bytes. It never opens a file, never reads a clock and depends on no web or
//! command-line crate, so the same code serves the `leadpack` command-line tool, the web page
//! and its web worker.
//!
//! # Layers
//! Each folder is a layer, and a layer uses only the layers below it:
//!
//! ```text
//! package   packer, assembling ZIP archives, verifying, the package XML, reading packages back
//!    ↓
//! check     the file checker and its options, findings and reports, the rules, screening
//!    ↓
//! lead      schema, single-value checks, known values, column mapping, edits, templates
//!    ↓
//! text      decoding, dialects, records, output encodings, CSV writing, read errors
//!    ↓
//! fast      the speed machinery: hash index, word loads, large pages, digests, wire bytes
//! ```
//!
//! Every module is private; this page lists the whole public surface.
//!
//! # Example
//! ```
//! use leadpack_engine::{CheckOptions, Rule, check_bytes};
//!
//! let file = "ID,First Name,Last Name,Email Address\n\
//!             1,Ann,Lee,ann@example.com\n\
//!             2,,Ng,ng@example.com\n";
//! let report = check_bytes("leads.csv", file.as_bytes(), CheckOptions::default())?;
//! assert_eq!(report.summary.records, 2);
//! assert_eq!(report.summary.ready, 1);
//! // Findings are held compactly and put into words when read.
//! let first = report.issues.get(0).expect("one finding");
//! assert_eq!((first.row, first.rule), (3, Rule::MissingName));
//! assert!(first.message.contains("First Name is empty"));
//! # Ok::<(), leadpack_engine::ReadError>(())
//! ```

#![deny(missing_docs)]
#![deny(unsafe_code)]

mod check;
// The speed machinery holds every line of unsafe code, behind safe functions.
#[allow(unsafe_code)]
mod fast;
mod lead;
mod package;
mod text;

// Text: bytes to records and back.
pub use text::decode::{InvalidBytes, SNIFF_BYTES, TextDecoder, encoding_for_label};
pub use text::dialect::{delimiter_label, delimiter_name, parse_delimiter};
pub use text::encode::{OutputEncoding, Unrepresentable};
pub use text::error::{HEADER_LIMIT, ReadError, ReadErrorKind};
pub use text::length::{crm_cut, crm_length, crm_split};
pub use text::reader::{Record, RecordProblem, RecordReader};
pub use text::rows::{MARK_EVERY, RowLocator, RowMark, RowWindow, Wanted, WindowRow};
pub use text::rtf::{Rtf, is_rtf, rtf_to_plain};
pub use text::units::format_size;
#[cfg(feature = "workbooks")]
pub use text::workbook::{
    MAX_SHEET_TEXT, SheetChoice, SheetInfo, SheetText, WorkbookError, WorkbookKind, cell_name,
    read_sheet, workbook_kind, workbook_sheets,
};

// Leads: the schema, values, mappings, corrections and templates.
pub use lead::converters::{Unconverted, ValueType, check_time_zone};
pub use lead::dates::{
    DATE_FORMATS, DateFits, DateFormat, FormatError, FormatFit, Moment, TIMESTAMP_FORMATS,
    fitting_formats, looks_like_dates,
};
pub use lead::edits::{Change, Edits, Fix, Replacement};
pub use lead::mapping::{ColumnMatch, ExplicitMapping, MatchKind};
pub use lead::schema::{DEFAULT_CONCEPTS, DEFAULT_SEGMENTS, Field, value_key};
pub use lead::template::{
    AddressPart, ColumnPlan, DEFAULT_MAX_PACKAGE_BYTES, EVERY_COLUMN, PackOptions,
    REJECTED_PROBLEMS_COLUMN, REJECTED_ROW_COLUMN, TEMPLATE_VERSION, Target, Template,
    TextConverter, plan_columns,
};
pub use lead::templates::{FileTemplate, TemplateSet, Templates};
pub use lead::values::{KnownValues, ValueOutcome};

// Checking a file.
pub use check::file::{FileChecker, check_bytes, read_header};
pub use check::finding::{Finding, Rule, Severity};
pub use check::findings::{Findings, FindingsByRow, FindingsIter};
pub use check::import::Import;
pub use check::options::{CheckOptions, ReadOptions};
pub use check::report::{CheckBasis, ColumnReport, FileReport, Report, Summary};
pub use check::rules::{RecordScreen, Verdict};
pub use check::screening::{SCREENED_AHEAD, ScreenRequest, screen_wire};
pub use check::sink::{CheckError, NoSink, RowSink};

// Building and reading packages.
pub use package::assemble::{
    AssembledPart, Assembler, Assembling, Batched, COMPRESSION_LEVEL, PackError, PackageLayout,
    RowBatch,
};
pub use package::job::{BuildError, Built, PackJob, pack_bytes};
#[cfg(not(target_arch = "wasm32"))]
pub use package::on_thread::AssemblyThread;
pub use package::output::{OutputFile, OutputKind, PackOutcome, safe_stem};
pub use package::packer::Packer;
pub use package::reports::{changes_csv, findings_csv};
pub use package::together::pack_together;
pub use package::unpack::{
    MAX_UNPACKED_BYTES, PackageEntry, PackageReader, PackagedCsv, read_package,
};
pub use package::verify::{Verifying, compressed_entry_size};
pub use package::xml::xml_safe;
