//! Cloud Storage's object reads: metadata, media streamed from disk (with `Range`), the
//! download path, listing by prefix with paging, and deletes.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::{Params, admit, gcs_error, refusal};
use crate::sim::SimState;
use crate::sim::storage::Object;

/// `GET /storage/v1/b/{bucket}/o?prefix=&pageToken=&maxResults=`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    Path(bucket): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = admit(&state, &headers, false) {
        return r;
    }
    let prefix = params.get("prefix").map(String::as_str).unwrap_or("");
    let Some(all) = state.storage.list(&bucket, prefix) else {
        return gcs_error(404, "notFound", "The specified bucket does not exist.");
    };
    let size = params
        .get("maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(1000)
        .min(1000);
    let offset = params
        .get("pageToken")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(size)
        .map(|o| o.resource(&state.base_url))
        .collect();
    let mut body = json!({"kind": "storage#objects"});
    if !page.is_empty() {
        body["items"] = Value::Array(page);
    }
    if offset + size < all.len() {
        body["nextPageToken"] = json!((offset + size).to_string());
    }
    Json(body).into_response()
}

/// `GET /storage/v1/b/{bucket}/o/{name}` (metadata, or the bytes with `alt=media`).
pub async fn get_object(
    State(state): State<Arc<SimState>>,
    Path((bucket, name)): Path<(String, String)>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = admit(&state, &headers, false) {
        return r;
    }
    let object = match state.storage.object(&bucket, &name) {
        Ok(Some(o)) => o,
        Ok(None) => return gcs_error(404, "notFound", format!("No such object: {bucket}/{name}")),
        Err(_) => return gcs_error(404, "notFound", "The specified bucket does not exist."),
    };
    if params.get("alt").map(String::as_str) != Some("media") {
        return Json(object.resource(&state.base_url)).into_response();
    }
    media(&object, &headers).await
}

/// `GET /download/storage/v1/b/{bucket}/o/{name}?alt=media`.
pub async fn download(
    state: State<Arc<SimState>>,
    path: Path<(String, String)>,
    Query(mut params): Params,
    headers: HeaderMap,
) -> Response {
    params.insert("alt".into(), "media".into());
    get_object(state, path, Query(params), headers).await
}

/// The object's bytes, streamed from disk (`Range: bytes=N-` answers 206 from N).
async fn media(object: &Object, headers: &HeaderMap) -> Response {
    use tokio::io::AsyncSeekExt;
    let from = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .and_then(|r| r.split('-').next())
        .and_then(|n| n.trim().parse::<u64>().ok())
        .filter(|n| *n <= object.size);
    let Ok(mut file) = tokio::fs::File::open(&*object.path).await else {
        return gcs_error(503, "backendError", "Backend Error");
    };
    if let Some(n) = from
        && file.seek(std::io::SeekFrom::Start(n)).await.is_err()
    {
        return gcs_error(503, "backendError", "Backend Error");
    }
    let stream = tokio_util::io::ReaderStream::new(file);
    let status = if from.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let length = object.size - from.unwrap_or(0);
    let hash = format!("crc32c={},md5={}", object.crc32c, object.md5);
    let range = match from {
        Some(n) => format!(
            "bytes {n}-{}/{}",
            object.size.saturating_sub(1),
            object.size
        ),
        None => format!("bytes 0-{}/{}", object.size.saturating_sub(1), object.size),
    };
    (
        status,
        [
            (header::CONTENT_RANGE, range),
            (header::CONTENT_TYPE, object.content_type.clone()),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::HeaderName::from_static("x-goog-hash"), hash),
            (
                header::HeaderName::from_static("x-goog-generation"),
                object.generation.to_string(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `DELETE /storage/v1/b/{bucket}/o/{name}`.
pub async fn delete_object(
    State(state): State<Arc<SimState>>,
    Path((bucket, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = admit(&state, &headers, true) {
        return r;
    }
    match state.storage.delete(&bucket, &name) {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => gcs_error(404, "notFound", format!("No such object: {bucket}/{name}")),
        Err(e) => refusal(&bucket, &name, e),
    }
}
