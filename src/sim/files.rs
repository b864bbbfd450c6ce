//! The Files API: resumable uploads (`x-goog-upload-*` headers), get, list, delete, and
//! `:download?alt=media` for files the service generated (batch results).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SimState;
use super::errors::{SimError, html_not_found};
use super::generate::parse_body;
use super::request::ResolvedFile;
use super::routes::{Params, gate, known_version, page_params, page_token};
use super::schema::get;

/// How long a file lives.
const LIFETIME_HOURS: i64 = 48;

/// Largest file accepted (2 GB, as the service allows).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Chunk granularity announced to uploaders.
const CHUNK_GRANULARITY: &str = "8388608";

/// Where a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Uploaded by a client.
    Uploaded,
    /// Produced by the service (batch results); downloadable.
    Generated,
}

#[derive(Debug, Clone)]
struct StoredFile {
    id: String,
    display_name: Option<String>,
    mime_type: String,
    bytes: Arc<Vec<u8>>,
    created: DateTime<Utc>,
    source: Source,
    version: String,
}

#[derive(Debug)]
struct Session {
    display_name: Option<String>,
    mime_type: String,
    declared: Option<u64>,
    data: Vec<u8>,
    version: String,
}

#[derive(Debug, Default)]
struct Inner {
    files: BTreeMap<String, StoredFile>,
    sessions: HashMap<String, Session>,
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
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, SimError> {
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
            bytes: f.bytes.as_ref().clone(),
        })
    }

    /// Stores a file the service generated; returns its id.
    pub fn add_generated(
        &self,
        id: &str,
        display_name: &str,
        mime: &str,
        bytes: Vec<u8>,
        version: &str,
    ) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.files.insert(
                id.to_string(),
                StoredFile {
                    id: id.to_string(),
                    display_name: Some(display_name.to_string()),
                    mime_type: mime.to_string(),
                    bytes: Arc::new(bytes),
                    created: Utc::now(),
                    source: Source::Generated,
                    version: version.to_string(),
                },
            );
        }
    }
}

fn resource(file: &StoredFile, base: &str) -> Value {
    let hex: String = Sha256::digest(file.bytes.as_slice())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut v = json!({
        "name": format!("files/{}", file.id),
        "mimeType": file.mime_type,
        "sizeBytes": file.bytes.len().to_string(),
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

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `POST /upload/{version}/files`: starts a resumable session, or feeds one (`upload_id`).
pub async fn upload(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !known_version(&version) {
        return html_not_found(uri.path());
    }
    let result = match params.get("upload_id") {
        Some(id) => continue_upload(&state, id, &headers, &body),
        None => start_upload(&state, &version, &uri, &params, &headers, &body),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn start_upload(
    state: &SimState,
    version: &str,
    uri: &axum::http::Uri,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, SimError> {
    if let Some(resp) = gate(state, version, uri, headers, params) {
        return Ok(resp);
    }
    let protocol = header_str(headers, "x-goog-upload-protocol").unwrap_or("");
    let command = header_str(headers, "x-goog-upload-command").unwrap_or("");
    if !protocol.eq_ignore_ascii_case("resumable") || !command.eq_ignore_ascii_case("start") {
        return Err(SimError::invalid(
            "Upload requests must use X-Goog-Upload-Protocol: resumable and start with X-Goog-Upload-Command: start.",
        ));
    }
    let meta = parse_body(body)?;
    let file = get(&meta, "file").cloned().unwrap_or(Value::Null);
    let declared = match header_str(headers, "x-goog-upload-header-content-length") {
        Some(n) => Some(n.parse::<u64>().map_err(|_| {
            SimError::invalid(format!("Invalid X-Goog-Upload-Header-Content-Length: {n}"))
        })?),
        None => None,
    };
    if declared.is_some_and(|n| n > MAX_FILE_BYTES) {
        return Err(SimError::invalid("File size exceeds the 2 GB limit."));
    }
    let mime_type = header_str(headers, "x-goog-upload-header-content-type")
        .map(str::to_string)
        .or_else(|| {
            get(&file, "mime_type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    let display_name = get(&file, "display_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let upload_id = new_id(24);
    state.files.lock()?.sessions.insert(
        upload_id.clone(),
        Session {
            display_name,
            mime_type,
            declared,
            data: Vec::new(),
            version: version.to_string(),
        },
    );
    let url = format!(
        "{}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable",
        state.base_url
    );
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    for (name, value) in [
        ("x-goog-upload-url", url.as_str()),
        ("x-goog-upload-control-url", url.as_str()),
        ("x-goog-upload-status", "active"),
        ("x-goog-upload-chunk-granularity", CHUNK_GRANULARITY),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    Ok(resp)
}

fn continue_upload(
    state: &SimState,
    upload_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, SimError> {
    let command = header_str(headers, "x-goog-upload-command")
        .unwrap_or("")
        .to_ascii_lowercase();
    let commands: Vec<&str> = command.split(',').map(str::trim).collect();
    let mut inner = state.files.lock()?;
    let Some(session) = inner.sessions.get_mut(upload_id) else {
        return Err(SimError::not_found(format!(
            "Upload session {upload_id} does not exist or has already been finalized."
        )));
    };
    if commands.contains(&"query") {
        return Ok(upload_status("active", session.data.len()));
    }
    if commands.contains(&"upload") {
        let offset = header_str(headers, "x-goog-upload-offset")
            .and_then(|o| o.parse::<usize>().ok())
            .unwrap_or(session.data.len());
        if offset != session.data.len() {
            return Err(SimError::invalid(format!(
                "Invalid X-Goog-Upload-Offset {offset}: {} bytes have been received so far.",
                session.data.len()
            )));
        }
        session.data.extend_from_slice(body);
        if session.data.len() as u64 > MAX_FILE_BYTES {
            inner.sessions.remove(upload_id);
            return Err(SimError::invalid("File size exceeds the 2 GB limit."));
        }
    }
    if !commands.contains(&"finalize") {
        if !commands.contains(&"upload") {
            return Err(SimError::invalid(format!(
                "Unknown X-Goog-Upload-Command: {command}"
            )));
        }
        return Ok(upload_status("active", session.data.len()));
    }
    let Some(session) = inner.sessions.remove(upload_id) else {
        return Err(SimError::internal());
    };
    if let Some(declared) = session.declared
        && declared != session.data.len() as u64
    {
        return Err(SimError::invalid(format!(
            "Upload finalized with {} bytes, but X-Goog-Upload-Header-Content-Length declared {declared}.",
            session.data.len()
        )));
    }
    let id = new_id(12);
    let file = StoredFile {
        id: id.clone(),
        display_name: session.display_name,
        mime_type: session.mime_type,
        bytes: Arc::new(session.data),
        created: Utc::now(),
        source: Source::Uploaded,
        version: session.version,
    };
    let body = json!({ "file": resource(&file, &state.base_url) });
    inner.files.insert(id, file);
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert("x-goog-upload-status", HeaderValue::from_static("final"));
    Ok(resp)
}

fn upload_status(status: &'static str, received: usize) -> Response {
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert("x-goog-upload-status", HeaderValue::from_static(status));
    if let Ok(v) = HeaderValue::from_str(&received.to_string()) {
        h.insert("x-goog-upload-size-received", v);
    }
    resp
}

/// `GET /{version}/files`: one page of files.
pub async fn list(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&state, &version, &uri, &headers, &params) {
        return resp;
    }
    let (size, offset) = match page_params(&params, 10) {
        Ok((size, offset)) => (size.min(100), offset),
        Err(e) => return e.into_response(),
    };
    let ids: Vec<String> = match state.files.lock() {
        Ok(inner) => inner.files.keys().cloned().collect(),
        Err(e) => return e.into_response(),
    };
    let live: Vec<StoredFile> = ids.iter().filter_map(|id| state.files.live(id)).collect();
    let page: Vec<Value> = live
        .iter()
        .skip(offset)
        .take(size)
        .map(|f| resource(f, &state.base_url))
        .collect();
    let mut body = json!({});
    if !page.is_empty() {
        body["files"] = Value::Array(page);
    }
    if offset + size < live.len() {
        body["nextPageToken"] = json!(page_token(offset + size));
    }
    Json(body).into_response()
}

/// `GET /{version}/files/{id}` (metadata) or `…/files/{id}:download?alt=media` (bytes).
pub async fn get_file(
    State(state): State<Arc<SimState>>,
    Path((version, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&state, &version, &uri, &headers, &params) {
        return resp;
    }
    if let Some(id) = name.strip_suffix(":download") {
        return download_bytes(&state, id, &params).unwrap_or_else(IntoResponse::into_response);
    }
    if name.contains(':') {
        return html_not_found(uri.path());
    }
    match state.files.live(&name) {
        Some(file) => Json(resource(&file, &state.base_url)).into_response(),
        None => not_found(&name).into_response(),
    }
}

/// `DELETE /{version}/files/{id}`.
pub async fn delete_file(
    State(state): State<Arc<SimState>>,
    Path((version, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&state, &version, &uri, &headers, &params) {
        return resp;
    }
    if state.files.live(&name).is_none() {
        return not_found(&name).into_response();
    }
    match state.files.lock() {
        Ok(mut inner) => {
            inner.files.remove(&name);
            Json(json!({})).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /download/{version}/files/{id}:download?alt=media`.
pub async fn download(
    State(state): State<Arc<SimState>>,
    Path((version, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&state, &version, &uri, &headers, &params) {
        return resp;
    }
    let Some(id) = name.strip_suffix(":download") else {
        return html_not_found(uri.path());
    };
    download_bytes(&state, id, &params).unwrap_or_else(IntoResponse::into_response)
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
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, file.mime_type.clone())],
        file.bytes.as_ref().clone(),
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
            b"{}\n".to_vec(),
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
