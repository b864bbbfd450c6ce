//! Running a batch prediction job: PENDING, then RUNNING with each input line's `request`
//! rendered as a Vertex AI generateContent call (strict fields, the simulator's latency),
//! four lines at a time, each result written as it finishes (so out of input order, as on
//! the service; clients match lines by their labels) to a temporary file, which becomes
//! `{outputUriPrefix}/prediction-model-<time>/predictions.jsonl` when the job ends —
//! succeeded, failed or cancelled — so the lines that finished are always readable.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use serde_json::{Value, json};

use super::JobState;
use super::routes::split_gs;
use crate::sim::generate::{Dialect, prepare_in, render};
use crate::sim::storage::rfc3339;
use crate::sim::{Latency, SimState, response};

/// How long a job waits PENDING (at most).
const PENDING: Duration = Duration::from_millis(500);

/// How many lines run side by side, as the service's fleet runs them: so lines finish, and
/// are written, out of input order.
const LINES_AT_ONCE: usize = 4;

/// Runs job `id` to its end; `fail_halfway` fails it after half its lines.
pub async fn run(state: Arc<SimState>, id: u64, fail_halfway: bool) {
    tokio::time::sleep(state.config.batch_step.min(PENDING)).await;
    let Some(job) = state.predictions.get(id) else {
        return;
    };
    let sources: Vec<(String, String)> = job
        .input_config
        .pointer("/gcsSource/uris")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(split_gs)
                .collect()
        })
        .unwrap_or_default();
    let total = sources
        .iter()
        .map(|(b, n)| count_lines(&state, b, n))
        .sum::<u64>();
    let prefix = job
        .output_config
        .pointer("/gcsDestination/outputUriPrefix")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let stamp = Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let directory = format!("{prefix}/prediction-model-{stamp}");
    if job.state == JobState::Cancelling {
        end(&state, id, JobState::Cancelled, total, None, &directory);
        return;
    }
    state.predictions.update(id, |j| {
        j.state = JobState::Running;
        j.started = Some(Utc::now());
        j.output_dir = Some(directory.clone());
    });
    let Ok(mut out) = tempfile::NamedTempFile::new() else {
        end(
            &state,
            id,
            JobState::Failed,
            total,
            Some((13, "internal error".into())),
            &directory,
        );
        return;
    };
    let project = job.parent.split('/').nth(1).unwrap_or("").to_string();
    let dialect = Dialect::Vertex { project };
    // Lines are started lazily, LINES_AT_ONCE at a time: none once the job is cancelled
    // (or deleted), and only the first half of them under the `batch-job-fail` fault.
    let limit = match fail_halfway {
        true => (total / 2) as usize,
        false => usize::MAX,
    };
    let objects: Vec<_> = sources
        .iter()
        .filter_map(|(bucket, name)| state.storage.object(bucket, name).ok().flatten())
        .collect();
    let lines = objects
        .into_iter()
        .filter_map(|object| std::fs::File::open(&*object.path).ok())
        .flat_map(|file| std::io::BufReader::new(file).lines().map_while(Result::ok))
        .filter_map(|line| (!line.trim().is_empty()).then_some(line))
        .take(limit)
        .map_while(|line| {
            let running = state
                .predictions
                .get(id)
                .is_some_and(|j| j.state != JobState::Cancelling);
            running.then_some(line)
        });
    let (shared, model) = (&*state, job.model_id.as_str());
    let mut runs = futures::stream::iter(lines)
        .map(|line| {
            let dialect = &dialect;
            async move { predict(shared, dialect, model, &line).await }
        })
        .buffer_unordered(LINES_AT_ONCE);
    // Each line is written as it finishes, so out of input order.
    while let Some(entry) = runs.next().await {
        let ok = entry["status"] == "";
        let mut bytes = serde_json::to_vec(&entry).unwrap_or_default();
        bytes.push(b'\n');
        if out.write_all(&bytes).is_err() {
            break;
        }
        state.predictions.update(id, |j| {
            if ok {
                j.succeeded += 1;
            } else {
                j.failed += 1;
            }
        });
    }
    drop(runs);
    finish_file(&state, out, &directory);
    let stopping = state
        .predictions
        .get(id)
        .is_none_or(|j| j.state == JobState::Cancelling);
    if stopping {
        end(&state, id, JobState::Cancelled, total, None, &directory);
    } else if fail_halfway && total > 0 {
        let why = Some((
            13,
            "Internal error: the batch prediction job failed part-way (simulated).".to_string(),
        ));
        end(&state, id, JobState::Failed, total, why, &directory);
    } else {
        end(&state, id, JobState::Succeeded, total, None, &directory);
    }
}

/// One line's result: `{"status", "processed_time", "request", "response"}`.
async fn predict(state: &SimState, dialect: &Dialect, model: &str, line: &str) -> Value {
    let parsed: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return failed(Value::Null, format!("Bad Request: invalid JSON line ({e})")),
    };
    let request = parsed.get("request").cloned().unwrap_or(Value::Null);
    let Ok(spec) = state.registry.resolve(model) else {
        return failed(
            request,
            format!("Bad Request: {model} is not an image model"),
        );
    };
    if let Latency::Fixed(delay) = state.config.latency {
        tokio::time::sleep(delay).await;
    }
    let outcome = match prepare_in(state, dialect, "v1", spec, &request) {
        Ok(req) => render(&req, spec)
            .await
            .map(|r| response::build(&req, spec, Some(&r), None)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(answer) => json!({
            "status": "",
            "processed_time": rfc3339(Utc::now()),
            "request": request,
            "response": answer,
        }),
        Err(e) => failed(request, format!("Bad Request: {}", e.message)),
    }
}

fn failed(request: Value, status: String) -> Value {
    json!({"status": status, "processed_time": rfc3339(Utc::now()), "request": request})
}

fn count_lines(state: &SimState, bucket: &str, name: &str) -> u64 {
    let Ok(Some(object)) = state.storage.object(bucket, name) else {
        return 0;
    };
    let Ok(file) = std::fs::File::open(&*object.path) else {
        return 0;
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .count() as u64
}

/// Writes the results so far as the job's `predictions.jsonl`.
fn finish_file(state: &SimState, out: tempfile::NamedTempFile, directory: &str) -> Option<String> {
    let (bucket, folder) = split_gs(directory)?;
    let name = format!("{folder}/predictions.jsonl");
    let path = out.into_temp_path().keep().ok()?;
    match state.storage.put_file(
        &bucket,
        &name,
        "application/jsonl",
        &path,
        &Default::default(),
    ) {
        Ok(_) => Some(name),
        Err(e) => {
            tracing::warn!("the simulated predictions file {name}: {e:?}");
            None
        }
    }
}

fn end(
    state: &SimState,
    id: u64,
    to: JobState,
    total: u64,
    error: Option<(i32, String)>,
    directory: &str,
) {
    state.predictions.update(id, |j| {
        j.state = to;
        j.ended = Some(Utc::now());
        j.incomplete = total.saturating_sub(j.succeeded + j.failed);
        j.error = error;
        if j.output_dir.is_none() {
            j.output_dir = Some(directory.to_string());
        }
    });
}
