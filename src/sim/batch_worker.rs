//! The work behind a batch: reading JSONL input, then PENDING → RUNNING → SUCCEEDED
//! with each request rendered like a generateContent call.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use serde_json::{Value, json};

use super::SimState;
use super::batches::{BatchState, Item};
use super::errors::SimError;
use super::generate::{prepare, render};
use super::response;
use super::schema::get;

/// Reads the requests of a JSONL input file (`{"key":…,"request":{…}}` per line).
pub fn items_from_file(state: &SimState, file_name: &str) -> Result<Vec<Item>, SimError> {
    let id = file_name.strip_prefix("files/").unwrap_or(file_name);
    let file = state.files.resolve(id).ok_or_else(|| {
        SimError::invalid(format!(
            "Input file {file_name} does not exist or has expired."
        ))
    })?;
    let text = String::from_utf8(file.bytes)
        .map_err(|_| SimError::invalid(format!("Input file {file_name} is not UTF-8 JSONL.")))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: Value = serde_json::from_str(line).map_err(|e| {
            SimError::invalid(format!(
                "Input file {file_name}, line {}: not valid JSON ({e}).",
                n + 1
            ))
        })?;
        items.push(Item {
            request: get(&entry, "request").cloned().unwrap_or(json!({})),
            key: get(&entry, "key")
                .and_then(Value::as_str)
                .map(str::to_string),
            metadata: None,
        });
    }
    Ok(items)
}

/// Moves a batch through its states and computes its results.
pub async fn run(state: Arc<SimState>, id: String) {
    let step = state.config.batch_step;
    tokio::time::sleep(step).await;
    let started = Instant::now();
    let Some(snapshot) = state.batches.with(&id, |b| {
        if b.state == BatchState::Pending {
            b.state = BatchState::Running;
            b.updated = Utc::now();
        }
        b.clone()
    }) else {
        return;
    };
    if snapshot.state != BatchState::Running {
        return;
    }
    let Ok(spec) = state.registry.resolve(&snapshot.model).cloned() else {
        return;
    };
    let mut results = Vec::new();
    let mut failed = 0;
    for item in &snapshot.items {
        let outcome = match prepare(&state, &snapshot.version, &spec, &item.request) {
            Ok(req) => match render(&req, &spec).await {
                Ok(rendered) => Ok(response::build(&req, &spec, Some(&rendered), None)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let mut entry = match outcome {
            Ok(resp) => json!({ "response": resp }),
            Err(e) => {
                failed += 1;
                json!({ "error": { "code": grpc_code(e.status), "message": e.message } })
            }
        };
        if snapshot.from_file {
            if let Some(key) = &item.key {
                entry["key"] = json!(key);
            }
        } else if let Some(meta) = &item.metadata {
            entry["metadata"] = meta.clone();
        }
        results.push(entry);
        let still_running = state
            .batches
            .with(&id, |b| b.state == BatchState::Running)
            .unwrap_or(false);
        if !still_running {
            return;
        }
    }
    let left = step.saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    let responses_file = snapshot.from_file.then(|| {
        let file_id = format!("batch-{id}");
        let mut jsonl = String::new();
        for r in &results {
            jsonl.push_str(&r.to_string());
            jsonl.push('\n');
        }
        state.files.add_generated(
            &file_id,
            &format!("responses of batches/{id}"),
            "application/jsonl",
            jsonl.into_bytes(),
            &snapshot.version,
        );
        format!("files/{file_id}")
    });
    state.batches.with(&id, |b| {
        if b.state != BatchState::Running {
            return;
        }
        let now = Utc::now();
        b.state = BatchState::Succeeded;
        b.updated = now;
        b.ended = Some(now);
        b.failed = failed;
        b.results = if b.from_file { Vec::new() } else { results };
        b.responses_file = responses_file;
    });
}

fn grpc_code(status: &str) -> u32 {
    match status {
        "INVALID_ARGUMENT" => 3,
        "NOT_FOUND" => 5,
        "PERMISSION_DENIED" => 7,
        "RESOURCE_EXHAUSTED" => 8,
        "FAILED_PRECONDITION" => 9,
        "UNAVAILABLE" => 14,
        _ => 13,
    }
}
