//! The interactive lane: a run's pending items go through the `Studio` under a
//! requests-per-minute limit and a concurrency cap, stopping before a budget would be
//! exceeded. Progress is reported as `BatchEvent`s; the store and `manifest.json` follow
//! every item, so a killed run can be resumed.

mod ending;
mod items;
mod run_loop;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::run_loop::drive;
use super::validate::BatchItem;
use crate::api::client::GeminiClient;
use crate::models::{Registry, Tier};
use crate::store::{RunId, Store};
use crate::studio::backend::BackendLabel;
use crate::studio::{JobId, StudioError, StudioEvent};

/// What the interactive lane runs on.
#[derive(Clone)]
pub struct InteractiveLane {
    /// The API client (a rate-limited clone is made per run).
    pub client: GeminiClient,
    /// The model registry.
    pub registry: Arc<Registry>,
    /// The store holding the queue.
    pub store: Store,
    /// Which backend answers.
    pub label: BackendLabel,
    /// Every job event of the run is copied here too (the TUI's Jobs pane), if set.
    pub forward: Option<mpsc::UnboundedSender<StudioEvent>>,
}

/// Limits for one run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LaneOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per minute.
    pub rpm: u32,
    /// Stop starting items once this much would be spent (USD, whole run).
    pub budget: Option<f64>,
    /// A service tier for every item, over each item's own.
    pub tier: Option<Tier>,
    /// A fallback for shed flex items, over each item's own.
    pub fallback: Option<Tier>,
}

impl LaneOptions {
    /// `item` with this run's tier and fallback over its own.
    fn over(&self, mut item: BatchItem) -> BatchItem {
        if let Some(tier) = self.tier {
            item.tier = tier;
        }
        if let Some(fallback) = self.fallback {
            item.fallback = Some(fallback);
        }
        item
    }
}

/// Progress of a run, for progress bars and the Jobs pane.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchEvent {
    /// The run starts (or resumes) with this many items left.
    Started {
        /// Run id.
        run: RunId,
        /// Run folder.
        dir: PathBuf,
        /// Items in the run.
        total: usize,
        /// Items already done.
        done: usize,
        /// Items found complete on disk after a crash.
        recovered: usize,
        /// Spent so far.
        spent_usd: f64,
    },
    /// An item was handed to the engine.
    ItemStarted {
        index: usize,
        key: String,
        job: JobId,
    },
    /// An item's request failed and is tried again after `delay`.
    ItemRetrying {
        index: usize,
        key: String,
        attempt: u32,
        delay: Duration,
        reason: String,
    },
    /// An item's images and sidecars are on disk.
    ItemDone {
        index: usize,
        key: String,
        files: Vec<String>,
        cost_usd: f64,
    },
    /// An item failed for good.
    ItemFailed {
        index: usize,
        key: String,
        error: StudioError,
    },
    /// No new items start: the next would exceed the budget.
    BudgetReached { spent_usd: f64, budget_usd: f64 },
    /// Something to say once for the whole run (a deprecated model, say).
    Notice { message: String },
    /// No new items start: the service gave an answer every later item would meet too
    /// (prepaid credits exhausted, the daily quota spent, the model not found). The item
    /// stays pending, so `peel batch resume` sends it again.
    Stopped {
        index: usize,
        key: String,
        error: StudioError,
    },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Run id.
    pub run: RunId,
    /// Run folder.
    pub dir: PathBuf,
    /// `done` or `incomplete`.
    pub state: String,
    /// Why it is incomplete: `budget`, `interrupted`, `N items failed`, or the API's code
    /// of a run-stopping answer (`payment_required`, `quota_exceeded`, `model_not_found`).
    pub stop_reason: Option<String>,
    /// The run-stopping answer, when one stopped the run.
    pub stopped_by: Option<StudioError>,
    /// What was said once for the run (deprecated models).
    pub notices: Vec<String>,
    /// Items in the run.
    pub total: usize,
    /// Items saved.
    pub done: usize,
    /// Items failed for good.
    pub failed: usize,
    /// Items never started (budget or interrupt).
    pub pending: usize,
    /// Spent in USD, whole run.
    pub spent_usd: f64,
    /// Retries made during this invocation.
    pub retries: u32,
    /// Wall time of this invocation.
    pub elapsed: Duration,
}

/// The state a run's summary has when it was handed to another peel process.
pub const HANDED_OVER: &str = "handed over";

/// Runs every item of `run` that is not done yet; `stop` cancels what is in flight.
pub async fn run(
    lane: &InteractiveLane,
    run_id: RunId,
    options: LaneOptions,
    stop: CancellationToken,
    on_event: impl FnMut(BatchEvent),
) -> Result<RunSummary, StudioError> {
    let never = CancellationToken::new();
    run_or_hand_off(lane, run_id, options, stop, never, on_event).await
}

/// Like `run`; `hand_off` stops it for another process to carry on: no new item starts,
/// items the service has stay running (the next resume collects them), unsent ones go
/// back to pending, and the run stays `running` (its summary says `HANDED_OVER`).
pub async fn run_or_hand_off(
    lane: &InteractiveLane,
    run_id: RunId,
    options: LaneOptions,
    stop: CancellationToken,
    hand_off: CancellationToken,
    on_event: impl FnMut(BatchEvent),
) -> Result<RunSummary, StudioError> {
    drive(
        lane,
        run_id,
        options,
        Stops {
            stop,
            hand_off,
            keep_paid_work: false,
        },
        on_event,
    )
    .await
}

/// Like `run`, but `stop` only stops what costs nothing to stop: no new item starts, an
/// item whose interaction the service named is cancelled there, and a request on the wire
/// with nothing to cancel finishes and is saved (an MCP client's cancel).
pub async fn run_keeping_paid_work(
    lane: &InteractiveLane,
    run_id: RunId,
    options: LaneOptions,
    stop: CancellationToken,
    on_event: impl FnMut(BatchEvent),
) -> Result<RunSummary, StudioError> {
    let stops = Stops {
        stop,
        hand_off: CancellationToken::new(),
        keep_paid_work: true,
    };
    drive(lane, run_id, options, stops, on_event).await
}

/// What can end a run early.
struct Stops {
    stop: CancellationToken,
    hand_off: CancellationToken,
    /// `stop` leaves paid requests on the wire to finish (`Studio::stop`).
    keep_paid_work: bool,
}
