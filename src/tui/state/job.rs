//! One row of the Jobs pane: where a job stands (`Phase`), why it failed, and reading it
//! from the store's row.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::store::JobRow;
use crate::store::session_types::TurnId;
use crate::studio::JobId;

/// Where a job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Waiting for a slot.
    Queued,
    /// On the wire (1-based attempt).
    Sending { attempt: u32 },
    /// Waiting to try again.
    Retrying {
        next_attempt: u32,
        until: Instant,
        reason: String,
    },
    /// Saved.
    Done,
    /// Failed for good.
    Failed,
    /// Withheld by the safety filter or the prompt was blocked.
    Blocked,
    /// Cancelled by the user.
    Cancelled,
    /// Left unfinished by an earlier session.
    Interrupted,
}

impl Phase {
    /// True while the job may still report.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            Self::Queued | Self::Sending { .. } | Self::Retrying { .. }
        )
    }
}

/// Why a job failed, kept with its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Short kind ("rate_limited", "safety_blocked", …).
    pub kind: String,
    /// The full message, saying what to do.
    pub message: String,
}

/// One row of the Jobs pane.
#[derive(Debug, Clone, PartialEq)]
pub struct JobItem {
    /// Job id.
    pub id: JobId,
    /// The prompt.
    pub prompt: String,
    /// Canonical model id.
    pub model: String,
    /// Aspect ratio.
    pub aspect: Option<String>,
    /// Size name.
    pub size: String,
    /// Seed sent.
    pub seed: Option<i64>,
    /// Expected or actual pixel size.
    pub pixels: Option<(u32, u32)>,
    /// Where it stands.
    pub phase: Phase,
    /// When this session saw it queued (None for past jobs).
    pub queued_at: Option<Instant>,
    /// Wall time once finished.
    pub elapsed: Option<Duration>,
    /// Cost in USD.
    pub cost_usd: f64,
    /// True when the cost is the simulator's notional price.
    pub cost_simulated: bool,
    /// Saved images.
    pub outputs: Vec<PathBuf>,
    /// Why it failed.
    pub failure: Option<Failure>,
    /// From an earlier session.
    pub past: bool,
    /// The edit session and turn it recorded, once done.
    pub turn: Option<(String, TurnId)>,
    /// The batch item it runs ("12·fox-red"), for jobs of a batch run.
    pub tag: Option<String>,
    /// Started by another peel process on the same store (seen through the store).
    pub elsewhere: bool,
    /// What the model showed of its thinking so far (while the job runs).
    pub thinking: Thinking,
}

/// The latest thought summary of a running job.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thinking {
    /// The latest headline.
    pub headline: Option<String>,
    /// The latest interim image (the engine's file, gone when it ends).
    pub image: Option<PathBuf>,
}

impl JobItem {
    /// Time spent so far, or in all once finished.
    pub fn elapsed_at(&self, now: Instant) -> Option<Duration> {
        self.elapsed
            .or_else(|| self.queued_at.map(|t| now.saturating_duration_since(t)))
    }

    /// The primary (last) image; while the job runs, its latest interim thought image.
    pub fn image(&self) -> Option<&PathBuf> {
        self.outputs.last().or(self.thinking.image.as_ref())
    }

    /// A job from the store; one in flight is marked as running elsewhere.
    pub fn from_row(row: &JobRow) -> Self {
        Self::from_row_at(row, Instant::now())
    }

    /// Like `from_row`, with `now` as the present: a job running elsewhere counts its
    /// elapsed time from when it was recorded.
    pub fn from_row_at(row: &JobRow, now: Instant) -> Self {
        let phase = phase_of(row);
        let elsewhere = phase.is_active() && row.is_elsewhere();
        let queued_at = phase.is_active().then(|| recorded_at(row, now));
        Self {
            id: row.id,
            prompt: row.prompt.clone(),
            model: row.model.clone(),
            aspect: row.aspect.clone(),
            size: row.size.clone().unwrap_or_default(),
            seed: row.seed,
            pixels: None,
            phase,
            queued_at,
            elapsed: row.elapsed_ms.map(Duration::from_millis),
            cost_usd: row.cost_usd,
            cost_simulated: row.cost_simulated,
            outputs: row.outputs.iter().map(PathBuf::from).collect(),
            failure: row.error_message.clone().map(|message| Failure {
                kind: row.error_kind.clone().unwrap_or_else(|| "error".into()),
                message,
            }),
            past: true,
            turn: None,
            tag: None,
            elsewhere,
            thinking: Thinking::default(),
        }
    }

    /// Takes what the store now says about this job (a job elsewhere changed).
    pub(super) fn refresh(&mut self, row: &JobRow, now: Instant) {
        let phase = phase_of(row);
        if phase.is_active() && self.queued_at.is_none() {
            self.queued_at = Some(recorded_at(row, now));
        }
        if !phase.is_active() {
            self.elapsed = row.elapsed_ms.map(Duration::from_millis).or(self.elapsed);
        }
        self.phase = phase;
        self.cost_usd = row.cost_usd;
        self.cost_simulated = row.cost_simulated;
        self.outputs = row.outputs.iter().map(PathBuf::from).collect();
        self.failure = row.error_message.clone().map(|message| Failure {
            kind: row.error_kind.clone().unwrap_or_else(|| "error".into()),
            message,
        });
        self.elsewhere = true;
    }
}

/// A stored state as a phase (the store already settled jobs whose owner is gone).
/// When the job was recorded, as an instant of this process's clock (`now` if unknown).
fn recorded_at(row: &JobRow, now: Instant) -> Instant {
    let Ok(created) = chrono::DateTime::parse_from_rfc3339(&row.created_at) else {
        return now;
    };
    let ago = chrono::Utc::now().signed_duration_since(created.with_timezone(&chrono::Utc));
    let ago = ago.to_std().unwrap_or_default();
    now.checked_sub(ago).unwrap_or(now)
}

fn phase_of(row: &JobRow) -> Phase {
    match row.state.as_str() {
        "done" => Phase::Done,
        "cancelled" => Phase::Cancelled,
        "failed" if is_blocked(row.error_kind.as_deref().unwrap_or("")) => Phase::Blocked,
        "failed" => Phase::Failed,
        "queued" => Phase::Queued,
        "sending" => Phase::Sending {
            attempt: row.attempts.max(1),
        },
        _ => Phase::Interrupted,
    }
}

pub(super) fn is_blocked(kind: &str) -> bool {
    matches!(kind, "safety_blocked" | "prompt_blocked" | "recitation")
}
