//! The Leadpack web app: checks lead files and builds NexJ CRM import packages in the browser.
//!
//! Everything it knows about leads and packages comes from `leadpack-engine`; this crate adds:
//! - [`protocol`]: the typed messages between the web page and its worker.
//! - [`scroll`]: which rows of a long list are in view, for the review grid.
//! - `ui` (wasm32 only): the Leptos components of the web app; the only code that touches the DOM.
//! - `worker` (wasm32 only): the web worker that reads files in slices and runs the engine off
//!   the page's thread.
//!
//! - `workbook` (wasm32 only): the workbook reader, a worker of its own that the page starts only
//!   when a workbook is chosen.
//!
//! The binaries are glue: `src/main.rs` mounts the web app, `src/bin/worker.rs` starts the worker,
//! `src/bin/workbook.rs` the workbook reader.

pub mod protocol;
pub mod scroll;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(all(target_arch = "wasm32", feature = "workbooks"))]
pub mod workbook;
#[cfg(target_arch = "wasm32")]
pub mod worker;
