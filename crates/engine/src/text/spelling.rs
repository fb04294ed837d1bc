//! The usual Latin spelling of letters and signs that have no accent to drop: `Ł` → `L`,
//! `ß` → `ss`, `Œ` → `OE`, `“` → `"`, `–` → `-`, `…` → `...`, and Cyrillic and Greek letters as
//! passports write them in Latin letters (ICAO Doc 9303 for Cyrillic, ELOT 743 for Greek).
//!
//! Used only for characters an output encoding cannot hold, after the accents are dropped (a
//! letter with accents is looked up by its base letter). Every spelling is ASCII, which every
//! output encoding holds. What is not here (Chinese, Japanese, Korean, Arabic, Hebrew, Indic
//! scripts, emoji, most symbols) has no spelling: the caller writes `?`. See
//! docs/decisions.md, "Characters an output encoding cannot hold".

/// Letters and signs, upper case where the letter has cases (a lower-case letter is looked up
/// by its upper case, and its spelling is written in lower case).
const TABLE: &[(char, &str)] = &[
    // Latin letters that are not a base letter with accents.
    ('Ł', "L"),
    ('Đ', "D"),
    ('Ð', "D"),
    ('Ø', "O"),
    ('Æ', "AE"),
    ('Œ', "OE"),
    ('Þ', "TH"),
    ('Ŋ', "NG"),
    ('Ħ', "H"),
    ('Ŧ', "T"),
    ('Ə', "E"),
    ('Ŀ', "L"),
    ('Ɨ', "I"),
    ('Ƶ', "Z"),
    ('Ɓ', "B"),
    ('Ɗ', "D"),
    ('Ƙ', "K"),
    ('ẞ', "SS"),
    ('Ĳ', "IJ"),
    // Lower-case letters without an upper case of their own.
    ('ß', "ss"),
    ('ı', "i"),
    ('ȷ', "j"),
    ('ĸ', "k"),
    ('ſ', "s"),
    ('ƒ', "f"),
    ('ŉ', "'n"),
    // Quotes, dashes and other signs.
    ('‘', "'"),
    ('’', "'"),
    ('‚', "'"),
    ('‛', "'"),
    ('′', "'"),
    ('“', "\""),
    ('”', "\""),
    ('„', "\""),
    ('‟', "\""),
    ('″', "\""),
    ('‹', "<"),
    ('›', ">"),
    ('‐', "-"),
    ('‑', "-"),
    ('‒', "-"),
    ('–', "-"),
    ('—', "-"),
    ('―', "-"),
    ('−', "-"),
    ('⁃', "-"),
    ('…', "..."),
    ('•', "*"),
    ('€', "EUR"),
    ('‰', "0/00"),
    ('⁄', "/"),
    ('ˆ', "^"),
    ('˜', "~"),
    ('†', "+"),
    // Cyrillic, as ICAO Doc 9303 writes it in passports (letters with accents, such as Й, Ё,
    // Ї, Ў, Ѓ and Ќ, are found by their base letter).
    ('А', "A"),
    ('Б', "B"),
    ('В', "V"),
    ('Г', "G"),
    ('Ґ', "G"),
    ('Д', "D"),
    ('Ђ', "D"),
    ('Е', "E"),
    ('Є', "IE"),
    ('Ж', "ZH"),
    ('З', "Z"),
    ('Ѕ', "DZ"),
    ('И', "I"),
    ('І', "I"),
    ('Ј', "J"),
    ('К', "K"),
    ('Л', "L"),
    ('Љ', "LJ"),
    ('М', "M"),
    ('Н', "N"),
    ('Њ', "NJ"),
    ('О', "O"),
    ('П', "P"),
    ('Р', "R"),
    ('С', "S"),
    ('Т', "T"),
    ('Ћ', "C"),
    ('У', "U"),
    ('Ф', "F"),
    ('Х', "KH"),
    ('Ц', "TS"),
    ('Ч', "CH"),
    ('Џ', "DZ"),
    ('Ш', "SH"),
    ('Щ', "SHCH"),
    ('Ъ', "IE"),
    ('Ы', "Y"),
    ('Ь', ""),
    ('Э', "E"),
    ('Ю', "IU"),
    ('Я', "IA"),
    // Greek, as ELOT 743 writes it letter by letter (ου is written ou, below).
    ('Α', "A"),
    ('Β', "V"),
    ('Γ', "G"),
    ('Δ', "D"),
    ('Ε', "E"),
    ('Ζ', "Z"),
    ('Η', "I"),
    ('Θ', "TH"),
    ('Ι', "I"),
    ('Κ', "K"),
    ('Λ', "L"),
    ('Μ', "M"),
    ('Ν', "N"),
    ('Ξ', "X"),
    ('Ο', "O"),
    ('Π', "P"),
    ('Ρ', "R"),
    ('Σ', "S"),
    ('Τ', "T"),
    ('Υ', "Y"),
    ('Φ', "F"),
    ('Χ', "CH"),
    ('Ψ', "PS"),
    ('Ω', "O"),
];

/// How `letter` (a letter or sign without accents) is usually spelled in Latin letters, with
/// the next letter of the text (without its accents) when there is one; `None` when it has no
/// such spelling. The second value says that the spelling covers the next letter too (Greek
/// `ου` is `ou`).
///
/// A spelling of several letters for a capital is written in capitals before a capital or at
/// the end (`ŒUVRE` → `OEUVRE`), else with a capital first (`Œnologue` → `Oenologue`,
/// `Жанна` → `Zhanna`).
pub(crate) fn latin_spelling(letter: char, next: Option<char>) -> Option<(String, bool)> {
    // Greek ου (and ΟΥ, Ου) is one sound: ou.
    if matches!(letter, 'Ο' | 'ο') && matches!(next, Some('Υ' | 'υ')) {
        let spelled = match (letter, next) {
            ('ο', _) => "ou",
            (_, Some('Υ')) => "OU",
            _ => "Ou",
        };
        return Some((spelled.to_string(), true));
    }
    if let Some(spelled) = lookup(letter) {
        return Some((cased(spelled, letter, next), false));
    }
    // A lower-case letter: its capital's spelling, in lower case.
    let mut upper = letter.to_uppercase();
    if let (Some(capital), None) = (upper.next(), upper.next())
        && capital != letter
        && let Some(spelled) = lookup(capital)
    {
        return Some((spelled.to_lowercase(), false));
    }
    None
}

fn lookup(letter: char) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(from, _)| *from == letter)
        .map(|(_, to)| *to)
}

/// `spelled`, the spelling of the capital `letter`, in capitals or with a capital first.
fn cased(spelled: &str, letter: char, next: Option<char>) -> String {
    let title =
        letter.is_uppercase() && spelled.len() > 1 && next.is_some_and(|next| next.is_lowercase());
    if !title {
        return spelled.to_string();
    }
    let mut out = String::with_capacity(spelled.len());
    for (index, c) in spelled.chars().enumerate() {
        if index == 0 {
            out.push(c);
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spell(letter: char, next: Option<char>) -> Option<String> {
        latin_spelling(letter, next).map(|(spelled, _)| spelled)
    }

    #[test]
    fn every_spelling_is_ascii_and_every_letter_is_listed_once() {
        for (index, (letter, spelled)) in TABLE.iter().enumerate() {
            assert!(spelled.is_ascii(), "{letter}");
            assert!(
                TABLE[index + 1..].iter().all(|(other, _)| other != letter),
                "{letter} twice"
            );
        }
    }

    #[test]
    fn letters_without_accents_have_their_usual_spelling() {
        assert_eq!(spell('Ł', None).as_deref(), Some("L"));
        assert_eq!(spell('ł', None).as_deref(), Some("l"));
        assert_eq!(spell('ø', None).as_deref(), Some("o"));
        assert_eq!(spell('ß', None).as_deref(), Some("ss"));
        assert_eq!(spell('ı', None).as_deref(), Some("i"));
        assert_eq!(spell('đ', None).as_deref(), Some("d"));
        assert_eq!(spell('þ', None).as_deref(), Some("th"));
        assert_eq!(spell('“', None).as_deref(), Some("\""));
        assert_eq!(spell('…', None).as_deref(), Some("..."));
        assert_eq!(spell('北', None), None);
        assert_eq!(spell('😀', None), None);
    }

    #[test]
    fn a_capital_spelled_with_several_letters_follows_the_next_letter() {
        assert_eq!(spell('Œ', Some('n')).as_deref(), Some("Oe"));
        assert_eq!(spell('Œ', Some('U')).as_deref(), Some("OE"));
        assert_eq!(spell('Œ', None).as_deref(), Some("OE"));
        assert_eq!(spell('œ', Some('u')).as_deref(), Some("oe"));
        assert_eq!(spell('Ж', Some('а')).as_deref(), Some("Zh"));
        assert_eq!(spell('Щ', Some('Е')).as_deref(), Some("SHCH"));
        assert_eq!(spell('щ', None).as_deref(), Some("shch"));
    }

    #[test]
    fn greek_ou_is_one_sound() {
        assert_eq!(
            latin_spelling('ο', Some('υ')),
            Some(("ou".to_string(), true))
        );
        assert_eq!(
            latin_spelling('Ο', Some('Υ')),
            Some(("OU".to_string(), true))
        );
        assert_eq!(
            latin_spelling('Ο', Some('υ')),
            Some(("Ou".to_string(), true))
        );
        assert_eq!(
            latin_spelling('ο', Some('ς')),
            Some(("o".to_string(), false))
        );
        assert_eq!(spell('ς', None).as_deref(), Some("s"));
    }
}
