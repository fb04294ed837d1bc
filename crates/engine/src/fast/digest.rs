//! A fingerprint of a file's bytes, however they are chunked: two passes over the same file
//! can tell whether they read the same bytes.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;

/// The bytes are hashed in blocks of this size, each chained to the ones before, so the
/// fingerprint does not depend on where the chunks end.
const BLOCK: usize = 64 << 10;
/// A fixed seed: a fingerprint is compared only with one made by the same program.
const SEED: u64 = 0x6c65_6164_7061_636b;

/// A 64-bit fingerprint of a stream of bytes (foldhash, which hashes long inputs at several
/// gigabytes a second, in the browser too). Not a cryptographic hash: it tells an accidental
/// change, such as a file saved again, from the same bytes.
#[derive(Debug, Clone, Default)]
pub struct ByteDigest {
    /// The bytes of a block not yet complete.
    pending: Vec<u8>,
    /// The chain of the blocks so far.
    chain: u64,
    /// How many bytes in all.
    length: u64,
}

impl ByteDigest {
    /// Adds the next bytes.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.length += bytes.len() as u64;
        if !self.pending.is_empty() {
            let wanted = (BLOCK - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..wanted]);
            bytes = &bytes[wanted..];
            if self.pending.len() < BLOCK {
                return;
            }
            self.chain = link(self.chain, &self.pending);
            self.pending.clear();
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in blocks.by_ref() {
            self.chain = link(self.chain, block);
        }
        self.pending.extend_from_slice(blocks.remainder());
    }

    /// The fingerprint of every byte added.
    pub fn finish(&self) -> u64 {
        let mut hasher = FixedState::with_seed(SEED).build_hasher();
        hasher.write_u64(self.chain);
        hasher.write(&self.pending);
        hasher.write_u64(self.length);
        hasher.finish()
    }
}

fn link(chain: u64, block: &[u8]) -> u64 {
    let mut hasher = FixedState::with_seed(SEED).build_hasher();
    hasher.write_u64(chain);
    hasher.write(block);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_in(bytes: &[u8], sizes: &[usize]) -> u64 {
        let mut digest = ByteDigest::default();
        let mut rest = bytes;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, after) = rest.split_at(size.min(rest.len()));
            digest.update(chunk);
            rest = after;
        }
        digest.finish()
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn chunking_does_not_change_the_fingerprint() {
        let bytes = sample(3 * BLOCK + 1234);
        let whole = digest_in(&bytes, &[bytes.len()]);
        for sizes in [
            &[1][..],
            &[7, 3, 65_536],
            &[BLOCK],
            &[BLOCK - 1, 2],
            &[1 << 20],
            &[100_000, 13],
        ] {
            assert_eq!(digest_in(&bytes, sizes), whole, "{sizes:?}");
        }
    }

    #[test]
    fn any_changed_byte_changes_the_fingerprint() {
        let mut bytes = sample(2 * BLOCK + 10);
        let original = digest_in(&bytes, &[4096]);
        for at in [0, 1, BLOCK - 1, BLOCK, BLOCK + 5, 2 * BLOCK + 9] {
            bytes[at] ^= 0x20;
            assert_ne!(digest_in(&bytes, &[4096]), original, "byte {at}");
            bytes[at] ^= 0x20;
        }
        // Bytes moved between blocks, or one more zero byte at the end.
        let mut moved = bytes.clone();
        moved.swap(10, BLOCK + 10);
        assert_ne!(digest_in(&moved, &[4096]), original);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_ne!(digest_in(&longer, &[4096]), original);
        assert_ne!(
            digest_in(&[], &[1]),
            digest_in(&[0], &[1]),
            "an empty file and a NUL byte"
        );
    }
}
