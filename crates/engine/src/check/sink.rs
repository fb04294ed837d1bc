//! Where a check hands each record, with what it came to, for work that follows the check in
//! the same pass (building packages).

use crate::check::finding::Finding;
use crate::check::rules::Verdict;
use crate::lead::mapping::ColumnMatch;
use crate::text::reader::Record;

/// Receives every record with what the checker found, for work that follows the check in the
/// same pass (building packages). Implementations keep their own errors.
pub trait RowSink {
    /// The header row, and what each of its columns is matched to.
    fn header(&mut self, _header: &Record<'_>, _columns: &[ColumnMatch]) {}

    /// One record, what it came to, and its findings.
    fn record(&mut self, record: &Record<'_>, verdict: Verdict, findings: &[Finding]);
}

/// A sink that ignores everything: a plain check.
pub struct NoSink;

impl RowSink for NoSink {
    fn record(&mut self, _: &Record<'_>, _: Verdict, _: &[Finding]) {}
}
