//! Generation settings as values: seed modes, grounding, safety thresholds and the
//! `SettingsLayer` that flags, presets and `[defaults]` share. A floor: the config file,
//! the engine and the faces all read these; they read nothing above them.

mod grounding;
mod harm;
mod layer;
pub mod safety;
mod seed;
mod texts;
mod tier;

pub use grounding::Grounding;
pub use harm::{HarmBlockThreshold, HarmCategory, SafetySetting};
pub use layer::{Field, SettingsLayer, departures};
pub use safety::SafetyMap;
pub use seed::{SeedMode, wrap_seed};
pub use texts::{SettingTexts, parse_with};
pub use tier::{check_fallback, parse_fallback, parse_tier};
