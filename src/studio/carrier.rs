//! `peel carry-on`'s side of a hand-off: the detached process waits for its parent to
//! exit, sends the unsent jobs under their ids, collects the sent ones from their own
//! service, resumes the runs, runs the check, and says how it went (`Carried`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::batch::interactive::{self, InteractiveLane};
use super::batch::queue::lock_run;
use super::collect::{Collected, Collector, Recovery};
use super::detach::{CheckWork, HandOff, HandedRun};
use super::runner::DEFAULT_CONCURRENCY;
use super::{JobId, Studio, StudioEvent, backend, check};
use crate::config::Settings;
use crate::models::Registry;
use crate::store::Store;
use crate::store::owner::Owner;

/// How often a detached process asks the service about the jobs it collects.
const COLLECT_EVERY: Duration = Duration::from_secs(1);
/// How long a detached process waits for a run's lock (its parent's run ending).
const LOCK_PATIENCE: Duration = Duration::from_secs(60);

/// What a detached process did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried {
    /// Jobs saved.
    pub saved: usize,
    /// Jobs, runs or checks that failed or could not be finished.
    pub failed: usize,
}

impl Carried {
    /// The process's exit code.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed > 0)
    }
}

/// The detached process's work: waits for its parent to exit, then sends the unsent jobs,
/// collects the sent ones, resumes the runs and runs the check, logging as it goes.
pub async fn carry_on(
    settings: &Settings,
    registry: Arc<Registry>,
    store: Store,
    handoff: HandOff,
    stop: CancellationToken,
) -> Carried {
    if let Some((pid, started)) = handoff.parent {
        let parent = Owner { pid, started };
        while parent.is_alive() && !stop.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut carried = Carried::default();
    let conn = match backend::connect(settings, &registry).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!("detached: cannot connect: {e}; the work stays collectable");
            carried.failed += 1;
            return carried;
        }
    };
    let (studio, mut events) = Studio::new(
        conn.client.clone(),
        registry.clone(),
        store.clone(),
        conn.label.clone(),
        DEFAULT_CONCURRENCY,
    );
    let studio = studio.with_inline_budget(settings.inline_budget());
    let mut sending: HashSet<JobId> = HashSet::new();
    for unsent in handoff.send {
        sending.insert(unsent.id);
        studio.adopt(unsent.id, unsent.job, unsent.naming);
    }
    let lane = InteractiveLane {
        client: conn.client.clone(),
        registry: registry.clone(),
        store: store.clone(),
        label: conn.label.clone(),
        forward: None,
    };
    let runs = handoff.runs.clone();
    let locks = settings.paths.data_dir.join("locks");
    let run_stop = stop.clone();
    let mut runs_task =
        tokio::spawn(async move { resume_runs(&lane, &runs, &locks, run_stop).await });
    let check_work = handoff.check.clone();
    let (check_client, check_store, check_registry) =
        (conn.client.clone(), store.clone(), registry.clone());
    let check_config = settings.config.check.clone();
    let mut check_task = tokio::spawn(async move {
        let Some(work) = check_work else {
            return 0;
        };
        run_check(
            &check_client,
            &check_store,
            &check_registry,
            &check_config,
            &work,
        )
        .await
    });
    let mut collecting: Vec<JobId> = handoff.collect;
    let mut collector = Collector::new(
        settings,
        registry.clone(),
        store.clone(),
        Some((conn.client.clone(), conn.label.clone())),
    );
    let (mut runs_done, mut check_done) = (false, false);
    let mut tick = tokio::time::interval(COLLECT_EVERY);
    loop {
        tokio::select! {
            Some(event) = events.recv(), if !sending.is_empty() => note(&event, &mut sending, &mut carried),
            failed = &mut runs_task, if !runs_done => {
                runs_done = true;
                carried.failed += failed.unwrap_or(1);
            }
            failed = &mut check_task, if !check_done => {
                check_done = true;
                carried.failed += failed.unwrap_or(1);
            }
            _ = tick.tick() => {
                let mut left = Vec::new();
                for job in collecting {
                    if !ask(&mut collector, &store, job, &mut carried).await {
                        left.push(job);
                    }
                }
                collecting = left;
            }
            _ = stop.cancelled() => {
                tracing::warn!("detached: stopped by a signal; what is left stays collectable or resumable");
                studio.cancel_all();
                carried.failed += 1;
                break;
            }
        }
        if sending.is_empty() && collecting.is_empty() && runs_done && check_done {
            break;
        }
    }
    collector.shutdown().await;
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    tracing::info!(
        "detached: done — {} saved, {} failed; exiting {}",
        carried.saved,
        carried.failed,
        carried.exit_code()
    );
    carried
}

/// Hears a job's event; true once it ended.
fn note(event: &StudioEvent, sending: &mut HashSet<JobId>, carried: &mut Carried) {
    match event {
        StudioEvent::Done { id, outputs, .. } => {
            let files: Vec<String> = outputs
                .iter()
                .map(|o| o.path.display().to_string())
                .collect();
            tracing::info!("detached: job {id} saved: {}", files.join(", "));
            carried.saved += 1;
        }
        StudioEvent::Failed { id, error, .. } => {
            tracing::error!("detached: job {id} failed: {error}");
            carried.failed += 1;
        }
        StudioEvent::Cancelled { id } => {
            tracing::warn!("detached: job {id} cancelled");
            carried.failed += 1;
        }
        _ => return,
    }
    sending.remove(&event.job_id());
}

/// Asks the service about a handed-over job; true once nothing is left to do for it.
async fn ask(collector: &mut Collector, store: &Store, job: JobId, carried: &mut Carried) -> bool {
    let asked = match collector.ask(job).await {
        Ok(asked) => asked,
        Err(e) => {
            tracing::warn!("detached: asking about job {job}: {e}");
            return false;
        }
    };
    match asked {
        Recovery::Asked(Collected::Running { .. }) => false,
        Recovery::Asked(Collected::Saved { outputs, .. }) => {
            let files: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
            tracing::info!("detached: job {job} collected: {}", files.join(", "));
            carried.saved += 1;
            true
        }
        Recovery::Asked(Collected::Failed { message, .. }) => {
            tracing::error!("detached: job {job} failed on the service: {message}");
            carried.failed += 1;
            true
        }
        Recovery::Asked(Collected::Lost { .. }) => {
            tracing::error!("detached: the service no longer has job {job}'s interaction");
            carried.failed += 1;
            true
        }
        // Being collected by another process (a workbench): done once its row ended.
        Recovery::Busy | Recovery::NeverCreated | Recovery::AlreadyResent => {
            let ended = store
                .job(job)
                .ok()
                .flatten()
                .is_none_or(|row| !crate::store::owner::is_in_flight(&row.state));
            if ended {
                tracing::info!("detached: job {job} was finished by another peel process");
            }
            ended
        }
        Recovery::Unreachable(missing) => {
            tracing::error!("detached: {missing}");
            carried.failed += 1;
            true
        }
        Recovery::NotSaved(why) => {
            tracing::error!(
                "detached: job {job} is on the service but could not be saved ({why}); it stays collectable"
            );
            carried.failed += 1;
            true
        }
    }
}

/// Resumes each run to its end; returns how many did not end done.
async fn resume_runs(
    lane: &InteractiveLane,
    runs: &[HandedRun],
    locks: &std::path::Path,
    stop: CancellationToken,
) -> usize {
    let mut failed = 0;
    for run in runs {
        let deadline = tokio::time::Instant::now() + LOCK_PATIENCE;
        let lock = loop {
            match lock_run(locks, run.id) {
                Ok(lock) => break Some(lock),
                Err(e) if tokio::time::Instant::now() > deadline => {
                    tracing::error!("detached: run {}: {e}", run.id);
                    break None;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let Some(lock) = lock else {
            failed += 1;
            continue;
        };
        tracing::info!("detached: resuming run {}", run.id);
        let result = interactive::run(lane, run.id, run.options, stop.clone(), |_| {}).await;
        drop(lock);
        match result {
            Ok(summary) if summary.state == "done" => tracing::info!(
                "detached: run {} done: {} of {} saved",
                run.id,
                summary.done,
                summary.total
            ),
            Ok(summary) => {
                failed += 1;
                tracing::error!(
                    "detached: run {} {}: {} of {} saved, {} failed ({}); `peel batch resume {}` continues it",
                    run.id,
                    summary.state,
                    summary.done,
                    summary.total,
                    summary.failed,
                    summary.stop_reason.unwrap_or_default(),
                    run.id
                );
            }
            Err(e) => {
                failed += 1;
                tracing::error!("detached: run {}: {e}", run.id);
            }
        }
    }
    failed
}

/// Runs a handed-over check; returns 1 when it failed.
async fn run_check(
    client: &crate::api::client::GeminiClient,
    store: &Store,
    registry: &Registry,
    config: &crate::config::CheckSection,
    work: &CheckWork,
) -> usize {
    let plan = match check::plan(store, registry, config, &work.paths, work.with.as_deref()) {
        Ok(plan) => plan,
        Err(e) => {
            tracing::error!("detached: the check: {e}");
            return 1;
        }
    };
    let plan = match work.tier.map(|tier| plan.clone().at_tier(tier)) {
        None => plan,
        Some(Ok(plan)) => plan,
        Some(Err(e)) => {
            tracing::error!("detached: the check: {e}");
            return 1;
        }
    };
    match check::run(client, store, &plan, |_| {}).await {
        Ok(report) => {
            let failed = report.images.iter().filter(|i| i.error.is_some()).count();
            tracing::info!(
                "detached: checked {} image(s), ${:.4}; {} drifted, {} not fully checked",
                report.images.len(),
                report.cost_usd,
                report.drifted().len(),
                failed
            );
            usize::from(failed > 0)
        }
        Err(e) => {
            tracing::error!("detached: the check: {e}");
            1
        }
    }
}
