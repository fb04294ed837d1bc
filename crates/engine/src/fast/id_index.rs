//! Every ID of a file with the row it was first seen on, for the duplicate-ID check: the IDs'
//! text in one arena, found through the compact hash index.

use crate::fast::hash::hash_id;
use crate::fast::index::KeyIndex;
use crate::fast::pages::prefer_large_pages;

/// Every ID seen so far with the row it was first seen on. The IDs' text lives in one arena
/// rather than one allocation each, which matters on files of millions of rows; each ID ends
/// where the next begins.
#[derive(Clone, Default)]
pub(crate) struct IdIndex {
    arena: String,
    entries: Vec<IdEntry>,
    index: KeyIndex,
}

#[derive(Clone, Copy)]
pub(crate) struct IdEntry {
    start: usize,
    row: u64,
}

/// The text of the ID at `index` in `arena`: it ends where the next one begins.
fn id_at<'a>(arena: &'a str, entries: &[IdEntry], index: u32) -> &'a str {
    let index = index as usize;
    let end = entries
        .get(index + 1)
        .map_or(arena.len(), |next| next.start);
    entries
        .get(index)
        .and_then(|entry| arena.get(entry.start..end))
        .unwrap_or_default()
}

impl IdIndex {
    /// Makes room for about `records` more IDs.
    pub(crate) fn reserve(&mut self, records: usize) {
        let (arena, entries) = (&self.arena, &self.entries);
        self.index
            .reserve(records, |at| hash_id(id_at(arena, entries, at)));
        self.entries.reserve(records);
        prefer_large_pages(&mut self.entries);
        self.arena.reserve(records * 8);
    }

    /// Asks for the memory that looking `hash` up will read (a hint).
    pub(crate) fn prefetch(&self, hash: u64) {
        self.index.prefetch(hash);
    }

    /// The row `id` (whose hash is `hash`) was first seen on, if it was seen.
    pub(crate) fn first_row(&self, id: &str, hash: u64) -> Option<u64> {
        let (arena, entries) = (&self.arena, &self.entries);
        let at = self
            .index
            .find(hash, |at| id_at(arena, entries, at) == id)?;
        entries.get(at as usize).map(|entry| entry.row)
    }

    /// Every ID with the row it was first seen on, in the order they were first seen.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        (0..self.entries.len()).map(|at| {
            let at32 = u32::try_from(at).unwrap_or(u32::MAX);
            (
                id_at(&self.arena, &self.entries, at32),
                self.entries[at].row,
            )
        })
    }

    /// The row `id` (whose hash is `hash`) was first seen on; if it is new, remembers it on
    /// `row` and returns `None`.
    pub(crate) fn first_row_or_insert(&mut self, id: &str, hash: u64, row: u64) -> Option<u64> {
        // Past four billion IDs, later ones are not compared.
        let next = u32::try_from(self.entries.len()).ok()?;
        let (arena, entries) = (&self.arena, &self.entries);
        let found = self.index.find_or_insert(
            hash,
            |at| id_at(arena, entries, at) == id,
            next,
            |at| hash_id(id_at(arena, entries, at)),
        );
        if let Some(at) = found {
            return Some(self.entries[at as usize].row);
        }
        self.entries.push(IdEntry {
            start: self.arena.len(),
            row,
        });
        self.arena.push_str(id);
        None
    }
}
