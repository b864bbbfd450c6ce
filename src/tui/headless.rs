//! Finishing without a terminal: after a hangup or the quit answer `b`, the workbench
//! keeps its engine running until every job in flight and the batch run started here are
//! saved or failed for real, writing progress and the exit reason to `peel.log`.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use super::app::Inbox;
use super::effects::Effects;
use super::effects::outcome::Outcome;
use super::msg::Msg;
use crate::store::owner::Owner;
use crate::studio::detach::{self, HandOff, HandedRun};
use crate::studio::runner::HandOffMode;
use crate::studio::{Studio, StudioEvent};

/// How often the engine is asked whether anything is still running.
const CHECK: Duration = Duration::from_millis(250);
/// How long a stop (SIGTERM, Ctrl+C) waits for the batch run to record where it stopped.
const STOP_PATIENCE: Duration = Duration::from_secs(5);

/// How headless finishing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// Jobs saved while headless.
    pub done: usize,
    /// Jobs that failed for good while headless (disk full, refused, …).
    pub failed: usize,
    /// A signal stopped the work before it ended.
    pub stopped: bool,
}

impl Finished {
    /// True when everything that was running got saved.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && !self.stopped
    }
}

/// Runs until the engine has no job left and the batch run (if any) has ended; SIGTERM
/// or SIGINT stop the work early (jobs cancelled, the batch run left resumable).
pub async fn finish(studio: &Studio, effects: &mut Effects, inbox: &mut Inbox) -> Finished {
    let mut result = Finished {
        done: 0,
        failed: 0,
        stopped: false,
    };
    let mut batch = effects.take_batch_task();
    tracing::info!(
        "headless: finishing {} job(s){}",
        studio.active_jobs(),
        if batch.is_some() {
            " and the batch run"
        } else {
            ""
        }
    );
    let (Ok(mut sigterm), Ok(mut sigint)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("headless: cannot watch for SIGTERM; finishing anyway");
        return wait_quietly(studio, batch, inbox, result).await;
    };
    let mut check = tokio::time::interval(CHECK);
    loop {
        tokio::select! {
            Some(event) = inbox.studio.recv() => note(&event, &mut result),
            Some(outcome) = inbox.outcomes.recv() => note_outcome(outcome, &mut result),
            Some(_) = inbox.resize_requests.recv() => {}
            _ = async {
                match batch.as_mut() {
                    Some(task) => task.await,
                    None => std::future::pending().await,
                }
            }, if batch.is_some() => {
                tracing::info!("headless: the batch run ended");
                batch = None;
            }
            _ = check.tick() => {
                if batch.is_none() && studio.active_jobs() == 0 {
                    break;
                }
            }
            _ = sigterm.recv() => { stop(studio, effects, &mut batch, &mut result, "SIGTERM").await; }
            _ = sigint.recv() => { stop(studio, effects, &mut batch, &mut result, "SIGINT").await; }
        }
    }
    while let Ok(event) = inbox.studio.try_recv() {
        note(&event, &mut result);
    }
    tracing::info!(
        "headless: done — {} saved, {} failed{}; exiting",
        result.done,
        result.failed,
        if result.stopped {
            ", stopped by a signal"
        } else {
            ""
        }
    );
    result
}

/// Hands every job in flight and the batch run started here to a detached peel process
/// (the quit answer `b`): jobs the service has are collected there, unsent ones and the
/// run's remaining items are sent there. Returns the process and how many jobs and runs
/// it took (None when nothing was left).
pub async fn hand_over(
    studio: &Studio,
    effects: &mut Effects,
    handoff: HandOff,
) -> Result<Option<(Owner, usize, usize)>, String> {
    let (run, handed) = tokio::join!(effects.hand_off_batch(), studio.hand_off(HandOffMode::Now));
    let mut handoff = handoff.with_jobs(handed);
    if let Some((id, options)) = run {
        handoff.runs.push(HandedRun { id, options });
    }
    if handoff.is_empty() {
        return Ok(None);
    }
    let (jobs, runs) = (handoff.jobs().len(), handoff.runs.len());
    let unsent = handoff.send.clone();
    match detach::spawn(handoff, studio.store()) {
        Ok(owner) => Ok(Some((owner, jobs, runs))),
        Err(e) => {
            // Nothing changed hands: the jobs never sent are sent here after all (those the
            // service has are collected by the next peel, as after any exit).
            studio.keep_working_here();
            for job in unsent {
                studio.adopt(job.id, job.job, job.naming);
            }
            Err(e.to_string())
        }
    }
}

/// Waits without signal handling (when signals cannot be watched).
async fn wait_quietly(
    studio: &Studio,
    batch: Option<tokio::task::JoinHandle<()>>,
    inbox: &mut Inbox,
    mut result: Finished,
) -> Finished {
    if let Some(task) = batch {
        let _ = task.await;
    }
    while studio.active_jobs() > 0 {
        match tokio::time::timeout(CHECK, inbox.studio.recv()).await {
            Ok(Some(event)) => note(&event, &mut result),
            Ok(None) => break,
            Err(_) => {}
        }
    }
    result
}

async fn stop(
    studio: &Studio,
    effects: &mut Effects,
    batch: &mut Option<tokio::task::JoinHandle<()>>,
    result: &mut Finished,
    signal: &str,
) {
    tracing::warn!("headless: {signal}: stopping; the batch run stays resumable");
    result.stopped = true;
    effects.run(super::msg::Effect::StopBatch);
    if let Some(task) = batch.take() {
        let _ = tokio::time::timeout(STOP_PATIENCE, task).await;
    }
    studio.cancel_all();
}

fn note(event: &StudioEvent, result: &mut Finished) {
    match event {
        StudioEvent::Done { id, outputs, .. } => {
            result.done += 1;
            let files: Vec<String> = outputs
                .iter()
                .map(|o| o.path.display().to_string())
                .collect();
            tracing::info!("headless: job {id} saved: {}", files.join(", "));
        }
        StudioEvent::Failed { id, error, .. } => {
            result.failed += 1;
            tracing::error!("headless: job {id} failed: {error}");
        }
        StudioEvent::Cancelled { id } => tracing::info!("headless: job {id} cancelled"),
        _ => {}
    }
}

fn note_outcome(outcome: Outcome, result: &mut Finished) {
    match outcome {
        Outcome::Msg(Msg::BatchJob(event)) => note(&event, result),
        Outcome::Msg(Msg::BatchFinished(Ok(summary))) => tracing::info!(
            "headless: batch run {} {}: {} of {} saved, {} failed",
            summary.run,
            summary.state,
            summary.done,
            summary.total,
            summary.failed
        ),
        Outcome::Msg(Msg::BatchFinished(Err(e))) => {
            result.failed += 1;
            tracing::error!("headless: the batch run failed: {e}");
        }
        _ => {}
    }
}
