//! The Files API: resumable uploads (`x-goog-upload-*` headers), get, list, delete, and
//! `:download?alt=media` for files the service generated (batch results).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SimState;
use super::call::Gated;
use super::errors::{SimError, html_not_found};
use super::gate::{page_body, page_params};
use super::inputs::ResolvedFile;

/// How long a file lives.
const LIFETIME_HOURS: i64 = 48;

/// Where a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Uploaded by a client.
    Uploaded,
    /// Produced by the service (batch results); downloadable.
    Generated,
}

/// One stored file.
#[derive(Debug, Clone)]
pub(super) struct StoredFile {
    /// Id after `files/`.
    pub(super) id: String,
    /// The uploader's name for it.
    pub(super) display_name: Option<String>,
    /// Its MIME type.
    pub(super) mime_type: String,
    /// Its content.
    pub(super) content: Content,
    /// Upload or generation time.
    pub(super) created: DateTime<Utc>,
    /// Uploaded or generated.
    pub(super) source: Source,
    /// API version used in its URIs.
    pub(super) version: String,
}

/// Where a file's bytes live: uploads in memory, generated results (which can be
/// gigabytes for a 50,000-request batch) in a temporary file, written as they are made.
#[derive(Debug, Clone)]
pub(super) enum Content {
    /// Held in memory.
    Memory(Arc<Vec<u8>>),
    /// On disk, removed when the last holder drops it.
    Disk {
        /// The file.
        path: Arc<tempfile::TempPath>,
        /// Its size.
        len: u64,
        /// Lowercase hex SHA-256 of its bytes.
        sha256_hex: String,
    },
}

impl Content {
    fn len(&self) -> u64 {
        match self {
            Self::Memory(bytes) => bytes.len() as u64,
            Self::Disk { len, .. } => *len,
        }
    }

    fn sha256_hex(&self) -> String {
        match self {
            Self::Memory(bytes) => lower_hex(&Sha256::digest(bytes.as_slice())),
            Self::Disk { sha256_hex, .. } => sha256_hex.clone(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Memory(bytes) => bytes.as_ref().clone(),
            Self::Disk { path, .. } => {
                std::fs::read(path.as_ref() as &std::path::Path).unwrap_or_default()
            }
        }
    }
}

/// Bytes as lowercase hex.
pub(super) fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An unfinished resumable upload.
#[derive(Debug)]
pub(super) struct Session {
    /// The uploader's name for it.
    pub(super) display_name: Option<String>,
    /// Its MIME type.
    pub(super) mime_type: String,
    /// Size announced in X-Goog-Upload-Header-Content-Length.
    pub(super) declared: Option<u64>,
    /// Bytes received so far.
    pub(super) data: Vec<u8>,
    /// API version used in its URIs.
    pub(super) version: String,
}

/// Files and upload sessions.
#[derive(Debug, Default)]
pub(super) struct Inner {
    /// Files by id.
    pub(super) files: BTreeMap<String, StoredFile>,
    /// Open upload sessions by upload id.
    pub(super) sessions: HashMap<String, Session>,
}

/// Uploaded and generated files, kept in memory.
#[derive(Debug, Default)]
pub struct FileStore {
    inner: Mutex<Inner>,
}

/// A new random id of lowercase letters and digits.
pub fn new_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A timestamp as the service writes it.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn not_found(id: &str) -> SimError {
    SimError::new(
        403,
        "PERMISSION_DENIED",
        format!("You do not have permission to access the File {id} or it may not exist."),
    )
}

impl FileStore {
    /// Locks the store.
    pub(super) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, SimError> {
        self.inner.lock().map_err(|_| SimError::internal())
    }

    fn live(&self, id: &str) -> Option<StoredFile> {
        let mut inner = self.inner.lock().ok()?;
        let file = inner.files.get(id)?.clone();
        if Utc::now() >= file.created + ChronoDuration::hours(LIFETIME_HOURS) {
            inner.files.remove(id);
            return None;
        }
        Some(file)
    }

    /// The bytes of file `id`, if it exists and has not expired.
    pub fn resolve(&self, id: &str) -> Option<ResolvedFile> {
        self.live(id).map(|f| ResolvedFile {
            mime_type: f.mime_type,
            bytes: f.content.bytes(),
        })
    }

    /// Stores a file the service generated (batch results).
    pub(super) fn add_generated(
        &self,
        id: &str,
        display_name: &str,
        mime: &str,
        content: Content,
        version: &str,
    ) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.files.insert(
                id.to_string(),
                StoredFile {
                    id: id.to_string(),
                    display_name: Some(display_name.to_string()),
                    mime_type: mime.to_string(),
                    content,
                    created: Utc::now(),
                    source: Source::Generated,
                    version: version.to_string(),
                },
            );
        }
    }
}

/// The File resource as the service describes it.
pub(super) fn resource(file: &StoredFile, base: &str) -> Value {
    let hex = file.content.sha256_hex();
    let mut v = json!({
        "name": format!("files/{}", file.id),
        "mimeType": file.mime_type,
        "sizeBytes": file.content.len().to_string(),
        "createTime": timestamp(file.created),
        "updateTime": timestamp(file.created),
        "expirationTime": timestamp(file.created + ChronoDuration::hours(LIFETIME_HOURS)),
        "sha256Hash": STANDARD.encode(hex),
        "uri": format!("{base}/{}/files/{}", file.version, file.id),
        "state": "ACTIVE",
        "source": match file.source {
            Source::Uploaded => "UPLOADED",
            Source::Generated => "GENERATED",
        },
    });
    if let Some(name) = &file.display_name {
        v["displayName"] = json!(name);
    }
    if file.source == Source::Generated {
        v["downloadUri"] = json!(format!(
            "{base}/download/{}/files/{}:download?alt=media",
            file.version, file.id
        ));
    }
    v
}

/// `GET /{version}/files`: one page of files.
pub async fn list(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    let (size, offset) = match page_params(&call.params, 10) {
        Ok((size, offset)) => (size.min(100), offset),
        Err(e) => return e.into_response(),
    };
    let ids: Vec<String> = match state.files.lock() {
        Ok(inner) => inner.files.keys().cloned().collect(),
        Err(e) => return e.into_response(),
    };
    let live: Vec<StoredFile> = ids.iter().filter_map(|id| state.files.live(id)).collect();
    let body = page_body("files", &live, (size, offset), false, |f| {
        resource(f, &state.base_url)
    });
    Json(body).into_response()
}

/// `GET /{version}/files/{id}` (metadata) or `…/files/{id}:download?alt=media` (bytes).
pub async fn get_file(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    if let Some(id) = call.name.strip_suffix(":download") {
        return download_bytes(&state, id, &call.params)
            .unwrap_or_else(IntoResponse::into_response);
    }
    if call.name.contains(':') {
        return html_not_found(call.uri.path());
    }
    match state.files.live(&call.name) {
        Some(file) => Json(resource(&file, &state.base_url)).into_response(),
        None => not_found(&call.name).into_response(),
    }
}

/// `DELETE /{version}/files/{id}`.
pub async fn delete_file(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    if state.files.live(&call.name).is_none() {
        return not_found(&call.name).into_response();
    }
    match state.files.lock() {
        Ok(mut inner) => {
            inner.files.remove(&call.name);
            Json(json!({})).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /download/{version}/files/{id}:download?alt=media`.
pub async fn download(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    let Some(id) = call.name.strip_suffix(":download") else {
        return html_not_found(call.uri.path());
    };
    download_bytes(&state, id, &call.params).unwrap_or_else(IntoResponse::into_response)
}

fn download_bytes(
    state: &SimState,
    id: &str,
    params: &HashMap<String, String>,
) -> Result<Response, SimError> {
    let file = state.files.live(id).ok_or_else(|| not_found(id))?;
    if file.source != Source::Generated {
        return Err(SimError::invalid(format!(
            "File files/{id} cannot be downloaded: only files generated by the service (source GENERATED) can be downloaded."
        )));
    }
    if params.get("alt").map(String::as_str) != Some("media") {
        return Ok(Json(resource(&file, &state.base_url)).into_response());
    }
    let body = match &file.content {
        Content::Memory(bytes) => axum::body::Body::from(bytes.as_ref().clone()),
        Content::Disk { path, .. } => {
            let opened = std::fs::File::open(path.as_ref() as &std::path::Path).map_err(|e| {
                tracing::error!("reading files/{id}: {e}");
                SimError::internal()
            })?;
            let reader = tokio::fs::File::from_std(opened);
            axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader))
        }
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, file.mime_type.clone()),
            (header::CONTENT_LENGTH, file.content.len().to_string()),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_alphanumeric() {
        let id = new_id(12);
        assert_eq!(id.len(), 12);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn generated_files_resolve_and_describe_themselves() {
        let store = FileStore::default();
        store.add_generated(
            "batch-x",
            "results",
            "application/jsonl",
            Content::Memory(Arc::new(b"{}\n".to_vec())),
            "v1beta",
        );
        let found = store.resolve("batch-x").unwrap();
        assert_eq!(found.bytes, b"{}\n");
        let file = store.live("batch-x").unwrap();
        let v = resource(&file, "http://h");
        assert_eq!(v["source"], "GENERATED");
        assert_eq!(v["sizeBytes"], "3");
        assert!(
            v["downloadUri"]
                .as_str()
                .unwrap()
                .ends_with(":download?alt=media")
        );
        assert!(store.resolve("nope").is_none());
    }
}
