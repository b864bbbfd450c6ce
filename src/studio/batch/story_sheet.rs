//! What a story folder says about itself: `story.json` (the frames in order with their
//! prompt, seed, file, cost and kept versions) and `sheet.png` (every frame in order,
//! numbered), both rebuilt from the store whenever the story's run ends.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::BatchItem;
use super::queue::is_kept_version;
use crate::fsio::{OutputError, write_atomic};
use crate::imaging;
use crate::store::{RunRow, Store};
use crate::studio::StudioError;
use crate::studio::output::sidecar_path;

/// Longest side of a frame on the contact sheet, in pixels.
const SHEET_CELL: u32 = 320;
/// Frames per row of the contact sheet.
const SHEET_COLUMNS: usize = 4;

/// One frame as `story.json` and `peel story --json` tell it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryFrame {
    /// 1-based position.
    pub index: usize,
    /// Key in file names.
    pub key: String,
    /// The frame's image (absolute), once made.
    pub path: Option<PathBuf>,
    /// Seed sent.
    pub seed: i64,
    /// Cost of the current image in USD.
    pub cost_usd: f64,
    /// pending, running, done, failed.
    pub state: String,
    /// The prompt.
    pub prompt: String,
    /// Anchors in shot.
    pub with: Vec<String>,
    /// The frame it carries (file name), for frames after the first.
    pub previous_frame: Option<String>,
    /// Earlier versions kept by re-rolls (`NN_<key>.vK.<ext>`), oldest first.
    pub versions: Vec<String>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// A story run as a whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryReport {
    /// The story's folder.
    pub dir: PathBuf,
    /// The run's id (for `peel batch resume`).
    pub run: i64,
    /// The story file.
    pub source: String,
    /// `done` or `incomplete`.
    pub state: String,
    /// Frames in order.
    pub frames: Vec<StoryFrame>,
    /// Spent on the current frames in USD.
    pub cost_usd: f64,
    /// Spent in all, re-rolled versions included.
    pub spent_usd: f64,
}

/// The story of `run`, read from the store and its folder.
pub fn report(store: &Store, run: &RunRow) -> Result<StoryReport, StudioError> {
    let dir = PathBuf::from(&run.out_dir);
    let rows = store.batch_items(run.id)?;
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut frames = Vec::with_capacity(rows.len());
    let mut spent_on_versions = 0.0;
    for row in &rows {
        let item: Option<BatchItem> = serde_json::from_str(&row.item_json).ok();
        let versions: Vec<String> = names
            .iter()
            .filter(|n| is_kept_version(n) && !n.ends_with(".json"))
            .filter(|n| frame_of(n, &row.key) == Some(row.index))
            .cloned()
            .collect();
        spent_on_versions += versions
            .iter()
            .map(|v| sidecar_cost(&dir.join(v)))
            .sum::<f64>();
        let previous_frame = item.as_ref().and_then(|i| i.follows).and_then(|before| {
            rows.iter()
                .find(|r| r.index == before)
                .and_then(|r| r.files.first().cloned())
        });
        frames.push(StoryFrame {
            index: row.index,
            key: row.key.clone(),
            path: row.files.first().map(|f| dir.join(f)),
            seed: item.as_ref().map(|i| i.seed).unwrap_or_default(),
            cost_usd: usd(row.cost_usd),
            state: row.state.clone(),
            prompt: item.as_ref().map(|i| i.prompt.clone()).unwrap_or_default(),
            with: item.map(|i| i.with).unwrap_or_default(),
            previous_frame,
            versions,
            error: row.error_message.clone(),
        });
    }
    let cost_usd: f64 = usd(frames.iter().map(|f| f.cost_usd).sum());
    let all_done = frames.iter().all(|f| f.state == "done");
    Ok(StoryReport {
        dir,
        run: run.id,
        source: run.source.clone(),
        state: if all_done { "done" } else { "incomplete" }.into(),
        frames,
        cost_usd,
        spent_usd: usd(cost_usd + spent_on_versions),
    })
}

/// Dollars to the micro-dollar, as every report shows them.
fn usd(amount: f64) -> f64 {
    (amount * 1e6).round() / 1e6
}

/// `03_fox.v2.png` → 3, when the name is a kept version of the frame whose key is `key`.
fn frame_of(name: &str, key: &str) -> Option<usize> {
    let (digits, rest) = name.split_once('_')?;
    let version = rest.strip_prefix(key)?.strip_prefix(".v")?;
    version.split('.').next()?.parse::<u32>().ok()?;
    digits.parse().ok()
}

/// The `cost_usd` a sidecar records (0 when it cannot be read).
fn sidecar_cost(image: &Path) -> f64 {
    std::fs::read(sidecar_path(image))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["cost_usd"].as_f64())
        .unwrap_or_default()
}

/// Writes `story.json` and `sheet.png` into the run's folder.
pub fn write_story_files(store: &Store, run: &RunRow) -> Result<(), StudioError> {
    let story = report(store, run)?;
    let json = serde_json::to_vec_pretty(&story).map_err(|e| OutputError {
        path: story.dir.join("story.json"),
        message: e.to_string(),
    })?;
    write_atomic(&story.dir.join("story.json"), &json)?;
    let frames: Vec<(usize, PathBuf)> = story
        .frames
        .iter()
        .filter_map(|f| f.path.clone().map(|p| (f.index, p)))
        .collect();
    if frames.is_empty() {
        return Ok(());
    }
    let sheet = imaging::numbered_sheet(&frames, SHEET_COLUMNS, SHEET_CELL);
    let mut png = Vec::new();
    sheet
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| OutputError {
            path: story.dir.join("sheet.png"),
            message: e.to_string(),
        })?;
    write_atomic(&story.dir.join("sheet.png"), &png)?;
    Ok(())
}
