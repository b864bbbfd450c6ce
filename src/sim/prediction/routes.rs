//! `/{v1|v1beta1}/projects/{p}/locations/{l}/batchPredictionJobs[/{id}[:cancel]]`: create
//! (strict), get, list (AIP-160 filters on labels, display name and state), cancel, delete.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::{Job, JobState, worker};
use crate::sim::SimState;
use crate::sim::errors::{SimError, html_not_found};
use crate::sim::faults::{Draw, FaultKind};

type Params = Query<HashMap<String, String>>;

/// Fields a `BatchPredictionJob` create takes (output-only ones are refused).
const JOB_FIELDS: &[&str] = &[
    "displayName",
    "model",
    "inputConfig",
    "outputConfig",
    "labels",
    "modelParameters",
    "instanceConfig",
    "serviceAccount",
    "encryptionSpec",
    "dedicatedResources",
    "manualBatchTuningParameters",
    "generateExplanation",
    "explanationSpec",
    "disableContainerLogging",
];

fn known_version(version: &str) -> bool {
    matches!(version, "v1" | "v1beta1")
}

/// The version, token and project checks every call shares; the parent on success.
fn admit(
    state: &SimState,
    version: &str,
    project: &str,
    location: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<String, Box<Response>> {
    if !known_version(version) {
        return Err(Box::new(html_not_found(uri.path())));
    }
    if let Err(refusal) = state.tokens.check(headers) {
        return Err(Box::new(SimError::unauthenticated(refusal).into_response()));
    }
    let parent = format!("projects/{project}/locations/{location}");
    if state.config.project.as_ref().is_some_and(|p| p != project) {
        return Err(Box::new(SimError::new(
            403,
            "PERMISSION_DENIED",
            format!(
                "Permission 'aiplatform.batchPredictionJobs.create' denied on resource '//aiplatform.googleapis.com/{parent}' (or it may not exist)."
            ),
        )
        .into_response()));
    }
    Ok(parent)
}

fn unknown(path: &str, name: &str) -> SimError {
    SimError::invalid(format!(
        "Invalid JSON payload received. Unknown name \"{name}\" at '{path}': Cannot find field."
    ))
}

/// Refuses keys of `object` outside `allowed` (`path` names it in the message).
fn only(object: &Value, allowed: &[&str], path: &str) -> Result<(), SimError> {
    let Some(map) = object.as_object() else {
        return Err(SimError::invalid(format!(
            "Invalid JSON payload received. '{path}' must be an object."
        )));
    };
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(unknown(path, k)),
        None => Ok(()),
    }
}

/// Label keys and values as Vertex AI takes them.
fn check_labels(labels: &Value) -> Result<BTreeMap<String, String>, SimError> {
    let Some(map) = labels.as_object() else {
        return Err(SimError::invalid("labels must be a map of strings."));
    };
    let charset = |s: &str| {
        s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let Some(value) = value.as_str() else {
            return Err(SimError::invalid(format!(
                "Label value for \"{key}\" must be a string."
            )));
        };
        let key_ok = charset(key) && key.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !key_ok || !charset(value) {
            return Err(SimError::invalid(format!(
                "Label keys and values can only contain lowercase letters, numeric characters, underscores and dashes (keys must start with a letter), at most 63 characters: \"{key}\": \"{value}\"."
            )));
        }
        out.insert(key.clone(), value.to_string());
    }
    Ok(out)
}

/// `gs://BUCKET/NAME` → (bucket, name).
pub(super) fn split_gs(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("gs://")?;
    let (bucket, name) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), name.trim_end_matches('/').to_string()))
}

/// Checks a create body; the job to add on success.
fn read_job(state: &SimState, parent: &str, body: &[u8]) -> Result<Job, SimError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| SimError::invalid(format!("Invalid JSON payload received. {e}")))?;
    only(&body, JOB_FIELDS, "")?;
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let display_name = text("displayName");
    if display_name.is_empty() {
        return Err(SimError::invalid(
            "BatchPredictionJob.display_name is required.",
        ));
    }
    let model = text("model");
    let bare = model
        .strip_prefix(&format!("{parent}/"))
        .unwrap_or(&model)
        .to_string();
    let Some(id) = bare.strip_prefix("publishers/google/models/") else {
        return Err(SimError::invalid(format!(
            "Invalid BatchPredictionJob.model: \"{model}\". Use publishers/google/models/MODEL."
        )));
    };
    let model_id = match (state.served_model(id), state.served_text_model(id)) {
        (Some(spec), _) => spec.id.clone(),
        (None, Some(spec)) => spec.id.clone(),
        (None, None) => {
            return Err(SimError::publisher_model_not_found(&format!(
                "{parent}/{bare}"
            )));
        }
    };
    let input = body.get("inputConfig").cloned().unwrap_or(Value::Null);
    only(
        &input,
        &["instancesFormat", "gcsSource", "bigquerySource"],
        "input_config",
    )?;
    if input.get("instancesFormat").and_then(Value::as_str) != Some("jsonl") {
        return Err(SimError::invalid(
            "input_config.instances_format must be \"jsonl\" for a Gemini model.",
        ));
    }
    let source = input.get("gcsSource").cloned().unwrap_or(Value::Null);
    only(&source, &["uris"], "input_config.gcs_source")?;
    let uris: Vec<String> = source
        .get("uris")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if uris.is_empty() {
        return Err(SimError::invalid(
            "input_config.gcs_source.uris is required.",
        ));
    }
    for uri in &uris {
        let Some((bucket, name)) = split_gs(uri) else {
            return Err(SimError::invalid(format!("Invalid GCS URI: {uri}")));
        };
        if !matches!(state.storage.object(&bucket, &name), Ok(Some(_))) {
            return Err(SimError::invalid(format!(
                "Failed to read the input: gs://{bucket}/{name} does not exist or cannot be read by the service account."
            )));
        }
    }
    let output = body.get("outputConfig").cloned().unwrap_or(Value::Null);
    only(
        &output,
        &["predictionsFormat", "gcsDestination", "bigqueryDestination"],
        "output_config",
    )?;
    if output.get("predictionsFormat").and_then(Value::as_str) != Some("jsonl") {
        return Err(SimError::invalid(
            "output_config.predictions_format must be \"jsonl\" for a Gemini model.",
        ));
    }
    let destination = output.get("gcsDestination").cloned().unwrap_or(Value::Null);
    only(
        &destination,
        &["outputUriPrefix"],
        "output_config.gcs_destination",
    )?;
    let prefix = destination
        .get("outputUriPrefix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some((bucket, _)) = split_gs(prefix) else {
        return Err(SimError::invalid(format!(
            "output_config.gcs_destination.output_uri_prefix must be a gs:// URI, not \"{prefix}\"."
        )));
    };
    if state.storage.writable(&bucket).is_err() {
        return Err(SimError::invalid(format!(
            "The output bucket gs://{bucket} does not exist or cannot be written by the service account."
        )));
    }
    let labels = match body.get("labels") {
        Some(labels) => check_labels(labels)?,
        None => BTreeMap::new(),
    };
    let now = Utc::now();
    Ok(Job {
        id: 0,
        parent: parent.to_string(),
        display_name,
        model,
        model_id,
        input_config: input,
        output_config: output,
        labels,
        state: JobState::Pending,
        created: now,
        updated: now,
        started: None,
        ended: None,
        succeeded: 0,
        failed: 0,
        incomplete: 0,
        output_dir: None,
        error: None,
    })
}

/// `POST …/batchPredictionJobs` (create) and `GET …/batchPredictionJobs` (list).
pub async fn collection(
    State(state): State<Arc<SimState>>,
    Path((version, project, location)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    method: axum::http::Method,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parent = match admit(&state, &version, &project, &location, &uri, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if method == axum::http::Method::GET {
        return list(&state, &parent, &params);
    }
    let job = match read_job(&state, &parent, &body) {
        Ok(job) => job,
        Err(e) => return e.into_response(),
    };
    let fault = state
        .faults
        .lock()
        .map(|mut f| {
            f.next(
                Draw {
                    batch_job: true,
                    ..Draw::default()
                },
                rand::random::<f64>,
            )
        })
        .ok()
        .and_then(|o| o.fault);
    let job = state.predictions.add(job);
    state.record(|s| s.batch_prediction_jobs_created += 1);
    tokio::spawn(worker::run(
        state.clone(),
        job.id,
        fault == Some(FaultKind::BatchJobFail),
    ));
    if fault == Some(FaultKind::BatchCreateHang) {
        // The job exists and runs; its creator never hears of it.
        std::future::pending::<()>().await;
    }
    Json(job.resource()).into_response()
}

/// One AIP-160 term this simulator understands.
enum Term {
    Label(String, String),
    DisplayName(String),
    State(String),
}

fn parse_filter(filter: &str) -> Result<Vec<Term>, SimError> {
    let mut terms = Vec::new();
    for raw in filter
        .split(" AND ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let Some((field, value)) = raw.split_once('=') else {
            return Err(SimError::invalid(format!("Unsupported filter: {raw}")));
        };
        let value = value.trim().trim_matches('"').to_string();
        let field = field.trim();
        terms.push(if let Some(key) = field.strip_prefix("labels.") {
            Term::Label(key.to_string(), value)
        } else if field == "display_name" || field == "displayName" {
            Term::DisplayName(value)
        } else if field == "state" {
            Term::State(value)
        } else {
            return Err(SimError::invalid(format!(
                "Unsupported filter field: {field}"
            )));
        });
    }
    Ok(terms)
}

fn list(state: &SimState, parent: &str, params: &HashMap<String, String>) -> Response {
    let terms = match parse_filter(params.get("filter").map(String::as_str).unwrap_or("")) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let matches = |job: &Job| {
        terms.iter().all(|t| match t {
            Term::Label(k, v) => job.labels.get(k) == Some(v),
            Term::DisplayName(v) => &job.display_name == v,
            Term::State(v) => job.state.as_str() == v,
        })
    };
    let all: Vec<Job> = state
        .predictions
        .under(parent)
        .into_iter()
        .filter(matches)
        .collect();
    let (size, offset) = match crate::sim::gate::page_params(params, 100) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let body = crate::sim::gate::page_body(
        "batchPredictionJobs",
        &all,
        (size, offset),
        false,
        Job::resource,
    );
    Json(body).into_response()
}

fn job_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

/// `GET …/batchPredictionJobs/{id}` and `POST …/batchPredictionJobs/{id}:cancel`.
pub async fn cancel_or_get(
    State(state): State<Arc<SimState>>,
    Path((version, project, location, id)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let parent = match admit(&state, &version, &project, &location, &uri, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (raw, cancel) = match id.split_once(':') {
        Some((raw, "cancel")) if method == axum::http::Method::POST => (raw, true),
        None if method == axum::http::Method::GET => (id.as_str(), false),
        _ => return html_not_found(uri.path()),
    };
    let found = job_id(raw)
        .and_then(|n| state.predictions.get(n))
        .filter(|j| j.parent == parent);
    let Some(job) = found else {
        return SimError::not_found(format!(
            "The BatchPredictionJob does not exist: {parent}/batchPredictionJobs/{raw}"
        ))
        .into_response();
    };
    if !cancel {
        return Json(job.resource()).into_response();
    }
    if job.state.is_terminal() {
        return SimError::new(
            400,
            "FAILED_PRECONDITION",
            format!(
                "The BatchPredictionJob {} is in state {} and cannot be cancelled.",
                job.name(),
                job.state.as_str()
            ),
        )
        .into_response();
    }
    state.predictions.update(job.id, |j| {
        j.state = match j.state {
            JobState::Pending => JobState::Cancelling,
            other if other.is_terminal() => other,
            _ => JobState::Cancelling,
        }
    });
    Json(json!({})).into_response()
}

/// `DELETE …/batchPredictionJobs/{id}`: a finished job goes; a running one must be cancelled first.
pub async fn delete_job(
    State(state): State<Arc<SimState>>,
    Path((version, project, location, id)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let parent = match admit(&state, &version, &project, &location, &uri, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Some(job) = job_id(&id)
        .and_then(|n| state.predictions.get(n))
        .filter(|j| j.parent == parent)
    else {
        return SimError::not_found(format!(
            "The BatchPredictionJob does not exist: {parent}/batchPredictionJobs/{id}"
        ))
        .into_response();
    };
    if !job.state.is_terminal() {
        return SimError::new(
            400,
            "FAILED_PRECONDITION",
            format!(
                "The BatchPredictionJob {} is running; cancel it first.",
                job.name()
            ),
        )
        .into_response();
    }
    state.predictions.remove(job.id);
    Json(json!({
        "name": format!("{parent}/operations/{}", job.id),
        "metadata": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata"},
        "done": true,
        "response": {"@type": "type.googleapis.com/google.protobuf.Empty"},
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_vertex_rules_and_filters_parse() {
        assert!(check_labels(&json!({"peel_run": "7", "peel_item": "12"})).is_ok());
        assert!(check_labels(&json!({"peel_run": "Seven"})).is_err());
        assert!(check_labels(&json!({"7run": "x"})).is_err());
        let terms = parse_filter("labels.peel_run=\"7\" AND display_name=\"x\"").unwrap();
        assert_eq!(terms.len(), 2);
        assert!(parse_filter("create_time>\"2026\"").is_err());
        assert_eq!(
            split_gs("gs://b/p/x.jsonl"),
            Some(("b".into(), "p/x.jsonl".into()))
        );
        assert_eq!(split_gs("gs:///x"), None);
    }
}
