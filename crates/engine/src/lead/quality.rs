//! Quality checks of single values: email syntax, phone plausibility, formulas, hidden characters, mojibake.
//!
//! Decisions:
//! - Emails may hold non-ASCII letters in the local part and in the domain (`zoë@exämple.de`):
//!   international addresses are real, and the CRM stores them as text. Punycode endings
//!   (`.xn--p1ai`) are accepted too.
//! - Invisible characters are reported by [`hidden_characters`] alone: the email and phone
//!   checks ignore them, so one stray character does not give two warnings.
//! - A plausible phone holds 7 to 15 digits (E.164 allows at most 15), written with spaces,
//!   `-`, `.`, `(`, `)`, `/` and a `+` only at the start, optionally followed by an extension
//!   (`x123`, `ext 123`, `ext. 123`, `extension 123`) whose digits are not counted.

use std::borrow::Cow;

use encoding_rs::WINDOWS_1252;

/// The fewest digits a phone number can have.
pub(crate) const MIN_PHONE_DIGITS: usize = 7;
/// The most digits a phone number can have (E.164).
const MAX_PHONE_DIGITS: usize = 15;

// Phone messages too long to write where they are used.
const SCIENTIFIC_PHONE: &str = "is a phone number that a spreadsheet turned into a number in \
    scientific notation, so digits were lost; re-export the file with the phone column formatted \
    as Text.";
const LETTERS_IN_PHONE: &str = "has letters in it; a phone number holds digits only, with any \
    extension at the end written as x123.";
const FEW: &str = "so some are probably missing.";
const MANY: &str = "so check for extra digits or two numbers in one cell.";

/// Plain-words explanation of what is wrong with this email address (already trimmed,
/// non-empty), or None if it looks fine.
pub fn email_problem(value: &str) -> Option<String> {
    if is_plain_good_email(value) {
        return None;
    }
    let v = without_hidden(value);
    let v = v.as_ref();
    let at_count = v.bytes().filter(|&b| b == b'@').count();
    let separator = v.chars().find(|&c| c == ',' || c == ';');
    let spaced = v.chars().any(char::is_whitespace);
    let (local, domain) = v.split_once('@').unwrap_or((v, ""));
    let bad_local = |c: char| matches!(c, '"' | '(' | ')' | ':' | '<' | '>' | '[' | ']' | '\\');
    let bad_domain = |c: char| !(c.is_alphanumeric() || c == '-' || c == '.');
    let bad = local.chars().find(|&c| bad_local(c));
    let bad = bad.or_else(|| domain.chars().find(|&c| bad_domain(c)));
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let hyphen_edged = |label: &str| label.starts_with('-') || label.ends_with('-');
    let issue = if at_count >= 2 && (separator.is_some() || spaced) {
        "holds more than one email address; keep one here."
    } else if separator == Some(',') {
        "has a comma in it, which an email address cannot hold; remove it."
    } else if separator == Some(';') {
        "has a semicolon in it, which an email address cannot hold; remove it."
    } else if spaced {
        "has a space in it; remove the space."
    } else if at_count == 0 {
        "has no @; an email address looks like name@example.com."
    } else if at_count > 1 {
        "has more than one @; check the address."
    } else if local.is_empty() {
        "has nothing before the @; check the address."
    } else if local.contains("..") {
        "has two dots in a row before the @; remove one."
    } else if local.starts_with('.') || local.ends_with('.') {
        "has a dot at the very start or just before the @; remove it."
    } else if let Some(c) = bad {
        return Some(format!(
            "“{v}” has “{c}”, which cannot be in an email address; remove it."
        ));
    } else if domain.is_empty() {
        "has nothing after the @; add the domain, such as example.com."
    } else if !domain.contains('.') {
        "has no domain ending such as .com; check the address."
    } else if domain.split('.').any(str::is_empty) {
        "has a dot at the start, at the end or twice in a row after the @; check the address."
    } else if domain.split('.').any(hyphen_edged) {
        "has a part after the @ that starts or ends with a hyphen; check the address."
    } else if tld.starts_with("xn--") {
        return None;
    } else if !tld.chars().all(char::is_alphabetic) || tld.chars().count() < 2 {
        let what = format!("“.{tld}”, which is not a domain ending such as .com");
        return Some(format!("“{v}” ends in {what}; check the address."));
    } else {
        return None;
    };
    Some(format!("“{v}” {issue}"))
}

/// Plain-words explanation of what is wrong with this phone number (trimmed, non-empty), or None.
pub fn phone_problem(value: &str) -> Option<String> {
    if let Some(n) = plain_phone_digits(value)
        && (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&n)
    {
        return None;
    }
    let v = without_hidden(value);
    phone_issue(&v).map(|issue| format!("“{v}” {issue}"))
}

/// True when a spreadsheet would run this value as a formula: it starts with `=` or `@`, or with
/// `+` or `-` followed by something that is not a plain number or phone number (so
/// `+44 20 7946 0958` and `-12.5` are not formula-like, but `+SUM(A1)` and `-2+3` and `=1+1` and
/// `@cmd` are). Also a leading tab or carriage return counts. The rules pass the value trimmed,
/// as the package writes it.
///
/// A lone `+` or `-` (a common "no value" placeholder) is not formula-like: it runs nothing.
/// A plain number may use `.` or `,` between digit groups, an exponent and a trailing `%`.
/// A phone number must start with a digit or `(` right after the sign and pass [`phone_problem`].
pub fn is_formula_like(value: &str) -> bool {
    match value.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => {
            let rest = &value[1..];
            // Phone numbers (`+44 20 7946 0958`) come first: they are the common case.
            let phone = || {
                rest.starts_with(|c: char| c.is_ascii_digit() || c == '(')
                    && phone_problem(value.trim()).is_none()
            };
            !rest.is_empty() && !phone() && is_number_text(rest).is_none()
        }
        _ => false,
    }
}

/// Describes invisible characters in the value (untrimmed) in plain words, e.g. "a non-breaking
/// space at the start" or "2 zero-width spaces", or None.
///
/// Each kind is named once, in the order first seen, with its count; a place ("at the start",
/// "at the end", "in the middle") is added when every character of that kind is in one place.
pub fn hidden_characters(value: &str) -> Option<String> {
    if !suspects(value).hidden {
        return None;
    }
    let edge = |c: char| c.is_whitespace() || hidden_name(c).is_some();
    let lead_end = value.find(|c| !edge(c)).unwrap_or(value.len());
    let trail_start = value
        .char_indices()
        .rev()
        .find(|&(_, c)| !edge(c))
        .map_or(value.len(), |(i, c)| i + c.len_utf8());
    // Each kind: its name, its count, and where all of its characters are ("" when scattered).
    let mut kinds: Vec<(&'static str, usize, &'static str)> = Vec::new();
    for (i, c) in value.char_indices() {
        let Some(name) = hidden_name(c) else { continue };
        let place = match i {
            i if i < lead_end => " at the start",
            i if i >= trail_start => " at the end",
            _ => " in the middle",
        };
        // A line break inside a value shows in a spreadsheet cell (Alt+Enter); only stray ones
        // at the edges are invisible.
        if matches!(c, '\r' | '\n') && place == " in the middle" {
            continue;
        }
        match kinds.iter_mut().find(|kind| kind.0 == name) {
            Some(kind) if kind.2 == place => kind.1 += 1,
            Some(kind) => *kind = (name, kind.1 + 1, ""),
            None => kinds.push((name, 1, place)),
        }
    }
    let parts: Vec<String> = kinds
        .into_iter()
        .map(|(name, count, place)| match count {
            1 => format!("a {name}{place}"),
            n => format!("{n} {name}s{place}"),
        })
        .collect();
    match parts.split_last()? {
        (last, []) => Some(last.clone()),
        (last, rest) => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// If the value looks double-encoded (UTF-8 read as Windows-1252, e.g. `Ã©` for `é`, `â€™` for
/// `’`), returns the repaired text; otherwise None.
///
/// Text encoded twice over (`ÃƒÂ©`) is repaired again, until no garbled pair is left.
/// A value that mixes correct accents with garbled ones is left alone (returns None).
pub fn mojibake_repair(value: &str) -> Option<String> {
    if !suspects(value).mojibake {
        return None;
    }
    let mut text = repair_once(value)?;
    // Each round makes the text shorter, so this ends.
    while let Some(again) = repair_once(&text) {
        text = again;
    }
    Some(text)
}

/// What is wrong with a phone number (without hidden characters), after its quoted value.
fn phone_issue(v: &str) -> Option<Cow<'static, str>> {
    if is_scientific(v) {
        return Some(SCIENTIFIC_PHONE.into());
    }
    let main = without_extension(v);
    let allowed = |i: usize, c: char| {
        c.is_ascii_digit() || "-.()/".contains(c) || c.is_whitespace() || (i == 0 && c == '+')
    };
    if let Some((_, c)) = main.char_indices().find(|&(i, c)| !allowed(i, c)) {
        return Some(match c {
            '+' => {
                "has a + after the start; a + belongs only at the start, before the country code."
                    .into()
            }
            c if c.is_alphabetic() => LETTERS_IN_PHONE.into(),
            c => format!("has “{c}”, which does not belong in a phone number; remove it.").into(),
        });
    }
    let (min, max) = (MIN_PHONE_DIGITS, MAX_PHONE_DIGITS);
    Some(match main.bytes().filter(u8::is_ascii_digit).count() {
        0 => "has no digits; enter the phone number.".into(),
        n if n < min => {
            format!("has only {n} digits; a phone number needs at least {min}, {FEW}").into()
        }
        n if n > max => format!("has {n} digits; a phone number has at most {max}, {MANY}").into(),
        _ => return None,
    })
}

/// Whether a phone value is a number in scientific notation, as spreadsheets show long numbers.
fn is_scientific(v: &str) -> bool {
    is_number_text(v.strip_prefix(['+', '-']).unwrap_or(v)) == Some(true)
}

/// The common case, in one pass over the bytes: a plain ASCII address with nothing to explain.
fn is_plain_good_email(v: &str) -> bool {
    let Some(at) = v.bytes().position(|b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&v[..at], &v[at + 1..]);
    let mut prev = b'.'; // so that a dot or hyphen at the start fails, as does an empty part
    for b in local.bytes() {
        match b {
            b'.' if prev == b'.' => return false,
            b'.' | b'_' | b'%' | b'+' | b'-' | b'\'' => {}
            b if b.is_ascii_alphanumeric() => {}
            _ => return false,
        }
        prev = b;
    }
    if prev == b'.' {
        return false;
    }
    // The ending (the part after the last dot) must be 2 or more letters.
    let (mut prev, mut dots, mut ending_len, mut ending_letters) = (b'.', 0, 0, true);
    for b in domain.bytes() {
        match b {
            b'.' | b'-' if prev == b'.' => return false,
            b'.' if prev == b'-' => return false,
            b'.' => (dots, ending_len, ending_letters) = (dots + 1, 0, true),
            b if b.is_ascii_alphabetic() => ending_len += 1,
            b'-' | b'0'..=b'9' => ending_letters = false,
            _ => return false,
        }
        prev = b;
    }
    dots > 0 && ending_letters && ending_len >= 2
}

/// The digit count of a phone value made only of ASCII digits and separators (`+` only first),
/// or None when it has anything else (letters, an extension, odd characters): the common case.
fn plain_phone_digits(v: &str) -> Option<usize> {
    let mut digits = 0;
    for (i, b) in v.bytes().enumerate() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            b'+' if i == 0 => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// True when every byte is printable ASCII (space to `~`): nothing hidden, nothing garbled.
fn is_plain_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

/// The plain-words name of an invisible character, or None for a visible one.
fn hidden_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{A0}' => "non-breaking space",
        '\u{202F}' => "narrow non-breaking space",
        '\u{2007}' => "figure space",
        '\u{AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "byte-order mark",
        '\t' => "tab",
        '\r' => "carriage return",
        '\n' => "line break",
        '\0'..='\u{1F}' | '\u{7F}'..='\u{9F}' => "control character",
        _ => return None,
    })
}

/// The value without invisible characters; borrowed (no copy) when it has none.
fn without_hidden(value: &str) -> Cow<'_, str> {
    let visible = |c: &char| hidden_name(*c).is_none();
    if is_plain_ascii(value) || value.chars().all(|c| visible(&c)) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.chars().filter(visible).collect())
}

/// Whether the text is a plain unsigned number (digit groups joined by single `.` or `,`,
/// optional exponent, optional trailing `%`): None if not, Some(true) if it has an exponent.
fn is_number_text(text: &str) -> Option<bool> {
    let text = text.strip_suffix('%').unwrap_or(text);
    let (mantissa, exponent) = match text.bytes().position(|b| b == b'e' || b == b'E') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let groups_ok = mantissa.split(['.', ',']).enumerate().all(|(i, group)| {
        (i == 0 || !group.is_empty()) && group.bytes().all(|b| b.is_ascii_digit())
    });
    if !groups_ok || !mantissa.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    match exponent.map(|e| e.strip_prefix(['+', '-']).unwrap_or(e)) {
        None => Some(false),
        Some(e) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => Some(true),
        Some(_) => None,
    }
}

/// The phone number without its extension (`x123`, `ext. 123`, `extension 123`), if it has one.
fn without_extension(value: &str) -> &str {
    let digits = value.bytes().rev().take_while(u8::is_ascii_digit).count();
    let before = value[..value.len() - digits].trim_end();
    for marker in ["extension", "ext.", "ext:", "ext", "x"] {
        if digits > 0
            && let Some(cut) = before.len().checked_sub(marker.len())
            && before.as_bytes()[cut..].eq_ignore_ascii_case(marker.as_bytes())
        {
            let main = before[..cut].trim_end_matches([' ', ',']);
            if main.bytes().any(|b| b.is_ascii_digit()) {
                return main;
            }
        }
    }
    value
}

/// Whether a UTF-8 lead byte read as Windows-1252 (`Ã`, `Â`, `â`…) is followed by a
/// continuation byte read as Windows-1252 (`©`, `€`, `™`…): the mark of double encoding.
fn has_mojibake_pair(value: &str) -> bool {
    const UPPER_SPECIALS: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
    let lead = |c: char| ('\u{C2}'..='\u{F4}').contains(&c);
    let continuation = |c: char| ('\u{80}'..='\u{BF}').contains(&c) || UPPER_SPECIALS.contains(c);
    let next = value.chars().skip(1);
    value
        .chars()
        .zip(next)
        .any(|(a, b)| lead(a) && continuation(b))
}

/// What a single pass over a value's bytes says is worth a closer look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Suspects {
    /// The value may hold hidden characters: control bytes, or the lead bytes of NBSP, soft
    /// hyphen, C1 controls (`C2`), the zero-width and line-separator block (`E2`), or the BOM (`EF`).
    pub hidden: bool,
    /// The value may be double-encoded: it holds lead bytes of U+0080–U+00BF (`C2`) or of the
    /// Windows-1252 specials (`C5`, `C6`, `CB`, `E2`).
    pub mojibake: bool,
}

const HIDDEN: u8 = 1;
const MOJIBAKE: u8 = 2;

/// The class of a byte, for [`suspects`].
#[inline(always)]
fn byte_class(byte: u8) -> u8 {
    let hidden = byte < 0x20 || matches!(byte, 0x7F | 0xC2 | 0xE2 | 0xEF);
    let mojibake = matches!(byte, 0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2);
    (u8::from(hidden) * HIDDEN) | (u8::from(mojibake) * MOJIBAKE)
}

/// One cheap pass over `value`: which of the slower checks can find anything in it. Plain text
/// and ordinary accented letters (`é` is `C3 A9`) need neither. Every byte is looked at, with
/// no branch, so that the compiler checks many at once.
pub fn suspects(value: &str) -> Suspects {
    let class = value
        .as_bytes()
        .iter()
        .fold(0u8, |class, &byte| class | byte_class(byte));
    Suspects {
        hidden: class & HIDDEN != 0,
        mojibake: class & MOJIBAKE != 0,
    }
}

/// One round of repair: the value's Windows-1252 bytes read as strict UTF-8, if it has a
/// garbled pair and the result is shorter.
fn repair_once(value: &str) -> Option<String> {
    if !has_mojibake_pair(value) {
        return None;
    }
    let (bytes, _, unmappable) = WINDOWS_1252.encode(value);
    if unmappable {
        return None;
    }
    let repaired = std::str::from_utf8(&bytes).ok()?;
    (repaired.chars().count() < value.chars().count()).then(|| repaired.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_screen_flags_what_may_be_hidden_or_garbled() {
        let none = Suspects::default();
        let hidden = Suspects {
            hidden: true,
            mojibake: false,
        };
        let both = Suspects {
            hidden: true,
            mojibake: true,
        };
        let garbled = Suspects {
            hidden: false,
            mojibake: true,
        };
        let cases = [
            ("Plain text, with punctuation ~!?", none),
            ("Zoë Ångström-Núñez", none),
            ("tab\there", hidden),
            ("nul\0", hidden),
            ("delete\u{7F}", hidden),
            ("bom\u{FEFF}", hidden),
            ("non\u{A0}breaking", both),
            ("zero\u{200B}width", both),
            ("’quoted’", both),
            ("Å“", both),
            ("Š", garbled),
            ("ƒ and ˆ", garbled),
        ];
        for (value, wanted) in cases {
            assert_eq!(suspects(value), wanted, "{value:?}");
            // Wherever the character falls in a longer value.
            for at in [0, 7, 8, 31, 64] {
                let longer = format!("{}{value}{}", "a".repeat(at), "b".repeat(40));
                assert_eq!(suspects(&longer), wanted, "{longer:?}");
            }
        }
    }

    /// Asserts that `check` explains each value, quoting it, with a message containing `phrase`.
    fn assert_explained(check: fn(&str) -> Option<String>, cases: &[(&str, &str)]) {
        for (value, phrase) in cases {
            let message = check(value).unwrap_or_default();
            let ok = message.starts_with('“') && message.contains(phrase);
            assert!(ok, "{value:?} gave {message:?}, wanted {phrase:?}");
        }
    }

    /// The values of a table written as one string, separated by `|`.
    fn values(table: &str) -> impl Iterator<Item = &str> {
        table.split('|')
    }

    #[test]
    fn good_emails_including_accented_ones_have_no_problem() {
        let good = "jane.o'neil+x@mail.example.co.uk|a_b-c@ex-ample.io|Zoë@example.co.uk";
        let international = "info@münchen.de|info@xn--mnchen-3ya.de|ivan@пример.рф";
        for value in values(good).chain(values(international)) {
            assert_eq!(email_problem(value), None, "{value}");
        }
    }

    #[test]
    fn email_without_domain_ending_is_explained() {
        let message = email_problem("jane.doe@example");
        let expected = "“jane.doe@example” has no domain ending such as .com; check the address.";
        assert_eq!(message.as_deref(), Some(expected));
    }

    #[test]
    fn two_emails_in_one_cell_are_explained() {
        let cells =
            "jane@example.com, jo@example.com|jane@example.com;jo@example.com|a@b.com c@d.com";
        for value in values(cells) {
            let phrase = "holds more than one email address; keep one here.";
            assert_explained(email_problem, &[(value, phrase)]);
        }
    }

    #[test]
    fn broken_email_shapes_are_explained() {
        let cases = [
            ("jane.example.com", "has no @"),
            ("jane@@example.com", "more than one @"),
            ("@example.com", "nothing before the @"),
            ("jane@", "nothing after the @"),
            ("jane doe@example.com", "has a space"),
            ("jane,doe@example.com", "has a comma"),
            ("jane@example.com;", "has a semicolon"),
            ("jane..doe@example.com", "two dots in a row before the @"),
            (".jane@example.com", "dot at the very start"),
            ("<jane@example.com>", "has “<”"),
            ("jane@exa_mple.com", "has “_”"),
            ("jane@example..com", "twice in a row after the @"),
            ("jane@-example.com", "starts or ends with a hyphen"),
            ("jane@example-.com", "starts or ends with a hyphen"),
            ("jane@example.c", "“.c”, which is not a domain ending"),
            ("jane@example.123", "ends in “.123”"),
        ];
        assert_explained(email_problem, &cases);
    }

    #[test]
    fn email_and_phone_checks_leave_hidden_characters_to_their_own_check() {
        assert_eq!(email_problem("jane@example.com\u{200B}"), None);
        assert_eq!(phone_problem("020\u{A0}7946 0958\u{FEFF}"), None);
    }

    #[test]
    fn good_phones_with_and_without_extensions_have_no_problem() {
        let plain = "+44 20 7946 0958|(555) 123-4567|555.123.4567|020/7946 0958|123456789012345";
        let extended = "+1 555 123 4567 x89|555-123-4567, ext. 12|555 123 4567 ext 1|5551234567X12";
        for value in values(plain).chain(values(extended)) {
            assert_eq!(phone_problem(value), None, "{value}");
        }
    }

    #[test]
    fn excel_scientific_notation_phone_is_explained() {
        for value in values("4.47901E+11|4,47901E+11|1.23e10|4E+11") {
            let phrase = "turned into a number in scientific notation, so digits were lost";
            assert_explained(
                phone_problem,
                &[(value, phrase), (value, "formatted as Text")],
            );
        }
    }

    #[test]
    fn phone_with_letters_or_stray_characters_is_explained() {
        let cases = [
            ("0800 FLOWERS", "has letters"),
            ("555-1234 ext", "has letters"),
            ("555 123 4567 #2", "has “#”"),
            ("555+123 4567", "a + after the start"),
        ];
        assert_explained(phone_problem, &cases);
    }

    #[test]
    fn phone_with_wrong_digit_count_gives_the_count() {
        let cases = [
            ("12345", "has only 5 digits"),
            ("555 123 x4567", "has only 6 digits"),
            ("020 7946 0958 / 020 7946 0959", "has 22 digits"),
            ("()-", "has no digits"),
        ];
        assert_explained(phone_problem, &cases);
    }

    #[test]
    fn formulas_and_commands_are_formula_like() {
        for value in values(
            "=1+1|@cmd|+SUM(A1)|-2+3|-2-3|-Jane|\tx|\r=1|=HYPERLINK(\"x\")|-1e|+2eX|-1.|-1..2|+1,,2|-e5",
        ) {
            assert!(is_formula_like(value), "{value:?}");
        }
    }

    #[test]
    fn uk_phone_with_plus_is_not_formula_like() {
        for value in values("+44 20 7946 0958|+1 (555) 123-4567|+1-555-123-4567 x12 ") {
            assert!(!is_formula_like(value), "{value:?}");
        }
    }

    #[test]
    fn signed_numbers_placeholders_and_text_are_not_formula_like() {
        for value in
            values("-12.5|+3|-1,234.50|-1.5E+3|-12%|-|+|Jane| =1||-.5|+.5%|-1e5|+2E-3|-7e+2%")
        {
            assert!(!is_formula_like(value), "{value:?}");
        }
    }

    #[test]
    fn visible_text_has_no_hidden_characters() {
        for value in values("Jane Doe| padded |Zoë Müller|José|日本") {
            assert_eq!(hidden_characters(value), None, "{value:?}");
        }
    }

    #[test]
    fn hidden_characters_are_named_with_counts_and_places() {
        let cases = [
            ("\u{A0}Jane", "a non-breaking space at the start"),
            ("Jane\u{A0}\u{A0} ", "2 non-breaking spaces at the end"),
            ("Ja\u{200B}ne\u{200B}", "2 zero-width spaces"),
            ("Jo\r\nDoe\n", "a line break at the end"),
            ("a\u{7F}\u{85}\u{9F}b", "3 control characters in the middle"),
            // After a letter of two, three or four bytes, the end is still the end.
            ("Zoë\u{A0}", "a non-breaking space at the end"),
            ("日本\u{200B}", "a zero-width space at the end"),
            ("Ann😀\u{200B}\u{200B}", "2 zero-width spaces at the end"),
            ("é\u{200B}é\u{200B}", "2 zero-width spaces"),
            (
                "\u{FEFF}x\u{AD}y\t",
                "a byte-order mark at the start, a soft hyphen in the middle \
                and a tab at the end",
            ),
        ];
        for (value, expected) in cases {
            let found = hidden_characters(value);
            assert_eq!(found.as_deref(), Some(expected), "{value:?}");
        }
        let others =
            "\u{202F}|\u{2007}|\u{200C}|\u{200D}|\u{200E}|\u{200F}|\u{2028}|\u{2029}|\u{2060}|\0";
        for value in values(others) {
            assert!(hidden_characters(value).is_some(), "{value:?}");
        }
    }

    #[test]
    fn correct_accents_are_not_repaired() {
        for value in values("Zoë|Müller|José|plain|Café…|Ñandú|« Â »|Zoë ZoÃ«") {
            assert_eq!(mojibake_repair(value), None, "{value:?}");
        }
    }

    #[test]
    fn double_encoded_text_is_repaired() {
        let cases = [
            ("ZoÃ«", "Zoë"),
            ("Itâ€™s", "It’s"),
            ("JosÃ© MÃ¼ller", "José Müller"),
            ("Ã\u{81}lvaro", "Álvaro"),
            ("ZoÃƒÂ«", "Zoë"),
        ];
        for (value, expected) in cases {
            let repaired = mojibake_repair(value);
            assert_eq!(repaired.as_deref(), Some(expected), "{value:?}");
        }
    }
}
