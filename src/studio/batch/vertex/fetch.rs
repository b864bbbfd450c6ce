//! Fetching a Vertex batch: the job's output folder listed, each `predictions*.jsonl`
//! streamed a line at a time, each line matched to its item by the `peel_item` label its
//! request carries (never by line order) and saved as the Batch API lane saves. A file
//! read to its end is recorded, so a fetch cut off resumes at the file it stopped in, and
//! an item saved before is never saved again. A job that failed or was cancelled gives
//! the items that did finish; the rest are marked failed with the job's reason.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{LANE, VertexLane};
use crate::api::batch_wire::{BatchState, RpcStatus};
use crate::api::prediction_jobs::PredictionJob;
use crate::api::storage_uri::GcsUri;
use crate::api::wire::GenerateContentResponse;
use crate::store::RunRow;
use crate::studio::StudioError;
use crate::studio::batch::results::{Answer, Fetched, LaneFacts, Saver};

/// How the lane names itself in sidecars and messages.
const FACTS: LaneFacts = LaneFacts {
    lane: LANE,
    backend: "vertex",
    service: "Vertex AI batch prediction",
};

/// One line of a predictions file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PredictionLine {
    /// Empty on success, else what went wrong (a string; tolerated as an object).
    status: Value,
    request: LineRequest,
    response: Option<GenerateContentResponse>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LineRequest {
    labels: BTreeMap<String, String>,
}

impl PredictionLine {
    /// The line's error, if it failed.
    fn error(&self) -> Option<RpcStatus> {
        match &self.status {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(RpcStatus {
                code: 0,
                message: s.trim().to_string(),
            }),
            Value::Object(o) => Some(RpcStatus {
                code: o.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: o
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("failed")
                    .to_string(),
            }),
            _ if self.response.is_none() => Some(RpcStatus {
                code: 0,
                message: "the line holds neither a response nor a status".into(),
            }),
            _ => None,
        }
    }
}

impl VertexLane<'_> {
    /// Saves the finished job's results into the run's folder.
    pub async fn fetch(&self, run: &RunRow, job: &PredictionJob) -> Result<Fetched, StudioError> {
        let state = job.batch_state();
        if !state.is_terminal() {
            return Err(StudioError::NotReady(format!(
                "{} is still {}; `peel batch wait {}` waits for it",
                job.name,
                state.as_str(),
                run.id
            )));
        }
        let steps = self.store.vertex_batch(run.id)?;
        let directory = job
            .output_directory()
            .map(str::to_string)
            .or_else(|| steps.as_ref().and_then(|s| s.output_dir.clone()));
        let mut saver = Saver::new(self.registry, self.store, run, FACTS)?;
        saver.fetched_mut().source = "gcs".into();
        if let Some(directory) = directory {
            let folder = GcsUri::parse(&directory).map_err(|why| {
                StudioError::Incomplete(format!("the job names its results oddly: {why}"))
            })?;
            let done = steps.map(|s| s.fetched).unwrap_or_default();
            for object in self.result_objects(&folder).await? {
                if done.contains(&object) {
                    continue;
                }
                self.storage
                    .for_each_line(&folder.bucket, &object, |line| save_line(&mut saver, line))
                    .await?;
                self.store.add_vertex_fetched(run.id, &object)?;
            }
        }
        // Files read to their end before are skipped whole: count their items here.
        let before = saver.done_before();
        saver.fetched_mut().already = before;
        if state == BatchState::Succeeded {
            saver.missing()?;
            return saver.finish();
        }
        let why = job
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| format!("the job ended {}", state.as_str()));
        saver.end_unfinished(&why, state.as_str())
    }

    /// The predictions files below the job's output folder, in name order.
    async fn result_objects(&self, folder: &GcsUri) -> Result<Vec<String>, StudioError> {
        let prefix = format!("{}/", folder.object);
        let mut names: Vec<String> = self
            .storage
            .list(&folder.bucket, &prefix)
            .await?
            .into_iter()
            .map(|o| o.name)
            .filter(|name| {
                let file = name.rsplit('/').next().unwrap_or(name);
                file.starts_with("predictions") && file.ends_with(".jsonl")
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

fn save_line(saver: &mut Saver<'_>, line: &[u8]) -> Result<(), StudioError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let parsed: PredictionLine = match serde_json::from_slice(line) {
        Ok(parsed) => parsed,
        Err(e) => {
            tracing::warn!("unreadable predictions line: {e}");
            return Ok(());
        }
    };
    let key = parsed
        .request
        .labels
        .get("peel_item")
        .and_then(|index| index.trim().parse::<usize>().ok())
        .and_then(|index| saver.key_of(index))
        .map(str::to_string);
    if key.is_none() {
        tracing::warn!("a predictions line without a known peel_item label; skipped");
        return Ok(());
    }
    let error = parsed.error();
    saver.take(Answer {
        key,
        response: parsed.response.filter(|_| error.is_none()),
        error,
    })
}
