//! The `leadpack` command-line tool's tests, one binary with a module per theme, one `util` and
//! the engine tests' `shared` helpers (the same file, included by its path).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../engine/tests/shared.rs"]
mod shared;
mod util;

mod characters;
mod check;
mod generate;
mod hostile;
mod pack;
mod together;
mod workbooks;
