//! The hashes the comparing checks key leads by: 64 bits on every target, case folded where
//! names and emails are compared, digits only for phones.

use std::hash::{Hash, Hasher};

/// A new hasher for the keys the rules compare. It gives 64-bit hashes on every target: the
/// likely-duplicate check compares leads by these hashes alone, and the index keeps half of
/// each hash as a tag, so the web worker (a 32-bit target, where `FxHasher` gives 32-bit
/// hashes, and every tag came out the same) must have all 64 bits, well mixed, to find exactly
/// what the command line finds, as fast.
fn key_hasher() -> foldhash::fast::FoldHasher<'static> {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x4C45_4144_5041_434B).build_hasher()
}

pub(crate) fn hash_str(text: &str) -> u64 {
    let mut hasher = key_hasher();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A hash of `text` ignoring case; 0 for empty text.
pub(crate) fn hash_folded(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let mut hasher = key_hasher();
    let bytes = text.as_bytes();
    if bytes.is_ascii() {
        // Eight letters at a time, lowered in place.
        crate::fast::words::each_word(bytes, |word| {
            hasher.write_u64(ascii_lowercase_word(word));
        });
        hasher.write_usize(bytes.len());
    } else {
        for c in text.chars() {
            match c {
                // The common letters lowered directly: the general lowering looks each
                // character up in a table.
                _ if c.is_ascii() => hasher.write_u32(u32::from(c.to_ascii_lowercase())),
                'À'..='Þ' if c != '×' => hasher.write_u32(c as u32 + 0x20),
                // The rest of Latin-1 is lower case already, or has no case.
                '\u{80}'..='ÿ' => hasher.write_u32(c as u32),
                _ => {
                    for lower in c.to_lowercase() {
                        hasher.write_u32(lower as u32);
                    }
                }
            }
        }
    }
    // Never 0, which means "empty".
    hasher.finish() | 1
}

/// Eight ASCII bytes as one number (the first in the lowest bits), with `A`–`Z` lowered.
fn ascii_lowercase_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // For ASCII bytes: the high bit of each byte of `upper` is set where the byte is A to Z.
    let at_least_a = w + ONES * (0x80 - u64::from(b'A'));
    let past_z = w + ONES * (0x7F - u64::from(b'Z'));
    let upper = at_least_a & !past_z & (ONES * 0x80);
    w | (upper >> 2)
}

/// A hash of a phone number's digits (before any extension); 0 when it has fewer than
/// `min_digits`.
pub(crate) fn hash_phone(phone: &str, min_digits: usize) -> u64 {
    // The digits are gathered and hashed together, a piece at a time for very long values.
    let mut hasher = key_hasher();
    let mut piece = [0u8; 32];
    let (mut filled, mut digits) = (0, 0usize);
    for byte in phone.bytes() {
        if byte.is_ascii_digit() {
            if filled == piece.len() {
                hasher.write(&piece);
                filled = 0;
            }
            piece[filled] = byte;
            filled += 1;
            digits += 1;
        } else if byte.is_ascii_alphabetic() {
            break;
        }
    }
    if digits < min_digits {
        return 0;
    }
    hasher.write(&piece[..filled]);
    hasher.finish() | 1
}

/// The hash an ID is compared by (never 0, which means "no ID").
pub(crate) fn hash_id(id: &str) -> u64 {
    hash_str(id) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_use_all_64_bits() {
        // Distinct keys, distinct hashes, and the upper halves (the index's tags) as distinct:
        // on every target, the worker's included.
        let keys: Vec<String> = (0..100_000)
            .map(|i| format!("lead{i}@example.com"))
            .collect();
        let hashes: std::collections::HashSet<u64> = keys.iter().map(|k| hash_folded(k)).collect();
        let tags: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 32).collect();
        assert_eq!(hashes.len(), keys.len());
        assert!(tags.len() > keys.len() - 10, "{} distinct tags", tags.len());
        assert_ne!(hash_str("ab"), hash_str("ab\0"));
        assert_ne!(hash_str(""), hash_str("\0"));
    }

    /// Phones are compared by their digits before any extension, however long.
    #[test]
    fn phone_hashes_compare_digits_only() {
        let same = hash_phone("+44 20 7946 0958", 7);
        assert_ne!(same, 0);
        assert_eq!(hash_phone("(44) 20-7946-0958", 7), same);
        assert_eq!(hash_phone("44 20 7946 0958 ext. 12", 7), same);
        assert_ne!(hash_phone("44 20 7946 0959", 7), same);
        assert_eq!(hash_phone("123 456", 7), 0, "fewer than 7 digits");
        let long = "1".repeat(70);
        for at in [0, 31, 32, 33, 64, 69] {
            let mut other = long.clone().into_bytes();
            other[at] = b'2';
            let other = String::from_utf8(other).unwrap_or_default();
            assert_ne!(hash_phone(&long, 7), hash_phone(&other, 7), "digit {at}");
        }
        assert_ne!(
            hash_phone(&"1".repeat(32), 7),
            hash_phone(&"1".repeat(33), 7)
        );
    }

    /// Names and emails are compared ignoring case: every ASCII character, in every place of
    /// an eight-byte word, folds like its lower-case form and like nothing else.
    #[test]
    fn folded_hashes_ignore_case_and_nothing_else() {
        for at in 0..17 {
            for c in (0x20..0x7Fu8).map(char::from) {
                let with = |c: char| {
                    let mut text = "x".repeat(at);
                    text.push(c);
                    text.push_str("yz");
                    text
                };
                let lower = c.to_ascii_lowercase();
                assert_eq!(
                    hash_folded(&with(c)),
                    hash_folded(&with(lower)),
                    "{c:?} at {at}"
                );
                let other = if lower == 'q' { 'r' } else { 'q' };
                assert_ne!(
                    hash_folded(&with(lower)),
                    hash_folded(&with(other)),
                    "{c:?} at {at}"
                );
            }
        }
        assert_eq!(hash_folded("ZOË"), hash_folded("zoë"));
        // Beyond ASCII, each character is lowered as Unicode says.
        let lowered_by_unicode = |text: &str| {
            let mut hasher = key_hasher();
            for c in text.chars().flat_map(char::to_lowercase) {
                hasher.write_u32(c as u32);
            }
            hasher.finish() | 1
        };
        for c in ('\u{80}'..='\u{250}').chain(['İ', 'Σ', 'Ω', 'Ж', '\u{212A}']) {
            let text = format!("é{c}Ab");
            assert_eq!(hash_folded(&text), lowered_by_unicode(&text), "{c:?}");
        }
        assert_ne!(hash_folded("ab"), hash_folded("ab\0"));
        assert_eq!(hash_folded(""), 0);
    }
}
