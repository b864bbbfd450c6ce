//! File-system writes every floor may use: a whole file appears at once (temp file in the
//! same folder, synced, then renamed) or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot write {}: {message}. Check that the folder exists, is writable and the disk has room.", path.display())]
pub struct OutputError {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Writes bytes to `path` through a temp file in the same folder and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = write_temp(dir, &[data])?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        OutputError {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// Like `write_atomic`, for content written piece by piece into a buffered temp file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".peel-{}.tmp", uuid::Uuid::now_v7().simple()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(&file);
            write(&mut out)?;
            out.flush()?;
            drop(out);
            file.sync_data()
        })
        .and_then(|_| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        OutputError {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// Writes `pieces` to a new temp file in `dir` (synced), returning its path; removes it on failure.
pub fn write_temp(dir: &Path, pieces: &[&[u8]]) -> Result<PathBuf, OutputError> {
    let temp = dir.join(format!(".peel-{}.tmp", uuid::Uuid::now_v7().simple()));
    let fail = |e: std::io::Error| OutputError {
        path: temp.clone(),
        message: e.to_string(),
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(fail)?;
    let written = pieces
        .iter()
        .try_for_each(|p| file.write_all(p))
        .and_then(|_| file.sync_data());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(temp)
}
