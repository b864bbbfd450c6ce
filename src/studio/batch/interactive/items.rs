//! One item of an interactive run: read from the store, started as a named job, failed;
//! and the items a dead process left on the service, collected before the run goes on.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use super::InteractiveLane;
use crate::models::Registry;
use crate::store::{ItemUpdate, RunId, RunRow, Store};
use crate::studio::batch::validate::BatchItem;
use crate::studio::collect::{self, Collected};
use crate::studio::output::OutputNaming;
use crate::studio::{JobId, Studio, StudioError, spec};

/// Longest wait for an item's interaction left running by a dead process.
const ORPHAN_WAIT: Duration = Duration::from_secs(600);
/// Pause between two looks at such interactions.
const ORPHAN_POLL: Duration = Duration::from_secs(1);

/// Running items whose job still has an interaction on the service (its owner gone, not
/// collected yet): their indexes.
pub(super) fn held_on_service(store: &Store, run: RunId) -> Result<HashSet<usize>, StudioError> {
    let mut held = HashSet::new();
    for (index, job) in store.batch_running_items(run)? {
        if store.orphan(job)?.is_some() {
            held.insert(index);
        }
    }
    Ok(held)
}

/// Saves the items whose process died while their background interactions ran (so they
/// are recovered from the folder, not sent again), waiting for those still running.
pub(super) async fn collect_left_items(lane: &InteractiveLane, run: RunId, dir: &Path) {
    let running: HashSet<JobId> = match lane.store.batch_running_jobs(run) {
        Ok(jobs) => jobs.into_iter().collect(),
        Err(e) => {
            tracing::warn!("reading run {run}'s running items: {e}");
            HashSet::new()
        }
    };
    let deadline = Instant::now() + ORPHAN_WAIT;
    loop {
        let collected =
            collect::collect_all(&lane.client, &lane.label, &lane.store, &lane.registry, dir).await;
        let waiting = match collected {
            Ok(collected) => collected
                .iter()
                .any(|c| matches!(c, Collected::Running { job } if running.contains(job))),
            Err(e) => {
                tracing::warn!("collecting jobs left running on the service: {e}");
                false
            }
        };
        if !waiting || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(ORPHAN_POLL).await;
    }
}

/// The stored item at `index`; one that cannot be read is marked failed (None).
pub(super) fn read_item(
    store: &Store,
    run: RunId,
    index: usize,
) -> Result<Option<BatchItem>, StudioError> {
    let Some(row) = store.batch_item(run, index)? else {
        return Ok(None);
    };
    match serde_json::from_str::<BatchItem>(&row.item_json) {
        Ok(item) => Ok(Some(item)),
        Err(e) => {
            store.update_batch_item(
                run,
                index,
                &ItemUpdate::Failed {
                    kind: "store".into(),
                    message: format!("the stored item cannot be read ({e})"),
                },
            )?;
            Ok(None)
        }
    }
}

pub(super) fn start_item(
    studio: &Studio,
    registry: &Registry,
    run: &RunRow,
    item: &BatchItem,
    dir: &Path,
    width: usize,
) -> Result<JobId, StudioError> {
    let spec_ = item.spec_in_run(dir, studio.store(), run.id)?;
    let mut jobs = spec::prepare(&spec_, registry)?;
    let Some(job) = jobs.pop() else {
        return Err(StudioError::Internal(
            "the engine prepared no request".into(),
        ));
    };
    let mut extra = json!({
        "batch": { "run": run.id, "index": item.index, "key": item.key, "with": item.with, "lane": run.lane }
    });
    if let Some(from) = &item.promoted_from {
        extra["promoted_from"] = json!(from);
    }
    if run.is_story() {
        let previous = spec_
            .previous_frame
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string());
        extra["story"] = json!({ "frame": item.index, "previous_frame": previous });
    }
    let naming = OutputNaming {
        stem: Some(item.file_stem(width)),
        sidecar_extra: Some(extra),
    };
    studio.submit_named(job, naming)
}

pub(super) fn fail_item(
    store: &Store,
    run: RunId,
    index: usize,
    error: &StudioError,
) -> Result<(), StudioError> {
    store.update_batch_item(
        run,
        index,
        &ItemUpdate::Failed {
            kind: error.kind().into(),
            message: error.to_string(),
        },
    )?;
    Ok(())
}
