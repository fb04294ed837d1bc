//! Matching a file's columns to lead fields: forgiving header matching with synonyms and a scored
//! fuzzy fallback, a look at the values when a header says nothing, and explicit mappings.
//!
//! It never maps two columns to one field: the better match wins and the other is listed with
//! the reason.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::lead::schema::{FIELDS, Field, header_key};
use crate::lead::{dates, quality};

/// How a column was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// The header is the field's documented title or key.
    Exact,
    /// The header is a common spelling of the field.
    Synonym,
    /// The header contains a spelling of the field (`Primary Work Phone`).
    Partial,
    /// The header is close to a spelling of the field (a typo).
    Fuzzy,
    /// The header says nothing, but the values look like the field's.
    Content,
    /// The user (or a template) chose it.
    Chosen,
    /// Not matched to any field.
    None,
}

/// What one column is matched to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnMatch {
    /// The header as written in the file.
    pub header: String,
    /// The lead field, or `None` when the column is not imported as a lead field.
    pub field: Option<Field>,
    /// How sure the match is, from 0 to 1 (1 for exact and chosen matches).
    pub confidence: f64,
    /// How the match was made.
    pub matched_by: MatchKind,
    /// Why a column that looked like a field was left out, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The field this column looked like when another column took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted: Option<Field>,
}

/// A mapping the user chose: header → field (or `None` for "not imported").
///
/// Headers missing from it are not imported; headers it names that the file lacks are ignored,
/// so one mapping serves every file of the same layout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplicitMapping {
    /// Header text → lead field key, for the first column with that header.
    pub columns: BTreeMap<String, Option<Field>>,
    /// For a header written more than once, the fields of its second, third… columns, when the
    /// mapping comes from a template (which plans every column in order). A mapping file names
    /// each header once, and later columns with its header are not imported.
    #[serde(skip)]
    pub repeated: BTreeMap<String, Vec<Option<Field>>>,
}

/// A candidate match of one column.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    field: Field,
    confidence: f64,
    kind: MatchKind,
}

/// The best field for one header, judged on the header alone.
fn match_header(header: &str) -> Option<Candidate> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    let key_letters = Letters::of(&key);
    let mut best: Option<Candidate> = None;
    let mut offer = |candidate: Candidate| {
        if best.is_none_or(|b| candidate.confidence > b.confidence) {
            best = Some(candidate);
        }
    };
    for (spec, spelling) in FIELDS.iter().zip(spellings()) {
        let field = spec.field;
        if key == spelling.title || key == spelling.key {
            offer(Candidate {
                field,
                confidence: 1.0,
                kind: MatchKind::Exact,
            });
            continue;
        }
        for (&synonym, letters) in spec.synonyms.iter().zip(&spelling.synonyms) {
            if key == synonym {
                // "Title" often means Mr/Ms rather than a job title.
                let confidence = if synonym == "title" { 0.6 } else { 0.9 };
                offer(Candidate {
                    field,
                    confidence,
                    kind: MatchKind::Synonym,
                });
            } else if synonym.len() >= 4 && key.contains(synonym) {
                // The last word usually names the thing: "Company Phone" is a phone.
                let at_end = key.ends_with(synonym);
                let share = synonym.len() as f64 / key.len() as f64;
                let confidence = if at_end { 0.7 } else { 0.6 } + 0.15 * share;
                offer(Candidate {
                    field,
                    confidence,
                    kind: MatchKind::Partial,
                });
            } else if synonym.len() >= 5 && key_letters.may_be_close_to(letters) {
                // Edit distance, with swapped letters as one edit: "Frist Name", "Emial".
                let similarity = strsim::normalized_damerau_levenshtein(&key, synonym);
                if similarity >= FUZZY_SIMILARITY {
                    offer(Candidate {
                        field,
                        confidence: 0.85 * similarity,
                        kind: MatchKind::Fuzzy,
                    });
                }
            }
        }
    }
    best
}

/// A field's spellings prepared for comparing: its documented title and key in comparison form,
/// and the letters of each synonym.
struct Spelling {
    title: String,
    key: String,
    synonyms: Vec<Letters>,
}

/// The spellings of every field, in the order of `FIELDS`, prepared once.
fn spellings() -> &'static [Spelling] {
    static SPELLINGS: OnceLock<Vec<Spelling>> = OnceLock::new();
    SPELLINGS.get_or_init(|| {
        FIELDS
            .iter()
            .map(|spec| Spelling {
                title: header_key(spec.title),
                key: header_key(spec.key),
                synonyms: spec.synonyms.iter().map(|s| Letters::of(s)).collect(),
            })
            .collect()
    })
}

/// How many times each character occurs in a spelling (characters fall into 64 buckets), and how
/// many characters it has: enough to know that two spellings are too different for a typo
/// without measuring their edit distance, which costs far more. A header row of thousands of
/// columns is matched in moments.
struct Letters {
    counts: [u16; 64],
    len: usize,
}

impl Letters {
    fn of(text: &str) -> Letters {
        let mut letters = Letters {
            counts: [0; 64],
            len: 0,
        };
        for c in text.chars() {
            let bucket = &mut letters.counts[c as usize % 64];
            *bucket = bucket.saturating_add(1);
            letters.len += 1;
        }
        letters
    }

    /// A number of edits that turning one spelling into the other needs at least. Each edit
    /// (inserting, deleting or replacing a character, or swapping two) adds at most one character
    /// the other spelling lacks and removes at most one it has, and sharing buckets only hides
    /// differences; so this never exceeds the edit distance.
    fn fewest_edits(&self, other: &Letters) -> usize {
        let (mut surplus, mut shortfall) = (0usize, 0usize);
        for (&mine, &theirs) in self.counts.iter().zip(&other.counts) {
            if mine > theirs {
                surplus += usize::from(mine - theirs);
            } else {
                shortfall += usize::from(theirs - mine);
            }
        }
        surplus.max(shortfall)
    }

    /// Whether the two spellings can be similar enough for a fuzzy match at all.
    fn may_be_close_to(&self, other: &Letters) -> bool {
        let longer = self.len.max(other.len);
        if longer == 0 {
            return true;
        }
        // The best similarity the edit distance could give, computed as the comparison does.
        1.0 - self.fewest_edits(other) as f64 / longer as f64 >= FUZZY_SIMILARITY
    }
}

/// The smallest similarity (1 − edits ÷ longer length) that counts as a typo.
const FUZZY_SIMILARITY: f64 = 0.8;

/// The field the sample values of an unmatched column look like, if they clearly look like one.
fn match_content(samples: &[String]) -> Option<Candidate> {
    let values: Vec<&str> = samples
        .iter()
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
        .collect();
    // Dates have the digits and dashes of phone numbers, and are neither phones nor emails.
    if values.len() < 3 || dates::looks_like_dates(&values) {
        return None;
    }
    let share = |test: &dyn Fn(&str) -> bool| {
        values.iter().filter(|v| test(v)).count() as f64 / values.len() as f64
    };
    let emails = share(&|v: &str| v.contains('@') && quality::email_problem(v).is_none());
    if emails >= 0.8 {
        return Some(Candidate {
            field: Field::Email,
            confidence: 0.6 * emails,
            kind: MatchKind::Content,
        });
    }
    let phones = share(&|v: &str| {
        v.bytes()
            .any(|b| b == b' ' || b == b'-' || b == b'+' || b == b'(')
            && quality::phone_problem(v).is_none()
    });
    if phones >= 0.8 {
        return Some(Candidate {
            field: Field::Phone,
            confidence: 0.5 * phones,
            kind: MatchKind::Content,
        });
    }
    None
}

/// Matches every column automatically. `samples[i]` holds values of column `i` from the first
/// records (it may be shorter than `headers` or empty).
pub fn auto_map(headers: &[String], samples: &[Vec<String>]) -> Vec<ColumnMatch> {
    let candidates: Vec<Option<Candidate>> =
        headers.iter().map(|header| match_header(header)).collect();
    let mut matches: Vec<ColumnMatch> = headers
        .iter()
        .map(|header| ColumnMatch {
            header: header.clone(),
            field: None,
            confidence: 0.0,
            matched_by: MatchKind::None,
            note: None,
            wanted: None,
        })
        .collect();
    assign(&mut matches, &candidates);

    // Columns whose headers say nothing: look at their values, for fields still free.
    let content: Vec<Option<Candidate>> = (0..headers.len())
        .map(|index| {
            if candidates[index].is_some() {
                return None;
            }
            samples.get(index).and_then(|values| match_content(values))
        })
        .collect();
    assign(&mut matches, &content);
    matches
}

/// Gives each field to its best candidate column (leftmost among equals); notes the others.
fn assign(matches: &mut [ColumnMatch], candidates: &[Option<Candidate>]) {
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].is_some())
        .collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (
            candidates[a].map_or(0.0, |c| c.confidence),
            candidates[b].map_or(0.0, |c| c.confidence),
        );
        cb.total_cmp(&ca).then(a.cmp(&b))
    });
    for index in order {
        let Some(candidate) = candidates[index] else {
            continue;
        };
        if matches[index].field.is_some() {
            continue;
        }
        match matches
            .iter()
            .position(|m| m.field == Some(candidate.field))
        {
            Some(owner) => {
                matches[index].note = Some(format!(
                    "looks like {}, which is already taken by column “{}”",
                    candidate.field.title(),
                    matches[owner].header
                ));
                matches[index].wanted = Some(candidate.field);
            }
            None => {
                let column = &mut matches[index];
                column.field = Some(candidate.field);
                column.confidence = (candidate.confidence * 100.0).round() / 100.0;
                column.matched_by = candidate.kind;
                column.note = None;
                column.wanted = None;
            }
        }
    }
}

/// Applies a mapping the user chose. Fails when two columns are mapped to one field.
pub fn apply_explicit(
    headers: &[String],
    mapping: &ExplicitMapping,
) -> Result<Vec<ColumnMatch>, String> {
    let mut matches: Vec<ColumnMatch> = Vec::with_capacity(headers.len());
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(headers.len());
    for header in headers.iter() {
        // A header written twice in the file: its columns are told apart by their order.
        let occurrence = seen.entry(header.as_str()).or_insert(0);
        let field = match *occurrence {
            0 => mapping.columns.get(header).copied().flatten(),
            later => mapping
                .repeated
                .get(header)
                .and_then(|fields| fields.get(later - 1))
                .copied()
                .flatten(),
        };
        *occurrence += 1;
        if let Some(field) = field
            && let Some(other) = matches.iter().find(|m| m.field == Some(field))
        {
            return Err(format!(
                "the mapping gives both column “{}” and column “{}” to {}; a lead field takes one column. \
                 Map one of them to another field or to “not imported”.",
                other.header,
                header,
                field.title()
            ));
        }
        matches.push(ColumnMatch {
            header: header.clone(),
            field,
            confidence: if field.is_some() { 1.0 } else { 0.0 },
            matched_by: if field.is_some() {
                MatchKind::Chosen
            } else {
                MatchKind::None
            },
            note: None,
            wanted: None,
        });
    }
    Ok(matches)
}

/// For each field, the column it is read from.
pub fn columns_by_field(matches: &[ColumnMatch]) -> [Option<usize>; 10] {
    let mut columns = [None; 10];
    for (index, column) in matches.iter().enumerate() {
        if let Some(field) = column.field {
            columns[field.index()].get_or_insert(index);
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    fn fields(list: &[&str]) -> Vec<Option<Field>> {
        auto_map(&headers(list), &[])
            .into_iter()
            .map(|m| m.field)
            .collect()
    }

    #[test]
    fn documented_titles_match_exactly() {
        let titles: Vec<&str> = Field::ALL.iter().map(|f| f.title()).collect();
        let map = auto_map(&headers(&titles), &[]);
        for (column, field) in map.iter().zip(Field::ALL) {
            assert_eq!(column.field, Some(field));
            assert_eq!(column.confidence, 1.0);
            assert_eq!(column.matched_by, MatchKind::Exact);
        }
    }

    #[test]
    fn the_nexj_example_header_matches() {
        use Field::*;
        assert_eq!(
            fields(&[
                "ID",
                "lastName",
                "firstName",
                "Work Phone",
                "Email",
                "Market Segment",
                "Sale Concept"
            ]),
            [
                Some(Id),
                Some(LastName),
                Some(FirstName),
                Some(Phone),
                Some(Email),
                Some(MarketSegment),
                Some(SalesConcept)
            ]
        );
    }

    #[test]
    fn common_export_spellings_match() {
        use Field::*;
        assert_eq!(
            fields(&[
                "Surname",
                "Given Name",
                "E-mail",
                "Mobile",
                "Postal Code",
                "Job Title",
                "Organisation",
                "Segment"
            ]),
            [
                Some(LastName),
                Some(FirstName),
                Some(Email),
                Some(Phone),
                Some(ZipCode),
                Some(Position),
                Some(Company),
                Some(MarketSegment)
            ]
        );
        assert_eq!(
            fields(&["FIRST_NAME", "last-name", "zip.code"]),
            [Some(FirstName), Some(LastName), Some(ZipCode)]
        );
    }

    #[test]
    fn typos_match_with_lower_confidence() {
        let map = auto_map(&headers(&["Frist Name", "Emial Address"]), &[]);
        assert_eq!(map[0].field, Some(Field::FirstName));
        assert_eq!(map[0].matched_by, MatchKind::Fuzzy);
        assert!(
            map[0].confidence < 0.9 && map[0].confidence > 0.7,
            "{}",
            map[0].confidence
        );
        assert_eq!(map[1].field, Some(Field::Email));
    }

    #[test]
    fn the_letter_count_bound_never_exceeds_the_edit_distance() {
        let mut random = fastrand::Rng::with_seed(7);
        let alphabet: Vec<char> = "aeilmnorst0123éß".chars().collect();
        let word = |random: &mut fastrand::Rng| -> String {
            let len = random.usize(0..14);
            (0..len)
                .map(|_| alphabet[random.usize(..alphabet.len())])
                .collect()
        };
        let mut skipped = 0;
        for _ in 0..20_000 {
            let (a, b) = (word(&mut random), word(&mut random));
            let (la, lb) = (Letters::of(&a), Letters::of(&b));
            let distance = strsim::damerau_levenshtein(&a, &b);
            assert!(la.fewest_edits(&lb) <= distance, "{a} / {b}");
            assert_eq!(la.fewest_edits(&lb), lb.fewest_edits(&la));
            let similar = strsim::normalized_damerau_levenshtein(&a, &b) >= FUZZY_SIMILARITY;
            assert!(!similar || la.may_be_close_to(&lb), "{a} / {b}");
            skipped += usize::from(!la.may_be_close_to(&lb));
        }
        // And it does spare most comparisons of unrelated words.
        assert!(skipped > 15_000, "{skipped}");
        // Exactly on the boundary: one edit in five letters is still a typo.
        assert!(Letters::of("emial").may_be_close_to(&Letters::of("email")));
        assert!(Letters::of("emailx").may_be_close_to(&Letters::of("email")));
        assert!(!Letters::of("emailxx").may_be_close_to(&Letters::of("email")));
        assert!(!Letters::of("phone").may_be_close_to(&Letters::of("email")));
        assert_eq!(
            fields(&["Emailx", "Lastnamexx", "Frist Name"]),
            [
                Some(Field::Email),
                Some(Field::LastName),
                Some(Field::FirstName)
            ]
        );
    }

    #[test]
    fn the_last_word_decides_a_partial_match() {
        assert_eq!(fields(&["Company Phone"]), [Some(Field::Phone)]);
        assert_eq!(fields(&["Primary Email Address"]), [Some(Field::Email)]);
    }

    #[test]
    fn two_columns_never_take_one_field() {
        let map = auto_map(&headers(&["Mobile", "Work Phone", "Home Phone"]), &[]);
        let phones = map.iter().filter(|m| m.field == Some(Field::Phone)).count();
        assert_eq!(phones, 1);
        // Equal confidence: the leftmost column wins; the others say why they were left out.
        assert_eq!(map[0].field, Some(Field::Phone));
        assert!(map[1].note.as_deref().unwrap().contains("“Mobile”"));
        assert!(map[2].field.is_none());
    }

    #[test]
    fn an_exact_match_beats_an_earlier_synonym() {
        let map = auto_map(&headers(&["Mobile", "Phone"]), &[]);
        assert_eq!(map[0].field, None);
        assert_eq!(map[1].field, Some(Field::Phone));
    }

    #[test]
    fn unknown_headers_stay_unmapped() {
        let map = auto_map(&headers(&["Notes", "Shoe Size", ""]), &[]);
        assert!(
            map.iter()
                .all(|m| m.field.is_none() && m.matched_by == MatchKind::None)
        );
    }

    #[test]
    fn values_reveal_an_email_column_with_a_meaningless_header() {
        let samples = vec![
            vec![],
            ["ann@example.com", "bob@example.org", "cy@example.net", ""]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ];
        let map = auto_map(&headers(&["Name", "Column B"]), &samples);
        assert_eq!(map[1].field, Some(Field::Email));
        assert_eq!(map[1].matched_by, MatchKind::Content);
        assert!(map[1].confidence <= 0.6);
    }

    #[test]
    fn an_explicit_mapping_replaces_the_automatic_one() {
        let mut mapping = ExplicitMapping::default();
        mapping.columns.insert("Notes".into(), Some(Field::Company));
        mapping.columns.insert("Phone".into(), None);
        mapping.columns.insert("Absent".into(), Some(Field::Email));
        let map = apply_explicit(&headers(&["Notes", "Phone", "First Name"]), &mapping).unwrap();
        assert_eq!(map[0].field, Some(Field::Company));
        assert_eq!(map[0].matched_by, MatchKind::Chosen);
        assert_eq!(map[1].field, None);
        assert_eq!(
            map[2].field, None,
            "headers the mapping does not name are not imported"
        );
    }

    #[test]
    fn an_explicit_mapping_cannot_map_two_columns_to_one_field() {
        let mut mapping = ExplicitMapping::default();
        mapping.columns.insert("A".into(), Some(Field::Phone));
        mapping.columns.insert("B".into(), Some(Field::Phone));
        let error = apply_explicit(&headers(&["A", "B"]), &mapping).unwrap_err();
        assert!(
            error.contains("“A”") && error.contains("“B”") && error.contains("Phone"),
            "{error}"
        );
    }

    #[test]
    fn columns_by_field_points_at_the_columns() {
        let map = auto_map(&headers(&["Email", "ID"]), &[]);
        let columns = columns_by_field(&map);
        assert_eq!(columns[Field::Email.index()], Some(0));
        assert_eq!(columns[Field::Id.index()], Some(1));
        assert_eq!(columns[Field::Phone.index()], None);
    }
}
