//! The speed machinery, in one room: the compact hash index of the comparing checks, text read
//! eight bytes at a time, large memory pages, the fingerprint of a file's bytes, and the byte
//! layout of what crosses between workers. Domain code calls its safe functions; every line of
//! `unsafe` code in the engine is here.
//!
//! It knows nothing of leads or files and uses no other module of the engine.

pub(crate) mod digest;
pub(crate) mod hash;
pub(crate) mod id_index;
pub(crate) mod index;
pub(crate) mod pages;
pub(crate) mod text_fields;
pub(crate) mod wire;
pub(crate) mod words;
