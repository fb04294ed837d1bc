//! Checking: a whole file read chunk by chunk into a report. The file checker and its options,
//! findings and the report, the rules for one lead, the comparisons in file order (duplicate IDs
//! and leads, within a file and across the files of one import), and the screening of records on other threads or another worker.
//!
//! It may use [`crate::lead`], [`crate::text`] and [`crate::fast`], never the packages.

pub(crate) mod compare;
pub(crate) mod file;
pub(crate) mod finding;
pub(crate) mod findings;
pub(crate) mod import;
pub(crate) mod options;
pub(crate) mod pass;
pub(crate) mod replay;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod screening;
pub(crate) mod seen;
pub(crate) mod sink;
pub(crate) mod strays;
