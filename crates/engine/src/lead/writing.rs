//! How a package writes one value: with the characters its output encoding cannot hold replaced
//! (when the user allows it), then cut as the CRM cuts it. The check previews exactly this (what
//! is kept and cut, what is replaced), and the packer writes it, so the two always agree.

use std::borrow::Cow;

use crate::lead::schema::Field;
use crate::lead::template::PackOptions;
use crate::lead::values::KnownValues;
use crate::text::encode::{OutputEncoding, Unrepresentable};
use crate::text::length::crm_cut;

/// The options that decide how a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Writing {
    /// The package's character set.
    pub(crate) encoding: OutputEncoding,
    /// Characters the encoding cannot hold are replaced by the nearest it holds.
    pub(crate) replace: bool,
    /// Values longer than the CRM's maximum are written whole.
    pub(crate) keep_long: bool,
}

/// A trimmed value as the package writes it before any cut: a market segment or sales concept
/// in its known spelling, any other value as it is.
pub fn normalised<'v>(
    field: Option<Field>,
    trimmed: &'v str,
    segments: &mut KnownValues,
    concepts: &mut KnownValues,
) -> Cow<'v, str> {
    match field {
        Some(Field::MarketSegment) if !trimmed.is_empty() => Cow::Owned(segments.written(trimmed)),
        Some(Field::SalesConcept) if !trimmed.is_empty() => Cow::Owned(concepts.written(trimmed)),
        _ => Cow::Borrowed(trimmed),
    }
}

impl Writing {
    /// How a package following `options` writes its values.
    pub(crate) fn new(options: &PackOptions) -> Writing {
        Writing {
            encoding: options.output_encoding,
            replace: options.unrepresentable == Unrepresentable::Replace
                && options.output_encoding != OutputEncoding::Utf8,
            keep_long: options.keep_long_values,
        }
    }

    /// `value` with the characters the encoding cannot hold replaced, where the user allows it.
    pub(crate) fn replaced<'a>(&self, value: &'a str) -> Cow<'a, str> {
        if self.replace && self.encoding.first_unrepresentable(value).is_some() {
            Cow::Owned(self.encoding.replace_unrepresentable(value))
        } else {
            Cow::Borrowed(value)
        }
    }

    /// `value` cut as the CRM cuts a value of `field` (unless long values are kept whole).
    pub(crate) fn cut<'a>(&self, field: Option<Field>, value: &'a str) -> &'a str {
        match field.and_then(Field::max_chars) {
            Some(max) if !self.keep_long => crm_cut(value, max).map_or(value, |at| &value[..at]),
            _ => value,
        }
    }

    /// `value` (trimmed, a segment or concept already written as the CRM knows it) as the
    /// package writes it for `field`: replaced, then cut.
    pub(crate) fn written<'a>(&self, field: Option<Field>, value: &'a str) -> Cow<'a, str> {
        match self.replaced(value) {
            Cow::Borrowed(value) => Cow::Borrowed(self.cut(field, value)),
            Cow::Owned(replaced) => Cow::Owned(self.cut(field, &replaced).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writing(encoding: OutputEncoding, replace: bool, keep_long: bool) -> Writing {
        Writing {
            encoding,
            replace,
            keep_long,
        }
    }

    #[test]
    fn values_are_replaced_then_cut() {
        let latin1 = writing(OutputEncoding::Iso8859_1, true, false);
        // Œ becomes two letters, so the replaced value is cut where the CRM will cut it.
        let first = format!("{}Œ", "x".repeat(24));
        assert_eq!(
            latin1.written(Some(Field::FirstName), &first),
            format!("{}O", "x".repeat(24))
        );
        assert_eq!(
            latin1.written(None, &first),
            format!("{}OE", "x".repeat(24))
        );
        let kept = writing(OutputEncoding::Iso8859_1, true, true);
        assert_eq!(
            kept.written(Some(Field::FirstName), &first),
            format!("{}OE", "x".repeat(24))
        );
    }

    #[test]
    fn without_consent_nothing_is_replaced() {
        let refuse = writing(OutputEncoding::Windows1252, false, false);
        assert_eq!(refuse.written(Some(Field::LastName), "Łukasz"), "Łukasz");
        let utf8 = Writing::new(&PackOptions {
            unrepresentable: Unrepresentable::Replace,
            ..PackOptions::default()
        });
        assert!(!utf8.replace);
        assert_eq!(utf8.written(Some(Field::LastName), "Łukasz"), "Łukasz");
    }
}
