//! Re-running one batch item ("re-run this item" in review): a fresh seed, the same
//! settings, and the new image added to the item's files in the store and manifest.

use std::path::PathBuf;

use serde_json::json;

use super::interactive::InteractiveLane;
use super::manifest_stream::write_manifest;
use super::validate::{BatchItem, run_index_width};
use crate::store::{ItemUpdate, RunRow};
use crate::studio::output::OutputNaming;
use crate::studio::{Studio, StudioEvent, spec};

/// Re-runs item `index` of `run` with a fresh seed; the new image joins the item's files
/// (store and manifest). Returns the new file's name.
pub async fn rerun(lane: &InteractiveLane, run: &RunRow, index: usize) -> Result<String, String> {
    let store = &lane.store;
    let rows = store.batch_items(run.id).map_err(|e| e.to_string())?;
    let row = rows
        .iter()
        .find(|r| r.index == index)
        .ok_or("the item is not in the store")?;
    let mut item: BatchItem = serde_json::from_str(&row.item_json).map_err(|e| e.to_string())?;
    item.seed = rand::random_range(0..i32::MAX as i64);
    let dir = PathBuf::from(&run.out_dir);
    let spec_ = item
        .spec_in_run(&dir, store, run.id)
        .map_err(|e| e.to_string())?;
    let mut jobs = spec::prepare(&spec_, &lane.registry).map_err(|e| e.to_string())?;
    let job = jobs.pop().ok_or("no request was prepared")?;
    let (studio, mut events) = Studio::new(
        lane.client.clone(),
        lane.registry.clone(),
        store.clone(),
        lane.label.clone(),
        1,
    );
    let naming = OutputNaming {
        stem: Some(item.file_stem(run_index_width(run, rows.len()))),
        sidecar_extra: Some(
            json!({ "batch": { "run": run.id, "index": index, "key": item.key, "rerun": true } }),
        ),
    };
    studio
        .submit_named(job, naming)
        .map_err(|e| e.to_string())?;
    while let Some(event) = events.recv().await {
        match event {
            StudioEvent::Done {
                outputs, cost_usd, ..
            } => {
                let new: Vec<String> = outputs
                    .iter()
                    .filter_map(|o| o.path.file_name())
                    .map(|n| n.to_string_lossy().to_string())
                    .collect();
                let mut files = row.files.clone();
                files.extend(new.iter().cloned());
                store
                    .update_batch_item(
                        run.id,
                        index,
                        &ItemUpdate::Done {
                            files,
                            cost_usd: row.cost_usd + cost_usd,
                        },
                    )
                    .map_err(|e| e.to_string())?;
                write_manifest(store, run.id, &dir);
                return new
                    .first()
                    .cloned()
                    .ok_or_else(|| "no image came back".to_string());
            }
            StudioEvent::Failed { error, .. } => return Err(error.to_string()),
            StudioEvent::Cancelled { .. } => return Err("cancelled".into()),
            _ => {}
        }
    }
    Err("the engine stopped".into())
}
