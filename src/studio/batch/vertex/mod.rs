//! The Vertex batch lane: a validated file run by Vertex AI batch prediction, with its
//! input and results in Cloud Storage. `submit.rs` takes a run through its recorded steps
//! to a job, `lines.rs` writes the input, `fetch.rs` saves the results; this file holds
//! the bucket checks and reading the job's state.

mod connect;
mod fetch;
mod lines;
mod submit;

pub use connect::{configured_bucket, storage_for};

pub use lines::INLINE_REFERENCE_LIMIT;
pub use submit::INPUT_OBJECT;

use crate::api::batch_wire::BatchOperation;
use crate::api::client::GeminiClient;
use crate::api::error::ApiError;
use crate::api::prediction_jobs::PredictionJob;
use crate::api::storage::StorageClient;
use crate::api::storage_uri::GcsUri;
use crate::error::ValidationError;
use crate::models::Registry;
use crate::store::{RunRow, Store};
use crate::studio::StudioError;

/// The lane's name in the store, `peel batch list` and sidecars.
pub const LANE: &str = "vertex-batch";

/// Where the bucket is set, for messages.
const BUCKET_SETTING: &str = "--bucket gs://BUCKET/PREFIX, or `batch_bucket = \"gs://BUCKET/PREFIX\"` under [vertex] (`peel config path` shows the file)";

/// What the lane works with: the Vertex AI client, Cloud Storage, the registry, the store.
pub struct VertexLane<'a> {
    /// A client built for Vertex AI with a project.
    pub client: &'a GeminiClient,
    /// Cloud Storage, with the same credentials (or an emulator).
    pub storage: &'a StorageClient,
    /// The capability registry.
    pub registry: &'a Registry,
    /// The store.
    pub store: &'a Store,
}

/// The bucket for a submit: `--bucket` over `[vertex] batch_bucket`; refused (exit 2)
/// when neither is set or the one given is not a `gs://BUCKET/PREFIX` URI.
pub fn bucket_setting(flag: Option<&str>, config: Option<&str>) -> Result<GcsUri, ValidationError> {
    let (text, from) = match (flag, config) {
        (Some(flag), _) => (flag, "--bucket"),
        (None, Some(config)) => (config, "`batch_bucket` under [vertex]"),
        (None, None) => {
            return Err(ValidationError::Invalid(format!(
                "the Vertex batch lane keeps its input and results in Cloud Storage, and no bucket is set: pass {BUCKET_SETTING}"
            )));
        }
    };
    GcsUri::parse(text).map_err(|why| ValidationError::Invalid(format!("{from}: {why}")))
}

/// Whether a failed bucket check is the user's to fix (exit 2) or the service's.
fn bucket_refusal(bucket: &GcsUri, error: ApiError) -> StudioError {
    let what = match &error {
        ApiError::NotFound { .. } => format!(
            "the bucket gs://{} does not exist (or the credentials cannot see it): create it (`gcloud storage buckets create gs://{}`) or set {BUCKET_SETTING}",
            bucket.bucket, bucket.bucket
        ),
        ApiError::Unauthorized { message, .. } => format!(
            "the bucket gs://{} cannot be written with these credentials ({message}): grant the account roles/storage.objectAdmin on it, or set {BUCKET_SETTING}",
            bucket.bucket
        ),
        _ => return error.into(),
    };
    ValidationError::Invalid(what).into()
}

/// Checks that the bucket exists and that these credentials may create objects in it,
/// without writing anything: a resumable session is opened and never used. A refusal is
/// the user's to fix (exit 2) and names the setting.
pub async fn check_bucket(storage: &StorageClient, bucket: &GcsUri) -> Result<(), StudioError> {
    storage
        .bucket_exists(&bucket.bucket)
        .await
        .map_err(|e| bucket_refusal(bucket, e))?;
    let probe = bucket.join(".peel-write-check");
    storage
        .start_upload(&probe, "application/octet-stream", 0, "AAAAAA==")
        .await
        .map(|_| ())
        .map_err(|e| bucket_refusal(bucket, e))
}

/// Asks for a Vertex job's state and records it on its run; the job reads as a
/// `BatchOperation` over the run's item count.
pub async fn refresh(
    client: &GeminiClient,
    store: &Store,
    run: Option<&RunRow>,
    name: &str,
) -> Result<(PredictionJob, BatchOperation), StudioError> {
    let job = client.get_prediction_job(name).await?;
    let requests = run.map_or(0, |r| r.items as u64);
    let operation = job.as_operation(requests);
    if let Some(run) = run {
        store.set_batch_remote_state(run.id, operation.state().as_str())?;
        if let Some(dir) = job.output_directory() {
            store.set_vertex_output_dir(run.id, dir)?;
        }
        if run.state == "submitted" && operation.is_finished() {
            store.set_batch_run_state(run.id, "finished", None)?;
        }
    }
    Ok((job, operation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_comes_from_the_flag_then_the_config_and_says_where_to_set_it() {
        let both = bucket_setting(Some("gs://flag/p"), Some("gs://config/p")).unwrap();
        assert_eq!(both.bucket, "flag");
        let config = bucket_setting(None, Some("gs://config/p")).unwrap();
        assert_eq!(config.bucket, "config");
        let none = bucket_setting(None, None).unwrap_err().to_string();
        assert!(
            none.contains("--bucket") && none.contains("batch_bucket"),
            "{none}"
        );
        let bare = bucket_setting(Some("gs:///p"), None)
            .unwrap_err()
            .to_string();
        assert!(
            bare.starts_with("--bucket:") && bare.contains("names no bucket"),
            "{bare}"
        );
        let config = bucket_setting(None, Some("bucket/p"))
            .unwrap_err()
            .to_string();
        assert!(config.contains("`batch_bucket` under [vertex]"), "{config}");
    }
}
