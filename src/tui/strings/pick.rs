//! The pick lists' own rows: a new anchor, no preset, saving a preset.

/// Under a new anchor's row.
pub const NEW_ANCHOR_DETAIL: &str = "with this image as its reference";
/// The row that goes back to `[defaults]`.
pub const NO_PRESET: &str = "(no preset)";
/// Under the "no preset" row.
pub const NO_PRESET_DETAIL: &str = "back to the config's [defaults]";
/// Saving over a preset of that name.
pub const REPLACE: &str = "replace";
/// Saving a new preset.
pub const SAVE: &str = "save";
/// Under the save-preset row.
pub const SAVE_PRESET_DETAIL: &str = "from the settings line and the anchors in shot";

/// The row that makes a new anchor.
pub fn new_anchor(kind: &str, name: &str) -> String {
    format!("+ new {kind} '{name}'")
}

/// The row that saves (or replaces, `verb`) a preset.
pub fn save_preset(verb: &str, name: &str) -> String {
    format!("+ {verb} preset '{name}'")
}
