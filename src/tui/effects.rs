//! Carrying out `Effect`s: engine calls (in-shot anchors join each generation), roster
//! writes, clipboard, and image decoding
//! off the UI task. Results come back as messages into the event loop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ratatui_image::picker::Picker;
use ratatui_image::protocol::StatefulProtocol;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

mod turns;

use super::batch_run::BatchSetup;
use super::clipboard::{self, Clipboard};
use super::msg::{Effect, Msg, RosterOp, RosterResult};
use super::state::batch::OtherRun;
use crate::models::Registry;
use crate::store::JobWatch;
use crate::studio::collect::{Collector, Recovery};
use crate::studio::preset::{Preset, PresetSource, save_preset};
use crate::studio::{Roster, Studio};

/// What the event loop receives from effect tasks.
pub enum Outcome {
    /// A message for `update`.
    Msg(Msg),
    /// A decoded image, ready for the image slot.
    Image {
        /// The file.
        path: PathBuf,
        /// The image wrapped for the terminal's protocol.
        protocol: StatefulProtocol,
        /// Pixel size.
        size: (u32, u32),
    },
    /// The image pinned for compare, decoded (None: drop it).
    Pinned(Option<(PathBuf, StatefulProtocol)>),
}

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
            let recovery = Err("no connection to ask the service".to_string());
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
                        Ok(None) => Err(format!("session {id} is gone from the store")),
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
                None => self.send(Msg::Refused(format!(
                    "job #{id} can no longer be retried; press p to reuse its prompt"
                ))),
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
            Effect::PasteImage => {
                let dir = self.paste_dir.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result =
                        clipboard::read_image_png().and_then(|png| save_pasted(&dir, &png));
                    let _ = tx.send(Outcome::Msg(Msg::ImagePasted(result)));
                });
            }
            Effect::Roster(op) => {
                let result = roster_op(&self.roster, op);
                self.send(Msg::Roster(result));
            }
            Effect::Promote { image, text } => {
                let roster = self.roster.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = match crate::review::promote::promote(&roster, &image, &text) {
                        Ok(done) => RosterResult {
                            result: roster.list().map_err(|e| e.to_string()),
                            focus: None,
                            done,
                        },
                        Err(e) => RosterResult {
                            result: Err(e),
                            focus: None,
                            done: String::new(),
                        },
                    };
                    let _ = tx.send(Outcome::Msg(Msg::Roster(result)));
                });
            }
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
            Effect::PlanBatch(file) => match self.batch.clone() {
                Some(setup) => {
                    let tx = self.tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = setup.plan(&file);
                        let _ = tx.send(Outcome::Msg(Msg::BatchPlanned { path: file, result }));
                    });
                }
                None => self.send(Msg::BatchPlanned {
                    path: file,
                    result: Err(NO_BATCH.into()),
                }),
            },
            Effect::RunBatch(file) => match self.batch.clone() {
                Some(setup) => {
                    let stop = CancellationToken::new();
                    let hand = CancellationToken::new();
                    self.batch_stop = Some(stop.clone());
                    self.batch_hand = Some(hand.clone());
                    let tx = self.tx.clone();
                    let progress = tx.clone();
                    let recorded = self.batch_run.clone();
                    let stops = super::batch_run::Stops {
                        stop,
                        hand,
                        recorded,
                    };
                    let run = tokio::spawn(async move { setup.run(file, stops, progress).await });
                    // However the run ends, the workbench hears of it.
                    self.batch_task = Some(tokio::spawn(async move {
                        if let Err(e) = run.await {
                            let _ = tx.send(Outcome::Msg(Msg::BatchFinished(Err(format!(
                                "the batch run stopped unexpectedly ({e}); `peel batch list` shows it and `peel batch resume` finishes it"
                            )))));
                        }
                    }));
                }
                None => self.send(Msg::BatchFinished(Err(NO_BATCH.into()))),
            },
            Effect::StopBatch => {
                if let Some(stop) = self.batch_stop.take() {
                    stop.cancel();
                }
            }
            Effect::PollRuns => {
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

    fn load_pinned(&self, path: Option<PathBuf>) {
        let generation = self.pin_generation.fetch_add(1, Ordering::SeqCst) + 1;
        let Some(path) = path else {
            let _ = self.tx.send(Outcome::Pinned(None));
            return;
        };
        let latest = self.pin_generation.clone();
        let picker = self.picker.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let decoded = decode(&path);
            if latest.load(Ordering::SeqCst) != generation {
                return;
            }
            match decoded {
                Ok(image) => {
                    let protocol = picker.new_resize_protocol(image);
                    let _ = tx.send(Outcome::Pinned(Some((path, protocol))));
                }
                Err(e) => {
                    let _ = tx.send(Outcome::Pinned(None));
                    let _ = tx.send(Outcome::Msg(Msg::PinFailed(format!(
                        "cannot compare with {}: {e}",
                        path.display()
                    ))));
                }
            }
        });
    }

    fn load_preview(&self, path: Option<PathBuf>) {
        let generation = self.preview_generation.fetch_add(1, Ordering::SeqCst) + 1;
        let Some(path) = path else {
            return;
        };
        let latest = self.preview_generation.clone();
        let picker = self.picker.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if latest.load(Ordering::SeqCst) != generation {
                return;
            }
            match decode(&path) {
                Ok(image) => {
                    if latest.load(Ordering::SeqCst) != generation {
                        return;
                    }
                    let size = (image.width(), image.height());
                    let protocol = picker.new_resize_protocol(image);
                    let _ = tx.send(Outcome::Image {
                        path,
                        protocol,
                        size,
                    });
                }
                Err(e) => {
                    let _ = tx.send(Outcome::Msg(Msg::PreviewLoaded {
                        path,
                        result: Err(e),
                    }));
                }
            }
        });
    }
}

/// Starts watching the store's jobs, or says why the Jobs pane will not be live.
fn watch_jobs(studio: &Studio) -> Option<JobWatch> {
    JobWatch::open(studio.store()).unwrap_or_else(|e| {
        tracing::warn!("jobs of other processes will not show: {e}");
        None
    })
}

/// Said when batch runs are not wired up.
const NO_BATCH: &str = "batch runs are not available here; use `peel batch run FILE`";

/// Reads and decodes an image file (blocking).
pub fn decode(path: &Path) -> Result<image::DynamicImage, String> {
    image::ImageReader::open(path)
        .map_err(|e| format!("cannot open it ({e})"))?
        .with_guessed_format()
        .map_err(|e| format!("cannot read it ({e})"))?
        .decode()
        .map_err(|e| format!("cannot decode it ({e})"))
}

fn save_pasted(dir: &Path, png: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%3f");
    let path = dir.join(format!("clipboard-{stamp}.png"));
    crate::studio::output::write_atomic(&path, png).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Applies a roster change and reads the roster back.
pub fn roster_op(roster: &Roster, op: RosterOp) -> RosterResult {
    let (result, focus, done) = match op {
        RosterOp::Add {
            kind,
            name,
            description,
            refs,
        } => {
            let r = roster.add(kind, &name, &description, refs);
            let done = format!("added {kind} '{}'", name.trim());
            (r.map(|a| a.name), Some(name.trim().to_string()), done)
        }
        RosterOp::Update { name, changes } => {
            let new_name = changes.name.clone().unwrap_or_else(|| name.clone());
            let r = roster.update(&name, changes).map(|a| a.name);
            (
                r,
                Some(new_name.trim().to_string()),
                format!("saved '{}'", new_name.trim()),
            )
        }
        RosterOp::Remove { name } => {
            let r = roster.remove(&name).map(|a| a.name);
            (r, None, format!("removed '{name}'"))
        }
        RosterOp::ShotExactly { names } => {
            let result = roster.list().and_then(|anchors| {
                for anchor in anchors {
                    let wanted = names.iter().any(|n| n.eq_ignore_ascii_case(&anchor.name));
                    if wanted != anchor.pinned {
                        roster.set_pinned(&anchor.name, wanted)?;
                    }
                }
                Ok(String::new())
            });
            (result, None, String::new())
        }
        RosterOp::SetPinned { name, pinned } => {
            let r = roster.set_pinned(&name, pinned).map(|a| a.name);
            let text = if pinned {
                format!("'{name}' is pinned: in every shot")
            } else {
                format!("'{name}' is unpinned: in shot where the prompt names it")
            };
            (r, Some(name.clone()), text)
        }
    };
    let result = result
        .and_then(|_| roster.list())
        .map_err(|e| e.to_string());
    RosterResult {
        result,
        focus,
        done,
    }
}
