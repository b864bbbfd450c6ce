//! The run folder and the store-backed queue: creating a run, finding it again, making sure
//! one process works on it at a time, and reconciling the folder after a crash so every
//! item ends up exactly once on disk.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::validate::{Batch, run_index_width};
use crate::fsio::OutputError;
use crate::store::{ItemUpdate, NewRun, RunId, RunRow, Store};
use crate::studio::StudioError;
use crate::studio::output::sidecar_path;

/// Makes a fresh `parent/batch_YYYYmmdd_HHMMSS[_N]/` folder.
pub fn make_run_dir(parent: &Path) -> Result<PathBuf, OutputError> {
    make_named_run_dir(parent, "batch")
}

/// Makes a fresh `parent/<prefix>_YYYYmmdd_HHMMSS[_N]/` folder.
pub fn make_named_run_dir(parent: &Path, prefix: &str) -> Result<PathBuf, OutputError> {
    let fail = |path: &Path, e: std::io::Error| OutputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
    let stamp = format!("{prefix}_{}", chrono::Local::now().format("%Y%m%d_%H%M%S"));
    for n in 1..1000 {
        let name = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}_{n}")
        };
        let dir = parent.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(std::path::absolute(&dir).unwrap_or(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(&dir, e)),
        }
    }
    Err(OutputError {
        path: parent.join(stamp),
        message: "no free folder name".into(),
    })
}

/// Records a validated batch as a new run writing into a fresh folder under `parent`.
pub fn create_run(
    store: &Store,
    batch: &Batch,
    parent: &Path,
    lane: &str,
    state: &str,
    budget: Option<f64>,
) -> Result<(RunId, PathBuf), StudioError> {
    let dir = make_run_dir(parent)?;
    record_run(store, batch, dir, lane, state, budget)
}

/// Records a validated batch as a new run writing into `dir` (made for it; removed again
/// when the store refuses the run).
pub fn record_run(
    store: &Store,
    batch: &Batch,
    dir: PathBuf,
    lane: &str,
    state: &str,
    budget: Option<f64>,
) -> Result<(RunId, PathBuf), StudioError> {
    let items = batch.items.iter().map(|item| {
        let json = serde_json::to_string(item).unwrap_or_default();
        (item.index, item.key.clone(), json)
    });
    let source = batch.path.display().to_string();
    let out_dir = dir.display().to_string();
    let run = NewRun {
        lane,
        state,
        source: &source,
        out_dir: &out_dir,
        budget_usd: budget,
        items: Vec::new(),
    };
    let id = store.create_batch_run_from(&run, items);
    match id {
        Ok(id) => Ok((id, dir)),
        Err(e) => {
            let _ = std::fs::remove_dir(&dir);
            Err(e.into())
        }
    }
}

/// Finds a run by id, by its folder (path or bare name), or by its Batch API job name.
pub fn find_run(store: &Store, text: &str) -> Result<Option<RunRow>, StudioError> {
    let text = text.trim();
    if let Ok(id) = text.parse::<i64>()
        && let Some(run) = store.batch_run(id)?
    {
        return Ok(Some(run));
    }
    // A remote name as given (a Vertex job's full name), then as a Batch API `batches/…`.
    if let Some(run) = store.batch_run_by_remote(text)? {
        return Ok(Some(run));
    }
    let name = if text.starts_with("batches/") {
        text.to_string()
    } else {
        format!("batches/{text}")
    };
    if let Some(run) = store.batch_run_by_remote(&name)? {
        return Ok(Some(run));
    }
    let path = Path::new(text.trim_end_matches('/'));
    if let Ok(canonical) = std::path::absolute(path)
        && let Some(run) = store.batch_run_by_dir(&canonical.display().to_string())?
    {
        return Ok(Some(run));
    }
    let by_name = store.batch_runs(0)?.into_iter().find(|r| {
        Path::new(&r.out_dir)
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == text)
    });
    Ok(by_name)
}

/// Held while a process works on a run; released when dropped or when the process dies.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Takes the run's lock in `lock_dir`, or says that another process holds it.
pub fn lock_run(lock_dir: &Path, run: RunId) -> Result<RunLock, StudioError> {
    let path = lock_dir.join(format!("batch-run-{run}.lock"));
    let fail = |e: std::io::Error| {
        StudioError::from(OutputError {
            path: path.clone(),
            message: e.to_string(),
        })
    };
    std::fs::create_dir_all(lock_dir).map_err(fail)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    match file.try_lock() {
        Ok(()) => Ok(RunLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StudioError::Busy(format!(
            "run {run} is being worked on by another peel process; wait for it to finish or stop it first"
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(fail(e)),
    }
}

/// True when some process holds the run's lock (it is really running).
pub fn is_locked(lock_dir: &Path, run: RunId) -> bool {
    let path = lock_dir.join(format!("batch-run-{run}.lock"));
    let Ok(file) = File::open(&path) else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// What reconciling a folder found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Items whose files were complete on disk and are now marked done.
    pub recovered: usize,
    /// Half-written files removed.
    pub removed: usize,
}

/// After a crash: removes temp files, marks items whose image and sidecar are complete as
/// done (so they are never requested again), and deletes partial files of the others.
/// Memory stays small for a big run: the unfinished items are held as indexes, only the
/// files of those items are remembered, and a key is read only for an item with files.
pub fn reconcile(store: &Store, run: &RunRow) -> Result<Reconciled, StudioError> {
    let dir = Path::new(&run.out_dir);
    let width = run_index_width(run, store.batch_max_index(run.id)?);
    let unfinished = store.batch_unfinished(run.id)?;
    let is_unfinished = |index: usize| unfinished.binary_search_by_key(&index, |u| u.0).is_ok();
    let mut report = Reconciled::default();
    let mut by_index: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| OutputError {
        path: dir.to_path_buf(),
        message: format!("{e}; the run folder is missing"),
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(".peel-") && name.ends_with(".tmp") {
            if std::fs::remove_file(entry.path()).is_ok() {
                report.removed += 1;
            }
            continue;
        }
        if is_kept_version(&name) {
            continue;
        }
        if let Some(index) = item_index(&name, width).filter(|i| is_unfinished(*i)) {
            by_index.entry(index).or_default().push(name);
        }
    }
    for &(index, running) in &unfinished {
        let names = by_index.remove(&index).unwrap_or_default();
        if names.is_empty() {
            if running {
                store.update_batch_item(run.id, index, &ItemUpdate::Pending)?;
            }
            continue;
        }
        let Some(key) = store.batch_item(run.id, index)?.map(|row| row.key) else {
            continue;
        };
        let stem = format!("{:0width$}_{}", index, key);
        match complete_outputs(dir, &stem, &names) {
            Some((files, cost_usd)) => {
                store.update_batch_item(run.id, index, &ItemUpdate::Done { files, cost_usd })?;
                report.recovered += 1;
            }
            None => {
                for name in &names {
                    if std::fs::remove_file(dir.join(name)).is_ok() {
                        report.removed += 1;
                    }
                }
                store.update_batch_item(run.id, index, &ItemUpdate::Pending)?;
            }
        }
    }
    Ok(report)
}

/// `03_fox.v2.png` (or its sidecar): an earlier version of a re-rolled story frame, kept.
pub fn is_kept_version(name: &str) -> bool {
    let mut parts = name.split('.');
    parts.next();
    parts.any(|part| {
        part.len() > 1 && part.starts_with('v') && part[1..].bytes().all(|b| b.is_ascii_digit())
    })
}

/// `007_fox.png` → 7 (for `width` digits followed by `_`).
fn item_index(name: &str, width: usize) -> Option<usize> {
    let digits = name.get(..width)?;
    if name.as_bytes().get(width) != Some(&b'_') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The item's images when its primary image and every image's sidecar are complete.
fn complete_outputs(dir: &Path, stem: &str, names: &[String]) -> Option<(Vec<String>, f64)> {
    let images: Vec<&String> = names.iter().filter(|n| !n.ends_with(".json")).collect();
    let primary = images
        .iter()
        .find(|n| Path::new(n.as_str()).file_stem().is_some_and(|s| s == stem))?;
    let mut files = vec![(*primary).clone()];
    let mut extras: Vec<String> = images
        .iter()
        .filter(|n| **n != *primary)
        .map(|n| (*n).clone())
        .collect();
    extras.sort();
    files.extend(extras);
    let mut cost = 0.0;
    for file in &files {
        let sidecar = sidecar_path(&dir.join(file));
        let text = std::fs::read(&sidecar).ok()?;
        let json: serde_json::Value = serde_json::from_slice(&text).ok()?;
        cost += json.get("cost_usd").and_then(|c| c.as_f64()).unwrap_or(0.0);
    }
    Some((files, cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconcile_keeps_complete_items_and_removes_partial_ones() {
        let store = Store::in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = store
            .create_batch_run(&NewRun {
                lane: "interactive",
                state: "running",
                source: "b.toml",
                out_dir: &dir.path().display().to_string(),
                budget_usd: None,
                items: (1..=4).map(|i| (i, format!("k{i}"), "{}".into())).collect(),
            })
            .unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("001_k1.png", "img");
        write("001_k1.png.json", "{\"cost_usd\": 0.5}");
        write("002_k2.png", "img"); // no sidecar: half-saved
        write(".peel-0190.tmp", "partial");
        write("notes.txt", "user file");
        store
            .update_batch_item(id, 1, &ItemUpdate::Running { job_id: 1 })
            .unwrap();
        store
            .update_batch_item(id, 2, &ItemUpdate::Running { job_id: 2 })
            .unwrap();
        let run = store.batch_run(id).unwrap().unwrap();
        let report = reconcile(&store, &run).unwrap();
        assert_eq!(
            report,
            Reconciled {
                recovered: 1,
                removed: 2
            }
        );
        let items = store.batch_items(id).unwrap();
        assert_eq!(items[0].state, "done");
        assert_eq!(items[0].files, vec!["001_k1.png"]);
        assert!((items[0].cost_usd - 0.5).abs() < 1e-9);
        assert_eq!(items[1].state, "pending");
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        assert_eq!(left, vec!["001_k1.png", "001_k1.png.json", "notes.txt"]);
    }

    #[test]
    fn indexes_need_the_exact_width() {
        assert_eq!(item_index("007_fox.png", 3), Some(7));
        assert_eq!(item_index("0007_fox.png", 3), None);
        assert_eq!(item_index("07_fox.png", 3), None);
        assert_eq!(item_index("1000_x.png", 4), Some(1000));
    }

    #[test]
    fn one_process_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock_run(dir.path(), 5).unwrap();
        assert!(is_locked(dir.path(), 5));
        let err = lock_run(dir.path(), 5).unwrap_err().to_string();
        assert!(err.contains("another peel process"), "{err}");
        drop(held);
        assert!(!is_locked(dir.path(), 5));
        assert!(lock_run(dir.path(), 5).is_ok());
    }

    #[test]
    fn run_folders_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = make_run_dir(dir.path()).unwrap();
        let b = make_run_dir(dir.path()).unwrap();
        assert_ne!(a, b);
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("batch_")
        );
    }
}
