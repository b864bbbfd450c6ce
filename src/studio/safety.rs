//! Safety settings, kept at their old path: the values live in `crate::settings::safety`.

pub use crate::settings::safety::*;
