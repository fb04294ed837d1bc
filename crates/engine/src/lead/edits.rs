//! Corrections made while reviewing: single cells, and fixes applied to every value of a field.
//! They are applied as records are read, before any rule, so the findings, the packages and the
//! change log all see the corrected values.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lead::quality;
use crate::lead::schema::Field;

/// A fix applied to every value of one lead field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "fix", rename_all = "kebab-case")]
pub enum Fix {
    /// Non-breaking and other special spaces become plain spaces; zero-width characters, soft
    /// hyphens and control characters are removed.
    RemoveHiddenCharacters {
        /// The field.
        field: Field,
    },
    /// Double-encoded text is repaired (`ZoÃ«` → `Zoë`).
    RepairGarbledAccents {
        /// The field.
        field: Field,
    },
    /// A value a spreadsheet would run as a formula gets a leading apostrophe, which makes
    /// spreadsheets show it as text (`=HYPERLINK(…)` → `'=HYPERLINK(…)`).
    NeutraliseFormulas {
        /// The field.
        field: Field,
    },
    /// The same, in every column of the file: lead fields, Telcoms and Addresses entries and
    /// user fields alike.
    NeutraliseAllFormulas,
}

impl Fix {
    /// The field the fix applies to, or `None` for a fix of every column.
    pub fn field(self) -> Option<Field> {
        match self {
            Fix::RemoveHiddenCharacters { field }
            | Fix::RepairGarbledAccents { field }
            | Fix::NeutraliseFormulas { field } => Some(field),
            Fix::NeutraliseAllFormulas => None,
        }
    }

    /// What the fix does, for the change log.
    pub fn label(self) -> &'static str {
        match self {
            Fix::RemoveHiddenCharacters { .. } => "hidden characters removed",
            Fix::RepairGarbledAccents { .. } => "garbled accents repaired",
            Fix::NeutraliseFormulas { .. } | Fix::NeutraliseAllFormulas => "formula neutralised",
        }
    }

    /// The value after the fix, if the fix changes it.
    pub fn apply(self, value: &str) -> Option<String> {
        match self {
            Fix::RemoveHiddenCharacters { .. } => {
                if !quality::suspects(value).hidden {
                    return None;
                }
                let fixed: String = value
                    .chars()
                    .filter_map(|c| match c {
                        '\u{A0}' | '\u{2007}' | '\u{202F}' | '\t' => Some(' '),
                        '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' => None,
                        '\r' | '\n' => Some(c),
                        c if c.is_control() => None,
                        c => Some(c),
                    })
                    .collect();
                (fixed != value).then_some(fixed)
            }
            Fix::RepairGarbledAccents { .. } => quality::mojibake_repair(value),
            // Judged and written as the package writes values: trimmed.
            Fix::NeutraliseFormulas { .. } | Fix::NeutraliseAllFormulas => {
                let value = value.trim();
                quality::is_formula_like(value).then(|| format!("'{value}"))
            }
        }
    }
}

/// Everything the user corrected in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edits {
    /// Single cells: spreadsheet row → column (from 0) → the new value. Written as a list of
    /// `{row, column, value}`, so every JSON reader takes it.
    #[serde(with = "cells_as_list")]
    pub cells: BTreeMap<u64, BTreeMap<usize, String>>,
    /// Fixes applied to every value of a field.
    pub fixes: Vec<Fix>,
    /// Find and replace, in one column or in every column, applied after the fixes and before
    /// the single cells, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replacements: Vec<Replacement>,
    /// Whole rows written anew (a broken row made to fit its header): spreadsheet row → its
    /// values. The fixes, replacements and single cells apply on top. Written as a list of
    /// `{row, values}`, so every JSON reader takes it (object keys are text in JSON).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "rows_as_list"
    )]
    pub rows: BTreeMap<u64, Vec<String>>,
    /// Rows the user took out of the import: they go into no package and no rejected rows,
    /// and the change log lists each with its values.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub deleted: BTreeSet<u64>,
}

/// Find and replace: every occurrence of a text in the values of one column, or of every
/// column, replaced by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    /// The column (counted from 0), or every column when `None`.
    #[serde(default)]
    pub column: Option<usize>,
    /// The text to find (an empty text finds nothing).
    pub find: String,
    /// What it becomes.
    pub with: String,
    /// Whether letters must match in case too (`Lee` then does not find `LEE`).
    #[serde(default)]
    pub match_case: bool,
}

impl Replacement {
    /// Whether the replacement looks at `column`.
    pub fn covers(&self, column: usize) -> bool {
        self.column.is_none_or(|only| only == column)
    }

    /// How many times the text occurs in `value` (not overlapping).
    pub fn count(&self, value: &str) -> usize {
        self.occurrences(value).count()
    }

    /// The value with every occurrence replaced, if it has one.
    pub fn apply(&self, value: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = 0;
        for (start, end) in self.occurrences(value) {
            out.push_str(&value[rest..start]);
            out.push_str(&self.with);
            rest = end;
        }
        if rest == 0 && out.is_empty() {
            return None;
        }
        out.push_str(&value[rest..]);
        (out != value).then_some(out)
    }

    /// Where the text occurs in `value`: byte ranges, in order, not overlapping.
    fn occurrences<'a>(&'a self, value: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            if self.find.is_empty() {
                return None;
            }
            while from < value.len() {
                let start = from;
                let found = self.match_at(value, start);
                // The next place to look: past the match, or past this character.
                let step = value[start..].chars().next().map_or(1, char::len_utf8);
                match found {
                    Some(end) => {
                        from = end;
                        return Some((start, end));
                    }
                    None => from = start + step,
                }
            }
            None
        })
    }

    /// Where a match of the text starting at `start` ends, if there is one.
    fn match_at(&self, value: &str, start: usize) -> Option<usize> {
        if self.match_case {
            return value[start..]
                .starts_with(&self.find)
                .then(|| start + self.find.len());
        }
        let mut chars = value[start..].char_indices();
        for wanted in self.find.chars() {
            let (_, got) = chars.next()?;
            if got != wanted && !got.to_lowercase().eq(wanted.to_lowercase()) {
                return None;
            }
        }
        Some(chars.next().map_or(value.len(), |(at, _)| start + at))
    }
}

/// The cells as a list of `{row, column, value}`.
mod cells_as_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Cell {
        row: u64,
        column: usize,
        value: String,
    }

    pub fn serialize<S: Serializer>(
        cells: &BTreeMap<u64, BTreeMap<usize, String>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Cell> = cells
            .iter()
            .flat_map(|(&row, columns)| {
                columns.iter().map(move |(&column, value)| Cell {
                    row,
                    column,
                    value: value.clone(),
                })
            })
            .collect();
        list.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<u64, BTreeMap<usize, String>>, D::Error> {
        let list = Vec::<Cell>::deserialize(deserializer)?;
        let mut cells: BTreeMap<u64, BTreeMap<usize, String>> = BTreeMap::new();
        for cell in list {
            cells
                .entry(cell.row)
                .or_default()
                .insert(cell.column, cell.value);
        }
        Ok(cells)
    }
}

/// The rows written anew as a list of `{row, values}`.
mod rows_as_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Row {
        row: u64,
        values: Vec<String>,
    }

    pub fn serialize<S: Serializer>(
        rows: &BTreeMap<u64, Vec<String>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Row> = rows
            .iter()
            .map(|(&row, values)| Row {
                row,
                values: values.clone(),
            })
            .collect();
        list.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<u64, Vec<String>>, D::Error> {
        let list = Vec::<Row>::deserialize(deserializer)?;
        Ok(list.into_iter().map(|row| (row.row, row.values)).collect())
    }
}

/// One change made to one value, for the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The spreadsheet row.
    pub row: u64,
    /// The column's header.
    pub column: String,
    /// The value before.
    pub before: String,
    /// The value after.
    pub after: String,
    /// Why: "edited", or the fix.
    pub reason: String,
}

impl Edits {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
            && self.fixes.is_empty()
            && self.replacements.is_empty()
            && self.rows.is_empty()
            && self.deleted.is_empty()
    }

    /// Whether the user took the record on `row` out of the import.
    pub fn is_deleted(&self, row: u64) -> bool {
        self.deleted.contains(&row)
    }

    /// The change-log entry of a row taken out: its values, as they were, one after the other.
    pub fn deletion(row: u64, fields: &[&str]) -> Change {
        Change {
            row,
            column: String::new(),
            before: fields.join(" | "),
            after: String::new(),
            reason: "row deleted".to_string(),
        }
    }

    /// The corrected values of the record on `row`, or `None` when nothing changes.
    /// `columns[f.index()]` is the column of field `f`; `headers` name the columns.
    pub fn apply(
        &self,
        row: u64,
        fields: &[&str],
        columns: &[Option<usize>; 10],
        headers: &[String],
        changes: &mut Vec<Change>,
    ) -> Option<Vec<String>> {
        let mut values: Option<Vec<String>> = None;
        let rewritten = self.rows.get(&row).filter(|rewritten| {
            rewritten
                .iter()
                .map(String::as_str)
                .ne(fields.iter().copied())
        });
        let owned: Vec<&str>;
        let fields: &[&str] = match rewritten {
            Some(rewritten) => {
                changes.push(Change {
                    row,
                    column: String::new(),
                    before: fields.join(" | "),
                    after: rewritten.join(" | "),
                    reason: "row rewritten".to_string(),
                });
                values = Some(rewritten.clone());
                owned = rewritten.iter().map(String::as_str).collect();
                &owned
            }
            None => fields,
        };
        let set = |values: &mut Option<Vec<String>>,
                   column: usize,
                   after: String,
                   reason: &str,
                   changes: &mut Vec<Change>| {
            let values =
                values.get_or_insert_with(|| fields.iter().map(|f| f.to_string()).collect());
            let Some(slot) = values.get_mut(column) else {
                return;
            };
            if *slot != after {
                changes.push(Change {
                    row,
                    column: headers.get(column).cloned().unwrap_or_default(),
                    before: std::mem::replace(slot, after.clone()),
                    after,
                    reason: reason.to_string(),
                });
            }
        };
        for fix in &self.fixes {
            let fixed = match fix.field() {
                Some(field) => columns[field.index()].map_or(0..0, |column| column..column + 1),
                None => 0..fields.len(),
            };
            for column in fixed {
                // Each fix applies to the value as the fixes before it left it.
                let current = match &values {
                    Some(values) => values.get(column).map(String::as_str),
                    None => fields.get(column).copied(),
                };
                if let Some(after) = current.and_then(|current| fix.apply(current)) {
                    set(&mut values, column, after, fix.label(), changes);
                }
            }
        }
        for replacement in &self.replacements {
            for column in 0..fields.len() {
                if !replacement.covers(column) {
                    continue;
                }
                let current = match &values {
                    Some(values) => values.get(column).map(String::as_str),
                    None => fields.get(column).copied(),
                };
                if let Some(after) = current.and_then(|current| replacement.apply(current)) {
                    set(&mut values, column, after, "replaced", changes);
                }
            }
        }
        if let Some(cells) = self.cells.get(&row) {
            for (&column, after) in cells {
                set(&mut values, column, after.clone(), "edited", changes);
            }
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> [Option<usize>; 10] {
        let mut columns = [None; 10];
        columns[Field::FirstName.index()] = Some(0);
        columns[Field::LastName.index()] = Some(1);
        columns
    }

    fn headers() -> Vec<String> {
        vec!["First Name".into(), "Last Name".into()]
    }

    #[test]
    fn an_edited_cell_replaces_the_value_and_is_logged() {
        let mut edits = Edits::default();
        edits.cells.entry(3).or_default().insert(0, "Ann".into());
        let mut changes = Vec::new();
        let values = edits.apply(3, &["", "Lee"], &columns(), &headers(), &mut changes);
        assert_eq!(values, Some(vec!["Ann".to_string(), "Lee".to_string()]));
        assert_eq!(changes[0].column, "First Name");
        assert_eq!(changes[0].before, "");
        assert_eq!(changes[0].reason, "edited");
        assert_eq!(
            edits.apply(4, &["", "Lee"], &columns(), &headers(), &mut changes),
            None
        );
    }

    #[test]
    fn fixes_apply_to_every_row_of_their_field_only() {
        let edits = Edits {
            fixes: vec![Fix::RemoveHiddenCharacters {
                field: Field::LastName,
            }],
            ..Edits::default()
        };
        let mut changes = Vec::new();
        let values = edits.apply(
            9,
            &["Zoë\u{a0}", "Lee\u{a0}\u{200b}"],
            &columns(),
            &headers(),
            &mut changes,
        );
        assert_eq!(
            values,
            Some(vec!["Zoë\u{a0}".to_string(), "Lee ".to_string()])
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].reason, "hidden characters removed");
    }

    #[test]
    fn edits_travel_as_plain_json() {
        let mut edits = Edits::default();
        edits.cells.entry(7).or_default().insert(2, "Zoë".into());
        edits.fixes.push(Fix::RepairGarbledAccents {
            field: Field::LastName,
        });
        let json = serde_json::to_string(&edits).unwrap();
        assert_eq!(
            json,
            r#"{"cells":[{"row":7,"column":2,"value":"Zoë"}],"fixes":[{"fix":"repair-garbled-accents","field":"lastName"}]}"#
        );
        assert_eq!(serde_json::from_str::<Edits>(&json).unwrap(), edits);
    }

    #[test]
    fn formulas_are_neutralised_with_an_apostrophe() {
        let fix = Fix::NeutraliseFormulas {
            field: Field::Company,
        };
        assert_eq!(
            fix.apply("=HYPERLINK(\"x\")"),
            Some("'=HYPERLINK(\"x\")".to_string())
        );
        assert_eq!(fix.apply("+44 20 7946 0958"), None);
        assert_eq!(fix.apply("Acme"), None);
    }

    #[test]
    fn garbled_accents_are_repaired() {
        let fix = Fix::RepairGarbledAccents {
            field: Field::FirstName,
        };
        assert_eq!(fix.apply("ZoÃ«"), Some("Zoë".to_string()));
        assert_eq!(fix.apply("Zoë"), None);
    }
}
