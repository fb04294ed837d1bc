//! Leads: what a lead is and what a user decided about a file, without reading a whole file.
//! The schema (the ten fields, their limits, allowed values and header spellings) as data; the
//! checks of one value (email, phone, formulas, hidden characters, garbled accents); known
//! market segments and sales concepts; matching columns to fields; corrections; templates; and
//! how a package writes one value (replaced, cut).
//!
//! It may use [`crate::text`] and [`crate::fast`], never the checker or the packages.

pub(crate) mod converters;
pub(crate) mod dates;
pub(crate) mod edits;
pub(crate) mod mapping;
pub(crate) mod quality;
pub(crate) mod schema;
pub(crate) mod template;
pub(crate) mod templates;
pub(crate) mod values;
pub(crate) mod writing;
