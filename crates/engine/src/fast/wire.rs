//! The byte layout of what crosses between the app's two workers in one buffer (rows for the
//! package assembler, records to screen and what the screening found): numbers little-endian,
//! at fixed widths, one after the other. Writing appends to a `Vec<u8>`; reading checks every
//! length, so a damaged buffer reads as `None`, never as a panic.

/// Appends `value`, 4 bytes.
pub fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends `value`, 8 bytes.
pub fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Reads a buffer written with the `put_` functions, front to back.
#[derive(Debug, Clone, Copy)]
pub struct WireReader<'a> {
    rest: &'a [u8],
}

impl<'a> WireReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        WireReader { rest: bytes }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let (bytes, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(bytes)
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    pub fn u8(&mut self) -> Option<u8> {
        let (&byte, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(byte)
    }

    pub fn u32(&mut self) -> Option<u32> {
        let (bytes, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(u32::from_le_bytes(*bytes))
    }

    pub fn u64(&mut self) -> Option<u64> {
        let (bytes, rest) = self.rest.split_first_chunk::<8>()?;
        self.rest = rest;
        Some(u64::from_le_bytes(*bytes))
    }

    /// A 4-byte length or offset, as a `usize`.
    pub fn len(&mut self) -> Option<usize> {
        self.u32().and_then(|len| usize::try_from(len).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_a_short_buffer_reads_as_none() {
        let mut out = Vec::new();
        put_u32(&mut out, 7);
        put_u64(&mut out, u64::MAX - 1);
        out.push(3);
        out.extend_from_slice(b"abc");
        let mut reader = WireReader::new(&out);
        assert_eq!(reader.u32(), Some(7));
        assert_eq!(reader.u64(), Some(u64::MAX - 1));
        assert_eq!(reader.u8(), Some(3));
        assert_eq!(reader.bytes(4), None, "only three bytes are left");
        assert_eq!(reader.bytes(3), Some(&b"abc"[..]));
        assert!(reader.is_empty());
        assert_eq!(reader.u8(), None);

        let mut short = WireReader::new(&out[..6]);
        assert_eq!(short.u32(), Some(7));
        assert_eq!(short.u64(), None);
    }
}
