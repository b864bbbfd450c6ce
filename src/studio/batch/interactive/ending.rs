//! How an interactive run ends: its state and reason recorded, the manifest (and a story's
//! files) written, the summary made.

use std::path::Path;
use std::time::Instant;

use super::RunSummary;
use crate::store::{RunId, RunRow, Store};
use crate::studio::StudioError;
use crate::studio::batch::manifest_stream::write_manifest;

/// Why the loop ended early, if it did.
pub(super) struct Ending {
    pub(super) interrupted: bool,
    pub(super) budget_hit: bool,
    /// Items still on the service (their owner gone, not collected yet).
    pub(super) held: usize,
    pub(super) stopped_by: Option<StudioError>,
    pub(super) notices: Vec<String>,
}

pub(super) fn finish(
    store: &Store,
    run_id: RunId,
    dir: &Path,
    ending: Ending,
    retries: u32,
    started: Instant,
) -> Result<RunSummary, StudioError> {
    let Ending {
        interrupted,
        budget_hit,
        held,
        stopped_by,
        notices,
    } = ending;
    let (total, done, failed, spent_usd) = store.batch_item_counts(run_id)?;
    let pending = total - done - failed;
    let (state, reason) = if done == total {
        ("done", None)
    } else if let Some(error) = &stopped_by {
        ("incomplete", Some(error.kind().to_string()))
    } else if held > 0 {
        (
            "incomplete",
            Some(format!(
                "{held} item(s) still on the service; `peel batch resume {run_id}` collects them"
            )),
        )
    } else if interrupted {
        ("incomplete", Some("interrupted".to_string()))
    } else if budget_hit && pending > 0 {
        ("incomplete", Some("budget".to_string()))
    } else {
        ("incomplete", Some(format!("{failed} items failed")))
    };
    store.set_batch_run_state(run_id, state, reason.as_deref())?;
    write_manifest(store, run_id, dir);
    if let Some(run) = store.batch_run(run_id)?.filter(RunRow::is_story)
        && let Err(e) = crate::studio::batch::story_sheet::write_story_files(store, &run)
    {
        tracing::error!("writing story.json and sheet.png of run {run_id}: {e}");
    }
    Ok(RunSummary {
        run: run_id,
        dir: dir.to_path_buf(),
        state: state.into(),
        stop_reason: reason,
        stopped_by,
        notices,
        total,
        done,
        failed,
        pending,
        spent_usd,
        retries,
        elapsed: started.elapsed(),
    })
}
