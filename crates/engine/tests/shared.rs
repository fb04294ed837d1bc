//! Helpers both crates' test binaries need, written once: the engine's tests declare this file as
//! `mod shared;`, and the command-line tool's tests include the same file by its path.
//!
//! The fixture folder, reading packages and CSV files back with readers of their own, the hostile
//! files the engine and the tool are both tried on, and the words their refusals share.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use leadpack_engine::{Field, read_package};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The documented header.
pub const DOCUMENTED_HEADER: &str = "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code";

// ---------------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------------

/// A file of the repository's fixture folder (see tests/fixtures/README.md).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// A hostile file (see tests/fixtures/hostile/README.md).
pub fn hostile_path(name: &str) -> PathBuf {
    fixture("hostile").join(name)
}

/// The bytes of a hostile file.
pub fn hostile_bytes(name: &str) -> Vec<u8> {
    std::fs::read(hostile_path(name)).unwrap_or_else(|err| panic!("fixture {name}: {err}"))
}

// ---------------------------------------------------------------------------------------------
// Assertions.
// ---------------------------------------------------------------------------------------------

/// Asserts that `text` contains every one of `words`.
#[track_caller]
pub fn assert_says(text: &str, words: &[&str]) {
    for word in words {
        assert!(text.contains(word), "expected “{word}” in:\n{text}");
    }
}

/// Problems kept until the end of a test, so one run shows every broken expectation of a case.
#[derive(Default)]
pub struct Faults(Vec<String>);

impl Faults {
    pub fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    #[track_caller]
    pub fn none(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Reading back what Leadpack wrote.
// ---------------------------------------------------------------------------------------------

/// The records in a CSV (the first line is the header), read by the `csv` crate, an independent
/// reader.
pub fn csv_records(bytes: &[u8]) -> u64 {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes)
        .byte_records()
        .inspect(|record| {
            assert!(
                record.is_ok(),
                "a CSV Leadpack wrote reads back: {record:?}"
            )
        })
        .count() as u64
}

/// The leads in an import package, read back through the engine's own package reader.
pub fn rows_in_package(name: &str, bytes: &[u8]) -> u64 {
    let csvs = read_package(name, bytes)
        .unwrap_or_else(|err| panic!("a package Leadpack wrote opens again: {err}"));
    csvs.iter().map(|csv| csv_records(&csv.bytes)).sum()
}

/// The entries of a ZIP archive (name and bytes), in archive order.
pub fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).expect("entry");
            let name = entry.name().expect("entry name").into_owned();
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .unwrap_or_else(|err| panic!("{name} unzips: {err}"));
            (name, data)
        })
        .collect()
}

/// An element of an XML document: its name and its attributes, unescaped.
pub type Element = (String, Vec<(String, String)>);

/// Every element of an XML document, read with `quick_xml` to the end; any error fails the test.
pub fn xml_elements(bytes: &[u8]) -> Vec<Element> {
    let text = std::str::from_utf8(bytes).expect("the XML is UTF-8");
    let mut reader = Reader::from_str(text);
    let mut elements = Vec::new();
    let mut depth = 0i32;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => panic!(
                "the XML does not parse at {}: {err}\n{text}",
                reader.error_position()
            ),
        };
        let start = match event {
            Event::Eof => break,
            Event::Start(start) => {
                depth += 1;
                start
            }
            Event::Empty(start) => start,
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            _ => continue,
        };
        let name = start.name().as_ref().to_string();
        let attributes = start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.unwrap_or_else(|err| panic!("bad attribute: {err}"));
                let key = attribute.key.as_ref().to_string();
                let value = attribute
                    .normalized_value(XmlVersion::Explicit1_0)
                    .unwrap_or_else(|err| panic!("bad attribute value: {err}"))
                    .into_owned();
                (key, value)
            })
            .collect();
        elements.push((name, attributes));
    }
    assert_eq!(depth, 0, "unclosed elements in {text}");
    elements
}

/// Every attribute of every element of an XML document, parsed strictly; panics on malformed XML.
pub fn xml_attributes(xml: &[u8]) -> Vec<(String, String)> {
    xml_elements(xml)
        .into_iter()
        .flat_map(|(_, attributes)| attributes)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Hostile files made here (too large, or too plain, to commit).
// ---------------------------------------------------------------------------------------------

/// `count` distinct, valid leads (no two alike), numbered from `first`.
pub fn distinct_leads(first: usize, count: usize) -> String {
    let mut text = String::new();
    for i in first..first + count {
        text.push_str(&format!(
            "G{i},Zoë{i},Whitfield{i},zoe{i}@example.com,+1 416 {:03} {:04},,,,,\n",
            i / 10_000 % 1000,
            i % 10_000
        ));
    }
    text
}

/// 25,000 leads of five columns, then, past the first MiB, a lead with a NUL byte in its first
/// name on row 25,002.
pub fn late_nul_file() -> Vec<u8> {
    let mut bytes = format!("{}\n{}", "ID,First Name,Last Name,Email Address,Phone", {
        let leads = distinct_leads(2, 25_000);
        leads.replace(",,,,,\n", "\n")
    })
    .into_bytes();
    assert!(bytes.len() > 1 << 20);
    bytes.extend_from_slice(b"N1,Ren\0e,Martin,renee@example.fr,+33 1 23 45 67 89\n");
    bytes
}

/// 25,000 leads under the documented header, then, past the first MiB, a lead with a stray
/// Windows-1252 byte on row 25,002 and one with correct UTF-8 accents.
pub fn late_invalid_file() -> Vec<u8> {
    let mut bytes = format!("{DOCUMENTED_HEADER}\n{}", distinct_leads(2, 25_000)).into_bytes();
    assert!(bytes.len() > 1 << 20);
    bytes.extend_from_slice(b"V3,Ren\xE9e,Martin,renee@example.fr,+33 1 23 45 67 89,,,,,\n");
    bytes.extend_from_slice(
        "V4,Søren,Kierkegaard,soren@example.dk,+45 33 12 34 56,,,,,\n".as_bytes(),
    );
    bytes
}

pub const FIFTY_MB: usize = 50_000_000;

/// Two leads, the first with a value of 50 MB in `column` (`Company`, or else `Notes`).
pub fn big_value_file(column: &str) -> Vec<u8> {
    let mut text = String::with_capacity(FIFTY_MB + 200);
    text.push_str("ID,First Name,Last Name,Email Address,Phone,Company,Notes\n");
    let big = "x".repeat(FIFTY_MB);
    match column {
        "Company" => text.push_str(&format!("B1,Ann,Lee,ann@example.com,,{big},note\n")),
        _ => text.push_str(&format!("B1,Ann,Lee,ann@example.com,,Acme,{big}\n")),
    }
    text.push_str("B2,Bob,Stone,bob@example.com,,Acme,short note\n");
    text.into_bytes()
}

/// A lead file of at least `bytes` bytes: a header and valid leads, each with its own name and
/// email, all with the same long note, so the file compresses about 28 times. Gives the file
/// and its number of leads.
pub fn compressible_leads(bytes: usize) -> (Vec<u8>, u64) {
    let note = "Met at the spring fair; wants a call back about the premium plan. ".repeat(6);
    let mut text = String::with_capacity(bytes + 1_000);
    text.push_str("First Name,Last Name,Email Address,Company,Notes\r\n");
    let mut leads = 0u64;
    while text.len() < bytes {
        leads += 1;
        text.push_str(&format!(
            "Ann,Lee{leads},ann.lee{leads}@example.com,Acme,{note}\r\n"
        ));
    }
    (text.into_bytes(), leads)
}

/// An import package whose `fileMappings.xml` lists `entries` CSV files, `leads-01.csv` and on,
/// each holding `csv` (compressed once, then copied under each further name). Gives the package
/// and the names.
pub fn package_of_copies(csv: &[u8], entries: usize) -> (Vec<u8>, Vec<String>) {
    use std::io::Write;
    let names: Vec<String> = (1..=entries).map(|i| format!("leads-{i:02}.csv")).collect();
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let listed: String = names
        .iter()
        .map(|name| format!(r#"<file name="{name}" category="All"/>"#))
        .collect();
    zip.start_file("fileMappings.xml", deflated).unwrap();
    write!(zip, r#"<mapping encodingType="UTF-8">{listed}</mapping>"#).unwrap();
    zip.start_file(names[0].as_str(), deflated).unwrap();
    zip.write_all(csv).unwrap();
    for name in &names[1..] {
        zip.deep_copy_file(&names[0], name).unwrap();
    }
    (zip.finish().unwrap().into_inner(), names)
}

/// `package` with the compressed bytes of its entry `name` overwritten half-way through (256
/// bytes), as a damaged download or disk would leave them: the archive's directory is intact,
/// and the entry expands correctly up to the damage.
pub fn damaged_midway(package: &[u8], name: &str) -> Vec<u8> {
    let (start, size) = {
        let mut archive = zip::ZipArchive::new(Cursor::new(package)).expect("a ZIP archive");
        let entry = archive.by_name(name).expect("the entry");
        let start = entry.data_start().expect("where its data starts");
        (start as usize, entry.compressed_size() as usize)
    };
    assert!(size > 4_096, "{name}: {size} compressed bytes");
    let mut damaged = package.to_vec();
    damaged[start + size / 2..start + size / 2 + 256].fill(0xFF);
    damaged
}

pub const WIDE_COLUMNS: usize = 100_000;

/// A header of 100,000 columns (the three a lead needs, then `C4` … `C100000`) and two leads.
pub fn wide_file() -> Vec<u8> {
    let mut header = vec![
        "First Name".to_string(),
        "Last Name".into(),
        "Email Address".into(),
    ];
    let mut ann = vec!["Ann".to_string(), "Lee".into(), "ann@example.com".into()];
    let mut bob = vec!["Bob".to_string(), "Stone".into(), "bob@example.com".into()];
    for i in 4..=WIDE_COLUMNS {
        header.push(format!("C{i}"));
        ann.push(format!("a{i}"));
        bob.push(String::new());
    }
    format!(
        "{}\n{}\n{}\n",
        header.join(","),
        ann.join(","),
        bob.join(",")
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// What refusals say: the same words in the engine's error and on the tool's stderr.
// ---------------------------------------------------------------------------------------------

/// The refusal of a file with no header row (a byte order mark alone, blank lines alone).
pub fn no_header_refusal(name: &str) -> [&str; 3] {
    [
        name,
        "no header row",
        "Choose the file that holds your leads",
    ]
}

/// A text file named .zip, opened as a package.
pub const NOT_A_ZIP_REFUSAL: [&str; 3] =
    ["not-a-zip.zip", "not a ZIP archive", "Choose the CSV file"];

/// A ZIP archive without fileMappings.xml.
pub const NOT_A_PACKAGE_REFUSAL: [&str; 4] = [
    "not-a-package.zip",
    "no fileMappings.xml",
    "not an import package",
    "Unpack it",
];

/// A package listing `../evil.csv`.
pub const PARENT_PATH_REFUSAL: [&str; 5] = [
    "package-parent-path.zip",
    "“../evil.csv”",
    "unsafe name",
    "does not open it",
    "Make the package again, or choose the CSV files it was made from.",
];

/// A package listing `/etc/passwd`.
pub const ABSOLUTE_PATH_REFUSAL: [&str; 4] = [
    "package-absolute-path.zip",
    "“/etc/passwd”",
    "unsafe name",
    "Make the package again",
];

/// A package listing one CSV twice.
pub const LISTED_TWICE_REFUSAL: [&str; 3] = [
    "package-listed-twice.zip",
    "lists “leads.csv” twice",
    "Make the package again",
];

/// A package whose CSV would expand more than 200 times.
pub const ZIP_BOMB_REFUSAL: [&str; 4] = [
    "zip-bomb.zip",
    "“leads.csv” would expand to 150000000 bytes",
    "more than 200 times",
    "Choose the CSV files the package was made from instead.",
];

/// A package whose CSV says it holds 1,000 bytes but expands to 50 MB.
pub const LYING_SIZE_REFUSAL: [&str; 3] = [
    "zip-bomb-lying-size.zip",
    "“leads.csv” is damaged: it does not expand as the package says",
    "Make the package again, or choose the CSV files it was made from.",
];

/// The whole refusal of the package `package` whose file `name` does not expand as the package
/// says (damaged, or longer than it claims).
pub fn damaged_refusal(package: &str, name: &str) -> String {
    format!(
        "{package}: “{name}” is damaged: it does not expand as the package says, so Leadpack \
         stopped reading it. Make the package again, or choose the CSV files it was made from."
    )
}

/// Files that open with Excel's `sep=` line, with the delimiter it names: `sep` in each case,
/// each delimiter, each line end, with and without a byte order mark. The companies hold
/// commas, so the line, not a guess, must decide. Each file has a header and two leads.
pub fn separator_line_files() -> Vec<(String, Vec<u8>, u8)> {
    let mut files = Vec::new();
    for (word, delimiter, line_end, bom) in ["sep", "SEP", "Sep"]
        .into_iter()
        .flat_map(|word| [b';', b',', b'\t', b'|'].map(move |d| (word, d)))
        .flat_map(|(word, d)| ["\n", "\r\n", "\r"].map(move |end| (word, d, end)))
        .flat_map(|(word, d, end)| [false, true].map(move |bom| (word, d, end, bom)))
    {
        let d = delimiter as char;
        let company = |name: &str| {
            if delimiter == b',' {
                format!("\"{name}, Jones, and Partners, Inc.\"")
            } else {
                format!("{name}, Jones, and Partners, Inc.")
            }
        };
        let text = format!(
            "{word}={d}{line_end}First Name{d}Last Name{d}Email Address{d}Company{line_end}\
             Ann{d}Lee{d}ann@example.com{d}{}{line_end}\
             Bob{d}Ray{d}bob@example.com{d}{}{line_end}",
            company("Smith"),
            company("Brown"),
        );
        let mut bytes = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        bytes.extend_from_slice(text.as_bytes());
        let name = format!(
            "{word}-{}-{}{}.csv",
            delimiter,
            line_end.len(),
            if bom { "-bom" } else { "" }
        );
        files.push((name, bytes, delimiter));
    }
    files
}

/// A header of more than `bytes` bytes (the three columns a lead needs, then numbered ones
/// with long names, quoted) and two leads.
pub fn long_header_file(bytes: usize) -> Vec<u8> {
    let mut header = String::from("First Name,Last Name,Email Address");
    let mut columns = 3;
    while header.len() <= bytes {
        columns += 1;
        // Long names, so that a header of megabytes stays a few thousand columns.
        header.push_str(&format!(
            ",\"Extra column number {columns:07}, with a long name that takes about a hundred bytes\""
        ));
    }
    let blanks = ",".repeat(columns - 3);
    format!("{header}\nAnn,Lee,ann@example.com{blanks}\nBob,Ray,bob@example.com{blanks}\n")
        .into_bytes()
}

/// Files whose header opens a quote that does not close on row 1, with the column it opens
/// in (from 1) when the whole file is read: never closed, closed rows later, in the first
/// column or a middle one, with commas or semicolons, small and past the first megabyte.
pub fn header_quote_files() -> Vec<(&'static str, Vec<u8>, usize)> {
    let many_leads: String = (0..40_000)
        .map(|i| format!("Ann{i},Lee,ann{i}@example.com\n"))
        .collect();
    vec![
        (
            "never-closed.csv",
            b"First Name,\"Last Name,Email Address\nAnn,Lee,ann@example.com\n".to_vec(),
            2,
        ),
        (
            "first-column.csv",
            b"\"First Name,Last Name,Email Address\r\nAnn,Lee,ann@example.com\r\n".to_vec(),
            1,
        ),
        (
            "closed-later.csv",
            b"First Name,\"Last Name,Email Address\nAnn\",Lee,ann@example.com\nBob,Ray,b@example.com\n"
                .to_vec(),
            2,
        ),
        (
            "semicolons.csv",
            b"First Name;Last Name;\"Email Address;Phone\nAnn;Lee;ann@example.com;1\n".to_vec(),
            3,
        ),
        (
            "past-the-first-megabyte.csv",
            format!("First Name,\"Last Name,Email Address\n{many_leads}").into_bytes(),
            2,
        ),
    ]
}

/// What a refusal of a header that opens a quote says.
pub const HEADER_QUOTE_REFUSAL: [&str; 3] = ["row 1", "opens a quote", "Remove the stray quote"];
/// What a refusal of a header too long to be one says.
pub const HEADER_TOO_LONG_REFUSAL: [&str; 3] = ["row 1", "16.0 MB", "one row per line"];
/// What a refusal of a file with a header and no leads says.
pub const NO_LEADS_REFUSAL: [&str; 3] = ["column names in row 1", "no leads", "Add the leads"];

/// A formula expected on a row: the row, its lead field (`None` for another column), and how
/// the message names the column.
pub type ExpectedFormula = (u64, Option<Field>, &'static str);

/// Formulas behind leading (and trailing) whitespace of every kind, in every kind of column that
/// goes into the package: lead fields, an extra phone (Telcoms), an address part, a user field,
/// and a column without a name (kept as a user field because it holds values).
pub fn formulas_behind_whitespace() -> (Vec<u8>, Vec<ExpectedFormula>) {
    const HEADER: &str = "First Name,Last Name,Email Address,Phone,Mobile,Street,Notes,";
    let spaces = [
        " ", "  ", "\t", " \t ", "\u{a0}", "\u{2007}", "\u{202f}", "\u{3000}", "\u{2003}", "\u{85}",
    ];
    // (column, field, name for the message)
    let columns = [
        (0, Some(Field::FirstName), "First Name"),
        (1, Some(Field::LastName), "Column “"),
        (4, None, "Column “Mobile”"),
        (5, None, "Column “Street”"),
        (6, None, "Column “Notes”"),
        (7, None, "The column without a name (column 8)"),
    ];
    let mut text = format!("{HEADER}\n");
    let mut expected = Vec::new();
    let mut row = 1;
    for (i, space) in spaces.iter().enumerate() {
        for &(column, field, name) in &columns {
            let formula = ["=1+1", "@cmd", "+SUM(A1)", "-2+3"][i % 4];
            let mut values = [
                "Ann",
                "Lee",
                "ann@example.com",
                "+1 416 555 0100",
                "+1 416 555 0199",
                "1 Main St",
                "note",
                "x",
            ]
            .map(String::from);
            values[column] = format!(
                "\"{space}{formula}{}\"",
                if i % 2 == 0 { space } else { "" }
            );
            text.push_str(&values.join(","));
            text.push('\n');
            row += 1;
            expected.push((row, field, if column == 1 { "Last Name" } else { name }));
        }
    }
    (text.into_bytes(), expected)
}

// ---------------------------------------------------------------------------------------------
// Workbooks.
// ---------------------------------------------------------------------------------------------

/// An Excel workbook of leads as people make them: a first sheet `Notes` with no values; a
/// sheet `Leads` with a title in A1, the header on row 3, and leads below it. Its cells hold
/// what a CSV saved by Excel loses: a zip code typed as text with its leading zero, another as
/// a number in the format `00000`, whole phone numbers of ten and twelve digits, a date, a
/// formula, a yes/no value and a formula error. Row 7 has no email and no phone; row 8 repeats
/// row 4's ID.
pub fn leads_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").expect("a name");
    let sheet = book.add_worksheet();
    sheet.set_name("Leads").expect("a name");
    let zip_format = Format::new().set_num_format("00000");
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_string(0, 0, "Leads from the spring fair")
        .expect("A1");
    for (column, header) in [
        "ID",
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Zip Code",
        "Met on",
        "Score",
        "VIP",
    ]
    .into_iter()
    .enumerate()
    {
        sheet
            .write_string(2, column as u16, header)
            .expect("header");
    }
    let rows: [(&str, &str, &str, &str, f64); 5] = [
        ("L1", "Zoë", "Lee", "zoe@example.com", 4165550199.0),
        ("L2", "Marc", "Tremblay", "marc@example.org", 447901234567.0),
        ("L3", "Anne", "Roy", "anne@example.com", 5145550123.0),
        ("L4", "Jean", "Dupont", "", 0.0),
        ("L1", "Paul", "Martin", "paul@example.com", 6135550100.0),
    ];
    for (index, (id, first, last, email, phone)) in rows.into_iter().enumerate() {
        let row = 3 + index as u32;
        sheet.write_string(row, 0, id).expect("id");
        sheet.write_string(row, 1, first).expect("first");
        sheet.write_string(row, 2, last).expect("last");
        if !email.is_empty() {
            sheet.write_string(row, 3, email).expect("email");
        }
        if phone > 0.0 {
            sheet.write_number(row, 4, phone).expect("phone");
        }
        let date = ExcelDateTime::from_ymd(2024, 2, 2 + index as u8).expect("a date");
        sheet
            .write_datetime_with_format(row, 6, &date, &date_format)
            .expect("date");
        sheet
            .write_formula(
                row,
                7,
                Formula::new(format!("=10*{}", index + 1))
                    .set_result(format!("{}", 10 * (index + 1))),
            )
            .expect("formula");
        sheet.write_boolean(row, 8, index % 2 == 0).expect("vip");
    }
    sheet.write_string(3, 5, "01234").expect("zip as text");
    sheet
        .write_number_with_format(4, 5, 2134.0, &zip_format)
        .expect("zip as a number");
    sheet
        .write_formula(5, 7, Formula::new("=1/0").set_result("#DIV/0!"))
        .expect("an error");
    book.save_to_buffer().expect("a workbook")
}

/// The CSV Excel would save from [`leads_workbook`]'s `Leads` sheet, as Leadpack reads it.
pub const LEADS_WORKBOOK_CSV: &str = "Leads from the spring fair,,,,,,,,\r\n\
    \r\n\
    ID,First Name,Last Name,Email,Phone,Zip Code,Met on,Score,VIP\r\n\
    L1,Zoë,Lee,zoe@example.com,4165550199,01234,2024-02-02,10,TRUE\r\n\
    L2,Marc,Tremblay,marc@example.org,447901234567,02134,2024-02-03,20,FALSE\r\n\
    L3,Anne,Roy,anne@example.com,5145550123,,2024-02-04,#DIV/0!,TRUE\r\n\
    L4,Jean,Dupont,,,,2024-02-05,40,FALSE\r\n\
    L1,Paul,Martin,paul@example.com,6135550100,,2024-02-06,50,TRUE\r\n";
