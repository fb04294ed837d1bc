//! Where a scrolled list of rows is: which row is first in view for a scroll position, and the
//! reverse. Browsers cannot lay out an element millions of rows tall, so past a height the
//! scrolled area stops growing and a scrolled pixel moves more than one row.

/// The height of a row, in CSS pixels (as `.grid-row` in the style sheet).
pub const ROW_HEIGHT: f64 = 34.0;
/// The rows in view.
pub const VIEW_ROWS: u64 = 14;
/// The tallest the scrolled area is made: beyond it, a scrolled pixel moves more than one row
/// (browsers cannot lay out an element millions of rows tall).
pub const MAX_SCROLL: f64 = 8_000_000.0;

/// Where the scrolled area is: the first row in view, and where the rows are drawn.
pub fn first_row(top: f64, total: u64) -> (u64, f64) {
    let height = total as f64 * ROW_HEIGHT;
    if height <= MAX_SCROLL {
        let first = ((top / ROW_HEIGHT).floor().max(0.0) as u64).min(total.saturating_sub(1));
        (first, first as f64 * ROW_HEIGHT)
    } else {
        let view = VIEW_ROWS as f64 * ROW_HEIGHT;
        let share = (top / (MAX_SCROLL - view)).clamp(0.0, 1.0);
        let first = (share * total.saturating_sub(VIEW_ROWS) as f64).round() as u64;
        (first, top.min(MAX_SCROLL - view))
    }
}

/// Where to scroll for `first` to be the first row in view.
pub fn top_for(first: u64, total: u64) -> f64 {
    let height = total as f64 * ROW_HEIGHT;
    if height <= MAX_SCROLL {
        first as f64 * ROW_HEIGHT
    } else {
        let view = VIEW_ROWS as f64 * ROW_HEIGHT;
        first as f64 / total.saturating_sub(VIEW_ROWS).max(1) as f64 * (MAX_SCROLL - view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_file_scrolls_a_row_per_row_height() {
        assert_eq!(first_row(0.0, 100), (0, 0.0));
        assert_eq!(first_row(ROW_HEIGHT * 10.5, 100), (10, ROW_HEIGHT * 10.0));
        assert_eq!(top_for(10, 100), ROW_HEIGHT * 10.0);
    }

    #[test]
    fn a_long_file_scrolls_to_its_last_rows() {
        let total = 5_000_000;
        let view = VIEW_ROWS as f64 * ROW_HEIGHT;
        assert_eq!(first_row(0.0, total).0, 0);
        assert_eq!(first_row(MAX_SCROLL - view, total).0, total - VIEW_ROWS);
        let middle = top_for(2_000_000, total);
        assert!(middle < MAX_SCROLL);
        assert_eq!(first_row(middle, total).0, 2_000_000);
    }
}
