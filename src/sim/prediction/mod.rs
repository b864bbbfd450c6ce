//! Vertex AI batch prediction (`batchPredictionJobs`): jobs kept in memory, created from a
//! strict body (unknown fields refused, labels checked as Vertex checks them), listed with
//! AIP-160 filters, cancelled; `worker.rs` runs each JSONL line through the image engine and
//! writes `predictions.jsonl` into the simulated Cloud Storage.

mod routes;
mod worker;

pub use routes::{cancel_or_get, collection, delete_job};

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::storage::rfc3339;

/// A job's lifecycle, as Vertex names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Created, not started.
    Pending,
    /// Lines running.
    Running,
    /// Asked to stop; the lines in flight finish.
    Cancelling,
    /// Every line ran.
    Succeeded,
    /// Failed as a whole.
    Failed,
    /// Cancelled.
    Cancelled,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "JOB_STATE_PENDING",
            Self::Running => "JOB_STATE_RUNNING",
            Self::Cancelling => "JOB_STATE_CANCELLING",
            Self::Succeeded => "JOB_STATE_SUCCEEDED",
            Self::Failed => "JOB_STATE_FAILED",
            Self::Cancelled => "JOB_STATE_CANCELLED",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// One job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Numeric id.
    pub id: u64,
    /// `projects/P/locations/L`.
    pub parent: String,
    /// Display name.
    pub display_name: String,
    /// The model as given.
    pub model: String,
    /// The registry id it resolved to.
    pub model_id: String,
    /// `inputConfig` as given.
    pub input_config: Value,
    /// `outputConfig` as given.
    pub output_config: Value,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// State.
    pub state: JobState,
    /// Times.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Started running.
    pub started: Option<DateTime<Utc>>,
    /// Ended.
    pub ended: Option<DateTime<Utc>>,
    /// Lines answered.
    pub succeeded: u64,
    /// Lines failed.
    pub failed: u64,
    /// Lines never run.
    pub incomplete: u64,
    /// `gs://…/prediction-model-…`, once running.
    pub output_dir: Option<String>,
    /// Why it failed.
    pub error: Option<(i32, String)>,
}

impl Job {
    /// `projects/P/locations/L/batchPredictionJobs/ID`.
    pub fn name(&self) -> String {
        format!("{}/batchPredictionJobs/{}", self.parent, self.id)
    }

    /// The `BatchPredictionJob` resource.
    pub fn resource(&self) -> Value {
        let mut body = json!({
            "name": self.name(),
            "displayName": self.display_name,
            "model": self.model,
            "modelVersionId": "1",
            "inputConfig": self.input_config,
            "outputConfig": self.output_config,
            "state": self.state.as_str(),
            "createTime": rfc3339(self.created),
            "updateTime": rfc3339(self.updated),
            "completionStats": {
                "successfulCount": self.succeeded.to_string(),
                "failedCount": self.failed.to_string(),
                "incompleteCount": self.incomplete.to_string(),
            },
        });
        if !self.labels.is_empty() {
            body["labels"] = json!(self.labels);
        }
        if let Some(t) = self.started {
            body["startTime"] = json!(rfc3339(t));
        }
        if let Some(t) = self.ended {
            body["endTime"] = json!(rfc3339(t));
        }
        if let Some(dir) = &self.output_dir {
            body["outputInfo"] = json!({"gcsOutputDirectory": dir});
        }
        if let Some((code, message)) = &self.error {
            body["error"] = json!({"code": code, "message": message});
        }
        body
    }
}

/// Every job, by id.
#[derive(Default)]
pub struct JobStore {
    jobs: Mutex<BTreeMap<u64, Job>>,
}

impl JobStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a job under a fresh id; returns it.
    fn add(&self, mut job: Job) -> Job {
        let mut jobs = self.lock();
        let id = jobs
            .keys()
            .next_back()
            .map_or(1_000_000_001, |last| last + 1);
        job.id = id;
        jobs.insert(id, job.clone());
        job
    }

    /// A copy of job `id`.
    pub fn get(&self, id: u64) -> Option<Job> {
        self.lock().get(&id).cloned()
    }

    /// Changes job `id`; returns the job after the change.
    pub fn update(&self, id: u64, change: impl FnOnce(&mut Job)) -> Option<Job> {
        let mut jobs = self.lock();
        let job = jobs.get_mut(&id)?;
        change(job);
        job.updated = Utc::now();
        Some(job.clone())
    }

    /// Jobs under `parent`, newest first.
    fn under(&self, parent: &str) -> Vec<Job> {
        self.lock()
            .values()
            .rev()
            .filter(|j| j.parent == parent)
            .cloned()
            .collect()
    }

    /// Removes a finished job.
    fn remove(&self, id: u64) -> Option<Job> {
        self.lock().remove(&id)
    }
}
