//! A compact hash index for the checks that compare each lead with every earlier one (IDs,
//! emails, phones).
//!
//! On files of millions of leads these lookups dominate a check: each one lands somewhere
//! random in a table far larger than the processor's caches. This index keeps each entry in
//! one 8-byte slot (a 32-bit tag of the key's hash and a 32-bit value), so a lookup touches a
//! single cache line, and it can be told ahead of time which slot a later lookup will touch
//! ([`KeyIndex::prefetch`]), so the memory is on its way while earlier leads are checked.
//! The standard library's hash table (hashbrown) keeps its control bytes apart from its entries,
//! so a lookup touches two places, and it has no way to prefetch; no well-kept crate offers a
//! table with both, which is why this small one is written here.

/// An open-addressing table (linear probing) from 64-bit key hashes to 32-bit values.
///
/// Several keys may share a hash; [`KeyIndex::find_or_insert`] tells them apart with the
/// caller's comparison, so the index is exact whatever the hash function does.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    /// Any number of slots (not only powers of two), so that a table sized for the leads a
    /// file is expected to hold takes no more memory than it needs: on a 1 GB file a table
    /// rounded up to a power of two could take nearly twice as much.
    slots: Vec<Slot>,
    len: usize,
}

/// One entry: the upper half of its key's hash in the lower 32 bits, never 0 (0 marks an empty
/// slot), and its value in the upper 32.
type Slot = u64;

fn slot(tag: u32, value: u32) -> Slot {
    u64::from(tag) | (u64::from(value) << 32)
}

fn tag(slot: Slot) -> u32 {
    slot as u32
}

fn value(slot: Slot) -> u32 {
    (slot >> 32) as u32
}

/// A multiplier that spreads a hash's bits (the golden ratio in fixed point).
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;
/// The smallest table, in slots.
const MIN_SLOTS: usize = 16;
/// The largest table, in slots: a slot is chosen by multiplying 32 bits of the hash by the
/// number of slots.
const MAX_SLOTS: usize = (u32::MAX as usize).saturating_add(1);

fn tag_of(hash: u64) -> u32 {
    ((hash >> 32) as u32).max(1)
}

impl KeyIndex {
    /// Makes room for `additional` more values without growing step by step; `hash_of` gives
    /// back the hash of a stored value (the index keeps only part of it).
    pub fn reserve(&mut self, additional: usize, hash_of: impl Fn(u32) -> u64) {
        let wanted = self.len.saturating_add(additional);
        if wanted.saturating_mul(4) > self.slots.len().saturating_mul(3) {
            self.resize(wanted, hash_of);
        }
    }

    fn home(&self, hash: u64) -> usize {
        // 32 well-mixed bits of the hash, scaled to the number of slots.
        (((hash.wrapping_mul(SPREAD) >> 32) * self.slots.len() as u64) >> 32) as usize
    }

    /// Asks the processor to fetch the slot where `hash` would be looked up: a hint only.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if self.slots.is_empty() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            let slot: *const Slot = &self.slots[self.home(hash)];
            // SAFETY: a prefetch is only a hint; it never faults and reads nothing into the
            // program, and the pointer is to an element of `slots`.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    slot.cast::<i8>(),
                );
            }
        }
        // WebAssembly has no prefetch instruction: a plain read of the slot brings it into the
        // cache just the same. Nothing waits for the read, so the processor goes on with the
        // work in between (the reads of several slots overlap); it is volatile so that neither
        // the compiler nor the browser drops a read whose value is not used.
        #[cfg(not(target_arch = "x86_64"))]
        {
            let slot: *const Slot = &self.slots[self.home(hash)];
            // SAFETY: the pointer is to an element of `slots`, aligned and initialised.
            unsafe {
                std::ptr::read_volatile(slot);
            }
        }
    }

    /// The value of the first entry with `hash` for which `same` is true.
    pub fn find(&self, hash: u64, same: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(hash, same).ok()
    }

    /// The value of the first entry with `hash` for which `same` is true; if there is none,
    /// stores `value` under `hash` and returns `None`. `hash_of` is as for [`KeyIndex::reserve`].
    pub fn find_or_insert(
        &mut self,
        hash: u64,
        same: impl FnMut(u32) -> bool,
        value: u32,
        hash_of: impl Fn(u32) -> u64,
    ) -> Option<u32> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize(self.len + 1, hash_of);
        }
        match self.probe(hash, same) {
            Ok(found) => Some(found),
            Err(empty) => {
                self.slots[empty] = slot(tag_of(hash), value);
                self.len += 1;
                None
            }
        }
    }

    /// Walks the slots from `hash`'s home: the value of the first entry with its tag for which
    /// `same` is true, or else the first empty slot. The table must have one.
    fn probe(&self, hash: u64, mut same: impl FnMut(u32) -> bool) -> Result<u32, usize> {
        let wanted = tag_of(hash);
        let mut at = self.home(hash);
        loop {
            let found = self.slots[at];
            if found == 0 {
                return Err(at);
            }
            if tag(found) == wanted && same(value(found)) {
                return Ok(value(found));
            }
            at = self.next(at);
        }
    }

    /// Stores `value` under `hash`, beside any entries already there.
    pub fn insert(&mut self, hash: u64, value: u32, hash_of: impl Fn(u32) -> u64) {
        self.find_or_insert(hash, |_| false, value, hash_of);
    }

    /// The slot after `at`, the first after the last.
    #[inline]
    fn next(&self, at: usize) -> usize {
        if at + 1 == self.slots.len() {
            0
        } else {
            at + 1
        }
    }

    /// Grows to hold `len` values at most three quarters full (when growing one value at a time,
    /// at least twice the old size), placing every entry again from its hash.
    fn resize(&mut self, len: usize, hash_of: impl Fn(u32) -> u64) {
        let wanted = len.saturating_mul(4) / 3 + 1;
        let slots = if self.slots.is_empty() || wanted > self.slots.len() * 2 {
            wanted
        } else {
            self.slots.len() * 2
        }
        .clamp(MIN_SLOTS, MAX_SLOTS);
        // Every slot is written now: a lookup that lands on memory never written would wait
        // for the system to hand it over, and the hint of [`KeyIndex::prefetch`] cannot ask for
        // it ahead. (`vec![0; slots]` would take memory the system zeroes on first use.)
        #[allow(clippy::slow_vector_initialization)]
        let mut fresh = Vec::with_capacity(slots);
        crate::fast::pages::prefer_large_pages(&mut fresh);
        fresh.resize(slots, 0);
        let old = std::mem::replace(&mut self.slots, fresh);
        for entry in old.into_iter().filter(|&entry| entry != 0) {
            let mut at = self.home(hash_of(value(entry)));
            while self.slots[at] != 0 {
                at = self.next(at);
            }
            self.slots[at] = entry;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes that collide in their upper half and in their slot, to exercise probing.
    fn hashes() -> Vec<u64> {
        (0..5000u64)
            .map(|i| {
                if i % 7 == 0 {
                    0xABCD_0000_0000_0000 | i
                } else {
                    i.wrapping_mul(0x2545_F491_4F6C_DD1D)
                }
            })
            .collect()
    }

    #[test]
    fn finds_what_it_stored_and_nothing_else() {
        let hashes = hashes();
        let mut index = KeyIndex::default();
        for (value, &hash) in hashes.iter().enumerate() {
            let value = value as u32;
            let found = index.find_or_insert(
                hash,
                |other| hashes[other as usize] == hash,
                value,
                |v| hashes[v as usize],
            );
            assert_eq!(found, None, "{hash:x} is new");
        }
        assert_eq!(index.len, hashes.len());
        for (value, &hash) in hashes.iter().enumerate() {
            assert_eq!(
                index.find(hash, |other| hashes[other as usize] == hash),
                Some(value as u32)
            );
            let again = index.find_or_insert(
                hash,
                |other| hashes[other as usize] == hash,
                u32::MAX,
                |v| hashes[v as usize],
            );
            assert_eq!(again, Some(value as u32));
        }
        assert_eq!(index.len, hashes.len());
        assert_eq!(index.find(0x1234_5678_9ABC_DEF1, |_| true), None);
    }

    #[test]
    fn a_reserved_table_is_sized_to_what_it_will_hold() {
        let hashes: Vec<u64> = (0..100_000u64)
            .map(|i| i.wrapping_mul(0x2545_F491_4F6C_DD1D))
            .collect();
        let mut index = KeyIndex::default();
        index.reserve(hashes.len(), |_| 0);
        // Three quarters full when every expected value is in, not rounded up to 131,072.
        assert_eq!(index.slots.len(), 133_334);
        for (value, &hash) in hashes.iter().enumerate() {
            index.insert(hash, value as u32, |v| hashes[v as usize]);
        }
        assert_eq!(index.slots.len(), 133_334, "it did not grow");
        // Probing wraps from the last slot to the first.
        assert!(index.slots[0] != 0 && index.slots[index.slots.len() - 1] != 0);
        for (value, &hash) in hashes.iter().enumerate() {
            assert_eq!(
                index.find(hash, |v| hashes[v as usize] == hash),
                Some(value as u32)
            );
        }
        // One more than expected: it grows, and still finds everything.
        index.insert(7, 100_000, |v| {
            if v == 100_000 { 7 } else { hashes[v as usize] }
        });
        assert_eq!(index.slots.len(), 266_668);
        assert_eq!(index.find(7, |v| v == 100_000), Some(100_000));
        assert_eq!(index.find(hashes[5], |v| v == 5), Some(5));
    }

    #[test]
    fn keys_with_one_hash_are_told_apart_by_the_comparison() {
        let mut index = KeyIndex::default();
        let names = ["L1", "L2", "L3"];
        for (value, _) in names.iter().enumerate() {
            // Every name under the same hash: only the comparison separates them.
            let found = index.find_or_insert(
                42,
                |other| names[other as usize] == names[value],
                value as u32,
                |_| 42,
            );
            assert_eq!(found, None);
        }
        for (value, name) in names.iter().enumerate() {
            assert_eq!(
                index.find(42, |other| names[other as usize] == *name),
                Some(value as u32)
            );
        }
    }

    #[test]
    fn reserving_first_or_growing_gives_the_same_answers() {
        let hashes = hashes();
        let mut reserved = KeyIndex::default();
        reserved.reserve(hashes.len(), |v| hashes[v as usize]);
        let slots = reserved.slots.len();
        let mut grown = KeyIndex::default();
        for (value, &hash) in hashes.iter().enumerate() {
            reserved.insert(hash, value as u32, |v| hashes[v as usize]);
            grown.insert(hash, value as u32, |v| hashes[v as usize]);
        }
        assert_eq!(reserved.slots.len(), slots, "no growth after reserving");
        for &hash in &hashes {
            let same = |other: u32| hashes[other as usize] == hash;
            assert_eq!(reserved.find(hash, same), grown.find(hash, same));
        }
    }
}
