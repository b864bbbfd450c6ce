//! The Batch API lane: submitting a validated batch (inline under 20 MB, otherwise — or on
//! request — as a JSONL file uploaded with the resumable protocol), and following the
//! remote job. The job is tracked in the store, so `wait` and `fetch` work after a restart.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use super::queue::create_run;
use super::submitted::{InputMode, Submitted, single_model, standard_tier_only};
use super::validate::Batch;
use crate::api::backend::Backend;
use crate::api::batch_wire::{
    BatchInput, BatchOperation, BatchState, CreateBatchRequest, FileRequestLine, InlinedRequest,
    InlinedRequests, InputConfig,
};
use crate::api::client::GeminiClient;
use crate::error::ValidationError;
use crate::fsio::OutputError;
use crate::models::Registry;
use crate::store::{RunId, RunRow, Store};
use crate::studio::{StudioError, spec};

/// Inline requests must total under 20 MB; keep a margin for the envelope.
pub const INLINE_LIMIT: usize = 20 * 1000 * 1000 - 64 * 1024;

/// Inline jobs answer inline, in one response body; past this many bytes of possible
/// results the requests go as a file, so the results come as a file streamed to disk.
pub const INLINE_RESULTS_LIMIT: u64 = 256 * 1024 * 1024;

/// Worst-case bytes of one item's result: raw RGBA pixels, base64-encoded.
fn result_bound(registry: &Registry, model: &str, aspect: Option<&str>, size: &str) -> u64 {
    let Ok(spec) = registry.resolve(model) else {
        return 0;
    };
    let pixels = spec
        .pixels(aspect.unwrap_or("1:1"), size)
        .or_else(|| spec.pixels("1:1", size))
        .map_or(0, |(w, h)| w as u64 * h as u64);
    pixels * 4 * 4 / 3
}

/// Records the run, sends its requests, and creates the remote job.
pub async fn submit(
    client: &GeminiClient,
    registry: &Registry,
    store: &Store,
    batch: &Batch,
    parent: &Path,
    via_file: bool,
) -> Result<Submitted, StudioError> {
    let model = single_model(batch)?;
    standard_tier_only(batch)?;
    let (run, dir) = create_run(store, batch, parent, "batch-api", "submitting", None)?;
    let jsonl = dir.join(format!(".peel-{}.tmp", uuid::Uuid::now_v7().simple()));
    let outbox = Outbox {
        client,
        store,
        registry,
        batch,
        dir: &dir,
        jsonl: &jsonl,
        model: &model,
        run,
        via_file,
    };
    let result = outbox.send().await;
    let _ = std::fs::remove_file(&jsonl);
    let (operation, mode, bytes) = match result {
        Ok(sent) => sent,
        Err(e) => {
            store.set_batch_run_state(run, "failed", Some(&e.to_string()))?;
            return Err(e);
        }
    };
    tracing::info!(run, mode = mode.as_str(), bytes, "batch submitted");
    let state = match operation.state() {
        BatchState::Unspecified => "pending".to_string(),
        other => other.as_str().to_string(),
    };
    store.set_batch_remote(run, &operation.name, &state, mode.as_str())?;
    store.set_batch_run_state(run, "submitted", None)?;
    super::manifest_stream::write_manifest(store, run, &dir);
    Ok(Submitted {
        run,
        name: operation.name,
        mode,
        requests: batch.items.len(),
        bytes,
        state,
    })
}

/// Everything needed to send one batch.
struct Outbox<'a> {
    client: &'a GeminiClient,
    store: &'a Store,
    registry: &'a Registry,
    batch: &'a Batch,
    dir: &'a Path,
    jsonl: &'a Path,
    model: &'a str,
    run: RunId,
    via_file: bool,
}

impl Outbox<'_> {
    /// Writes the JSONL (always, streaming), keeps the requests inline while they fit,
    /// uploads the file otherwise, and creates the job.
    async fn send(&self) -> Result<(BatchOperation, InputMode, u64), StudioError> {
        let Self {
            client,
            store,
            registry,
            batch,
            dir,
            jsonl,
            model,
            run,
            via_file,
        } = *self;
        let disk = |e: std::io::Error| OutputError {
            path: jsonl.to_path_buf(),
            message: e.to_string(),
        };
        let mut file = std::io::BufWriter::new(std::fs::File::create(jsonl).map_err(disk)?);
        let results: u64 = batch
            .items
            .iter()
            .map(|i| result_bound(registry, &i.model, i.aspect.as_deref(), &i.size))
            .sum();
        let mut inline: Option<Vec<InlinedRequest>> =
            (!via_file && results <= INLINE_RESULTS_LIMIT).then(Vec::new);
        let mut bytes = 0u64;
        for item in &batch.items {
            let mut jobs = spec::prepare(&item.spec_with_roster(dir, store)?, registry)?;
            let Some(job) = jobs.pop() else { continue };
            let line = serde_json::to_vec(&FileRequestLine {
                key: &item.key,
                request: &job.request,
            })
            .map_err(|e| {
                ValidationError::Invalid(format!("cannot encode item {}: {e}", item.index))
            })?;
            file.write_all(&line).map_err(disk)?;
            file.write_all(b"\n").map_err(disk)?;
            bytes += line.len() as u64 + 1;
            if bytes as usize > INLINE_LIMIT {
                inline = None;
            }
            if let Some(list) = inline.as_mut() {
                list.push(InlinedRequest {
                    request: job.request,
                    metadata: json!({ "key": item.key }),
                });
            }
        }
        file.flush().map_err(disk)?;
        drop(file);
        let display_name = format!("peel-run-{run}");
        let (input_config, mode) = match inline {
            Some(requests) => (
                InputConfig {
                    requests: Some(InlinedRequests { requests }),
                    file_name: None,
                },
                InputMode::Inline,
            ),
            None => {
                let uploaded = client
                    .upload_path(jsonl, "application/jsonl", &format!("{display_name}.jsonl"))
                    .await?;
                (
                    InputConfig {
                        requests: None,
                        file_name: Some(uploaded.name),
                    },
                    InputMode::File,
                )
            }
        };
        let request = CreateBatchRequest {
            batch: BatchInput {
                display_name,
                input_config,
            },
        };
        let operation = client.create_batch(model, &request).await?;
        Ok((operation, mode, bytes))
    }
}

/// Asks for the job's state and records it: a Batch API job on the Gemini API, a batch
/// prediction job on Vertex AI (read as the same `BatchOperation`).
pub async fn refresh(
    client: &GeminiClient,
    store: &Store,
    run: Option<&RunRow>,
    name: &str,
) -> Result<BatchOperation, StudioError> {
    if let Backend::Vertex(_) = client.backend() {
        return Ok(super::vertex::refresh(client, store, run, name).await?.1);
    }
    let operation = client.get_batch(name).await?;
    if let Some(run) = run {
        store.set_batch_remote_state(run.id, operation.state().as_str())?;
        if run.state == "submitted" && operation.is_finished() {
            store.set_batch_run_state(run.id, "finished", None)?;
        }
    }
    Ok(operation)
}

/// Saves a finished job's results into its run's folder, on whichever lane the run is: the
/// Batch API's inline results or file, or Vertex batch prediction's files in Cloud Storage.
pub async fn fetch_results(
    settings: &crate::config::Settings,
    conn: &crate::studio::backend::Connection,
    registry: &Registry,
    store: &Store,
    run: &RunRow,
    operation: &BatchOperation,
) -> Result<super::results::Fetched, StudioError> {
    if run.lane != super::vertex::LANE {
        return super::results::fetch(&conn.client, registry, store, run, operation).await;
    }
    let storage = super::vertex::storage_for(settings, conn)?;
    let lane = super::vertex::VertexLane {
        client: &conn.client,
        storage: &storage,
        registry,
        store,
    };
    let (job, _) = super::vertex::refresh(&conn.client, store, Some(run), &operation.name).await?;
    lane.fetch(run, &job).await
}

/// Cancels the job on the service this client speaks to.
pub async fn cancel(client: &GeminiClient, name: &str) -> Result<(), StudioError> {
    match client.backend() {
        Backend::Vertex(_) => client.cancel_prediction_job(name).await?,
        _ => client.cancel_batch(name).await?,
    }
    Ok(())
}

/// The lane a client's batch jobs run on: `vertex-batch` on Vertex AI, else `batch-api`.
pub fn lane_of(client: &GeminiClient) -> &'static str {
    match client.backend() {
        Backend::Vertex(_) => super::vertex::LANE,
        _ => "batch-api",
    }
}

/// Polls until the job finishes: 2 s, then ×1.5 each time up to `max_poll`.
pub async fn wait(
    client: &GeminiClient,
    store: &Store,
    run: Option<&RunRow>,
    name: &str,
    max_poll: Duration,
    mut on_poll: impl FnMut(&BatchOperation, Duration),
) -> Result<BatchOperation, StudioError> {
    let mut delay = Duration::from_secs(2).min(max_poll);
    loop {
        let operation = refresh(client, store, run, name).await?;
        if operation.is_finished() {
            return Ok(operation);
        }
        on_poll(&operation, delay);
        tokio::time::sleep(delay).await;
        delay = delay
            .mul_f64(1.5)
            .min(max_poll.max(Duration::from_millis(100)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_results_bound_follows_the_registry_pixels() {
        let registry = Registry::shipped().unwrap();
        let one_k = result_bound(&registry, "gemini-3.1-flash-image", Some("1:1"), "1K");
        assert_eq!(one_k, 1024 * 1024 * 4 * 4 / 3);
        let four_k = result_bound(&registry, "gemini-3.1-flash-image", Some("16:9"), "4K");
        // 60 4K images could reach the limit: they must not come back in one inline body.
        assert!(four_k * 60 > INLINE_RESULTS_LIMIT);
        assert!(one_k * 40 < INLINE_RESULTS_LIMIT);
    }
}
