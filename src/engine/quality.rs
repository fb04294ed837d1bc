//! Quality checks of single values: email syntax, phone plausibility, formulas, hidden characters, mojibake.
