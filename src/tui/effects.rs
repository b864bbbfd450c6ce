//! Carrying out `Effect`s: engine calls (in-shot anchors join each generation), roster
//! writes, clipboard, and image decoding
//! off the UI task. Results come back as messages into the event loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui_image::picker::Picker;
use ratatui_image::protocol::StatefulProtocol;
use tokio::sync::mpsc::UnboundedSender;

use super::clipboard::{self, Clipboard};
use super::msg::{Effect, Msg, RosterOp, RosterResult};
use crate::models::Registry;
use crate::studio::{Roster, Studio, shot, spec};

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
            registry: Arc::new(studio.registry().clone()),
            studio,
            roster,
            clipboard,
            picker,
            paste_dir,
            tx,
            preview_generation: Arc::new(AtomicU64::new(0)),
        }
    }

    fn send(&self, msg: Msg) {
        let _ = self.tx.send(Outcome::Msg(msg));
    }

    /// Carries out one effect; slow work is spawned.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Generate(mut spec) => {
                let studio = self.studio.clone();
                let registry = self.registry.clone();
                let roster = self.roster.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let refused = |e: String| {
                        let _ = tx.send(Outcome::Msg(Msg::Refused(e)));
                    };
                    match shot::subjects_in_shot(&roster) {
                        Ok(subjects) => spec.subjects = subjects,
                        Err(e) => return refused(e.to_string()),
                    }
                    match spec::prepare(&spec, &registry) {
                        Ok(jobs) => {
                            for job in jobs {
                                if let Err(e) = studio.submit(job) {
                                    refused(e.to_string());
                                }
                            }
                        }
                        Err(e) => refused(e.to_string()),
                    }
                });
            }
            Effect::Cancel(id) => {
                self.studio.cancel(id);
            }
            Effect::Retry(id) => match self.studio.retry(id) {
                Some(Ok(_)) => {}
                Some(Err(e)) => self.send(Msg::Refused(e.to_string())),
                None => self.send(Msg::Refused(format!(
                    "job #{id} can no longer be retried; press p to reuse its prompt"
                ))),
            },
            Effect::LoadPreview(path) => self.load_preview(path),
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
            Effect::Quit => {}
        }
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
        RosterOp::SetInShot { name, in_shot } => {
            let r = roster.set_in_shot(&name, in_shot).map(|a| a.name);
            let word = if in_shot { "in shot" } else { "out of shot" };
            (r, Some(name.clone()), format!("'{name}' is {word}"))
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
