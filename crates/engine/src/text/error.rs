//! The one error type of the engine: input it cannot read at all. Problems with single rows are
//! findings, not errors.

/// What made a file unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The file has no bytes at all.
    Empty,
    /// The file is a known binary format (spreadsheet, image, archive, …), not CSV text.
    Binary {
        /// What the file looks like, e.g. "an Excel workbook (.xlsx)".
        looks_like: &'static str,
        /// What to do instead, e.g. "save it as CSV".
        advice: &'static str,
    },
    /// The file contains NUL bytes, so it is not a text file in any encoding Leadpack reads.
    NulBytes {
        /// Byte offset of the first NUL byte.
        offset: u64,
    },
    /// The file has no header row (only blank lines, or only a byte order mark).
    NoHeader,
    /// A header row with no column names at all.
    BlankHeader,
    /// The header row does not end within [`HEADER_LIMIT`] bytes.
    HeaderTooLong,
    /// A quote opened in the header row runs on past its line, so later rows would be read as
    /// column names.
    HeaderQuote {
        /// The column (from 1) where the quote opens, when it is known.
        column: Option<usize>,
    },
    /// A header row and nothing below it: no lead to check or import.
    NoLeads,
    /// The caller asked for something that cannot be done (a bad mapping, an unknown encoding …).
    Invalid(String),
    /// Read again to build packages, the file is not the one its check read.
    Changed,
    /// Fed again after the work that followed the check stopped it.
    Stopped,
}

/// How long the header row (the column names) may be, in bytes of the file: far more than any
/// lead file needs (50,000 columns of twenty characters take about a megabyte), and little
/// enough that a file without line breaks is told apart quickly.
pub const HEADER_LIMIT: usize = 16_000_000;

/// Input the engine cannot read at all, with what went wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file concerned, as the user named it.
    pub file: String,
    /// What went wrong.
    pub kind: ReadErrorKind,
}

impl ReadError {
    /// An error about `file`.
    pub fn new(file: impl Into<String>, kind: ReadErrorKind) -> Self {
        ReadError {
            file: file.into(),
            kind,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = &self.file;
        match &self.kind {
            ReadErrorKind::Empty => write!(
                f,
                "{file} is empty: it has no header row and no leads. Choose the file that holds your leads."
            ),
            ReadErrorKind::Binary { looks_like, advice } => write!(
                f,
                "{file} is not a CSV file: it looks like {looks_like}. {advice}"
            ),
            ReadErrorKind::NulBytes { offset } => write!(
                f,
                "{file} is not a text file: it contains NUL bytes (the first at byte {offset}). \
                 Export the leads again as CSV (comma- or semicolon-separated text)."
            ),
            ReadErrorKind::NoHeader => write!(
                f,
                "{file} holds only blank lines: there is no header row and no leads. Choose the file that \
                 holds your leads."
            ),
            ReadErrorKind::BlankHeader => write!(
                f,
                "{file} has an empty first row: row 1 must hold the column names (First Name, Last Name, …)."
            ),
            ReadErrorKind::HeaderTooLong => write!(
                f,
                "{file}: row 1, which should hold the column names, runs on for more than {} \
                 without a line break. A lead file's first row holds a few dozen names. Check that \
                 this is the file of leads, saved as CSV with one row per line.",
                crate::text::units::format_size(HEADER_LIMIT as u64)
            ),
            ReadErrorKind::HeaderQuote { column } => {
                let place = column.map_or(String::new(), |column| format!(" in column {column}"));
                write!(
                    f,
                    "{file}: row 1, the column names, opens a quote (\"){place} that is not closed \
                     on that row, so the rows below would be read as one long column name and no \
                     lead would be found. Remove the stray quote from row 1, or close it, and save \
                     the file again."
                )
            }
            ReadErrorKind::NoLeads => write!(
                f,
                "{file} has column names in row 1 but no leads below them. Add the leads under the \
                 column names, or choose the file that holds them."
            ),
            ReadErrorKind::Invalid(message) => write!(f, "{file}: {message}"),
            ReadErrorKind::Changed => write!(
                f,
                "{file} changed after it was checked: its contents are not the ones the check read, so \
                 nothing was built from it. Check it again, and build again once nothing is changing it."
            ),
            ReadErrorKind::Stopped => write!(
                f,
                "{file}: Leadpack stopped reading it after an earlier problem, told before this one. \
                 Fix that problem, then start again."
            ),
        }
    }
}

impl std::error::Error for ReadError {}
