//! Large memory pages for the big tables of a check.
//!
//! A check of a file of a million leads keeps tables of tens of megabytes that it reads at
//! random (the IDs, emails and phones seen so far). In ordinary pages of 4 KB, each new page
//! costs a call into the system the first time it is touched, and most lookups miss the
//! processor's address cache. Linux can back such memory with 2 MB pages instead, when asked;
//! elsewhere (and in the browser) this does nothing.

/// Asks for large pages behind the spare room of `vec` (memory not touched yet). A hint: the
/// system may refuse it, and nothing changes but speed.
pub fn prefer_large_pages<T>(vec: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const LARGE: usize = 2 << 20;
        const PAGE: usize = 4096;
        let spare = vec.spare_capacity_mut();
        let bytes = std::mem::size_of_val(spare);
        if bytes < LARGE {
            return;
        }
        let start = spare.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(PAGE);
        let len = (start + bytes - aligned) / PAGE * PAGE;
        // SAFETY: the range lies within `vec`'s allocation, which this function borrows
        // mutably; MADV_HUGEPAGE only changes how the system backs the memory, never what it
        // holds, and a refusal is reported by a return value that is rightly ignored.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = vec;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_changes_neither_contents_nor_room() {
        for room in [0, 100, 3 << 20, (5 << 20) + 3] {
            let mut vec: Vec<u8> = Vec::with_capacity(room);
            vec.extend((0..room.min(1000)).map(|i| i as u8));
            let capacity = vec.capacity();
            prefer_large_pages(&mut vec);
            assert_eq!(vec.capacity(), capacity);
            vec.resize(room, 7);
            assert!(
                vec.iter()
                    .take(1000)
                    .enumerate()
                    .all(|(i, &b)| b == i as u8)
            );
            assert!(vec.iter().skip(1000).all(|&b| b == 7));
        }
    }
}
