//! The image effects: decoding the previewed and the pinned image off the UI task (an
//! older request gives up), and saving a pasted clipboard image as a reference file.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::Effects;
use super::outcome::Outcome;
use crate::tui::clipboard;
use crate::tui::msg::Msg;
use crate::tui::strings;

impl Effects {
    /// Saves the clipboard's image as a reference file off the UI task.
    pub(super) fn paste_image(&self) {
        let dir = self.paste_dir.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = clipboard::read_image_png().and_then(|png| save_pasted(&dir, &png));
            let _ = tx.send(Outcome::Msg(Msg::ImagePasted(result)));
        });
    }

    pub(super) fn load_pinned(&self, path: Option<PathBuf>) {
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
                    let _ = tx.send(Outcome::Msg(Msg::PinFailed(
                        strings::effects::cannot_compare(&path, &e),
                    )));
                }
            }
        });
    }

    pub(super) fn load_preview(&self, path: Option<PathBuf>) {
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
        .map_err(|e| strings::effects::cannot_open(&e))?
        .with_guessed_format()
        .map_err(|e| strings::effects::cannot_read(&e))?
        .decode()
        .map_err(|e| strings::effects::cannot_decode(&e))
}

fn save_pasted(dir: &Path, png: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| strings::effects::cannot_create(dir, &e))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%3f");
    let path = dir.join(format!("clipboard-{stamp}.png"));
    crate::fsio::write_atomic(&path, png).map_err(|e| e.to_string())?;
    Ok(path)
}
