//! Carrying out `Effect`s off the UI task: what effects share (`Effects`) and which effect
//! goes where (`run`); turns, batch runs, images and the roster each have a file under
//! `effects/`. Results come back to the event loop as `outcome::Outcome`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use ratatui_image::picker::Picker;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

mod batch;
pub mod images;
pub mod outcome;
mod roster;
mod turns;

use super::batch_run::BatchSetup;
use super::clipboard::Clipboard;
use super::msg::{Effect, Msg, OtherRun};
use super::strings;
use crate::models::Registry;
use crate::store::JobWatch;
use crate::studio::collect::{Collector, Recovery};
use crate::studio::preset::{Preset, PresetSource, save_preset};
use crate::studio::{Roster, Studio};
use outcome::Outcome;

/// Everything effects need.
pub struct Effects {
    /// The engine.
    pub studio: Studio,
    /// The roster.
    pub roster: Roster,
    /// The registry.
    pub registry: Arc<Registry>,
    /// The clipboard service.
    pub clipboard: Clipboard,
    /// Builds image protocols for the terminal.
    pub picker: Picker,
    /// Where pasted clipboard images are saved.
    pub paste_dir: PathBuf,
    /// Results go here.
    pub tx: UnboundedSender<Outcome>,
    /// The latest preview request; older decodes give up.
    preview_generation: Arc<AtomicU64>,
    /// The latest pin for compare; older decodes give up.
    pin_generation: Arc<AtomicU64>,
    /// Sessions created for first turns, by the workbench's token: (id, model).
    sessions: Arc<Mutex<HashMap<u64, (String, String)>>>,
    /// The user's config file, where presets saved from the workbench go.
    pub config_file: PathBuf,
    /// Batch runs (None: not available, e.g. in tests).
    pub batch: Option<BatchSetup>,
    /// Stops the batch run in progress.
    batch_stop: Option<CancellationToken>,
    /// The batch run's task, awaited on quit so the store and manifest record where it stopped.
    batch_task: Option<tokio::task::JoinHandle<()>>,
    /// Hands the batch run to another process (the quit answer `b`).
    batch_hand: Option<CancellationToken>,
    /// The run the batch task recorded, once it did.
    batch_run: Arc<Mutex<Option<i64>>>,
    /// Other processes' runs as last reported (only changes are sent).
    other_runs: Arc<Mutex<Vec<OtherRun>>>,
    /// The store's job changes, for the live Jobs pane (None: an in-memory store).
    job_watch: Arc<Mutex<Option<JobWatch>>>,
    /// Asks each interrupted job's own service about it (None: not connected, in tests).
    pub collector: Option<Arc<tokio::sync::Mutex<Collector>>>,
}

impl Effects {
    /// Effects over the engine and roster, reporting to `tx`.
    pub fn new(
        studio: Studio,
        roster: Roster,
        clipboard: Clipboard,
        picker: Picker,
        paste_dir: PathBuf,
        tx: UnboundedSender<Outcome>,
    ) -> Self {
        Self {
            job_watch: Arc::new(Mutex::new(watch_jobs(&studio))),
            registry: Arc::new(studio.registry().clone()),
            studio,
            roster,
            clipboard,
            picker,
            paste_dir,
            tx,
            preview_generation: Arc::new(AtomicU64::new(0)),
            pin_generation: Arc::new(AtomicU64::new(0)),
            sessions: Arc::default(),
            config_file: PathBuf::from("config.toml"),
            batch: None,
            batch_stop: None,
            batch_task: None,
            batch_hand: None,
            batch_run: Arc::default(),
            other_runs: Arc::default(),
            collector: None,
        }
    }

    fn send(&self, msg: Msg) {
        let _ = self.tx.send(Outcome::Msg(msg));
    }

    /// Asks the service about an interrupted job before anything is sent again.
    fn recover(&self, id: crate::studio::JobId) {
        let tx = self.tx.clone();
        let Some(collector) = self.collector.clone() else {
            let recovery = Err(strings::effects::NO_CONNECTION.to_string());
            let _ = tx.send(Outcome::Msg(Msg::Recovered { id, recovery }));
            return;
        };
        tokio::spawn(async move {
            let recovery: Result<Recovery, String> = collector
                .lock()
                .await
                .recover(id)
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Outcome::Msg(Msg::Recovered { id, recovery }));
        });
    }

    /// Carries out one effect; slow work is spawned.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Generate(spec, token) => self.first_turn(spec, token),
            Effect::Continue {
                spec,
                session,
                parent,
            } => self.continue_session(spec, session, parent),
            Effect::ComposeRequest { spec, continues } => self.compose(spec, continues),
            Effect::LoadSession(id) => {
                let store = self.studio.store().clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = match store.session(&id) {
                        Ok(Some(s)) => Ok(s),
                        Ok(None) => Err(strings::effects::session_gone(&id)),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(Outcome::Msg(Msg::SessionLoaded(result)));
                });
            }
            Effect::SetHead { session, turn } => {
                if let Err(e) = self.studio.store().set_session_head(&session, Some(turn)) {
                    self.send(Msg::Refused(e.to_string()));
                }
            }
            Effect::Cancel(id) => {
                self.studio.cancel(id);
            }
            Effect::Recover(id) => self.recover(id),
            Effect::Retry(id) => match self.studio.retry(id) {
                Some(Ok(_)) => {}
                Some(Err(e)) => self.send(Msg::Refused(e.to_string())),
                None => self.send(Msg::Refused(strings::effects::cannot_retry(id))),
            },
            Effect::LoadPreview(path) => self.load_preview(path),
            Effect::LoadPinned(path) => self.load_pinned(path),
            Effect::Copy { what, text } => {
                let result = self
                    .clipboard
                    .copy(&text, &mut std::io::stdout())
                    .map_err(|e| e.to_string());
                self.send(Msg::Copied { what, result });
            }
            Effect::PasteImage => self.paste_image(),
            Effect::Roster(op) => self.change_roster(op),
            Effect::Promote { image, text } => self.promote(image, text),
            Effect::SavePreset {
                name,
                layer,
                replace,
            } => {
                let file = self.config_file.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = save_preset(&file, PresetSource::User, &name, &layer, replace)
                        .map(|outcome| Preset {
                            name: name.trim().to_string(),
                            settings: layer,
                            source: PresetSource::User,
                            file: outcome.file,
                        })
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Outcome::Msg(Msg::PresetSaved(result)));
                });
            }
            Effect::PlanBatch(file) => self.plan_batch(file),
            Effect::RunBatch(file) => self.run_batch(file),
            Effect::StopBatch => self.stop_batch(),
            Effect::PollRuns => self.poll_runs(),
            Effect::PollJobs => {
                let watch = self.job_watch.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    // A poll still running (a busy store) makes this one unnecessary.
                    let Ok(mut watch) = watch.try_lock() else {
                        return;
                    };
                    let Some(watch) = watch.as_mut() else {
                        return;
                    };
                    match watch.poll() {
                        Ok(rows) if rows.is_empty() => {}
                        Ok(rows) => {
                            let _ = tx.send(Outcome::Msg(Msg::JobsChanged(rows)));
                        }
                        Err(e) => tracing::warn!("watching jobs: {e}"),
                    }
                });
            }
            Effect::Review(_) => {}
            Effect::Quit => {}
        }
    }
}

/// Starts watching the store's jobs, or says why the Jobs pane will not be live.
fn watch_jobs(studio: &Studio) -> Option<JobWatch> {
    JobWatch::open(studio.store()).unwrap_or_else(|e| {
        tracing::warn!("jobs of other processes will not show: {e}");
        None
    })
}
