//! Files API uploads, by content hash, so an image is uploaded once per 48 hours.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A remembered upload.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// "files/{id}".
    pub name: String,
    /// The file URI.
    pub uri: String,
    /// MIME type.
    pub mime: String,
    /// RFC 3339 expiry.
    pub expires_at: String,
}

impl Store {
    /// The upload for these bytes, if one is remembered.
    pub fn upload(&self, sha256: &str) -> Result<Option<UploadRow>, StoreError> {
        self.lock()
            .query_row(
                "SELECT sha256, name, uri, mime, expires_at FROM uploads WHERE sha256 = ?1",
                params![sha256],
                |r| {
                    Ok(UploadRow {
                        sha256: r.get(0)?,
                        name: r.get(1)?,
                        uri: r.get(2)?,
                        mime: r.get(3)?,
                        expires_at: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Remembers an upload (replacing an expired one).
    pub fn record_upload(&self, row: &UploadRow) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO uploads (sha256, name, uri, mime, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.sha256, row.name, row.uri, row.mime, row.expires_at],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}
