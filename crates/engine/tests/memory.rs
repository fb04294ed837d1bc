//! How much memory a check takes, measured by the allocator: a file where every row has
//! findings must not take many times its size. (Its own test binary, so that no other test
//! allocates meanwhile.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use leadpack_engine::{CheckOptions, FileChecker, ReadOptions, Rule};

/// The system allocator, counting the bytes in use and the most ever in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only counts are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, size) };
        if !moved.is_null() {
            if size >= layout.size() {
                let now = IN_USE.fetch_add(size - layout.size(), Ordering::Relaxed)
                    + (size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: usize = 1_000_000;
const HEADER: &str = "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code,Notes\n";

/// Checks a file of `size` bytes made of `row(i)` lines, fed in 1 MiB pieces made as they are
/// needed (the file is never whole in memory): the most memory in use meanwhile, beyond what
/// was in use before, and how many findings of `rule` it found.
fn peak_of_check(size: usize, row: impl Fn(usize) -> String, rule: Rule) -> (usize, usize) {
    let options = CheckOptions {
        read: ReadOptions {
            size_hint: Some(size as u64),
            ..ReadOptions::default()
        },
        ..CheckOptions::default()
    };
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut checker = FileChecker::new("leads.csv", options);
    let mut piece = String::from(HEADER);
    let mut fed = 0;
    let mut i = 0;
    while fed < size {
        while piece.len() < 1 << 20 && fed + piece.len() < size {
            piece.push_str(&row(i));
            i += 1;
        }
        checker.feed(piece.as_bytes()).expect("readable");
        fed += piece.len();
        piece.clear();
    }
    let report = checker.finish().expect("readable");
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert_eq!(report.summary.records as usize, i);
    let found = report.issues.count(|f| f.rule == rule);
    drop(report);
    (peak, found)
}

#[test]
fn a_check_takes_at_most_one_and_a_half_times_the_file_and_64_mb_however_many_findings() {
    let size = 12 * MB;
    let bound = size * 3 / 2 + 64 * MB;
    // One lead again and again: an ID used before and a likely duplicate on every row.
    let same = |_| "L1,Ann,Lee,ann@example.com,+1 416 555 0199,,,Acme,,,\n".to_string();
    // Every row different, with findings on its values: a company too long, a hidden
    // character, an email without a domain ending, an unknown segment, a formula in Notes.
    let different = |i: usize| {
        format!(
            "D{i},Zoë\u{a0},Lee{i},zoe{i}@example,+1 416 555 {:04},Retired {i},,\
             Company {i} with a name far longer than the sixty characters the CRM keeps,,,=SUM(A{i})\n",
            i % 10_000
        )
    };
    for (name, row, rule) in [
        (
            "one lead repeated",
            &same as &dyn Fn(usize) -> String,
            Rule::DuplicateId,
        ),
        ("findings on every value", &different, Rule::TooLong),
    ] {
        let (peak, found) = peak_of_check(size, row, rule);
        eprintln!(
            "{name}: {found} {rule} findings, {:.1} MB at most for a file of {} MB",
            peak as f64 / MB as f64,
            size / MB
        );
        assert!(found > 50_000, "{name}: {found}");
        assert!(
            peak <= bound,
            "{name}: {peak} bytes at most, more than {bound} (1.5 × the file + 64 MB)"
        );
    }
}
