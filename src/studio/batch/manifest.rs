//! `manifest.json` in a run folder: every item → its file, status, cost and error, plus the
//! review marks. Built from the store and written atomically; marks already in the file
//! are kept when the run rewrites it. Every read-modify-write (a run's rewrite, a review
//! mark) holds an exclusive lock on `manifest.json.lock`, so neither loses the other's change.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::validate::BatchItem;
use crate::fsio::{OutputError, write_atomic};
use crate::store::{ItemRow, RunRow};
use crate::studio::consistency::Consistency;
use crate::studio::output::sidecar_path;

/// The manifest's file name inside a run folder.
pub const MANIFEST: &str = "manifest.json";

/// The lock file beside the manifest. It stays in the folder: removing a lock file that
/// another process may be waiting on would let two writers in at once.
pub const MANIFEST_LOCK: &str = "manifest.json.lock";

/// An exclusive advisory lock on a folder's manifest, held until dropped.
#[derive(Debug)]
pub struct ManifestLock {
    file: File,
}

impl ManifestLock {
    /// Waits for, then takes, the lock of `dir`'s manifest.
    pub fn acquire(dir: &Path) -> Result<Self, OutputError> {
        let path = dir.join(MANIFEST_LOCK);
        let fail = |e: std::io::Error| OutputError {
            path: path.clone(),
            message: format!("cannot lock the manifest: {e}"),
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        file.lock().map_err(fail)?;
        Ok(Self { file })
    }
}

impl Drop for ManifestLock {
    fn drop(&mut self) {
        // Closing the file would release the lock too; unlocking says so.
        let _ = self.file.unlock();
    }
}

/// A review mark on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// Worth keeping.
    Keep,
    /// Not wanted.
    Reject,
    /// The best ones.
    Star,
}

impl Mark {
    /// The name used in the manifest and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Reject => "reject",
            Self::Star => "star",
        }
    }
}

/// An item's error in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestError {
    /// Short label (`rate_limited`, `safety_blocked`, …).
    pub kind: String,
    /// What went wrong and what to do.
    pub message: String,
}

/// One item in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestItem {
    /// 1-based index (the `NNN` in file names).
    pub index: usize,
    /// Item key.
    pub key: String,
    /// pending, running, done or failed.
    pub status: String,
    /// The primary image, relative to the run folder.
    #[serde(default)]
    pub file: Option<String>,
    /// All images of the item, primary first.
    #[serde(default)]
    pub files: Vec<String>,
    /// The primary image's sidecar.
    #[serde(default)]
    pub sidecar: Option<String>,
    /// Cost in USD.
    #[serde(default)]
    pub cost_usd: f64,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<ManifestError>,
    /// Review mark of the primary file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    /// Review marks of the item's other files (extra images, re-runs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub file_marks: BTreeMap<String, Mark>,
    /// The primary image's consistency check (`peel check`), kept across rewrites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency: Option<Consistency>,
    /// The prompt.
    #[serde(default)]
    pub prompt: String,
    /// Settings as sent.
    #[serde(default)]
    pub settings: serde_json::Value,
}

impl ManifestItem {
    /// Takes over what review and checks added to the same item (marks and the
    /// consistency check; the check only while the primary image is the same file).
    pub fn keep_review(&mut self, old: ManifestItem) {
        self.mark = old.mark;
        self.file_marks = old.file_marks;
        if old.file == self.file {
            self.consistency = old.consistency;
        }
    }

    /// The manifest's view of one stored item (marks are filled in by the writer).
    pub fn from_row(row: &ItemRow) -> Self {
        let item: Option<BatchItem> = serde_json::from_str(&row.item_json).ok();
        let file = row.files.first().cloned();
        ManifestItem {
            index: row.index,
            key: row.key.clone(),
            status: row.state.clone(),
            sidecar: file
                .as_ref()
                .map(|f| sidecar_path(Path::new(f)).display().to_string()),
            file,
            files: row.files.clone(),
            cost_usd: row.cost_usd,
            error: match (&row.error_kind, &row.error_message) {
                (Some(kind), Some(message)) if row.state != "done" => Some(ManifestError {
                    kind: kind.clone(),
                    message: message.clone(),
                }),
                _ => None,
            },
            mark: None,
            file_marks: BTreeMap::new(),
            consistency: None,
            prompt: item.as_ref().map(|i| i.prompt.clone()).unwrap_or_default(),
            settings: item
                .map(|i| {
                    serde_json::json!({
                        "model": i.model, "aspect": i.aspect, "size": i.size, "seed": i.seed,
                        "thinking": i.thinking, "grounding": i.grounding, "with": i.with,
                        "refs": i.refs, "preset": i.preset,
                    })
                })
                .unwrap_or_default(),
        }
    }
}

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of peel that wrote it.
    #[serde(default)]
    pub peel_version: String,
    /// Run id in the store.
    #[serde(default)]
    pub run: Option<i64>,
    /// `interactive`, `batch-api`, or `folder` for a plain folder under review.
    #[serde(default)]
    pub lane: String,
    /// The run's state.
    #[serde(default)]
    pub state: String,
    /// Why it stopped early.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The batch file.
    #[serde(default)]
    pub source: String,
    /// The Batch API job, on that lane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Total spent in USD.
    #[serde(default)]
    pub spent_usd: f64,
    /// Items in index order (left out of a header written before its streamed items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ManifestItem>,
}

impl Manifest {
    /// Builds a manifest from the store's view of a run.
    pub fn from_store(run: &RunRow, rows: &[ItemRow]) -> Self {
        Self {
            items: rows.iter().map(ManifestItem::from_row).collect(),
            ..Self::header(run)
        }
    }

    /// The manifest of `run` without its items.
    pub fn header(run: &RunRow) -> Self {
        Self {
            peel_version: env!("CARGO_PKG_VERSION").into(),
            run: Some(run.id),
            lane: run.lane.clone(),
            state: run.state.clone(),
            stop_reason: run.stop_reason.clone(),
            source: run.source.clone(),
            remote: run.remote_name.clone(),
            spent_usd: (run.spent_usd * 1e6).round() / 1e6,
            items: Vec::new(),
        }
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&text).map_err(|e| {
            format!(
                "{} is not a peel manifest ({e}); move it aside to start a new one",
                path.display()
            )
        })
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, OutputError> {
        let path = dir.join(MANIFEST);
        let json = serde_json::to_vec_pretty(self).map_err(|e| OutputError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &json)?;
        Ok(path)
    }

    /// Writes the manifest, keeping marks that the file on disk already holds; the read
    /// and the write happen under the manifest's lock.
    pub fn write_keeping_marks(mut self, dir: &Path) -> Result<PathBuf, OutputError> {
        let _lock = ManifestLock::acquire(dir)?;
        if let Ok(existing) = Self::read(dir) {
            let mut kept: HashMap<(usize, String), ManifestItem> = existing
                .items
                .into_iter()
                .map(|i| ((i.index, i.key.clone()), i))
                .collect();
            for item in &mut self.items {
                if let Some(old) = kept.remove(&(item.index, item.key.clone())) {
                    item.keep_review(old);
                }
            }
        }
        self.write(dir)
    }

    /// Reads `dir`'s manifest (or `missing()` when it has none), applies `change` and writes
    /// the result, all under the manifest's lock; nothing is written when `change` fails.
    pub fn update<T>(
        dir: &Path,
        missing: impl FnOnce() -> Self,
        change: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        let _lock = ManifestLock::acquire(dir).map_err(|e| e.to_string())?;
        let mut manifest = if dir.join(MANIFEST).exists() {
            Self::read(dir)?
        } else {
            missing()
        };
        let result = change(&mut manifest)?;
        manifest.write(dir).map_err(|e| e.to_string())?;
        Ok(result)
    }

    /// Sets (or clears) the mark of image `file`; true if an item holds it.
    pub fn set_mark(&mut self, file: &str, mark: Option<Mark>) -> bool {
        let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.file.as_deref() == Some(file) || i.files.iter().any(|f| f == file))
        else {
            return false;
        };
        if item.file.as_deref() == Some(file) {
            item.mark = mark;
        } else if let Some(mark) = mark {
            item.file_marks.insert(file.to_string(), mark);
        } else {
            item.file_marks.remove(file);
        }
        true
    }

    /// The mark of image `file`.
    pub fn mark_of(&self, file: &str) -> Option<Mark> {
        self.items.iter().find_map(|i| {
            if i.file.as_deref() == Some(file) {
                i.mark
            } else {
                i.file_marks.get(file).copied()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunRow {
        RunRow {
            id: 3,
            created_at: String::new(),
            updated_at: String::new(),
            lane: "interactive".into(),
            state: "running".into(),
            stop_reason: None,
            source: "/b.toml".into(),
            out_dir: "/o".into(),
            budget_usd: None,
            remote_name: None,
            remote_state: None,
            input_mode: None,
            items: 1,
            done: 1,
            failed: 0,
            spent_usd: 0.067,
        }
    }

    fn row(state: &str) -> ItemRow {
        ItemRow {
            index: 1,
            key: "fox".into(),
            item_json: "{}".into(),
            state: state.into(),
            job_id: None,
            files: vec!["001_fox.png".into()],
            cost_usd: 0.067,
            attempts: 1,
            error_kind: None,
            error_message: None,
        }
    }

    #[test]
    fn rewrites_keep_review_marks() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Manifest::from_store(&run(), &[row("done")]);
        assert_eq!(first.items[0].sidecar.as_deref(), Some("001_fox.png.json"));
        assert!(first.set_mark("001_fox.png", Some(Mark::Star)));
        assert!(!first.set_mark("nope.png", Some(Mark::Keep)));
        first.write(dir.path()).unwrap();
        Manifest::from_store(&run(), &[row("done")])
            .write_keeping_marks(dir.path())
            .unwrap();
        let back = Manifest::read(dir.path()).unwrap();
        assert_eq!(back.items[0].mark, Some(Mark::Star));
        let text = std::fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        assert!(text.contains("\"mark\": \"star\""), "{text}");
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        assert_eq!(names, [MANIFEST, MANIFEST_LOCK], "no temp files left");
    }

    #[test]
    fn updates_write_nothing_when_the_change_fails() {
        let dir = tempfile::tempdir().unwrap();
        Manifest::from_store(&run(), &[row("done")])
            .write(dir.path())
            .unwrap();
        let before = std::fs::read(dir.path().join(MANIFEST)).unwrap();
        let refused = Manifest::update(
            dir.path(),
            || unreachable!("the manifest exists"),
            |m| {
                if m.set_mark("nope.png", Some(Mark::Keep)) {
                    Ok(())
                } else {
                    Err("nope.png is not in the manifest".to_string())
                }
            },
        );
        assert!(refused.is_err());
        assert_eq!(std::fs::read(dir.path().join(MANIFEST)).unwrap(), before);
        let marked = Manifest::update(
            dir.path(),
            || unreachable!("the manifest exists"),
            |m| Ok(m.set_mark("001_fox.png", Some(Mark::Keep))),
        );
        assert_eq!(marked, Ok(true));
        let back = Manifest::read(dir.path()).unwrap();
        assert_eq!(back.mark_of("001_fox.png"), Some(Mark::Keep));
    }

    #[test]
    fn the_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = ManifestLock::acquire(dir.path()).unwrap();
        let other = File::open(dir.path().join(MANIFEST_LOCK)).unwrap();
        assert!(other.try_lock().is_err(), "a second holder was let in");
        drop(held);
        assert!(other.try_lock().is_ok(), "dropping released the lock");
    }
}
