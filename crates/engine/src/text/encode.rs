//! Output encodings of import packages: writing text in UTF-8, Windows-1252 or ISO-8859-1, and
//! finding the characters an encoding cannot hold before anything is written.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

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
    /// Replace each with its letter without accent (`ễ` → `e`) where there is one, else `?`.
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

    /// The first character of `text` this encoding cannot hold.
    pub fn first_unrepresentable(self, text: &str) -> Option<char> {
        if self == OutputEncoding::Utf8 || text.is_ascii() {
            return None;
        }
        text.chars().find(|&c| !self.holds(c))
    }

    /// `text` with every character this encoding cannot hold replaced by its letter without
    /// accent (`ễ` → `e`) where there is one, else by `?` (`Ł` has no plain form: `?`).
    pub fn replace_unrepresentable(self, text: &str) -> String {
        if self.first_unrepresentable(text).is_none() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if self.holds(c) {
                out.push(c);
                continue;
            }
            // Decompose (ễ → e + ̂ + ̃) and keep what the encoding holds, without the accents.
            let base: String = std::iter::once(c)
                .nfd()
                .filter(|d| !unicode_normalization::char::is_combining_mark(*d))
                .collect();
            if !base.is_empty() && base.chars().all(|d| self.holds(d)) {
                out.push_str(&base);
            } else {
                out.push('?');
            }
        }
        out
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
        assert_eq!(Windows1252.first_unrepresentable("Nguyễn"), Some('ễ'));
        assert_eq!(Windows1252.first_unrepresentable("Łukasz"), Some('Ł'));
    }

    #[test]
    fn latin_1_has_no_euro_sign() {
        assert_eq!(Iso8859_1.first_unrepresentable("Zoë"), None);
        assert_eq!(Iso8859_1.first_unrepresentable("5 €"), Some('€'));
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
    fn replacement_drops_accents_before_giving_up() {
        assert_eq!(Windows1252.replace_unrepresentable("Nguyễn"), "Nguyen");
        assert_eq!(Windows1252.replace_unrepresentable("Łukasz"), "?ukasz");
        assert_eq!(Iso8859_1.replace_unrepresentable("5 €"), "5 ?");
        assert_eq!(Windows1252.replace_unrepresentable("Zoë"), "Zoë");
    }
}
