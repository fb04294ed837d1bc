//! Human-readable sizes, shared by every front end so they all print the same figures.

/// Formats a byte count the way people read file sizes: `512 bytes`, `1.5 KB`, `12.3 MB`.
///
/// Uses powers of 1000, as file managers and the CRM's "10 MB" package limit do.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return if bytes == 1 {
            "1 byte".to_string()
        } else {
            format!("{bytes} bytes")
        };
    }
    // Tenths of the unit, rounded half up, in whole numbers: no floating point, whose
    // formatting code would make the web page's download larger.
    let tenths_of = |divisor: u64| bytes / divisor + u64::from(bytes % divisor >= divisor / 2);
    let mut divisor = 100;
    let mut unit = 0;
    let mut tenths = tenths_of(divisor);
    while tenths >= 10_000 && unit + 1 < UNITS.len() {
        divisor *= 1000;
        unit += 1;
        tenths = tenths_of(divisor);
    }
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::format_size;

    #[test]
    fn small_sizes_are_shown_in_bytes() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1), "1 byte");
        assert_eq!(format_size(999), "999 bytes");
    }

    #[test]
    fn larger_sizes_use_decimal_units() {
        assert_eq!(format_size(1000), "1.0 KB");
        assert_eq!(format_size(1536), "1.5 KB");
        assert_eq!(format_size(10_000_000), "10.0 MB");
        assert_eq!(format_size(999_999), "1.0 MB");
        assert_eq!(format_size(2_500_000_000), "2.5 GB");
    }

    #[test]
    fn sizes_round_to_the_nearest_tenth() {
        assert_eq!(format_size(1049), "1.0 KB");
        assert_eq!(format_size(1050), "1.1 KB");
        assert_eq!(format_size(999_949), "999.9 KB");
        assert_eq!(format_size(999_950), "1.0 MB");
        assert_eq!(format_size(9_999_999), "10.0 MB");
        assert_eq!(format_size(123_456_789_012), "123.5 GB");
        assert_eq!(format_size(999_950_000_000_000), "1000.0 TB");
        assert_eq!(format_size(u64::MAX), "18446744.1 TB");
    }
}
