//! The workbench's side of batch runs and review: checking a batch file, running it on
//! the interactive lane with its job events forwarded to the Jobs pane, stopping it, and
//! the options (roster, re-runs) the review grid opens with.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::effects::outcome::Outcome;
use super::msg::{Msg, OtherRun};
use crate::config::Config;
use crate::review::{RerunDone, ReviewOptions};
use crate::studio::Roster;
use crate::studio::batch::interactive::{self, InteractiveLane, LaneOptions};
use crate::studio::batch::promote;
use crate::studio::batch::queue::{self, find_run, lock_run};
use crate::studio::batch::rerun::rerun;
use crate::studio::batch::validate::Checks;
use crate::studio::batch::{self, Batch};
use crate::studio::preset::PresetBook;
use crate::studio::{check, story};

/// How a workbench batch run is stopped, and where it says which run it recorded.
pub struct Stops {
    /// Stops it (resumable).
    pub stop: CancellationToken,
    /// Hands it to another process.
    pub hand: CancellationToken,
    /// Set to the run's id once it is recorded.
    pub recorded: std::sync::Arc<std::sync::Mutex<Option<i64>>>,
}

/// What batch runs from the workbench need.
#[derive(Clone)]
pub struct BatchSetup {
    /// The lane (its `forward` is set per run).
    pub lane: InteractiveLane,
    /// The config: `[defaults]` items fall back on, and the user's presets.
    pub config: Config,
    /// The user's config file (named in preset errors).
    pub config_file: PathBuf,
    /// The working directory, where a project `peel.toml` is looked for when the batch
    /// file's folder has none.
    pub cwd: Option<PathBuf>,
    /// Where run folders are made.
    pub out_parent: PathBuf,
    /// Run locks (so `peel batch resume` cannot run the same run twice).
    pub locks: PathBuf,
    /// Rate, concurrency and budget from `[batch]`.
    pub options: LaneOptions,
    /// Where review thumbnails are cached.
    pub thumbs: PathBuf,
}

impl BatchSetup {
    /// Loads a batch or story file; true for a story.
    fn load(&self, file: &Path) -> Result<(Batch, bool), String> {
        let anchors = Roster::new(self.lane.store.clone())
            .list()
            .map_err(|e| e.to_string())?;
        let presets =
            PresetBook::load_for_file(&self.config, &self.config_file, file, self.cwd.as_deref())
                .map_err(|e| e.to_string())?;
        let checks = Checks {
            registry: &self.lane.registry,
            config: &self.config.defaults,
            presets: &presets,
            anchors: Some(&anchors),
        };
        let is_story = story::is_story_file(file);
        let loaded = if is_story {
            story::load(file, &checks)
        } else {
            batch::load(file, &checks)
        };
        loaded.map(|b| (b, is_story)).map_err(|e| e.to_string())
    }

    /// Checks a batch file and plans it (blocking).
    pub fn plan(&self, file: &Path) -> Result<batch::BatchPlan, String> {
        let (loaded, _) = self.load(file)?;
        Ok(batch::plan(
            &loaded,
            &self.lane.registry,
            self.options.rpm,
            self.options.concurrency,
        ))
    }

    /// Runs a batch file to the end (or until stopped or handed over), reporting to `tx`.
    pub async fn run(&self, file: PathBuf, stops: Stops, tx: UnboundedSender<Outcome>) {
        let Stops {
            stop,
            hand,
            recorded,
        } = stops;
        let send = |msg: Msg| {
            let _ = tx.send(Outcome::Msg(msg));
        };
        let (loaded, is_story) = match self.load(&file) {
            Ok(loaded) => loaded,
            Err(e) => return send(Msg::BatchFinished(Err(e))),
        };
        let created = if is_story {
            story::create(&self.lane.store, &loaded, &self.out_parent)
        } else {
            queue::create_run(
                &self.lane.store,
                &loaded,
                &self.out_parent,
                "interactive",
                "running",
                self.options.budget,
            )
        };
        drop(loaded);
        let (run_id, _dir) = match created {
            Ok(run) => run,
            Err(e) => return send(Msg::BatchFinished(Err(e.to_string()))),
        };
        *recorded.lock().unwrap_or_else(|e| e.into_inner()) = Some(run_id);
        let lock = match lock_run(&self.locks, run_id) {
            Ok(lock) => lock,
            Err(e) => return send(Msg::BatchFinished(Err(e.to_string()))),
        };
        let (forward_tx, mut forward_rx) = mpsc::unbounded_channel();
        let jobs_tx = tx.clone();
        let forwarder = tokio::spawn(async move {
            while let Some(event) = forward_rx.recv().await {
                let _ = jobs_tx.send(Outcome::Msg(Msg::BatchJob(event)));
            }
        });
        let lane = InteractiveLane {
            forward: Some(forward_tx),
            ..self.lane.clone()
        };
        let progress_tx = tx.clone();
        let result =
            interactive::run_or_hand_off(&lane, run_id, self.options, stop, hand, |event| {
                let _ = progress_tx.send(Outcome::Msg(Msg::Batch(event)));
            })
            .await;
        drop(lane);
        let _ = forwarder.await;
        drop(lock);
        send(Msg::BatchFinished(result.map_err(|e| e.to_string())));
    }

    /// Interactive runs another process holds the lock of, with their counts (blocking).
    pub fn other_runs(&self) -> Vec<OtherRun> {
        let Ok(runs) = self.lane.store.batch_runs(20) else {
            return Vec::new();
        };
        runs.into_iter()
            .filter(|r| r.runs_here() && r.state == "running")
            .filter(|r| queue::is_locked(&self.locks, r.id))
            .map(|r| OtherRun {
                run: r.id,
                done: r.done,
                failed: r.failed,
                total: r.items,
            })
            .collect()
    }

    /// Review options for `dir`, with re-runs when it is a batch run's folder.
    pub fn review_options(
        &self,
        dir: &Path,
        image_protocol: &str,
        spent: UnboundedSender<Outcome>,
    ) -> ReviewOptions {
        let run = find_run(&self.lane.store, &dir.display().to_string())
            .ok()
            .flatten();
        let reruns = run.clone().map(|run| {
            let (jobs_tx, mut jobs_rx) = mpsc::unbounded_channel::<usize>();
            let (done_tx, done_rx) = mpsc::unbounded_channel::<RerunDone>();
            let lane = self.lane.clone();
            tokio::spawn(async move {
                while let Some(index) = jobs_rx.recv().await {
                    let result = rerun(&lane, &run, index).await;
                    if done_tx.send(RerunDone { index, result }).is_err() {
                        return;
                    }
                }
            });
            (jobs_tx, done_rx)
        });
        let promotions = run.map(|run| {
            let (picks_tx, mut picks_rx) =
                mpsc::unbounded_channel::<(crate::studio::batch::manifest::Mark, String)>();
            let (done_tx, done_rx) = mpsc::unbounded_channel();
            let (lane, options) = (self.lane.clone(), self.options);
            tokio::spawn(async move {
                while let Some((mark, size)) = picks_rx.recv().await {
                    let promoted = promote::promote_marked(&lane, &run, mark, &size, options).await;
                    let result = promoted
                        .map(|dir| dir.display().to_string())
                        .map_err(|e| e.to_string());
                    if done_tx.send(result).is_err() {
                        return;
                    }
                }
            });
            (picks_tx, done_rx)
        });
        let (check_tx, mut check_rx) = mpsc::unbounded_channel::<Vec<std::path::PathBuf>>();
        let (checked_tx, checked_rx) = mpsc::unbounded_channel();
        let (lane, config) = (self.lane.clone(), self.config.check.clone());
        tokio::spawn(async move {
            while let Some(files) = check_rx.recv().await {
                let report =
                    check::check_files(&lane.client, &lane.store, &lane.registry, &config, &files)
                        .await
                        .map_err(|e| e.to_string());
                if let Ok(report) = &report {
                    let _ = spent.send(Outcome::Msg(Msg::Spent(report.cost_usd)));
                }
                if checked_tx.send(report).is_err() {
                    return;
                }
            }
        });
        ReviewOptions {
            checks: Some((check_tx, checked_rx)),
            warn_below: self.config.check.warn_below,
            dir: dir.to_path_buf(),
            thumbs_dir: self.thumbs.clone(),
            image_protocol: image_protocol.to_string(),
            roster: Some(Roster::new(self.lane.store.clone())),
            reruns,
            promotions,
        }
    }
}
