//! Messages into `update` and the effects it asks the event loop to carry out.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use super::clipboard::CopyRoute;
use crate::studio::roster::AnchorChanges;
use crate::studio::{Anchor, AnchorKind, GenerateSpec, JobId, StudioEvent};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// Text was pasted (bracketed paste).
    Paste(String),
    /// The mouse did something.
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize { width: u16, height: u16 },
    /// Time passed while jobs run.
    Tick,
    /// The engine reported on a job.
    Studio(StudioEvent),
    /// A generation was refused before sending (the reason says what to do).
    Refused(String),
    /// The previewed image finished decoding (or failed).
    PreviewLoaded {
        path: PathBuf,
        result: Result<(u32, u32), String>,
    },
    /// A roster change finished: the new list, or why it was refused.
    Roster(RosterResult),
    /// A copy finished.
    Copied {
        what: &'static str,
        result: Result<CopyRoute, String>,
    },
    /// A clipboard image was saved as a reference file (or not).
    ImagePasted(Result<PathBuf, String>),
}

/// The outcome of a roster operation.
#[derive(Debug)]
pub struct RosterResult {
    /// The whole roster after the change, or the refusal.
    pub result: Result<Vec<Anchor>, String>,
    /// The anchor to select afterwards.
    pub focus: Option<String>,
    /// What to say on success.
    pub done: String,
}

/// A change to the roster.
#[derive(Debug, Clone, PartialEq)]
pub enum RosterOp {
    /// Add an anchor.
    Add {
        kind: AnchorKind,
        name: String,
        description: String,
        refs: Vec<PathBuf>,
    },
    /// Change an anchor.
    Update {
        name: String,
        changes: AnchorChanges,
    },
    /// Remove an anchor.
    Remove { name: String },
    /// Put an anchor in or out of the shot.
    SetInShot { name: String, in_shot: bool },
}

/// Work `update` asks for; carried out by the event loop, never inside `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Validate and submit a generation.
    Generate(GenerateSpec),
    /// Cancel a job.
    Cancel(JobId),
    /// Retry a failed job.
    Retry(JobId),
    /// Decode this image for the Preview pane (None: show nothing).
    LoadPreview(Option<PathBuf>),
    /// Copy text to the clipboard.
    Copy { what: &'static str, text: String },
    /// Read an image from the clipboard and attach it.
    PasteImage,
    /// Change the roster.
    Roster(RosterOp),
    /// Leave.
    Quit,
}
