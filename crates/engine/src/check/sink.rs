//! Where a check hands each record, with what it came to, for work that follows the check in
//! the same pass (building packages). A sink that cannot go on says so through its return value,
//! and the check stops there and hands the sink's error back.

use std::convert::Infallible;

use crate::check::finding::Finding;
use crate::check::rules::Verdict;
use crate::lead::mapping::ColumnMatch;
use crate::text::error::ReadError;
use crate::text::reader::Record;

/// Receives every record with what the checker found, in file order. An `Err` stops the check:
/// the checker reads no further and returns the error as [`CheckError::Sink`].
pub trait RowSink {
    /// Why the sink cannot go on ([`Infallible`] for a sink that always can).
    type Error;

    /// The header row, and what each of its columns is matched to.
    fn header(
        &mut self,
        _header: &Record<'_>,
        _columns: &[ColumnMatch],
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    /// One record, what it came to, and its findings.
    fn record(
        &mut self,
        record: &Record<'_>,
        verdict: Verdict,
        findings: &[Finding],
    ) -> Result<(), Self::Error>;
}

/// A sink that ignores everything: a plain check.
pub struct NoSink;

impl RowSink for NoSink {
    type Error = Infallible;

    fn record(&mut self, _: &Record<'_>, _: Verdict, _: &[Finding]) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Why a check with a sink stopped: the file cannot be read, or the sink could not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError<E> {
    /// The file cannot be read.
    Read(ReadError),
    /// The sink could not go on.
    Sink(E),
}

impl<E> From<ReadError> for CheckError<E> {
    fn from(error: ReadError) -> Self {
        CheckError::Read(error)
    }
}

impl From<CheckError<Infallible>> for ReadError {
    fn from(error: CheckError<Infallible>) -> Self {
        match error {
            CheckError::Read(error) => error,
            CheckError::Sink(never) => match never {},
        }
    }
}

impl<E: std::fmt::Display> std::fmt::Display for CheckError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Read(error) => error.fmt(f),
            CheckError::Sink(error) => error.fmt(f),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for CheckError<E> {}
