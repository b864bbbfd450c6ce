//! The Batch API: create (inline requests or a JSONL file), get, list, cancel, delete.
//! A batch waits PENDING, then RUNNING, for `SimConfig::batch_step` each, then succeeds
//! with inlined responses or a downloadable JSONL responses file.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::SimState;
use super::call::{Call, Gated};
use super::errors::{SimError, html_not_found};
use super::files::{new_id, timestamp};
use super::gate::{page_body, page_params};
use super::generate::{find_model, parse_body};
use super::schema::{self, get};
use super::{batch_worker, messages, tiers};

/// A batch's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// Waiting to run.
    Pending,
    /// Running.
    Running,
    /// Finished; results are available.
    Succeeded,
    /// Cancelled by the client.
    Cancelled,
}

impl BatchState {
    fn wire(self) -> &'static str {
        match self {
            Self::Pending => "BATCH_STATE_PENDING",
            Self::Running => "BATCH_STATE_RUNNING",
            Self::Succeeded => "BATCH_STATE_SUCCEEDED",
            Self::Cancelled => "BATCH_STATE_CANCELLED",
        }
    }

    /// True for terminal states.
    pub(super) fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::Cancelled)
    }
}

/// One request of a batch.
#[derive(Debug, Clone)]
pub(super) struct Item {
    /// The GenerateContentRequest body, checked when the batch runs (inline batches).
    pub(super) request: Value,
    /// A file batch's JSONL line, read again when the item runs, so a 50,000-request
    /// batch keeps the file once instead of every request parsed.
    pub(super) line: Option<(Arc<String>, std::ops::Range<usize>)>,
    /// The caller's metadata, echoed with the result (inline batches).
    pub(super) metadata: Option<Value>,
    /// The key echoed with the result (file batches).
    pub(super) key: Option<String>,
}

impl Item {
    /// The request body: inline as given, or parsed from its JSONL line.
    pub(super) fn request(&self) -> Value {
        match &self.line {
            Some((text, range)) => text
                .get(range.clone())
                .and_then(|line| serde_json::from_str::<Value>(line).ok())
                .and_then(|entry| get(&entry, "request").cloned())
                .unwrap_or(json!({})),
            None => self.request.clone(),
        }
    }
}

/// One batch job.
#[derive(Debug, Clone)]
pub(super) struct Batch {
    /// Id after `batches/`.
    pub(super) id: String,
    /// Canonical model id.
    pub(super) model: String,
    /// The caller's name for the batch.
    pub(super) display_name: String,
    /// API version it was created on.
    pub(super) version: String,
    /// Where it is in its lifecycle.
    pub(super) state: BatchState,
    /// Creation time.
    pub(super) created: DateTime<Utc>,
    /// Last state change.
    pub(super) updated: DateTime<Utc>,
    /// When it reached a terminal state.
    pub(super) ended: Option<DateTime<Utc>>,
    /// Its requests, in order.
    pub(super) items: Vec<Item>,
    /// True when the input was a JSONL file (results go to a file too).
    pub(super) from_file: bool,
    /// Inlined responses, once succeeded.
    pub(super) results: Vec<Value>,
    /// How many requests failed.
    pub(super) failed: usize,
    /// The results file (`files/batch-…`) of a file batch.
    pub(super) responses_file: Option<String>,
}

/// Batch jobs, kept in memory.
#[derive(Debug, Default)]
pub struct BatchStore {
    inner: Mutex<BTreeMap<String, Batch>>,
}

impl BatchStore {
    /// Runs `f` on batch `id`, if it exists.
    pub(super) fn with<T>(&self, id: &str, f: impl FnOnce(&mut Batch) -> T) -> Option<T> {
        let mut inner = self.inner.lock().ok()?;
        inner.get_mut(id).map(f)
    }
}

fn not_found() -> SimError {
    SimError::not_found("Requested entity was not found.")
}

/// `POST /{version}/models/{model}:batchGenerateContent`.
pub fn create(
    state: &Arc<SimState>,
    version: &str,
    model: &str,
    body: &[u8],
) -> Result<Response, SimError> {
    let spec = find_model(state, model, version, "batchGenerateContent")?;
    let value = parse_body(body)?;
    schema::validate(&value, &messages::BATCH_CREATE_REQUEST, version)?;
    let batch = get(&value, "batch").cloned().unwrap_or(Value::Null);
    let input = get(&batch, "input_config").cloned().unwrap_or(Value::Null);
    let (items, from_file) = if let Some(file) = get(&input, "file_name").and_then(Value::as_str) {
        (batch_worker::items_from_file(state, file)?, true)
    } else {
        let list = get(&input, "requests")
            .and_then(|r| get(r, "requests"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let items = list
            .into_iter()
            .map(|entry| Item {
                request: get(&entry, "request").cloned().unwrap_or(json!({})),
                line: None,
                key: get(&entry, "metadata")
                    .and_then(|m| get(m, "key"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                metadata: get(&entry, "metadata").cloned(),
            })
            .collect::<Vec<_>>();
        (items, false)
    };
    if items.is_empty() {
        return Err(SimError::invalid(
            "* BatchGenerateContentRequest.batch.input_config: the batch has no requests (give input_config.requests.requests or input_config.file_name).\n",
        ));
    }
    if !from_file {
        // A file's lines were checked as they were read.
        for (i, item) in items.iter().enumerate() {
            let at = format!("input_config.requests.requests[{i}].request");
            tiers::check_batch_request(&item.request, &at)?;
        }
    }
    let id = new_id(16);
    let now = Utc::now();
    let display_name = get(&batch, "display_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let record = Batch {
        id: id.clone(),
        model: spec.id.clone(),
        display_name,
        version: version.to_string(),
        state: BatchState::Pending,
        created: now,
        updated: now,
        ended: None,
        items,
        from_file,
        results: Vec::new(),
        failed: 0,
        responses_file: None,
    };
    let answer = operation(&record, true);
    state
        .batches
        .inner
        .lock()
        .map_err(|_| SimError::internal())?
        .insert(id.clone(), record);
    tokio::spawn(batch_worker::run(Arc::clone(state), id));
    Ok(Json(answer).into_response())
}

/// The long-running-operation view of a batch; `full` includes inlined responses.
fn operation(b: &Batch, full: bool) -> Value {
    let total = b.items.len();
    let (ok, failed, pending) = match b.state {
        BatchState::Succeeded => (total - b.failed, b.failed, 0),
        BatchState::Cancelled => (0, 0, 0),
        _ => (0, 0, total),
    };
    let type_prefix = format!(
        "type.googleapis.com/google.ai.generativelanguage.{}",
        b.version
    );
    let mut metadata = json!({
        "@type": format!("{type_prefix}.GenerateContentBatch"),
        "name": format!("batches/{}", b.id),
        "model": format!("models/{}", b.model),
        "displayName": b.display_name,
        "state": b.state.wire(),
        "createTime": timestamp(b.created),
        "updateTime": timestamp(b.updated),
        "batchStats": {
            "requestCount": total.to_string(),
            "successfulRequestCount": ok.to_string(),
            "failedRequestCount": failed.to_string(),
            "pendingRequestCount": pending.to_string(),
        },
    });
    if let Some(end) = b.ended {
        metadata["endTime"] = json!(timestamp(end));
    }
    let mut op = json!({ "name": format!("batches/{}", b.id), "done": b.state.is_done() });
    if b.state == BatchState::Succeeded {
        let output = match &b.responses_file {
            Some(file) => json!({ "responsesFile": file }),
            None if full => json!({ "inlinedResponses": { "inlinedResponses": b.results } }),
            None => Value::Null,
        };
        if !output.is_null() {
            metadata["output"] = output.clone();
            let mut response = output;
            response["@type"] = json!(format!("{type_prefix}.GenerateContentBatchOutput"));
            op["response"] = response;
        }
    }
    if b.state == BatchState::Cancelled {
        op["error"] = json!({ "code": 1, "message": "The batch was cancelled." });
    }
    op["metadata"] = metadata;
    op
}

/// `GET /{version}/batches`: one page of batches, without inlined responses.
pub async fn list(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    let (size, offset) = match page_params(&call.params, 10) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let Ok(inner) = state.batches.inner.lock() else {
        return SimError::internal().into_response();
    };
    let mut all: Vec<&Batch> = inner.values().collect();
    all.sort_by_key(|b| std::cmp::Reverse(b.created));
    let body = page_body("operations", &all, (size, offset), false, |b| {
        operation(b, false)
    });
    Json(body).into_response()
}

/// `GET /{version}/batches/{id}`.
pub async fn get_batch(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    if call.name.contains(':') {
        return html_not_found(call.uri.path());
    }
    match state.batches.with(&call.name, |b| operation(b, true)) {
        Some(op) => Json(op).into_response(),
        None => not_found().into_response(),
    }
}

/// `DELETE /{version}/batches/{id}`.
pub async fn delete_batch(State(state): State<Arc<SimState>>, call: Gated) -> Response {
    let removed = state
        .batches
        .inner
        .lock()
        .ok()
        .and_then(|mut inner| inner.remove(&call.name));
    match removed {
        Some(_) => Json(json!({})).into_response(),
        None => not_found().into_response(),
    }
}

/// `POST /{version}/batches/{id}:cancel`.
pub async fn batch_action(State(state): State<Arc<SimState>>, call: Call) -> Response {
    let Some(id) = call.name.strip_suffix(":cancel") else {
        return html_not_found(call.uri.path());
    };
    if let Some(refusal) = call.refusal(&state) {
        return refusal;
    }
    let outcome = state.batches.with(id, |b| {
        if b.state.is_done() {
            return Err(SimError::new(
                400,
                "FAILED_PRECONDITION",
                format!(
                    "batches/{} is already in a terminal state ({}) and cannot be cancelled.",
                    b.id,
                    b.state.wire()
                ),
            ));
        }
        let now = Utc::now();
        b.state = BatchState::Cancelled;
        b.updated = now;
        b.ended = Some(now);
        Ok(())
    });
    match outcome {
        Some(Ok(())) => Json(json!({})).into_response(),
        Some(Err(e)) => e.into_response(),
        None => not_found().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(state: BatchState) -> Batch {
        let now = Utc::now();
        Batch {
            id: "b1".into(),
            model: "gemini-3.1-flash-image".into(),
            display_name: "d".into(),
            version: "v1beta".into(),
            state,
            created: now,
            updated: now,
            ended: None,
            items: vec![
                Item {
                    request: json!({}),
                    line: None,
                    metadata: Some(json!({"key": "a"})),
                    key: Some("a".into()),
                };
                2
            ],
            from_file: false,
            results: vec![json!({"metadata": {"key": "a"}, "response": {}})],
            failed: 1,
            responses_file: None,
        }
    }

    #[test]
    fn operations_count_as_strings_and_nest_inlined_responses() {
        let pending = operation(&batch(BatchState::Pending), true);
        assert_eq!(pending["done"], false);
        assert_eq!(
            pending["metadata"]["batchStats"]["pendingRequestCount"],
            "2"
        );
        assert!(pending.get("response").is_none());
        let done = operation(&batch(BatchState::Succeeded), true);
        assert_eq!(done["done"], true);
        assert_eq!(done["metadata"]["state"], "BATCH_STATE_SUCCEEDED");
        assert_eq!(done["metadata"]["batchStats"]["failedRequestCount"], "1");
        let inl = &done["response"]["inlinedResponses"]["inlinedResponses"];
        assert_eq!(inl[0]["metadata"]["key"], "a");
        assert_eq!(
            done["metadata"]["output"]["inlinedResponses"],
            done["response"]["inlinedResponses"]
        );
        let listed = operation(&batch(BatchState::Succeeded), false);
        assert!(listed.get("response").is_none());
    }
}
