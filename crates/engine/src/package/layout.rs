//! The layout of a file's packages, decided from its header: which columns go into the package
//! CSV and under which names, the CSV header in the output encoding, and the XML files.

use crate::lead::converters::ValueType;
use crate::lead::mapping::ColumnMatch;
use crate::lead::schema::Field;
use crate::lead::template::{Target, Template, packed_columns};
use crate::package::assemble::PackageLayout;
use crate::package::xml::{self, FieldMappings, PackageFile, names};
use crate::text::csvout::CsvOut;

/// A column of the package CSV.
#[derive(Debug, Clone)]
pub(crate) struct OutColumn {
    /// The source column it comes from.
    pub(crate) source: usize,
    /// Its header in the package.
    pub(crate) name: String,
    /// The lead field, when it is one.
    pub(crate) field: Option<Field>,
    /// The type its values are converted to, for a custom field.
    pub(crate) converted: Option<ValueType>,
}

/// A file's package layout: its columns, and what every package holds besides its rows.
pub(crate) struct Laid {
    /// The columns of the package CSV, in order.
    pub(crate) columns: Vec<OutColumn>,
    /// The CSV header and the XML files of every package.
    pub(crate) layout: PackageLayout,
}

/// Lays out the package of the CSV `csv_name` from the file's column `matches`, following
/// `template`: the package's columns (the lead fields first, in the documented order, then the
/// other columns the template keeps), its CSV header in the output encoding, and its XML files.
pub(crate) fn lay_out(csv_name: &str, template: &Template, matches: &[ColumnMatch]) -> Laid {
    let mut columns: Vec<OutColumn> = Vec::new();
    let mut csv = CsvOut::new();
    // A category as the XML can hold it.
    let category = xml::xml_safe(&template.category);
    let mut mappings = FieldMappings {
        category: category.clone(),
        null_converters: std::collections::BTreeMap::new(),
        ..FieldMappings::default()
    };
    let encoding = template.options.output_encoding;
    let mut used_names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut unique = |wanted: &str| {
        // The name the CSV can hold, so the mapping XML names the column as the CSV titles it.
        // Without U+FEFF: invisible, and first in the CSV it would read as a byte order mark.
        let visible = xml::xml_safe(wanted).replace('\u{FEFF}', "");
        let base = encoding.replace_unrepresentable(visible.trim());
        let base = if base.is_empty() {
            "Column".to_string()
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 2;
        while used_names.contains(&name.to_ascii_lowercase()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        used_names.insert(name.to_ascii_lowercase());
        name
    };

    // The lead fields first, in the documented order, under their documented titles; then the
    // other columns the template keeps, in file order, under their own headers.
    let rtf_columns = template.rtf_columns_of(matches);
    for (source, target) in packed_columns(template, matches) {
        let mut converted = None;
        let (name, field) = match target {
            Target::Field { field } => {
                let name = unique(field.title());
                mappings.fields.push((name.clone(), field));
                if let Some(null) = template.null_for(&matches[source].header, Some(field)) {
                    mappings.null_converters.insert(field, null.to_string());
                }
                (name, Some(field))
            }
            Target::Telcom { type_name } => {
                let name = unique(&matches[source].header);
                mappings.telcoms.push((name.clone(), type_name));
                (name, None)
            }
            Target::Address { part, type_name } => {
                let name = unique(&matches[source].header);
                mappings
                    .addresses
                    .entry(type_name)
                    .or_default()
                    .push((name.clone(), part));
                (name, None)
            }
            Target::UserField => {
                let name = unique(&matches[source].header);
                mappings.user_fields.push(name.clone());
                (name, None)
            }
            Target::Category { type_name } => {
                let name = unique(&matches[source].header);
                mappings
                    .categories
                    .push((name.clone(), xml::xml_safe(&type_name)));
                (name, None)
            }
            Target::CustomField {
                name: field_name,
                value_type,
            } => {
                let name = unique(&matches[source].header);
                converted = Some(value_type.clone());
                mappings
                    .custom_fields
                    .push((name.clone(), xml::xml_safe(&field_name), value_type));
                (name, None)
            }
            Target::Skip => continue,
        };
        if rtf_columns.contains(&source) {
            mappings.rtf2plain.insert(name.clone());
        }
        columns.push(OutColumn {
            source,
            name,
            field,
            converted,
        });
    }
    for (field, values) in &template.value_mappings {
        let limited = matches!(field, Field::MarketSegment | Field::SalesConcept);
        if limited && mappings.fields.iter().any(|(_, f)| f == field) {
            let values = values.iter().filter(|(from, to)| from != to);
            mappings.value_mappings.insert(
                *field,
                values.map(|(a, b)| (a.clone(), b.clone())).collect(),
            );
        }
    }

    let mut encoded: Vec<Vec<u8>> = Vec::with_capacity(columns.len());
    for column in &columns {
        let mut bytes = Vec::new();
        encoding.encode_into(&column.name, &mut bytes);
        encoded.push(bytes);
    }
    let mut header_row = Vec::new();
    csv.record(encoded.iter().map(Vec::as_slice), &mut header_row);

    let file = PackageFile {
        csv_name: csv_name.to_string(),
        category,
    };
    let xml_files = vec![
        (
            names::FILE_MAPPINGS.to_string(),
            xml::file_mappings(encoding, &[file]),
        ),
        (
            xml::mappings_name(csv_name),
            xml::field_mappings(csv_name, &mappings),
        ),
    ];
    // The central directory: 46 bytes and the name per entry, then the 22-byte end record;
    // a margin covers the end of the compressed stream.
    let entries = xml_files.iter().map(|(name, _)| name.len()).sum::<usize>() + csv_name.len();
    let layout = PackageLayout {
        csv_name: csv_name.to_string(),
        header_row,
        xml_files,
        tail: (46 * 3 + entries + 22 + 64) as u64,
        max_package_bytes: template.options.max_package_bytes,
    };
    Laid { columns, layout }
}
