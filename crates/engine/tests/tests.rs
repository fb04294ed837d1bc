//! The engine's integration tests, one binary with a module per theme, one `util` for the engine's
//! tests and one `shared` with the helpers the command-line tool's tests include as well.
#![cfg(not(target_arch = "wasm32"))]

mod shared;
mod util;

mod characters;
mod check;
mod compare;
mod corrections;
mod custom_fields;
mod dates;
mod encodings;
mod hostile;
mod import;
mod nulls;
mod package;
mod properties;
mod rows;
mod rtf;
// Run with the `workbooks` feature (`cargo test --workspace` has it, through the command-line
// tool).
#[cfg(feature = "workbooks")]
mod workbooks;
