//! Seeded generator of realistic lead files, for tests and benchmarks.
//!
//! [`generate`] streams a lead CSV to any writer: accented names, quoted companies, positions
//! holding the delimiter or a line break, several phone and postal-code formats, and a chosen
//! share of records carrying exactly one known [`Defect`]. The same options give the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use leadpack_engine::{DEFAULT_CONCEPTS, DEFAULT_SEGMENTS, Field, Rule, Severity};

/// Which header row (spelling and column order) a generated file starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Header {
    /// The documented titles in the documented order: `ID,First Name,Last Name,…,Zip Code`.
    #[default]
    Documented,
    /// The NexJ page's example: `ID,lastName,firstName,Work Phone,Email,Market Segment,Sale
    /// Concept`, then `Company,Position,Zip Code` (last name before first, phone before email).
    NexjExample,
    /// Unusual export spellings in the documented order: `Lead Ref,Given Name,Surname,E-mail,…`.
    Export,
}

impl Header {
    /// Every header choice.
    pub const ALL: [Header; 3] = [Header::Documented, Header::NexjExample, Header::Export];

    /// The column titles, in file order (joined by the chosen delimiter in the file).
    #[rustfmt::skip]
    pub fn titles(self) -> [&'static str; 10] {
        match self {
            Header::Documented => Field::ALL.map(Field::title),
            Header::NexjExample => ["ID", "lastName", "firstName", "Work Phone", "Email",
                "Market Segment", "Sale Concept", "Company", "Position", "Zip Code"],
            Header::Export => ["Lead Ref", "Given Name", "Surname", "E-mail", "Mobile", "Segment",
                "Concept", "Organisation", "Job Title", "Postal Code"],
        }
    }

    /// The lead field of each column, in file order.
    #[rustfmt::skip]
    pub fn fields(self) -> [Field; 10] {
        use Field::*;
        match self {
            Header::NexjExample => [Id, LastName, FirstName, Phone, Email, MarketSegment,
                SalesConcept, Company, Position, ZipCode],
            Header::Documented | Header::Export => Field::ALL,
        }
    }
}

/// What to generate. Equal options (seed included) give byte-identical output.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorOptions {
    /// Number of data records (the header is not counted).
    pub rows: u64,
    /// Seed of the random generator.
    pub seed: u64,
    /// Field delimiter: `b','` by default; `b';'`, `b'\t'` and `b'|'` are common. Must be ASCII
    /// and neither `"`, CR nor LF.
    pub delimiter: u8,
    /// Line ends: CRLF as Excel writes them (default) or LF. A line break inside a quoted
    /// value is always a lone LF, as Excel writes it.
    pub crlf: bool,
    /// Share of records carrying one injected defect, `0.0..=1.0` (default 0.05).
    pub defect_rate: f64,
    /// Which header spelling and column order to write.
    pub header: Header,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        GeneratorOptions {
            rows: 1_000,
            seed: 0,
            delimiter: b',',
            crlf: true,
            defect_rate: 0.05,
            header: Header::Documented,
        }
    }
}

/// A defect the generator can inject into a record; each defective record carries exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// First name empty.
    MissingFirstName,
    /// Last name of spaces only.
    BlankLastName,
    /// Email and phone both empty.
    MissingContact,
    /// The ID of an earlier clean record; names and contacts stay the record's own.
    DuplicateId,
    /// One field more than the header (a trailing extra field).
    ExtraField,
    /// First name longer than 25 characters.
    TooLongFirstName,
    /// Company longer than 60 characters.
    TooLongCompany,
    /// A market segment the CRM does not know.
    UnknownSegment,
    /// A known market segment written differently (`pre retirement`).
    NormalisableSegment,
    /// A sales concept the CRM does not know.
    UnknownConcept,
    /// An email address with broken syntax (no `@`, two `@`, or a space).
    InvalidEmail,
    /// A phone number a spreadsheet turned into scientific notation (`4.4…E+11`).
    ScientificPhone,
    /// A company that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+…`, `@…`, `-…`).
    FormulaLike,
    /// A non-breaking space inside the last name.
    HiddenCharacter,
    /// The first name, last name, email and phone of an earlier clean record, under a new ID.
    LikelyDuplicateLead,
}

impl Defect {
    /// Every defect, in declaration order (`defect as usize` is its index here).
    #[rustfmt::skip]
    pub const ALL: [Defect; 15] = {
        use Defect::*;
        [MissingFirstName, BlankLastName, MissingContact, DuplicateId, ExtraField,
            TooLongFirstName, TooLongCompany, UnknownSegment, NormalisableSegment, UnknownConcept,
            InvalidEmail, ScientificPhone, FormulaLike, HiddenCharacter, LikelyDuplicateLead]
    };

    /// The rule a checker should report for this defect.
    pub fn rule(self) -> Rule {
        match self {
            Defect::MissingFirstName | Defect::BlankLastName => Rule::MissingName,
            Defect::MissingContact => Rule::MissingContact,
            Defect::DuplicateId => Rule::DuplicateId,
            Defect::ExtraField => Rule::MalformedRow,
            Defect::TooLongFirstName | Defect::TooLongCompany => Rule::TooLong,
            Defect::UnknownSegment => Rule::UnknownSegment,
            Defect::NormalisableSegment => Rule::SegmentNormalised,
            Defect::UnknownConcept => Rule::UnknownConcept,
            Defect::InvalidEmail => Rule::InvalidEmail,
            Defect::ScientificPhone => Rule::InvalidPhone,
            Defect::FormulaLike => Rule::FormulaLike,
            Defect::HiddenCharacter => Rule::HiddenCharacters,
            Defect::LikelyDuplicateLead => Rule::LikelyDuplicate,
        }
    }

    /// Whether the defect's rule is an error (the CRM would reject the lead).
    pub fn is_error(self) -> bool {
        self.rule().severity() == Severity::Error
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneratedSummary {
    /// Data records written (the header is not counted).
    pub rows: u64,
    /// Bytes written, header included.
    pub bytes: u64,
    /// Each defective record as (spreadsheet row: header = 1, first record = 2; defect), in
    /// file order. Only filled when `rows <= 100_000`, to bound memory; empty otherwise.
    pub defects: Vec<(u64, Defect)>,
    /// Number of records carrying each defect, indexed like [`Defect::ALL`].
    pub defect_counts: [u64; Defect::ALL.len()],
    /// Number of records carrying a defect that is an error ([`Defect::is_error`]).
    pub rows_with_errors: u64,
}

impl GeneratedSummary {
    /// Number of records carrying this defect.
    pub fn count(&self, defect: Defect) -> u64 {
        self.defect_counts[defect as usize]
    }
}

/// (display, ASCII fold used in emails).
type Name = (&'static str, &'static str);

#[rustfmt::skip]
const FIRST: [Name; 36] = [
    ("Zoë", "zoe"), ("José", "jose"), ("Łukasz", "lukasz"), ("François", "francois"),
    ("Søren", "soren"), ("Siobhán", "siobhan"), ("Chloé", "chloe"), ("Jürgen", "jurgen"),
    ("Björn", "bjorn"), ("Aoife", "aoife"), ("Priya", "priya"), ("Thảo", "thao"),
    ("Mohammed", "mohammed"), ("Émilie", "emilie"), ("Agnieszka", "agnieszka"),
    ("Rafał", "rafal"), ("Núria", "nuria"), ("Mei", "mei"), ("Olumide", "olumide"),
    ("Anne-Marie", "anne-marie"), ("Jean-Luc", "jean-luc"), ("Sarah", "sarah"),
    ("David", "david"), ("Emma", "emma"), ("James", "james"), ("Wei", "wei"),
    ("Ingrid", "ingrid"), ("Zoltán", "zoltan"), ("Renée", "renee"), ("Ahmet", "ahmet"),
    ("Kateřina", "katerina"), ("Hiroshi", "hiroshi"), ("Fatima", "fatima"), ("Liam", "liam"),
    ("Maëlle", "maelle"), ("Joaquín", "joaquin"),
];

#[rustfmt::skip]
const LAST: [Name; 30] = [
    ("Müller", "muller"), ("Nguyễn", "nguyen"), ("O'Brien", "obrien"), ("García", "garcia"),
    ("Kowalski", "kowalski"), ("Dubois", "dubois"), ("Smith-Jones", "smith-jones"),
    ("Ó Súilleabháin", "osuilleabhain"), ("van der Berg", "vanderberg"),
    ("Østergaard", "ostergaard"), ("Wójcik", "wojcik"), ("Tremblay", "tremblay"),
    ("Lefèvre", "lefevre"), ("Schröder", "schroder"), ("Dvořák", "dvorak"),
    ("Yılmaz", "yilmaz"), ("Patel", "patel"), ("Chen", "chen"), ("MacDonald", "macdonald"),
    ("D'Amico", "damico"), ("Fernández", "fernandez"), ("Nakamura", "nakamura"),
    ("Okafor", "okafor"), ("Brown", "brown"), ("Singh", "singh"), ("Lindqvist", "lindqvist"),
    ("Côté", "cote"), ("Papadopoulos", "papadopoulos"), ("Żak", "zak"),
    ("Gallagher", "gallagher"),
];

#[rustfmt::skip]
const LONG_FIRST: [Name; 3] = [
    ("Anna-Katharina Wilhelmine Zoë", "annakatharina"),
    ("María de los Ángeles Guadalupe", "maria"),
    ("Jean-Baptiste Marie-Hippolyte", "jean-baptiste"),
];

#[rustfmt::skip]
const DOMAINS: [&str; 6] =
    ["example.com", "example.org", "mail.example.net", "example.co.uk", "example.de", "example.ca"];

#[rustfmt::skip]
const COMPANIES: [&str; 18] = [
    "Müller & Söhne GmbH", "Smith, Jones & Partners LLP", "The \"Blue Door\" Bakery",
    "Nguyễn Family Holdings, Inc.", "Maple Leaf Financial", "Brightwater Advisors",
    "O'Brien's Pub", "Société d'Épargne du Québec", "Kowalski i Synowie Sp. z o.o.",
    "\"Northern Star\", Ltd.", "Lindqvist AB", "Tanaka Shōji K.K.", "Acme Widgets",
    "Green & Gold Landscaping, LLC", "Café \"Zur Post\"", "Papadopoulos Shipping S.A.",
    "Patel Pharmacy", "Tremblay Construction Ltée",
];

#[rustfmt::skip]
const LONG_COMPANIES: [&str; 3] = [
    "The \"International\" Holdings Company of Greater Toronto and Area, Inc.",
    "Fondation Québécoise pour l'Épargne, la Retraite et la Planification Successorale",
    "Smith, Jones, Williams, Brown, Taylor, Davies & Evans Chartered Accountants LLP",
];

#[rustfmt::skip]
const FORMULAS: [&str; 4] = ["=HYPERLINK(\"https://example.com\",\"Acme Ltd\")", "+Acme Holdings",
    "@SUM(1,2)", "-Brightwater Advisors"];

#[rustfmt::skip]
const POSITIONS: [&str; 12] = [
    "Owner", "Financial Advisor", "Chief Executive Officer", "Geschäftsführer",
    "Directrice générale", "Nurse Practitioner", "Software Engineer", "Retired", "Teacher",
    "Partner – Tax", "Senior Advisor\nPrivate Wealth", "Head of Operations\nEMEA",
];

/// Positions written as `first<delimiter> second`, so they hold the delimiter.
#[rustfmt::skip]
const SPLIT_POSITIONS: [(&str, &str); 3] =
    [("Director", "Private Clients"), ("VP", "Sales"), ("Manager", "Client Services")];

/// Phone formats; the `#` digits scramble the record number, so phones never repeat.
#[rustfmt::skip]
const PHONES: [&str; 6] = ["+44 20 #### ####", "(41#) ###-####", "0049 30 ########",
    "+33 1 ## ## ## ##", "41#.###.####", "+61 2 #### ####"];

/// Postal-code formats; `D` is a random digit, `L` a random capital letter.
#[rustfmt::skip]
const ZIPS: [&str; 8] =
    ["DDDDD", "DDDDD-DDDD", "LDL DLD", "LLD DLL", "DDDD LL", "DD-DDD", "DDD-DDDD", "DDDD"];

#[rustfmt::skip]
const UNKNOWN_SEGMENTS: [&str; 4] = ["High Net Worth", "VIP", "Young Families", "Mass Affluent"];
#[rustfmt::skip]
const NORMALISABLE_SEGMENTS: [&str; 6] = ["pre retirement", "PRE-RETIREMENT", "starting out",
    "Starting-Out", "retirement", "Pre Retirement"];
#[rustfmt::skip]
const UNKNOWN_CONCEPTS: [&str; 4] =
    ["Education Savings", "Tax Planning", "Critical Illness", "Debt Consolidation"];
const EXTRA_VALUES: [&str; 3] = ["", "Do not call", "see notes"];

const FLUSH_AT: usize = 1 << 16;
const POOL_SIZE: usize = 64;
const KEEP_DEFECTS_UP_TO: u64 = 100_000;

/// The identity of a clean record with email and phone, enough to rebuild its ID, names and
/// contacts for a later duplicate.
#[derive(Clone, Copy)]
struct Person {
    n: u64,
    first: usize,
    last: usize,
    email_style: u32,
    domain: usize,
    phone: usize,
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, list: &[T]) -> T {
    list[rng.u32(..list.len() as u32) as usize]
}

/// Appends `template` with each `#` replaced by the next of 8 digits that scramble `n`
/// one-to-one (so record numbers below 10^8 never share them), each `D` by a random digit and
/// each `L` by a random capital letter.
fn push_template(s: &mut String, template: &str, n: u64, rng: &mut fastrand::Rng) {
    let n = (n % 100_000_000 * 73_939_133 + 40_692_781) % 100_000_000;
    let mut place = 10_000_000;
    for c in template.chars() {
        s.push(match c {
            '#' => {
                let digit = (n / place % 10) as u8;
                place /= 10;
                char::from(b'0' + digit)
            }
            'D' => char::from(b'0' + rng.u8(..10)),
            'L' => char::from(b'A' + rng.u8(..26)),
            other => other,
        });
    }
}

/// Appends `value`, quoted with `""` escapes when it holds the delimiter, a quote or a line end.
fn push_field(buf: &mut Vec<u8>, value: &str, delimiter: u8) {
    let bytes = value.as_bytes();
    let special = |b: &u8| matches!(b, b'"' | b'\n' | b'\r') || *b == delimiter;
    if bytes.iter().any(special) {
        buf.push(b'"');
        for &b in bytes {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(bytes);
    }
}

/// Writes a lead CSV of `options.rows` records to `out`, streaming through a 64 KiB buffer,
/// and says what it wrote. Records are IDs `L1`, `L2`, … in order (a [`Defect::DuplicateId`]
/// record repeats an earlier ID instead of its own). A record without a defect is clean for
/// every [`Defect`]: unique email and phone, known or empty segment and concept, lengths within
/// the CRM's limits. `DuplicateId` and `LikelyDuplicateLead` need an earlier clean record with
/// email and phone; until there is one, a clean record is written instead and not counted.
///
/// Fails with [`io::ErrorKind::InvalidInput`] for a non-ASCII, quote, CR or LF delimiter, and
/// with the writer's error if writing fails. Emails and phones stay unique up to 10^8 rows.
pub fn generate<W: Write>(options: &GeneratorOptions, mut out: W) -> io::Result<GeneratedSummary> {
    use Defect::*;
    let delimiter = options.delimiter;
    if !delimiter.is_ascii() || matches!(delimiter, b'"' | b'\r' | b'\n') {
        let message = "the delimiter must be ASCII and not a quote or a line end";
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    let line_end: &[u8] = if options.crlf { b"\r\n" } else { b"\n" };
    let position_sep = match char::from(delimiter) {
        d @ (',' | ';') => d.to_string(),
        d if d.is_ascii_control() => ",".to_owned(),
        d => format!(" {d}"),
    };
    let fields = options.header.fields();
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let rows = options.rows;
    let mut summary = GeneratedSummary {
        rows,
        ..GeneratedSummary::default()
    };
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut vals: [String; 10] = Default::default();
    let mut pool: Vec<Person> = Vec::with_capacity(POOL_SIZE);
    let titles = options
        .header
        .titles()
        .join(&char::from(delimiter).to_string());
    buf.extend_from_slice(titles.as_bytes());
    buf.extend_from_slice(line_end);

    for n in 1..=rows {
        let mut defect = (rng.f64() < options.defect_rate).then(|| pick(&mut rng, &Defect::ALL));
        if pool.is_empty() && matches!(defect, Some(DuplicateId | LikelyDuplicateLead)) {
            defect = None;
        }
        let person = match defect {
            Some(LikelyDuplicateLead) => pick(&mut rng, &pool),
            _ => Person {
                n,
                first: rng.u32(..FIRST.len() as u32) as usize,
                last: rng.u32(..LAST.len() as u32) as usize,
                email_style: rng.u32(..3),
                domain: rng.u32(..DOMAINS.len() as u32) as usize,
                phone: rng.u32(..PHONES.len() as u32) as usize,
            },
        };
        let contact_roll = rng.u32(..10);
        let (has_email, has_phone) = match defect {
            Some(MissingContact) => (false, false),
            Some(_) => (true, true),
            None => (contact_roll != 1, contact_roll != 0),
        };
        vals.iter_mut().for_each(String::clear);
        let [id, first, last, email, phone, seg, con, org, pos, zip] = &mut vals;

        let id_n = match defect {
            Some(DuplicateId) => pick(&mut rng, &pool).n,
            _ => n,
        };
        let _ = write!(id, "L{id_n}");
        let (first_display, first_fold) = match defect {
            Some(MissingFirstName) => ("", ""),
            Some(TooLongFirstName) => pick(&mut rng, &LONG_FIRST),
            _ => FIRST[person.first],
        };
        first.push_str(first_display);
        let (last_display, mut last_fold) = LAST[person.last];
        match defect {
            Some(BlankLastName) => {
                (0..=rng.u32(..3)).for_each(|_| last.push(' '));
                last_fold = "";
            }
            Some(HiddenCharacter) => {
                let second = pick(&mut rng, &LAST).0;
                let _ = write!(last, "{last_display}\u{A0}{second}");
            }
            _ => last.push_str(last_display),
        }

        if has_email {
            let (head, sep, tail) = match (first_fold, last_fold, person.email_style) {
                ("", only, _) | (only, "", _) => (only, "", ""),
                (f, l, 0) => (f, ".", l),
                (f, l, 1) => (&f[..1], "", l),
                (f, l, _) => (l, ".", f),
            };
            [head, sep, tail].iter().for_each(|s| email.push_str(s));
            let at = match defect {
                Some(InvalidEmail) => pick(&mut rng, &["@@", ".", " @"]),
                _ => "@",
            };
            let _ = write!(email, "{}{at}{}", person.n, DOMAINS[person.domain]);
        }
        if has_phone {
            let template = match defect {
                Some(ScientificPhone) => "4.4########E+11",
                _ => PHONES[person.phone],
            };
            push_template(phone, template, person.n, &mut rng);
        }

        seg.push_str(match defect {
            Some(UnknownSegment) => pick(&mut rng, &UNKNOWN_SEGMENTS),
            Some(NormalisableSegment) => pick(&mut rng, &NORMALISABLE_SEGMENTS),
            _ if rng.u32(..5) == 0 => "",
            _ => pick(&mut rng, &DEFAULT_SEGMENTS),
        });
        con.push_str(match defect {
            Some(UnknownConcept) => pick(&mut rng, &UNKNOWN_CONCEPTS),
            _ if rng.u32(..4) == 0 => "",
            _ => pick(&mut rng, &DEFAULT_CONCEPTS),
        });
        org.push_str(match defect {
            Some(TooLongCompany) => pick(&mut rng, &LONG_COMPANIES),
            Some(FormulaLike) => pick(&mut rng, &FORMULAS),
            _ if rng.u32(..7) == 0 => "",
            _ => pick(&mut rng, &COMPANIES),
        });
        let roll = rng.u32(..(3 + POSITIONS.len() + SPLIT_POSITIONS.len()) as u32) as usize;
        match roll.checked_sub(3) {
            Some(k) if k < POSITIONS.len() => pos.push_str(POSITIONS[k]),
            Some(k) => {
                let (head, tail) = SPLIT_POSITIONS[k - POSITIONS.len()];
                let _ = write!(pos, "{head}{position_sep} {tail}");
            }
            None => {}
        }
        if rng.u32(..8) != 0 {
            push_template(zip, pick(&mut rng, &ZIPS), 0, &mut rng);
        }

        for (k, field) in fields.iter().enumerate() {
            if k > 0 {
                buf.push(delimiter);
            }
            push_field(&mut buf, &vals[field.index()], delimiter);
        }
        if defect == Some(ExtraField) {
            buf.push(delimiter);
            push_field(&mut buf, pick(&mut rng, &EXTRA_VALUES), delimiter);
        }
        buf.extend_from_slice(line_end);

        if let Some(d) = defect {
            summary.defect_counts[d as usize] += 1;
            summary.rows_with_errors += u64::from(d.is_error());
            if rows <= KEEP_DEFECTS_UP_TO {
                summary.defects.push((n + 1, d));
            }
        } else if has_email && has_phone && pool.len() < POOL_SIZE {
            pool.push(person);
        } else if has_email && has_phone {
            pool[n as usize % POOL_SIZE] = person;
        }
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            summary.bytes += buf.len() as u64;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    summary.bytes += buf.len() as u64;
    out.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadpack_engine::value_key;
    use std::collections::{HashMap, HashSet};

    fn opts(rows: u64, seed: u64, defect_rate: f64) -> GeneratorOptions {
        let mut options = GeneratorOptions::default();
        (options.rows, options.seed, options.defect_rate) = (rows, seed, defect_rate);
        options
    }

    fn run(options: &GeneratorOptions) -> (Vec<u8>, GeneratedSummary) {
        let mut bytes = Vec::new();
        let summary = generate(options, &mut bytes).unwrap();
        (bytes, summary)
    }

    /// Every record, header first, as values in documented field order (then any extra field).
    fn parse(bytes: &[u8], options: &GeneratorOptions) -> Vec<Vec<String>> {
        let mut builder = csv::ReaderBuilder::new();
        builder.has_headers(false).flexible(true);
        let mut reader = builder.delimiter(options.delimiter).from_reader(bytes);
        let fields = options.header.fields();
        let to_values = |record: csv::StringRecord| {
            let mut values = vec![String::new(); 10];
            for (k, value) in record.iter().enumerate() {
                match fields.get(k) {
                    Some(field) => values[field.index()] = value.to_owned(),
                    None => values.push(value.to_owned()),
                }
            }
            values
        };
        reader.records().map(|r| to_values(r.unwrap())).collect()
    }

    fn email_ok(email: &str) -> bool {
        let (local, domain) = email.split_once('@').unwrap_or(("", ""));
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !email.contains(' ')
    }

    fn digits(phone: &str) -> String {
        phone.chars().filter(char::is_ascii_digit).collect()
    }

    #[test]
    fn same_seed_and_options_give_identical_bytes() {
        assert_eq!(run(&opts(3_000, 42, 0.2)), run(&opts(3_000, 42, 0.2)));
    }

    #[test]
    fn different_seeds_give_different_bytes() {
        assert_ne!(run(&opts(500, 1, 0.05)).0, run(&opts(500, 2, 0.05)).0);
    }

    #[test]
    fn header_line_matches_each_header_choice_delimiter_and_line_end() {
        for header in Header::ALL {
            for (delimiter, crlf) in [(b',', true), (b';', false), (b'\t', true), (b'|', false)] {
                let mut options = opts(3, 0, 0.0);
                (options.header, options.delimiter, options.crlf) = (header, delimiter, crlf);
                let text = String::from_utf8(run(&options).0).unwrap();
                let line = text.split(if crlf { "\r\n" } else { "\n" }).next().unwrap();
                let sep = char::from(delimiter).to_string();
                assert_eq!(line, header.titles().join(&sep));
            }
        }
        let documented = "ID,First Name,Last Name,Email Address,Phone,Market Segment,\
            Sales Concept,Company,Position,Zip Code";
        assert_eq!(Header::Documented.titles().join(","), documented);
        let example = "ID,lastName,firstName,Work Phone,Email,Market Segment,Sale Concept,\
            Company,Position,Zip Code";
        assert_eq!(Header::NexjExample.titles().join(","), example);
        let export = "Lead Ref;Given Name;Surname;E-mail;Mobile;Segment;Concept;Organisation;\
            Job Title;Postal Code";
        assert_eq!(Header::Export.titles().join(";"), export);
    }

    #[test]
    fn output_parses_into_rows_plus_one_records_of_ten_fields_or_eleven_for_extra_field() {
        let choices = [(Header::Documented, b','), (Header::NexjExample, b';')];
        for (header, delimiter) in choices.into_iter().chain([(Header::Export, b'\t')]) {
            let mut options = opts(2_000, 7, 0.3);
            (options.header, options.delimiter) = (header, delimiter);
            let (bytes, summary) = run(&options);
            let records = parse(&bytes, &options);
            assert_eq!(records.len(), 2_001);
            let extra = |row| summary.defects.contains(&(row, Defect::ExtraField));
            assert!(summary.count(Defect::ExtraField) > 0);
            for (row, record) in (1..).zip(&records) {
                assert_eq!(record.len(), if extra(row) { 11 } else { 10 }, "row {row}");
            }
        }
    }

    #[test]
    fn summary_counts_agree_with_listed_defects() {
        let (bytes, summary) = run(&opts(5_000, 3, 0.5));
        assert_eq!((summary.rows, summary.bytes), (5_000, bytes.len() as u64));
        for defect in Defect::ALL {
            let listed = summary.defects.iter().filter(|(_, d)| *d == defect).count() as u64;
            assert!(listed > 0 && summary.count(defect) == listed, "{defect:?}");
        }
        let errors = summary.defects.iter().filter(|(_, d)| d.is_error()).count();
        assert_eq!(summary.rows_with_errors, errors as u64);
        let rows: Vec<u64> = summary.defects.iter().map(|(row, _)| *row).collect();
        assert!(
            rows.windows(2).all(|w| w[0] < w[1]) && rows[0] >= 2 && rows.last() <= Some(&5_001)
        );
        let big = run(&opts(100_001, 3, 0.01)).1;
        assert!(big.defects.is_empty() && big.defect_counts.iter().sum::<u64>() > 0);
    }

    #[test]
    fn zero_defect_rate_gives_no_defects() {
        let summary = run(&opts(3_000, 9, 0.0)).1;
        assert!(summary.defects.is_empty() && summary.rows_with_errors == 0);
        assert_eq!(summary.defect_counts, [0; Defect::ALL.len()]);
    }

    #[test]
    fn a_two_thousand_row_file_has_a_quoted_line_break_and_escaped_quotes() {
        let options = opts(2_000, 1, 0.05);
        let (bytes, _) = run(&options);
        let records = parse(&bytes, &options);
        assert!(records.iter().any(|r| r[8].contains('\n')));
        assert!(
            records
                .iter()
                .any(|r| r[7].contains('"') && r[7].contains(','))
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"Senior Advisor\nPrivate Wealth\"") || text.contains("\nEMEA\""));
    }

    /// Clean records break no rule; a defective record shows its defect and no other error.
    #[test]
    fn every_record_is_clean_or_shows_exactly_its_defect() {
        let mut options = opts(20_000, 11, 0.3);
        (options.header, options.delimiter) = (Header::NexjExample, b';');
        let (bytes, summary) = run(&options);
        let defects: HashMap<u64, Defect> = summary.defects.iter().copied().collect();
        let (mut ids, mut leads) = (HashSet::new(), HashSet::new());
        let (mut emails, mut phones) = (HashSet::new(), HashSet::new());
        let known = |list: &[&str], v: &str| list.iter().any(|k| value_key(k) == value_key(v));
        for (row, r) in (1..).zip(&parse(&bytes, &options)).skip(1) {
            let new_id = ids.insert(r[0].clone());
            let new_lead = leads.insert(r[1..5].to_vec());
            let names = !r[1].trim().is_empty() && !r[2].trim().is_empty();
            let contact = !r[3].is_empty() || !r[4].is_empty();
            let Some(&defect) = defects.get(&row) else {
                let len = |k: usize| r[k].chars().count();
                assert!(
                    names && contact && new_id && r.len() == 10,
                    "row {row}: {r:?}"
                );
                assert!(
                    len(1) <= 25 && len(2) <= 60 && len(7) <= 60 && len(8) <= 100,
                    "{r:?}"
                );
                assert!(len(3) <= 80 && len(9) <= 15 && (r[3].is_empty() || email_ok(&r[3])));
                assert!(
                    r[4].is_empty() || (7..=15).contains(&digits(&r[4]).len()),
                    "{r:?}"
                );
                assert!(DEFAULT_SEGMENTS.contains(&r[5].as_str()) || r[5].is_empty());
                assert!(DEFAULT_CONCEPTS.contains(&r[6].as_str()) || r[6].is_empty());
                for (k, value) in r.iter().enumerate() {
                    assert!(!value.contains('\u{A0}') && value.trim() == value, "{r:?}");
                    let formula = value.starts_with(['=', '+', '-', '@']);
                    assert!(!formula || (k == 4 && value.starts_with('+')), "{r:?}");
                }
                assert!(r[3].is_empty() || emails.insert(r[3].clone()), "{r:?}");
                assert!(r[4].is_empty() || phones.insert(digits(&r[4])), "{r:?}");
                continue;
            };
            let visible = match defect {
                Defect::MissingFirstName => r[1].is_empty(),
                Defect::BlankLastName => !r[2].is_empty() && r[2].trim().is_empty(),
                Defect::MissingContact => !contact,
                Defect::DuplicateId => !new_id && new_lead,
                Defect::ExtraField => r.len() == 11,
                Defect::TooLongFirstName => r[1].chars().count() > 25,
                Defect::TooLongCompany => r[7].chars().count() > 60,
                Defect::UnknownSegment => !known(&DEFAULT_SEGMENTS, &r[5]),
                Defect::NormalisableSegment => {
                    known(&DEFAULT_SEGMENTS, &r[5]) && !DEFAULT_SEGMENTS.contains(&r[5].as_str())
                }
                Defect::UnknownConcept => !known(&DEFAULT_CONCEPTS, &r[6]),
                Defect::InvalidEmail => !email_ok(&r[3]) && !r[4].is_empty(),
                Defect::ScientificPhone => r[4].contains("E+") && email_ok(&r[3]),
                Defect::FormulaLike => r[7].starts_with(['=', '+', '-', '@']) && r[7].len() <= 60,
                Defect::HiddenCharacter => r[2].contains('\u{A0}'),
                Defect::LikelyDuplicateLead => new_id && !new_lead,
            };
            let others = (names || defect.rule() == Rule::MissingName)
                && (contact || defect == Defect::MissingContact)
                && (new_id || defect == Defect::DuplicateId)
                && (r.len() == 10 || defect == Defect::ExtraField);
            assert!(visible && others, "{defect:?} in row {row}: {r:?}");
        }
    }

    #[test]
    fn delimiters_that_cannot_work_are_refused() {
        for delimiter in [b'"', b'\n', 0xA7] {
            let options = GeneratorOptions {
                delimiter,
                ..GeneratorOptions::default()
            };
            let error = generate(&options, io::sink()).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        }
    }
}
