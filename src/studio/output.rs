//! Saving outputs: `<slug>[-N].<ext>` plus a `<image>.json` sidecar, written to a temp
//! name and moved into place without ever overwriting an existing file.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fsio::{OutputError, write_atomic, write_temp};
use crate::imaging;

/// Longest slug taken from a prompt.
const SLUG_MAX: usize = 48;

/// A saved image and its facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedOutput {
    /// Where the image is.
    pub path: PathBuf,
    /// Where its sidecar is.
    pub sidecar: PathBuf,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// MIME type.
    pub mime: String,
    /// File size.
    pub bytes: u64,
}

/// Turns a prompt into a short file-name stem ("A red fox!" → "a-red-fox").
pub fn slug(prompt: &str) -> String {
    let mut out = String::new();
    for word in prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word: String = word
            .chars()
            .flat_map(char::to_lowercase)
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if word.is_empty() {
            continue;
        }
        if out.len() + word.len() + 1 > SLUG_MAX {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    if out.is_empty() { "image".into() } else { out }
}

/// Writes `image` under `dir` with a unique name and its sidecar; returns where they went.
///
/// The sidecar is built by `sidecar` from the final path, so it can name the image.
pub fn save_image(
    dir: &Path,
    stem: &str,
    mime: &str,
    bytes: &[u8],
    png_prompt: Option<&str>,
    sidecar: impl FnOnce(&SavedOutput) -> serde_json::Value,
) -> Result<SavedOutput, OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| OutputError {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let ext = imaging::extension_for(mime);
    let chunk = match (ext, png_prompt) {
        ("png", Some(prompt)) => imaging::itxt_chunk(bytes, "prompt", prompt),
        _ => None,
    };
    let pieces: Vec<&[u8]> = match &chunk {
        Some((offset, chunk)) => vec![&bytes[..*offset], chunk, &bytes[*offset..]],
        None => vec![bytes],
    };
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let temp = write_temp(dir, &pieces)?;
    let path = match place_without_overwrite(&temp, dir, stem, ext) {
        Ok(path) => path,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let (width, height) = imaging::dimensions(bytes).unwrap_or((0, 0));
    let saved = SavedOutput {
        sidecar: sidecar_path(&path),
        path,
        width,
        height,
        mime: mime.to_string(),
        bytes: total as u64,
    };
    let json = serde_json::to_vec_pretty(&sidecar(&saved)).map_err(|e| OutputError {
        path: saved.sidecar.clone(),
        message: e.to_string(),
    })?;
    if let Err(e) = write_atomic(&saved.sidecar, &json) {
        let _ = std::fs::remove_file(&saved.path);
        return Err(e);
    }
    Ok(saved)
}

/// Whose image a save is: a job and the index of the image in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageOf {
    /// The job (its sidecar's `job_id`).
    pub job: i64,
    /// The image's index in the answer (its sidecar's `image.index`).
    pub index: usize,
}

/// Like `save_image`, but saves each image of a job once however often it is saved: an
/// image whose sidecar already names this job and index is kept as it is, and identical
/// bytes left without a sidecar (a process killed between the two writes) get their
/// sidecar. A job collected after its saver died mid-save is never saved twice.
pub fn save_image_once(
    dir: &Path,
    stem: &str,
    mime: &str,
    bytes: &[u8],
    png_prompt: Option<&str>,
    of: ImageOf,
    sidecar: impl FnOnce(&SavedOutput) -> serde_json::Value,
) -> Result<SavedOutput, OutputError> {
    let ext = imaging::extension_for(mime);
    let full = match (ext, png_prompt) {
        ("png", Some(prompt)) => imaging::itxt_chunk(bytes, "prompt", prompt)
            .map(|(offset, chunk)| [&bytes[..offset], &chunk[..], &bytes[offset..]].concat()),
        _ => None,
    };
    let full: &[u8] = full.as_deref().unwrap_or(bytes);
    for n in 1..100_000u32 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        let side = sidecar_path(&path);
        let (has_image, has_sidecar) = (path.exists(), side.exists());
        if !has_image && !has_sidecar {
            break;
        }
        let same = if has_sidecar {
            names(&side, of)
        } else {
            std::fs::read(&path).is_ok_and(|existing| existing == full)
        };
        if !same {
            continue;
        }
        if !has_image {
            write_atomic(&path, full)?;
        }
        let (width, height) = imaging::dimensions(bytes).unwrap_or((0, 0));
        let saved = SavedOutput {
            sidecar: side,
            path,
            width,
            height,
            mime: mime.to_string(),
            bytes: full.len() as u64,
        };
        if !has_sidecar {
            let json = serde_json::to_vec_pretty(&sidecar(&saved)).map_err(|e| OutputError {
                path: saved.sidecar.clone(),
                message: e.to_string(),
            })?;
            write_atomic(&saved.sidecar, &json)?;
        }
        return Ok(saved);
    }
    save_image(dir, stem, mime, bytes, png_prompt, sidecar)
}

/// True when the sidecar at `path` is image `of.index` of job `of.job`.
fn names(path: &Path, of: ImageOf) -> bool {
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return false;
    };
    let index = value["image"]["index"].as_u64().unwrap_or(0) as usize;
    value["job_id"].as_i64() == Some(of.job) && index == of.index
}

/// `fox.png` → `fox.png.json`.
pub fn sidecar_path(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// Moves `temp` to the first free `<stem>[-N].<ext>`; a hard link fails if the name is taken,
/// so two writers never overwrite each other.
fn place_without_overwrite(
    temp: &Path,
    dir: &Path,
    stem: &str,
    ext: &str,
) -> Result<PathBuf, OutputError> {
    for n in 1..100_000u32 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let candidate = dir.join(name);
        if candidate.exists() || sidecar_path(&candidate).exists() {
            continue;
        }
        match std::fs::hard_link(temp, &candidate) {
            Ok(()) => {
                let _ = std::fs::remove_file(temp);
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return reserve_and_rename(temp, &candidate),
        }
    }
    Err(OutputError {
        path: dir.join(stem),
        message: "no free file name".into(),
    })
}

/// Fallback for file systems without hard links: claim the name, then rename over the claim.
fn reserve_and_rename(temp: &Path, candidate: &Path) -> Result<PathBuf, OutputError> {
    let fail = |e: std::io::Error| OutputError {
        path: candidate.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(candidate)
        .map_err(fail)?;
    std::fs::rename(temp, candidate).map_err(fail)?;
    Ok(candidate.to_path_buf())
}

/// How a caller names a job's outputs; by default a slug of the prompt.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutputNaming {
    /// File stem to use instead of the prompt's slug (batches use `NNN_<key>`).
    pub stem: Option<String>,
    /// Extra fields added to every sidecar (e.g. the batch run and item).
    pub sidecar_extra: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::new(5, 3)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn slugs_are_short_and_safe() {
        assert_eq!(slug("A red fox, in SNOW!"), "a-red-fox-in-snow");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("日本"), "image");
        assert!(slug(&"word ".repeat(40)).len() <= SLUG_MAX);
    }

    #[test]
    fn never_overwrites_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_image(dir.path(), "fox", "image/png", &png(), Some("fox"), |_| {
            serde_json::json!({})
        })
        .unwrap();
        let b = save_image(
            dir.path(),
            "fox",
            "image/png",
            &png(),
            None,
            |s| serde_json::json!({ "path": s.path }),
        )
        .unwrap();
        assert_eq!(a.path.file_name().unwrap(), "fox.png");
        assert_eq!(b.path.file_name().unwrap(), "fox-2.png");
        assert_eq!((b.width, b.height), (5, 3));
        let sidecar: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&b.sidecar).unwrap()).unwrap();
        assert_eq!(sidecar["path"], b.path.display().to_string());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.iter().all(|n| !n.to_string_lossy().contains(".tmp")));
    }

    #[test]
    fn an_image_is_saved_once_per_job_even_after_a_kill_between_its_two_writes() {
        let dir = tempfile::tempdir().unwrap();
        let of = ImageOf { job: 7, index: 0 };
        let side = |_: &SavedOutput| serde_json::json!({"job_id": 7, "image": {"index": 0}});
        let first =
            save_image_once(dir.path(), "fox", "image/png", &png(), None, of, side).unwrap();
        let again =
            save_image_once(dir.path(), "fox", "image/png", &png(), None, of, side).unwrap();
        assert_eq!(first.path, again.path, "kept, not saved twice");
        // Another job with the same bytes gets its own file.
        let other = ImageOf { job: 8, index: 0 };
        let theirs = save_image_once(
            dir.path(),
            "fox",
            "image/png",
            &png(),
            None,
            other,
            |_| serde_json::json!({"job_id": 8}),
        )
        .unwrap();
        assert_eq!(theirs.path.file_name().unwrap(), "fox-2.png");
        // Killed after the image, before its sidecar: the image gets its sidecar.
        std::fs::remove_file(&first.sidecar).unwrap();
        let healed =
            save_image_once(dir.path(), "fox", "image/png", &png(), None, of, side).unwrap();
        assert_eq!(healed.path, first.path);
        assert!(healed.sidecar.exists());
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 4, "two images, two sidecars");
    }

    #[test]
    fn jpeg_keeps_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let saved = save_image(dir.path(), "x", "image/jpeg", b"\xff\xd8\xff", None, |_| {
            serde_json::json!({})
        })
        .unwrap();
        assert_eq!(saved.path.extension().unwrap(), "jpg");
    }
}
