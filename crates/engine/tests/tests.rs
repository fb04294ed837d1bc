//! The engine's integration tests, one binary with a module per theme and one shared `util`.
#![cfg(not(target_arch = "wasm32"))]

mod util;

mod check;
mod package;
mod properties;
