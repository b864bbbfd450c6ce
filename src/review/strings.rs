//! Every piece of text the review screen shows.

/// Every key of the grid with what it does, most used first: the status bar shows as many
/// as fit, then `F1 keys`; F1 lists them all.
pub const KEYS: [(&str, &str); 15] = [
    ("←↓↑→/hjkl", "move"),
    ("y", "keep"),
    ("n", "reject"),
    ("s", "star"),
    ("f", "filter"),
    ("c", "compare"),
    ("q", "quit"),
    ("u", "clear"),
    ("e", "edit"),
    ("a", "anchor"),
    ("r", "re-run"),
    ("R", "reload"),
    ("P", "promote picks bigger"),
    ("C", "check consistency"),
    ("PgUp/PgDn g/G", "page, first, last"),
];
/// The last hint, always shown.
pub const KEYS_HINT: &str = "F1 keys";
/// Title of the key list.
pub const KEYS_TITLE: &str = " Keys (F1 or Esc closes) ";
/// Key hints while comparing.
pub const COMPARE_HINTS: &str = "c or Esc: back to the grid";
/// Prompt for the edit instruction.
pub const EDIT_PROMPT: &str =
    "edit from here — what should change? (Enter to start, Esc to cancel): ";
/// Prompt for the anchor's name.
pub const ANCHOR_PROMPT: &str =
    "promote to anchor — name (new: character NAME or object NAME; Enter, Esc cancels): ";
/// Prompt for the size the picks are promoted to.
pub const SIZE_PROMPT: &str =
    "promote the picks (starred, else kept) — render them at size (e.g. 2K; Enter, Esc cancels): ";
/// Promoting needs marked images.
pub const NOTHING_PICKED: &str =
    "promote takes the starred images (else the kept ones): mark some first (s or y)";
/// Promoting needs the run in the store.
pub const NO_PROMOTE: &str = "promote works on batch folders whose run is in this store";
/// Shown while a thumbnail is on its way.
pub const LOADING: &str = "…";
/// Title of the preview pane.
pub const PREVIEW: &str = "Preview";
/// Title of the details box.
pub const DETAILS: &str = "Details";
/// Shown when the filter hides everything.
pub const EMPTY: &str = "No images match this filter (f changes it).";
/// Promotion needs the store's roster.
pub const NO_ROSTER: &str = "promote to anchor needs the roster, which could not be opened";
/// The check needs a backend.
pub const NO_CHECK: &str = "the consistency check is not available here";
/// Re-running needs the run in the store.
pub const NO_RUN: &str = "re-run works on batch folders whose run is in this store";
/// The star mark.
pub const STAR: &str = "★";
/// The keep mark.
pub const KEEP: &str = "✓";
/// The reject mark.
pub const REJECT: &str = "✗";
/// The image pinned for compare.
pub const PIN: &str = "◆";
