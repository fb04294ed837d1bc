//! The package reader: any bytes opened as an import package (`leadpack check leads.zip`), and
//! each CSV file it gives checked in the encoding the package declares, as the command-line tool
//! and the web app do.
//!
//! Input: the archive's bytes, as they are.
//!
//! Asserts: no panic and no allocation past `MAX_ALLOCATION`; a refusal names the
//! archive and says something; the files it gives have plain, distinct names and are no larger
//! than the archive allows; their check ends in a report or a clear refusal.

#![no_main]

use libfuzzer_sys::fuzz_target;

use leadpack_engine::{CheckOptions, MAX_UNPACKED_BYTES, ReadOptions, check_bytes, read_package};

const NAME: &str = "leads.zip";

#[global_allocator]
static ALLOCATOR: leadpack_fuzz::LimitedAllocator = leadpack_fuzz::LimitedAllocator;

fuzz_target!(|data: &[u8]| {
    let csvs = match read_package(NAME, data) {
        Ok(csvs) => csvs,
        Err(error) => {
            let message = error.to_string();
            assert!(message.starts_with(NAME), "{message}");
            assert!(message.len() > NAME.len() + 10, "{message}");
            return;
        }
    };
    assert!(!csvs.is_empty(), "a package gives at least one CSV file");
    let mut total = 0u64;
    for (index, csv) in csvs.iter().enumerate() {
        assert!(!csv.name.is_empty());
        assert!(
            !csv.name.contains(['/', '\\']) && !csv.name.contains(".."),
            "{}",
            csv.name
        );
        assert!(!csv.name.chars().any(char::is_control), "{:?}", csv.name);
        assert!(
            csvs[..index].iter().all(|other| other.name != csv.name),
            "{} twice",
            csv.name
        );
        total += csv.bytes.len() as u64;
        let name = format!("{NAME}/{}", csv.name);
        let options = CheckOptions {
            read: ReadOptions {
                encoding: Some(csv.encoding.reader()),
                ..ReadOptions::default()
            },
            ..CheckOptions::default()
        };
        if let Err(error) = check_bytes(&name, &csv.bytes, options) {
            let message = error.to_string();
            assert!(message.starts_with(&name), "{message}");
        }
    }
    assert!(total <= MAX_UNPACKED_BYTES);
});
