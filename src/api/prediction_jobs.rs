//! Vertex AI batch prediction (`batchPredictionJobs`): create, get, list by filter and
//! cancel, on a client built for Vertex AI with a project; and the job read as the same
//! `BatchOperation` the Gemini Batch API lane shows, so every face reports both alike.

use std::collections::BTreeMap;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

use super::backend::Backend;
use super::batch_wire::{BatchMetadata, BatchOperation, BatchState, BatchStats, RpcStatus, count};
use super::client::GeminiClient;
use super::error::ApiError;
use super::http::read_json;
use super::vertex::VertexTarget;

/// `inputConfig` / `outputConfig` format of every job peel creates.
const JSONL: &str = "jsonl";

/// A job to create.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPredictionJob {
    /// Shown in the console.
    pub display_name: String,
    /// `publishers/google/models/MODEL`.
    pub model: String,
    /// Where the requests are.
    pub input_config: PredictionInput,
    /// Where the results go.
    pub output_config: PredictionOutput,
    /// Labels (values: lowercase letters, digits, `_` and `-`).
    pub labels: BTreeMap<String, String>,
}

impl NewPredictionJob {
    /// A JSONL-in, JSONL-out job of `model` reading `input` and writing below `output_prefix`.
    pub fn jsonl(
        display_name: String,
        model: &str,
        input: String,
        output_prefix: String,
        labels: BTreeMap<String, String>,
    ) -> Self {
        Self {
            display_name,
            model: format!("publishers/google/models/{model}"),
            input_config: PredictionInput {
                instances_format: JSONL.into(),
                gcs_source: GcsSource { uris: vec![input] },
            },
            output_config: PredictionOutput {
                predictions_format: JSONL.into(),
                gcs_destination: GcsDestination {
                    output_uri_prefix: output_prefix,
                },
            },
            labels,
        }
    }
}

/// `inputConfig`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionInput {
    /// `jsonl`.
    pub instances_format: String,
    /// The JSONL objects.
    pub gcs_source: GcsSource,
}

/// `gcsSource`.
#[derive(Debug, Clone, Serialize)]
pub struct GcsSource {
    /// `gs://…` URIs.
    pub uris: Vec<String>,
}

/// `outputConfig`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionOutput {
    /// `jsonl`.
    pub predictions_format: String,
    /// Where results are written.
    pub gcs_destination: GcsDestination,
}

/// `gcsDestination`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcsDestination {
    /// `gs://BUCKET/PREFIX`.
    pub output_uri_prefix: String,
}

/// A job as the service describes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PredictionJob {
    /// `projects/P/locations/L/batchPredictionJobs/ID`.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// The model's resource name.
    pub model: String,
    /// `JOB_STATE_…`.
    pub state: String,
    /// Why it failed.
    pub error: Option<RpcStatus>,
    /// RFC 3339.
    pub create_time: Option<String>,
    /// RFC 3339.
    pub update_time: Option<String>,
    /// RFC 3339.
    pub end_time: Option<String>,
    /// Labels as created.
    pub labels: BTreeMap<String, String>,
    /// Counters.
    pub completion_stats: Option<CompletionStats>,
    /// Where the results are, once known.
    pub output_info: Option<OutputInfo>,
}

/// `completionStats` (int64 counters as strings).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompletionStats {
    /// Lines answered.
    #[serde(deserialize_with = "count")]
    pub successful_count: u64,
    /// Lines that failed.
    #[serde(deserialize_with = "count")]
    pub failed_count: u64,
    /// Lines not run (a job cancelled or failed part-way).
    #[serde(deserialize_with = "count")]
    pub incomplete_count: u64,
}

/// `outputInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputInfo {
    /// `gs://BUCKET/PREFIX/prediction-model-…`.
    pub gcs_output_directory: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct JobPage {
    batch_prediction_jobs: Vec<PredictionJob>,
    next_page_token: Option<String>,
}

impl PredictionJob {
    /// The lifecycle state; `JOB_STATE_CANCELLING` still runs, so it is not terminal.
    pub fn batch_state(&self) -> BatchState {
        match self.state.as_str() {
            "JOB_STATE_CANCELLING" | "JOB_STATE_UPDATING" | "JOB_STATE_PAUSED" => {
                BatchState::Running
            }
            "JOB_STATE_PARTIALLY_SUCCEEDED" => BatchState::Succeeded,
            other => BatchState::parse(other),
        }
    }

    /// The job as a `BatchOperation` over `requests` lines, so status, wait and list read
    /// it as they read a Gemini Batch API job.
    pub fn as_operation(&self, requests: u64) -> BatchOperation {
        let stats = self.completion_stats.unwrap_or_default();
        let settled = stats.successful_count + stats.failed_count;
        let state = self.batch_state();
        let pending = if state.is_terminal() {
            0
        } else {
            requests.saturating_sub(settled)
        };
        BatchOperation {
            name: self.name.clone(),
            metadata: Some(BatchMetadata {
                name: self.name.clone(),
                model: self.model.clone(),
                display_name: self.display_name.clone(),
                state: state.clone(),
                create_time: self.create_time.clone(),
                update_time: self.update_time.clone(),
                end_time: self.end_time.clone(),
                batch_stats: Some(BatchStats {
                    request_count: requests.max(settled + stats.incomplete_count),
                    successful_request_count: stats.successful_count,
                    failed_request_count: stats.failed_count,
                    pending_request_count: pending,
                }),
                output: None,
            }),
            done: state.is_terminal(),
            response: None,
            error: self.error.clone(),
        }
    }

    /// `gs://…` of the results folder, once the service named it.
    pub fn output_directory(&self) -> Option<&str> {
        self.output_info
            .as_ref()?
            .gcs_output_directory
            .as_deref()
            .filter(|d| !d.is_empty())
    }
}

impl GeminiClient {
    /// The Vertex target, refused in express mode (batch prediction needs a project).
    fn prediction_target(&self) -> Result<&VertexTarget, ApiError> {
        match self.backend() {
            Backend::Vertex(target) if !target.is_express() => Ok(target),
            Backend::Vertex(_) => Err(ApiError::InvalidArgument {
                message: "Vertex AI express mode (an API key, no project) cannot run batch prediction: set a project and credentials (`project` under [vertex] and GOOGLE_APPLICATION_CREDENTIALS)".into(),
            }),
            _ => Err(ApiError::InvalidArgument {
                message: "batch prediction jobs are a Vertex AI service: use --backend vertex"
                    .into(),
            }),
        }
    }

    fn jobs_url(&self, target: &VertexTarget) -> String {
        format!(
            "{}/{}/projects/{}/locations/{}/batchPredictionJobs",
            self.base_url().trim_end_matches('/'),
            self.api_version(),
            target.project,
            target.location
        )
    }

    fn job_url(&self, name: &str) -> String {
        format!(
            "{}/{}/{}",
            self.base_url().trim_end_matches('/'),
            self.api_version(),
            name.trim_start_matches('/')
        )
    }

    async fn authorized(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, ApiError> {
        Ok(match self.authorization().await? {
            Some(auth) => builder.header(AUTHORIZATION, auth),
            None => builder,
        })
    }

    /// `POST …/batchPredictionJobs`; sent once (a create is not idempotent: after a lost
    /// answer, find the job by its labels).
    pub async fn create_prediction_job(
        &self,
        job: &NewPredictionJob,
    ) -> Result<PredictionJob, ApiError> {
        let target = self.prediction_target()?;
        let body = serde_json::to_vec(job).map_err(|e| ApiError::InvalidArgument {
            message: format!("cannot encode the job: {e}"),
        })?;
        let request = self
            .http()
            .post(self.jobs_url(target))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let sent = self.authorized(request).await?.send().await;
        let response = self.checked(sent, "").await?;
        read_json(response, "batch prediction job").await
    }

    /// `GET {name}`.
    pub async fn get_prediction_job(&self, name: &str) -> Result<PredictionJob, ApiError> {
        self.prediction_target()?;
        let url = self.job_url(name);
        self.with_retries(
            || async {
                let request = self.authorized(self.http().get(&url)).await?;
                let response = self.checked(request.send().await, "").await?;
                read_json(response, "batch prediction job").await
            },
            |_, _, _| {},
        )
        .await
    }

    /// Every job matching `filter` (AIP-160, e.g. `labels.peel_run="7"`; empty: all).
    pub async fn list_prediction_jobs(&self, filter: &str) -> Result<Vec<PredictionJob>, ApiError> {
        let target = self.prediction_target()?;
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = Url::parse(&self.jobs_url(target)).map_err(|e| ApiError::Network {
                message: format!("the Vertex AI URL is not a URL ({e})"),
                url: self.base_url().to_string(),
            })?;
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("pageSize", "100");
                if !filter.is_empty() {
                    query.append_pair("filter", filter);
                }
                if let Some(t) = token.as_deref() {
                    query.append_pair("pageToken", t);
                }
            }
            let page: JobPage = self
                .with_retries(
                    || async {
                        let request = self.authorized(self.http().get(url.clone())).await?;
                        let response = self.checked(request.send().await, "").await?;
                        read_json(response, "batch prediction job list").await
                    },
                    |_, _, _| {},
                )
                .await?;
            all.extend(page.batch_prediction_jobs);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// `POST {name}:cancel`.
    pub async fn cancel_prediction_job(&self, name: &str) -> Result<(), ApiError> {
        self.prediction_target()?;
        let request = self
            .http()
            .post(format!("{}:cancel", self.job_url(name)))
            .header(CONTENT_TYPE, "application/json")
            .body("{}");
        let sent = self.authorized(request).await?.send().await;
        self.checked(sent, "").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_job_reads_as_a_batch_operation() {
        let job: PredictionJob = serde_json::from_value(json!({
            "name": "projects/p/locations/global/batchPredictionJobs/42",
            "state": "JOB_STATE_RUNNING",
            "completionStats": {"successfulCount": "3", "failedCount": "1"},
            "labels": {"peel_run": "7"},
        }))
        .unwrap();
        let op = job.as_operation(10);
        assert_eq!(op.state(), BatchState::Running);
        assert!(!op.is_finished());
        let s = op.stats();
        assert_eq!(
            (
                s.request_count,
                s.successful_request_count,
                s.failed_request_count,
                s.pending_request_count
            ),
            (10, 3, 1, 6)
        );
        let cancelling = PredictionJob {
            state: "JOB_STATE_CANCELLING".into(),
            ..job.clone()
        };
        assert!(
            !cancelling.as_operation(10).is_finished(),
            "cancelling still runs"
        );
        let cancelled = PredictionJob {
            state: "JOB_STATE_CANCELLED".into(),
            ..job
        };
        assert_eq!(cancelled.as_operation(10).state(), BatchState::Cancelled);
    }

    #[test]
    fn the_create_body_is_vertexs() {
        let job = NewPredictionJob::jsonl(
            "peel-run-7".into(),
            "gemini-3-pro-image",
            "gs://b/p/7/input.jsonl".into(),
            "gs://b/p/7/output".into(),
            BTreeMap::from([("peel_run".to_string(), "7".to_string())]),
        );
        let body = serde_json::to_value(&job).unwrap();
        assert_eq!(
            body,
            json!({
                "displayName": "peel-run-7",
                "model": "publishers/google/models/gemini-3-pro-image",
                "inputConfig": {"instancesFormat": "jsonl",
                                "gcsSource": {"uris": ["gs://b/p/7/input.jsonl"]}},
                "outputConfig": {"predictionsFormat": "jsonl",
                                 "gcsDestination": {"outputUriPrefix": "gs://b/p/7/output"}},
                "labels": {"peel_run": "7"},
            })
        );
    }
}
