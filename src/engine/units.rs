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
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
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
}
