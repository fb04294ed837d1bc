//! One import of several files: the leads of the files checked so far, so that the IDs and
//! leads of each next file are compared with theirs as well as with its own.

use std::sync::{Arc, Mutex, PoisonError};

use crate::check::seen::Seen;

/// A place in an import: the file (counted from 0) above these bits, its row below.
const ROW_BITS: u32 = 40;

/// The files of one import checked so far: every ID with the file and row it was first used
/// on, and the first lead with each email and each phone. Check the files one after the other
/// with the same `Import` ([`FileChecker::in_import`](crate::FileChecker::in_import)): an ID or
/// a lead of a later file that is already in an earlier one is reported with that file and
/// row. A file is added once its check has ended well; a file that could not be read is not
/// part of the import.
///
/// Cloning gives another handle on the same import.
#[derive(Clone, Default)]
pub struct Import {
    shared: Arc<Mutex<Arc<EarlierFiles>>>,
}

/// What an import holds of the files checked so far.
#[derive(Clone, Default)]
pub(crate) struct EarlierFiles {
    /// Their leads, each row a place ([`ROW_BITS`]).
    seen: Seen,
    /// Their names, in order.
    names: Vec<String>,
}

impl EarlierFiles {
    /// The leads of the earlier files.
    pub(crate) fn seen(&self) -> &Seen {
        &self.seen
    }

    /// The file and the row of a place in [`EarlierFiles::seen`].
    pub(crate) fn locate(&self, place: u64) -> (&str, u64) {
        let file = usize::try_from(place >> ROW_BITS).unwrap_or(usize::MAX);
        let name = self.names.get(file).map_or("", String::as_str);
        (name, place & ((1 << ROW_BITS) - 1))
    }

    /// Whether no file was added yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

impl Import {
    /// An import with no file yet.
    pub fn new() -> Self {
        Import::default()
    }

    /// The names of the files in the import so far, in the order they were checked.
    pub fn files(&self) -> Vec<String> {
        self.lock().names.clone()
    }

    /// What the import holds now (files added later are not in it).
    pub(crate) fn earlier(&self) -> Arc<EarlierFiles> {
        Arc::clone(&self.lock())
    }

    /// Adds the file `name`, whose check saw `seen`.
    pub(crate) fn add(&self, name: &str, seen: &Seen) {
        let mut earlier = self.lock();
        let files = Arc::make_mut(&mut earlier);
        let file = files.names.len() as u64;
        files.seen.absorb(seen, |row| (file << ROW_BITS) | row);
        files.names.push(name.to_string());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Arc<EarlierFiles>> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import")
            .field("files", &self.files())
            .finish()
    }
}
