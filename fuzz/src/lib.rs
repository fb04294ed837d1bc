//! Helpers shared by the fuzz targets: the decisions a target reads from the first bytes of its
//! input, and chunk sizes for feeding the rest.
//!
//! Every target starts its input with a few control bytes (see each target); the rest is the
//! file. A control byte of 0 always means "the default" (detect the encoding, detect the
//! delimiter, feed the file whole), so a seed is a file with zero bytes in front of it.

use encoding_rs::Encoding;

/// Encodings a caller can choose instead of detection (index 0: detect).
pub const ENCODINGS: [Option<&Encoding>; 9] = [
    None,
    Some(encoding_rs::UTF_8),
    Some(encoding_rs::WINDOWS_1252),
    Some(encoding_rs::UTF_16LE),
    Some(encoding_rs::UTF_16BE),
    Some(encoding_rs::ISO_8859_2),
    Some(encoding_rs::SHIFT_JIS),
    Some(encoding_rs::GB18030),
    Some(encoding_rs::BIG5),
];

/// The delimiters Leadpack detects.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Splits an input into its control bytes (zero-padded when the input is shorter) and the file.
pub fn split<const N: usize>(data: &[u8]) -> ([u8; N], &[u8]) {
    let mut control = [0u8; N];
    let n = data.len().min(N);
    control[..n].copy_from_slice(&data[..n]);
    (control, &data[n..])
}

/// The encoding chosen by a control byte (or detection).
pub fn encoding(byte: u8) -> Option<&'static Encoding> {
    ENCODINGS[usize::from(byte) % ENCODINGS.len()]
}

/// The delimiter chosen by a control byte: 0 detects; small values pick a usual delimiter;
/// the others any byte `leadpack --delimiter` accepts (one ASCII character, not a quote or a
/// line break).
pub fn delimiter(byte: u8) -> Option<u8> {
    match byte {
        0 => None,
        1..=4 => Some(DELIMITERS[usize::from(byte) - 1]),
        other => {
            let c = other & 0x7F;
            (c != b'"' && c != b'\r' && c != b'\n').then_some(c)
        }
    }
}

/// Chunk sizes drawn from a seed: 0 means "whole" (one chunk). Otherwise sizes vary between 0
/// (an empty chunk, never twice in a row) and a maximum the seed picks, so boundaries fall
/// inside characters, quotes, line ends and byte order marks.
pub struct Chunker {
    state: u32,
    max: usize,
    last_empty: bool,
}

impl Chunker {
    /// A chunker for `seed`; `None` for seed 0 (feed the file whole).
    pub fn new(seed: u16) -> Option<Chunker> {
        if seed == 0 {
            return None;
        }
        const MAXIMA: [usize; 8] = [1, 2, 3, 5, 16, 64, 700, 4096];
        Some(Chunker {
            state: u32::from(seed).wrapping_mul(0x9E37_79B9) | 1,
            max: MAXIMA[usize::from(seed & 7)],
            last_empty: true,
        })
    }

    /// The size of the next chunk.
    pub fn next_size(&mut self) -> usize {
        // xorshift32
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        let mut size = self.state as usize % (self.max + 1);
        if size == 0 && self.last_empty {
            size = 1;
        }
        self.last_empty = size == 0;
        size
    }

    /// Cuts `bytes` into chunks of the drawn sizes, calling `each` on each (empty ones included).
    pub fn for_each<E>(
        &mut self,
        mut bytes: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !bytes.is_empty() {
            let (chunk, rest) = bytes.split_at(self.next_size().min(bytes.len()));
            each(chunk)?;
            bytes = rest;
        }
        Ok(())
    }
}

/// The largest single allocation a target may make. Inputs are at most 16 KiB, and DEFLATE
/// expands at most about 1,000 times, so anything past this is out of proportion to the input:
/// a tiny file would make the web worker reserve memory it may not have.
pub const MAX_ALLOCATION: usize = 32 << 20;

/// The system allocator, aborting (so that libFuzzer saves the input) on an allocation larger
/// than [`MAX_ALLOCATION`]. It works without a sanitizer, unlike libFuzzer's `-malloc_limit_mb`.
pub struct LimitedAllocator;

impl LimitedAllocator {
    #[cold]
    fn too_large(size: usize) -> ! {
        use std::io::Write;
        // No allocation here: the message is formatted straight to the unbuffered stderr.
        let _ = writeln!(
            std::io::stderr(),
            "==leadpack-fuzz== an allocation of {size} bytes, more than the {MAX_ALLOCATION} allowed"
        );
        std::process::abort()
    }
}

// SAFETY: every call is passed on unchanged to the system allocator, or aborts.
unsafe impl std::alloc::GlobalAlloc for LimitedAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            Self::too_large(layout.size());
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            Self::too_large(layout.size());
        }
        // SAFETY: as above.
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            Self::too_large(new_size);
        }
        // SAFETY: as above.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}
