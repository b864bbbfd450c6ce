//! Batch API wire types (`models/{model}:batchGenerateContent`, `batches/{id}`), camelCase
//! out and tolerant in: both `BATCH_STATE_*` and `JOB_STATE_*`, int64 counters as strings
//! or numbers, and the double-nested `inlinedResponses.inlinedResponses`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::wire::{GenerateContentRequest, GenerateContentResponse};

/// `POST models/{model}:batchGenerateContent` body.
#[derive(Debug, Clone, Serialize)]
pub struct CreateBatchRequest {
    /// The batch.
    pub batch: BatchInput,
}

/// The batch to create.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInput {
    /// Shown in listings.
    pub display_name: String,
    /// Where the requests are.
    pub input_config: InputConfig,
}

/// Inline requests, or a JSONL file uploaded through the Files API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputConfig {
    /// Inline requests (total under 20 MB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<InlinedRequests>,
    /// `files/…` of an uploaded JSONL file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// `inputConfig.requests`.
#[derive(Debug, Clone, Serialize)]
pub struct InlinedRequests {
    /// The requests.
    pub requests: Vec<InlinedRequest>,
}

/// One inline request with its metadata (which carries the item key).
#[derive(Debug, Clone, Serialize)]
pub struct InlinedRequest {
    /// A full generateContent request.
    pub request: GenerateContentRequest,
    /// `{"key": "…"}`.
    pub metadata: Value,
}

/// One line of a JSONL input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileRequestLine<'a> {
    /// The item key.
    pub key: &'a str,
    /// A full generateContent request.
    pub request: &'a GenerateContentRequest,
}

/// A batch job's lifecycle state, whichever prefix the service used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BatchState {
    /// Not stated.
    #[default]
    Unspecified,
    /// Waiting to run.
    Pending,
    /// Running.
    Running,
    /// Finished; results are available.
    Succeeded,
    /// Failed as a whole.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Not finished within 48 hours.
    Expired,
    /// A state this version does not know.
    Other(String),
}

impl BatchState {
    /// Parses `BATCH_STATE_X` or `JOB_STATE_X`.
    pub fn parse(text: &str) -> Self {
        let bare = text
            .strip_prefix("BATCH_STATE_")
            .or_else(|| text.strip_prefix("JOB_STATE_"))
            .unwrap_or(text);
        match bare {
            "PENDING" | "QUEUED" => Self::Pending,
            "RUNNING" => Self::Running,
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "CANCELLED" | "CANCELLING" => Self::Cancelled,
            "EXPIRED" => Self::Expired,
            "UNSPECIFIED" | "" => Self::Unspecified,
            _ => Self::Other(text.to_string()),
        }
    }

    /// True when the job will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::Expired
        )
    }

    /// Lower-case name for lists and JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for BatchState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.map(|t| Self::parse(&t)).unwrap_or_default())
    }
}

/// An int64 counter sent as a JSON string (or, tolerantly, a number).
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    })
}

/// A batch as a long-running operation (create and get answers, list entries).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchOperation {
    /// `batches/…`.
    pub name: String,
    /// The batch itself.
    pub metadata: Option<BatchMetadata>,
    /// True when finished.
    pub done: bool,
    /// The output, once succeeded.
    pub response: Option<BatchOutput>,
    /// Why it failed, when it did.
    pub error: Option<RpcStatus>,
}

impl BatchOperation {
    /// The state from the metadata.
    pub fn state(&self) -> BatchState {
        self.metadata
            .as_ref()
            .map(|m| m.state.clone())
            .unwrap_or_default()
    }

    /// True when finished (terminal state or `done`).
    pub fn is_finished(&self) -> bool {
        self.done || self.state().is_terminal()
    }

    /// The output from `response`, else its mirror in `metadata.output`.
    pub fn output(&self) -> Option<&BatchOutput> {
        self.response
            .as_ref()
            .filter(|o| o.has_results())
            .or_else(|| self.metadata.as_ref().and_then(|m| m.output.as_ref()))
    }

    /// "running · 3/10 succeeded, 1 failed, 6 pending".
    pub fn progress(&self) -> String {
        let s = self.stats();
        format!(
            "{} · {}/{} succeeded, {} failed, {} pending",
            self.state().as_str(),
            s.successful_request_count,
            s.request_count,
            s.failed_request_count,
            s.pending_request_count
        )
    }

    /// Counters (zero when absent).
    pub fn stats(&self) -> BatchStats {
        self.metadata
            .as_ref()
            .and_then(|m| m.batch_stats)
            .unwrap_or_default()
    }
}

/// `GenerateContentBatch` metadata.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchMetadata {
    /// `batches/…`.
    pub name: String,
    /// `models/…`.
    pub model: String,
    /// Display name.
    pub display_name: String,
    /// Lifecycle state.
    pub state: BatchState,
    /// RFC 3339.
    pub create_time: Option<String>,
    /// RFC 3339.
    pub update_time: Option<String>,
    /// RFC 3339.
    pub end_time: Option<String>,
    /// Counters.
    pub batch_stats: Option<BatchStats>,
    /// Output mirror.
    pub output: Option<BatchOutput>,
}

/// Request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchStats {
    /// Requests in all.
    #[serde(deserialize_with = "count")]
    pub request_count: u64,
    /// Answered.
    #[serde(deserialize_with = "count")]
    pub successful_request_count: u64,
    /// Failed.
    #[serde(deserialize_with = "count")]
    pub failed_request_count: u64,
    /// Not yet run.
    #[serde(deserialize_with = "count")]
    pub pending_request_count: u64,
}

/// Where a finished batch's results are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchOutput {
    /// `files/…` of a JSONL results file.
    pub responses_file: Option<String>,
    /// Inline results (note the double nesting on the wire).
    pub inlined_responses: Option<InlinedResponses>,
}

impl BatchOutput {
    /// True when it names a file or holds inline results.
    pub fn has_results(&self) -> bool {
        self.responses_file.is_some() || self.inlined_responses.is_some()
    }
}

/// `inlinedResponses`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InlinedResponses {
    /// The results, in request order.
    pub inlined_responses: Vec<InlinedResponse>,
}

/// One inline result.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InlinedResponse {
    /// The request's metadata (`{"key": …}`).
    pub metadata: Option<Value>,
    /// The answer.
    pub response: Option<GenerateContentResponse>,
    /// Or why it failed.
    pub error: Option<RpcStatus>,
}

impl InlinedResponse {
    /// The item key from the metadata.
    pub fn key(&self) -> Option<&str> {
        self.metadata.as_ref()?.get("key")?.as_str()
    }
}

/// One line of a JSONL results file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResultLine {
    /// The item key.
    pub key: Option<String>,
    /// The answer.
    pub response: Option<GenerateContentResponse>,
    /// Or why it failed.
    pub error: Option<RpcStatus>,
}

/// A `google.rpc.Status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RpcStatus {
    /// gRPC code.
    pub code: i64,
    /// What went wrong.
    pub message: String,
}

/// `GET batches` answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListBatchesResponse {
    /// One page of batches.
    pub operations: Vec<BatchOperation>,
    /// Token for the next page.
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_state_prefixes_and_string_counters_are_read() {
        let op: BatchOperation = serde_json::from_value(serde_json::json!({
            "name": "batches/a",
            "metadata": {"state": "JOB_STATE_RUNNING", "batchStats": {"requestCount": "3", "pendingRequestCount": 2}},
        }))
        .unwrap();
        assert_eq!(op.state(), BatchState::Running);
        assert_eq!(op.stats().request_count, 3);
        assert_eq!(op.stats().pending_request_count, 2);
        assert!(!op.is_finished());
        assert_eq!(
            BatchState::parse("BATCH_STATE_SUCCEEDED"),
            BatchState::Succeeded
        );
        assert_eq!(BatchState::parse("JOB_STATE_EXPIRED"), BatchState::Expired);
        assert!(matches!(
            BatchState::parse("BATCH_STATE_NEW"),
            BatchState::Other(_)
        ));
    }

    #[test]
    fn results_come_from_response_or_the_metadata_mirror() {
        let inline: BatchOperation = serde_json::from_value(serde_json::json!({
            "name": "batches/a", "done": true,
            "metadata": {"state": "BATCH_STATE_SUCCEEDED"},
            "response": {"@type": "x", "inlinedResponses": {"inlinedResponses": [
                {"metadata": {"key": "fox"}, "response": {"candidates": []}},
                {"metadata": {"key": "owl"}, "error": {"code": 3, "message": "bad"}}
            ]}}
        }))
        .unwrap();
        let out = inline.output().unwrap();
        let list = &out.inlined_responses.as_ref().unwrap().inlined_responses;
        assert_eq!(list[0].key(), Some("fox"));
        assert_eq!(list[1].error.as_ref().unwrap().code, 3);
        let mirrored: BatchOperation = serde_json::from_value(serde_json::json!({
            "name": "batches/b", "done": true,
            "metadata": {"state": "JOB_STATE_SUCCEEDED", "output": {"responsesFile": "files/batch-b"}}
        }))
        .unwrap();
        assert_eq!(
            mirrored.output().unwrap().responses_file.as_deref(),
            Some("files/batch-b")
        );
    }

    #[test]
    fn requests_serialize_in_the_service_shape() {
        let body = CreateBatchRequest {
            batch: BatchInput {
                display_name: "d".into(),
                input_config: InputConfig {
                    requests: None,
                    file_name: Some("files/x".into()),
                },
            },
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["batch"]["inputConfig"]["fileName"], "files/x");
        assert!(json["batch"]["inputConfig"].get("requests").is_none());
    }
}
