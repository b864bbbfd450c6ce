//! The loop of one interactive run: items started under the rate limit, the concurrency
//! cap and the budget, their events turned into `BatchEvent`s and store updates, stops and
//! hand-offs obeyed, the manifest rewritten as items finish.

use super::{BatchEvent, HANDED_OVER, InteractiveLane, LaneOptions, RunSummary, Stops};
use crate::api::client::rpm_limiter;
use crate::models::Lane;
use crate::store::{ItemUpdate, RunId};
use crate::studio::batch::manifest_stream::write_manifest;
use crate::studio::batch::queue::{Reconciled, reconcile};
use crate::studio::batch::validate::run_index_width;
use crate::studio::{JobId, Studio, StudioError, StudioEvent};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::ending::{Ending, finish};
use super::items::{collect_left_items, fail_item, held_on_service, read_item, start_item};

/// How often the manifest is rewritten while items finish (plus a millisecond per item,
/// so a huge run does not spend its time rewriting a huge file).
const MANIFEST_EVERY: Duration = Duration::from_millis(500);

/// How often a stop that keeps paid work looks again at requests on the wire.
const STOP_RECHECK: Duration = Duration::from_millis(200);

struct InFlight {
    index: usize,
    key: String,
    estimate: f64,
}

pub(super) async fn drive(
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
