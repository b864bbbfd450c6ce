//! Cloud Storage's uploads: `uploadType=media`, `multipart` and `resumable` (sessions
//! started, chunks appended, status queries), with the checksums a client declares.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::Value;

use super::{Params, admit, gcs_error, refusal};
use crate::sim::SimState;
use crate::sim::storage::{Declared, Object, encode};

fn object_json(state: &SimState, object: &Object) -> Response {
    state.record(|s| {
        s.storage_objects_written += 1;
        s.storage_bytes_written += object.size;
    });
    Json(object.resource(&state.base_url)).into_response()
}

/// The checksums a client declared in metadata or `x-goog-hash`.
fn declared(metadata: &Value, headers: &HeaderMap) -> Declared {
    let mut d = Declared {
        crc32c: metadata
            .get("crc32c")
            .and_then(Value::as_str)
            .map(str::to_string),
        md5: metadata
            .get("md5Hash")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    for value in headers.get_all("x-goog-hash") {
        for item in value.to_str().unwrap_or("").split(',') {
            match item.trim().split_once('=') {
                Some(("crc32c", v)) => d.crc32c = Some(v.to_string()),
                Some(("md5", v)) => d.md5 = Some(v.to_string()),
                _ => {}
            }
        }
    }
    d
}

/// `POST /upload/storage/v1/b/{bucket}/o?uploadType=media|multipart|resumable`.
pub async fn upload(
    State(state): State<Arc<SimState>>,
    Path(bucket): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = admit(&state, &headers, true) {
        return r;
    }
    if let Some(id) = params.get("upload_id") {
        return chunk(&state, id, &headers, &body);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    match params.get("uploadType").map(String::as_str) {
        Some("media") => {
            let Some(name) = params.get("name").filter(|n| !n.is_empty()) else {
                return gcs_error(400, "required", "Required parameter: name");
            };
            let declared = declared(&Value::Null, &headers);
            match state
                .storage
                .put_bytes(&bucket, name, &content_type, &body, &declared)
            {
                Ok(object) => object_json(&state, &object),
                Err(e) => refusal(&bucket, name, e),
            }
        }
        Some("multipart") => multipart(&state, &bucket, &params, &headers, &content_type, &body),
        Some("resumable") => start_resumable(&state, &bucket, &params, &headers, &body),
        _ => gcs_error(
            400,
            "invalid",
            "Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/",
        ),
    }
}

/// The object's name: the metadata's `name`, else the `name` query parameter.
fn object_name(
    metadata: &Value,
    params: &HashMap<String, String>,
) -> Result<String, Box<Response>> {
    metadata
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| params.get("name").cloned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Box::new(gcs_error(400, "required", "Required parameter: name")))
}

fn multipart(
    state: &SimState,
    bucket: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    content_type: &str,
    body: &[u8],
) -> Response {
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return gcs_error(400, "invalid", "Missing boundary in multipart/related body");
    };
    let parts = split_multipart(body, &boundary);
    let [(_, meta), (media_headers, media)] = parts.as_slice() else {
        return gcs_error(
            400,
            "invalid",
            "A multipart upload takes two parts: metadata and media.",
        );
    };
    let metadata: Value = match serde_json::from_slice(meta) {
        Ok(v) => v,
        Err(_) => return gcs_error(400, "parseError", "Parse Error"),
    };
    let name = match object_name(&metadata, params) {
        Ok(name) => name,
        Err(refused) => return *refused,
    };
    let media_type = metadata
        .get("contentType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            media_headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-type")
                    .then(|| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    match state.storage.put_bytes(
        bucket,
        &name,
        &media_type,
        media,
        &declared(&metadata, headers),
    ) {
        Ok(object) => object_json(state, &object),
        Err(e) => refusal(bucket, &name, e),
    }
}

/// The parts of a multipart/related body: (headers, content) each.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<(String, &'a [u8])> {
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut starts = Vec::new();
    let mut i = 0;
    while i + d.len() <= body.len() {
        if &body[i..i + d.len()] == d {
            starts.push(i);
            i += d.len();
        } else {
            i += 1;
        }
    }
    for pair in starts.windows(2) {
        let part = &body[pair[0] + d.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| (p, 4))
            .or_else(|| part.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2)));
        if let Some((at, gap)) = split {
            let head = String::from_utf8_lossy(&part[..at]).to_string();
            parts.push((head, &part[at + gap..]));
        }
    }
    parts
}

fn start_resumable(
    state: &SimState,
    bucket: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let metadata: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return gcs_error(400, "parseError", "Parse Error"),
        }
    };
    let name = match object_name(&metadata, params) {
        Ok(name) => name,
        Err(refused) => return *refused,
    };
    let content_type = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            metadata
                .get("contentType")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    match state
        .storage
        .open_session(bucket, &name, &content_type, declared(&metadata, headers))
    {
        Ok(id) => {
            let location = format!(
                "{}/upload/storage/v1/b/{bucket}/o?uploadType=resumable&name={}&upload_id={id}",
                state.base_url,
                encode(&name)
            );
            (StatusCode::OK, [(header::LOCATION, location)], "").into_response()
        }
        Err(e) => refusal(bucket, &name, e),
    }
}

/// `PUT` (or `POST`) to a session: a chunk (`Content-Range: bytes A-B/T`, `T` may be `*`)
/// or a status query (`bytes */T`).
fn chunk(state: &SimState, id: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let Some(session) = state.storage.session(id) else {
        return gcs_error(404, "notFound", "No such upload session.");
    };
    let range = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_string();
    let spec = range.strip_prefix("bytes ").unwrap_or("");
    let (span, total) = spec.split_once('/').unwrap_or((spec, "*"));
    let total = total.trim().parse::<u64>().ok();
    let start = match span.trim() {
        "*" | "" => None,
        s => s
            .split_once('-')
            .and_then(|(a, _)| a.trim().parse::<u64>().ok()),
    };
    let session = match start {
        Some(start) => match state.storage.append(id, start, body, total) {
            Ok(s) => s,
            Err(e) => return refusal(&session.bucket, &session.name, e),
        },
        None if range.is_empty() && !body.is_empty() => {
            match state.storage.append(id, 0, body, Some(body.len() as u64)) {
                Ok(s) => s,
                Err(e) => return refusal(&session.bucket, &session.name, e),
            }
        }
        None => match total {
            // A status query that also says the total: complete a session holding it all.
            Some(t) if session.done.is_none() && session.received == t => {
                match state.storage.append(id, t, &[], Some(t)) {
                    Ok(s) => s,
                    Err(e) => return refusal(&session.bucket, &session.name, e),
                }
            }
            _ => session,
        },
    };
    if let Some(object) = &session.done {
        return object_json(state, object);
    }
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    if session.received > 0
        && let Ok(v) = format!("bytes=0-{}", session.received - 1).parse()
    {
        response.headers_mut().insert(header::RANGE, v);
    }
    response
}

/// `PUT /upload/storage/v1/b/{bucket}/o?upload_id=…`.
pub async fn put_chunk(
    State(state): State<Arc<SimState>>,
    Path(_bucket): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = admit(&state, &headers, true) {
        return r;
    }
    let Some(id) = params.get("upload_id") else {
        return gcs_error(400, "invalid", "Missing upload_id");
    };
    chunk(&state, id, &headers, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_split_into_metadata_and_media() {
        let body = b"--XX\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"name\":\"a\"}\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n";
        let parts = split_multipart(body, "XX");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].1, b"{\"name\":\"a\"}");
        assert_eq!(parts[1].1, b"hello");
        assert!(parts[1].0.contains("text/plain"));
    }
}
