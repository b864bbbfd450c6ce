//! Fetching a finished Batch API job: inline results or the results file (streamed to disk,
//! then read a line at a time), saved as `NNN_<key>.<ext>` with sidecars and the manifest,
//! exactly like the interactive lane. Fetching twice (or after a crash) saves nothing twice.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::json;

use super::manifest_stream::write_manifest;
use super::queue::reconcile;
use super::validate::{BatchItem, index_width};
use crate::api::batch_wire::{BatchOperation, BatchState, ResultLine, RpcStatus};
use crate::api::client::GeminiClient;
use crate::api::outcome;
use crate::api::wire::GenerateContentResponse;
use crate::fsio::OutputError;
use crate::models::{Lane, Registry};
use crate::store::{ItemUpdate, RunRow, Store};
use crate::studio::StudioError;
use crate::studio::output::{SavedOutput, save_image};

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    /// Items saved by this fetch.
    pub saved: usize,
    /// Items already saved before.
    pub already: usize,
    /// Items whose result was an error (now in the manifest).
    pub failed: usize,
    /// `inline` or `file`.
    pub source: String,
    /// Batch-lane cost of what was saved, in USD.
    pub cost_usd: f64,
}

/// One result, whichever shape it came in.
pub(super) struct Answer {
    /// The item's key.
    pub key: Option<String>,
    /// The answer.
    pub response: Option<GenerateContentResponse>,
    /// Or why it failed.
    pub error: Option<RpcStatus>,
}

/// What a lane writes into sidecars and messages.
#[derive(Debug, Clone, Copy)]
pub(super) struct LaneFacts {
    /// `batch-api` or `vertex-batch`.
    pub lane: &'static str,
    /// Who answered, in the sidecar's `backend`.
    pub backend: &'static str,
    /// The service, in messages.
    pub service: &'static str,
}

/// The Gemini Batch API lane.
pub(super) const BATCH_API: LaneFacts = LaneFacts {
    lane: "batch-api",
    backend: "batch-api",
    service: "the Batch API",
};

/// Saves a finished job's results into the run's folder.
pub async fn fetch(
    client: &GeminiClient,
    registry: &Registry,
    store: &Store,
    run: &RunRow,
    operation: &BatchOperation,
) -> Result<Fetched, StudioError> {
    match operation.state() {
        BatchState::Succeeded => {}
        state if state.is_terminal() => {
            let why = operation
                .error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_else(|| format!("the job ended {}", state.as_str()));
            store.set_batch_run_state(run.id, state.as_str(), Some(&why))?;
            write_manifest(store, run.id, Path::new(&run.out_dir));
            return Err(StudioError::Incomplete(format!(
                "{} ended {} and has no results: {why}",
                operation.name,
                state.as_str()
            )));
        }
        state => {
            return Err(StudioError::NotReady(format!(
                "{} is still {}; `peel batch wait {}` waits for it",
                operation.name,
                state.as_str(),
                run.id
            )));
        }
    }
    let mut saver = Saver::new(registry, store, run, BATCH_API)?;
    let order: Vec<String> = saver.order.clone();
    let Some(output) = operation.output() else {
        return Err(StudioError::Incomplete(format!(
            "{} succeeded but names no results (neither inlinedResponses nor responsesFile)",
            operation.name
        )));
    };
    if let Some(file) = &output.responses_file {
        saver.fetched.source = "file".into();
        let temp = saver
            .dir
            .join(format!(".peel-{}.tmp", uuid::Uuid::now_v7().simple()));
        let result = async {
            client.download_to(file, &temp).await?;
            saver.read_file(&temp)
        }
        .await;
        let _ = std::fs::remove_file(&temp);
        result?;
    } else if let Some(inline) = &output.inlined_responses {
        saver.fetched.source = "inline".into();
        for (n, r) in inline.inlined_responses.iter().enumerate() {
            let key = r
                .key()
                .map(str::to_string)
                .or_else(|| order.get(n).cloned());
            saver.take(Answer {
                key,
                response: r.response.clone(),
                error: r.error.clone(),
            })?;
        }
    }
    saver.missing()?;
    saver.finish()
}

/// Saves one job's results into its run's folder, each item once.
pub(super) struct Saver<'a> {
    registry: &'a Registry,
    store: &'a Store,
    run: &'a RunRow,
    dir: &'a Path,
    width: usize,
    facts: LaneFacts,
    /// Key → (item, already done).
    items: HashMap<String, (BatchItem, bool)>,
    /// Keys in item order.
    order: Vec<String>,
    seen: Vec<String>,
    fetched: Fetched,
}

impl<'a> Saver<'a> {
    /// A saver for `run`'s items, knowing which are saved already.
    pub(super) fn new(
        registry: &'a Registry,
        store: &'a Store,
        run: &'a RunRow,
        facts: LaneFacts,
    ) -> Result<Self, StudioError> {
        reconcile(store, run)?;
        let rows = store.batch_items(run.id)?;
        let mut items = HashMap::with_capacity(rows.len());
        for row in &rows {
            if let Ok(item) = serde_json::from_str::<BatchItem>(&row.item_json) {
                items.insert(item.key.clone(), (item, row.state == "done"));
            }
        }
        Ok(Self {
            registry,
            store,
            run,
            dir: Path::new(&run.out_dir),
            width: index_width(rows.len()),
            facts,
            items,
            order: rows.iter().map(|r| r.key.clone()).collect(),
            seen: Vec::new(),
            fetched: Fetched::default(),
        })
    }

    /// The key of the item with 1-based `index`.
    pub(super) fn key_of(&self, index: usize) -> Option<&str> {
        self.order.get(index.checked_sub(1)?).map(String::as_str)
    }

    /// Items saved before this fetch began.
    pub(super) fn done_before(&self) -> usize {
        self.items.values().filter(|(_, done)| *done).count()
    }

    /// Counts so far.
    pub(super) fn fetched_mut(&mut self) -> &mut Fetched {
        &mut self.fetched
    }

    /// Records the run's end from its items and rewrites the manifest.
    pub(super) fn finish(self) -> Result<Fetched, StudioError> {
        let rows = self.store.batch_items(self.run.id)?;
        let done = rows.iter().all(|r| r.state == "done");
        let failed = rows.iter().filter(|r| r.state == "failed").count();
        let reason = (!done).then(|| format!("{failed} items failed"));
        self.store.set_batch_run_state(
            self.run.id,
            if done { "done" } else { "incomplete" },
            reason.as_deref(),
        )?;
        write_manifest(self.store, self.run.id, self.dir);
        Ok(self.fetched)
    }

    fn read_file(&mut self, path: &Path) -> Result<(), StudioError> {
        let disk = |e: std::io::Error| OutputError {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(disk)?);
        for line in reader.lines() {
            let line = line.map_err(disk)?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: ResultLine = match serde_json::from_str(&line) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("unreadable results line: {e}");
                    continue;
                }
            };
            self.take(Answer {
                key: parsed.key,
                response: parsed.response,
                error: parsed.error,
            })?;
        }
        Ok(())
    }

    /// Ends a job that did not succeed: the items it answered are saved, the others are
    /// marked failed with its reason, and the run takes the job's state.
    pub(super) fn end_unfinished(mut self, why: &str, state: &str) -> Result<Fetched, StudioError> {
        let message = format!("the job ended {state} before this item ran: {why}");
        let seen: std::collections::HashSet<&String> = self.seen.iter().collect();
        for (key, (item, done)) in &self.items {
            if !done && !seen.contains(key) {
                self.fetched.failed += 1;
                self.store.update_batch_item(
                    self.run.id,
                    item.index,
                    &ItemUpdate::Failed {
                        kind: "batch_job".into(),
                        message: message.clone(),
                    },
                )?;
            }
        }
        self.store
            .set_batch_run_state(self.run.id, state, Some(why))?;
        write_manifest(self.store, self.run.id, self.dir);
        Ok(std::mem::take(&mut self.fetched))
    }

    /// Saves one answer (or records its error) for the item it names, unless saved before.
    pub(super) fn take(&mut self, answer: Answer) -> Result<(), StudioError> {
        let Some(key) = answer.key else {
            tracing::warn!("a batch result carried no key; skipped");
            return Ok(());
        };
        let Some((item, done)) = self.items.get(&key).cloned() else {
            tracing::warn!("a batch result for unknown key {key}; skipped");
            return Ok(());
        };
        self.seen.push(key);
        if done {
            self.fetched.already += 1;
            return Ok(());
        }
        let failure = match (answer.response, answer.error) {
            (_, Some(e)) => Some((
                "batch_item".to_string(),
                format!(
                    "{} answered error {}: {}",
                    self.facts.service, e.code, e.message
                ),
            )),
            (Some(response), None) => match self.save(&item, response) {
                Ok(()) => None,
                Err(StudioError::Output(e)) => return Err(e.into()),
                Err(e) => Some((e.kind().to_string(), e.to_string())),
            },
            (None, None) => Some((
                "no_image".to_string(),
                "the result held neither a response nor an error".to_string(),
            )),
        };
        if let Some((kind, message)) = failure {
            self.fetched.failed += 1;
            self.store.update_batch_item(
                self.run.id,
                item.index,
                &ItemUpdate::Failed { kind, message },
            )?;
        }
        Ok(())
    }

    fn save(
        &mut self,
        item: &BatchItem,
        response: GenerateContentResponse,
    ) -> Result<(), StudioError> {
        let outcome = outcome::interpret(response)?;
        let spec = self.registry.resolve(&item.model)?;
        let count = outcome.images.len();
        let cost_usd = if outcome.usage.image_output_tokens > 0 {
            spec.cost_from_usage(&outcome.usage, Lane::Batch)
        } else {
            spec.image_price(Some(&item.size), Lane::Batch) * count as f64
        };
        let stem = item.file_stem(self.width);
        let mut saved: Vec<SavedOutput> = Vec::with_capacity(count);
        for (index, image) in outcome.images.iter().enumerate() {
            let sidecar = |out: &SavedOutput| {
                let asked = json!({
                    "peel_version": env!("CARGO_PKG_VERSION"),
                    "backend": self.facts.backend,
                    "prompt": item.prompt,
                    "model": item.model,
                    "aspect": item.aspect,
                    "size": item.size,
                    "seed": item.seed,
                    "thinking": item.thinking,
                    "grounding": item.grounding,
                    "references": item.refs,
                    "safety_settings": item.safety,
                    "preset": item.preset,
                    "batch": {
                        "run": self.run.id, "index": item.index, "key": item.key, "with": item.with,
                        "lane": self.facts.lane, "remote": self.run.remote_name,
                    },
                });
                crate::studio::sidecar::merged(
                    &asked,
                    &crate::studio::sidecar::answered(&outcome, cost_usd, out, index),
                )
            };
            match save_image(
                self.dir,
                &stem,
                &image.mime,
                &image.bytes,
                Some(&item.prompt),
                sidecar,
            ) {
                Ok(out) => saved.push(out),
                Err(e) => {
                    for out in &saved {
                        let _ = std::fs::remove_file(&out.path);
                        let _ = std::fs::remove_file(&out.sidecar);
                    }
                    return Err(e.into());
                }
            }
        }
        let files = saved
            .iter()
            .filter_map(|o| o.path.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .collect();
        self.store.update_batch_item(
            self.run.id,
            item.index,
            &ItemUpdate::Done { files, cost_usd },
        )?;
        self.fetched.saved += 1;
        self.fetched.cost_usd += cost_usd;
        Ok(())
    }

    /// Items the job returned nothing for are failed, so the manifest says so.
    pub(super) fn missing(&mut self) -> Result<(), StudioError> {
        let seen: std::collections::HashSet<&String> = self.seen.iter().collect();
        for (key, (item, done)) in &self.items {
            if !done && !seen.contains(key) {
                self.fetched.failed += 1;
                self.store.update_batch_item(
                    self.run.id,
                    item.index,
                    &ItemUpdate::Failed {
                        kind: "batch_item".into(),
                        message: format!("{} returned no result for this item", self.facts.service),
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
