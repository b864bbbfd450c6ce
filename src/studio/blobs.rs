//! Content-addressed image storage for session turns: `<data>/blobs/<sha256>.<ext>`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fsio::{OutputError, write_atomic};
use crate::imaging;
use crate::store::session_types::BlobRef;

/// The blob folder.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// Blobs under `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Where a blob lives.
    pub fn path(&self, blob: &BlobRef) -> PathBuf {
        self.dir.join(format!(
            "{}.{}",
            blob.sha256,
            imaging::extension_for(&blob.mime)
        ))
    }

    /// Stores bytes (once; identical bytes share a file) and returns their reference.
    pub fn put(&self, mime: &str, bytes: &[u8]) -> Result<BlobRef, OutputError> {
        let blob = BlobRef {
            sha256: hex(&Sha256::digest(bytes)),
            mime: mime.to_string(),
        };
        let path = self.path(&blob);
        if path.exists() {
            return Ok(blob);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| OutputError {
            path: self.dir.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, bytes)?;
        Ok(blob)
    }

    /// Reads a blob back, checking its hash.
    pub fn get(&self, blob: &BlobRef) -> Result<Vec<u8>, OutputError> {
        let path = self.path(blob);
        let bytes = std::fs::read(&path).map_err(|e| OutputError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if hex(&Sha256::digest(&bytes)) != blob.sha256 {
            return Err(OutputError {
                path,
                message: "the stored image is damaged (hash mismatch)".into(),
            });
        }
        Ok(bytes)
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a path looks like it is inside a blob folder.
pub fn is_blob_path(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "blobs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_bytes_share_one_file_and_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().join("blobs"));
        let a = blobs.put("image/png", b"abc").unwrap();
        let b = blobs.put("image/png", b"abc").unwrap();
        assert_eq!(a, b);
        assert_eq!(blobs.get(&a).unwrap(), b"abc");
        assert!(is_blob_path(&blobs.path(&a)));
        std::fs::write(blobs.path(&a), b"abd").unwrap();
        assert!(blobs.get(&a).unwrap_err().to_string().contains("damaged"));
    }
}
