//! Text in Rich Text Format, as the CRM's `rtf2plain` text converter leaves it: the words
//! without the formatting codes.
//!
//! A cell holds RTF when it begins (after spaces) with `{\rtf`. Its text is read the way word
//! processors read it: groups that are not text (font and colour tables, style sheets, document
//! information, pictures, field instructions, anything marked `\*`) are left out; `\par` and
//! `\line` become line breaks and `\tab` a tab; `\'hh` bytes are decoded in the document's code
//! page (`\ansicpg`) or in the code page of the current font's character set (`\fcharset`);
//! `\uN` gives a Unicode character and skips its stand-in (`\ucN`). Line breaks and spaces at the
//! very end are removed, as a cell ends with its last word.
//!
//! The reader goes through the text once, keeps one state per open group, and never fails:
//! a value whose groups are not all closed (an RTF value cut off by an earlier export) is
//! reported as [`Rtf::Unfinished`], as the CRM's converter may then keep codes.

use encoding_rs::{Encoding, WINDOWS_1252};

/// What a value is, for the `rtf2plain` converter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rtf {
    /// Not RTF: the converter leaves it as it is.
    Plain,
    /// Whole RTF, with its text.
    Text(String),
    /// RTF that ends before its groups are closed, with the text read up to the end.
    Unfinished(String),
}

/// Whether `value` begins as RTF does (`{\rtf`, after spaces).
pub fn is_rtf(value: &str) -> bool {
    value.trim_start().starts_with("{\\rtf")
}

/// The text of `value` as the `rtf2plain` converter leaves it.
pub fn rtf_to_plain(value: &str) -> Rtf {
    if !is_rtf(value) {
        return Rtf::Plain;
    }
    let mut reader = Reader::new(value.trim_start().as_bytes());
    let finished = reader.run();
    let mut text = reader.out;
    let kept = text.trim_end_matches(['\n', '\r', ' ', '\t']).len();
    text.truncate(kept);
    if finished {
        Rtf::Text(text)
    } else {
        Rtf::Unfinished(text)
    }
}

/// The state of one open group.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// Its text is not shown (a table, a picture, an instruction).
    hidden: bool,
    /// How many stand-in characters follow a `\uN`.
    stand_ins: u32,
    /// The code page of its `\'hh` bytes.
    encoding: &'static Encoding,
    /// This group is the font table: `\fN` and `\fcharsetN` describe fonts.
    font_table: bool,
}

/// Destinations whose text is not part of the value.
const HIDDEN: &[&[u8]] = &[
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"objdata",
    b"header",
    b"headerl",
    b"headerr",
    b"headerf",
    b"footer",
    b"footerl",
    b"footerr",
    b"footerf",
    b"footnote",
    b"fldinst",
    b"listtable",
    b"listoverridetable",
    b"revtbl",
    b"rsidtbl",
    b"filetbl",
    b"xmlnstbl",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"generator",
    b"pntext",
    b"pntxta",
    b"pntxtb",
    b"bkmkstart",
    b"bkmkend",
    b"annotation",
    b"atnid",
    b"atnauthor",
    b"template",
    b"userprops",
    b"docvar",
    b"nonshppict",
    b"shppict",
];

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
    groups: Vec<Group>,
    current: Group,
    /// The document's code page.
    document: &'static Encoding,
    /// Font number → the code page of its character set.
    fonts: Vec<(i32, &'static Encoding)>,
    /// The font the font table is describing.
    describing: Option<i32>,
    /// `\'hh` bytes not yet decoded (a double-byte character comes as two of them).
    bytes: Vec<u8>,
    /// Stand-in characters still to skip after a `\uN`.
    skipping: u32,
    out: String,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Reader<'a> {
        let current = Group {
            hidden: false,
            stand_ins: 1,
            encoding: WINDOWS_1252,
            font_table: false,
        };
        Reader {
            input,
            at: 0,
            groups: Vec::new(),
            current,
            document: WINDOWS_1252,
            fonts: Vec::new(),
            describing: None,
            bytes: Vec::new(),
            skipping: 0,
            out: String::new(),
        }
    }

    /// Reads the whole value; whether its outermost group was closed.
    fn run(&mut self) -> bool {
        while let Some(&byte) = self.input.get(self.at) {
            self.at += 1;
            match byte {
                b'{' => {
                    self.flush();
                    self.skipping = 0;
                    self.groups.push(self.current);
                }
                b'}' => {
                    self.flush();
                    self.skipping = 0;
                    match self.groups.pop() {
                        Some(outer) => self.current = outer,
                        None => return false,
                    }
                    if self.groups.is_empty() {
                        return true;
                    }
                }
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                _ => {
                    // A run of plain text, up to the next code (all ASCII bytes, so a character
                    // never straddles its end).
                    let start = self.at - 1;
                    let end = self.input[start..]
                        .iter()
                        .position(|b| matches!(b, b'{' | b'}' | b'\\' | b'\r' | b'\n'))
                        .map_or(self.input.len(), |n| start + n);
                    self.at = end;
                    let text = String::from_utf8_lossy(&self.input[start..end]);
                    self.text(&text);
                }
            }
        }
        false
    }

    /// A control word or symbol, after its backslash.
    fn control(&mut self) {
        let Some(&first) = self.input.get(self.at) else {
            return;
        };
        if !first.is_ascii() {
            // A backslash before a letter of another script: the letter is text.
            return;
        }
        if !first.is_ascii_alphabetic() {
            self.at += 1;
            match first {
                b'\'' => {
                    let hex = self.input.get(self.at..self.at + 2);
                    let byte = hex
                        .and_then(|hex| std::str::from_utf8(hex).ok())
                        .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                    if let Some(byte) = byte {
                        self.at += 2;
                        if self.skipping > 0 {
                            self.skipping -= 1;
                        } else if !self.current.hidden {
                            self.bytes.push(byte);
                        }
                    }
                }
                b'\\' | b'{' | b'}' => self.text(char::from(first).encode_utf8(&mut [0; 4])),
                b'~' => self.text("\u{a0}"),
                b'_' => self.text("\u{2011}"),
                b'\r' | b'\n' => self.text("\n"),
                b'*' => self.current.hidden = true,
                _ => {}
            }
            return;
        }
        let start = self.at;
        while self
            .input
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphabetic())
            && self.at - start < 32
        {
            self.at += 1;
        }
        let word = &self.input[start..self.at];
        let sign_at = self.at;
        if self.input.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let digits_at = self.at;
        while self.input.get(self.at).is_some_and(u8::is_ascii_digit) && self.at - digits_at < 10 {
            self.at += 1;
        }
        let parameter = if self.at > digits_at {
            std::str::from_utf8(&self.input[sign_at..self.at])
                .ok()
                .and_then(|digits| digits.parse::<i64>().ok())
        } else {
            self.at = sign_at;
            None
        };
        if self.input.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        self.word(word, parameter);
    }

    /// A control word with its parameter.
    fn word(&mut self, word: &[u8], parameter: Option<i64>) {
        if self.skipping > 0 && word != b"bin" {
            self.skipping -= 1;
            return;
        }
        let number = |default: i64| parameter.unwrap_or(default);
        match word {
            b"par" | b"line" | b"sect" | b"page" | b"row" => self.text("\n"),
            b"tab" | b"cell" => self.text("\t"),
            b"emdash" => self.text("\u{2014}"),
            b"endash" => self.text("\u{2013}"),
            b"bullet" => self.text("\u{2022}"),
            b"lquote" => self.text("\u{2018}"),
            b"rquote" => self.text("\u{2019}"),
            b"ldblquote" => self.text("\u{201c}"),
            b"rdblquote" => self.text("\u{201d}"),
            b"emspace" | b"enspace" | b"qmspace" => self.text(" "),
            b"u" => {
                let code = number(0);
                let code = if code < 0 { code + 65536 } else { code };
                let character = u32::try_from(code)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}');
                self.text(character.encode_utf8(&mut [0; 4]));
                self.skipping = self.current.stand_ins;
            }
            b"uc" => self.current.stand_ins = u32::try_from(number(1)).unwrap_or(1).min(16),
            b"ansicpg" => {
                if let Some(encoding) = code_page(number(1252)) {
                    self.document = encoding;
                    self.current.encoding = encoding;
                }
            }
            b"mac" => {
                self.document = encoding_rs::MACINTOSH;
                self.current.encoding = encoding_rs::MACINTOSH;
            }
            b"fonttbl" => {
                self.current.hidden = true;
                self.current.font_table = true;
            }
            b"f" => {
                let font = i32::try_from(number(0)).unwrap_or(0);
                if self.current.font_table {
                    self.describing = Some(font);
                } else {
                    self.flush();
                    let encoding = self
                        .fonts
                        .iter()
                        .find(|(number, _)| *number == font)
                        .map_or(self.document, |(_, encoding)| *encoding);
                    self.current.encoding = encoding;
                }
            }
            b"fcharset" => {
                if let (true, Some(font)) = (self.current.font_table, self.describing) {
                    let encoding = charset(number(0)).unwrap_or(self.document);
                    self.fonts.retain(|(number, _)| *number != font);
                    self.fonts.push((font, encoding));
                }
            }
            b"bin" => {
                let length = usize::try_from(number(0)).unwrap_or(0);
                self.at = self.at.saturating_add(length).min(self.input.len());
            }
            _ => {
                if HIDDEN.contains(&word) {
                    self.current.hidden = true;
                }
            }
        }
    }

    /// Text of the value, unless its group is hidden or it stands in for a `\uN` character.
    fn text(&mut self, text: &str) {
        if self.current.hidden {
            return;
        }
        let mut text = text;
        while self.skipping > 0 {
            let mut chars = text.chars();
            if chars.next().is_none() {
                return;
            }
            text = chars.as_str();
            self.skipping -= 1;
        }
        self.flush();
        self.out.push_str(text);
    }

    /// Decodes the pending `\'hh` bytes.
    fn flush(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let (text, _) = self
            .current
            .encoding
            .decode_without_bom_handling(&self.bytes);
        self.out.push_str(&text);
        self.bytes.clear();
    }
}

/// The encoding of a Windows code page number, where encodings know it.
fn code_page(number: i64) -> Option<&'static Encoding> {
    codepage::to_encoding(u16::try_from(number).ok()?)
}

/// The code page of an RTF font character set (`\fcharsetN`); `None` for the document's own.
fn charset(number: i64) -> Option<&'static Encoding> {
    let page = match number {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    };
    code_page(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(value: &str) -> String {
        match rtf_to_plain(value) {
            Rtf::Text(text) => text,
            other => panic!("{value:?} read as {other:?}"),
        }
    }

    #[test]
    fn plain_text_is_not_rtf() {
        for value in ["", "Hello", " {rtf}", "{\\b bold}", "\\rtf1 x", "rtf"] {
            assert_eq!(rtf_to_plain(value), Rtf::Plain, "{value:?}");
        }
        assert!(is_rtf("  {\\rtf1 x}"));
    }

    #[test]
    fn codes_and_hidden_groups_are_left_out() {
        let value = "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}{\\colortbl;\\red255\\green0\\blue0;}\
                     {\\*\\generator Riched20 10.0;}{\\info{\\author Ann}}\\pard\\f0\\fs20 Call {\\b back}\\cf1  soon\\par\n}";
        assert_eq!(plain(value), "Call back soon");
    }

    #[test]
    fn breaks_tabs_and_escapes() {
        assert_eq!(
            plain("{\\rtf1 a\\par b\\line c\\tab d\\\\e\\{f\\}g\\~h}"),
            "a\nb\nc\td\\e{f}g\u{a0}h"
        );
        assert_eq!(plain("{\\rtf1 one\\\ntwo}"), "one\ntwo");
        assert_eq!(
            plain("{\\rtf1 \\ldblquote x\\rdblquote\\emdash y}"),
            "\u{201c}x\u{201d}\u{2014}y"
        );
    }

    #[test]
    fn bytes_in_the_document_code_page() {
        assert_eq!(
            plain("{\\rtf1\\ansi\\ansicpg1252 \\'93caf\\'e9\\'94}"),
            "\u{201c}café\u{201d}"
        );
        assert_eq!(plain("{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8}"), "При");
        // Shift_JIS: one character from two bytes.
        assert_eq!(plain("{\\rtf1\\ansi\\ansicpg932 \\'93\\'fa}"), "日");
    }

    #[test]
    fn bytes_in_the_font_character_set() {
        let value = "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}{\\f1\\fcharset204 Arial CYR;}}\
                     \\f0 caf\\'e9 {\\f1 \\'cf\\'f0\\'e8}\\f1\\'e2}";
        assert_eq!(plain(value), "café При\u{432}");
    }

    #[test]
    fn unicode_characters_skip_their_stand_ins() {
        assert_eq!(plain("{\\rtf1 a\\u233?b}"), "aéb");
        assert_eq!(plain("{\\rtf1 \\uc2 a\\u8364\\'80\\'80b}"), "a€b");
        assert_eq!(plain("{\\rtf1 \\uc0 a\\u-3913 b}"), "a\u{f0b7}b");
        assert_eq!(plain("{\\rtf1 \\u20320\\'c4\\u22909\\'ba}"), "你好");
    }

    #[test]
    fn cut_off_rtf_is_unfinished() {
        assert_eq!(
            rtf_to_plain("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Call back so"),
            Rtf::Unfinished("Call back so".to_string())
        );
        assert_eq!(rtf_to_plain("{\\rtf1 x}} y"), Rtf::Text("x".to_string()));
    }

    #[test]
    fn binary_data_and_odd_codes_never_break_the_reading() {
        assert_eq!(plain("{\\rtf1 a{\\*\\blip\\bin3 {}\\}b}"), "ab");
        for value in [
            "{\\rtf1 \\",
            "{\\rtf1 \\'",
            "{\\rtf1 \\'é}",
            "{\\rtf1 \\'aé}",
            "{\\rtf1 \\u99999999999}",
            "{\\rtf1 \\bin99999999999999999999 x}",
            "{\\rtf1 \\ansicpg99999 \\'e9}",
            "{\\rtf1 \\abcdefghijklmnopqrstuvwxyzabcdefghijklmnop}",
            "{\\rtf1 é\\u-1?ü}",
        ] {
            let _ = rtf_to_plain(value);
        }
        assert_eq!(plain("{\\rtf1 é\\'zz ü}"), "ézz ü");
        assert_eq!(plain("{\\rtf1 a\\é}"), "aé");
    }
}
