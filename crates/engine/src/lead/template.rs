//! Mapping templates: everything a user decided about a file's layout (which column becomes
//! what, value mappings, types of extra phones and addresses, defaults for empty cells, output
//! options), saved as a small versioned JSON file and applied to the next file of the same layout.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::lead::converters::{TypedValues, ValueType};
use crate::lead::mapping::{ColumnMatch, ExplicitMapping};
use crate::lead::schema::{Field, header_key};
use crate::lead::values::KnownValues;
use crate::text::encode::{OutputEncoding, Unrepresentable};

/// The header that stands for every column in [`Template::nulls`].
pub const EVERY_COLUMN: &str = "*";

/// The template format's version; files of a newer version are refused with a clear message.
pub const TEMPLATE_VERSION: u32 = 1;

/// The documented size limit of an import package (it must be smaller than 10 MB).
pub const DEFAULT_MAX_PACKAGE_BYTES: u64 = 10_000_000;

/// A part of an address, as the CRM's Addresses subcollection names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AddressPart {
    /// Street and number.
    #[serde(rename = "address1")]
    Address1,
    /// Second address line.
    #[serde(rename = "address2")]
    Address2,
    /// City or town.
    #[serde(rename = "city")]
    City,
    /// State, province or region.
    #[serde(rename = "state")]
    State,
    /// Zip or postal code.
    #[serde(rename = "zip")]
    Zip,
    /// Country.
    #[serde(rename = "country")]
    Country,
}

impl AddressPart {
    /// The CRM's attribute name: `address1`, `city`, …
    pub fn attribute(self) -> &'static str {
        match self {
            AddressPart::Address1 => "address1",
            AddressPart::Address2 => "address2",
            AddressPart::City => "city",
            AddressPart::State => "state",
            AddressPart::Zip => "zip",
            AddressPart::Country => "country",
        }
    }
}

/// What becomes of one source column in the package. In a template, its kind is the column's
/// `target` and its details sit beside it (see [`ColumnPlan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One of the ten lead fields.
    Field {
        /// The field.
        field: Field,
    },
    /// An extra phone number or email address: a typed entry of the Telcoms subcollection.
    Telcom {
        /// The type name, e.g. `Mobile`, `Home`, `Business`, `Personal Email Address`.
        type_name: String,
    },
    /// A part of an address: an entry of the Addresses subcollection.
    Address {
        /// Which part.
        part: AddressPart,
        /// The address type, e.g. `Business` or `Home`.
        type_name: String,
    },
    /// Kept as a user field, under the column's own name.
    UserField,
    /// A category of the lead: an entry of the Categories subcollection, the column's value
    /// being the category's value.
    Category {
        /// The category type, e.g. `Interest` or `Hobby`.
        type_name: String,
    },
    /// A custom field: an entry of the Custom Fields subcollection, with its values checked
    /// and written as their type.
    CustomField {
        /// The custom field's name in the CRM.
        name: String,
        /// The type of its values, with how they are read.
        value_type: ValueType,
    },
    /// Not imported.
    Skip,
}

impl Target {
    /// The type of a custom field's values.
    pub fn value_type(&self) -> Option<&ValueType> {
        match self {
            Target::CustomField { value_type, .. } => Some(value_type),
            _ => None,
        }
    }
}

/// One column of the file and what becomes of it. In a template it is one flat object:
/// `{"header": "Mobile", "target": "telcom", "type": "Mobile"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PlannedColumn", into = "PlannedColumn")]
pub struct ColumnPlan {
    /// The header, as written in the file (trimmed).
    pub header: String,
    /// What becomes of it.
    pub target: Target,
}

/// A column plan as a template writes it. serde reads this plain form directly; the same
/// format through `#[serde(flatten)]` and an internally tagged enum would buffer every column
/// first, and its code would make the web page's download larger.
#[derive(Serialize, Deserialize)]
struct PlannedColumn {
    header: String,
    target: TargetKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<AddressPart>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone: Option<String>,
    #[serde(rename = "true", default, skip_serializing_if = "Vec::is_empty")]
    truthy: Vec<String>,
    #[serde(rename = "false", default, skip_serializing_if = "Vec::is_empty")]
    falsy: Vec<String>,
}

/// The `target` of a column in a template.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum TargetKind {
    Field,
    Telcom,
    Address,
    UserField,
    Category,
    CustomField,
    Skip,
}

impl TryFrom<PlannedColumn> for ColumnPlan {
    type Error = String;

    fn try_from(planned: PlannedColumn) -> Result<Self, Self::Error> {
        let header = planned.header;
        let missing = |target: &str, what: &str| {
            format!("the column “{header}” has the target “{target}” but no “{what}”")
        };
        let target = match planned.target {
            TargetKind::Field => Target::Field {
                field: planned.field.ok_or_else(|| missing("field", "field"))?,
            },
            TargetKind::Telcom => Target::Telcom {
                type_name: planned.type_name.ok_or_else(|| missing("telcom", "type"))?,
            },
            TargetKind::Address => Target::Address {
                part: planned.part.ok_or_else(|| missing("address", "part"))?,
                type_name: planned
                    .type_name
                    .ok_or_else(|| missing("address", "type"))?,
            },
            TargetKind::UserField => Target::UserField,
            TargetKind::Category => Target::Category {
                type_name: planned
                    .type_name
                    .ok_or_else(|| missing("category", "type"))?,
            },
            TargetKind::CustomField => Target::CustomField {
                name: planned.name.unwrap_or_else(|| header.clone()),
                value_type: ValueType::try_from(TypedValues {
                    kind: planned.type_name,
                    format: planned.format,
                    zone: planned.zone,
                    truthy: planned.truthy,
                    falsy: planned.falsy,
                })
                .map_err(|problem| format!("the column “{header}”: {problem}"))?,
            },
            TargetKind::Skip => Target::Skip,
        };
        Ok(ColumnPlan { header, target })
    }
}

impl From<ColumnPlan> for PlannedColumn {
    fn from(plan: ColumnPlan) -> Self {
        let mut planned = PlannedColumn {
            header: plan.header,
            target: TargetKind::Skip,
            field: None,
            part: None,
            type_name: None,
            name: None,
            format: None,
            zone: None,
            truthy: Vec::new(),
            falsy: Vec::new(),
        };
        planned.target = match plan.target {
            Target::Field { field } => {
                planned.field = Some(field);
                TargetKind::Field
            }
            Target::Telcom { type_name } => {
                planned.type_name = Some(type_name);
                TargetKind::Telcom
            }
            Target::Address { part, type_name } => {
                planned.part = Some(part);
                planned.type_name = Some(type_name);
                TargetKind::Address
            }
            Target::UserField => TargetKind::UserField,
            Target::Category { type_name } => {
                planned.type_name = Some(type_name);
                TargetKind::Category
            }
            Target::CustomField { name, value_type } => {
                let typed = TypedValues::from(value_type);
                planned.name = Some(name);
                planned.type_name = typed.kind;
                planned.format = typed.format;
                planned.zone = typed.zone;
                planned.truthy = typed.truthy;
                planned.falsy = typed.falsy;
                TargetKind::CustomField
            }
            Target::Skip => TargetKind::Skip,
        };
        planned
    }
}

/// How packages are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PackOptions {
    /// The character set of the CSV files.
    pub output_encoding: OutputEncoding,
    /// What to do with characters the output encoding cannot hold.
    pub unrepresentable: Unrepresentable,
    /// Every package is strictly smaller than this many bytes.
    pub max_package_bytes: u64,
    /// Put rows with errors into the package too (by default they go to the rejected rows).
    pub include_invalid: bool,
    /// Keep values longer than the CRM's maximum as they are (by default they are cut exactly as
    /// the CRM would cut them).
    pub keep_long_values: bool,
    /// Also write a simple lead CSV (the ten documented columns) for imports without a package.
    pub simple_csv: bool,
}

impl Default for PackOptions {
    fn default() -> Self {
        PackOptions {
            output_encoding: OutputEncoding::Utf8,
            unrepresentable: Unrepresentable::Refuse,
            max_package_bytes: DEFAULT_MAX_PACKAGE_BYTES,
            include_invalid: false,
            keep_long_values: false,
            simple_csv: false,
        }
    }
}

/// Whether a template file of format `version` can be read, with a message for people when it
/// cannot (it has no version, or a newer Leadpack made it).
pub(crate) fn check_version(version: Option<u32>) -> Result<(), String> {
    match version {
        None => Err("this is not a Leadpack template: it has no \"version\"".to_string()),
        Some(v) if v > TEMPLATE_VERSION => Err(format!(
            "this template was made by a newer Leadpack (format version {v}); update Leadpack to use it"
        )),
        Some(_) => Ok(()),
    }
}

/// A text converter of the Data Mapping Tool, as templates write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextConverter {
    /// None: the values are imported as they are (`""`).
    #[serde(rename = "")]
    None,
    /// `rtf2plain`: text in Rich Text Format is imported without its formatting codes.
    #[serde(rename = "rtf2plain")]
    Rtf2Plain,
}

/// Everything a user decided, as saved in a template file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    /// The format version ([`TEMPLATE_VERSION`](crate::TEMPLATE_VERSION)).
    pub version: u32,
    /// What becomes of each column, by header.
    pub columns: Vec<ColumnPlan>,
    /// A firm's own market segments.
    pub segments: Vec<String>,
    /// A firm's own sales concepts.
    pub concepts: Vec<String>,
    /// Per limited-value field (`marketSegment`, `salesConcept`): source value → the value to write.
    /// An empty target means "leave it out".
    pub value_mappings: BTreeMap<Field, BTreeMap<String, String>>,
    /// Per field: the value the CRM uses for empty cells (the Data Mapping Tool's null converter).
    pub null_converters: BTreeMap<Field, String>,
    /// Per column, by header: the value used for its empty cells (the null converter of any
    /// column, a lead field or not). The header [`EVERY_COLUMN`] gives the value for every
    /// packed column without one of its own; an empty value gives a column none.
    pub nulls: BTreeMap<String, String>,
    /// Per column, by header: each source value (trimmed, case aside) → the value written
    /// instead (the value mapping of a limited-value field, for any packed column; market
    /// segments and sales concepts have theirs in `value_mappings`).
    pub value_maps: BTreeMap<String, BTreeMap<String, String>>,
    /// Strip RTF codes from the values of every text column (the `rtf2plain` text converter),
    /// unless `text_converters` says otherwise for a column.
    pub rtf2plain: bool,
    /// Per text column, by header: its text converter (the Data Mapping Tool's Text Converter).
    /// The header [`EVERY_COLUMN`] gives the converter of every text column without one of its
    /// own; [`TextConverter::None`] gives a column none.
    pub text_converters: BTreeMap<String, TextConverter>,
    /// The target field category of the files ("Type of Data in File").
    pub category: String,
    /// How packages are written.
    pub options: PackOptions,
}

impl Default for Template {
    fn default() -> Self {
        Template {
            version: TEMPLATE_VERSION,
            columns: Vec::new(),
            segments: Vec::new(),
            concepts: Vec::new(),
            value_mappings: BTreeMap::new(),
            null_converters: BTreeMap::new(),
            nulls: BTreeMap::new(),
            value_maps: BTreeMap::new(),
            rtf2plain: false,
            text_converters: BTreeMap::new(),
            category: "All".to_string(),
            options: PackOptions::default(),
        }
    }
}

impl Template {
    /// Reads a template from its JSON text, with a message for people when it cannot.
    pub fn from_json(text: &str) -> Result<Template, String> {
        #[derive(Deserialize)]
        struct Version {
            #[serde(default)]
            version: Option<u32>,
        }
        let version: Version = serde_json::from_str(text)
            .map_err(|err| format!("this is not a Leadpack template (not valid JSON: {err})"))?;
        check_version(version.version)?;
        serde_json::from_str(text).map_err(|err| format!("this template cannot be read: {err}"))
    }

    /// The template as pretty JSON, ready to save.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The known market segments: the CRM's, the firm's own, with the user's value mapping.
    pub fn segments(&self) -> KnownValues {
        KnownValues::segments(self.segments.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::MarketSegment)
                .into_iter()
                .flatten(),
        )
    }

    /// The known sales concepts: the CRM's, the firm's own, with the user's value mapping.
    pub fn concepts(&self) -> KnownValues {
        KnownValues::concepts(self.concepts.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::SalesConcept)
                .into_iter()
                .flatten(),
        )
    }

    /// The column → lead field part of the template, as the checker takes it.
    pub fn explicit_mapping(&self) -> ExplicitMapping {
        let mut mapping = ExplicitMapping::default();
        for column in &self.columns {
            let field = match column.target {
                Target::Field { field } => Some(field),
                _ => None,
            };
            // A header planned twice: its later columns in order, as `targets` tells them apart.
            if mapping.columns.contains_key(&column.header) {
                mapping
                    .repeated
                    .entry(column.header.clone())
                    .or_default()
                    .push(field);
            } else {
                mapping.columns.insert(column.header.clone(), field);
            }
        }
        mapping
    }

    /// The value used for the empty cells of the column `header` (the lead field `field`, if it
    /// is one): its own, else its field's, else the one for every column; `None` when it has
    /// none (or its own is empty).
    pub fn null_for(&self, header: &str, field: Option<Field>) -> Option<&str> {
        let own = self.nulls.get(header);
        let by_field = field.and_then(|field| self.null_converters.get(&field));
        own.or(by_field)
            .or_else(|| self.nulls.get(EVERY_COLUMN))
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// The value for the empty cells of each packed column that has one: (source column,
    /// value), in the package's order.
    pub(crate) fn nulls_of(&self, matches: &[ColumnMatch]) -> Vec<(usize, String)> {
        if self.nulls.is_empty() && self.null_converters.is_empty() {
            return Vec::new();
        }
        packed_columns(self, matches)
            .into_iter()
            .filter_map(|(source, target)| {
                let field = match target {
                    Target::Field { field } => Some(field),
                    _ => None,
                };
                let value = self.null_for(&matches[source].header, field)?;
                Some((source, value.to_string()))
            })
            .collect()
    }

    /// Whether the values of the column `header` go through `rtf2plain`: its own converter,
    /// else the one for every column, else the template's `rtf2plain`.
    pub fn rtf2plain_for(&self, header: &str) -> bool {
        match self
            .text_converters
            .get(header)
            .or_else(|| self.text_converters.get(EVERY_COLUMN))
        {
            Some(converter) => *converter == TextConverter::Rtf2Plain,
            None => self.rtf2plain,
        }
    }

    /// The packed text columns whose values go through `rtf2plain`, in the package's order
    /// (a custom field of another type holds no text).
    pub(crate) fn rtf_columns_of(&self, matches: &[ColumnMatch]) -> Vec<usize> {
        if !self.rtf2plain && self.text_converters.is_empty() {
            return Vec::new();
        }
        packed_columns(self, matches)
            .into_iter()
            .filter(|(source, target)| {
                target
                    .value_type()
                    .is_none_or(|kind| *kind == ValueType::Text)
                    && self.rtf2plain_for(&matches[*source].header)
            })
            .map(|(source, _)| source)
            .collect()
    }

    /// The value maps of the packed columns that have one: (source column, source value →
    /// value written), in the package's order.
    pub(crate) fn value_maps_of(
        &self,
        matches: &[ColumnMatch],
    ) -> Vec<(usize, Vec<(String, String)>)> {
        if self.value_maps.is_empty() {
            return Vec::new();
        }
        packed_columns(self, matches)
            .into_iter()
            .filter_map(|(source, _)| {
                let map = self.value_maps.get(&matches[source].header)?;
                let pairs: Vec<(String, String)> = map
                    .iter()
                    .map(|(from, to)| (from.trim().to_string(), to.clone()))
                    .collect();
                (!pairs.is_empty()).then_some((source, pairs))
            })
            .collect()
    }

    /// What becomes of each column of `headers` (`Skip` where the template does not name it).
    /// A header written twice is told apart by its position among the equal headers.
    pub fn targets(&self, headers: &[String]) -> Vec<Target> {
        let mut planned: HashMap<&str, Vec<&Target>> = HashMap::new();
        for column in &self.columns {
            planned
                .entry(column.header.as_str())
                .or_default()
                .push(&column.target);
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        headers
            .iter()
            .map(|header| {
                let occurrence = seen.entry(header.as_str()).or_insert(0);
                let target = planned
                    .get(header.as_str())
                    .and_then(|targets| targets.get(*occurrence))
                    .map_or(Target::Skip, |target| (*target).clone());
                *occurrence += 1;
                target
            })
            .collect()
    }
}

/// The columns a package holds, in the package's order, each as (source column, what it
/// becomes): the lead fields first, in the documented order, then the other columns the
/// template keeps, in file order (without a column plan, those the matching suggests). The
/// check looks at exactly these values when it reports what an output encoding cannot hold.
pub(crate) fn packed_columns(template: &Template, matches: &[ColumnMatch]) -> Vec<(usize, Target)> {
    let mut columns = Vec::new();
    for field in Field::ALL {
        if let Some(source) = matches.iter().position(|m| m.field == Some(field)) {
            columns.push((source, Target::Field { field }));
        }
    }
    let suggested = plan_columns(matches);
    let headers: Vec<String> = matches.iter().map(|m| m.header.clone()).collect();
    let planned = template.targets(&headers);
    for (source, column) in matches.iter().enumerate() {
        if column.field.is_some() {
            continue;
        }
        let target = if template.columns.is_empty() {
            suggested[source].target.clone()
        } else {
            planned[source].clone()
        };
        if !matches!(target, Target::Field { .. } | Target::Skip) {
            columns.push((source, target));
        }
    }
    columns
}

/// The plan for each column: matched ones become their fields, the rest become subcollection
/// entries or user fields.
pub fn plan_columns(columns: &[ColumnMatch]) -> Vec<ColumnPlan> {
    columns
        .iter()
        .map(|column| {
            let target = match column.field {
                Some(field) => Target::Field { field },
                None => unmatched_target(column),
            };
            ColumnPlan {
                header: column.header.clone(),
                target,
            }
        })
        .collect()
}

/// Keeps a column without a header that holds values (`has_values`, by column) as a user field
/// rather than losing it: the plan of every file Leadpack suggests.
pub(crate) fn keep_unnamed_columns_with_values(
    plans: &mut [ColumnPlan],
    has_values: impl Fn(usize) -> bool,
) {
    for (index, plan) in plans.iter_mut().enumerate() {
        if plan.target == Target::Skip && header_key(&plan.header).is_empty() && has_values(index) {
            plan.target = Target::UserField;
        }
    }
}

/// The column Leadpack adds to rejected rows for the row in the original file.
pub const REJECTED_ROW_COLUMN: &str = "Row in original file";
/// The column Leadpack adds to rejected rows for their problems.
pub const REJECTED_PROBLEMS_COLUMN: &str = "Problems";

fn unmatched_target(column: &ColumnMatch) -> Target {
    let key = header_key(&column.header);
    // Empty headers, and the columns Leadpack adds to rejected rows (a fixed rejected-rows file
    // is packed again), are not imported.
    if key.is_empty()
        || column.header == REJECTED_ROW_COLUMN
        || column.header == REJECTED_PROBLEMS_COLUMN
    {
        return Target::Skip;
    }
    match column.wanted {
        Some(Field::Phone) => {
            return Target::Telcom {
                type_name: phone_type(&key).to_string(),
            };
        }
        Some(Field::Email) => {
            return Target::Telcom {
                type_name: email_type(&key).to_string(),
            };
        }
        _ => {}
    }
    if let Some(part) = address_part(&key) {
        return Target::Address {
            part,
            type_name: if key.contains("home") {
                "Home"
            } else {
                "Business"
            }
            .to_string(),
        };
    }
    Target::UserField
}

/// The Telcom type of an extra phone column, from its header (in matching form).
fn phone_type(key: &str) -> &'static str {
    if ["mobile", "cell", "gsm", "handy", "portable"]
        .iter()
        .any(|w| key.contains(w))
    {
        "Mobile"
    } else if key.contains("home") || key.contains("private") || key.contains("personal") {
        "Home"
    } else if key.contains("fax") {
        "Fax"
    } else {
        "Business"
    }
}

/// The Telcom type of an extra email column, from its header (in matching form).
fn email_type(key: &str) -> &'static str {
    if key.contains("personal") || key.contains("home") || key.contains("private") {
        "Personal Email Address"
    } else {
        "Business Email Address"
    }
}

/// The address part a header names, if it names one.
pub fn address_part(key: &str) -> Option<AddressPart> {
    let ends = |words: &[&str]| words.iter().any(|w| key.ends_with(w));
    if ends(&["address2", "addressline2", "street2", "line2"]) {
        Some(AddressPart::Address2)
    } else if ends(&[
        "address",
        "address1",
        "addressline1",
        "street",
        "streetaddress",
        "line1",
        "adresse",
        "strasse",
    ]) {
        Some(AddressPart::Address1)
    } else if ends(&["city", "town", "ville", "stadt", "municipality"]) {
        Some(AddressPart::City)
    } else if ends(&["state", "province", "region", "county", "stateprovince"]) {
        Some(AddressPart::State)
    } else if ends(&["country", "countrycode", "pays", "land"]) {
        Some(AddressPart::Country)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::mapping::auto_map;

    fn plan(headers: &[&str]) -> Vec<Target> {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        plan_columns(&auto_map(&headers, &[]))
            .into_iter()
            .map(|c| c.target)
            .collect()
    }

    #[test]
    fn extra_phones_and_emails_become_typed_telcoms() {
        let targets = plan(&[
            "First Name",
            "Work Phone",
            "Mobile",
            "Home Phone",
            "Email",
            "Personal Email",
        ]);
        assert_eq!(
            targets[1],
            Target::Field {
                field: Field::Phone
            }
        );
        assert_eq!(
            targets[2],
            Target::Telcom {
                type_name: "Mobile".into()
            }
        );
        assert_eq!(
            targets[3],
            Target::Telcom {
                type_name: "Home".into()
            }
        );
        assert_eq!(
            targets[4],
            Target::Field {
                field: Field::Email
            }
        );
        assert_eq!(
            targets[5],
            Target::Telcom {
                type_name: "Personal Email Address".into()
            }
        );
    }

    #[test]
    fn address_columns_become_address_parts() {
        let targets = plan(&["Street", "City", "Province", "Country", "Home Address"]);
        assert_eq!(
            targets[0],
            Target::Address {
                part: AddressPart::Address1,
                type_name: "Business".into()
            }
        );
        assert_eq!(
            targets[1],
            Target::Address {
                part: AddressPart::City,
                type_name: "Business".into()
            }
        );
        assert_eq!(
            targets[2],
            Target::Address {
                part: AddressPart::State,
                type_name: "Business".into()
            }
        );
        assert_eq!(
            targets[3],
            Target::Address {
                part: AddressPart::Country,
                type_name: "Business".into()
            }
        );
        assert_eq!(
            targets[4],
            Target::Address {
                part: AddressPart::Address1,
                type_name: "Home".into()
            }
        );
    }

    #[test]
    fn the_columns_added_to_rejected_rows_are_not_imported_again() {
        assert_eq!(
            plan(&["Row in original file", "Problems"]),
            [Target::Skip, Target::Skip]
        );
    }

    #[test]
    fn other_columns_become_user_fields() {
        assert_eq!(
            plan(&["Notes", "Shoe Size"]),
            [Target::UserField, Target::UserField]
        );
    }

    #[test]
    fn templates_round_trip_through_json() {
        let mut template = Template {
            columns: plan_columns(&auto_map(&["Mobile".into(), "Phone".into()], &[])),
            segments: vec!["Young Families".into()],
            rtf2plain: true,
            ..Template::default()
        };
        template
            .value_mappings
            .entry(Field::MarketSegment)
            .or_default()
            .insert("pre retirement".into(), "Pre-Retirement".into());
        template
            .null_converters
            .insert(Field::Company, "Unknown".into());
        template.options.output_encoding = OutputEncoding::Windows1252;
        let json = template.to_json();
        assert!(json.contains("\"version\": 1"));
        assert!(json.contains("\"target\": \"telcom\""));
        assert_eq!(Template::from_json(&json).unwrap(), template);
    }

    #[test]
    fn each_column_is_one_flat_object_in_a_template() {
        let columns = vec![
            ColumnPlan {
                header: "E-mail".into(),
                target: Target::Field {
                    field: Field::Email,
                },
            },
            ColumnPlan {
                header: "Mobile".into(),
                target: Target::Telcom {
                    type_name: "Mobile".into(),
                },
            },
            ColumnPlan {
                header: "Town".into(),
                target: Target::Address {
                    part: AddressPart::City,
                    type_name: "Home".into(),
                },
            },
            ColumnPlan {
                header: "Notes".into(),
                target: Target::UserField,
            },
            ColumnPlan {
                header: "Shoe Size".into(),
                target: Target::Skip,
            },
        ];
        let json = serde_json::to_string(&columns).unwrap();
        assert_eq!(
            json,
            "[{\"header\":\"E-mail\",\"target\":\"field\",\"field\":\"email\"},\
             {\"header\":\"Mobile\",\"target\":\"telcom\",\"type\":\"Mobile\"},\
             {\"header\":\"Town\",\"target\":\"address\",\"part\":\"city\",\"type\":\"Home\"},\
             {\"header\":\"Notes\",\"target\":\"user-field\"},\
             {\"header\":\"Shoe Size\",\"target\":\"skip\"}]"
        );
        assert_eq!(
            serde_json::from_str::<Vec<ColumnPlan>>(&json).unwrap(),
            columns
        );
        // Details another target would use are ignored, as are keys Leadpack does not know.
        let skip: ColumnPlan = serde_json::from_str(
            "{\"header\":\"X\",\"target\":\"skip\",\"field\":\"email\",\"comment\":\"old\"}",
        )
        .unwrap();
        assert_eq!(skip.target, Target::Skip);
    }

    #[test]
    fn a_column_without_the_details_of_its_target_is_refused_clearly() {
        let refused = |column: &str| {
            Template::from_json(&format!("{{\"version\": 1, \"columns\": [{column}]}}"))
                .unwrap_err()
        };
        let message = refused("{\"header\": \"Mobile\", \"target\": \"telcom\"}");
        assert!(
            message.contains("the column “Mobile” has the target “telcom” but no “type”"),
            "{message}"
        );
        let message =
            refused("{\"header\": \"Town\", \"target\": \"address\", \"type\": \"Home\"}");
        assert!(
            message.contains("“Town” has the target “address” but no “part”"),
            "{message}"
        );
        let message = refused("{\"header\": \"E-mail\", \"target\": \"field\"}");
        assert!(
            message.contains("“E-mail” has the target “field” but no “field”"),
            "{message}"
        );
        let message = refused("{\"header\": \"E-mail\", \"target\": \"lead-field\"}");
        assert!(
            message.contains("unknown variant `lead-field`"),
            "{message}"
        );
        let message = refused("{\"header\": \"E-mail\"}");
        assert!(message.contains("missing field `target`"), "{message}");
    }

    #[test]
    fn newer_or_foreign_json_is_refused_clearly() {
        assert!(
            Template::from_json("{\"version\": 99}")
                .unwrap_err()
                .contains("newer Leadpack")
        );
        assert!(
            Template::from_json("{\"columns\": []}")
                .unwrap_err()
                .contains("no \"version\"")
        );
        assert!(
            Template::from_json("not json")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn explicit_mapping_keeps_only_lead_fields() {
        let template = Template {
            columns: plan_columns(&auto_map(
                &["Mobile".into(), "Phone".into(), "Notes".into()],
                &[],
            )),
            ..Template::default()
        };
        let mapping = template.explicit_mapping();
        assert_eq!(mapping.columns["Phone"], Some(Field::Phone));
        assert_eq!(mapping.columns["Mobile"], None);
        assert_eq!(mapping.columns["Notes"], None);
    }
}
