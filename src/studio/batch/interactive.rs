//! The interactive lane: a run's pending items go through the `Studio` under a
//! requests-per-minute limit and a concurrency cap, stopping before a budget would be
//! exceeded. Progress is reported as `BatchEvent`s; the store and `manifest.json` follow
//! every item, so a killed run can be resumed.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::queue::{Reconciled, reconcile};
use super::validate::{BatchItem, run_index_width};
use crate::api::client::{GeminiClient, rpm_limiter};
use crate::models::{Lane, Registry, Tier};
use crate::store::{ItemUpdate, RunId, RunRow, Store};
use crate::studio::backend::BackendLabel;
use crate::studio::collect::{self, Collected};
use crate::studio::output::OutputNaming;
use crate::studio::{JobId, Studio, StudioError, StudioEvent, spec};

/// How often the manifest is rewritten while items finish (plus a millisecond per item,
/// so a huge run does not spend its time rewriting a huge file).
const MANIFEST_EVERY: Duration = Duration::from_millis(500);

/// Longest wait for an item's interaction left running by a dead process.
const ORPHAN_WAIT: Duration = Duration::from_secs(600);
/// Pause between two looks at such interactions.
const ORPHAN_POLL: Duration = Duration::from_secs(1);

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

struct InFlight {
    index: usize,
    key: String,
    estimate: f64,
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

/// How often a stop that keeps paid work looks again at requests on the wire.
const STOP_RECHECK: Duration = Duration::from_millis(200);

async fn drive(
    lane: &InteractiveLane,
    run_id: RunId,
    options: LaneOptions,
    stops: Stops,
    mut on_event: impl FnMut(BatchEvent),
) -> Result<RunSummary, StudioError> {
    let Stops {
        stop,
        hand_off,
        keep_paid_work,
    } = stops;
    let started = Instant::now();
    let store = &lane.store;
    let Some(run) = store.batch_run(run_id)? else {
        return Err(StudioError::Internal(format!(
            "run {run_id} is not in the store"
        )));
    };
    let dir = PathBuf::from(&run.out_dir);
    collect_left_items(lane, run_id, &dir).await;
    // An item whose interaction the service may still have is never sent again: it waits
    // for a later resume to collect it.
    let held = held_on_service(store, run_id)?;
    let Reconciled { recovered, .. } = reconcile(store, &run)?;
    let max_index = store.batch_max_index(run_id)?;
    store.set_batch_run_state(run_id, "running", None)?;
    let (total, done, _, spent_before) = store.batch_item_counts(run_id)?;
    let width = run_index_width(&run, max_index);
    // A story's frames each carry the one before: one at a time, and none after a failure.
    let story = run.is_story();
    let concurrency = if story { 1 } else { options.concurrency.max(1) };
    let mut spent = spent_before;
    // Only indexes wait in memory; each item is read from the store when it starts, so a
    // 50,000-item run holds a few hundred KB of queue, not every item.
    let mut queue: VecDeque<usize> = store
        .batch_indexes_not_done(run_id)?
        .into_iter()
        .filter(|index| !held.contains(index))
        .collect();
    write_manifest(store, run_id, &dir);
    on_event(BatchEvent::Started {
        run: run_id,
        dir: dir.clone(),
        total,
        done,
        recovered,
        spent_usd: spent,
    });
    let client = lane
        .client
        .clone()
        .with_rate_limit(rpm_limiter(options.rpm));
    let (studio, mut events) = Studio::new(
        client,
        lane.registry.clone(),
        store.clone(),
        lane.label.clone(),
        concurrency,
    );
    let mut in_flight: HashMap<JobId, InFlight> = HashMap::new();
    let mut stopping = false;
    let mut budget_hit = false;
    let mut interrupted = false;
    let mut stopped_by: Option<StudioError> = None;
    let mut models_seen: HashSet<String> = HashSet::new();
    let mut notices: Vec<String> = Vec::new();
    let mut retries = 0u32;
    let mut dirty = false;
    let mut handing: Option<tokio::task::JoinHandle<()>> = None;
    let mut tick = tokio::time::interval(MANIFEST_EVERY + Duration::from_millis(total as u64));
    let mut unstopped: Vec<JobId> = Vec::new();
    let mut recheck = tokio::time::interval(STOP_RECHECK);
    loop {
        while !stopping && in_flight.len() < concurrency {
            let Some(index) = queue.pop_front() else {
                break;
            };
            let Some(item) = read_item(store, run_id, index)? else {
                dirty = true;
                continue;
            };
            let item = options.over(item);
            if models_seen.insert(item.model.clone()) {
                let said =
                    crate::studio::notices::model_notices(&lane.registry, [item.model.as_str()]);
                for message in said {
                    on_event(BatchEvent::Notice {
                        message: message.clone(),
                    });
                    notices.push(message);
                }
            }
            let estimate = item.price(&lane.registry, Lane::Interactive);
            if let Some(budget) = options.budget {
                let committed: f64 = in_flight.values().map(|f| f.estimate).sum();
                if spent + committed + estimate > budget + 1e-9 {
                    queue.push_front(index);
                    stopping = true;
                    budget_hit = true;
                    on_event(BatchEvent::BudgetReached {
                        spent_usd: spent,
                        budget_usd: budget,
                    });
                    break;
                }
            }
            match start_item(&studio, &lane.registry, &run, &item, &dir, width) {
                Ok(job) => {
                    store.update_batch_item(
                        run_id,
                        item.index,
                        &ItemUpdate::Running { job_id: job },
                    )?;
                    on_event(BatchEvent::ItemStarted {
                        index: item.index,
                        key: item.key.clone(),
                        job,
                    });
                    in_flight.insert(
                        job,
                        InFlight {
                            index: item.index,
                            key: item.key,
                            estimate,
                        },
                    );
                }
                Err(error) => {
                    fail_item(store, run_id, item.index, &error)?;
                    dirty = true;
                    stopping |= story;
                    on_event(BatchEvent::ItemFailed {
                        index: item.index,
                        key: item.key,
                        error,
                    });
                }
            }
        }
        if in_flight.is_empty() {
            break;
        }
        let event = tokio::select! {
            event = events.recv() => event,
            _ = stop.cancelled(), if !interrupted && handing.is_none() => {
                interrupted = true;
                stopping = true;
                if keep_paid_work {
                    unstopped = in_flight.keys().copied().filter(|j| !studio.stop(*j)).collect();
                } else {
                    for job in in_flight.keys() {
                        studio.cancel(*job);
                    }
                }
                continue;
            }
            _ = recheck.tick(), if !unstopped.is_empty() => {
                unstopped.retain(|j| !studio.stop(*j));
                continue;
            }
            _ = hand_off.cancelled(), if handing.is_none() && !interrupted => {
                stopping = true;
                let studio = studio.clone();
                handing = Some(tokio::spawn(async move {
                    studio.hand_off(crate::studio::runner::HandOffMode::Now).await;
                }));
                continue;
            }
            _ = tick.tick() => {
                if std::mem::take(&mut dirty) {
                    write_manifest(store, run_id, &dir);
                }
                continue;
            }
        };
        let Some(event) = event else { break };
        if let Some(forward) = &lane.forward {
            let _ = forward.send(event.clone());
        }
        let job = event.job_id();
        let Some(flight) = in_flight.get(&job) else {
            continue;
        };
        let (index, key) = (flight.index, flight.key.clone());
        match event {
            StudioEvent::Retrying {
                next_attempt,
                delay,
                reason,
                ..
            } => {
                retries += 1;
                on_event(BatchEvent::ItemRetrying {
                    index,
                    key,
                    attempt: next_attempt,
                    delay,
                    reason,
                });
            }
            StudioEvent::Done {
                outputs, cost_usd, ..
            } => {
                in_flight.remove(&job);
                let files: Vec<String> = outputs
                    .iter()
                    .filter_map(|o| o.path.file_name())
                    .map(|n| n.to_string_lossy().to_string())
                    .collect();
                store.update_batch_item(
                    run_id,
                    index,
                    &ItemUpdate::Done {
                        files: files.clone(),
                        cost_usd,
                    },
                )?;
                spent += cost_usd;
                dirty = true;
                on_event(BatchEvent::ItemDone {
                    index,
                    key,
                    files,
                    cost_usd,
                });
            }
            StudioEvent::Failed { error, .. } if error.stops_a_run() => {
                in_flight.remove(&job);
                store.update_batch_item(run_id, index, &ItemUpdate::Pending)?;
                dirty = true;
                stopping = true;
                if stopped_by.is_none() {
                    stopped_by = Some(error.clone());
                    on_event(BatchEvent::Stopped { index, key, error });
                }
            }
            StudioEvent::Failed { error, .. } => {
                in_flight.remove(&job);
                fail_item(store, run_id, index, &error)?;
                dirty = true;
                stopping |= story;
                on_event(BatchEvent::ItemFailed { index, key, error });
            }
            StudioEvent::Cancelled { .. } => {
                in_flight.remove(&job);
                store.update_batch_item(run_id, index, &ItemUpdate::Pending)?;
            }
            StudioEvent::HandedOver { sent, .. } => {
                in_flight.remove(&job);
                if !sent {
                    // Never sent: the item is sent by whoever resumes the run.
                    store.update_job(job, &crate::store::JobUpdate::Cancelled)?;
                    store.update_batch_item(run_id, index, &ItemUpdate::Pending)?;
                }
            }
            _ => {}
        }
    }
    if handing.is_some() {
        write_manifest(store, run_id, &dir);
        let (total, done, failed, spent_usd) = store.batch_item_counts(run_id)?;
        return Ok(RunSummary {
            run: run_id,
            dir,
            state: HANDED_OVER.into(),
            stop_reason: None,
            stopped_by: None,
            notices,
            total,
            done,
            failed,
            pending: total - done - failed,
            spent_usd,
            retries,
            elapsed: started.elapsed(),
        });
    }
    finish(
        store,
        run_id,
        &dir,
        Ending {
            interrupted,
            budget_hit,
            held: held.len(),
            stopped_by,
            notices,
        },
        retries,
        started,
    )
}

/// Running items whose job still has an interaction on the service (its owner gone, not
/// collected yet): their indexes.
fn held_on_service(store: &Store, run: RunId) -> Result<HashSet<usize>, StudioError> {
    let mut held = HashSet::new();
    for (index, job) in store.batch_running_items(run)? {
        if store.orphan(job)?.is_some() {
            held.insert(index);
        }
    }
    Ok(held)
}

/// Why the loop ended early, if it did.
struct Ending {
    interrupted: bool,
    budget_hit: bool,
    /// Items still on the service (their owner gone, not collected yet).
    held: usize,
    stopped_by: Option<StudioError>,
    notices: Vec<String>,
}

/// Saves the items whose process died while their background interactions ran (so they
/// are recovered from the folder, not sent again), waiting for those still running.
async fn collect_left_items(lane: &InteractiveLane, run: RunId, dir: &Path) {
    let running: HashSet<JobId> = match lane.store.batch_running_jobs(run) {
        Ok(jobs) => jobs.into_iter().collect(),
        Err(e) => {
            tracing::warn!("reading run {run}'s running items: {e}");
            HashSet::new()
        }
    };
    let deadline = Instant::now() + ORPHAN_WAIT;
    loop {
        let collected =
            collect::collect_all(&lane.client, &lane.label, &lane.store, &lane.registry, dir).await;
        let waiting = match collected {
            Ok(collected) => collected
                .iter()
                .any(|c| matches!(c, Collected::Running { job } if running.contains(job))),
            Err(e) => {
                tracing::warn!("collecting jobs left running on the service: {e}");
                false
            }
        };
        if !waiting || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(ORPHAN_POLL).await;
    }
}

/// The stored item at `index`; one that cannot be read is marked failed (None).
fn read_item(store: &Store, run: RunId, index: usize) -> Result<Option<BatchItem>, StudioError> {
    let Some(row) = store.batch_item(run, index)? else {
        return Ok(None);
    };
    match serde_json::from_str::<BatchItem>(&row.item_json) {
        Ok(item) => Ok(Some(item)),
        Err(e) => {
            store.update_batch_item(
                run,
                index,
                &ItemUpdate::Failed {
                    kind: "store".into(),
                    message: format!("the stored item cannot be read ({e})"),
                },
            )?;
            Ok(None)
        }
    }
}

fn start_item(
    studio: &Studio,
    registry: &Registry,
    run: &RunRow,
    item: &BatchItem,
    dir: &Path,
    width: usize,
) -> Result<JobId, StudioError> {
    let spec_ = item.spec_in_run(dir, studio.store(), run.id)?;
    let mut jobs = spec::prepare(&spec_, registry)?;
    let Some(job) = jobs.pop() else {
        return Err(StudioError::Internal(
            "the engine prepared no request".into(),
        ));
    };
    let mut extra = json!({
        "batch": { "run": run.id, "index": item.index, "key": item.key, "with": item.with, "lane": run.lane }
    });
    if let Some(from) = &item.promoted_from {
        extra["promoted_from"] = json!(from);
    }
    if run.is_story() {
        let previous = spec_
            .previous_frame
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string());
        extra["story"] = json!({ "frame": item.index, "previous_frame": previous });
    }
    let naming = OutputNaming {
        stem: Some(item.file_stem(width)),
        sidecar_extra: Some(extra),
    };
    studio.submit_named(job, naming)
}

fn fail_item(
    store: &Store,
    run: RunId,
    index: usize,
    error: &StudioError,
) -> Result<(), StudioError> {
    store.update_batch_item(
        run,
        index,
        &ItemUpdate::Failed {
            kind: error.kind().into(),
            message: error.to_string(),
        },
    )?;
    Ok(())
}

/// Rewrites the manifest from the store, a page at a time; a failure is logged, the store
/// stays the truth.
pub fn write_manifest(store: &Store, run: RunId, dir: &Path) {
    match store.batch_run(run) {
        Ok(Some(row)) => {
            if let Err(e) = super::manifest_stream::write_from_store(store, &row, dir) {
                tracing::error!("writing the manifest of run {run}: {e}");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!("reading run {run}: {e}"),
    }
}

fn finish(
    store: &Store,
    run_id: RunId,
    dir: &Path,
    ending: Ending,
    retries: u32,
    started: Instant,
) -> Result<RunSummary, StudioError> {
    let Ending {
        interrupted,
        budget_hit,
        held,
        stopped_by,
        notices,
    } = ending;
    let (total, done, failed, spent_usd) = store.batch_item_counts(run_id)?;
    let pending = total - done - failed;
    let (state, reason) = if done == total {
        ("done", None)
    } else if let Some(error) = &stopped_by {
        ("incomplete", Some(error.kind().to_string()))
    } else if held > 0 {
        (
            "incomplete",
            Some(format!(
                "{held} item(s) still on the service; `peel batch resume {run_id}` collects them"
            )),
        )
    } else if interrupted {
        ("incomplete", Some("interrupted".to_string()))
    } else if budget_hit && pending > 0 {
        ("incomplete", Some("budget".to_string()))
    } else {
        ("incomplete", Some(format!("{failed} items failed")))
    };
    store.set_batch_run_state(run_id, state, reason.as_deref())?;
    write_manifest(store, run_id, dir);
    if let Some(run) = store.batch_run(run_id)?.filter(RunRow::is_story)
        && let Err(e) = super::story_sheet::write_story_files(store, &run)
    {
        tracing::error!("writing story.json and sheet.png of run {run_id}: {e}");
    }
    Ok(RunSummary {
        run: run_id,
        dir: dir.to_path_buf(),
        state: state.into(),
        stop_reason: reason,
        stopped_by,
        notices,
        total,
        done,
        failed,
        pending,
        spent_usd,
        retries,
        elapsed: started.elapsed(),
    })
}
