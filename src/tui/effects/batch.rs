//! The batch run effects: checking a batch file, running it, stopping it or handing it to
//! another process, and listing other processes' runs.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::Effects;
use super::outcome::Outcome;
use crate::tui::batch_run::Stops;
use crate::tui::msg::Msg;
use crate::tui::strings;

impl Effects {
    /// Checks a batch file off the UI task; the plan (or why not) comes back as a message.
    pub(super) fn plan_batch(&self, file: PathBuf) {
        match self.batch.clone() {
            Some(setup) => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = setup.plan(&file);
                    let _ = tx.send(Outcome::Msg(Msg::BatchPlanned { path: file, result }));
                });
            }
            None => self.send(Msg::BatchPlanned {
                path: file,
                result: Err(strings::effects::NO_BATCH.into()),
            }),
        }
    }

    /// Starts a batch run; however it ends, the workbench hears of it.
    pub(super) fn run_batch(&mut self, file: PathBuf) {
        match self.batch.clone() {
            Some(setup) => {
                let stop = CancellationToken::new();
                let hand = CancellationToken::new();
                self.batch_stop = Some(stop.clone());
                self.batch_hand = Some(hand.clone());
                let tx = self.tx.clone();
                let progress = tx.clone();
                let recorded = self.batch_run.clone();
                let stops = Stops {
                    stop,
                    hand,
                    recorded,
                };
                let run = tokio::spawn(async move { setup.run(file, stops, progress).await });
                // However the run ends, the workbench hears of it.
                self.batch_task = Some(tokio::spawn(async move {
                    if let Err(e) = run.await {
                        let _ = tx.send(Outcome::Msg(Msg::BatchFinished(Err(
                            strings::effects::batch_task_died(&e),
                        ))));
                    }
                }));
            }
            None => self.send(Msg::BatchFinished(Err(strings::effects::NO_BATCH.into()))),
        }
    }

    /// Asks the batch run in progress to stop.
    pub(super) fn stop_batch(&mut self) {
        if let Some(stop) = self.batch_stop.take() {
            stop.cancel();
        }
    }

    /// Lists other processes' runs; only a change is sent.
    pub(super) fn poll_runs(&self) {
        let Some(setup) = self.batch.clone() else {
            return;
        };
        let last = self.other_runs.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let runs = setup.other_runs();
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if *last != runs {
                *last = runs.clone();
                let _ = tx.send(Outcome::Msg(Msg::OtherRuns(runs)));
            }
        });
    }

    /// The batch run's task, if one runs (headless finishing awaits it to its end).
    pub fn take_batch_task(&mut self) -> Option<tokio::task::JoinHandle<()>> {
        self.batch_task.take()
    }

    /// Hands the batch run (if one is going) to another process: no new item starts, items
    /// the service has stay running, unsent ones go back to pending. Returns the run and
    /// its limits once the run task let go of it.
    pub async fn hand_off_batch(
        &mut self,
    ) -> Option<(i64, crate::studio::batch::interactive::LaneOptions)> {
        let hand = self.batch_hand.take()?;
        hand.cancel();
        if let Some(task) = self.batch_task.take() {
            let _ = task.await;
        }
        let run = (*self.batch_run.lock().unwrap_or_else(|e| e.into_inner()))?;
        let still = self
            .studio
            .store()
            .batch_run(run)
            .ok()
            .flatten()
            .is_some_and(|r| r.state == "running");
        let options = self.batch.as_ref()?.options;
        still.then_some((run, options))
    }

    /// Stops the batch run, if one is going, and waits (a little) until it has recorded where
    /// it stopped, so `peel batch resume` finds the items in flight as they are.
    pub async fn stop_batch_and_wait(&mut self, patience: std::time::Duration) {
        if let Some(stop) = self.batch_stop.take() {
            stop.cancel();
        }
        if let Some(task) = self.batch_task.take() {
            let _ = tokio::time::timeout(patience, task).await;
        }
    }
}
