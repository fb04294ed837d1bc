//! The leads a check has seen: every ID with the row it was first seen on, and the first lead
//! with each email and with each phone. The check of a file keeps its own; an import keeps
//! those of the files checked before ([`crate::check::import`]).

use crate::check::rules::{Fingerprint, Keys};
use crate::fast::hash::hash_id;
use crate::fast::id_index::IdIndex;
use crate::fast::index::KeyIndex;
use crate::fast::pages::prefer_large_pages;

/// IDs and leads seen, with where they were seen.
#[derive(Clone, Default)]
pub(crate) struct Seen {
    ids: IdIndex,
    /// The first lead with each email and each phone; the indexes point into it.
    prints: Vec<Fingerprint>,
    by_email: KeyIndex,
    by_phone: KeyIndex,
}

impl Seen {
    /// Makes room for about `records` more leads, so the indexes do not grow step by step.
    pub(crate) fn reserve(&mut self, records: usize) {
        self.ids.reserve(records);
        let prints = &self.prints;
        self.by_email
            .reserve(records, |index| prints[index as usize].email);
        self.by_phone
            .reserve(records, |index| prints[index as usize].phone);
        self.prints.reserve(records);
        prefer_large_pages(&mut self.prints);
    }

    /// Asks for the memory that looking up a record with these keys will read (a hint).
    pub(crate) fn prefetch(&self, keys: &Keys) {
        if keys.id != 0 {
            self.ids.prefetch(keys.id);
        }
        if keys.print.email != 0 {
            self.by_email.prefetch(keys.print.email);
        }
        if keys.print.phone != 0 {
            self.by_phone.prefetch(keys.print.phone);
        }
    }

    /// The row `id` (whose hash is `hash`) was first seen on; if it is new, remembers it on
    /// `row` and returns `None`.
    pub(crate) fn id_row_or_insert(&mut self, id: &str, hash: u64, row: u64) -> Option<u64> {
        self.ids.first_row_or_insert(id, hash, row)
    }

    /// The row `id` (whose hash is `hash`) was first seen on, if it was seen.
    pub(crate) fn id_row(&self, id: &str, hash: u64) -> Option<u64> {
        self.ids.first_row(id, hash)
    }

    /// The first lead seen with the email whose key is `email` (not 0).
    pub(crate) fn with_email(&self, email: u64) -> Option<&Fingerprint> {
        let prints = &self.prints;
        let at = self
            .by_email
            .find(email, |i| prints[i as usize].email == email)?;
        prints.get(at as usize)
    }

    /// The first lead seen with the phone whose key is `phone` (not 0).
    pub(crate) fn with_phone(&self, phone: u64) -> Option<&Fingerprint> {
        let prints = &self.prints;
        let at = self
            .by_phone
            .find(phone, |i| prints[i as usize].phone == phone)?;
        prints.get(at as usize)
    }

    /// Remembers `print` as the first lead with its email (when `email`) and with its phone
    /// (when `phone`).
    pub(crate) fn remember(&mut self, print: Fingerprint, email: bool, phone: bool) {
        if !email && !phone {
            return;
        }
        let Ok(index) = u32::try_from(self.prints.len()) else {
            // Past four billion leads, later ones are not compared.
            return;
        };
        self.prints.push(print);
        let prints = &self.prints;
        if email {
            self.by_email
                .insert(print.email, index, |i| prints[i as usize].email);
        }
        if phone {
            self.by_phone
                .insert(print.phone, index, |i| prints[i as usize].phone);
        }
    }

    /// Adds what `later` saw (the leads of a file checked after those already here), each row
    /// becoming `place(row)`. What was seen here first stays as it is.
    pub(crate) fn absorb(&mut self, later: &Seen, place: impl Fn(u64) -> u64) {
        for (id, row) in later.ids.iter() {
            self.ids.first_row_or_insert(id, hash_id(id), place(row));
        }
        for print in &later.prints {
            let email = print.email != 0 && self.with_email(print.email).is_none();
            let phone = print.phone != 0 && self.with_phone(print.phone).is_none();
            let placed = Fingerprint {
                row: place(print.row),
                ..*print
            };
            self.remember(placed, email, phone);
        }
    }
}
