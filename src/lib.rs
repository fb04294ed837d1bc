//! Leadpack checks lead files and builds NexJ CRM import packages on the user's own machine.
//!
//! The crate has three layers:
//! - [`engine`]: pure Rust. Bytes in, findings and packages out. No I/O, no clock, no web crates.
//! - [`protocol`]: the typed messages between the web page and its worker.
//! - `ui` (wasm32 only): the Leptos components of the web app; the only code that touches the DOM.
//!
//! The binaries are glue: `src/main.rs` mounts the web app, `src/bin/leadpack.rs` is the
//! command-line tool.

pub mod engine;
pub mod protocol;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;
