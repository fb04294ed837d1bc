//! Date and timestamp formats in the Data Mapping Tool's letters: which values fit, which
//! formats a column's values fit, and columns of dates never taken for phone numbers.

use crate::util::check_with;
use leadpack_engine::{
    CheckOptions, DATE_FORMATS, DateFormat, Field, Moment, TIMESTAMP_FORMATS, fitting_formats,
    looks_like_dates,
};

fn format(pattern: &str) -> DateFormat {
    DateFormat::new(pattern).unwrap_or_else(|error| panic!("{error}"))
}

fn date(year: u16, month: u8, day: u8) -> Moment {
    Moment {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        offset: None,
    }
}

#[test]
fn every_offered_format_is_a_valid_format() {
    for pattern in DATE_FORMATS {
        assert!(!format(pattern).has_time(), "{pattern}");
    }
    for pattern in TIMESTAMP_FORMATS {
        assert!(format(pattern).has_time(), "{pattern}");
    }
}

#[test]
fn a_date_is_read_in_the_order_its_format_gives() {
    let cases: &[(&str, &str, Moment)] = &[
        ("yyyy-MM-dd", "2024-02-29", date(2024, 2, 29)),
        ("dd/MM/yyyy", "03/04/2024", date(2024, 4, 3)),
        ("MM/dd/yyyy", "03/04/2024", date(2024, 3, 4)),
        // One digit where the format has two, when a separator follows.
        ("dd/MM/yyyy", "3/4/2024", date(2024, 4, 3)),
        ("d.M.yyyy", "31.12.1999", date(1999, 12, 31)),
        ("yyyyMMdd", "20240131", date(2024, 1, 31)),
        // Two-digit years as spreadsheets read them.
        ("dd/MM/yy", "01/02/29", date(2029, 2, 1)),
        ("dd/MM/yy", "01/02/30", date(1930, 2, 1)),
        ("dd/MM/yy", "01/02/99", date(1999, 2, 1)),
        // Month names in English and French, any case, shortened, with or without accents.
        ("d MMM yyyy", "5 Feb 2024", date(2024, 2, 5)),
        ("d MMM yyyy", "5 févr. 2024", date(2024, 2, 5)),
        ("d MMMM yyyy", "1 AOÛT 2024", date(2024, 8, 1)),
        ("d MMMM yyyy", "1 aout 2024", date(2024, 8, 1)),
        ("MMM d, yyyy", "Sept. 9, 2024", date(2024, 9, 9)),
        ("MMMM d, yyyy", "December 25, 2024", date(2024, 12, 25)),
        ("EEEE d MMMM yyyy", "mardi 5 mars 2024", date(2024, 3, 5)),
        // Quoted text and surrounding spaces.
        ("'le' dd/MM/yyyy", "  le 05/03/2024 ", date(2024, 3, 5)),
    ];
    for (pattern, value, expected) in cases {
        assert_eq!(
            format(pattern).read(value),
            Some(*expected),
            "{value} as {pattern}"
        );
    }
}

#[test]
fn a_value_that_is_not_a_real_date_in_its_format_does_not_fit() {
    let cases: &[(&str, &str)] = &[
        ("yyyy-MM-dd", "2023-02-29"),
        ("yyyy-MM-dd", "1900-02-29"),
        ("yyyy-MM-dd", "2024-04-31"),
        ("yyyy-MM-dd", "2024-13-01"),
        ("yyyy-MM-dd", "2024-00-10"),
        ("yyyy-MM-dd", "2024-01-00"),
        ("yyyy-MM-dd", "0000-01-01"),
        ("dd/MM/yyyy", "13/13/2024"),
        // The wrong separator, a short year, something after the date.
        ("dd/MM/yyyy", "03-04-2024"),
        ("dd/MM/yyyy", "03/04/24"),
        ("dd/MM/yyyy", "03/04/2024 10:00"),
        ("dd/MM/yy", "03/04/2024"),
        ("dd/MM/yyyy", "003/04/2024"),
        ("yyyyMMdd", "2024013"),
        ("yyyyMMdd", "202401311"),
        ("d MMM yyyy", "5 Fbr 2024"),
        ("dd/MM/yyyy", ""),
        ("dd/MM/yyyy", "+1 416 555 0199"),
    ];
    for (pattern, value) in cases {
        assert_eq!(format(pattern).read(value), None, "{value} as {pattern}");
    }
    // 2000 was a leap year, 2100 will not be.
    assert!(format("yyyy-MM-dd").read("2000-02-29").is_some());
    assert!(format("yyyy-MM-dd").read("2100-02-29").is_none());
}

#[test]
fn a_timestamp_is_read_with_its_time_and_offset_and_written_in_one_form() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "yyyy-MM-dd HH:mm:ss",
            "2024-02-05 17:04:09",
            "2024-02-05 17:04:09",
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ss",
            "2024-02-05T00:00:00",
            "2024-02-05 00:00:00",
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ssXXX",
            "2024-02-05T17:04:09Z",
            "2024-02-05 17:04:09Z",
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ssXXX",
            "2024-02-05T17:04:09-05:00",
            "2024-02-05 17:04:09-05:00",
        ),
        (
            "yyyy-MM-dd HH:mm:ss Z",
            "2024-02-05 17:04:09 +0530",
            "2024-02-05 17:04:09+05:30",
        ),
        (
            "yyyy-MM-dd HH:mm z",
            "2024-02-05 17:04 UTC",
            "2024-02-05 17:04:00Z",
        ),
        (
            "MM/dd/yyyy hh:mm a",
            "02/05/2024 12:30 AM",
            "2024-02-05 00:30:00",
        ),
        (
            "MM/dd/yyyy hh:mm a",
            "02/05/2024 12:30 pm",
            "2024-02-05 12:30:00",
        ),
        (
            "MM/dd/yyyy hh:mm a",
            "02/05/2024 01:30 p.m.",
            "2024-02-05 13:30:00",
        ),
        (
            "yyyy-MM-dd HH:mm:ss.SSS",
            "2024-02-05 17:04:09.250",
            "2024-02-05 17:04:09.250",
        ),
        // Every value of a column in one form: thousandths written even when they are zero.
        (
            "yyyy-MM-dd HH:mm:ss.SSS",
            "2024-02-05 17:04:09.000",
            "2024-02-05 17:04:09.000",
        ),
        (
            "yyyy-MM-dd HH:mm:ss.S",
            "2024-02-05 17:04:09.5",
            "2024-02-05 17:04:09.500",
        ),
        (
            "yyyy-MM-dd HH:mm:ss.SSSXXX",
            "2024-02-05 17:04:09.001+01:00",
            "2024-02-05 17:04:09.001+01:00",
        ),
    ];
    for (pattern, value, written) in cases {
        let format = format(pattern);
        let moment = format
            .read(value)
            .unwrap_or_else(|| panic!("{value} as {pattern}"));
        assert_eq!(format.write(&moment), *written, "{value} as {pattern}");
        assert_eq!(moment.date_text(), "2024-02-05");
    }
    assert_eq!(format("dd/MM/yyyy").write(&date(2024, 2, 5)), "2024-02-05");
    for (pattern, written) in [
        ("dd/MM/yyyy", "yyyy-MM-dd"),
        ("MM/dd/yyyy hh:mm a", "yyyy-MM-dd HH:mm:ss"),
        ("yyyy-MM-dd HH:mm:ss.S", "yyyy-MM-dd HH:mm:ss.SSS"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd HH:mm:ssXXX"),
        ("yyyy-MM-dd HH:mm:ss.SSS Z", "yyyy-MM-dd HH:mm:ss.SSSXXX"),
    ] {
        assert_eq!(format(pattern).written_pattern(), written, "{pattern}");
    }
    let bad: &[(&str, &str)] = &[
        ("yyyy-MM-dd HH:mm:ss", "2024-02-05 24:00:00"),
        ("yyyy-MM-dd HH:mm:ss", "2024-02-05 23:60:00"),
        ("yyyy-MM-dd HH:mm:ss", "2024-02-05 23:59:60"),
        ("MM/dd/yyyy hh:mm a", "02/05/2024 13:30 PM"),
        ("MM/dd/yyyy hh:mm a", "02/05/2024 00:30 AM"),
        ("MM/dd/yyyy hh:mm a", "02/05/2024 10:30"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2024-02-05 17:04:09.25"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-02-05T17:04:09+19:00"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-02-05T17:04:09+05:60"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-02-05T17:04:09"),
    ];
    for (pattern, value) in bad {
        assert_eq!(format(pattern).read(value), None, "{value} as {pattern}");
    }
}

#[test]
fn a_pattern_that_is_not_a_date_format_says_what_to_write() {
    let cases: &[(&str, &str)] = &[
        ("dd/MM", "needs a year (yyyy), a month (MM) and a day (dd)"),
        ("HH:mm", "needs a year (yyyy), a month (MM) and a day (dd)"),
        ("yyyy-MM-dd'T", "quote that is never closed"),
        ("yyyy-MM-dd Q", "letter “Q”, which is not a date letter"),
        ("jj/MM/aaaa", "letter “j”, which is not a date letter"),
        (
            "dd/MM/yyyy à HH:mm",
            "letter “à”, which is not a date letter: put words between single quotes ('à')",
        ),
        ("ddd/MM/yyyy", "“ddd”: write d at most twice"),
        (
            "dd/MM/yyyy hh:mm",
            "use hh with a (03:30 PM), or HH alone (15:30)",
        ),
        (
            "dd/MM/yyyy HH:mm a",
            "use hh with a (03:30 PM), or HH alone (15:30)",
        ),
    ];
    for (pattern, problem) in cases {
        let error = DateFormat::new(pattern).expect_err(pattern);
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("The date format “{pattern}” ")),
            "{message}"
        );
        assert!(message.contains(problem), "{pattern}: {message}");
    }
    // Quoted words, a quote written twice, and letters in quotes are all fine.
    let quoted = format("'Day' d 'of' MMMM yyyy, h 'o''clock' a");
    assert!(quoted.has_time());
    assert_eq!(
        quoted
            .read("Day 5 of March 2024, 3 o'clock PM")
            .map(|m| quoted.write(&m)),
        Some("2024-03-05 15:00:00".into())
    );
}

#[test]
fn the_formats_offered_are_those_the_values_fit_best_first() {
    let iso = ["2024-02-02", "2023-12-31", "", "1999-07-14"];
    let fits = fitting_formats(DATE_FORMATS, iso);
    assert_eq!(fits.values, 3, "empty values are not counted");
    assert_eq!(fits.fitting_all().collect::<Vec<_>>(), ["yyyy-MM-dd"]);
    assert!(!fits.ambiguous);

    // Days past 12 say which order is meant.
    let day_first = ["25/12/2024", "03/04/2024", "1/2/2024"];
    let fits = fitting_formats(DATE_FORMATS, day_first);
    assert_eq!(fits.fitting_all().collect::<Vec<_>>(), ["dd/MM/yyyy"]);
    assert!(!fits.ambiguous);

    // Every day at most 12: day-first and month-first fit alike.
    let either = ["03/04/2024", "12/11/2024", "01/02/2024"];
    let fits = fitting_formats(DATE_FORMATS, either);
    assert_eq!(
        fits.fitting_all().collect::<Vec<_>>(),
        ["dd/MM/yyyy", "MM/dd/yyyy"]
    );
    assert!(fits.ambiguous);

    // A stray value: no format fits all, the best come first with what they read.
    let mixed = ["2024-02-02", "2024-03-03", "next week", "02/03/2024"];
    let fits = fitting_formats(DATE_FORMATS, mixed);
    assert_eq!(fits.fitting_all().count(), 0);
    let listed: Vec<(&str, usize)> = fits
        .formats
        .iter()
        .map(|fit| (fit.pattern.as_str(), fit.fits))
        .collect();
    assert_eq!(
        listed,
        [("yyyy-MM-dd", 2), ("dd/MM/yyyy", 1), ("MM/dd/yyyy", 1)]
    );
    // The best reads only ISO dates: one order, so nothing is ambiguous.
    assert!(!fits.ambiguous);

    // Values that are no dates at all fit nothing.
    let fits = fitting_formats(DATE_FORMATS, ["Zoë", "Lee"]);
    assert_eq!(
        (fits.values, fits.formats.len(), fits.ambiguous),
        (2, 0, false)
    );
    let fits = fitting_formats(DATE_FORMATS, [" ", ""]);
    assert_eq!((fits.values, fits.formats.len()), (0, 0));
}

#[test]
fn dates_are_recognised_whatever_else_their_characters_look_like() {
    assert!(looks_like_dates(&[
        "2024-02-02",
        "2023-12-31",
        "1999-07-14"
    ]));
    assert!(looks_like_dates(&[
        "2024-02-02 10:00:00",
        "2023-12-31 23:59:59",
        "1999-07-14 00:00:00"
    ]));
    // Four in five are enough; three values at least.
    assert!(looks_like_dates(&[
        "02/03/2024",
        "12/11/2024",
        "01/02/2024",
        "31/01/2024",
        "soon",
        ""
    ]));
    assert!(!looks_like_dates(&[
        "02/03/2024",
        "12/11/2024",
        "soon",
        "later"
    ]));
    assert!(!looks_like_dates(&["2024-02-02", "2023-12-31", ""]));
    assert!(!looks_like_dates(&[
        "416-555-0199",
        "514-555-0142",
        "647-555-0123"
    ]));
}

#[test]
fn a_column_of_dates_is_never_taken_for_phone_numbers() {
    // Phone is taken by its header; an unnamed column of ISO dates has the digits and dashes
    // of phone numbers, but is no extra phone (a Telcoms entry) and no phone at all.
    let with_phone = "ID,Name,Last Name,Phone,Since\n\
        1,Zoë,Lee,416-555-0199,2024-02-02\n\
        2,Marc,Tremblay,514-555-0142,2023-12-31\n\
        3,Raj,Patel,647-555-0123,1999-07-14\n";
    let report = check_with(with_phone, CheckOptions::default());
    let since = &report.columns[4].column;
    assert_eq!(
        (since.field, since.wanted, since.note.as_deref()),
        (None, None, None)
    );

    // Without a Phone column, the dates are not taken for one either; real phones still are.
    for (values, field) in [
        (["2024-02-02", "2023-12-31", "1999-07-14"], None),
        (["02.03.2024", "31.12.2023", "14.07.1999"], None),
        (
            ["416-555-0199", "514-555-0142", "647-555-0123"],
            Some(Field::Phone),
        ),
    ] {
        let text = format!(
            "ID,First Name,Last Name,Email,Other\n1,Zoë,Lee,z@example.com,{}\n2,Marc,Tremblay,m@example.com,{}\n3,Raj,Patel,r@example.com,{}\n",
            values[0], values[1], values[2]
        );
        let report = check_with(&text, CheckOptions::default());
        assert_eq!(report.columns[4].column.field, field, "{values:?}");
    }
}
