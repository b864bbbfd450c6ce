//! The work behind a batch: reading JSONL input, then PENDING → RUNNING → SUCCEEDED
//! with each request rendered like a generateContent call.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use serde_json::{Value, json};

use super::SimState;
use super::batches::{BatchState, Item};
use super::errors::SimError;
use super::files::{Content, lower_hex};
use super::generate::{prepare, render};
use super::schema::get;
use super::{response, tiers};

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
    items_from_text(Arc::new(text), file_name)
}

/// The items of JSONL `text`: each line checked, and kept as text until its item runs.
fn items_from_text(text: Arc<String>, file_name: &str) -> Result<Vec<Item>, SimError> {
    let mut items = Vec::new();
    let mut offset = 0;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let range = offset..offset + raw.trim_end_matches(['\n', '\r']).len();
        offset += raw.len();
        let line = &text[range.clone()];
        if line.trim().is_empty() {
            continue;
        }
        // Checked now (a bad line refuses the batch), kept as text until the item runs.
        let entry: Value = serde_json::from_str(line).map_err(|e| {
            SimError::invalid(format!(
                "Input file {file_name}, line {}: not valid JSON ({e}).",
                n + 1
            ))
        })?;
        let request = get(&entry, "request").unwrap_or(&Value::Null);
        tiers::check_batch_request(request, &format!("Input file {file_name}, line {}", n + 1))?;
        items.push(Item {
            request: Value::Null,
            line: Some((Arc::clone(&text), range)),
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
    let mut results_file = match snapshot.from_file.then(ResultsFile::create).transpose() {
        Ok(file) => file,
        Err(e) => {
            tracing::error!("the results file of batches/{id}: {e}");
            return;
        }
    };
    let mut failed = 0;
    for item in &snapshot.items {
        let outcome = match prepare(&state, &snapshot.version, &spec, &item.request()) {
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
        match results_file.as_mut() {
            Some(file) => {
                if let Err(e) = file.append(&entry) {
                    tracing::error!("writing the results of batches/{id}: {e}");
                    return;
                }
            }
            None => results.push(entry),
        }
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
    let written = match results_file.map(ResultsFile::finish).transpose() {
        Ok(written) => written,
        Err(e) => {
            tracing::error!("finishing the results of batches/{id}: {e}");
            return;
        }
    };
    let responses_file = written.map(|written| {
        let file_id = format!("batch-{id}");
        state.files.add_generated(
            &file_id,
            &format!("responses of batches/{id}"),
            "application/jsonl",
            written,
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

/// A batch's JSONL results, written to a temporary file line by line as they are made (a
/// 50,000-request batch never holds its results in memory), with their size and SHA-256.
struct ResultsFile {
    writer: std::io::BufWriter<tempfile::NamedTempFile>,
    hasher: sha2::Sha256,
    len: u64,
}

impl ResultsFile {
    fn create() -> std::io::Result<Self> {
        let file = tempfile::Builder::new()
            .prefix("peel-sim-results-")
            .suffix(".jsonl")
            .tempfile()?;
        Ok(Self {
            writer: std::io::BufWriter::new(file),
            hasher: sha2::Sha256::default(),
            len: 0,
        })
    }

    fn append(&mut self, entry: &Value) -> std::io::Result<()> {
        use sha2::Digest;
        use std::io::Write;
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        self.writer.write_all(&line)?;
        self.hasher.update(&line);
        self.len += line.len() as u64;
        Ok(())
    }

    fn finish(self) -> std::io::Result<Content> {
        use sha2::Digest;
        let file = self.writer.into_inner().map_err(|e| e.into_error())?;
        Ok(Content::Disk {
            path: Arc::new(file.into_temp_path()),
            len: self.len,
            sha256_hex: lower_hex(&self.hasher.finalize()),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_are_checked_up_front_and_read_again_when_they_run() {
        let text = "{\"key\": \"a\", \"request\": {\"contents\": [1]}}\r\n\n{\"key\": \"b\", \"request\": {\"contents\": [2]}}\n";
        let items = items_from_text(Arc::new(text.to_string()), "files/x").unwrap();
        assert_eq!(items.len(), 2, "blank lines skipped");
        assert_eq!(items[1].key.as_deref(), Some("b"));
        assert_eq!(items[0].request(), json!({"contents": [1]}));
        assert_eq!(items[1].request(), json!({"contents": [2]}));
        assert_eq!(items[1].request, Value::Null, "not held parsed");
        let bad = items_from_text(Arc::new("{}\n\n{nope\n".to_string()), "files/x").unwrap_err();
        assert!(
            bad.message.contains("line 3: not valid JSON"),
            "{}",
            bad.message
        );
    }
}
