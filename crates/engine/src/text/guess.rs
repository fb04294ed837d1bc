//! Telling encodings apart by what their bytes spell: which single-byte encoding a file that is
//! not UTF-8 was written in (Windows-1252, ISO-8859-15 or Mac Roman), and whether a file with a
//! few bytes that are not UTF-8 is UTF-8 all the same.
//!
//! The three single-byte encodings read the bytes 0x00–0x7F alike (ASCII) and differ above. Each
//! reading of a file is scored word by word (a word: letters and bytes beyond ASCII, between
//! digits, spaces and punctuation), by how plausible its characters beyond ASCII are in Western
//! European names and words:
//!
//! - a letter inside a word scores; a Latin-1 letter (`é`, `ü`, `ø`, `ß`…) scores more;
//! - a word whose letters change case in a way names do not (`RenŽe`, `MŸller`, `OÕBrien`), a
//!   letter standing alone, and letters of two scripts side by side cost;
//! - a symbol between two letters costs (`Zo‘e`, `M˘ller`), except an apostrophe where one
//!   belongs (`O’Brien`, `l’Oréal`); so does a symbol right after another (`â€™`), and a symbol
//!   rarely written in names or addresses (`¤`, `¦`, `‡`, `◊`), more where it touches a letter
//!   (`´ák`, `¦árka`);
//! - a control character (what ISO-8859-15 makes of Windows-1252's `€`, `‘` or `Š`, and what
//!   Windows-1252 makes of five bytes it does not assign) costs most;
//! - `€` next to a digit or a space scores.
//!
//! Windows-1252, what Excel writes on Windows, starts a point ahead: another encoding is chosen
//! only when it reads the letters better by two points or more. When the winner is ahead of the
//! runner-up by less than [`SURE_LEAD`], the choice is reported as a guess.
//!
//! Only the scoring of a sample (at most [`SNIFF_BYTES`](crate::text::decode::SNIFF_BYTES)) uses
//! this module: decoding a file never does.

use encoding_rs::{Encoding, ISO_8859_15, MACINTOSH, WINDOWS_1252};

/// The single-byte encodings a file that is not UTF-8 is read in, in the order that wins a tie.
pub const SINGLE_BYTE: [&Encoding; 3] = [WINDOWS_1252, ISO_8859_15, MACINTOSH];

/// Windows-1252's head start.
const WINDOWS_1252_PRIOR: i64 = 1;

/// The lead over the runner-up from which a single-byte encoding is taken as certain: about
/// three letters that read well in one encoding and badly in the other.
pub const SURE_LEAD: i64 = 6;

/// The longest example word a note quotes, in characters.
const MAX_EXAMPLE_CHARS: usize = 40;

/// What a single-byte encoding makes of each byte from 0x80 to 0xFF.
struct Table([char; 128]);

impl Table {
    fn new(encoding: &'static Encoding) -> Table {
        let mut chars = ['\u{FFFD}'; 128];
        for (byte, slot) in (0x80..=0xFFu8).zip(chars.iter_mut()) {
            let one = [byte];
            let (text, _) = encoding.decode_without_bom_handling(&one);
            *slot = text.chars().next().unwrap_or('\u{FFFD}');
        }
        Table(chars)
    }

    fn char(&self, byte: u8) -> char {
        match byte.checked_sub(0x80) {
            Some(high) => self.0[usize::from(high)],
            None => char::from(byte),
        }
    }

    fn read(&self, bytes: &[u8], out: &mut Vec<char>) {
        out.clear();
        out.extend(bytes.iter().map(|&byte| self.char(byte)));
    }
}

/// The runner-up of a single-byte guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerUp {
    /// The encoding that read the file's letters second best (and differently).
    pub encoding: &'static Encoding,
    /// It came so close that the choice is a guess.
    pub close: bool,
    /// A word of the file as the chosen encoding reads it, and as the runner-up does: the word
    /// that tells them apart best.
    pub example: Option<(String, String)>,
}

/// Which single-byte encoding reads `sample` best, and the runner-up that reads it differently
/// (none when every candidate reads it alike, for example when it is ASCII).
pub fn guess_single_byte(sample: &[u8]) -> (&'static Encoding, Option<RunnerUp>) {
    let tables = SINGLE_BYTE.map(Table::new);
    let mut scores = [0i64; SINGLE_BYTE.len()];
    scores[0] = WINDOWS_1252_PRIOR;
    let mut present = [false; 128];
    let mut chars = Vec::new();
    for (start, end) in words(sample) {
        let (before, after) = context(sample, start, end);
        for &byte in &sample[start..end] {
            if byte >= 0x80 {
                present[usize::from(byte - 0x80)] = true;
            }
        }
        for (table, score) in tables.iter().zip(scores.iter_mut()) {
            table.read(&sample[start..end], &mut chars);
            *score += word_score(before, &chars, after);
        }
    }
    // The first of the best wins a tie.
    let best = (0..SINGLE_BYTE.len())
        .rev()
        .max_by_key(|&index| scores[index])
        .unwrap_or(0);
    let differs = |index: usize| {
        (0..128).any(|high| present[high] && tables[index].0[high] != tables[best].0[high])
    };
    let runner_up = (0..SINGLE_BYTE.len())
        .rev()
        .filter(|&index| index != best && differs(index))
        .max_by_key(|&index| scores[index]);
    let runner_up = runner_up.map(|second| RunnerUp {
        encoding: SINGLE_BYTE[second],
        close: scores[best] - scores[second] < SURE_LEAD,
        example: example(sample, &tables[best], &tables[second]),
    });
    (SINGLE_BYTE[best], runner_up)
}

/// The word of `sample` whose reading by `chosen` beats its reading by `other` most (the first
/// among equals; a word that neither reads as a control character first), as each reads it, a
/// control character shown as “�”.
fn example(sample: &[u8], chosen: &Table, other: &Table) -> Option<(String, String)> {
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    let mut best: Option<((bool, i64), usize, usize)> = None;
    for (start, end) in words(sample) {
        let (before, after) = context(sample, start, end);
        chosen.read(&sample[start..end], &mut mine);
        other.read(&sample[start..end], &mut theirs);
        if mine == theirs || mine.len() > MAX_EXAMPLE_CHARS {
            continue;
        }
        let clean = !mine.iter().chain(&theirs).any(|&c| is_control(c));
        let lead = word_score(before, &mine, after) - word_score(before, &theirs, after);
        if best.is_none_or(|(most, _, _)| (clean, lead) > most) {
            best = Some(((clean, lead), start, end));
        }
    }
    let (_, start, end) = best?;
    let shown = |table: &Table| -> String {
        sample[start..end]
            .iter()
            .map(|&byte| match table.char(byte) {
                c if is_control(c) => '\u{FFFD}',
                c => c,
            })
            .collect()
    };
    Some((shown(chosen), shown(other)))
}

/// A C1 control character: what a single-byte encoding makes of a byte it has no letter for.
fn is_control(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9F}')
}

/// Whether `sample`, which holds bytes that are not UTF-8, is UTF-8 all the same: at least three
/// of its words hold valid UTF-8 sequences beyond ASCII that read better as UTF-8 than in any of
/// the single-byte encodings, and such words outnumber those that read better otherwise. How
/// many stray bytes there are does not matter: a file pasted together from a UTF-8 export and a
/// Windows-1252 one stays UTF-8, and each row with stray bytes is named. `complete` says whether
/// the sample is the whole file; if not, a character cut off at its end is left out.
pub fn utf8_despite_strays(sample: &[u8], complete: bool) -> bool {
    let tables = SINGLE_BYTE.map(Table::new);
    let (mut better, mut worse) = (0usize, 0usize);
    let (mut utf8, mut single) = (Vec::new(), Vec::new());
    for (start, end) in words(sample) {
        let cut = !complete && end == sample.len();
        if !read_utf8(&sample[start..end], cut, &mut utf8) {
            continue;
        }
        let (before, after) = context(sample, start, end);
        let as_utf8 = word_score(before, &utf8, after);
        let as_single = tables
            .iter()
            .map(|table| {
                table.read(&sample[start..end], &mut single);
                word_score(before, &single, after)
            })
            .max()
            .unwrap_or(0);
        if as_utf8 > as_single {
            better += 1;
        } else {
            worse += 1;
        }
    }
    better >= 3 && better > worse
}

/// Reads a word as the decoder reads a UTF-8 file (bytes that are not UTF-8 as Windows-1252);
/// `false` if it holds no valid UTF-8 sequence beyond ASCII. With `cut`, an incomplete
/// character at the end is left out.
fn read_utf8(mut bytes: &[u8], cut: bool, out: &mut Vec<char>) -> bool {
    out.clear();
    let mut multibyte = false;
    loop {
        let (valid, error) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => (
                std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default(),
                Some(error),
            ),
        };
        multibyte |= !valid.is_ascii();
        out.extend(valid.chars());
        let Some(error) = error else {
            return multibyte;
        };
        let rest = &bytes[error.valid_up_to()..];
        let bad = match error.error_len() {
            Some(len) => len,
            None if cut => return multibyte,
            None => rest.len(),
        };
        let (text, _) = WINDOWS_1252.decode_without_bom_handling(&rest[..bad]);
        out.extend(text.chars());
        bytes = &rest[bad..];
    }
}

/// The words of `sample` that hold a byte beyond ASCII, as byte ranges: runs of ASCII letters
/// and bytes beyond ASCII.
fn words(sample: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let is_word = |byte: u8| byte >= 0x80 || byte.is_ascii_alphabetic();
    let mut at = 0;
    std::iter::from_fn(move || {
        at += sample.get(at..)?.iter().position(|&byte| byte >= 0x80)?;
        let start = at
            - sample[..at]
                .iter()
                .rev()
                .take_while(|&&b| is_word(b))
                .count();
        at += sample[at..].iter().take_while(|&&b| is_word(b)).count();
        Some((start, at))
    })
}

/// The characters just before and after a word (ASCII, or a space at the sample's edges).
fn context(sample: &[u8], start: usize, end: usize) -> (char, char) {
    let at = |index: Option<usize>| {
        index
            .and_then(|index| sample.get(index))
            .map_or(' ', |&byte| char::from(byte))
    };
    (at(start.checked_sub(1)), at(Some(end)))
}

/// How plausible a word is in a lead file: the sum of its characters beyond ASCII's scores.
/// `before` and `after` are the characters around it.
pub fn word_score(before: char, word: &[char], after: char) -> i64 {
    let mut score = 0;
    for (index, &c) in word.iter().enumerate() {
        if c.is_ascii() {
            continue;
        }
        let previous = index.checked_sub(1).map_or(before, |at| word[at]);
        let next = word.get(index + 1).copied().unwrap_or(after);
        score += if is_letter(c) {
            letter_score(word, index, previous, next)
        } else {
            other_score(word, index, previous, next)
        };
    }
    score
}

fn letter_score(word: &[char], index: usize, previous: char, next: char) -> i64 {
    let c = word[index];
    let in_word = is_letter(previous) || is_letter(next);
    let mut score = if in_word {
        1 + i64::from(is_latin_1_letter(c))
    } else if matches!(c, 'à' | 'é' | 'è' | 'ó' | 'ò') {
        // Words of one letter in French, Spanish, Portuguese, Catalan and Italian.
        0
    } else if c.is_uppercase() {
        -2
    } else {
        -1
    };
    let other_script = |neighbour: char| is_letter(neighbour) && script(neighbour) != script(c);
    if other_script(previous) || other_script(next) {
        score -= 3;
    }
    if !names_case(word, index) {
        score -= 4;
    }
    score
}

fn other_score(word: &[char], index: usize, previous: char, next: char) -> i64 {
    let c = word[index];
    match c {
        _ if is_control(c) || c == '\u{FFFD}' => return -10,
        '\u{E000}'..='\u{F8FF}' => return -3,
        '\u{A0}' => return 0,
        _ => {}
    }
    if is_letter(previous) && is_letter(next) {
        return match c {
            '’' | '´' if apostrophe(word, index) => 1,
            '’' | '´' | '‘' | '·' => 0,
            '–' => -1,
            _ => -3,
        };
    }
    let mut score = 0;
    // A symbol right after another (a letter, a space or a pair of quotes is not one).
    let after_symbol = !(previous.is_ascii() || is_letter(previous) || previous == '\u{A0}');
    if after_symbol && !(is_quote(previous) && is_quote(c)) {
        score -= 3;
    }
    let by_number = |neighbour: char| neighbour.is_ascii_digit() || neighbour == ' ';
    let by_letter = is_letter(previous) || is_letter(next);
    match c {
        '€' if by_number(previous) || by_number(next) => score += 1,
        '¼' | '½' | '¾' if previous.is_ascii_digit() || next.is_ascii_digit() => {}
        // An acute accent written alone stands between letters, as an apostrophe.
        '´' if by_letter => score -= 2,
        _ if !common_symbol(c) => score -= if by_letter { 2 } else { 1 },
        _ => {}
    }
    score
}

/// An apostrophe where one belongs: after one or two letters (`O’Brien`, `d’Arcy`, `l’Oréal`),
/// or before an English ending (`John’s`, `can’t`).
fn apostrophe(word: &[char], index: usize) -> bool {
    let before = word[..index]
        .iter()
        .rev()
        .take_while(|&&c| is_letter(c))
        .count();
    let after: String = word[index + 1..]
        .iter()
        .take_while(|&&c| is_letter(c))
        .collect();
    before <= 2 || matches!(after.as_str(), "s" | "t" | "d" | "m" | "ll" | "re" | "ve")
}

/// Whether the run of letters holding `word[index]` is written as names are: all lower case,
/// all upper case, or one capital first.
fn names_case(word: &[char], index: usize) -> bool {
    let start = index
        - word[..index]
            .iter()
            .rev()
            .take_while(|&&c| is_letter(c))
            .count();
    let end = index + word[index..].iter().take_while(|&&c| is_letter(c)).count();
    let run = &word[start..end];
    let upper = run.iter().filter(|c| c.is_uppercase()).count();
    let lower = run.iter().filter(|c| c.is_lowercase()).count();
    upper == 0 || lower == 0 || (upper == 1 && run[0].is_uppercase())
}

/// A letter of a name: alphabetic, but not an ordinal indicator (`ª`, `º`) or a modifier
/// (`ˆ`, `˜`, which Windows-1252 has and Unicode counts as letters).
fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !matches!(c, 'ª' | 'º' | '\u{2B0}'..='\u{2FF}')
}

/// The letters of Western Europe's languages beyond ASCII (Latin-1's).
fn is_latin_1_letter(c: char) -> bool {
    matches!(c, 'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ')
}

fn is_quote(c: char) -> bool {
    matches!(c, '’' | '‘' | '“' | '”' | '«' | '»' | '„' | '‚')
}

/// Symbols written in names, companies and addresses.
fn common_symbol(c: char) -> bool {
    is_quote(c)
        || matches!(
            c,
            '–' | '—'
                | '…'
                | '€'
                | '£'
                | '¥'
                | '¢'
                | '©'
                | '®'
                | '™'
                | '°'
                | '•'
                | '·'
                | '¿'
                | '¡'
                | '´'
                | 'µ'
                | '×'
                | '²'
                | '³'
                | 'ª'
                | 'º'
        )
}

#[derive(PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Other,
}

fn script(c: char) -> Script {
    match c {
        'a'..='z'
        | 'A'..='Z'
        | '\u{C0}'..='\u{24F}'
        | '\u{1E00}'..='\u{1EFF}'
        | '\u{FB00}'..='\u{FB06}' => Script::Latin,
        '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{400}'..='\u{52F}' => Script::Cyrillic,
        _ => Script::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of several Western languages; a file holds those its encoding can hold.
    const LANGUAGES: &[(&str, &[&str])] = &[
        (
            "French",
            &[
                "Zoë Lefèvre",
                "Anaïs Dubois",
                "Hélène Garçon",
                "Renée Lœvenbruck",
                "Jérôme Benoît",
                "Noël Gaëlle",
                "Cécile Mélançon",
                "François Ménard",
            ],
        ),
        (
            "German",
            &[
                "Jörg Müller",
                "Jürgen Schröder",
                "Käthe Weiß",
                "Günther Bäcker",
                "Björn Straßer",
                "Uwe Köhler",
                "Anja Jäger",
                "Sören Löw",
            ],
        ),
        (
            "Spanish",
            &[
                "José García",
                "Álvaro Muñoz",
                "Inés Peña",
                "María Núñez",
                "Begoña Ibáñez",
                "Ramón Martínez",
                "Íñigo Pérez",
                "Jesús Gómez",
            ],
        ),
        (
            "Nordic",
            &[
                "Søren Kierkegaard",
                "Åsa Ærø",
                "Øystein Kjærsgaard",
                "Ólafur Jónsson",
                "Märta Ångström",
                "Pål Hågensen",
                "Sigríður Þórsdóttir",
                "Björk Guðmundsdóttir",
            ],
        ),
        (
            "Czech",
            &[
                "Šárka Žáková",
                "Žofie Šimková",
                "Tomáš Kuželová",
                "Lukáš Vošahlík",
                "Jaroslav Žák",
                "Miloš Škoda",
                "Radek Šíma",
                "Petra Šebestová",
            ],
        ),
        (
            "Polish",
            &["Józef Wójcik", "Jan Mróz", "Anna Król", "Piotr Góra"],
        ),
        (
            "Italian",
            &[
                "Niccolò Pietà",
                "Mattia Ferrè",
                "Nicolò Mosè",
                "Gianluca Cantù",
            ],
        ),
        (
            "Portuguese",
            &[
                "João Conceição",
                "Inês Simões",
                "Luís Gonçalves",
                "Sebastião Araújo",
            ],
        ),
    ];

    /// A small lead file of `names`, in `encoding`; `None` if it cannot hold them.
    fn file(names: &[&str], encoding: &'static Encoding) -> Option<Vec<u8>> {
        let mut text = String::from("First Name,Last Name,Email\n");
        for name in names {
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            text.push_str(&format!("{first},{last},x@example.com\n"));
        }
        let (bytes, _, unmappable) = encoding.encode(&text);
        (!unmappable).then(|| bytes.into_owned())
    }

    fn reads_alike(one: &'static Encoding, other: &'static Encoding, bytes: &[u8]) -> bool {
        one.decode_without_bom_handling(bytes).0 == other.decode_without_bom_handling(bytes).0
    }

    #[test]
    fn names_of_every_western_language_are_read_in_their_encoding_from_one_name_on() {
        for encoding in SINGLE_BYTE {
            for (language, names) in LANGUAGES {
                let names: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|name| file(&[name], encoding).is_some())
                    .collect();
                for count in 1..=names.len() {
                    let bytes = file(&names[..count], encoding).expect("encodable names");
                    let (guessed, _) = guess_single_byte(&bytes);
                    assert!(
                        reads_alike(guessed, encoding, &bytes),
                        "{count} {language} names in {} read as {}",
                        encoding.name(),
                        guessed.name()
                    );
                }
            }
        }
    }

    #[test]
    fn a_few_names_leave_doubt_and_many_do_not() {
        let few = file(&["Jörg Müller"], MACINTOSH).unwrap();
        let (guessed, runner_up) = guess_single_byte(&few);
        assert_eq!(guessed, MACINTOSH);
        let runner_up = runner_up.expect("Windows-1252 reads it otherwise");
        assert_eq!(runner_up.encoding, WINDOWS_1252);
        assert!(runner_up.close);
        assert_eq!(
            runner_up.example,
            Some(("Müller".to_string(), "MŸller".to_string()))
        );

        let many = file(LANGUAGES[1].1, MACINTOSH).unwrap();
        let (guessed, runner_up) = guess_single_byte(&many);
        assert_eq!(guessed, MACINTOSH);
        assert!(!runner_up.expect("a runner-up").close);
    }

    #[test]
    fn symbols_tell_the_encodings_apart() {
        // (text, encoding): what each is read as, when written in it.
        let cases = [
            "Price,100 €\n",
            "Price,€100\n",
            "Note,“René” O’Brien – 100 €\n",
            "Name,O’Brien\n",
            "Name,D´Angelo\n",
            "Address,4½ Main St\n",
            "Company,Müller & Söhne GmbH ®\n",
            "Company,Café “Chez Zoë” – 12,50 €\n",
            "Name,Œuvre\n",
        ];
        for encoding in SINGLE_BYTE {
            for case in cases {
                let (bytes, _, unmappable) = encoding.encode(case);
                if unmappable {
                    continue;
                }
                let (guessed, runner_up) = guess_single_byte(&bytes);
                if case == "Name,Œuvre\n" && encoding == MACINTOSH {
                    // “Îuvre” and “Œuvre” are both words: Windows-1252 wins, and says Mac Roman
                    // could be meant.
                    assert_eq!(guessed, WINDOWS_1252);
                    let runner_up = runner_up.expect("Mac Roman reads it otherwise");
                    assert!(runner_up.close && runner_up.encoding == MACINTOSH);
                    continue;
                }
                assert!(
                    reads_alike(guessed, encoding, &bytes),
                    "{case:?} in {} read as {}",
                    encoding.name(),
                    guessed.name()
                );
            }
        }
    }

    #[test]
    fn a_euro_sign_alone_is_enough_but_leaves_doubt() {
        for (encoding, byte, other) in [
            (WINDOWS_1252, 0x80, MACINTOSH),
            (ISO_8859_15, 0xA4, WINDOWS_1252),
            (MACINTOSH, 0xDB, WINDOWS_1252),
        ] {
            let bytes = [b"Price,100 ".as_slice(), &[byte], b"\n"].concat();
            let (guessed, runner_up) = guess_single_byte(&bytes);
            assert_eq!(guessed, encoding);
            let runner_up = runner_up.expect("a runner-up");
            assert!(runner_up.close, "{}", encoding.name());
            assert_eq!(runner_up.encoding, other, "{}", encoding.name());
            assert_eq!(runner_up.example.expect("an example").0, "€");
        }
    }

    #[test]
    fn ascii_is_windows_1252_with_no_runner_up() {
        assert_eq!(
            guess_single_byte(b"First Name,Last Name\nAnn,Lee\n"),
            (WINDOWS_1252, None)
        );
    }

    #[test]
    fn examples_show_no_control_character() {
        // Mac Roman's “è” is a byte Windows-1252 leaves unassigned; “é” is its “Ž”.
        let bytes = file(&["Renée Lefèvre"], MACINTOSH).unwrap();
        let (_, runner_up) = guess_single_byte(&bytes);
        assert_eq!(
            runner_up.and_then(|r| r.example),
            Some(("Renée".to_string(), "RenŽe".to_string()))
        );
        // A word that reads as a control character is shown only when no other tells them
        // apart.
        let bytes = file(&["Zoë Lefèvre"], MACINTOSH).unwrap();
        let (_, runner_up) = guess_single_byte(&bytes);
        assert_eq!(
            runner_up.and_then(|r| r.example),
            Some(("Zoë".to_string(), "Zo‘".to_string()))
        );
        let bytes = file(&["Ann Lefèvre"], MACINTOSH).unwrap();
        let (_, runner_up) = guess_single_byte(&bytes);
        assert_eq!(
            runner_up.and_then(|r| r.example),
            Some(("Lefèvre".to_string(), "Lef\u{FFFD}vre".to_string()))
        );
    }

    #[test]
    fn case_and_apostrophes_are_judged_as_names_are_written() {
        let score = |word: &str| word_score(' ', &word.chars().collect::<Vec<_>>(), ' ');
        assert!(score("Renée") > score("RenŽe"));
        assert!(score("Müller") > score("MŸller"));
        assert!(score("O’Brien") > score("OÕBrien"));
        assert!(score("García") > score("Garc’a"));
        assert!(score("O’Brien") > score("OíBrien"));
        assert!(score("RENÉE") > 0 && score("Renée") > 0 && score("renée") > 0);
        assert!(score("Zoë") > score("Zo‘"));
        assert!(score("Søren") > score("S¿ren"));
        assert!(score("Šárka") > score("¦árka"));
        assert!(score("Œuvre") > score("¼uvre"));
        assert!(score("ë") < 0 && score("à") == 0);
        assert!(score("O’Brien") > score("Oâ€™Brien"));
        assert!(score("Zo\u{91}") < score("Zo‘"));
    }

    #[test]
    fn utf8_letters_outweigh_stray_bytes_whatever_their_share() {
        // Three UTF-8 names, then ten Windows-1252 ones.
        let mut sample = "Zoë,José,Søren\n".as_bytes().to_vec();
        for _ in 0..10 {
            sample.extend_from_slice(b"Ren\xE9e,M\xFCller,J\xF6rg\n");
        }
        assert!(utf8_despite_strays(&sample, true));
        // Two UTF-8 names do not.
        let mut sample = "Zoë,José\n".as_bytes().to_vec();
        sample.extend_from_slice(b"Ren\xE9e\n");
        assert!(!utf8_despite_strays(&sample, true));
    }

    #[test]
    fn windows_1252_that_happens_to_hold_utf8_sequences_is_not_utf8() {
        // “JOSÉ”” and “MÜLLER’S” in capitals: É followed by ” and Ü by ’ are valid UTF-8 pairs
        // (“ɔ”, “Ü’” is not), but read as UTF-8 they break the words.
        let mut sample = Vec::new();
        for _ in 0..10 {
            sample.extend_from_slice(b"\x93JOS\xC9\x94,Ren\xE9e,CAF\xC9\xA0BAR,\xC9\x92TE\n");
        }
        assert!(!utf8_despite_strays(&sample, true));
    }

    #[test]
    fn a_character_cut_by_the_end_of_the_sample_is_left_out() {
        let mut out = Vec::new();
        assert!(!read_utf8(b"Zo\xC3", true, &mut out));
        assert_eq!(out.iter().collect::<String>(), "Zo");
        assert!(!read_utf8(b"Zo\xC3", false, &mut out));
        assert_eq!(out.iter().collect::<String>(), "ZoÃ");
        assert!(read_utf8(b"Zo\xC3\xABe\xE9", false, &mut out));
        assert_eq!(out.iter().collect::<String>(), "Zoëeé");
    }
}
