//! Lengths as the CRM counts them, and where a value is cut to fit a maximum.
//!
//! The CRM runs on a Java platform, whose strings count UTF-16 code units: `Zoë` is 3, and an
//! emoji or another character beyond the Basic Multilingual Plane counts 2. A value is never cut
//! inside what a reader sees as one character (a grapheme cluster: a letter with its combining
//! accents, a flag, an emoji with its skin tone or joined emoji, a Hangul syllable written in
//! jamo, a CR LF line break): it is cut after the last whole one that fits.
//!
//! Every length the engine reports or enforces comes from here, so the check, the preview of a
//! cut value and the package always agree.

use unicode_segmentation::UnicodeSegmentation;

/// The length of `text` as the CRM counts it: its number of UTF-16 code units.
pub fn crm_length(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    // A character of four UTF-8 bytes is the only one that takes two UTF-16 units.
    text.chars().map(char::len_utf16).sum()
}

/// Where `text` must be cut so that what is kept is at most `max` long as the CRM counts it:
/// `None` when it fits whole, else the byte offset after the last whole character (grapheme
/// cluster) that fits. The kept part is `&text[..at]`, and adding the next character would
/// make it longer than `max`.
pub fn crm_cut(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // A UTF-8 character never has fewer bytes than UTF-16 units: a value of at most `max` bytes
    // fits. Most values end here.
    if bytes.len() <= max {
        return None;
    }
    // ASCII up to the cut, and ASCII right after it: `max` characters of one unit each, and a
    // boundary between the two unless they are the CR and LF of one line break (a non-ASCII
    // character after the cut might be an accent of the last letter: that is the slow path).
    if bytes[..=max].is_ascii() {
        return Some(
            if max > 0 && bytes[max - 1] == b'\r' && bytes[max] == b'\n' {
                max - 1
            } else {
                max
            },
        );
    }
    let mut length = 0;
    for (at, cluster) in text.grapheme_indices(true) {
        length += crm_length(cluster);
        if length > max {
            return Some(at);
        }
    }
    None
}

/// `text` split into what is kept and what is cut off when it may be at most `max` long as the
/// CRM counts it; `None` when it fits whole.
pub fn crm_split(text: &str, max: usize) -> Option<(&str, &str)> {
    crm_cut(text, max).map(|at| text.split_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_utf16_units() {
        assert_eq!(crm_length(""), 0);
        assert_eq!(crm_length("Zoe"), 3);
        assert_eq!(crm_length("Zoë"), 3);
        // e + combining acute: two units, as Java counts it.
        assert_eq!(crm_length("e\u{301}"), 2);
        assert_eq!(crm_length("😀"), 2);
        assert_eq!(crm_length("🇫🇷"), 4);
        assert_eq!(crm_length("北京"), 2);
        assert_eq!(crm_length("𠀋"), 2);
    }

    #[test]
    fn a_value_that_fits_is_not_cut() {
        assert_eq!(crm_cut("Ann", 25), None);
        assert_eq!(crm_cut("Zoë", 3), None);
        // 3 units in 4 bytes: the byte length alone does not decide.
        assert_eq!(crm_cut("Zoë", 3), None);
        assert_eq!(crm_cut(&"é".repeat(25), 25), None);
        assert_eq!(crm_cut(&"😀".repeat(12), 24), None);
    }

    #[test]
    fn ascii_is_cut_at_the_maximum_but_never_inside_a_line_break() {
        assert_eq!(crm_split("abcdef", 4), Some(("abcd", "ef")));
        assert_eq!(crm_split("abc\r\ndef", 4), Some(("abc", "\r\ndef")));
        assert_eq!(crm_split("abc\r\ndef", 5), Some(("abc\r\n", "def")));
        assert_eq!(crm_split("abc\ndef", 4), Some(("abc\n", "def")));
        assert_eq!(crm_split("abc", 0), Some(("", "abc")));
    }

    #[test]
    fn a_letter_keeps_its_accents() {
        // e + U+0301 is two units: 25 of them hold 12 whole letters.
        let decomposed = "e\u{301}".repeat(25);
        let (kept, cut) = crm_split(&decomposed, 25).expect("too long");
        assert_eq!(kept, "e\u{301}".repeat(12));
        assert!(cut.starts_with("e\u{301}"));
        // An ASCII letter right before the cut with its accent after it.
        assert_eq!(crm_split("abce\u{301}", 4), Some(("abc", "e\u{301}")));
        // Several marks on one letter.
        assert_eq!(
            crm_split("ae\u{323}\u{302}", 3),
            Some(("a", "e\u{323}\u{302}"))
        );
    }

    #[test]
    fn emoji_and_flags_stay_whole() {
        // An emoji counts 2: with 1 unit left it goes whole.
        assert_eq!(crm_split("abc😀", 4), Some(("abc", "😀")));
        assert_eq!(crm_split("abc😀", 5), None);
        // A flag is two regional indicators, 4 units.
        assert_eq!(crm_split("ab🇫🇷🇩🇪", 7), Some(("ab🇫🇷", "🇩🇪")));
        assert_eq!(crm_split("ab🇫🇷", 5), Some(("ab", "🇫🇷")));
        // A family joined by zero-width joiners, and a thumb with a skin tone.
        let family = "👩\u{200D}👩\u{200D}👧";
        assert_eq!(crm_split(&format!("a{family}"), 7), Some(("a", family)));
        assert_eq!(crm_split("a👍🏽b", 3), Some(("a", "👍🏽b")));
        assert_eq!(crm_split("a👍🏽b", 5), Some(("a👍🏽", "b")));
    }

    #[test]
    fn hangul_jamo_make_one_syllable() {
        let syllable = "\u{1100}\u{1161}\u{11A8}";
        assert_eq!(
            crm_split(&format!("{syllable}{syllable}"), 4),
            Some((syllable, syllable))
        );
    }
}
