//! Character encodings: detecting a file's encoding from its first bytes, and decoding it to
//! UTF-8 chunk by chunk, so characters split across chunks come out whole.
//!
//! It does not split records or fields; that is the reader's job.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::text::error::ReadErrorKind;
use crate::text::guess::{self, RunnerUp};

/// How many bytes of the start of a file decide its encoding and dialect. Fixed, so the outcome
/// does not depend on how the caller chunks the input.
pub const SNIFF_BYTES: usize = 1 << 20;

/// Why an encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// The caller (the user) chose it.
    Chosen,
    /// A byte order mark at the start of the file names it.
    ByteOrderMark,
    /// Every byte of the sample is valid UTF-8.
    ValidUtf8,
    /// The sample holds bytes that are not UTF-8, but its valid UTF-8 letters show that it is
    /// UTF-8 (a file pasted together from a UTF-8 export and another).
    MostlyUtf8,
    /// The zero bytes of the sample follow the pattern of UTF-16 text without a byte order mark.
    Utf16Pattern,
    /// The sample is not UTF-8: it is read in the single-byte encoding (Windows-1252,
    /// ISO-8859-15 or Mac Roman) whose reading of its letters is the most plausible.
    SingleByte,
}

/// The outcome of encoding detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The encoding the file is read in.
    pub encoding: &'static Encoding,
    /// Why.
    pub source: EncodingSource,
    /// Whether the file starts with a byte order mark (it is skipped when reading).
    pub bom: bool,
    /// For a single-byte encoding: the one that came next, when another reads the file
    /// differently.
    pub runner_up: Option<RunnerUp>,
}

/// The WHATWG label of an encoding in lower case, as reports write it (`utf-8`, `windows-1252`).
pub fn label(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_lowercase()
}

/// The encoding a user means by `label` (`utf-8`, `cp1252`, `latin1`, `utf-16le`, …).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let trimmed = label.trim();
    let normalised = trimmed.to_ascii_lowercase().replace('_', "-");
    match normalised.as_str() {
        "cp-1252" | "cp1252" | "windows1252" | "win-1252" | "ansi" => Some(WINDOWS_1252),
        "utf8" => Some(UTF_8),
        "utf16le" | "utf-16" => Some(UTF_16LE),
        "utf16be" => Some(UTF_16BE),
        // Labels such as iso-2022-kr name WHATWG's "replacement" encoding, which reads nothing.
        _ => Encoding::for_label(normalised.as_bytes()).filter(|encoding| {
            *encoding != encoding_rs::REPLACEMENT && *encoding != encoding_rs::X_USER_DEFINED
        }),
    }
}

/// Known binary formats, by their first bytes.
const SIGNATURES: &[(&[u8], &str, &str)] = &[
    (
        b"PK\x03\x04",
        "an Excel workbook (.xlsx) or another ZIP archive",
        "Open it in Excel and use File > Save As > CSV UTF-8, then choose the CSV file.",
    ),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "an old Excel workbook (.xls)",
        "Open it in Excel and use File > Save As > CSV UTF-8, then choose the CSV file.",
    ),
    (
        b"\x89PNG\r\n\x1A\n",
        "a PNG image",
        "Choose the CSV file that holds your leads.",
    ),
    (
        b"\xFF\xD8\xFF",
        "a JPEG image",
        "Choose the CSV file that holds your leads.",
    ),
    (
        b"GIF8",
        "a GIF image",
        "Choose the CSV file that holds your leads.",
    ),
    (
        b"%PDF",
        "a PDF document",
        "Export the leads from their source as CSV instead.",
    ),
    (
        b"\x1F\x8B",
        "a compressed (gzip) file",
        "Unpack it first, then choose the CSV file inside.",
    ),
];

/// Detects the encoding of a file from its first bytes (up to [`SNIFF_BYTES`]).
///
/// `complete` says whether `sample` is the whole file; if not, a UTF-8 character cut off at the
/// end of the sample is not held against UTF-8.
pub fn detect(sample: &[u8], complete: bool) -> Result<Detected, ReadErrorKind> {
    if sample.is_empty() {
        return Err(ReadErrorKind::Empty);
    }
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return Ok(Detected {
            encoding,
            source: EncodingSource::ByteOrderMark,
            bom: true,
            runner_up: None,
        });
    }
    if let Some((_, looks_like, advice)) = SIGNATURES
        .iter()
        .find(|(magic, _, _)| sample.starts_with(magic))
    {
        return Err(ReadErrorKind::Binary { looks_like, advice });
    }
    if let Some(encoding) = utf16_without_bom(sample) {
        return Ok(Detected {
            encoding,
            source: EncodingSource::Utf16Pattern,
            bom: false,
            runner_up: None,
        });
    }
    if let Some(offset) = memchr_nul(sample) {
        return Err(ReadErrorKind::NulBytes {
            offset: offset as u64,
        });
    }
    let utf8 = |source| Detected {
        encoding: UTF_8,
        source,
        bom: false,
        runner_up: None,
    };
    if valid_utf8(sample, complete) {
        return Ok(utf8(EncodingSource::ValidUtf8));
    }
    if guess::utf8_despite_strays(sample, complete) {
        return Ok(utf8(EncodingSource::MostlyUtf8));
    }
    let (encoding, runner_up) = guess::guess_single_byte(sample);
    Ok(Detected {
        encoding,
        source: EncodingSource::SingleByte,
        bom: false,
        runner_up,
    })
}

/// Whether every byte of `sample` is UTF-8 (a character cut off by the end of a sample that is
/// not the whole file does not count against it).
fn valid_utf8(sample: &[u8], complete: bool) -> bool {
    if simdutf8::basic::from_utf8(sample).is_ok() {
        return true;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(error) => !complete && error.error_len().is_none(),
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` searches bytes many at a time; the exact place is looked for only when found.
    const PIECE: usize = 4096;
    let piece = bytes.chunks(PIECE).position(|piece| piece.contains(&0))?;
    let start = piece * PIECE;
    bytes[start..]
        .iter()
        .position(|&b| b == 0)
        .map(|at| start + at)
}

/// UTF-16 text without a byte order mark: mostly-ASCII text has a zero in every other byte.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even_zero, mut odd_zero) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even_zero += usize::from(pair[0] == 0);
        odd_zero += usize::from(pair[1] == 0);
    }
    let share = |count: usize| count as f64 / pairs as f64;
    if share(odd_zero) > 0.4 && share(even_zero) < 0.05 {
        Some(UTF_16LE)
    } else if share(even_zero) > 0.4 && share(odd_zero) < 0.05 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Bytes that are not valid in the encoding a file is read in, and where their reading is in the
/// decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBytes {
    /// Where their reading starts in the decoded text, in bytes of UTF-8 since its start.
    pub offset: u64,
    /// How many bytes of the decoded text their reading takes: Windows-1252 letters in a UTF-8
    /// file, “�” in any other.
    pub len: u32,
}

/// Decodes a file to UTF-8, chunk by chunk.
///
/// UTF-8 input is checked rather than converted. Bytes that are not valid UTF-8 in a file read as
/// UTF-8 are read as Windows-1252 instead of being replaced, so no letter is lost; where their
/// reading is in the output is kept so the reader can name their rows and values.
pub struct TextDecoder {
    inner: Inner,
    /// The invalid byte sequences not taken yet, in the order of the text.
    invalid: Vec<InvalidBytes>,
    written: u64,
    bom_pending: bool,
}

enum Inner {
    Utf8 { pending: Vec<u8> },
    Other(encoding_rs::Decoder),
}

impl TextDecoder {
    /// A decoder for `encoding`, skipping a byte order mark of that encoding at the start.
    pub fn new(encoding: &'static Encoding) -> Self {
        Self::starting(encoding, true)
    }

    /// A decoder for `encoding` that starts inside a file (at the start of a record), where a
    /// byte order mark is a character like any other.
    pub fn resuming(encoding: &'static Encoding) -> Self {
        Self::starting(encoding, false)
    }

    /// A decoder for `encoding`; `at_start`: a byte order mark first is passed over.
    fn starting(encoding: &'static Encoding, at_start: bool) -> Self {
        let inner = match (encoding == UTF_8, at_start) {
            (true, _) => Inner::Utf8 {
                pending: Vec::new(),
            },
            (false, true) => Inner::Other(encoding.new_decoder_with_bom_removal()),
            (false, false) => Inner::Other(encoding.new_decoder_without_bom_handling()),
        };
        TextDecoder {
            inner,
            invalid: Vec::new(),
            written: 0,
            bom_pending: at_start && encoding == UTF_8,
        }
    }

    /// Decodes `input` and appends the UTF-8 text to `out`. `last` marks the end of the file.
    pub fn decode(&mut self, mut input: &[u8], last: bool, out: &mut String) {
        let start = out.len();
        match &mut self.inner {
            Inner::Utf8 { pending } => {
                if self.bom_pending {
                    // Wait until three bytes are there to tell a BOM from text.
                    if pending.len() + input.len() < 3 && !last {
                        pending.extend_from_slice(input);
                        return;
                    }
                    self.bom_pending = false;
                    if !pending.is_empty() {
                        let mut joined = std::mem::take(pending);
                        joined.extend_from_slice(input);
                        let body = joined.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&joined);
                        decode_utf8(body, last, pending, out, &mut self.invalid, self.written);
                        self.written += (out.len() - start) as u64;
                        return;
                    }
                    input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
                }
                if pending.is_empty() {
                    decode_utf8(input, last, pending, out, &mut self.invalid, self.written);
                } else {
                    // Complete the character that the previous chunk cut off.
                    let mut joined = std::mem::take(pending);
                    joined.extend_from_slice(input);
                    decode_utf8(&joined, last, pending, out, &mut self.invalid, self.written);
                }
            }
            Inner::Other(decoder) => loop {
                let needed = decoder
                    .max_utf8_buffer_length_without_replacement(input.len())
                    .unwrap_or(input.len() * 3 + 16);
                out.reserve(needed + 3);
                let (result, read) = decoder.decode_to_string_without_replacement(input, out, last);
                input = &input[read..];
                match result {
                    encoding_rs::DecoderResult::InputEmpty => break,
                    encoding_rs::DecoderResult::OutputFull => continue,
                    encoding_rs::DecoderResult::Malformed(_, _) => {
                        // Where the bad sequence is, in the text: its row gets the finding.
                        self.invalid.push(InvalidBytes {
                            offset: self.written + (out.len() - start) as u64,
                            len: '\u{FFFD}'.len_utf8() as u32,
                        });
                        out.push('\u{FFFD}');
                    }
                }
            },
        }
        self.written += (out.len() - start) as u64;
    }

    /// The invalid byte sequences decoded since they were last taken, in the order of the text.
    pub fn invalid(&self) -> &[InvalidBytes] {
        &self.invalid
    }

    /// Takes the invalid byte sequences decoded so far (the reader deals with them).
    pub fn take_invalid(&mut self) -> impl Iterator<Item = InvalidBytes> + '_ {
        self.invalid.drain(..)
    }
}

/// Checks and copies UTF-8, reading invalid sequences as Windows-1252 and keeping an incomplete
/// character at the end in `pending` unless this is the last chunk.
fn decode_utf8(
    mut input: &[u8],
    last: bool,
    pending: &mut Vec<u8>,
    out: &mut String,
    invalid: &mut Vec<InvalidBytes>,
    written_before: u64,
) {
    // Almost every chunk is valid: checked sixteen bytes at a time (SIMD, in the browser too);
    // the standard check, which says where and why, only when it is not.
    if let Ok(text) = simdutf8::basic::from_utf8(input) {
        out.push_str(text);
        return;
    }
    let base = out.len();
    loop {
        match std::str::from_utf8(input) {
            Ok(text) => {
                out.push_str(text);
                return;
            }
            Err(err) => {
                let valid = err.valid_up_to();
                // The bytes before `valid_up_to` are UTF-8, as the error says.
                out.push_str(std::str::from_utf8(&input[..valid]).unwrap_or_default());
                match err.error_len() {
                    Some(bad) => {
                        push_windows_1252(
                            &input[valid..valid + bad],
                            out,
                            base,
                            written_before,
                            invalid,
                        );
                        input = &input[valid + bad..];
                    }
                    None if last => {
                        push_windows_1252(&input[valid..], out, base, written_before, invalid);
                        return;
                    }
                    None => {
                        pending.extend_from_slice(&input[valid..]);
                        return;
                    }
                }
            }
        }
    }
}

/// Appends `bytes`, which are not UTF-8, read as Windows-1252, and records where they are
/// (`out` held the text from `base` on, which starts at `written_before` in the whole text).
fn push_windows_1252(
    bytes: &[u8],
    out: &mut String,
    base: usize,
    written_before: u64,
    invalid: &mut Vec<InvalidBytes>,
) {
    let start = out.len();
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    out.push_str(&text);
    invalid.push(InvalidBytes {
        offset: written_before + (start - base) as u64,
        len: (out.len() - start) as u32,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_chunks(
        encoding: &'static Encoding,
        bytes: &[u8],
        size: usize,
    ) -> (String, Vec<u64>) {
        let mut decoder = TextDecoder::new(encoding);
        let mut out = String::new();
        let chunks: Vec<&[u8]> = bytes.chunks(size.max(1)).collect();
        for (index, chunk) in chunks.iter().enumerate() {
            decoder.decode(chunk, index + 1 == chunks.len(), &mut out);
        }
        if chunks.is_empty() {
            decoder.decode(&[], true, &mut out);
        }
        let invalid = decoder.take_invalid().map(|bytes| bytes.offset).collect();
        (out, invalid)
    }

    #[test]
    fn plain_ascii_is_utf8() {
        let detected = detect(b"ID,First Name\n1,Ann\n", true).unwrap();
        assert_eq!(detected.encoding, UTF_8);
        assert_eq!(detected.source, EncodingSource::ValidUtf8);
    }

    #[test]
    fn byte_order_marks_name_the_encoding() {
        assert_eq!(detect(b"\xEF\xBB\xBFID", true).unwrap().encoding, UTF_8);
        assert_eq!(detect(b"\xFF\xFEI\0D\0", true).unwrap().encoding, UTF_16LE);
        assert_eq!(detect(b"\xFE\xFF\0I\0D", true).unwrap().encoding, UTF_16BE);
        assert!(detect(b"\xFF\xFEI\0D\0", true).unwrap().bom);
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252() {
        let detected = detect(b"ID;Nom\n1;Ren\xE9\n", true).unwrap();
        assert_eq!(detected.encoding, WINDOWS_1252);
        assert_eq!(detected.source, EncodingSource::SingleByte);
    }

    #[test]
    fn a_stray_byte_among_utf8_accents_keeps_the_file_utf8() {
        let sample = "ID,Name\n1,Zoë\n2,José\n3,Müller\n4,Ren"
            .bytes()
            .chain(*b"\xE9e\n")
            .collect::<Vec<u8>>();
        assert_eq!(detect(&sample, true).unwrap().encoding, UTF_8);
        // A real Windows-1252 file: its accents are all invalid UTF-8.
        assert_eq!(
            detect(b"1,Zo\xEB\n2,Jos\xE9\n3,M\xFCller\n", true)
                .unwrap()
                .encoding,
            WINDOWS_1252
        );
    }

    #[test]
    fn a_character_cut_by_the_sample_end_is_still_utf8() {
        assert_eq!(detect(b"Zo\xC3", false).unwrap().encoding, UTF_8);
        assert_eq!(detect(b"Zo\xC3", true).unwrap().encoding, WINDOWS_1252);
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let le: Vec<u8> = "ID,Name\n1,Ann\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "ID,Name\n1,Ann\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(detect(&le, true).unwrap().encoding, UTF_16LE);
        assert_eq!(detect(&be, true).unwrap().encoding, UTF_16BE);
    }

    #[test]
    fn spreadsheets_and_images_are_named() {
        match detect(b"PK\x03\x04rest", true) {
            Err(ReadErrorKind::Binary { looks_like, advice }) => {
                assert!(looks_like.contains(".xlsx"));
                assert!(advice.contains("CSV"));
            }
            other => panic!("expected a binary error, got {other:?}"),
        }
        assert!(matches!(
            detect(b"\x89PNG\r\n\x1A\n...", true),
            Err(ReadErrorKind::Binary { .. })
        ));
    }

    #[test]
    fn nul_bytes_are_not_text() {
        assert_eq!(
            detect(b"ID,Name\n1,A\0nn\n", true),
            Err(ReadErrorKind::NulBytes { offset: 11 })
        );
        // The first NUL is found wherever it is, in any piece of the search.
        for at in [0, 4095, 4096, 4097, 10_000, 99_999] {
            let mut bytes = vec![b'a'; 100_000];
            bytes[at] = 0;
            bytes[99_999] = 0;
            assert_eq!(memchr_nul(&bytes), Some(at));
        }
        assert_eq!(memchr_nul(&[b'a'; 9000]), None);
    }

    #[test]
    fn accented_letters_are_counted_once_each() {
        // Two-, three- and four-byte letters among plain text, and one stray byte: UTF-8.
        let mut text = "Zoë, Renée, José, “Ann”, 😀, ".repeat(2).into_bytes();
        text.push(0xE9);
        assert!(guess::utf8_despite_strays(&text, true));
        // Two letters cannot outweigh a stray byte.
        assert!(!guess::utf8_despite_strays(
            b"Zo\xC3\xAB Ren\xC3\xA9e \xE9",
            true
        ));
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(detect(b"", true), Err(ReadErrorKind::Empty));
    }

    #[test]
    fn labels_are_whatwg_lower_case() {
        assert_eq!(label(UTF_8), "utf-8");
        assert_eq!(label(WINDOWS_1252), "windows-1252");
        assert_eq!(label(UTF_16LE), "utf-16le");
        assert_eq!(encoding_for_label("CP-1252"), Some(WINDOWS_1252));
        assert_eq!(encoding_for_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(encoding_for_label("UTF8"), Some(UTF_8));
        assert_eq!(encoding_for_label("klingon"), None);
        assert_eq!(encoding_for_label("iso-2022-kr"), None);
    }

    #[test]
    fn utf8_split_across_every_chunk_boundary_decodes_whole() {
        let text = "Zoë,Nguyễn,😀,€\n";
        for size in 1..=text.len() {
            let (decoded, invalid) = decode_in_chunks(UTF_8, text.as_bytes(), size);
            assert_eq!(decoded, text, "chunk size {size}");
            assert!(invalid.is_empty(), "chunk size {size}");
        }
    }

    #[test]
    fn utf8_bom_is_skipped_at_any_chunk_size() {
        let bytes = b"\xEF\xBB\xBFID,Name\n";
        for size in 1..=bytes.len() {
            assert_eq!(
                decode_in_chunks(UTF_8, bytes, size).0,
                "ID,Name\n",
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn invalid_bytes_in_utf8_are_read_as_windows_1252_and_located() {
        let bytes = b"ab\xE9cd\xC3\xA9\xFF";
        for size in 1..=bytes.len() {
            let (decoded, invalid) = decode_in_chunks(UTF_8, bytes, size);
            assert_eq!(decoded, "abécdéÿ", "chunk size {size}");
            assert_eq!(invalid, vec![2, 8], "chunk size {size}");
        }
    }

    #[test]
    fn windows_1252_decodes_smart_quotes_and_euro() {
        let (decoded, invalid) = decode_in_chunks(WINDOWS_1252, b"\x93Ren\xE9\x94 \x80", 1);
        assert_eq!(decoded, "“René” €");
        assert!(invalid.is_empty());
    }

    #[test]
    fn utf16_with_bom_decodes_across_chunks() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("Zoë 😀".encode_utf16().flat_map(u16::to_le_bytes));
        for size in 1..=bytes.len() {
            assert_eq!(
                decode_in_chunks(UTF_16LE, &bytes, size).0,
                "Zoë 😀",
                "chunk size {size}"
            );
        }
    }
}
