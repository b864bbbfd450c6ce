//! Resumable uploads: `POST /upload/{version}/files` starts a session (answering with an
//! `x-goog-upload-url`), then chunks arrive with `upload` / `upload, finalize` commands.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::SimState;
use super::call::Call;
use super::errors::{SimError, html_not_found};
use super::files::{Session, Source, StoredFile, new_id, resource};
use super::gate::known_version;
use super::generate::parse_body;
use super::messages;
use super::schema::{self, get};

/// Chunk granularity announced to uploaders.
const CHUNK_GRANULARITY: &str = "8388608";

/// Largest file accepted (2 GB, as the service allows).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `POST /upload/{version}/files`: starts a resumable session, or feeds one (`upload_id`).
pub async fn upload(State(state): State<Arc<SimState>>, call: Call, body: Bytes) -> Response {
    if !known_version(&call.version) {
        return html_not_found(call.uri.path());
    }
    let result = match call.params.get("upload_id") {
        Some(id) => continue_upload(&state, id, &call.headers, &body),
        None => match call.refusal(&state) {
            None => start_upload(&state, &call.version, &call.headers, &body),
            Some(refusal) => Ok(refusal),
        },
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn start_upload(
    state: &SimState,
    version: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, SimError> {
    let protocol = header_str(headers, "x-goog-upload-protocol").unwrap_or("");
    let command = header_str(headers, "x-goog-upload-command").unwrap_or("");
    if !protocol.eq_ignore_ascii_case("resumable") || !command.eq_ignore_ascii_case("start") {
        return Err(SimError::invalid(
            "Upload requests must use X-Goog-Upload-Protocol: resumable and start with X-Goog-Upload-Command: start.",
        ));
    }
    let meta = parse_body(body)?;
    schema::validate(&meta, &messages::CREATE_FILE_REQUEST, version)?;
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
        content: super::files::Content::Memory(Arc::new(session.data)),
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
