//! What the engine reports while jobs run; faces render these.

use std::time::Duration;

use super::error::StudioError;
use super::output::SavedOutput;
use super::spec::ResolvedSettings;
use crate::store::session_types::TurnId;

/// How a finished job's cost was priced: the tier that served it, and whether the price
/// is the simulator's notional one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Priced {
    /// The tier that served the job.
    pub tier: crate::models::Tier,
    /// True when the answer came from peel's simulator.
    pub simulated: bool,
}

/// A job's id (its row in the store).
pub type JobId = i64;

/// A job as first announced.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// The job's id.
    pub id: JobId,
    /// The prompt.
    pub prompt: String,
    /// Settings sent.
    pub settings: ResolvedSettings,
}

/// Progress of one job.
#[derive(Debug, Clone, PartialEq)]
pub enum StudioEvent {
    /// Recorded and waiting for a slot.
    Queued(JobInfo),
    /// A request is on the wire (attempt is 1-based).
    Sending { id: JobId, attempt: u32 },
    /// The last attempt failed; the next starts after `delay`.
    Retrying {
        id: JobId,
        next_attempt: u32,
        delay: Duration,
        reason: String,
    },
    /// Images and sidecars are on disk.
    Done {
        id: JobId,
        outputs: Vec<SavedOutput>,
        cost_usd: f64,
        elapsed: Duration,
        text: Vec<String>,
        session: Option<String>,
        turn: Option<TurnId>,
        /// How `cost_usd` was priced.
        priced: Priced,
    },
    /// Failed for good.
    Failed {
        id: JobId,
        error: StudioError,
        elapsed: Duration,
    },
    /// Cancelled by the user.
    Cancelled { id: JobId },
    /// Handed to another peel process, which collects it (`sent`: the service has it) or
    /// sends it; this process reports nothing more about it.
    HandedOver { id: JobId, sent: bool },
    /// The request that succeeded: its body size and the interaction id (None on
    /// generateContent). Comes just before `Done`.
    Sent {
        id: JobId,
        request_bytes: usize,
        interaction: Option<String>,
    },
    /// Something the user should hear once about how the job is sent (e.g. a fallback).
    Notice { id: JobId, message: String },
    /// The model is thinking: a summary's headline, or an interim image (a file that lives
    /// as long as the engine), shown until the final image replaces it.
    Thinking {
        id: JobId,
        headline: Option<String>,
        image: Option<std::path::PathBuf>,
    },
}

impl StudioEvent {
    /// The job this event is about.
    pub fn job_id(&self) -> JobId {
        match self {
            Self::Queued(info) => info.id,
            Self::Sending { id, .. }
            | Self::Retrying { id, .. }
            | Self::Done { id, .. }
            | Self::Failed { id, .. }
            | Self::Cancelled { id }
            | Self::HandedOver { id, .. }
            | Self::Sent { id, .. }
            | Self::Notice { id, .. }
            | Self::Thinking { id, .. } => *id,
        }
    }

    /// True when the job will report nothing more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Done { .. }
                | Self::Failed { .. }
                | Self::Cancelled { .. }
                | Self::HandedOver { .. }
        )
    }
}
