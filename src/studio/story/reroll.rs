//! Re-rolling frames of a story already run: frame N (and, onward, every frame after it,
//! since each carries its predecessor) goes back in the queue as the story file now says,
//! with a new seed for frame N, and its current files are kept as `NN_<key>.vK.<ext>`.

use std::path::{Path, PathBuf};

use crate::store::{RunId, RunRow, Store};
use crate::studio::StudioError;
use crate::studio::batch::Batch;
use crate::studio::output::sidecar_path;

/// Which frames to make again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reroll {
    /// The frame, 1-based.
    pub frame: usize,
    /// Every frame after it too.
    pub onward: bool,
}

/// The newest story run made from the file at `source` (absolute).
pub fn latest_run(store: &Store, source: &Path) -> Result<Option<RunRow>, StudioError> {
    let source = source.display().to_string();
    Ok(store
        .batch_runs(0)?
        .into_iter()
        .find(|r| r.is_story() && r.source == source))
}

/// Puts the frames `reroll` names back in the queue of the newest run of `story`; returns
/// the run, its folder and the frames re-queued. Nothing is renamed or re-queued when the
/// request is refused.
pub fn reroll(
    store: &Store,
    story: &Batch,
    reroll: Reroll,
) -> Result<(RunId, PathBuf, Vec<usize>), StudioError> {
    let Some(run) = latest_run(store, &story.path)? else {
        return Err(refused(format!(
            "no story has been run from {} yet; run `peel story {} --out DIR` first",
            story.path.display(),
            story.path.display()
        )));
    };
    let rows = store.batch_items(run.id)?;
    if reroll.frame == 0 || reroll.frame > rows.len() {
        return Err(refused(format!(
            "frame {} is not in the story; it has frames 1–{}",
            reroll.frame,
            rows.len()
        )));
    }
    if story.items.len() != rows.len() {
        return Err(refused(format!(
            "{} now has {} frames but its story in {} has {}; run `peel story {}` for a new story",
            story.path.display(),
            story.items.len(),
            run.out_dir,
            rows.len(),
            story.path.display()
        )));
    }
    let last = if reroll.onward {
        rows.len()
    } else {
        reroll.frame
    };
    let dir = PathBuf::from(&run.out_dir);
    let mut requeued = Vec::new();
    for row in rows
        .iter()
        .filter(|r| (reroll.frame..=last).contains(&r.index))
    {
        let Some(mut item) = story.items.get(row.index - 1).cloned() else {
            continue;
        };
        if row.index == reroll.frame {
            let old_seed = serde_json::from_str::<serde_json::Value>(&row.item_json)
                .ok()
                .and_then(|v| v["seed"].as_i64());
            if old_seed == Some(item.seed) {
                item.seed = new_seed(item.seed);
            }
        }
        let json = serde_json::to_string(&item).map_err(|e| refused(e.to_string()))?;
        store.requeue_batch_item(run.id, row.index, &json)?;
        for file in &row.files {
            keep_as_version(&dir, file)?;
        }
        requeued.push(row.index);
    }
    store.set_batch_run_state(run.id, "running", None)?;
    Ok((run.id, dir, requeued))
}

/// A seed other than `old`.
fn new_seed(old: i64) -> i64 {
    loop {
        let seed = rand::random_range(0..i32::MAX as i64);
        if seed != old {
            return seed;
        }
    }
}

/// Renames `dir/NN_key.ext` (and its sidecar) to the first free `NN_key.vK.ext`.
fn keep_as_version(dir: &Path, file: &str) -> Result<(), StudioError> {
    let path = dir.join(file);
    if !path.exists() {
        return Ok(());
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default();
    let version = (1..)
        .map(|k| dir.join(format!("{stem}.v{k}.{ext}")))
        .find(|p| !p.exists() && !sidecar_path(p).exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.old.{ext}")));
    let moved = |from: &Path, to: &Path| {
        std::fs::rename(from, to).map_err(|e| crate::fsio::OutputError {
            path: from.to_path_buf(),
            message: format!("{e}; the frame was not re-rolled"),
        })
    };
    let sidecar = sidecar_path(&path);
    if sidecar.exists() {
        moved(&sidecar, &sidecar_path(&version))?;
    }
    moved(&path, &version)?;
    Ok(())
}

fn refused(message: impl Into<String>) -> StudioError {
    StudioError::Validation(crate::error::ValidationError::Invalid(message.into()))
}
