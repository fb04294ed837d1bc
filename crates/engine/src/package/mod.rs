//! Packages: the top layer. The packer takes every checked record and writes the import
//! packages (CSV in the chosen encoding, the mapping XML, `fileMappings.xml`, in ZIP archives
//! strictly below the size limit), the rejected rows, the simple CSV and the reports; it
//! verifies what it wrote by reading it back, and reads existing packages to check them again.
//!
//! It may use every layer below it: [`crate::check`], [`crate::lead`], [`crate::text`] and
//! [`crate::fast`].

pub(crate) mod assemble;
pub(crate) mod job;
pub(crate) mod layout;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod on_thread;
pub(crate) mod output;
pub(crate) mod packer;
pub(crate) mod reports;
pub(crate) mod together;
pub(crate) mod unpack;
pub(crate) mod verify;
pub(crate) mod xml;
