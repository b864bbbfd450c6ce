//! Images off the UI task: thumbnails for visible tiles (from the disk cache, one decode at
//! a time, skipped once scrolled away) and a latest-wins preview slot. Encoded protocols
//! are kept in a bounded cache, so memory stays flat however large the folder.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ratatui::layout::Size;
use ratatui_image::Resize;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use tokio::sync::{mpsc, watch};

use crate::imaging::thumbs::ThumbCache;

/// Encoded thumbnails kept in memory.
pub const MAX_THUMBS: usize = 192;

/// What the loader hands back to the app.
pub enum Loaded {
    /// A tile's thumbnail, encoded for its cell size.
    Thumb { tile: usize, protocol: Protocol },
    /// A thumbnail that could not be made.
    ThumbFailed { tile: usize },
    /// Previews for the request with this generation.
    Preview {
        generation: u64,
        protocols: Vec<Protocol>,
    },
}

/// A preview request: these images, each fitted into `size` cells.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewWant {
    /// Bumped for every new request; stale answers are dropped.
    pub generation: u64,
    /// The images.
    pub paths: Vec<PathBuf>,
    /// Cells per image.
    pub size: Size,
}

/// The app's handle on the loader.
pub struct Loader {
    thumbs_tx: mpsc::UnboundedSender<(usize, PathBuf, Size)>,
    wanted: Arc<Mutex<HashSet<usize>>>,
    requested: HashSet<usize>,
    preview_tx: watch::Sender<Option<PreviewWant>>,
    generation: u64,
    cache: HashMap<usize, Protocol>,
    order: VecDeque<usize>,
}

impl Loader {
    /// Starts the loader tasks; results arrive on `out`.
    pub fn start(picker: Picker, cache: ThumbCache, out: mpsc::UnboundedSender<Loaded>) -> Self {
        let (thumbs_tx, thumbs_rx) = mpsc::unbounded_channel();
        let (preview_tx, preview_rx) = watch::channel(None);
        let wanted = Arc::new(Mutex::new(HashSet::new()));
        tokio::spawn(thumb_worker(
            thumbs_rx,
            wanted.clone(),
            picker.clone(),
            cache,
            out.clone(),
        ));
        tokio::spawn(preview_worker(preview_rx, picker, out));
        Self {
            thumbs_tx,
            wanted,
            requested: HashSet::new(),
            preview_tx,
            generation: 0,
            cache: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Declares the visible tiles; asks for the thumbnails not cached or on their way.
    pub fn want(&mut self, visible: &[(usize, PathBuf)], size: Size) {
        let set: HashSet<usize> = visible.iter().map(|(t, _)| *t).collect();
        if let Ok(mut wanted) = self.wanted.lock() {
            *wanted = set.clone();
        }
        self.requested.retain(|t| set.contains(t));
        for (tile, path) in visible {
            if self.cache.contains_key(tile) || !self.requested.insert(*tile) {
                continue;
            }
            let _ = self.thumbs_tx.send((*tile, path.clone(), size));
        }
    }

    /// Stores a finished thumbnail, evicting the oldest beyond `MAX_THUMBS`.
    pub fn store(&mut self, tile: usize, protocol: Protocol) {
        self.requested.remove(&tile);
        if self.cache.insert(tile, protocol).is_none() {
            self.order.push_back(tile);
        }
        while self.order.len() > MAX_THUMBS {
            if let Some(old) = self.order.pop_front() {
                self.cache.remove(&old);
            }
        }
    }

    /// Forgets a failed request so it is not retried every frame.
    pub fn failed(&mut self, tile: usize) {
        self.cache.remove(&tile);
        self.requested.insert(tile);
    }

    /// A cached thumbnail.
    pub fn thumb(&self, tile: usize) -> Option<&Protocol> {
        self.cache.get(&tile)
    }

    /// Forgets every thumbnail (after a resize changes the cell size).
    pub fn clear(&mut self) {
        self.cache.clear();
        self.order.clear();
        self.requested.clear();
    }

    /// Asks for previews of `paths`; returns the request's generation.
    pub fn preview(&mut self, paths: Vec<PathBuf>, size: Size) -> u64 {
        self.generation += 1;
        let _ = self.preview_tx.send(Some(PreviewWant {
            generation: self.generation,
            paths,
            size,
        }));
        self.generation
    }

    /// The generation of the latest preview request.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

async fn thumb_worker(
    mut rx: mpsc::UnboundedReceiver<(usize, PathBuf, Size)>,
    wanted: Arc<Mutex<HashSet<usize>>>,
    picker: Picker,
    cache: ThumbCache,
    out: mpsc::UnboundedSender<Loaded>,
) {
    while let Some((tile, path, size)) = rx.recv().await {
        let still = wanted.lock().map(|w| w.contains(&tile)).unwrap_or(true);
        if !still {
            continue;
        }
        let picker = picker.clone();
        let cache = cache.clone();
        let made = tokio::task::spawn_blocking(move || {
            let thumb = cache.thumbnail(&path).ok()?;
            picker
                .new_protocol(
                    image::DynamicImage::ImageRgba8(thumb),
                    size,
                    Resize::Fit(None),
                )
                .ok()
        })
        .await
        .ok()
        .flatten();
        let msg = match made {
            Some(protocol) => Loaded::Thumb { tile, protocol },
            None => Loaded::ThumbFailed { tile },
        };
        if out.send(msg).is_err() {
            return;
        }
    }
}

async fn preview_worker(
    mut rx: watch::Receiver<Option<PreviewWant>>,
    picker: Picker,
    out: mpsc::UnboundedSender<Loaded>,
) {
    while rx.changed().await.is_ok() {
        let Some(want) = rx.borrow_and_update().clone() else {
            continue;
        };
        let picker = picker.clone();
        let generation = want.generation;
        let made = tokio::task::spawn_blocking(move || {
            want.paths
                .iter()
                .filter_map(|p| {
                    let img = image::open(p).ok()?;
                    picker.new_protocol(img, want.size, Resize::Fit(None)).ok()
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        if out
            .send(Loaded::Preview {
                generation,
                protocols: made,
            })
            .is_err()
        {
            return;
        }
    }
}
