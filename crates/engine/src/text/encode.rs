//! Output encodings of import packages: writing text in UTF-8, Windows-1252 or ISO-8859-1, and
//! finding the characters an encoding cannot hold before anything is written.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::spelling::latin_spelling;

/// The character set a package's CSV files are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutputEncoding {
    /// UTF-8, the CRM's default; holds every character.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Windows-1252, what Excel writes on Windows in Western Europe and the Americas.
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// ISO-8859-1 (Latin-1).
    #[serde(rename = "iso-8859-1")]
    Iso8859_1,
}

/// What to do with characters the output encoding cannot hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unrepresentable {
    /// Stop and report them (the default): nothing is replaced without the user's consent.
    #[default]
    Refuse,
    /// Replace each with the nearest the encoding holds: the letter without its accents
    /// (`ễ` → `e`), or its usual Latin spelling (`Ł` → `L`, `ß` → `ss`, `“` → `"`), else `?`
    /// (see [`OutputEncoding::replace_unrepresentable`]).
    Replace,
}

impl OutputEncoding {
    /// Every output encoding, UTF-8 first.
    pub const ALL: [OutputEncoding; 3] = [
        OutputEncoding::Utf8,
        OutputEncoding::Windows1252,
        OutputEncoding::Iso8859_1,
    ];

    /// The name written in `fileMappings.xml`'s `encodingType`, as NexJ's example writes it.
    pub fn mapping_name(self) -> &'static str {
        match self {
            OutputEncoding::Utf8 => "UTF-8",
            OutputEncoding::Windows1252 => "CP-1252",
            OutputEncoding::Iso8859_1 => "ISO-8859-1",
        }
    }

    /// The label used in options and templates: `utf-8`, `windows-1252`, `iso-8859-1`.
    pub fn label(self) -> &'static str {
        match self {
            OutputEncoding::Utf8 => "utf-8",
            OutputEncoding::Windows1252 => "windows-1252",
            OutputEncoding::Iso8859_1 => "iso-8859-1",
        }
    }

    /// A name for people: `UTF-8`, `Windows-1252`, `ISO-8859-1`.
    pub fn title(self) -> &'static str {
        match self {
            OutputEncoding::Utf8 => "UTF-8",
            OutputEncoding::Windows1252 => "Windows-1252",
            OutputEncoding::Iso8859_1 => "ISO-8859-1",
        }
    }

    /// The encoding a user means by `label`.
    pub fn from_label(label: &str) -> Option<OutputEncoding> {
        match label.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(OutputEncoding::Utf8),
            "windows-1252" | "cp-1252" | "cp1252" => Some(OutputEncoding::Windows1252),
            "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" => Some(OutputEncoding::Iso8859_1),
            _ => None,
        }
    }

    /// The encoding_rs encoding that reads text written in this one back.
    pub fn reader(self) -> &'static encoding_rs::Encoding {
        match self {
            OutputEncoding::Utf8 => encoding_rs::UTF_8,
            // encoding_rs reads ISO-8859-1 as its superset Windows-1252, which decodes every
            // Latin-1 letter the same way.
            OutputEncoding::Windows1252 | OutputEncoding::Iso8859_1 => encoding_rs::WINDOWS_1252,
        }
    }

    /// Whether this encoding can hold `c`.
    pub fn holds(self, c: char) -> bool {
        match self {
            OutputEncoding::Utf8 => true,
            OutputEncoding::Iso8859_1 => (c as u32) <= 0xFF && !(0x80..=0x9F).contains(&(c as u32)),
            // The five bytes Windows-1252 leaves undefined read as C1 controls: not letters.
            OutputEncoding::Windows1252 => {
                c.is_ascii()
                    || (!(0x80..=0x9F).contains(&(c as u32)) && windows_1252_byte(c).is_some())
            }
        }
    }

    /// The first character of `text` this encoding cannot hold, whole as a reader sees it (a
    /// letter with its accents, a flag, an emoji with its modifiers: a grapheme cluster).
    pub fn first_unrepresentable(self, text: &str) -> Option<&str> {
        if self == OutputEncoding::Utf8 || text.is_ascii() {
            return None;
        }
        let (at, _) = text.char_indices().find(|&(_, c)| !self.holds(c))?;
        text.grapheme_indices(true)
            .find(|(start, cluster)| start + cluster.len() > at)
            .map(|(_, cluster)| cluster)
    }

    /// `text` with every character this encoding cannot hold replaced by the nearest it holds:
    /// a letter typed with a separate accent as the one letter (`e` + U+0301 → `é`), when the
    /// encoding holds that; else the letter without its accents (`ễ` → `e`, `ş` → `s`, `İ` →
    /// `I`); a letter or sign that has no accent to drop by its usual Latin spelling (`Ł` → `L`,
    /// `ß` → `ss`, `Œ` → `OE`, `“` → `"`, `…` → `...`, Cyrillic and Greek as passports write
    /// them); invisible marks (zero-width spaces and joiners, direction marks) are left out.
    /// What has none of these (Chinese, Japanese, Korean, emoji) becomes one `?` per character.
    /// Characters the encoding holds are never changed.
    pub fn replace_unrepresentable(self, text: &str) -> String {
        if self.first_unrepresentable(text).is_none() {
            return text.to_string();
        }
        let clusters: Vec<&str> = text.graphemes(true).collect();
        let mut out = String::with_capacity(text.len());
        let mut index = 0;
        while let Some(&cluster) = clusters.get(index) {
            index += 1;
            if cluster.chars().all(|c| self.holds(c)) {
                out.push_str(cluster);
                continue;
            }
            let composed: String = cluster.nfc().collect();
            if composed.chars().all(|c| self.holds(c)) {
                out.push_str(&composed);
                continue;
            }
            let next = clusters
                .get(index)
                .and_then(|next| next.nfd().find(|c| !is_combining_mark(*c)));
            match self.nearest(cluster, next) {
                Some((spelled, covers_next)) => {
                    out.push_str(&spelled);
                    if covers_next {
                        index += 1;
                    }
                }
                None => out.push('?'),
            }
        }
        out
    }

    /// What this encoding writes for `cluster` (one character as a reader sees it, which it
    /// cannot hold as it is) when the next character's letter is `next`: its letters without
    /// accents, each as it is or in its usual Latin spelling; `None` when a letter has neither.
    /// The second value says that the spelling covers the next character too.
    fn nearest(self, cluster: &str, next: Option<char>) -> Option<(String, bool)> {
        let letters: Vec<char> = cluster
            .nfd()
            .filter(|c| !is_combining_mark(*c) && !is_invisible(*c))
            .collect();
        if let [letter] = letters[..] {
            return self.spelled(letter, next);
        }
        let mut out = String::new();
        for (index, &letter) in letters.iter().enumerate() {
            let (spelled, _) = self.spelled(letter, letters.get(index + 1).copied())?;
            out.push_str(&spelled);
        }
        Some((out, false))
    }

    /// `letter` (without accents) as this encoding can write it.
    fn spelled(self, letter: char, next: Option<char>) -> Option<(String, bool)> {
        if self.holds(letter) {
            return Some((letter.to_string(), false));
        }
        if let Some(spelled) = latin_spelling(letter, next) {
            return Some(spelled);
        }
        // A compatibility form: a ligature (ﬁ), a full-width or superscript letter, a special
        // space, ™ or № in letters.
        let plain: String = std::iter::once(letter)
            .nfkd()
            .filter(|c| !is_combining_mark(*c))
            .collect();
        (!plain.is_empty() && plain.chars().all(|c| self.holds(c))).then_some((plain, false))
    }

    /// Appends `text` encoded in this encoding to `out`. Characters it cannot hold are written
    /// as `?`; callers find and handle them first with [`first_unrepresentable`](Self::first_unrepresentable).
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) {
        match self {
            OutputEncoding::Utf8 => out.extend_from_slice(text.as_bytes()),
            _ if text.is_ascii() => out.extend_from_slice(text.as_bytes()),
            OutputEncoding::Iso8859_1 => out.extend(
                text.chars()
                    .map(|c| if self.holds(c) { c as u32 as u8 } else { b'?' }),
            ),
            OutputEncoding::Windows1252 => out.extend(text.chars().map(|c| {
                if c.is_ascii() {
                    c as u8
                } else {
                    windows_1252_byte(c).unwrap_or(b'?')
                }
            })),
        }
    }
}

/// Whether `c` is an invisible mark that carries nothing once the characters around it are
/// replaced: zero-width spaces and joiners, direction marks, the byte order mark, variation
/// selectors.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// The Windows-1252 byte of a non-ASCII character, if it has one.
fn windows_1252_byte(c: char) -> Option<u8> {
    let mut buffer = [0u8; 4];
    let text = c.encode_utf8(&mut buffer);
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable || bytes.len() != 1 {
        None
    } else {
        Some(bytes[0])
    }
}

#[cfg(test)]
mod tests {
    use super::OutputEncoding::*;
    use super::*;

    #[test]
    fn mapping_names_follow_nexj() {
        assert_eq!(Utf8.mapping_name(), "UTF-8");
        assert_eq!(Windows1252.mapping_name(), "CP-1252");
        assert_eq!(Iso8859_1.mapping_name(), "ISO-8859-1");
    }

    #[test]
    fn labels_round_trip() {
        for encoding in OutputEncoding::ALL {
            assert_eq!(OutputEncoding::from_label(encoding.label()), Some(encoding));
        }
        assert_eq!(OutputEncoding::from_label("CP1252"), Some(Windows1252));
        assert_eq!(OutputEncoding::from_label("ebcdic"), None);
    }

    #[test]
    fn windows_1252_holds_euro_and_curly_quotes_but_not_vietnamese() {
        assert_eq!(Windows1252.first_unrepresentable("Zoë “René” 5 €"), None);
        assert_eq!(Windows1252.first_unrepresentable("Nguyễn"), Some("ễ"));
        assert_eq!(Windows1252.first_unrepresentable("Łukasz"), Some("Ł"));
        // The whole character as a reader sees it: a flag, a letter with a separate accent.
        assert_eq!(Windows1252.first_unrepresentable("Paris 🇫🇷"), Some("🇫🇷"));
        assert_eq!(
            Iso8859_1.first_unrepresentable("Rene\u{301}e"),
            Some("e\u{301}")
        );
    }

    #[test]
    fn latin_1_has_no_euro_sign() {
        assert_eq!(Iso8859_1.first_unrepresentable("Zoë"), None);
        assert_eq!(Iso8859_1.first_unrepresentable("5 €"), Some("€"));
        assert_eq!(Utf8.first_unrepresentable("Nguyễn 😀"), None);
    }

    #[test]
    fn encoding_writes_the_right_bytes() {
        let mut out = Vec::new();
        Windows1252.encode_into("é€", &mut out);
        assert_eq!(out, [0xE9, 0x80]);
        out.clear();
        Iso8859_1.encode_into("é", &mut out);
        assert_eq!(out, [0xE9]);
        out.clear();
        Utf8.encode_into("é", &mut out);
        assert_eq!(out, [0xC3, 0xA9]);
    }

    #[test]
    fn replacement_writes_the_nearest_the_encoding_holds() {
        assert_eq!(Windows1252.replace_unrepresentable("Nguyễn"), "Nguyen");
        assert_eq!(Windows1252.replace_unrepresentable("Łukasz"), "Lukasz");
        assert_eq!(Windows1252.replace_unrepresentable("Zoë"), "Zoë");
        // Windows-1252 holds ß, ø, Œ and curly quotes: they stay. ISO-8859-1 holds ß and ø.
        assert_eq!(
            Windows1252.replace_unrepresentable("“Œuvre” Straße Søren Łódź"),
            "“Œuvre” Straße Søren Lódz"
        );
        assert_eq!(
            Iso8859_1.replace_unrepresentable("“Œuvre” – Straße Søren … 5 €"),
            "\"Oeuvre\" - Straße Søren ... 5 EUR"
        );
        assert_eq!(Iso8859_1.replace_unrepresentable("Œnologue"), "Oenologue");
    }

    #[test]
    fn a_separate_accent_is_joined_to_its_letter_where_the_encoding_holds_the_pair() {
        assert_eq!(Iso8859_1.replace_unrepresentable("Rene\u{301}e"), "Renée");
        // No “ễ” in Windows-1252: the letter alone.
        assert_eq!(
            Windows1252.replace_unrepresentable("Nguye\u{302}\u{303}n"),
            "Nguyen"
        );
    }

    #[test]
    fn what_has_no_latin_form_becomes_one_question_mark_per_character() {
        assert_eq!(Windows1252.replace_unrepresentable("王伟"), "??");
        assert_eq!(Windows1252.replace_unrepresentable("Ann 👍🏽🇫🇷"), "Ann ??");
        assert_eq!(Windows1252.replace_unrepresentable("김민"), "??");
        // Invisible marks are left out rather than shown as “?”.
        assert_eq!(Windows1252.replace_unrepresentable("Ann\u{200B}e"), "Anne");
    }

    #[test]
    fn cyrillic_and_greek_are_written_as_passports_write_them() {
        assert_eq!(
            Windows1252.replace_unrepresentable("Жанна Щукина"),
            "Zhanna Shchukina"
        );
        assert_eq!(Windows1252.replace_unrepresentable("Йорданов"), "Iordanov");
        assert_eq!(
            Windows1252.replace_unrepresentable("Παπαδόπουλος"),
            "Papadopoulos"
        );
        assert_eq!(Windows1252.replace_unrepresentable("Γεώργιος"), "Georgios");
    }

    #[test]
    fn replaced_text_is_always_held() {
        for text in [
            "Łukasz",
            "“a”",
            "Жанна",
            "王",
            "👍🏽",
            "ﬁne",
            "№ 5",
            "Ǆ",
            "e\u{301}",
            "\u{301}",
        ] {
            for encoding in [Windows1252, Iso8859_1] {
                let replaced = encoding.replace_unrepresentable(text);
                assert_eq!(
                    encoding.first_unrepresentable(&replaced),
                    None,
                    "{text} {replaced}"
                );
            }
        }
    }
}
