//! Text: the lowest layer of the engine. It turns bytes into records and records back into
//! bytes: detecting and decoding character encodings, finding a file's delimiter, splitting
//! decoded text into records (rows counted as a spreadsheet shows them), writing CSV, writing the
//! output encodings, measuring and cutting text as the CRM counts it, and the one error type for
//! input that cannot be read at all.
//!
//! It knows nothing of leads: no field, no rule, no package. It may use only the speed module
//! ([`crate::fast`]) and outside crates.

#[cfg(feature = "workbooks")]
pub(crate) mod cells;
pub(crate) mod csvout;
pub(crate) mod decode;
pub(crate) mod dialect;
pub(crate) mod encode;
pub(crate) mod error;
pub(crate) mod guess;
pub(crate) mod length;
pub(crate) mod reader;
pub(crate) mod rows;
pub(crate) mod rtf;
pub(crate) mod spelling;
pub(crate) mod units;
#[cfg(feature = "workbooks")]
pub(crate) mod workbook;
