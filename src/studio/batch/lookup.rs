//! What every face needs around a batch: the file loaded with the workspace's checks, a
//! Batch API job found by any of its names, and the status and fetch reports.

use std::path::Path;

use serde_json::{Value, json};

use super::manifest::MANIFEST;
use super::results::Fetched;
use super::{Batch, BatchError, Checks, load};
use crate::api::batch_wire::BatchOperation;
use crate::api::batches::batch_path;
use crate::error::ValidationError;
use crate::store::{RunRow, Store, StoreError};
use crate::studio::StudioError;
use crate::studio::roster::{Roster, RosterError};
use crate::studio::workspace::Workspace;

/// Why a batch file or job could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The file or the name was refused (the CLI exits 2).
    #[error("{0}")]
    Refused(String),
    /// The store (or something else below) failed.
    #[error(transparent)]
    Failed(#[from] StudioError),
}

impl From<StoreError> for LookupError {
    fn from(e: StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<BatchError> for LookupError {
    fn from(e: BatchError) -> Self {
        Self::Refused(e.to_string())
    }
}

impl From<ValidationError> for LookupError {
    fn from(e: ValidationError) -> Self {
        Self::Refused(e.to_string())
    }
}

/// Loads and validates a batch file with the config's defaults, the presets in force and
/// the roster.
pub fn load_checked(ws: &Workspace, file: &Path) -> Result<Batch, LookupError> {
    load_checked_with(ws, file, load)
}

/// Loads and validates a file with `loader` (a batch or a story reader) and the same
/// checks as `load_checked`.
pub fn load_checked_with(
    ws: &Workspace,
    file: &Path,
    loader: fn(&Path, &Checks) -> Result<Batch, BatchError>,
) -> Result<Batch, LookupError> {
    let roster = Roster::new(ws.store()?);
    let anchors = roster.list().map_err(|e| match e {
        RosterError::Store(s) => LookupError::from(s),
        other => LookupError::Refused(other.to_string()),
    })?;
    let presets = ws.presets_for(file)?;
    let checks = Checks {
        registry: &ws.registry,
        config: &ws.settings.config.defaults,
        presets: &presets,
        anchors: Some(&anchors),
    };
    Ok(loader(file, &checks)?)
}

/// Finds the run and the remote name for `text` (a run id, `batches/…` or a bare id).
pub fn find_remote(store: &Store, text: &str) -> Result<(Option<RunRow>, String), LookupError> {
    let run = super::queue::find_run(store, text)?;
    let name = match &run {
        Some(r) if r.runs_here() => {
            return Err(LookupError::Refused(format!(
                "run {} ran on the interactive lane; its results are in {}",
                r.id, r.out_dir
            )));
        }
        Some(r) => match &r.remote_name {
            Some(name) => name.clone(),
            None => {
                return Err(LookupError::Refused(format!(
                    "run {} never reached the Batch API ({}); submit the file again",
                    r.id,
                    r.stop_reason.as_deref().unwrap_or("not submitted")
                )));
            }
        },
        None if text.parse::<i64>().is_ok() => {
            return Err(LookupError::Refused(format!(
                "no batch run {text}; `peel batch list` shows the runs"
            )));
        }
        // A Vertex job's resource name is used as given; anything else is a Batch API id.
        None if text.trim().starts_with("projects/") => text.trim().to_string(),
        None => batch_path(text.trim()),
    };
    Ok((run, name))
}

/// A job's state and counts, with the local run tracking it (`peel batch status --json`);
/// `lane` is `batch-api` or `vertex-batch`.
pub fn status_json(op: &BatchOperation, run: Option<&RunRow>, lane: &str) -> Value {
    let s = op.stats();
    json!({
        "name": op.name,
        "lane": lane,
        "state": op.state().as_str(),
        "done": op.is_finished(),
        "stats": { "requests": s.request_count, "successful": s.successful_request_count,
                   "failed": s.failed_request_count, "pending": s.pending_request_count },
        "run": run.map(|r| r.id),
        "dir": run.map(|r| r.out_dir.clone()),
        "input_mode": run.and_then(|r| r.input_mode.clone()),
        "results": op.output().map(|o| if o.responses_file.is_some() { "file" } else { "inline" }),
        "error": op.error.as_ref().map(|e| json!({ "code": e.code, "message": e.message })),
    })
}

/// What a fetch saved (`peel batch fetch --json`).
pub fn fetched_json(run: &RunRow, op: &BatchOperation, fetched: &Fetched) -> Value {
    let dir = Path::new(&run.out_dir);
    json!({ "run": run.id, "name": op.name, "dir": dir, "manifest": dir.join(MANIFEST),
            "saved": fetched.saved, "already": fetched.already, "failed": fetched.failed,
            "source": fetched.source, "cost_usd": (fetched.cost_usd * 1e6).round() / 1e6 })
}

/// What a submit sent (`peel batch submit --json`).
pub fn submitted_json(sent: &super::submitted::Submitted) -> Value {
    json!({ "run": sent.run, "name": sent.name, "input_mode": sent.mode.as_str(),
            "lane": if sent.mode == super::submitted::InputMode::Cloud { super::vertex::LANE } else { "batch-api" },
            "requests": sent.requests, "bytes": sent.bytes, "state": sent.state })
}
