//! The package reader: any bytes opened as an import package (`leadpack check leads.zip`), and
//! each CSV file it gives checked in the encoding the package declares, expanded a chunk at a
//! time straight into its checker, as the command-line tool does.
//!
//! Input: the archive's bytes, as they are.
//!
//! Asserts: no panic and no allocation past `MAX_ALLOCATION`; a refusal names the
//! archive and says something; the files it gives have plain, distinct names, give no more than
//! their declared size and, in all, no more than the archive allows; their check ends in a
//! report or a clear refusal; reading the package whole gives the same files, or the same
//! refusal.

#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{
    CheckOptions, FileChecker, MAX_UNPACKED_BYTES, PackageReader, ReadOptions, read_package,
};

const NAME: &str = "leads.zip";
const CHUNK: usize = 64 * 1024;

#[global_allocator]
static ALLOCATOR: leadpack_fuzz::LimitedAllocator = leadpack_fuzz::LimitedAllocator;

/// Asserts that `message` is a refusal of the archive that says something.
fn assert_refusal(message: &str) {
    assert!(message.starts_with(NAME), "{message}");
    assert!(message.len() > NAME.len() + 10, "{message}");
}

fuzz_target!(|data: &[u8]| {
    let whole = read_package(NAME, data).map_err(|error| error.to_string());
    let mut package = match PackageReader::open(NAME, data) {
        Ok(package) => package,
        Err(error) => {
            let message = error.to_string();
            assert_refusal(&message);
            assert_eq!(whole.as_ref().err(), Some(&message), "read whole");
            return;
        }
    };
    let names = package.names().to_vec();
    assert!(!names.is_empty(), "a package gives at least one CSV file");
    for (index, name) in names.iter().enumerate() {
        assert!(!name.is_empty());
        assert!(
            !name.contains(['/', '\\']) && !name.contains(".."),
            "{name}"
        );
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(!names[..index].contains(name), "{name} twice");
    }
    let mut total = 0u64;
    let mut given = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut refused = None;
    while let Some(entry) = package.next_entry() {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                refused = Some(error.to_string());
                break;
            }
        };
        let name = format!("{NAME}/{}", entry.name());
        let options = CheckOptions {
            read: ReadOptions {
                encoding: Some(entry.encoding().reader()),
                ..ReadOptions::default()
            },
            ..CheckOptions::default()
        };
        let mut checker = Some(FileChecker::new(&name, options));
        let mut bytes = 0u64;
        let read = loop {
            match entry.read(&mut chunk) {
                Ok(0) => break Ok(()),
                Ok(read) => {
                    bytes += read as u64;
                    if let Some(reading) = &mut checker
                        && let Err(error) = reading.feed(&chunk[..read])
                    {
                        assert!(error.to_string().starts_with(&name), "{error}");
                        checker = None;
                    }
                }
                Err(error) => break Err(error.to_string()),
            }
        };
        assert!(bytes <= entry.declared_size());
        total += bytes;
        if let Err(message) = read {
            refused = Some(message);
            break;
        }
        if let Some(Err(error)) = checker.map(FileChecker::finish) {
            assert!(error.to_string().starts_with(&name), "{error}");
        }
        given.push(bytes);
    }
    assert!(total <= MAX_UNPACKED_BYTES);
    match (refused, whole) {
        (Some(message), Err(whole)) => {
            assert_refusal(&message);
            assert_eq!(message, whole, "read whole");
        }
        (None, Ok(csvs)) => {
            let sizes: Vec<u64> = csvs.iter().map(|csv| csv.bytes.len() as u64).collect();
            assert_eq!(sizes, given, "read whole");
        }
        (streamed, whole) => panic!(
            "streamed: {streamed:?}; read whole: {:?}",
            whole.map(|csvs| csvs.len())
        ),
    }
});
