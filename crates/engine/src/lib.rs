//! The engine: everything Leadpack knows about lead files, as pure functions over bytes.
//!
//! It never opens a file, never reads a clock and never imports a web crate, so the same code
//! serves the command-line tool, the web page and the web worker.

pub mod assemble;
pub mod check;
pub mod csvout;
pub mod decode;
pub mod dialect;
pub mod digest;
pub mod edits;
pub mod encode;
pub mod error;
pub mod index;
pub mod mapping;
pub mod package;
pub mod pages;
pub mod quality;
pub mod reader;
pub mod report;
pub mod rules;
pub mod schema;
pub mod screening;
pub mod template;
pub mod units;
pub mod unpack;
pub mod values;
pub mod wire;
pub mod words;
pub mod xml;
