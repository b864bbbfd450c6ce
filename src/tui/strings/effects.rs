//! What carrying out an effect reports back: refusals, failed decodes and saves, and what
//! a roster change did.

use std::fmt::Display;
use std::path::Path;

/// `r` on an interrupted job with no connection to the service.
pub const NO_CONNECTION: &str = "no connection to ask the service";
/// Batch runs are not wired up (tests).
pub const NO_BATCH: &str = "batch runs are not available here; use `peel batch run FILE`";
/// Preparing a request gave no job.
pub const NO_REQUEST: &str = "no request was prepared";

/// The session a turn continues is no longer in the store.
pub fn session_gone(id: &str) -> String {
    format!("session {id} is gone from the store")
}

/// The engine no longer holds the failed job's request.
pub fn cannot_retry(id: impl Display) -> String {
    format!("job #{id} can no longer be retried; press p to reuse its prompt")
}

/// The batch run's task ended without reporting.
pub fn batch_task_died(e: impl Display) -> String {
    format!(
        "the batch run stopped unexpectedly ({e}); `peel batch list` shows it and `peel batch resume` finishes it"
    )
}

/// The image pinned for compare could not be decoded.
pub fn cannot_compare(path: &Path, e: &str) -> String {
    format!("cannot compare with {}: {e}", path.display())
}

/// An image file could not be opened.
pub fn cannot_open(e: impl Display) -> String {
    format!("cannot open it ({e})")
}

/// An image file's format could not be read.
pub fn cannot_read(e: impl Display) -> String {
    format!("cannot read it ({e})")
}

/// An image file could not be decoded.
pub fn cannot_decode(e: impl Display) -> String {
    format!("cannot decode it ({e})")
}

/// The folder for pasted images could not be made.
pub fn cannot_create(dir: &Path, e: impl Display) -> String {
    format!("cannot create {} ({e})", dir.display())
}

/// An anchor was added.
pub fn anchor_added(kind: impl Display, name: &str) -> String {
    format!("added {kind} '{name}'")
}

/// An anchor was edited.
pub fn anchor_saved(name: &str) -> String {
    format!("saved '{name}'")
}

/// An anchor was removed.
pub fn anchor_removed(name: &str) -> String {
    format!("removed '{name}'")
}

/// An anchor was pinned.
pub fn anchor_pinned(name: &str) -> String {
    format!("'{name}' is pinned: in every shot")
}

/// An anchor was unpinned.
pub fn anchor_unpinned(name: &str) -> String {
    format!("'{name}' is unpinned: in shot where the prompt names it")
}
