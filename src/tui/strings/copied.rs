//! What the workbench copies, and how each copy went.

/// The prompt.
pub const PROMPT: &str = "prompt";
/// The selected job's image path.
pub const IMAGE_PATH: &str = "image path";

/// Copied through the system clipboard.
pub fn to_system(what: &str) -> String {
    format!("{what} copied to the system clipboard")
}

/// Copied through the terminal.
pub fn via_terminal(what: &str) -> String {
    format!("{what} copied via the terminal (OSC 52)")
}

/// The copy failed.
pub fn failed(e: &str) -> String {
    format!("copy failed: {e}")
}
