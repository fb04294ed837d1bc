//! The engine: everything Leadpack knows about lead files, as pure functions over bytes.
//!
//! It never opens a file, never reads a clock and never imports a web crate, so the same code
//! serves the command-line tool, the web page and the web worker.

pub mod decode;
pub mod error;
pub mod generate;
pub mod quality;
pub mod reader;
pub mod report;
pub mod schema;
pub mod units;
