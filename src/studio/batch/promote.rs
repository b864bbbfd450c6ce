//! Explore small, promote the picks: chosen items of a run re-rendered at a bigger size with
//! the same prompt, model, seed, anchors and references, as a new interactive run in a
//! sibling folder `<dir>-<size>/` that keeps the `NNN_<key>` names. Each item records the
//! image it re-renders (`promoted_from`), which its sidecars carry.

use std::path::{Path, PathBuf};

use super::manifest::{Manifest, Mark};
use super::validate::BatchItem;
use crate::models::Registry;
use crate::store::{ItemRow, LANE_STORY, NewRun, RunId, RunRow, Store};
use crate::studio::StudioError;

/// Which items to promote.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// By index or key (`1,3` or `hero,wide`).
    Items(Vec<String>),
    /// Every item whose image carries this review mark.
    Marked(Mark),
}

/// Records the promoted run (not started yet): its id and folder.
pub fn create(
    store: &Store,
    registry: &Registry,
    run: &RunRow,
    pick: &Pick,
    size: &str,
) -> Result<(RunId, PathBuf), StudioError> {
    let dir = PathBuf::from(&run.out_dir);
    let rows = store.batch_items(run.id)?;
    let chosen = chosen_rows(&rows, pick, &dir)?;
    let mut items = Vec::with_capacity(chosen.len());
    let mut size_name = size.to_string();
    for row in chosen {
        let mut item: BatchItem = serde_json::from_str(&row.item_json).map_err(|e| {
            refused(format!(
                "item {} cannot be read from the store ({e})",
                row.index
            ))
        })?;
        let spec = registry.resolve(&item.model)?;
        let Some(canonical) = spec
            .sizes
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(size))
        else {
            let names: Vec<&str> = spec.sizes.iter().map(|s| s.name.as_str()).collect();
            return Err(refused(format!(
                "{} has no size '{size}'; it renders {}",
                item.model,
                names.join(", ")
            )));
        };
        size_name = canonical.name.clone();
        let Some(primary) = row.files.first() else {
            return Err(refused(format!(
                "item {} ({}) has no image yet: finish the run first (`peel batch resume {}`)",
                row.index, row.key, run.id
            )));
        };
        item.size = size_name.clone();
        item.promoted_from = Some(dir.join(primary));
        // A story frame keeps the draft's previous frame: the same request, bigger.
        if let Some(before) = item.follows.take() {
            item.previous_frame = rows
                .iter()
                .find(|r| r.index == before)
                .and_then(|r| r.files.first())
                .map(|f| dir.join(f));
        }
        let json = serde_json::to_string(&item).map_err(|e| refused(e.to_string()))?;
        items.push((item.index, item.key.clone(), json));
    }
    let out = sibling_dir(&dir, &size_name)?;
    let id = store.create_batch_run(&NewRun {
        lane: if run.is_story() {
            LANE_STORY
        } else {
            "interactive"
        },
        state: "running",
        source: &run.out_dir,
        out_dir: &out.display().to_string(),
        budget_usd: None,
        items,
    });
    match id {
        Ok(id) => Ok((id, out)),
        Err(e) => {
            let _ = std::fs::remove_dir(&out);
            Err(e.into())
        }
    }
}

/// The rows `pick` names, in index order; unknown names and empty picks are refused.
fn chosen_rows<'a>(
    rows: &'a [ItemRow],
    pick: &Pick,
    dir: &Path,
) -> Result<Vec<&'a ItemRow>, StudioError> {
    let mut chosen: Vec<&ItemRow> = match pick {
        Pick::Items(names) => {
            let mut found = Vec::new();
            for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                let row = rows
                    .iter()
                    .find(|r| r.key == name || name.parse::<usize>().is_ok_and(|i| i == r.index));
                match row {
                    Some(row) => found.push(row),
                    None => {
                        return Err(refused(format!(
                            "no item '{name}' in {}: give indexes (1–{}) or keys",
                            dir.display(),
                            rows.len()
                        )));
                    }
                }
            }
            found
        }
        Pick::Marked(mark) => {
            let manifest = Manifest::read(dir).map_err(refused)?;
            let marked: Vec<usize> = manifest
                .items
                .iter()
                .filter(|i| i.mark == Some(*mark))
                .map(|i| i.index)
                .collect();
            rows.iter().filter(|r| marked.contains(&r.index)).collect()
        }
    };
    chosen.sort_by_key(|r| r.index);
    chosen.dedup_by_key(|r| r.index);
    if chosen.is_empty() {
        let what = match pick {
            Pick::Items(_) => "no items were named: use --items 1,3 or --items hero,wide".into(),
            Pick::Marked(mark) => format!(
                "no item of {} is marked {}: mark the picks in `peel review {}` first",
                dir.display(),
                mark.as_str(),
                dir.display()
            ),
        };
        return Err(refused(what));
    }
    Ok(chosen)
}

/// A fresh `<dir>-<size>/` (then `-<size>-2`, …) beside `dir`.
fn sibling_dir(dir: &Path, size: &str) -> Result<PathBuf, StudioError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "batch".into());
    let parent = dir.parent().unwrap_or(Path::new("."));
    for n in 1..1000 {
        let candidate = if n == 1 {
            parent.join(format!("{name}-{size}"))
        } else {
            parent.join(format!("{name}-{size}-{n}"))
        };
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(crate::fsio::OutputError {
                    path: candidate,
                    message: e.to_string(),
                }
                .into());
            }
        }
    }
    Err(refused(format!(
        "no free folder name beside {}",
        dir.display()
    )))
}

/// Refused input: the CLI exits 2, MCP answers a tool error.
fn refused(message: impl Into<String>) -> StudioError {
    StudioError::Validation(crate::error::ValidationError::Invalid(message.into()))
}

/// Promotes the items of `run` marked `mark` to `size` and runs them to the end on `lane`;
/// the promoted run's folder.
pub async fn promote_marked(
    lane: &super::interactive::InteractiveLane,
    run: &RunRow,
    mark: Mark,
    size: &str,
    options: super::interactive::LaneOptions,
) -> Result<PathBuf, StudioError> {
    let (id, dir) = create(&lane.store, &lane.registry, run, &Pick::Marked(mark), size)?;
    let stop = tokio_util::sync::CancellationToken::new();
    let summary = super::interactive::run(lane, id, options, stop, |_| {}).await?;
    if summary.done < summary.total {
        return Err(StudioError::Incomplete(format!(
            "{} of {} promoted; `peel batch resume {id}` finishes {}",
            summary.done,
            summary.total,
            dir.display()
        )));
    }
    Ok(dir)
}
