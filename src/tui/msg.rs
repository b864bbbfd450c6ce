//! Messages into `update` and the effects it asks the event loop to carry out.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use super::clipboard::CopyRoute;
use crate::store::session_types::{Session, TurnId};
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
    /// The loop started: the selected job's image is asked for before any key.
    Started,
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
    /// An edit session was read from the store (or not).
    SessionLoaded(Result<Session, String>),
    /// The request the next generation would send, or why it would be refused.
    Composed(Result<crate::studio::outline::RequestOutline, String>),
    /// A batch file was checked: its plan, or why it is refused.
    BatchPlanned {
        path: PathBuf,
        result: Result<crate::studio::batch::BatchPlan, String>,
    },
    /// The engine reported on one of the batch run's jobs (listed, but not followed like
    /// the user's own: no selection jump, no seed, no status line per job).
    BatchJob(StudioEvent),
    /// The batch run reported progress.
    Batch(crate::studio::batch::interactive::BatchEvent),
    /// The batch run ended (or could not start).
    BatchFinished(Result<crate::studio::batch::interactive::RunSummary, String>),
    /// Batch runs other processes are working on (sent when the list changes).
    OtherRuns(Vec<OtherRun>),
    /// Job rows the store reports changed since the last look (sent only when some did).
    JobsChanged(Vec<crate::store::JobRow>),
    /// The review grid was left: how (or why it could not open).
    ReviewEnded(Result<crate::review::ReviewExit, String>),
    /// The image pinned for compare could not be decoded.
    PinFailed(String),
    /// A preset was saved (or not).
    PresetSaved(Result<crate::studio::preset::Preset, String>),
    /// The store created the session asked for under this token.
    SessionStarted { token: u64, id: String },
    /// Jobs a dead peel process left running on the service were collected (what to say).
    Collected(String),
    /// What the service said about an interrupted job `r` was pressed on.
    Recovered {
        /// The job.
        id: JobId,
        /// What asking found (or why it could not ask).
        recovery: Result<crate::studio::collect::Recovery, String>,
    },
    /// Money spent outside the job list (consistency checks from review), in USD.
    Spent(f64),
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
    SetPinned { name: String, pinned: bool },
    /// Put exactly these anchors in shot (a preset's `with`), the rest out.
    ShotExactly { names: Vec<String> },
}

/// Work `update` asks for; carried out by the event loop, never inside `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Validate and submit a first turn: of a new edit session, or of the one already
    /// started under the same token (Ctrl+G pressed again before the first answer).
    Generate(GenerateSpec, u64),
    /// Validate and submit the prompt as an edit instruction continuing a session.
    Continue {
        /// The prompt and settings.
        spec: GenerateSpec,
        /// The session.
        session: String,
        /// The turn it continues.
        parent: TurnId,
    },
    /// Build the request the next generation would send and describe it (answers with
    /// `Msg::Composed`); nothing is sent.
    ComposeRequest {
        /// The prompt and settings.
        spec: GenerateSpec,
        /// The session and turn it would continue, if any.
        continues: Option<(String, TurnId)>,
    },
    /// Read a session from the store (answers with `Msg::SessionLoaded`).
    LoadSession(String),
    /// Record a session's current turn in the store (so a restart reopens it there).
    SetHead {
        /// The session.
        session: String,
        /// The turn.
        turn: TurnId,
    },
    /// Cancel a job.
    Cancel(JobId),
    /// Retry a failed job.
    Retry(JobId),
    /// Ask the service about an interrupted job: collect it if it has it, and send it
    /// again only when the service says it failed or is gone (answers `Msg::Recovered`).
    Recover(JobId),
    /// Decode this image for the Preview pane (None: show nothing).
    LoadPreview(Option<PathBuf>),
    /// Decode the image pinned for compare (None: drop it).
    LoadPinned(Option<PathBuf>),
    /// Copy text to the clipboard.
    Copy { what: &'static str, text: String },
    /// Read an image from the clipboard and attach it.
    PasteImage,
    /// Change the roster.
    Roster(RosterOp),
    /// Add an image to an anchor's references ("Mira", or "object Red Mug" to create one).
    Promote { image: PathBuf, text: String },
    /// Save the settings as a preset in the user's config.
    SavePreset {
        /// The preset's name.
        name: String,
        /// The settings.
        layer: crate::settings::SettingsLayer,
        /// True when it replaces a preset of that name.
        replace: bool,
    },
    /// Validate and plan a batch file (answers with `Msg::BatchPlanned`).
    PlanBatch(PathBuf),
    /// Run a batch file on the interactive lane; its jobs report like any other.
    RunBatch(PathBuf),
    /// Stop the batch run: nothing new starts, running items are cancelled.
    StopBatch,
    /// Look in the store for batch runs other processes are working on.
    PollRuns,
    /// Look in the store for jobs that changed (other processes' jobs show live).
    PollJobs,
    /// Open the review grid on a folder, in this terminal (answers with `Msg::ReviewEnded`).
    Review(PathBuf),
    /// Leave.
    Quit,
}

/// A batch run another peel process is working on (`peel batch run` in another terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherRun {
    /// Run id.
    pub run: i64,
    /// Items saved.
    pub done: usize,
    /// Items failed for good.
    pub failed: usize,
    /// Items in the run.
    pub total: usize,
}
