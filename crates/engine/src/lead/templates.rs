//! Template files for several files at once: one template per file of an import, each found
//! again by the file's name or, when the name changed (an export of the next month), by the
//! set of its column names. A file of one template still applies to every file.

use serde::{Deserialize, Serialize};

use crate::lead::template::{TEMPLATE_VERSION, Template, check_version};

/// One file's template in a [`TemplateSet`], with what finds it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTemplate {
    /// The file's name (without folders).
    pub file: String,
    /// The file's column names, in order.
    pub headers: Vec<String>,
    /// What the user decided for the file.
    pub template: Template,
}

/// The templates of several files, saved as one file:
/// `{"version": 1, "files": [{"file": "accounts.csv", "headers": […], "template": {…}}, …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSet {
    /// The format version ([`TEMPLATE_VERSION`]).
    pub version: u32,
    /// The files' templates, in order.
    pub files: Vec<FileTemplate>,
}

/// What a template file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Templates {
    /// One template, for every file.
    One(Box<Template>),
    /// One template per file.
    PerFile(TemplateSet),
}

impl TemplateSet {
    /// A set of the given files' templates.
    pub fn new(files: Vec<FileTemplate>) -> Self {
        TemplateSet {
            version: TEMPLATE_VERSION,
            files,
        }
    }

    /// The set as pretty JSON, ready to save.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The template saved for the file named `name`, if one was (case aside).
    pub fn by_name(&self, name: &str) -> Option<&Template> {
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        self.files
            .iter()
            .find(|saved| saved.file.eq_ignore_ascii_case(name))
            .map(|saved| &saved.template)
    }

    /// The template saved for a file with the same column names as `headers`, in any order,
    /// spelled alike up to case, spaces and punctuation; the first when several are.
    pub fn by_headers(&self, headers: &[String]) -> Option<&Template> {
        let wanted = header_set(headers);
        self.files
            .iter()
            .find(|saved| header_set(&saved.headers) == wanted)
            .map(|saved| &saved.template)
    }

    /// The template for the file `name` with the column names `headers`: by its name, else by
    /// its column names.
    pub fn find(&self, name: &str, headers: &[String]) -> Option<&Template> {
        self.by_name(name).or_else(|| self.by_headers(headers))
    }
}

/// Column names as a set to compare: letters and digits only, in lower case, sorted. (Without
/// the accent folding of column matching, whose Unicode tables would weigh on the web page.)
fn header_set(headers: &[String]) -> Vec<String> {
    let mut set: Vec<String> = headers
        .iter()
        .map(|header| {
            header
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        })
        .collect();
    set.sort();
    set
}

impl Templates {
    /// Reads a template file: a set of per-file templates (it has `files`), or one template.
    pub fn from_json(text: &str) -> Result<Templates, String> {
        // Only what tells the two apart is read first (without a JSON value, whose numbers
        // would bring float parsing into the web page).
        #[derive(Deserialize)]
        struct Kind {
            #[serde(default)]
            version: Option<u32>,
            #[serde(default)]
            files: Option<serde::de::IgnoredAny>,
        }
        let kind: Kind = serde_json::from_str(text)
            .map_err(|err| format!("this is not a Leadpack template (not valid JSON: {err})"))?;
        if kind.files.is_none() {
            return Template::from_json(text).map(|one| Templates::One(Box::new(one)));
        }
        check_version(kind.version)?;
        let set: TemplateSet = serde_json::from_str(text)
            .map_err(|err| format!("this set of templates cannot be read: {err}"))?;
        Ok(Templates::PerFile(set))
    }

    /// The template for the file `name` with the column names `headers`: the one template, or
    /// the file's own; `None` when the set has none for it.
    pub fn for_file(&self, name: &str, headers: &[String]) -> Option<&Template> {
        match self {
            Templates::One(template) => Some(template),
            Templates::PerFile(set) => set.find(name, headers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(file: &str, headers: &[&str], category: &str) -> FileTemplate {
        FileTemplate {
            file: file.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            template: Template {
                category: category.into(),
                ..Template::default()
            },
        }
    }

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn a_file_finds_its_template_by_name_then_by_its_column_names() {
        let set = TemplateSet::new(vec![
            saved("accounts.csv", &["ID", "First Name", "E-mail"], "A"),
            saved("addresses.csv", &["ID", "Street", "City"], "B"),
        ]);
        let category = |t: Option<&Template>| t.map(|t| t.category.clone());
        assert_eq!(
            category(set.find("ACCOUNTS.csv", &headers(&["x"]))),
            Some("A".into())
        );
        assert_eq!(
            category(set.find("in/addresses.csv", &[])),
            Some("B".into())
        );
        // Another name: the same columns in another order and spelling.
        assert_eq!(
            category(set.find("march.csv", &headers(&["city", "street", "Id"]))),
            Some("B".into())
        );
        assert_eq!(
            category(set.find("march.csv", &headers(&["email", "first name", "ID"]))),
            Some("A".into())
        );
        // A column more or less is another layout.
        assert_eq!(set.find("march.csv", &headers(&["ID", "Street"])), None);
        assert_eq!(
            set.find("march.csv", &headers(&["ID", "Street", "City", "Zip"])),
            None
        );
    }

    #[test]
    fn a_template_file_is_one_template_or_a_set() {
        let one = Template::default().to_json();
        assert!(matches!(Templates::from_json(&one), Ok(Templates::One(_))));
        let set = TemplateSet::new(vec![saved("a.csv", &["ID"], "All")]);
        let read = Templates::from_json(&set.to_json()).unwrap();
        assert_eq!(read, Templates::PerFile(set.clone()));
        assert!(read.for_file("b.csv", &headers(&["Name"])).is_none());
        assert!(
            Templates::One(Box::default())
                .for_file("b.csv", &[])
                .is_some()
        );
        // A newer format is refused as for one template; a damaged set says what is wrong.
        let newer = r#"{"version": 99, "files": []}"#;
        assert!(
            Templates::from_json(newer)
                .unwrap_err()
                .contains("newer Leadpack")
        );
        let damaged = r#"{"version": 1, "files": [{"file": "a.csv"}]}"#;
        let message = Templates::from_json(damaged).unwrap_err();
        assert!(message.contains("missing field `headers`"), "{message}");
        assert!(
            Templates::from_json("{")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }
}
