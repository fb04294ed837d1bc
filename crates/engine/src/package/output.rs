//! The files a build produces, what each is, and how they are named.

use crate::text::encode::OutputEncoding;

/// What a written file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputKind {
    /// An import package (ZIP).
    Package,
    /// The rows left out of the packages, with their problems (CSV).
    Rejected,
    /// The ten documented columns, for imports without a package (CSV).
    SimpleCsv,
    /// Every finding (CSV).
    Findings,
    /// Every correction made while reviewing (CSV).
    Changes,
}

/// One file Leadpack produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: OutputKind,
    /// The leads (or findings) it holds.
    pub rows: u64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Everything packing one file produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOutcome {
    /// The packages, in order.
    pub packages: Vec<OutputFile>,
    /// The rejected rows, when rows were left out.
    pub rejected: Option<OutputFile>,
    /// The simple lead CSV, when asked for.
    pub simple: Option<OutputFile>,
    /// Records read.
    pub records: u64,
    /// Records written to packages.
    pub packaged: u64,
    /// Records written to the rejected rows.
    pub rejected_rows: u64,
    /// The name of the CSV file in the packages.
    pub csv_name: String,
    /// The file's target field category ("Type of Data in File").
    pub category: String,
    /// The character set of the packages' CSV.
    pub encoding: OutputEncoding,
}

impl PackOutcome {
    /// Every file, packages first.
    pub fn files(&self) -> impl Iterator<Item = &OutputFile> {
        self.packages
            .iter()
            .chain(&self.rejected)
            .chain(&self.simple)
    }
}

/// A file name made safe for any system and for the CRM: ASCII letters, digits, `-` and `_`.
pub fn safe_stem(name: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = match stem.rfind('.') {
        Some(dot) if dot > 0 => &stem[..dot],
        _ => stem,
    };
    let mut safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.truncate(60);
    let trimmed = safe.trim_matches('_');
    if trimmed.is_empty() {
        "leads".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The name of package `index` (from 0) of `total` for `stem`.
pub fn package_name(stem: &str, index: usize, total: usize) -> String {
    if total <= 1 {
        format!("{stem}.zip")
    } else {
        let width = total.to_string().len().max(2);
        format!("{stem}-part-{:0width$}-of-{total:0width$}.zip", index + 1)
    }
}
