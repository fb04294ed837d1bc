//! The XML files of an import package: `fileMappings.xml` and one `<name>_mappings.xml` per CSV.
//!
//! NexJ published no schema for them; the one verbatim fact is the root
//! `<mapping encodingType="…">` of `fileMappings.xml`. Every other name is this project's design
//! from the Data Mapping Tool's documented concepts, kept in [`names`] so it can be corrected in
//! one place the day a real sample is seen. `docs/package-format.md` documents the format.

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use crate::lead::converters::ValueType;
use crate::lead::schema::Field;
use crate::lead::template::AddressPart;
use crate::text::encode::OutputEncoding;

/// Every element and attribute name of the package XML, in one place.
pub mod names {
    /// `fileMappings.xml`: the file that lists the CSV files of a package.
    pub const FILE_MAPPINGS: &str = "fileMappings.xml";
    /// Root of `fileMappings.xml` (NexJ's verbatim example).
    pub const MAPPING: &str = "mapping";
    /// Its character set attribute (NexJ's verbatim example).
    pub const ENCODING_TYPE: &str = "encodingType";
    /// One CSV file of the package.
    pub const FILE: &str = "file";
    /// The CSV file's name.
    pub const NAME: &str = "name";
    /// The name of the CSV file's field-mapping file.
    pub const MAPPING_FILE: &str = "mappingFile";
    /// The target field category ("Type of Data in File").
    pub const CATEGORY: &str = "category";

    /// Suffix of a field-mapping file: `TBL_CONTACT.csv` → `TBL_CONTACT_mappings.xml`.
    pub const MAPPINGS_SUFFIX: &str = "_mappings.xml";
    /// Root of a field-mapping file.
    pub const FIELD_MAPPINGS: &str = "fieldMappings";
    /// One source column mapped to a target field.
    pub const FIELD: &str = "field";
    /// The source column's header.
    pub const SOURCE: &str = "source";
    /// The target field or attribute.
    pub const TARGET: &str = "target";
    /// The value used for empty cells.
    pub const NULL_CONVERTER: &str = "nullConverter";
    /// A value (of a null converter or a value mapping).
    pub const VALUE: &str = "value";
    /// A text converter, such as `rtf2plain`.
    pub const TEXT_CONVERTER: &str = "textConverter";
    /// The RTF-to-plain-text converter's name.
    pub const RTF2PLAIN: &str = "rtf2plain";
    /// Value mapping of a limited-value field.
    pub const VALUE_MAPPING: &str = "valueMapping";
    /// A subcollection (Telcoms, Addresses, User Fields).
    pub const SUBCOLLECTION: &str = "subcollection";
    /// One typed entry of a subcollection.
    pub const ENTRY: &str = "entry";
    /// The type name of an entry (Business, Home, Mobile, …).
    pub const TYPE: &str = "type";
    /// An attribute of an entry (Communication Value, address1, …).
    pub const ATTRIBUTE: &str = "attribute";
    /// One source column of a multi-column entry (an address).
    pub const PART: &str = "part";
    /// The Telcoms subcollection.
    pub const TELCOMS: &str = "Telcoms";
    /// The Telcom attribute that holds the number or address.
    pub const COMMUNICATION_VALUE: &str = "Communication Value";
    /// The Addresses subcollection.
    pub const ADDRESSES: &str = "Addresses";
    /// The User Fields subcollection.
    pub const USER_FIELDS: &str = "User Fields";
    /// The Categories subcollection.
    pub const CATEGORIES: &str = "Categories";
    /// The Custom Fields subcollection.
    pub const CUSTOM_FIELDS: &str = "Custom Fields";
    /// The attribute of a category or custom field entry that the column's value fills.
    pub const VALUE_ATTRIBUTE: &str = "Value";
    /// The converter of a custom field of dates.
    pub const DATE_CONVERTER: &str = "dateConverter";
    /// The converter of a custom field of timestamps.
    pub const TIMESTAMP_CONVERTER: &str = "timestampConverter";
    /// The converter of a custom field of yes/no values.
    pub const BOOLEAN_CONVERTER: &str = "booleanConverter";
    /// The format of a date or timestamp converter.
    pub const FORMAT: &str = "format";
    /// Where a timestamp converter takes its time zone from (the tool's Unit).
    pub const UNIT: &str = "unit";
    /// The CRM's True and False, as a Boolean converter's targets.
    pub const TRUE: &str = "True";
    /// See [`TRUE`].
    pub const FALSE: &str = "False";
}

/// One CSV file of a package, as `fileMappings.xml` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// The CSV file's name in the package.
    pub csv_name: String,
    /// Its target field category.
    pub category: String,
}

/// The name of a CSV file's field-mapping file, by NexJ's rule.
pub fn mappings_name(csv_name: &str) -> String {
    let stem = csv_name.strip_suffix(".csv").unwrap_or(csv_name);
    format!("{stem}{}", names::MAPPINGS_SUFFIX)
}

/// What the field-mapping file of one CSV says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMappings {
    /// Target field category.
    pub category: String,
    /// Lead fields: source column → field.
    pub fields: Vec<(String, Field)>,
    /// Value used for empty cells, per field.
    pub null_converters: BTreeMap<Field, String>,
    /// The columns (by their title in the CSV) whose text goes through `rtf2plain`.
    pub rtf2plain: BTreeSet<String>,
    /// Value mappings of limited-value fields: source value → target value.
    pub value_mappings: BTreeMap<Field, BTreeMap<String, String>>,
    /// Telcoms: source column → type name.
    pub telcoms: Vec<(String, String)>,
    /// Addresses: type name → parts (source column, part).
    pub addresses: BTreeMap<String, Vec<(String, AddressPart)>>,
    /// User fields: source column names.
    pub user_fields: Vec<String>,
    /// Categories: source column → category type.
    pub categories: Vec<(String, String)>,
    /// Custom fields: source column → name and type.
    pub custom_fields: Vec<(String, String, ValueType)>,
}

fn new_writer() -> Writer<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    writer
}

fn finish(writer: Writer<Vec<u8>>) -> Vec<u8> {
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    bytes
}

/// `fileMappings.xml` for the given CSV files.
pub fn file_mappings(encoding: OutputEncoding, files: &[PackageFile]) -> Vec<u8> {
    let mut writer = new_writer();
    let _ = writer
        .create_element(names::MAPPING)
        .with_attribute((names::ENCODING_TYPE, encoding.mapping_name()))
        .write_inner_content(|w| {
            for file in files {
                w.create_element(names::FILE)
                    .with_attribute((names::NAME, file.csv_name.as_str()))
                    .with_attribute((names::MAPPING_FILE, mappings_name(&file.csv_name).as_str()))
                    .with_attribute((names::CATEGORY, file.category.as_str()))
                    .write_empty()?;
            }
            Ok(())
        });
    finish(writer)
}

/// The field-mapping file of one CSV.
pub fn field_mappings(csv_name: &str, mappings: &FieldMappings) -> Vec<u8> {
    let mut writer = new_writer();
    let _ = writer
        .create_element(names::FIELD_MAPPINGS)
        .with_attribute((names::FILE, csv_name))
        .with_attribute((names::CATEGORY, mappings.category.as_str()))
        .write_inner_content(|w| {
            for (source, field) in &mappings.fields {
                let null = mappings.null_converters.get(field);
                let values = mappings.value_mappings.get(field).filter(|v| !v.is_empty());
                let element = w
                    .create_element(names::FIELD)
                    .with_attribute((names::SOURCE, source.as_str()))
                    .with_attribute((names::TARGET, field.key()));
                let rtf = mappings.rtf2plain.contains(source);
                if null.is_none() && values.is_none() && !rtf {
                    element.write_empty()?;
                    continue;
                }
                element.write_inner_content(|w| {
                    if let Some(null) = null {
                        w.create_element(names::NULL_CONVERTER)
                            .with_attribute((names::VALUE, null.as_str()))
                            .write_empty()?;
                    }
                    if rtf {
                        text_converter(w)?;
                    }
                    if let Some(values) = values {
                        w.create_element(names::VALUE_MAPPING)
                            .write_inner_content(|w| {
                                for (from, to) in values {
                                    w.create_element(names::VALUE)
                                        .with_attribute((names::SOURCE, from.as_str()))
                                        .with_attribute((names::TARGET, to.as_str()))
                                        .write_empty()?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            }
            simple_subcollection(
                w,
                (names::TELCOMS, &mappings.rtf2plain),
                mappings.telcoms.iter().map(|(source, type_name)| {
                    (
                        source.as_str(),
                        names::COMMUNICATION_VALUE,
                        Some(type_name.as_str()),
                    )
                }),
            )?;
            if !mappings.addresses.is_empty() {
                w.create_element(names::SUBCOLLECTION)
                    .with_attribute((names::NAME, names::ADDRESSES))
                    .write_inner_content(|w| {
                        for (type_name, parts) in &mappings.addresses {
                            w.create_element(names::ENTRY)
                                .with_attribute((names::TYPE, type_name.as_str()))
                                .write_inner_content(|w| {
                                    for (source, part) in parts {
                                        let element = w
                                            .create_element(names::PART)
                                            .with_attribute((names::SOURCE, source.as_str()))
                                            .with_attribute((names::ATTRIBUTE, part.attribute()));
                                        if mappings.rtf2plain.contains(source) {
                                            element.write_inner_content(text_converter)?;
                                        } else {
                                            element.write_empty()?;
                                        }
                                    }
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
            }
            simple_subcollection(
                w,
                (names::CATEGORIES, &mappings.rtf2plain),
                mappings.categories.iter().map(|(source, type_name)| {
                    (
                        source.as_str(),
                        names::VALUE_ATTRIBUTE,
                        Some(type_name.as_str()),
                    )
                }),
            )?;
            if !mappings.custom_fields.is_empty() {
                w.create_element(names::SUBCOLLECTION)
                    .with_attribute((names::NAME, names::CUSTOM_FIELDS))
                    .write_inner_content(|w| {
                        for (source, name, value_type) in &mappings.custom_fields {
                            let entry = w
                                .create_element(names::ENTRY)
                                .with_attribute((names::SOURCE, source.as_str()))
                                .with_attribute((names::ATTRIBUTE, names::VALUE_ATTRIBUTE))
                                .with_attribute((names::NAME, name.as_str()))
                                .with_attribute((names::TYPE, value_type.id()));
                            match value_type {
                                ValueType::Text if mappings.rtf2plain.contains(source) => {
                                    entry.write_inner_content(text_converter)?;
                                }
                                ValueType::Text | ValueType::Number => {
                                    entry.write_empty()?;
                                }
                                ValueType::Date { format } => {
                                    entry.write_inner_content(|w| {
                                        w.create_element(names::DATE_CONVERTER)
                                            .with_attribute((
                                                names::FORMAT,
                                                format.written_pattern(),
                                            ))
                                            .write_empty()?;
                                        Ok(())
                                    })?;
                                }
                                ValueType::Timestamp { format, zone } => {
                                    entry.write_inner_content(|w| {
                                        w.create_element(names::TIMESTAMP_CONVERTER)
                                            .with_attribute((
                                                names::FORMAT,
                                                format.written_pattern(),
                                            ))
                                            .with_attribute((names::UNIT, zone.as_str()))
                                            .write_empty()?;
                                        Ok(())
                                    })?;
                                }
                                ValueType::Boolean { .. } => {
                                    // The package holds `true` and `false` (see ValueType::convert).
                                    entry.write_inner_content(|w| {
                                        w.create_element(names::BOOLEAN_CONVERTER)
                                            .write_inner_content(|w| {
                                                for (from, to) in
                                                    [("true", names::TRUE), ("false", names::FALSE)]
                                                {
                                                    w.create_element(names::VALUE)
                                                        .with_attribute((names::SOURCE, from))
                                                        .with_attribute((names::TARGET, to))
                                                        .write_empty()?;
                                                }
                                                Ok(())
                                            })?;
                                        Ok(())
                                    })?;
                                }
                            }
                        }
                        Ok(())
                    })?;
            }
            simple_subcollection(
                w,
                (names::USER_FIELDS, &mappings.rtf2plain),
                mappings
                    .user_fields
                    .iter()
                    .map(|source| (source.as_str(), source.as_str(), None)),
            )?;
            Ok(())
        });
    finish(writer)
}

/// A subcollection (when it has entries) whose entries each take one column, given as
/// (source column, attribute, type name when there is one).
fn simple_subcollection<'e>(
    w: &mut Writer<Vec<u8>>,
    (name, rtf2plain): (&str, &BTreeSet<String>),
    entries: impl ExactSizeIterator<Item = (&'e str, &'e str, Option<&'e str>)>,
) -> std::io::Result<()> {
    if entries.len() == 0 {
        return Ok(());
    }
    w.create_element(names::SUBCOLLECTION)
        .with_attribute((names::NAME, name))
        .write_inner_content(|w| {
            for (source, attribute, type_name) in entries {
                let entry = w
                    .create_element(names::ENTRY)
                    .with_attribute((names::SOURCE, source))
                    .with_attribute((names::ATTRIBUTE, attribute));
                let entry = match type_name {
                    Some(type_name) => entry.with_attribute((names::TYPE, type_name)),
                    None => entry,
                };
                if rtf2plain.contains(source) {
                    entry.write_inner_content(text_converter)?;
                } else {
                    entry.write_empty()?;
                }
            }
            Ok(())
        })?;
    Ok(())
}

/// The `rtf2plain` text converter of a field, an entry or a part.
fn text_converter(w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
    w.create_element(names::TEXT_CONVERTER)
        .with_attribute((names::NAME, names::RTF2PLAIN))
        .write_empty()?;
    Ok(())
}

/// Text safe inside XML 1.0: control characters other than tab and line breaks, which XML
/// cannot hold even escaped, become spaces. (quick-xml escapes `<`, `&`, quotes.)
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_mappings_carries_the_encoding_as_nexj_writes_it() {
        let files = [PackageFile {
            csv_name: "leads.csv".into(),
            category: "All".into(),
        }];
        let xml = String::from_utf8(file_mappings(OutputEncoding::Windows1252, &files)).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert!(xml.contains("<mapping encodingType=\"CP-1252\">"), "{xml}");
        assert!(
            xml.contains(
                "<file name=\"leads.csv\" mappingFile=\"leads_mappings.xml\" category=\"All\"/>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn mapping_names_follow_nexjs_rule() {
        assert_eq!(mappings_name("TBL_CONTACT.csv"), "TBL_CONTACT_mappings.xml");
    }

    #[test]
    fn hostile_headers_are_escaped() {
        let mappings = FieldMappings {
            category: "All".into(),
            fields: vec![("<Name> & \"Co\"".into(), Field::Company)],
            user_fields: vec!["a'b<c>".into()],
            ..FieldMappings::default()
        };
        let xml = String::from_utf8(field_mappings("x.csv", &mappings)).unwrap();
        assert!(
            xml.contains("source=\"&lt;Name&gt; &amp; &quot;Co&quot;\""),
            "{xml}"
        );
        assert!(xml.contains("a&apos;b&lt;c&gt;"), "{xml}");
        assert!(!xml.contains("<Name>"));
    }

    #[test]
    fn every_concept_has_its_element() {
        let mut mappings = FieldMappings {
            category: "All".into(),
            fields: vec![
                ("Segment".into(), Field::MarketSegment),
                ("Co".into(), Field::Company),
            ],
            rtf2plain: ["Co", "Notes", "Street"].map(String::from).into(),
            telcoms: vec![("Mobile".into(), "Mobile".into())],
            user_fields: vec!["Notes".into()],
            ..FieldMappings::default()
        };
        mappings
            .null_converters
            .insert(Field::Company, "Unknown".into());
        mappings
            .value_mappings
            .entry(Field::MarketSegment)
            .or_default()
            .insert("pre retirement".into(), "Pre-Retirement".into());
        mappings
            .addresses
            .entry("Home".into())
            .or_default()
            .push(("Street".into(), AddressPart::Address1));
        let xml = String::from_utf8(field_mappings("x.csv", &mappings)).unwrap();
        for expected in [
            "<nullConverter value=\"Unknown\"/>",
            "<textConverter name=\"rtf2plain\"/>",
            "<value source=\"pre retirement\" target=\"Pre-Retirement\"/>",
            "<entry source=\"Mobile\" attribute=\"Communication Value\" type=\"Mobile\"/>",
            "<entry type=\"Home\">",
            "<subcollection name=\"User Fields\">",
        ] {
            assert!(xml.contains(expected), "missing {expected} in {xml}");
        }
        // The text converter goes with the columns that have it, and with no other.
        for (element, converted) in [
            ("<field source=\"Segment\" target=\"marketSegment\">", false),
            ("<field source=\"Co\" target=\"company\">", true),
            ("<entry source=\"Notes\" attribute=\"Notes\">", true),
            ("<part source=\"Street\" attribute=\"address1\">", true),
        ] {
            let at = xml
                .find(element)
                .unwrap_or_else(|| panic!("no {element} in {xml}"));
            let inside = &xml[at..];
            let inside = &inside[..inside.find("</").unwrap_or(inside.len())];
            assert_eq!(
                inside.contains("<textConverter name=\"rtf2plain\"/>"),
                converted,
                "{element} in {xml}"
            );
        }
        assert!(!xml.contains(
            "<entry source=\"Mobile\" attribute=\"Communication Value\" type=\"Mobile\">"
        ));
    }

    #[test]
    fn control_characters_cannot_reach_the_xml() {
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\td"), "a b c d");
    }
}
