//! Encodings: files written in Windows-1252, ISO-8859-15 or Mac Roman are read in the encoding
//! their letters make sense in, and a guess that could be wrong names the other encoding and how
//! to choose it; an encoding the user chose is never second-guessed. A UTF-8 file holding bytes
//! from another encoding stays UTF-8 whatever their share, and each row that holds them is named
//! with its column and what the bytes were read as, wherever it is in the file.

use std::collections::BTreeSet;

use encoding_rs::{Encoding, ISO_8859_15, MACINTOSH, UTF_8, WINDOWS_1252};
use leadpack_engine::{
    CheckOptions, Field, FileChecker, FileReport, ReadOptions, Rule, SNIFF_BYTES, Template,
    check_bytes, pack_bytes, read_package,
};
use proptest::prelude::*;
use proptest::sample::subsequence;

use crate::shared::{DOCUMENTED_HEADER, assert_says, distinct_leads};
use crate::util::NAME;

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
];

/// Every name of every language.
fn all_names() -> Vec<&'static str> {
    LANGUAGES
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect()
}

/// Whether `encoding` can hold `text`.
fn holds(encoding: &'static Encoding, text: &str) -> bool {
    !encoding.encode(text).2
}

/// A lead file (the documented header, LF) of `names` ("First Last"), as text.
fn leads(names: &[&str]) -> String {
    let mut text = format!("{DOCUMENTED_HEADER}\n");
    for (index, name) in names.iter().enumerate() {
        let (first, last) = name.split_once(' ').unwrap_or((name, "Lee"));
        text.push_str(&format!(
            "L{index},{first},{last},lead{index}@example.com,,,,,,\n"
        ));
    }
    text
}

/// `text` in `encoding`, which must hold it.
fn encoded(text: &str, encoding: &'static Encoding) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "{} cannot hold {text:?}", encoding.name());
    bytes.into_owned()
}

fn check_as(bytes: &[u8], encoding: Option<&'static Encoding>) -> FileReport {
    let options = CheckOptions {
        read: ReadOptions {
            encoding,
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    check_bytes(NAME, bytes, options).expect("the file is readable")
}

/// The first and last names the report's samples show, as "First Last".
fn names_read(report: &FileReport) -> Vec<String> {
    report.samples[1]
        .iter()
        .zip(&report.samples[2])
        .map(|(first, last)| format!("{first} {last}"))
        .collect()
}

/// The note that says how the file was read.
fn read_note(report: &FileReport) -> &str {
    report
        .notes
        .iter()
        .find(|note| note.starts_with("Read as"))
        .map_or("", String::as_str)
}

/// (row, field, rule) of every finding.
fn rules(report: &FileReport) -> Vec<(u64, Option<Field>, Rule)> {
    report
        .issues
        .iter()
        .map(|f| (f.row, f.field, f.rule))
        .collect()
}

/// The text of the CSV in each package of a build of `bytes` with the suggested template.
fn packed_text(bytes: &[u8]) -> String {
    let report = check_as(bytes, None);
    let built = pack_bytes(
        NAME,
        bytes,
        &Template::suggested(&report),
        ReadOptions::default(),
    )
    .expect("the build succeeds");
    assert_eq!(built.report.issues, report.issues);
    built
        .outcome
        .packages
        .iter()
        .flat_map(|package| read_package(&package.name, &package.bytes).expect("it opens"))
        .map(|csv| String::from_utf8(csv.bytes).expect("UTF-8 package"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Single-byte encodings.
// ---------------------------------------------------------------------------------------------

#[test]
fn names_of_every_western_language_are_read_as_written_in_each_single_byte_encoding() {
    for encoding in [WINDOWS_1252, ISO_8859_15, MACINTOSH] {
        for (language, names) in LANGUAGES {
            let names: Vec<&str> = names
                .iter()
                .copied()
                .filter(|name| holds(encoding, name))
                .collect();
            if names.is_empty() {
                continue;
            }
            let report = check_as(&encoded(&leads(&names), encoding), None);
            assert_eq!(
                names_read(&report),
                names,
                "{language} in {}, read as {}",
                encoding.name(),
                report.encoding
            );
            // Only the letters ISO-8859-15 has and Windows-1252 has elsewhere tell the two apart.
            let own_letters = names
                .iter()
                .any(|name| name.contains(['Š', 'š', 'Ž', 'ž', 'œ']));
            let expected = match encoding {
                e if e == ISO_8859_15 && !own_letters => "windows-1252",
                e => &e.name().to_ascii_lowercase(),
            };
            assert_eq!(
                report.encoding,
                expected,
                "{language} in {}",
                encoding.name()
            );
            assert!(report.issues.is_empty(), "{:?}", report.issues);
        }
    }
}

#[test]
fn mac_roman_and_iso_8859_15_are_named_with_an_example_word() {
    let mac = check_as(
        &encoded(&leads(&["Zoë Lefèvre", "Jürgen Müller"]), MACINTOSH),
        None,
    );
    assert_eq!(mac.encoding, "macintosh");
    assert_eq!(
        read_note(&mac),
        "Read as Mac Roman (the encoding of Excel for Mac and other older Mac programs) because the \
         file is not valid UTF-8 and its accented letters read best in Mac Roman: for example \
         “Jürgen”, which Windows-1252 would read as “JŸrgen”. If accented letters look wrong, choose \
         the file's encoding."
    );
    let latin_9 = check_as(
        &encoded(&leads(&["Šárka Žáková", "Tomáš Kuželová"]), ISO_8859_15),
        None,
    );
    assert_eq!(latin_9.encoding, "iso-8859-15");
    assert_says(
        read_note(&latin_9),
        &[
            "Read as ISO-8859-15 (Latin-9",
            "read best in ISO-8859-15",
            "which Windows-1252 would read as",
        ],
    );
}

#[test]
fn a_long_file_is_read_in_its_encoding_beyond_the_sample_and_without_doubt() {
    let names = all_names();
    let names: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| holds(MACINTOSH, name))
        .cycle()
        .take(40_000)
        .collect();
    let text = leads(&names);
    let bytes = encoded(&text, MACINTOSH);
    assert!(bytes.len() > SNIFF_BYTES);
    let report = check_as(&bytes, None);
    assert_eq!(report.encoding, "macintosh");
    assert!(!read_note(&report).contains("to be sure"), "{report:?}");
    // The package holds every name as written, those past the sample too.
    let packed = packed_text(&bytes);
    let last = names.last().expect("names").replace(' ', ",");
    assert!(packed.contains(&format!("L39999,{last},")), "the last lead");
    assert_eq!(
        packed.matches("Müller").count(),
        text.matches("Müller").count()
    );
}

#[test]
fn a_euro_sign_alone_is_read_in_its_encoding_and_the_other_is_named() {
    let text = format!("{DOCUMENTED_HEADER}\nL1,Ann,Lee,ann@example.com,,,,Price 100 €,,\n");
    for (encoding, label, other, other_label) in [
        (WINDOWS_1252, "windows-1252", "Mac Roman", "macintosh"),
        (ISO_8859_15, "iso-8859-15", "Windows-1252", "windows-1252"),
        (MACINTOSH, "macintosh", "Windows-1252", "windows-1252"),
    ] {
        let report = check_as(&encoded(&text, encoding), None);
        assert_eq!(report.encoding, label);
        assert_eq!(report.samples[7], ["Price 100 €"]);
        assert_says(
            read_note(&report),
            &[
                "too few of its letters",
                "read as",
                "“€”",
                &format!("choose {other} as the file's encoding"),
                &format!("--encoding {other_label}"),
            ],
        );
    }
}

#[test]
fn windows_1252_with_smart_quotes_and_euro_signs_stays_windows_1252_and_says_so_plainly() {
    let text = format!(
        "{DOCUMENTED_HEADER}\n\
         L1,Zoë,O’Brien,zoe@example.com,,,,\"“Café Noël” – 12,50 €\",,\n\
         L2,Šárka,Müller,sarka@example.com,,,,Œuvre & Fils,,\n\
         L3,José,García,jose@example.com,,,,Price: €100,,\n"
    );
    let report = check_as(&encoded(&text, WINDOWS_1252), None);
    assert_eq!(report.encoding, "windows-1252");
    assert_eq!(
        report.notes,
        [
            "Read as Windows-1252 (the encoding Excel uses on Windows) because the file is not valid \
          UTF-8. If accented letters look wrong, choose the file's encoding."
        ]
    );
    assert_eq!(report.samples[7][0], "“Café Noël” – 12,50 €");
    assert_eq!(
        names_read(&report),
        ["Zoë O’Brien", "Šárka Müller", "José García"]
    );
}

#[test]
fn a_guess_in_doubt_names_the_other_encoding_and_how_to_choose_it() {
    let report = check_as(&encoded(&leads(&["Jörg Müller"]), MACINTOSH), None);
    assert_eq!(report.encoding, "macintosh");
    assert_eq!(
        read_note(&report),
        "Read as Mac Roman (the encoding of Excel for Mac and other older Mac programs) because the \
         file is not valid UTF-8, but too few of its letters tell Mac Roman and Windows-1252 apart \
         to be sure: read as Mac Roman the file has “Müller”, read as Windows-1252 “MŸller”. If \
         names look wrong, choose Windows-1252 as the file's encoding (in the Encoding list beside \
         the file, or --encoding windows-1252 on the command line)."
    );
}

#[test]
fn a_chosen_encoding_is_never_second_guessed() {
    let mac = encoded(&leads(&["Zoë Lefèvre", "Jürgen Müller"]), MACINTOSH);
    let chosen = check_as(&mac, Some(WINDOWS_1252));
    assert_eq!(chosen.encoding, "windows-1252");
    assert!(chosen.notes.is_empty(), "{:?}", chosen.notes);
    assert_eq!(names_read(&chosen)[1], "JŸrgen MŸller");
    let chosen = check_as(&mac, Some(MACINTOSH));
    assert!(chosen.notes.is_empty(), "{:?}", chosen.notes);
    assert_eq!(names_read(&chosen), ["Zoë Lefèvre", "Jürgen Müller"]);

    // UTF-8 chosen for a Windows-1252 file: each accented row is named, nothing is guessed.
    let windows = encoded(
        &leads(&["Zoë Lefèvre", "Ann Lee", "Jürgen Müller"]),
        WINDOWS_1252,
    );
    let chosen = check_as(&windows, Some(UTF_8));
    assert_eq!(chosen.encoding, "utf-8");
    assert_eq!(
        rules(&chosen),
        [
            (2, None, Rule::InvalidEncoding),
            (4, None, Rule::InvalidEncoding),
        ]
    );
    assert!(read_note(&chosen).is_empty(), "{:?}", chosen.notes);
}

// ---------------------------------------------------------------------------------------------
// UTF-8 files with bytes from another encoding.
// ---------------------------------------------------------------------------------------------

/// Rows: UTF-8 ones (`true`) and Windows-1252 ones (`false`), each with the name it holds.
fn mixed(rows: &[(bool, &str)]) -> Vec<u8> {
    let mut bytes = format!("{DOCUMENTED_HEADER}\n").into_bytes();
    for (index, (utf8, name)) in rows.iter().enumerate() {
        let (first, last) = name.split_once(' ').unwrap_or((name, "Lee"));
        let row = format!("L{index},{first},{last},lead{index}@example.com,,,,,,\n");
        if *utf8 {
            bytes.extend_from_slice(row.as_bytes());
        } else {
            bytes.extend(encoded(&row, WINDOWS_1252));
        }
    }
    bytes
}

#[test]
fn utf8_with_windows_1252_rows_stays_utf8_whatever_their_share() {
    let utf8 = [
        (true, "Zoë Lefèvre"),
        (true, "José García"),
        (true, "Søren Kierkegaard"),
    ];
    for stray in [1usize, 3, 10, 100] {
        let mut rows = utf8.to_vec();
        rows.extend((0..stray).map(|_| (false, "Renée Martin")));
        let bytes = mixed(&rows);
        let report = check_as(&bytes, None);
        assert_eq!(report.encoding, "utf-8", "{stray} stray rows");
        let expected: Vec<_> = (5..5 + stray as u64)
            .map(|row| (row, Some(Field::FirstName), Rule::InvalidEncoding))
            .collect();
        assert_eq!(rules(&report), expected, "{stray} stray rows");
        assert_says(
            &report.issues.to_vec()[0].message,
            &[
                "First Name (“Renée”) has a byte that is not valid UTF-8",
                "Read as Windows-1252 it is “é”",
            ],
        );
        assert_says(
            read_note(&report),
            &[
                "Read as UTF-8",
                &format!("{stray} row(s) hold bytes that are not valid UTF-8"),
            ],
        );
        // Nothing is lost: the package holds every name as meant.
        let packed = packed_text(&bytes);
        assert_eq!(packed.matches("Renée,Martin").count(), stray);
        assert_says(
            &packed,
            &["Zoë,Lefèvre", "José,García", "Søren,Kierkegaard"],
        );
    }
}

#[test]
fn stray_bytes_at_the_start_and_at_the_end_of_a_utf8_file_are_named() {
    let mut bytes = b"ID,Pr\xE9nom,Last Name,Email Address,Company\n".to_vec();
    bytes.extend_from_slice(b"L1,Ren\xE9e,Martin,renee@example.fr,\n");
    bytes.extend_from_slice("L2,Zoë,Lefèvre,zoe@example.fr,\n".as_bytes());
    bytes.extend_from_slice("L3,José,García,jose@example.es,\n".as_bytes());
    // The last row's bytes in two columns, the file's last byte among them, no line break.
    bytes.extend_from_slice(b"L4,Ann,Zo\xEB,ann@example.com,Caf\xE9");
    let report = check_as(&bytes, None);
    assert_eq!(report.encoding, "utf-8");
    assert_eq!(report.columns[1].column.field, Some(Field::FirstName));
    assert_eq!(
        rules(&report),
        [
            (1, None, Rule::InvalidEncoding),
            (2, Some(Field::FirstName), Rule::InvalidEncoding),
            (5, None, Rule::InvalidEncoding),
        ]
    );
    assert_says(
        &report.issues.to_vec()[0].message,
        &[
            "The header of column 2 (“Prénom”) has a byte",
            "it is “é”, and Leadpack reads the header so",
        ],
    );
    assert_says(
        &report.issues.to_vec()[2].message,
        &[
            "Last Name (“Zoë”) and Company (“Café”) have bytes",
            "they are “ë” and “é”, and the package holds the values so",
        ],
    );
    assert_says(
        &packed_text(&bytes),
        &["Renée,Martin", "Ann,Zoë,ann@example.com,Café"],
    );
}

/// A file whose stray bytes sit in quoted values with delimiters, doubled quotes and line breaks,
/// next to valid letters that read the same.
fn awkward_mixed_file() -> Vec<u8> {
    let mut bytes = format!("{DOCUMENTED_HEADER}\n").into_bytes();
    bytes.extend_from_slice("L1,Zoë,Lefèvre,zoe@example.fr,,,,\"Café, “Noël”\",,\n".as_bytes());
    bytes.extend_from_slice("L2,José,García,jose@example.es,,,,,,\n".as_bytes());
    bytes.extend_from_slice(b"L3,\"Ren\xE9e \"\"la\"\"\",Martin,renee@example.fr,,,,");
    bytes.extend_from_slice("\"Müller, Söhne &\r\nCaf".as_bytes());
    bytes.extend_from_slice(b"\xE9 \xA9\",,\n");
    bytes.extend_from_slice("L4,Søren,Kierkegaard,soren@example.dk,,,,,,\n".as_bytes());
    bytes
}

#[test]
fn stray_bytes_are_found_in_their_value_whatever_the_chunking() {
    let bytes = awkward_mixed_file();
    let whole = check_as(&bytes, None);
    assert_eq!(whole.encoding, "utf-8");
    assert_eq!(rules(&whole), [(4, None, Rule::InvalidEncoding)]);
    assert_eq!(
        whole.issues.to_vec()[0].message,
        "First Name (“Renée \"la\"”) and Company (“Müller, Söhne &\r\nCafé ©”) have bytes that are \
         not valid UTF-8, probably pasted from a file in another encoding. Read as Windows-1252 they \
         are “é” and “©”, and the package holds the values so. If that is not what the file should \
         say, correct it in your file and save the file as CSV UTF-8."
    );
    for size in 1..=64 {
        let mut checker = FileChecker::new(NAME, CheckOptions::default());
        for piece in bytes.chunks(size) {
            checker.feed(piece).expect("readable");
        }
        let report = checker.finish().expect("readable");
        assert_eq!(report.issues, whole.issues, "pieces of {size} bytes");
    }
}

#[test]
fn stray_bytes_past_the_sample_are_named_row_by_row() {
    let mut bytes = format!("{DOCUMENTED_HEADER}\n{}", distinct_leads(2, 25_000)).into_bytes();
    assert!(bytes.len() > SNIFF_BYTES);
    for index in 0..300 {
        let row = format!("W{index},Ann,Müller{index},w{index}@example.de,,,,,,\n");
        bytes.extend(encoded(&row, WINDOWS_1252));
        if index % 3 == 0 {
            bytes.extend_from_slice(
                format!("U{index},Zoë,Lee,u{index}@example.com,,,,,,\n").as_bytes(),
            );
        }
    }
    let report = check_as(&bytes, None);
    assert_eq!(report.encoding, "utf-8");
    let named: Vec<_> = report
        .issues
        .iter()
        .map(|f| {
            (
                f.field,
                f.rule,
                f.value.as_deref().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(named.len(), 300);
    assert!(named.iter().enumerate().all(|(index, found)| *found
        == (
            Some(Field::LastName),
            Rule::InvalidEncoding,
            format!("Müller{index}")
        )));
    let rows: BTreeSet<u64> = report.issues.iter().map(|f| f.row).collect();
    assert_eq!(rows.len(), 300);
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

fn single_byte_encoding() -> impl Strategy<Value = &'static Encoding> {
    prop_oneof![Just(WINDOWS_1252), Just(ISO_8859_15), Just(MACINTOSH)]
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(64)
    })]

    /// Western names written in Windows-1252, ISO-8859-15 or Mac Roman read back as written, or,
    /// when too few letters tell the encodings apart, the note names the encoding they were
    /// written in as the one to choose, and how.
    #[test]
    fn western_names_read_back_as_written_in_any_single_byte_encoding(
        encoding in single_byte_encoding(),
        picked in subsequence(all_names(), 1..30),
        seed in any::<u64>(),
    ) {
        let mut names: Vec<&str> = picked.into_iter().filter(|name| holds(encoding, name)).collect();
        fastrand::Rng::with_seed(seed).shuffle(&mut names);
        prop_assume!(!names.is_empty());
        let bytes = encoded(&leads(&names), encoding);
        let report = check_as(&bytes, None);
        let read_right = names_read(&report) == names;
        let (other, label) = match encoding {
            e if e == MACINTOSH => ("Mac Roman", "macintosh"),
            e if e == ISO_8859_15 => ("ISO-8859-15", "iso-8859-15"),
            _ => ("Windows-1252", "windows-1252"),
        };
        let named = read_note(&report).contains(&format!("choose {other} as the file's encoding"))
            && read_note(&report).contains(&format!("--encoding {label}"));
        prop_assert!(
            read_right || named,
            "{} names in {} read as {}: {:?}; {:?}",
            names.len(),
            encoding.name(),
            report.encoding,
            names_read(&report),
            report.notes
        );
    }

    /// A UTF-8 file with Windows-1252 rows anywhere, in any share, stays UTF-8 as long as three
    /// UTF-8 names show it; exactly the Windows-1252 rows with letters beyond ASCII are named,
    /// with their column, in any chunking; the package holds every name as meant.
    #[test]
    fn utf8_files_with_windows_1252_rows_anywhere_stay_utf8(
        rows in proptest::collection::vec((any::<bool>(), proptest::sample::select(all_names())), 0..40),
        at in proptest::collection::vec(any::<prop::sample::Index>(), 3),
        size in 1usize..4096,
    ) {
        let mut rows: Vec<(bool, &str)> = rows
            .into_iter()
            .filter(|(utf8, name)| *utf8 || holds(WINDOWS_1252, name))
            .collect();
        for (index, name) in at.iter().zip(["Zoë Lefèvre", "José García", "Søren Kierkegaard"]) {
            let place = index.index(rows.len() + 1);
            rows.insert(place, (true, name));
        }
        let bytes = mixed(&rows);
        let report = check_as(&bytes, None);
        prop_assert_eq!(&report.encoding, "utf-8");
        let expected: BTreeSet<u64> = rows
            .iter()
            .enumerate()
            .filter(|(_, (utf8, name))| !utf8 && !name.is_ascii())
            .map(|(index, _)| index as u64 + 2)
            .collect();
        let named: BTreeSet<u64> = report
            .issues
            .iter()
            .filter(|f| f.rule == Rule::InvalidEncoding)
            .map(|f| f.row)
            .collect();
        prop_assert_eq!(named, expected);
        for finding in &report.issues {
            let (_, name) = rows[finding.row as usize - 2];
            let (first, last) = name.split_once(' ').unwrap_or((name, "Lee"));
            let field = match (first.is_ascii(), last.is_ascii()) {
                (false, true) => Some(Field::FirstName),
                (true, false) => Some(Field::LastName),
                _ => None,
            };
            prop_assert_eq!(finding.field, field, "{}", &finding.message);
            prop_assert!(finding.message.contains("Read as Windows-1252"), "{}", &finding.message);
        }
        prop_assert_eq!(names_read(&report), rows.iter().map(|(_, name)| name.to_string()).collect::<Vec<_>>());
        let mut checker = FileChecker::new(NAME, CheckOptions::default());
        for piece in bytes.chunks(size) {
            checker.feed(piece).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let chunked = checker.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&chunked.issues, &report.issues);
    }
}
