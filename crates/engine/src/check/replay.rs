//! Reusing an earlier check of the same bytes: its findings are taken, record by record,
//! instead of applying the rules again, and it is kept only if the records came to the same.

use std::sync::Arc;

use crate::check::finding::Finding;
use crate::check::findings::Cursor;
use crate::check::report::{FileReport, Summary};

/// An earlier check of the same bytes whose findings are taken instead of applying the rules.
pub(crate) struct Replay {
    pub(crate) earlier: Arc<FileReport>,
    /// The first of its findings not yet taken.
    pub(crate) next: Cursor,
    /// The findings of the record last asked for.
    pub(crate) found: Vec<Finding>,
}

impl Replay {
    /// Replays `earlier` from its first finding.
    pub(crate) fn new(earlier: Arc<FileReport>) -> Self {
        Replay {
            earlier,
            next: Cursor::default(),
            found: Vec::new(),
        }
    }

    /// The findings of the record on `row`; `None` when the earlier check found something on a
    /// row before it that is neither the header nor a record of this pass (the file changed).
    pub(crate) fn findings(&mut self, row: u64, header_row: u64) -> Option<&[Finding]> {
        let issues = &self.earlier.issues;
        while let Some(earlier_row) = issues.row_at(&self.next)
            && earlier_row < row
        {
            if earlier_row != header_row {
                return None;
            }
            issues.read(&mut self.next, false);
        }
        self.found.clear();
        while issues.row_at(&self.next) == Some(row) {
            self.found.extend(issues.read(&mut self.next, true));
        }
        Some(&self.found)
    }

    /// The earlier check, once every record is read: `None` unless the records came to what
    /// they came to in it and every finding was taken (some of the header's remain when the
    /// file has no record).
    pub(crate) fn finish(mut self, summary: &Summary, bytes: u64) -> Option<FileReport> {
        let earlier = &self.earlier;
        let mut rest_on_header = true;
        while let Some(row) = earlier.issues.row_at(&self.next) {
            rest_on_header &= row == earlier.header_row;
            earlier.issues.read(&mut self.next, false);
        }
        let same = earlier
            .basis
            .as_ref()
            .is_some_and(|basis| basis.bytes == bytes)
            && earlier.summary.records == summary.records
            && earlier.summary.ready == summary.ready
            && earlier.summary.with_errors == summary.with_errors
            && earlier.summary.with_warnings == summary.with_warnings
            && rest_on_header;
        if !same {
            return None;
        }
        Some(Arc::unwrap_or_clone(self.earlier))
    }
}
