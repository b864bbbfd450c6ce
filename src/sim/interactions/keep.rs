//! Interactions kept on disk so they outlive the simulator's process: the folder, one
//! JSON file per interaction, and retention.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::store::Record;
use crate::store::owner::Owner;

/// Finished interactions kept on disk at most (the oldest go first, as the service's
/// retention drops them).
pub const MAX_ON_DISK: usize = 500;

/// Bytes of finished interactions kept on disk at most.
pub const MAX_DISK_BYTES: u64 = 256 * 1024 * 1024;

/// What is needed to run an unfinished turn again in another process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTurn {
    /// API version in the path.
    pub version: String,
    /// The generateContent body to run.
    pub body: Value,
    /// Whether thought summaries are returned.
    pub summaries: bool,
}

/// One interaction as kept on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Saved {
    pub(super) id: String,
    pub(super) model: String,
    pub(super) status: String,
    pub(super) created: String,
    pub(super) updated: String,
    pub(super) previous: Option<String>,
    pub(super) input: Vec<Value>,
    pub(super) steps: Vec<Value>,
    pub(super) usage: Option<Value>,
    pub(super) errors: Vec<Value>,
    pub(super) background: bool,
    /// Present while it runs: how to run it again.
    pub(super) turn: Option<SavedTurn>,
    /// The process whose simulator runs it (while it runs).
    pub(super) owner_pid: Option<u32>,
    pub(super) owner_start: Option<u64>,
}

/// The folder interactions are kept in.
#[derive(Debug, Clone)]
pub struct Keep {
    dir: PathBuf,
}

impl Keep {
    /// Keeps interactions under `dir/interactions` (made when first written).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.join("interactions"),
        }
    }

    pub(super) fn path(&self, id: &str) -> Option<PathBuf> {
        // Ids come from clients: only our own alphabet names a file.
        let safe = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        safe.then(|| self.dir.join(format!("{id}.json")))
    }

    /// Writes `record` (with `turn` while it runs) as this process's.
    pub fn save(&self, record: &Record, turn: Option<&SavedTurn>) {
        let Some(path) = self.path(&record.id) else {
            return;
        };
        let me = Owner::current();
        let saved = Saved {
            id: record.id.clone(),
            model: record.model.clone(),
            status: record.status.clone(),
            created: record.created.clone(),
            updated: record.updated.clone(),
            previous: record.previous.clone(),
            input: record.input.clone(),
            steps: record.steps.clone(),
            usage: record.usage.clone(),
            errors: record.errors.clone(),
            background: record.background,
            turn: turn.cloned(),
            owner_pid: turn.is_some().then_some(me.pid),
            owner_start: turn.is_some().then_some(me.started),
        };
        let Ok(bytes) = serde_json::to_vec(&saved) else {
            return;
        };
        if let Err(e) = std::fs::create_dir_all(&self.dir)
            .map_err(|e| e.to_string())
            .and_then(|()| crate::fsio::write_atomic(&path, &bytes).map_err(|e| e.to_string()))
        {
            tracing::warn!("simulator: keeping interaction {}: {e}", record.id);
        }
    }

    /// Forgets an interaction (deleted, or dropped by retention).
    pub fn remove(&self, id: &str) {
        if let Some(path) = self.path(id) {
            let _ = std::fs::remove_file(path);
        }
    }

    pub(super) fn load(&self, id: &str) -> Option<Saved> {
        let bytes = std::fs::read(self.path(id)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Drops the oldest finished interactions past `MAX_ON_DISK` or `MAX_DISK_BYTES`
    /// (running ones and their files are kept).
    pub fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                let path = e.path();
                let modified = meta.modified().ok()?;
                (path.extension()? == "json").then_some((modified, meta.len(), path))
            })
            .collect();
        files.sort();
        let mut count = files.len();
        let mut bytes: u64 = files.iter().map(|f| f.1).sum();
        for (_, len, path) in files {
            if count <= MAX_ON_DISK && bytes <= MAX_DISK_BYTES {
                break;
            }
            let running = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Saved>(&b).ok())
                .is_some_and(|s| s.turn.is_some());
            if running {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                count -= 1;
                bytes = bytes.saturating_sub(len);
            }
        }
    }
}
