//! Dates and timestamps as the CRM's Data Mapping Tool writes their formats: Java's pattern
//! letters (`dd/MM/yyyy`, `yyyy-MM-dd HH:mm:ss`, `d MMM yyyy`). A format is read once into its
//! parts; a value fits it when every part matches and the date exists (no 31 April, no
//! 29 February outside leap years). Reading is strict where the CRM's is lenient (it would turn
//! 32/01 into 1 February): a value that does not fit is reported, never passed on changed.
//!
//! Month and day names are read in English and in French, in full or shortened, with or
//! without the period and accents (`Feb`, `février`, `févr.`, `fevr`).

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The date formats offered for a column, in the order they are offered.
pub const DATE_FORMATS: &[&str] = &[
    "yyyy-MM-dd",
    "dd/MM/yyyy",
    "MM/dd/yyyy",
    "dd-MM-yyyy",
    "MM-dd-yyyy",
    "dd.MM.yyyy",
    "yyyy/MM/dd",
    "dd/MM/yy",
    "MM/dd/yy",
    "yyyyMMdd",
    "d MMM yyyy",
    "MMM d, yyyy",
    "MMMM d, yyyy",
    "d MMMM yyyy",
];

/// The timestamp formats offered for a column, in the order they are offered.
pub const TIMESTAMP_FORMATS: &[&str] = &[
    "yyyy-MM-dd HH:mm:ss",
    "yyyy-MM-dd'T'HH:mm:ss",
    "yyyy-MM-dd'T'HH:mm:ssXXX",
    "yyyy-MM-dd HH:mm",
    "dd/MM/yyyy HH:mm:ss",
    "dd/MM/yyyy HH:mm",
    "MM/dd/yyyy HH:mm:ss",
    "MM/dd/yyyy hh:mm a",
    "yyyy-MM-dd HH:mm:ss.SSS",
];

/// A date or timestamp format, read from its pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    parts: Vec<Part>,
}

/// One part of a format.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// Text that must be there as written (separators, quoted words).
    Literal(String),
    /// A number of `digits` (at least `min`, at most `max`) for one component.
    Number {
        component: Component,
        min: usize,
        max: usize,
    },
    /// A month's name, in full or shortened.
    MonthName,
    /// A day's name, in full or shortened (read, not compared with the date).
    DayName,
    /// `AM` or `PM`.
    AmPm,
    /// A fraction of a second, in exactly this many digits.
    Fraction(usize),
    /// An offset from UTC: `Z`, `+05`, `+0530`, `+05:30`, `UTC`, `GMT`.
    Offset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Component {
    Year,
    ShortYear,
    Month,
    Day,
    Hour,
    Hour12,
    Minute,
    Second,
}

/// Why a pattern is not a date format, for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The pattern as typed.
    pub pattern: String,
    /// What is wrong with it and how to write it.
    pub problem: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "The date format “{}” {}", self.pattern, self.problem)
    }
}

impl std::error::Error for FormatError {}

/// A date, and a time of day when the format has one, as read from a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    /// The year, in four digits.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
    /// The hour, 0 to 23 (0 when the format has no time).
    pub hour: u8,
    /// The minutes.
    pub minute: u8,
    /// The seconds.
    pub second: u8,
    /// Thousandths of a second.
    pub millis: u16,
    /// Minutes east of UTC, when the value says.
    pub offset: Option<i16>,
}

impl Moment {
    /// The date in the form packages hold: `yyyy-MM-dd`.
    pub fn date_text(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl DateFormat {
    /// Reads a pattern in the Data Mapping Tool's letters: `yyyy` (year), `yy` (year in two
    /// digits), `MM` or `M` (month), `MMM` (month name), `dd` or `d` (day), `EEE` (day name),
    /// `HH` or `H` (hour 0–23), `hh` or `h` with `a` (hour 1–12, AM/PM), `mm` (minutes),
    /// `ss` (seconds), `SSS` (thousandths), `XXX`, `Z` or `z` (offset from UTC). Text between
    /// single quotes is taken as written (`'T'`), `''` is one quote, and every other character
    /// that is not a letter is a separator that must be there as written.
    pub fn new(pattern: &str) -> Result<DateFormat, FormatError> {
        let error = |problem: String| FormatError {
            pattern: pattern.to_string(),
            problem,
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut parts: Vec<Part> = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                // Quoted text, where '' is one quote, up to the closing quote.
                i += 1;
                loop {
                    match (chars.get(i), chars.get(i + 1)) {
                        (Some('\''), Some('\'')) => {
                            literal.push('\'');
                            i += 2;
                        }
                        (Some('\''), _) => break,
                        (Some(&c), _) => {
                            literal.push(c);
                            i += 1;
                        }
                        (None, _) => return Err(error(
                            "has a quote that is never closed: put text between two single quotes, as in yyyy-MM-dd'T'HH:mm.".into(),
                        )),
                    }
                }
                i += 1;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                if c.is_alphabetic() {
                    return Err(error(format!(
                        "has the letter “{c}”, which is not a date letter: put words between single quotes ('{c}')."
                    )));
                }
                literal.push(c);
                i += 1;
                continue;
            }
            let count = chars[i..].iter().take_while(|&&d| d == c).count();
            let part = match (c, count) {
                ('y', 2) => number(Component::ShortYear, 2),
                ('y', _) => number(Component::Year, 4),
                ('M' | 'L', 1..=2) => number(Component::Month, count),
                ('M' | 'L', _) => Part::MonthName,
                ('d', 1..=2) => number(Component::Day, count),
                ('H', 1..=2) => number(Component::Hour, count),
                ('h', 1..=2) => number(Component::Hour12, count),
                ('m', 1..=2) => number(Component::Minute, count),
                ('s', 1..=2) => number(Component::Second, count),
                ('S', 1..=3) => Part::Fraction(count),
                ('E', _) => Part::DayName,
                ('a', 1) => Part::AmPm,
                ('X' | 'x' | 'Z' | 'z', _) => Part::Offset,
                ('d' | 'H' | 'h' | 'm' | 's' | 'S' | 'a', _) => {
                    let most = match c {
                        'S' => "three times",
                        'a' => "once",
                        _ => "twice",
                    };
                    return Err(error(format!(
                        "has “{}”: write {c} at most {most}.",
                        String::from(c).repeat(count)
                    )));
                }
                _ => {
                    return Err(error(format!(
                        "has the letter “{c}”, which is not a date letter. The letters are yyyy (year), MM (month), MMM (month name), dd (day), HH (hour), mm (minutes), ss (seconds); put other words between single quotes ('{c}')."
                    )));
                }
            };
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
            i += count;
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let has = |component: Component| {
            parts
                .iter()
                .any(|p| matches!(p, Part::Number { component: c, .. } if *c == component))
        };
        let has_month = has(Component::Month) || parts.contains(&Part::MonthName);
        let has_year = has(Component::Year) || has(Component::ShortYear);
        if !(has_year && has_month && has(Component::Day)) {
            return Err(error(
                "does not give a whole date: it needs a year (yyyy), a month (MM) and a day (dd), as in dd/MM/yyyy.".into(),
            ));
        }
        if has(Component::Hour12) != parts.contains(&Part::AmPm) {
            return Err(error(
                "mixes the hour forms: use hh with a (03:30 PM), or HH alone (15:30).".into(),
            ));
        }
        // A number directly beside another (yyyyMMdd) takes exactly its own width.
        let numeric: Vec<bool> = parts
            .iter()
            .map(|part| matches!(part, Part::Number { .. } | Part::Fraction(_)))
            .collect();
        for (index, part) in parts.iter_mut().enumerate() {
            let beside = (index > 0 && numeric[index - 1]) || numeric.get(index + 1) == Some(&true);
            if beside && let Part::Number { min, max, .. } = part {
                *min = *max;
            }
        }
        Ok(DateFormat {
            pattern: pattern.to_string(),
            parts,
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The pattern of what [`DateFormat::write`] writes: `yyyy-MM-dd` for a date, and for a
    /// timestamp `yyyy-MM-dd HH:mm:ss`, with `.SSS` when the format has fractions of a second
    /// and `XXX` (`Z` or `+hh:mm`) when it has an offset. One form per format, so every value
    /// of a column is written alike.
    pub fn written_pattern(&self) -> &'static str {
        let fraction = self.parts.iter().any(|p| matches!(p, Part::Fraction(_)));
        let offset = self.parts.contains(&Part::Offset);
        match (self.has_time(), fraction, offset) {
            (false, _, _) => "yyyy-MM-dd",
            (true, false, false) => "yyyy-MM-dd HH:mm:ss",
            (true, true, false) => "yyyy-MM-dd HH:mm:ss.SSS",
            (true, false, true) => "yyyy-MM-dd HH:mm:ssXXX",
            (true, true, true) => "yyyy-MM-dd HH:mm:ss.SSSXXX",
        }
    }

    /// `moment` (read in this format) as packages hold it, in [`DateFormat::written_pattern`].
    pub fn write(&self, moment: &Moment) -> String {
        let written = self.written_pattern();
        let mut text = moment.date_text();
        if written.len() == "yyyy-MM-dd".len() {
            return text;
        }
        text.push_str(&format!(
            " {:02}:{:02}:{:02}",
            moment.hour, moment.minute, moment.second
        ));
        if written.contains(".SSS") {
            text.push_str(&format!(".{:03}", moment.millis));
        }
        if written.ends_with("XXX") {
            match moment.offset.unwrap_or(0) {
                0 => text.push('Z'),
                minutes => {
                    let sign = if minutes < 0 { '-' } else { '+' };
                    let minutes = minutes.unsigned_abs();
                    text.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
                }
            }
        }
        text
    }

    /// Whether the format has a time of day.
    pub fn has_time(&self) -> bool {
        self.parts.iter().any(|part| {
            matches!(
                part,
                Part::Number {
                    component: Component::Hour | Component::Hour12,
                    ..
                }
            )
        })
    }

    /// Whether the format reads the day before the month (`dd/MM`), which values with both
    /// at most 12 cannot tell from the other order.
    fn day_first(&self) -> Option<bool> {
        let position = |wanted: Component| {
            self.parts
                .iter()
                .position(|p| matches!(p, Part::Number { component, .. } if *component == wanted))
        };
        Some(position(Component::Day)? < position(Component::Month)?)
    }

    /// The date (and time) `value` holds in this format, surrounding whitespace aside; `None`
    /// when it does not fit or names a date that does not exist.
    pub fn read(&self, value: &str) -> Option<Moment> {
        let mut rest = value.trim();
        let mut moment = Moment {
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            millis: 0,
            offset: None,
        };
        let mut pm = None;
        let mut hour12 = None;
        for part in &self.parts {
            match part {
                Part::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Part::Number {
                    component,
                    min,
                    max,
                } => {
                    let digits = rest
                        .bytes()
                        .take(*max)
                        .take_while(u8::is_ascii_digit)
                        .count();
                    if digits < *min {
                        return None;
                    }
                    let n: u16 = rest[..digits].parse().ok()?;
                    rest = &rest[digits..];
                    match component {
                        Component::Year => moment.year = n,
                        // As spreadsheets read two-digit years: 00–29 are 2000–2029, 30–99
                        // are 1930–1999.
                        Component::ShortYear => {
                            moment.year = if n < 30 { 2000 + n } else { 1900 + n }
                        }
                        Component::Month => moment.month = n as u8,
                        Component::Day => moment.day = n as u8,
                        Component::Hour if n < 24 => moment.hour = n as u8,
                        Component::Hour12 if (1..=12).contains(&n) => hour12 = Some(n as u8),
                        Component::Minute if n < 60 => moment.minute = n as u8,
                        Component::Second if n < 60 => moment.second = n as u8,
                        _ => return None,
                    }
                }
                Part::MonthName => {
                    let (month, length) = name_at(rest, &MONTHS)?;
                    moment.month = month as u8 + 1;
                    rest = &rest[length..];
                }
                Part::DayName => rest = &rest[name_at(rest, &DAYS)?.1..],
                Part::AmPm => {
                    let (is_pm, length) = am_pm_at(rest)?;
                    pm = Some(is_pm);
                    rest = &rest[length..];
                }
                Part::Fraction(width) => {
                    let digits = rest
                        .bytes()
                        .take(*width)
                        .take_while(u8::is_ascii_digit)
                        .count();
                    if digits != *width {
                        return None;
                    }
                    let n: u16 = rest[..digits].parse().ok()?;
                    moment.millis = n * [100, 10, 1][width - 1];
                    rest = &rest[digits..];
                }
                Part::Offset => {
                    let (minutes, length) = offset_at(rest)?;
                    moment.offset = Some(minutes);
                    rest = &rest[length..];
                }
            }
        }
        if !rest.is_empty() || moment.year == 0 || !exists(moment.year, moment.month, moment.day) {
            return None;
        }
        if let (Some(hour), Some(pm)) = (hour12, pm) {
            moment.hour = hour % 12 + if pm { 12 } else { 0 };
        }
        Some(moment)
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

fn number(component: Component, count: usize) -> Part {
    let width = if count == 1 { 2 } else { count };
    let min = if matches!(component, Component::Year | Component::ShortYear) {
        width
    } else {
        1
    };
    Part::Number {
        component,
        min,
        max: width,
    }
}

/// Whether the day exists in the Gregorian calendar.
fn exists(year: u16, month: u8, day: u8) -> bool {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Month names, each with its spellings: English and French, full and shortened, without
/// accents (values are compared without them).
const MONTHS: [&[&str]; 12] = [
    &["january", "janvier", "janv", "jan"],
    &["february", "fevrier", "fevr", "feb", "fev"],
    &["march", "mars", "mar"],
    &["april", "avril", "avr", "apr"],
    &["may", "mai"],
    &["june", "juin", "jun"],
    &["july", "juillet", "juil", "jul"],
    &["august", "aout", "aug"],
    &["september", "septembre", "sept", "sep"],
    &["october", "octobre", "oct"],
    &["november", "novembre", "nov"],
    &["december", "decembre", "dec"],
];

const DAYS: [&[&str]; 7] = [
    &["monday", "lundi", "mon", "lun"],
    &["tuesday", "mardi", "tue", "tues", "mar"],
    &["wednesday", "mercredi", "wed", "mer"],
    &["thursday", "jeudi", "thu", "thur", "thurs", "jeu"],
    &["friday", "vendredi", "fri", "ven"],
    &["saturday", "samedi", "sat", "sam"],
    &["sunday", "dimanche", "sun", "dim"],
];

/// The name at the start of `text` (the longest spelling that fits, followed by an optional
/// period), as its index in `names` and its length in bytes.
fn name_at(text: &str, names: &[&[&str]]) -> Option<(usize, usize)> {
    // The letters at the start, without accents, in lower case, with where each ends.
    let mut folded = String::new();
    let mut ends = Vec::new();
    for (at, c) in text.char_indices() {
        if !c.is_alphabetic() {
            break;
        }
        let plain = match c.to_lowercase().next().unwrap_or(c) {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'û' | 'ù' | 'ü' => 'u',
            'à' | 'â' => 'a',
            'ô' => 'o',
            'î' | 'ï' => 'i',
            'ç' => 'c',
            other => other,
        };
        folded.push(plain);
        ends.push(at + c.len_utf8());
    }
    let index = names
        .iter()
        .position(|spellings| spellings.contains(&folded.as_str()))?;
    let mut end = *ends.last()?;
    if text[end..].starts_with('.') {
        end += 1;
    }
    Some((index, end))
}

/// `AM` or `PM` at the start of `text` (any case, with or without periods: `a.m.`), as
/// whether it is PM and its length in bytes.
fn am_pm_at(text: &str) -> Option<(bool, usize)> {
    let bytes = text.as_bytes();
    [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)]
        .into_iter()
        .find(|(spelling, _)| {
            bytes
                .get(..spelling.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(spelling.as_bytes()))
        })
        .map(|(spelling, pm)| (pm, spelling.len()))
}

/// An offset from UTC at the start of `text`: `Z`, `UTC`, `GMT`, `+05`, `+0530`, `+05:30`
/// (or with `-`), as minutes east and its length in bytes.
fn offset_at(text: &str) -> Option<(i16, usize)> {
    for utc in ["Z", "UTC", "GMT"] {
        if text.starts_with(utc) {
            return Some((0, utc.len()));
        }
    }
    let sign: i16 = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let bytes = text.as_bytes();
    let digit = |at: usize| {
        bytes
            .get(at)
            .filter(|b| b.is_ascii_digit())
            .map(|b| (b - b'0') as i16)
    };
    let hours = digit(1)? * 10 + digit(2)?;
    let (minutes, length) = match (bytes.get(3), digit(3), digit(4)) {
        (Some(b':'), _, _) => (digit(4)? * 10 + digit(5)?, 6),
        (_, Some(tens), Some(ones)) => (tens * 10 + ones, 5),
        _ => (0, 3),
    };
    if hours > 18 || minutes > 59 {
        return None;
    }
    Some((sign * (hours * 60 + minutes), length))
}

/// How one format fits a column's values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatFit {
    /// The format.
    pub pattern: String,
    /// How many of the values it reads.
    pub fits: usize,
}

/// What the values of a column say about its date format.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateFits {
    /// How many values were looked at (empty ones aside).
    pub values: usize,
    /// The formats that read at least one value, those that read the most first (in the
    /// order offered among equals).
    pub formats: Vec<FormatFit>,
    /// The formats that read the most values read day-first and month-first alike (every day
    /// is at most 12): the values cannot say which order is meant.
    pub ambiguous: bool,
}

impl DateFits {
    /// The formats that read every value, in the order offered.
    pub fn fitting_all(&self) -> impl Iterator<Item = &str> {
        self.formats
            .iter()
            .filter(|fit| fit.fits == self.values)
            .map(|fit| fit.pattern.as_str())
    }
}

/// How each of `formats` reads the values (empty ones aside), and whether the best of them
/// leave the order of day and month open. Patterns that are no date format are left out.
pub fn fitting_formats<'a>(
    formats: &[&str],
    values: impl IntoIterator<Item = &'a str>,
) -> DateFits {
    let formats: Vec<DateFormat> = formats
        .iter()
        .filter_map(|pattern| DateFormat::new(pattern).ok())
        .collect();
    fits_of(&formats, values)
}

fn fits_of<'a>(formats: &[DateFormat], values: impl IntoIterator<Item = &'a str>) -> DateFits {
    let mut fits = vec![0usize; formats.len()];
    let mut count = 0;
    for value in values.into_iter().map(str::trim).filter(|v| !v.is_empty()) {
        count += 1;
        for (format, fit) in formats.iter().zip(&mut fits) {
            if format.read(value).is_some() {
                *fit += 1;
            }
        }
    }
    let best = fits.iter().copied().max().unwrap_or(0);
    let orders: Vec<Option<bool>> = formats
        .iter()
        .zip(&fits)
        .filter(|&(_, &fit)| best > 0 && fit == best)
        .map(|(format, _)| format.day_first())
        .collect();
    let mut found: Vec<FormatFit> = formats
        .iter()
        .zip(&fits)
        .filter(|&(_, &fit)| fit > 0)
        .map(|(format, &fits)| FormatFit {
            pattern: format.pattern.clone(),
            fits,
        })
        .collect();
    found.sort_by_key(|fit| std::cmp::Reverse(fit.fits));
    DateFits {
        values: count,
        formats: found,
        ambiguous: orders.contains(&Some(true)) && orders.contains(&Some(false)),
    }
}

/// The offered date and timestamp formats, read once.
fn offered() -> &'static [DateFormat] {
    static OFFERED: OnceLock<Vec<DateFormat>> = OnceLock::new();
    OFFERED.get_or_init(|| {
        DATE_FORMATS
            .iter()
            .chain(TIMESTAMP_FORMATS)
            .filter_map(|pattern| DateFormat::new(pattern).ok())
            .collect()
    })
}

/// What a column's values (those of the first records) say about dates, for the mapping
/// step: the formats they fit, `chosen` (the column's format, when it is a custom field of
/// dates) first whatever it reads. `None` for a column that is not one of dates: no format
/// chosen, and none of its first distinct values (`shown`) fits an offered format.
pub(crate) fn column_fits(
    chosen: Option<&DateFormat>,
    shown: &[String],
    values: &[String],
) -> Option<DateFits> {
    let offered = offered();
    // Every date has at least four digits (a year); most values without them are names.
    let could_be_date = |value: &String| value.bytes().filter(u8::is_ascii_digit).count() >= 4;
    if chosen.is_none()
        && !shown
            .iter()
            .filter(|value| could_be_date(value))
            .any(|value| offered.iter().any(|format| format.read(value).is_some()))
    {
        return None;
    }
    let formats: Vec<DateFormat> = chosen
        .into_iter()
        .chain(offered.iter().filter(|format| Some(*format) != chosen))
        .cloned()
        .collect();
    let mut fits = fits_of(&formats, values.iter().map(String::as_str));
    if let Some(chosen) = chosen {
        // The chosen format comes first, even when it reads nothing, so the step can say so.
        let fit = match fits
            .formats
            .iter()
            .position(|fit| fit.pattern == chosen.pattern)
        {
            Some(at) => fits.formats.remove(at),
            None => FormatFit {
                pattern: chosen.pattern.clone(),
                fits: 0,
            },
        };
        fits.formats.insert(0, fit);
    }
    Some(fits)
}

/// Whether most of the values (four in five, empty ones aside, three at least) are dates or
/// timestamps in one of the offered formats: such a column is dates, whatever else its
/// values might pass for (`2024-02-02` has the digits and dashes of a phone number).
pub fn looks_like_dates(values: &[&str]) -> bool {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() < 3 {
        return false;
    }
    offered().iter().any(|format| {
        let fit = values.iter().filter(|v| format.read(v).is_some()).count();
        fit * 5 >= values.len() * 4
    })
}
