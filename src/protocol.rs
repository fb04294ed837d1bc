//! Messages between the web page and its worker.
//!
//! Both sides serialise these with serde; bulk bytes travel beside them as transferred
//! `ArrayBuffer`s, never inside them.

use serde::{Deserialize, Serialize};

/// A file the user chose, as the page describes it before any reading starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenFile {
    /// The file's name as the browser reports it (no folder).
    pub name: String,
    /// The file's size in bytes.
    pub size: u64,
}
