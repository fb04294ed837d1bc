//! What the caller decides instead of the engine when a file is checked.

use std::collections::BTreeMap;

use encoding_rs::Encoding;

use crate::lead::edits::Edits;
use crate::lead::mapping::ExplicitMapping;
use crate::lead::schema::Field;
use crate::lead::template::Template;
use crate::lead::values::KnownValues;
use crate::text::encode::OutputEncoding;

/// What the caller decides instead of the engine.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Read the file in this encoding instead of detecting it.
    pub encoding: Option<&'static Encoding>,
    /// Split fields at this delimiter instead of detecting it.
    pub delimiter: Option<u8>,
    /// Use this column mapping instead of matching headers automatically.
    pub mapping: Option<ExplicitMapping>,
    /// A firm's own market segments, known besides the CRM's.
    pub extra_segments: Vec<String>,
    /// A firm's own sales concepts, known besides the CRM's.
    pub extra_concepts: Vec<String>,
    /// The file's size in bytes, when known: it lets the checker size its indexes once.
    pub size_hint: Option<u64>,
    /// Per limited-value field: source value → the value to write (the user's value mapping).
    pub value_mappings: BTreeMap<Field, BTreeMap<String, String>>,
    /// Report characters this output encoding cannot hold (`unrepresentable`).
    pub output_encoding: Option<OutputEncoding>,
    /// Corrections applied to the records before they are checked.
    pub edits: Edits,
    /// How many threads may apply the rules at once (0 or 1: the calling thread alone). The
    /// report is the same whatever the number. Ignored where there are no threads (the web).
    pub threads: usize,
}

impl CheckOptions {
    /// The options a template implies: its mapping, its firm's values, its value mappings and
    /// its output encoding.
    pub fn from_template(template: &Template) -> CheckOptions {
        CheckOptions {
            mapping: (!template.columns.is_empty()).then(|| template.explicit_mapping()),
            extra_segments: template.segments.clone(),
            extra_concepts: template.concepts.clone(),
            value_mappings: template.value_mappings.clone(),
            output_encoding: Some(template.options.output_encoding),
            ..CheckOptions::default()
        }
    }

    /// The known market segments, with the user's value mapping.
    pub fn segments(&self) -> KnownValues {
        KnownValues::segments(self.extra_segments.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::MarketSegment)
                .into_iter()
                .flatten(),
        )
    }

    /// The known sales concepts, with the user's value mapping.
    pub fn concepts(&self) -> KnownValues {
        KnownValues::concepts(self.extra_concepts.iter().map(String::as_str)).with_overrides(
            self.value_mappings
                .get(&Field::SalesConcept)
                .into_iter()
                .flatten(),
        )
    }
}
