//! The `leadpack` command-line tool's tests, one binary with a module per theme and one shared
//! `util`.
#![cfg(not(target_arch = "wasm32"))]

mod util;

mod cli;
mod hostile;
