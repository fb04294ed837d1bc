//! The text of one workbook cell, as Excel shows it and as its "Save as CSV" would write it,
//! with the damage Excel does on the way left out: whole numbers in full, never `4.17E+09`
//! or `4165550199.0`; numbers with a zero-padded format (`00000`, for zip codes) with their
//! leading zeros; dates in ISO 8601 (`2024-02-02`, `2024-02-02 14:30:00`); formulas as the
//! value Excel last computed; errors as Excel writes them (`#N/A`).

use calamine::{CellErrorType, DataRef, ExcelDateTime};

/// Appends the text of `cell`, shown in the number format `format` (its code, when the
/// workbook gives one), to `out`.
pub(crate) fn cell_text(cell: &DataRef<'_>, format: Option<&str>, out: &mut String) {
    use std::fmt::Write;
    match cell {
        DataRef::Empty => {}
        DataRef::String(text) => out.push_str(text),
        DataRef::SharedString(text) => out.push_str(text),
        DataRef::Int(number) => {
            let _ = write!(out, "{number}");
        }
        DataRef::Float(number) => number_text(*number, format, out),
        DataRef::Bool(true) => out.push_str("TRUE"),
        DataRef::Bool(false) => out.push_str("FALSE"),
        DataRef::DateTime(when) => date_text(when, out),
        // OpenDocument dates come as ISO 8601 text already: `2024-02-02T14:30:00`.
        DataRef::DateTimeIso(text) => out.push_str(&text.replacen('T', " ", 1)),
        DataRef::DurationIso(text) => out.push_str(text),
        DataRef::Error(error) => error_text(error, out),
    }
}

fn error_text(error: &CellErrorType, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{error}");
}

/// A number as Excel shows it in the format `format`: the formats a lead file uses (zero-padded
/// whole numbers, fixed decimals, thousands separators, percentages) as they say; any other
/// format, and the General one, in full without float noise.
fn number_text(number: f64, format: Option<&str>, out: &mut String) {
    if !number.is_finite() {
        out.push_str("#NUM!");
        return;
    }
    // Only the part of a format for positive numbers and zero. General, text (`@`) and every
    // format that is not a simple shape show the number in full.
    let code = format.map(|code| code.split(';').next().unwrap_or(code).trim());
    if let Some(code) = code
        && let Some(shape) = Shape::of(code)
    {
        shape.write(number, out);
        return;
    }
    general_number(number, out);
}

/// A number in full, never in scientific notation, with at most 15 significant digits (Excel's
/// precision), so `0.1 + 0.2` shows as `0.3` and `4165550199` as itself.
pub(crate) fn general_number(number: f64, out: &mut String) {
    use std::fmt::Write;
    let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    let _ = write!(out, "{rounded}");
}

/// A simple number format: digits, decimals, thousands separators, percent.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    /// The least number of digits before the decimal point (`00000` → 5).
    whole_digits: usize,
    /// The most decimals shown (`0` and `#` after the point).
    decimals: usize,
    /// The fewest decimals shown (`0` after the point); `#` ones are dropped when zero.
    fixed_decimals: usize,
    /// Thousands separated by `,`.
    thousands: bool,
    /// Shown as a percentage.
    percent: bool,
}

impl Shape {
    /// The shape of a format code made only of `0`, `#`, `,`, `.` and `%`; `None` for any other.
    fn of(code: &str) -> Option<Shape> {
        if !code.contains('0') && !code.contains('#') {
            return None;
        }
        if !code
            .chars()
            .all(|c| matches!(c, '0' | '#' | ',' | '.' | '%'))
        {
            return None;
        }
        let (whole, decimals) = code.split_once('.').unwrap_or((code, ""));
        if decimals.contains(['.', ',']) {
            return None;
        }
        Some(Shape {
            whole_digits: whole.chars().filter(|c| *c == '0').count(),
            decimals: decimals.chars().filter(|c| matches!(c, '0' | '#')).count(),
            fixed_decimals: decimals.chars().filter(|c| *c == '0').count(),
            thousands: whole.contains(','),
            percent: code.contains('%'),
        })
    }

    fn write(&self, number: f64, out: &mut String) {
        let number = if self.percent { number * 100.0 } else { number };
        let text = format!("{:.*}", self.decimals, number.abs());
        let (whole, decimals) = text.split_once('.').unwrap_or((&text, ""));
        let mut decimals = decimals;
        while decimals.len() > self.fixed_decimals && decimals.ends_with('0') {
            decimals = &decimals[..decimals.len() - 1];
        }
        let negative = number < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9'));
        if negative {
            out.push('-');
        }
        let padded = format!("{whole:0>width$}", width = self.whole_digits);
        let padded = if self.whole_digits == 0 && padded == "0" && !decimals.is_empty() {
            ""
        } else {
            padded.as_str()
        };
        if self.thousands {
            for (index, digit) in padded.chars().enumerate() {
                if index > 0 && (padded.len() - index) % 3 == 0 {
                    out.push(',');
                }
                out.push(digit);
            }
        } else {
            out.push_str(padded);
        }
        if self.decimals > 0 {
            // Excel shows the point even when the optional decimals are all dropped: `2.`.
            out.push('.');
            out.push_str(decimals);
        }
        if self.percent {
            out.push('%');
        }
    }
}

/// A date, a time, or both, in ISO 8601 as Leadpack writes dates; a duration as hours,
/// minutes and seconds.
fn date_text(when: &ExcelDateTime, out: &mut String) {
    use std::fmt::Write;
    if when.is_duration() {
        let seconds = (when.as_f64() * 86_400.0).round() as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let seconds = seconds.unsigned_abs();
        let _ = write!(
            out,
            "{sign}{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        return;
    }
    let (year, month, day, hour, minute, second, milli) = when.to_ymd_hms_milli();
    let has_time = hour != 0 || minute != 0 || second != 0 || milli != 0;
    if when.as_f64() < 1.0 && when.as_f64() >= 0.0 {
        // A time of day alone.
        let _ = write!(out, "{hour:02}:{minute:02}:{second:02}");
        return;
    }
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    if has_time {
        let _ = write!(out, " {hour:02}:{minute:02}:{second:02}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    fn shown(cell: DataRef<'_>, format: Option<&str>) -> String {
        let mut out = String::new();
        cell_text(&cell, format, &mut out);
        out
    }

    #[test]
    fn whole_numbers_are_shown_in_full() {
        assert_eq!(shown(DataRef::Float(4165550199.0), None), "4165550199");
        assert_eq!(
            shown(DataRef::Float(447901234567.0), Some("General")),
            "447901234567"
        );
        assert_eq!(shown(DataRef::Float(-12.0), None), "-12");
        assert_eq!(shown(DataRef::Int(42), None), "42");
        assert_eq!(shown(DataRef::Float(0.1 + 0.2), None), "0.3");
        assert_eq!(shown(DataRef::Float(12.5), None), "12.5");
        assert_eq!(shown(DataRef::Float(f64::NAN), None), "#NUM!");
        assert_eq!(shown(DataRef::Float(1e20), None), "100000000000000000000");
        assert_eq!(shown(DataRef::Float(-0.5), Some("")), "-0.5");
    }

    #[test]
    fn simple_formats_are_followed() {
        assert_eq!(shown(DataRef::Float(1234.0), Some("00000")), "01234");
        assert_eq!(shown(DataRef::Float(2.5), Some("0.00")), "2.50");
        assert_eq!(
            shown(DataRef::Float(1234567.891), Some("#,##0.00")),
            "1,234,567.89"
        );
        assert_eq!(shown(DataRef::Float(0.125), Some("0.0%")), "12.5%");
        assert_eq!(shown(DataRef::Float(-3.0), Some("0;(0)")), "-3");
        assert_eq!(shown(DataRef::Float(0.5), Some("#.##")), ".5");
        assert_eq!(shown(DataRef::Float(12.5), Some("#.##")), "12.5");
        assert_eq!(shown(DataRef::Float(123456.0), Some("#,##0")), "123,456");
        assert_eq!(shown(DataRef::Float(-0.001), Some("0")), "0");
        assert_eq!(shown(DataRef::Float(-2.0), Some("0")), "-2");
        assert_eq!(shown(DataRef::Float(2.0), Some("0.##")), "2.");
        assert_eq!(shown(DataRef::Float(2.25), Some("0.0#")), "2.25");
        assert_eq!(shown(DataRef::Float(2.5), Some("0.0#")), "2.5");
        // Formats Leadpack does not follow show the number in full.
        assert_eq!(shown(DataRef::Float(7.0), Some("\"No. \"0")), "7");
        assert_eq!(shown(DataRef::Float(7.0), Some("@")), "7");
    }

    #[test]
    fn text_booleans_and_errors_are_shown_as_excel_writes_them() {
        assert_eq!(shown(DataRef::SharedString("00123"), None), "00123");
        assert_eq!(shown(DataRef::String("4.16E+09".into()), None), "4.16E+09");
        assert_eq!(shown(DataRef::Bool(true), None), "TRUE");
        assert_eq!(shown(DataRef::Error(CellErrorType::NA), None), "#N/A");
        assert_eq!(shown(DataRef::Empty, None), "");
    }

    #[test]
    fn dates_and_times_are_iso_8601() {
        let date = |value: f64| {
            DataRef::DateTime(ExcelDateTime::new(
                value,
                ExcelDateTimeType::DateTime,
                false,
            ))
        };
        assert_eq!(shown(date(45324.0), None), "2024-02-02");
        assert_eq!(shown(date(45324.5), None), "2024-02-02 12:00:00");
        assert_eq!(shown(date(0.75), None), "18:00:00");
        let duration =
            DataRef::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(shown(duration, None), "36:00:00");
        let back = DataRef::DateTime(ExcelDateTime::new(
            -0.5,
            ExcelDateTimeType::TimeDelta,
            false,
        ));
        assert_eq!(shown(back, None), "-12:00:00");
        // A time of minutes only, or of seconds only, is a time; the first day is a date.
        assert_eq!(
            shown(date(45324.0 + 30.0 / 1440.0), None),
            "2024-02-02 00:30:00"
        );
        assert_eq!(
            shown(date(45324.0 + 5.0 / 86400.0), None),
            "2024-02-02 00:00:05"
        );
        assert_eq!(shown(date(1.0), None), "1900-01-01");
        assert_eq!(
            shown(DataRef::DateTimeIso("2024-02-02T14:30:00".into()), None),
            "2024-02-02 14:30:00"
        );
    }
}
