//! Text read eight bytes at a time, as one 64-bit number, for the case-folded hashes that the
//! duplicate checks compare names and emails by.

/// Calls `each` with `bytes` as words of eight bytes (the first byte in the lowest bits). When
/// the length is not a multiple of eight, the last word is the last eight bytes, which overlap
/// the word before; a value of fewer than eight bytes is one word made up with zeros. An empty
/// value is no word.
///
/// The same bytes always give the same words, and every byte is in one at least: what a hash
/// needs. The short value is put together from overlapping loads of four or one bytes rather
/// than copied into an array (the processor would wait for the copy to land) or read a byte at
/// a time (it would guess wrong at each length's branch).
#[inline(always)]
pub fn each_word(bytes: &[u8], mut each: impl FnMut(u64)) {
    let n = bytes.len();
    if n < 8 {
        if n > 0 {
            each(short_word(bytes));
        }
        return;
    }
    let whole = n / 8 * 8;
    for at in (0..whole).step_by(8) {
        each(word_at(bytes, at));
    }
    if whole < n {
        each(word_at(bytes, n - 8));
    }
}

/// The eight bytes from `at` (there must be eight).
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// One to seven bytes as one word, made up with zeros.
#[inline(always)]
fn short_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    debug_assert!((1..8).contains(&n));
    if n >= 4 {
        // Bytes 0–3, and bytes n-4 to n-1 moved to their place: where they overlap, the two
        // hold the same bytes.
        let four = |at: usize| {
            u64::from(u32::from_le_bytes([
                bytes[at],
                bytes[at + 1],
                bytes[at + 2],
                bytes[at + 3],
            ]))
        };
        four(0) | (four(n - 4) << (8 * (n - 4)))
    } else {
        // Bytes 0, n/2 and n-1 in their places: with n at most 3, that is every byte.
        let one = |at: usize| u64::from(bytes[at]) << (8 * at);
        one(0) | one(n / 2) | one(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_gives_every_byte_in_its_place() {
        let text: Vec<u8> = (1..=40).collect();
        for len in 0..=text.len() {
            let bytes = &text[..len];
            let mut got = Vec::new();
            each_word(bytes, |word| got.push(word));
            let word = |from: &[u8]| {
                let mut padded = [0; 8];
                padded[..from.len()].copy_from_slice(from);
                u64::from_le_bytes(padded)
            };
            let mut wanted: Vec<u64> = bytes.chunks_exact(8).map(word).collect();
            if len % 8 != 0 {
                wanted.push(word(&bytes[len.saturating_sub(8)..]));
            }
            assert_eq!(got, wanted, "{len} bytes");
        }
    }
}
