//! Cloud Storage's handlers, shared part and buckets: credentials as GCS asks for them (a
//! bearer token from the simulator's `/token`, or none in emulator mode), Google's JSON
//! error envelope, and the bucket endpoints. `uploads.rs` holds the three upload types,
//! `objects.rs` reads, lists and deletes.

mod objects;
mod uploads;

pub use objects::{delete_object, download, get_object, list};
pub use uploads::{put_chunk, upload};

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::WriteRefusal;
use crate::sim::SimState;

type Params = Query<HashMap<String, String>>;

/// Google's Cloud Storage error: `{"error":{"code","message","errors":[{…reason}]}}`.
fn gcs_error(code: u16, reason: &str, message: impl Into<String>) -> Response {
    let message = message.into();
    let body = json!({"error": {"code": code, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}]}});
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

fn refusal(bucket: &str, name: &str, refused: WriteRefusal) -> Response {
    match refused {
        WriteRefusal::NoBucket => {
            gcs_error(404, "notFound", "The specified bucket does not exist.")
        }
        WriteRefusal::ReadOnly => gcs_error(
            403,
            "forbidden",
            format!(
                "peel-sim@simulated.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist). ({bucket}/{name})"
            ),
        ),
        WriteRefusal::Mismatch(m) => gcs_error(400, "invalid", m),
        WriteRefusal::Disk(m) => gcs_error(503, "backendError", format!("Backend Error ({m})")),
    }
}

/// Counts the call and checks its credentials for a read or (`write`) a write; `Some` is
/// the refusal.
fn admit(state: &SimState, headers: &HeaderMap, write: bool) -> Option<Response> {
    state.record(|s| s.storage_requests += 1);
    if state.config.storage_emulator {
        return None;
    }
    match state.tokens.check_storage(headers, write) {
        Ok(()) => None,
        Err(crate::sim::oauth::Refusal::Scope) => Some(gcs_error(
            403,
            "insufficientPermissions",
            "Insufficient Permission: Request had insufficient authentication scopes.",
        )),
        Err(_) if !headers.contains_key(header::AUTHORIZATION) => Some(gcs_error(
            401,
            "required",
            "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
        )),
        Err(_) => Some(gcs_error(401, "authError", "Invalid Credentials")),
    }
}

/// `GET /storage/v1/b/{bucket}`.
pub async fn get_bucket(
    State(state): State<Arc<SimState>>,
    Path(bucket): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = admit(&state, &headers, false) {
        return r;
    }
    let project = state.config.project.clone().unwrap_or_default();
    match state.storage.bucket(&bucket, &project) {
        Some(b) => Json(b).into_response(),
        None => gcs_error(404, "notFound", "The specified bucket does not exist."),
    }
}

/// `POST /storage/v1/b?project=P` with `{"name": …}`.
pub async fn create_bucket(
    State(state): State<Arc<SimState>>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = admit(&state, &headers, true) {
        return r;
    }
    if params.get("project").is_none_or(|p| p.trim().is_empty()) {
        return gcs_error(400, "required", "Required parameter: project");
    }
    let name = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string));
    let Some(name) = name.filter(|n| n.len() >= 3) else {
        return gcs_error(400, "invalid", "Invalid bucket name");
    };
    if !state.storage.create_bucket(&name) {
        return gcs_error(
            409,
            "conflict",
            "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
        );
    }
    let project = state.config.project.clone().unwrap_or_default();
    Json(state.storage.bucket(&name, &project).unwrap_or(Value::Null)).into_response()
}
