//! The Leadpack web app: checks lead files and builds NexJ CRM import packages in the browser.
//!
//! Everything it knows about leads and packages comes from `leadpack-engine`; this crate adds:
//! - [`protocol`]: the typed messages between the web page and its worker.
//! - `ui` (wasm32 only): the Leptos components of the web app; the only code that touches the DOM.
//! - `worker` (wasm32 only): the web worker that reads files in slices and runs the engine off
//!   the page's thread.
//!
//! The binaries are glue: `src/main.rs` mounts the web app, `src/bin/worker.rs` starts the worker.

pub mod protocol;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;
