//! Characters as the CRM and the output encodings see them: lengths counted in UTF-16 units (as
//! the CRM's Java platform counts), values cut only between whole characters (grapheme
//! clusters), the check's preview of a cut equal to what the package holds; and characters an
//! output encoding cannot hold, replaced by their nearest form, counted once for every place
//! that shows the count.

use leadpack_engine::{
    BuildError, Built, CheckOptions, Field, FileReport, OutputEncoding, PackError, PackOptions,
    ReadOptions, Rule, Template, Unrepresentable, crm_cut, crm_length, crm_split, pack_bytes,
    read_package,
};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

use crate::util::check_with;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const HEADER: &str = "ID,First Name,Last Name,Email Address,Company\n";

/// A file of one lead whose first name is `first` and company is `company`.
fn one_lead(first: &str, company: &str) -> String {
    format!("{HEADER}1,\"{first}\",Lee,ann@example.com,\"{company}\"\n")
}

/// A template following the file's own columns, with `set` applied to its options.
fn template(set: impl FnOnce(&mut PackOptions)) -> Template {
    let mut template = Template::default();
    set(&mut template.options);
    template
}

/// `text` built into a package with `template`; the build must succeed.
fn build(text: &str, template: &Template) -> Built {
    pack_bytes(
        "leads.csv",
        text.as_bytes(),
        template,
        ReadOptions::default(),
    )
    .unwrap_or_else(|err| panic!("the build failed: {err}"))
}

/// The rows of the package CSV of `built` (header first), decoded from `encoding`.
fn package_rows(built: &Built, encoding: OutputEncoding) -> Vec<Vec<String>> {
    let package = &built.outcome.packages[0];
    let csvs = read_package(&package.name, &package.bytes).expect("the package opens again");
    let (text, _, had_errors) = encoding.reader().decode(&csvs[0].bytes);
    assert!(!had_errors, "the package CSV is valid in {encoding:?}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .expect("a CSV record")
                .iter()
                .map(String::from)
                .collect()
        })
        .collect()
}

/// The value of the column titled `title` in the first lead of the package of `built`.
fn packed_value(built: &Built, encoding: OutputEncoding, title: &str) -> String {
    let rows = package_rows(built, encoding);
    let column = rows[0]
        .iter()
        .position(|name| name == title)
        .unwrap_or_else(|| panic!("the package has a column {title}: {:?}", rows[0]));
    rows[1][column].clone()
}

/// The too-long finding of `field` in `report`, if any.
fn too_long(report: &FileReport, field: Field) -> Option<leadpack_engine::Finding> {
    report
        .issues
        .iter()
        .find(|f| f.rule == Rule::TooLong && f.field == Some(field))
}

/// Whether `at` is a grapheme cluster boundary of `text`.
fn on_boundary(text: &str, at: usize) -> bool {
    at == 0 || at == text.len() || text.grapheme_indices(true).any(|(start, _)| start == at)
}

// ---------------------------------------------------------------------------------------------
// Lengths and cuts
// ---------------------------------------------------------------------------------------------

/// Values whose ends fall inside a character at the field's maximum: combining accents, flags,
/// emoji with modifiers or joiners, Hangul jamo, a CR LF line break, a character beyond the
/// Basic Multilingual Plane at the boundary. Each is checked and packed, and the preview of
/// the cut (kept, cut off) is exactly what the package holds, ending on a whole character.
#[test]
fn values_are_never_cut_inside_a_character_and_the_preview_is_the_package() {
    // (first name, what the CRM keeps of it: at most 25 UTF-16 units)
    let e_acute = "e\u{301}";
    let cases: Vec<(String, String)> = vec![
        // 25 decomposed é: 50 units; 12 whole letters fit, the 13th would end in a bare e.
        (e_acute.repeat(25), e_acute.repeat(12)),
        // Other combining marks: a cedilla, a ring, a dot below with a circumflex.
        (format!("{}c\u{327}", "x".repeat(24)), "x".repeat(24)),
        (format!("{}a\u{30A}", "x".repeat(24)), "x".repeat(24)),
        (format!("{}e\u{323}\u{302}", "x".repeat(23)), "x".repeat(23)),
        // Flags: regional-indicator pairs of 4 units each.
        ("🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱🇧🇪".to_string(), "🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱".to_string()),
        (format!("{}🇨🇦", "x".repeat(22)), "x".repeat(22)),
        // An emoji at the boundary: 2 units, 1 left.
        (format!("{}😀", "x".repeat(24)), "x".repeat(24)),
        // An emoji that fits exactly.
        (
            format!("{}😀!", "x".repeat(23)),
            format!("{}😀", "x".repeat(23)),
        ),
        // A thumb with a skin tone (4 units), and a family joined by zero-width joiners (8).
        (format!("{}👍🏽", "x".repeat(22)), "x".repeat(22)),
        (
            format!("{}👩\u{200D}👩\u{200D}👧", "x".repeat(20)),
            "x".repeat(20),
        ),
        // Hangul syllables written as jamo, 3 units each.
        (
            "\u{1100}\u{1161}\u{11A8}".repeat(9),
            "\u{1100}\u{1161}\u{11A8}".repeat(8),
        ),
        // A line break inside the value, CR LF across the maximum.
        (format!("{}\r\nB", "x".repeat(24)), "x".repeat(24)),
        // A rare Chinese character beyond the Basic Multilingual Plane.
        (format!("{}𠀋", "x".repeat(24)), "x".repeat(24)),
    ];
    for (first, wanted) in &cases {
        let text = one_lead(first, "Acme");
        let report = check_with(&text, CheckOptions::default());
        let finding = too_long(&report, Field::FirstName)
            .unwrap_or_else(|| panic!("{first:?} is reported as too long"));
        let kept = finding
            .kept
            .as_deref()
            .expect("the preview shows what is kept");
        let cut = finding
            .cut
            .as_deref()
            .expect("the preview shows what is cut");
        assert_eq!(kept, wanted, "kept of {first:?}");
        assert_eq!(
            format!("{kept}{cut}"),
            *first,
            "kept and cut make the value"
        );
        assert!(crm_length(kept) <= 25, "{kept:?}");
        assert!(
            on_boundary(first, kept.len()),
            "{first:?} cut inside a character"
        );
        assert!(
            finding
                .message
                .contains(&format!("{} characters long", crm_length(first))),
            "{}",
            finding.message
        );

        let built = build(&text, &Template::default());
        let packed = packed_value(&built, OutputEncoding::Utf8, "First Name");
        assert_eq!(packed, kept, "the package holds what the preview keeps");
    }
}

/// A value whose UTF-16 length is exactly the maximum is not too long, however many bytes or
/// code points it has; one unit more is.
#[test]
fn a_value_of_exactly_the_maximum_is_not_cut() {
    for first in [
        "x".repeat(25),
        "é".repeat(25),
        "😀".repeat(12) + "x",
        format!("{}🇫🇷", "x".repeat(21)),
        "e\u{301}".repeat(12) + "x",
    ] {
        assert_eq!(crm_length(&first), 25, "{first:?}");
        let text = one_lead(&first, "Acme");
        let report = check_with(&text, CheckOptions::default());
        assert!(too_long(&report, Field::FirstName).is_none(), "{first:?}");
        let built = build(&text, &Template::default());
        assert_eq!(
            packed_value(&built, OutputEncoding::Utf8, "First Name"),
            first
        );

        let longer = format!("{first}y");
        let report = check_with(&one_lead(&longer, "Acme"), CheckOptions::default());
        let finding = too_long(&report, Field::FirstName).expect("one more is too long");
        assert_eq!(finding.kept.as_deref(), Some(first.as_str()));
        assert_eq!(finding.cut.as_deref(), Some("y"));
    }
}

/// An emoji counts two, as the CRM counts: 13 emoji are 26 units, one too many for a first name,
/// and the message says why a value that looks short is too long.
#[test]
fn an_emoji_counts_two_and_the_message_says_so() {
    let first = "😀".repeat(13);
    let report = check_with(&one_lead(&first, "Acme"), CheckOptions::default());
    let finding = too_long(&report, Field::FirstName).expect("26 units are too long");
    assert_eq!(finding.kept.as_deref(), Some("😀".repeat(12).as_str()));
    assert!(
        finding
            .message
            .contains("26 characters long as the CRM counts them (an emoji counts as two)"),
        "{}",
        finding.message
    );
    // Decomposed accents are named too.
    let report = check_with(
        &one_lead(&"e\u{301}".repeat(13), "Acme"),
        CheckOptions::default(),
    );
    let finding = too_long(&report, Field::FirstName).expect("26 units are too long");
    assert!(
        finding
            .message
            .contains("an accent stored apart from its letter counts as one more"),
        "{}",
        finding.message
    );
    // Plain letters need no note.
    let report = check_with(&one_lead(&"x".repeat(26), "Acme"), CheckOptions::default());
    let finding = too_long(&report, Field::FirstName).expect("too long");
    assert!(
        finding
            .message
            .starts_with("First Name is 26 characters long; the CRM keeps at most 25")
    );
}

/// Every limited field is counted and cut the same way (Company 60 here), and the message's
/// quote of what is cut never ends inside a character either.
#[test]
fn every_limited_field_is_cut_between_characters() {
    let company = format!("{}{}", "x".repeat(59), "e\u{301}".repeat(30));
    let text = one_lead("Ann", &company);
    let report = check_with(&text, CheckOptions::default());
    let finding = too_long(&report, Field::Company).expect("too long");
    assert_eq!(finding.kept.as_deref(), Some("x".repeat(59).as_str()));
    let built = build(&text, &Template::default());
    assert_eq!(
        packed_value(&built, OutputEncoding::Utf8, "Company"),
        "x".repeat(59)
    );
    // The message quotes 40 units of the cut part at most: 20 whole letters, never a bare e;
    // the 10 letters after them are 20 more as the CRM counts.
    let quoted = format!("“{}… (20 more characters)”", "e\u{301}".repeat(20));
    assert!(finding.message.contains(&quoted), "{}", finding.message);
}

/// With long values kept, the package holds the whole value; the finding still previews what
/// the CRM will keep.
#[test]
fn kept_long_values_are_packed_whole() {
    let first = "e\u{301}".repeat(25);
    let text = one_lead(&first, "Acme");
    let built = build(&text, &template(|o| o.keep_long_values = true));
    assert_eq!(
        packed_value(&built, OutputEncoding::Utf8, "First Name"),
        first
    );
    let finding = too_long(&built.report, Field::FirstName).expect("still reported");
    assert_eq!(
        finding.kept.as_deref(),
        Some("e\u{301}".repeat(12).as_str())
    );
}

/// Any text from pieces that make hard boundaries.
fn hard_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "Z",
        " ",
        "é",
        "e\u{301}",
        "\u{301}",
        "\u{308}",
        "\r",
        "\n",
        "\r\n",
        "😀",
        "🏽",
        "\u{200D}",
        "🇫",
        "🇷",
        "🇩🇪",
        "👩\u{200D}👧",
        "\u{1100}",
        "\u{1161}",
        "\u{11A8}",
        "北",
        "𠀋",
        "ß",
        "\u{0E33}",
        "\u{0915}\u{094D}\u{0937}",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    /// For any text and maximum, the kept part is a prefix ending on a grapheme boundary, no
    /// longer than the maximum as the CRM counts; the next whole character would not fit; and
    /// a text that fits is not cut.
    #[test]
    fn the_cut_keeps_the_longest_whole_prefix_that_fits(
        text in prop_oneof![hard_text(), any::<String>()],
        max in 0usize..60,
    ) {
        let length = crm_length(&text);
        prop_assert_eq!(length, text.encode_utf16().count());
        match crm_cut(&text, max) {
            None => prop_assert!(length <= max),
            Some(at) => {
                prop_assert!(length > max);
                let kept = &text[..at];
                prop_assert!(crm_length(kept) <= max);
                prop_assert!(on_boundary(&text, at));
                let next = text[at..].graphemes(true).next().expect("something is cut");
                prop_assert!(crm_length(kept) + crm_length(next) > max);
                prop_assert_eq!(crm_split(&text, max), Some((kept, &text[at..])));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Characters an output encoding cannot hold
// ---------------------------------------------------------------------------------------------

/// A template in `encoding` that replaces what it cannot hold.
fn replacing(encoding: OutputEncoding) -> Template {
    template(|o| {
        o.output_encoding = encoding;
        o.unrepresentable = Unrepresentable::Replace;
    })
}

/// The last names of a file, one lead each, as a package in `encoding` writes them with
/// replacement, and the suggestion of each lead's unrepresentable finding (if any).
fn replaced_last_names(names: &[&str], encoding: OutputEncoding) -> Vec<(String, Option<String>)> {
    let mut text = HEADER.to_string();
    for (index, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "{index},Ann,\"{name}\",a{index}@example.com,Acme\n"
        ));
    }
    let built = build(&text, &replacing(encoding));
    let packed = package_rows(&built, encoding);
    let column = packed[0]
        .iter()
        .position(|t| t == "Last Name")
        .expect("Last Name");
    packed[1..]
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let suggestion = built
                .report
                .issues
                .iter()
                .find(|f| f.rule == Rule::Unrepresentable && f.row == index as u64 + 2)
                .and_then(|f| f.suggestion.clone());
            (row[column].clone(), suggestion)
        })
        .collect()
}

/// Letters lose only their accents or take their usual Latin spelling; what the encoding holds
/// is never changed; `?` only where nothing fits. Each output encoding, each letter, and the
/// check's suggestion is what the package writes.
#[test]
fn a_replacement_changes_only_what_the_encoding_cannot_hold_and_as_little_as_it_can() {
    use OutputEncoding::{Iso8859_1, Windows1252};
    // (value, Windows-1252, ISO-8859-1)
    let cases = [
        ("Łukasz", "Lukasz", "Lukasz"),
        ("Rafał Żak", "Rafal Zak", "Rafal Zak"),
        ("Đorđević", "Dordevic", "Dordevic"),
        ("Øystein Ærø", "Øystein Ærø", "Øystein Ærø"),
        ("Þórunn", "Þórunn", "Þórunn"),
        ("İlker Işık", "Ilker Isik", "Ilker Isik"),
        ("Ağaoğlu Şahin", "Agaoglu Sahin", "Agaoglu Sahin"),
        ("Straße", "Straße", "Straße"),
        ("Œnologue Cœur", "Œnologue Cœur", "Oenologue Coeur"),
        ("“Ann” ‘Bo’", "“Ann” ‘Bo’", "\"Ann\" 'Bo'"),
        (
            "Smith – Jones — Co",
            "Smith – Jones — Co",
            "Smith - Jones - Co",
        ),
        ("Lee…", "Lee…", "Lee..."),
        ("Fonds 100 €", "Fonds 100 €", "Fonds 100 EUR"),
        ("Nguyễn", "Nguyen", "Nguyen"),
        ("Dvořák", "Dvorák", "Dvorák"),
        // A letter typed with a separate accent: joined where the encoding holds the pair.
        ("Rene\u{301}e", "Renée", "Renée"),
        ("Жанна Щукина", "Zhanna Shchukina", "Zhanna Shchukina"),
        ("Παπαδόπουλος", "Papadopoulos", "Papadopoulos"),
        // Nothing fits: one “?” per character a reader sees.
        ("王伟", "??", "??"),
        ("Lee 👍🏽🇫🇷", "Lee ??", "Lee ??"),
        // An invisible zero-width space is left out.
        ("Lee\u{200B}son", "Leeson", "Leeson"),
    ];
    let names: Vec<&str> = cases.iter().map(|(name, _, _)| *name).collect();
    for (encoding, column) in [(Windows1252, 1), (Iso8859_1, 2)] {
        let written = replaced_last_names(&names, encoding);
        for (case, (packed, suggestion)) in cases.iter().zip(&written) {
            let wanted = if column == 1 { case.1 } else { case.2 };
            assert_eq!(packed, wanted, "{} in {encoding:?}", case.0);
            // A value the encoding holds gets no finding; any other, the value it will become.
            let held = wanted == case.0;
            assert_eq!(
                suggestion.as_deref(),
                (!held).then_some(wanted),
                "{} in {encoding:?}",
                case.0
            );
        }
    }
}

/// What UTF-8 is given is written as it is, whatever the replacement option says.
#[test]
fn utf_8_holds_everything_and_replaces_nothing() {
    let names = ["Łukasz", "王伟", "Lee 👍🏽", "Rene\u{301}e"];
    let written = replaced_last_names(&names, OutputEncoding::Utf8);
    for (name, (packed, suggestion)) in names.iter().zip(written) {
        assert_eq!(packed, *name);
        assert_eq!(suggestion, None);
    }
}

/// A replacement may be longer than what it replaces (`Œ` → `OE` in ISO-8859-1, `…` → `...`):
/// the value is replaced first, then cut, and the check previews exactly that; one that becomes
/// shorter (an emoji, two units, becomes `?`) may then fit.
#[test]
fn a_replaced_value_is_previewed_and_cut_as_the_package_writes_it() {
    let latin1 = replacing(OutputEncoding::Iso8859_1);
    let first = format!("{}Œ", "x".repeat(24));
    let text = one_lead(&first, "Acme…");
    let built = build(&text, &latin1);
    let finding = too_long(&built.report, Field::FirstName).expect("OE makes it 26 long");
    let kept = format!("{}O", "x".repeat(24));
    assert_eq!(finding.kept.as_deref(), Some(kept.as_str()));
    assert_eq!(finding.cut.as_deref(), Some("E"));
    assert!(
        finding.message.starts_with(
            "First Name, once the characters ISO-8859-1 cannot hold are replaced (“xxxxxxxxxxxxxxxxxxxxxxxxOE”), is 26 characters long"
        ),
        "{}",
        finding.message
    );
    assert_eq!(
        packed_value(&built, OutputEncoding::Iso8859_1, "First Name"),
        kept
    );
    assert_eq!(
        packed_value(&built, OutputEncoding::Iso8859_1, "Company"),
        "Acme..."
    );
    // Checked alone with the same template, the preview is the same.
    let checked = check_with(&text, CheckOptions::from_template(&latin1));
    assert_eq!(too_long(&checked, Field::FirstName), Some(finding));

    let emoji = format!("{}😀", "x".repeat(24));
    let built = build(
        &one_lead(&emoji, "Acme"),
        &replacing(OutputEncoding::Windows1252),
    );
    assert!(
        too_long(&built.report, Field::FirstName).is_none(),
        "25 once replaced"
    );
    assert_eq!(
        packed_value(&built, OutputEncoding::Windows1252, "First Name"),
        format!("{}?", "x".repeat(24))
    );
}

/// The file behind “21 values” in the note and “18” in the refusal: values with characters
/// Windows-1252 cannot hold in a lead with errors (which goes to the rejected rows), in a column
/// the package leaves out, and in the part of a value the CRM cuts off; a segment whose value
/// mapping writes something the encoding holds. The check counts only the values the package
/// would write, and the refusal, the count and the number of values replaced all agree.
#[test]
fn every_count_of_unrepresentable_values_is_the_same() {
    let long = format!("{}Ł", "x".repeat(25));
    let text = format!(
        "ID,First Name,Last Name,Email Address,Market Segment,,Notes\n\
         1,Łukasz,Kowalski,l1@example.com,Retirement,Łódź,Żak\n\
         2,,Nowak,l2@example.com,Retirement,x,Łask\n\
         3,\"{long}\",Lee,l3@example.com,Retirement,x,x\n\
         4,Ann,Dvořák,l4@example.com,Ŝegment,x,x\n\
         5,Ann,Lee,,Retirement,x,x\n"
    );
    let mut refuse = template(|o| o.output_encoding = OutputEncoding::Windows1252);
    // The user leaves the column without a header out, keeps Notes as a user field, and maps
    // the unknown segment to one the CRM knows.
    refuse.columns = Template::suggested(&check_with(&text, CheckOptions::default())).columns;
    refuse.columns[5].target = leadpack_engine::Target::Skip;
    refuse
        .value_mappings
        .entry(Field::MarketSegment)
        .or_default()
        .insert("Ŝegment".to_string(), "Retirement".to_string());

    let counted = |template: &Template| {
        let checked = check_with(&text, CheckOptions::from_template(template));
        let found: Vec<(u64, Option<Field>)> = checked
            .issues
            .iter()
            .filter(|f| f.rule == Rule::Unrepresentable)
            .map(|f| (f.row, f.field))
            .collect();
        assert_eq!(checked.unrepresentable_values(), found.len() as u64);
        found
    };
    // Row 3 has no first name and row 6 no email (both rejected), row 4's Ł is cut off, row
    // 5's segment is mapped, and the column without a header is not packed.
    let wanted = vec![
        (2, Some(Field::FirstName)),
        (2, None),
        (5, Some(Field::LastName)),
    ];
    assert_eq!(counted(&refuse), wanted);

    // The refused build says the same number, and so does a build that replaces them.
    let refused = pack_bytes(
        "leads.csv",
        text.as_bytes(),
        &refuse,
        ReadOptions::default(),
    );
    let Err(BuildError::Pack(PackError::Refused(message))) = refused else {
        panic!("the build is refused: {refused:?}");
    };
    assert!(
        message.starts_with("3 value(s) to be packed have characters Windows-1252 cannot hold"),
        "{message}"
    );
    let mut replace = refuse.clone();
    replace.options.unrepresentable = Unrepresentable::Replace;
    assert_eq!(counted(&replace), wanted, "the option changes no count");
    let built = build(&text, &replace);
    assert_eq!(built.report.unrepresentable_values(), 3);
    let rows = package_rows(&built, OutputEncoding::Windows1252);
    assert_eq!(rows[1][1], "Lukasz");
    assert_eq!(rows[1].last().map(String::as_str), Some("Zak"));
    assert_eq!(rows[3][2], "Dvorák");

    // Leads with errors packed too: row 3's note is packed (row 6 holds nothing to replace).
    let mut invalid = refuse.clone();
    invalid.options.include_invalid = true;
    let mut with_invalid = wanted.clone();
    with_invalid.insert(2, (3, None));
    assert_eq!(counted(&invalid), with_invalid);
    // Long values kept whole: row 4's Ł is packed.
    let mut long_kept = refuse.clone();
    long_kept.options.keep_long_values = true;
    let mut with_long = wanted.clone();
    with_long.insert(2, (4, Some(Field::FirstName)));
    assert_eq!(counted(&long_kept), with_long);

    // A build that reuses a check made with other options counts for its own options.
    let earlier = check_with(&text, CheckOptions::from_template(&refuse));
    let mut job = leadpack_engine::PackJob::new("leads.csv", &{
        let mut both = invalid.clone();
        both.options.unrepresentable = Unrepresentable::Replace;
        both
    })
    .reusing(std::sync::Arc::new(earlier));
    job.feed(text.as_bytes()).expect("readable");
    let built = job.finish().expect("built");
    assert_eq!(built.report.unrepresentable_values(), 4);
}

proptest! {
    /// For any text, a replacement in Windows-1252 or ISO-8859-1 holds only what that encoding
    /// holds, leaves a text it holds alone, and replaces nothing twice.
    #[test]
    fn a_replacement_is_always_held_and_changes_nothing_held(
        text in prop_oneof![hard_text(), any::<String>(), "[a-zA-ZÀ-ɏЀ-ӿ΄-Ͽ“”‘’–—…€ ]{0,30}"],
    ) {
        for encoding in [OutputEncoding::Windows1252, OutputEncoding::Iso8859_1] {
            let replaced = encoding.replace_unrepresentable(&text);
            prop_assert_eq!(encoding.first_unrepresentable(&replaced), None);
            prop_assert_eq!(&encoding.replace_unrepresentable(&replaced), &replaced);
            if encoding.first_unrepresentable(&text).is_none() {
                prop_assert_eq!(&replaced, &text);
            }
        }
    }
}

/// The finding names the character the encoding cannot hold as the user can find it: a letter
/// as itself, a letter typed with a separate accent as such, and a space or control character,
/// which cannot be seen, by its code (U+3000); with the column, the encoding and what a
/// replacement would write.
#[test]
fn a_character_the_encoding_cannot_hold_is_named_so_the_user_can_find_it() {
    // (company, how the character is named, what a replacement writes)
    let cases = [
        ("Łódź Ltd", "has “Ł”, which", "Lódz Ltd"),
        (
            "Ae\u{304}ro",
            "has “e\u{304}” typed as a letter and a separate accent, which",
            "Aero",
        ),
        ("Lee\u{3000}Co", "has “U+3000”, which", "Lee Co"),
        ("Lee\u{2028}Co", "has “U+2028”, which", "Lee?Co"),
    ];
    for (company, named, replaced) in cases {
        let text = one_lead("Ann", company);
        let report = check_with(
            &text,
            CheckOptions::from_template(&template(|o| {
                o.output_encoding = OutputEncoding::Windows1252
            })),
        );
        let found: Vec<_> = report
            .issues
            .iter()
            .filter(|f| f.rule == Rule::Unrepresentable)
            .collect();
        assert_eq!(found.len(), 1, "{company:?}: {found:?}");
        assert_eq!(found[0].field, Some(Field::Company));
        assert_eq!(
            found[0].suggestion.as_deref(),
            Some(replaced),
            "{company:?}"
        );
        crate::shared::assert_says(
            &found[0].message,
            &[
                &format!("“{company}” in column “Company” {named} Windows-1252 cannot hold"),
                &format!("let Leadpack write “{replaced}” instead"),
            ],
        );
    }
}
