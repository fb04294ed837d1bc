//! Characters through the `leadpack` binary: lengths counted as the CRM counts them, values cut
//! only between whole characters (the report's preview and the package agree), and characters an
//! output encoding cannot hold, replaced by their nearest form and counted once.

use crate::shared::zip_entries;
use crate::util::{TempDir, check_json, leadpack, only_file};
use serde_json::Value;

const HEADER: &str = "ID,First Name,Last Name,Email Address,Company\n";

/// The too-long finding of `field` (its key) in a file report.
fn too_long<'a>(file: &'a Value, field: &str) -> &'a Value {
    file["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .find(|issue| issue["rule"] == "too-long" && issue["field"] == field)
        .unwrap_or_else(|| panic!("no too-long finding for {field}: {file:#}"))
}

/// The rows of the CSV in the package `zip`, decoded from `encoding` (an encoding_rs label).
fn package_rows(zip: &[u8], encoding: &'static encoding_rs::Encoding) -> Vec<Vec<String>> {
    let entries = zip_entries(zip);
    let (_, csv) = entries
        .iter()
        .find(|(name, _)| name.ends_with(".csv"))
        .expect("the package holds a CSV");
    let (text, _, had_errors) = encoding.decode(csv);
    assert!(
        !had_errors,
        "the package CSV is valid in {}",
        encoding.name()
    );
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

/// The values of the column titled `title` in the package `zip`, lead by lead.
fn column(zip: &[u8], encoding: &'static encoding_rs::Encoding, title: &str) -> Vec<String> {
    let rows = package_rows(zip, encoding);
    let index = rows[0]
        .iter()
        .position(|name| name == title)
        .unwrap_or_else(|| panic!("no column {title}: {:?}", rows[0]));
    rows[1..].iter().map(|row| row[index].clone()).collect()
}

/// 25 decomposed `é` (e + U+0301, 50 units as the CRM counts), a row of flags, an emoji at the
/// boundary, a family emoji and a CR LF line break across the maximum: `leadpack check` previews
/// what the CRM keeps, never half a character, and `leadpack pack` writes exactly that.
#[test]
fn the_command_line_tool_cuts_between_whole_characters_as_it_previews() {
    let e_acute = "e\u{301}";
    let leads = [
        (e_acute.repeat(25), e_acute.repeat(12)),
        ("🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱🇧🇪".to_string(), "🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱".to_string()),
        (format!("{}😀", "x".repeat(24)), "x".repeat(24)),
        (
            format!("{}👩\u{200D}👩\u{200D}👧", "x".repeat(20)),
            "x".repeat(20),
        ),
        (format!("{}\r\nB", "x".repeat(24)), "x".repeat(24)),
        // Exactly 25 units: not cut.
        ("😀".repeat(12) + "x", "😀".repeat(12) + "x"),
    ];
    let mut text = HEADER.to_string();
    for (index, (first, _)) in leads.iter().enumerate() {
        text.push_str(&format!(
            "{index},\"{first}\",Lee,a{index}@example.com,Acme\n"
        ));
    }
    let dir = TempDir::new("cli-lengths");
    let file = dir.write("leads.csv", &text);

    let (code, report) = check_json(&[&file]);
    assert_eq!(code, 0, "too long is a warning");
    let file_report = only_file(&report);
    let issues = file_report["issues"].as_array().expect("issues");
    for (index, (first, kept)) in leads.iter().enumerate() {
        let row = index as u64 + 2;
        let finding = issues
            .iter()
            .find(|issue| issue["row"] == row && issue["rule"] == "too-long");
        if kept == first {
            assert!(finding.is_none(), "row {row} fits: {finding:?}");
            continue;
        }
        let finding = finding.unwrap_or_else(|| panic!("row {row} is too long"));
        assert_eq!(finding["kept"], kept.as_str(), "row {row}");
        let cut = finding["cut"].as_str().expect("cut");
        assert_eq!(format!("{kept}{cut}"), *first, "row {row}");
    }
    let decomposed = too_long(file_report, "firstName");
    assert!(
        decomposed["message"].as_str().unwrap().starts_with(
            "First Name is 50 characters long as the CRM counts them (an accent stored apart \
             from its letter counts as one more); the CRM keeps at most 25"
        ),
        "{decomposed:#}"
    );

    let out = dir.path("out");
    let run = leadpack(&[&"pack", &file, &"--out", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zip = std::fs::read(out.join("leads.zip")).expect("the package");
    let wanted: Vec<String> = leads.iter().map(|(_, kept)| kept.clone()).collect();
    assert_eq!(column(&zip, encoding_rs::UTF_8, "First Name"), wanted);

    // The text report quotes the same message.
    let run = leadpack(&[&"check", &file]);
    assert!(
        run.stdout.contains(
            "First Name is 26 characters long as the CRM counts them (an emoji counts as two)"
        ),
        "{}",
        run.stdout
    );
}

/// `leadpack pack` in Windows-1252 and ISO-8859-1: refused with one count of the values it
/// would write with characters the encoding cannot hold (not those of a rejected lead, a column
/// left out or a part the CRM cuts off); with `--replace-unrepresentable`, each becomes the
/// nearest the encoding holds, and the same count is said and listed in the findings report.
#[test]
fn the_command_line_tool_replaces_only_what_the_encoding_cannot_hold_and_counts_it_once() {
    let text = format!(
        "ID,First Name,Last Name,Email Address,Company\n\
         1,Łukasz,Đorđević,a1@example.com,“Œuvre” – Straße…\n\
         2,İlker,Işık Ağaoğlu,a2@example.com,Øresund Æble Þing\n\
         3,,Şahin,a3@example.com,Łódź\n\
         4,\"{}Ł\",Lee,a4@example.com,Acme\n\
         5,Жанна,王伟,a5@example.com,Acme 👍🏽\n",
        "x".repeat(25)
    );
    let dir = TempDir::new("cli-replace");
    let file = dir.write("leads.csv", &text);
    // (encoding, values to be packed with characters it cannot hold, the packed rows wanted)
    let cases = [
        (
            "windows-1252",
            encoding_rs::WINDOWS_1252,
            7,
            [
                ["Lukasz", "Dordevic", "“Œuvre” – Straße…"],
                ["Ilker", "Isik Agaoglu", "Øresund Æble Þing"],
                [&"x".repeat(25), "Lee", "Acme"],
                ["Zhanna", "??", "Acme ?"],
            ],
        ),
        (
            "iso-8859-1",
            encoding_rs::WINDOWS_1252,
            8,
            [
                ["Lukasz", "Dordevic", "\"Oeuvre\" - Straße..."],
                ["Ilker", "Isik Agaoglu", "Øresund Æble Þing"],
                [&"x".repeat(25), "Lee", "Acme"],
                ["Zhanna", "??", "Acme ?"],
            ],
        ),
    ];
    for (label, reader, count, rows) in cases {
        let out = dir.path(&format!("refused-{label}"));
        let refused = leadpack(&[&"pack", &file, &"--out", &out, &"--output-encoding", &label]);
        assert_eq!(refused.code, 1, "{}", refused.stderr);
        assert!(
            refused.stderr.contains(&format!(
                "{count} value(s) to be packed have characters {} cannot hold, so nothing was written:",
                if label == "iso-8859-1" { "ISO-8859-1" } else { "Windows-1252" }
            )),
            "{}",
            refused.stderr
        );
        assert!(
            refused.stderr.contains("row 2: “Łukasz” has “Ł”"),
            "{}",
            refused.stderr
        );
        assert!(!out.join("leads.zip").exists(), "nothing is written");

        let out = dir.path(&format!("replaced-{label}"));
        let run = leadpack(&[
            &"pack",
            &file,
            &"--out",
            &out,
            &"--output-encoding",
            &label,
            &"--replace-unrepresentable",
            &"--findings",
        ]);
        assert_eq!(run.code, 1, "row 4 has no first name: {}", run.stderr);
        assert!(
            run.stdout
                .contains(&format!("  {count} value(s) had characters ")),
            "{}",
            run.stdout
        );
        let zip = std::fs::read(out.join("leads.zip")).expect("the package");
        let packed: Vec<Vec<String>> = ["First Name", "Last Name", "Company"]
            .iter()
            .map(|title| column(&zip, reader, title))
            .collect();
        for (lead, wanted) in rows.iter().enumerate() {
            let got: Vec<&str> = packed.iter().map(|values| values[lead].as_str()).collect();
            assert_eq!(got, wanted, "{label}, lead {lead}");
        }
        let findings = std::fs::read_to_string(out.join("leads-findings.csv")).expect("findings");
        let listed = findings
            .lines()
            .filter(|line| line.contains("unrepresentable"))
            .count();
        assert_eq!(listed, count, "{findings}");
    }
}
