//! Seed modes, kept at their old path: the values live in `crate::settings`.

pub use crate::settings::{SeedMode, wrap_seed};
