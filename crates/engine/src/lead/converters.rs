//! The value types of custom fields, as the Data Mapping Tool converts them: text, numbers,
//! dates and timestamps in a chosen format, and yes/no values each set to True or False.
//! Each value is checked before upload and written to the package in one form the CRM reads
//! (dates as `yyyy-MM-dd`, timestamps as `yyyy-MM-dd HH:mm:ss`, booleans as `true`/`false`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::lead::dates::DateFormat;

/// The type of a custom field's values, with how its values are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TypedValues", into = "TypedValues")]
pub enum ValueType {
    /// Text, written as it is (trimmed).
    Text,
    /// A number: digits, with a sign, a decimal point and an exponent if need be.
    Number,
    /// A date in the given format, written as `yyyy-MM-dd`.
    Date {
        /// The format the file's values are written in.
        format: DateFormat,
    },
    /// A date and time in the given format, written as `yyyy-MM-dd HH:mm:ss` (with the
    /// fractions of a second and the offset when the format has them).
    Timestamp {
        /// The format the file's values are written in.
        format: DateFormat,
        /// Where the time zone of values without an offset is decided (the tool's Unit): a
        /// zone name such as `America/Toronto`, `UTC`, or an offset such as `-05:00`.
        zone: String,
    },
    /// Yes or no: each value the file holds is set to True or to False.
    Boolean {
        /// The values read as True (compared trimmed, ignoring case).
        truthy: Vec<String>,
        /// The values read as False.
        falsy: Vec<String>,
    },
}

/// Why a value cannot be written as its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unconverted {
    /// Not a date (or timestamp) in the format.
    NotADate,
    /// Not a number.
    NotANumber,
    /// Set neither to True nor to False.
    UnsetBoolean,
}

impl ValueType {
    /// The type's name, as templates and mapping files write it.
    pub fn id(&self) -> &'static str {
        match self {
            ValueType::Text => "string",
            ValueType::Number => "number",
            ValueType::Date { .. } => "date",
            ValueType::Timestamp { .. } => "timestamp",
            ValueType::Boolean { .. } => "boolean",
        }
    }

    /// The format of a date or timestamp type.
    pub fn date_format(&self) -> Option<&DateFormat> {
        match self {
            ValueType::Date { format } | ValueType::Timestamp { format, .. } => Some(format),
            _ => None,
        }
    }

    /// The value (trimmed, not empty) as the package writes it, or why it cannot be.
    pub fn convert<'v>(&self, value: &'v str) -> Result<Cow<'v, str>, Unconverted> {
        match self {
            ValueType::Text => Ok(Cow::Borrowed(value)),
            ValueType::Number => {
                if is_number(value) {
                    Ok(Cow::Borrowed(value))
                } else {
                    Err(Unconverted::NotANumber)
                }
            }
            ValueType::Date { format } | ValueType::Timestamp { format, .. } => format
                .read(value)
                .map(|moment| Cow::Owned(format.write(&moment)))
                .ok_or(Unconverted::NotADate),
            ValueType::Boolean { truthy, falsy } => {
                let set = |values: &[String]| values.iter().any(|v| same_word(v, value));
                if set(truthy) {
                    Ok(Cow::Borrowed("true"))
                } else if set(falsy) {
                    Ok(Cow::Borrowed("false"))
                } else {
                    Err(Unconverted::UnsetBoolean)
                }
            }
        }
    }
}

impl ValueType {
    /// For yes/no values: reads `value` as True (`Some(true)`), as False (`Some(false)`) or as
    /// neither (`None`), taking it out of the other list. Other types are left as they are.
    pub fn set_boolean(&mut self, value: &str, to: Option<bool>) {
        if let ValueType::Boolean { truthy, falsy } = self {
            truthy.retain(|v| !same_word(v, value));
            falsy.retain(|v| !same_word(v, value));
            match to {
                Some(true) => truthy.push(value.trim().to_string()),
                Some(false) => falsy.push(value.trim().to_string()),
                None => {}
            }
        }
    }
}

/// At most this many distinct values are listed for a yes/no column.
pub const MAX_DISTINCT: usize = 100;

/// The distinct values among `values` (trimmed, empty ones aside, told apart regardless of
/// case as yes/no lists compare them), each with how often it occurs, most frequent first, at
/// most [`MAX_DISTINCT`]: what a yes/no column's values are set from.
pub(crate) fn distinct_values(values: &[String]) -> Vec<(String, u64)> {
    let mut counted: Vec<(String, u64)> = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if let Some((_, count)) = counted.iter_mut().find(|(seen, _)| same_word(seen, value)) {
            *count += 1;
        } else if counted.len() < MAX_DISTINCT {
            counted.push((value.to_string(), 1));
        }
    }
    counted.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    counted
}

/// Whether two values are the same word: trimmed, ignoring case.
pub(crate) fn same_word(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
}

/// A number as the CRM reads one: an optional sign, digits with at most one decimal point,
/// and an optional exponent (`-12`, `3.5`, `.5`, `1e6`). No spaces, no thousands separators.
fn is_number(value: &str) -> bool {
    let body = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// A value type as templates write it, beside the column: `"type": "date", "format": …`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct TypedValues {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) zone: Option<String>,
    #[serde(rename = "true", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) truthy: Vec<String>,
    #[serde(rename = "false", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) falsy: Vec<String>,
}

impl TryFrom<TypedValues> for ValueType {
    type Error = String;

    fn try_from(typed: TypedValues) -> Result<Self, Self::Error> {
        let format = |default: &str| -> Result<DateFormat, String> {
            let pattern = typed.format.as_deref().unwrap_or(default);
            DateFormat::new(pattern).map_err(|error| error.to_string())
        };
        Ok(match typed.kind.as_deref().unwrap_or("string") {
            "string" | "text" => ValueType::Text,
            "number" => ValueType::Number,
            "date" => {
                let format = format("yyyy-MM-dd")?;
                if format.has_time() {
                    return Err(format!(
                        "the date format “{format}” has a time of day: use the type “timestamp” for dates with times"
                    ));
                }
                ValueType::Date { format }
            }
            "timestamp" => {
                let format = format("yyyy-MM-dd HH:mm:ss")?;
                let zone = typed.zone.unwrap_or_else(|| "UTC".to_string());
                check_time_zone(&zone)?;
                ValueType::Timestamp { format, zone }
            }
            "boolean" => {
                if let Some(both) = typed
                    .truthy
                    .iter()
                    .find(|t| typed.falsy.iter().any(|f| same_word(t, f)))
                {
                    return Err(format!(
                        "the value “{both}” is set both to True and to False: keep it in one list"
                    ));
                }
                ValueType::Boolean {
                    truthy: typed.truthy,
                    falsy: typed.falsy,
                }
            }
            other => {
                return Err(format!(
                    "“{other}” is not a custom field type: use string, number, date, timestamp or boolean"
                ));
            }
        })
    }
}

impl From<ValueType> for TypedValues {
    fn from(value: ValueType) -> Self {
        let kind = Some(value.id().to_string());
        match value {
            ValueType::Text | ValueType::Number => TypedValues {
                kind,
                ..TypedValues::default()
            },
            ValueType::Date { format } => TypedValues {
                kind,
                format: Some(format.pattern().to_string()),
                ..TypedValues::default()
            },
            ValueType::Timestamp { format, zone } => TypedValues {
                kind,
                format: Some(format.pattern().to_string()),
                zone: Some(zone),
                ..TypedValues::default()
            },
            ValueType::Boolean { truthy, falsy } => TypedValues {
                kind,
                truthy,
                falsy,
                ..TypedValues::default()
            },
        }
    }
}

/// Checks the time zone of timestamps: a zone name (`America/Toronto`, `Europe/Paris`), `UTC`
/// or `GMT`, or an offset (`+05:30`, `-05:00`).
pub fn check_time_zone(zone: &str) -> Result<(), String> {
    let offset = |rest: &str| {
        let b = rest.as_bytes();
        b.len() == 5
            && b[2] == b':'
            && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
            && rest[..2] <= *"18"
            && rest[3..] < *"60"
    };
    let named = zone.split('/').count() >= 2
        && zone.split('/').all(|part| {
            part.starts_with(|c: char| c.is_ascii_uppercase())
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'+')
        });
    let fine =
        matches!(zone, "UTC" | "GMT") || named || zone.strip_prefix(['+', '-']).is_some_and(offset);
    if fine {
        Ok(())
    } else {
        Err(format!(
            "“{zone}” is not a time zone: write a zone name such as America/Toronto, UTC, or an offset such as -05:00"
        ))
    }
}
