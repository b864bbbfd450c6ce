//! Submitting to Vertex AI batch prediction, one recorded step at a time: where the files
//! go, the input written (size and CRC32C kept), the upload session (kept before a byte is
//! sent), the input complete, the create sent, the job. `advance` takes a run from
//! whatever step it reached, so a submit killed anywhere resumes without a second upload
//! (the object's size and CRC32C are checked first, a session is asked how far it got) or
//! a second job (after a create whose answer was lost, the job is found by its labels).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{LANE, VertexLane, lines};
use crate::api::prediction_jobs::{NewPredictionJob, PredictionJob};
use crate::api::storage::{UploadProgress, crc32c_of};
use crate::api::storage_uri::GcsUri;
use crate::store::{RunId, RunRow, VertexBatchRow};
use crate::studio::StudioError;
use crate::studio::batch::queue::create_run;
use crate::studio::batch::submitted::{InputMode, Submitted, single_model, standard_tier_only};
use crate::studio::batch::validate::Batch;

/// The name of the input object in the run's folder.
pub const INPUT_OBJECT: &str = "input.jsonl";

/// The run's local copy of its input, kept until the job exists.
const LOCAL_INPUT: &str = ".peel-vertex-input.jsonl";

impl VertexLane<'_> {
    /// Records `batch` as a run whose files go below `bucket`, then takes it through every
    /// step to a created job.
    pub async fn submit(
        &self,
        batch: &Batch,
        parent: &Path,
        bucket: &GcsUri,
    ) -> Result<Submitted, StudioError> {
        let model = single_model(batch)?;
        standard_tier_only(batch)?;
        super::check_bucket(self.storage, bucket).await?;
        let (run, _dir) = create_run(self.store, batch, parent, LANE, "submitting", None)?;
        let token = uuid::Uuid::now_v7().simple().to_string();
        let folder = bucket.join(&run.to_string());
        self.store
            .create_vertex_batch(run, &token, &model, &folder.bucket, &folder.object)?;
        self.advance(run).await
    }

    /// Takes run `run` from the step it reached to a created job (nothing is repeated).
    pub async fn advance(&self, run: RunId) -> Result<Submitted, StudioError> {
        let (row, steps) = self.steps(run)?;
        let result = self.advance_steps(&row, steps).await;
        if let Err(e) = &result {
            // A refusal leaves the run resumable: only the reason is recorded.
            self.store
                .set_batch_run_state(run, "submitting", Some(&e.to_string()))?;
        }
        result
    }

    async fn advance_steps(
        &self,
        row: &RunRow,
        steps: VertexBatchRow,
    ) -> Result<Submitted, StudioError> {
        let folder = GcsUri {
            bucket: steps.bucket.clone(),
            object: steps.prefix.clone(),
        };
        let input = folder.join(INPUT_OBJECT);
        let local = Path::new(&row.out_dir).join(LOCAL_INPUT);
        let (job, bytes) = match &steps.job_name {
            Some(name) => (
                self.client.get_prediction_job(name).await?,
                steps.input_size.unwrap_or(0),
            ),
            None => {
                let bytes = if steps.uploaded {
                    steps.input_size.unwrap_or(0)
                } else {
                    self.upload(row, &steps, &input, &local).await?
                };
                (self.create_once(row, &steps, &input, &folder).await?, bytes)
            }
        };
        let _ = std::fs::remove_file(&local);
        let state = job.batch_state().as_str().to_string();
        self.store
            .set_batch_remote(row.id, &job.name, &state, InputMode::Cloud.as_str())?;
        self.store.set_batch_run_state(row.id, "submitted", None)?;
        crate::studio::batch::manifest_stream::write_manifest(
            self.store,
            row.id,
            Path::new(&row.out_dir),
        );
        tracing::info!(run = row.id, job = job.name, "vertex batch submitted");
        Ok(Submitted {
            run: row.id,
            name: job.name,
            mode: InputMode::Cloud,
            requests: row.items,
            bytes,
            state,
        })
    }

    /// The run and its steps, or why it cannot be advanced.
    fn steps(&self, run: RunId) -> Result<(RunRow, VertexBatchRow), StudioError> {
        let row = self.store.batch_run(run)?.ok_or_else(|| {
            StudioError::NotReady(format!(
                "no batch run {run}; `peel batch list` shows the runs and their ids"
            ))
        })?;
        let steps = self.store.vertex_batch(run)?.ok_or_else(|| {
            StudioError::Incomplete(format!(
                "run {run} was stopped before it recorded where its files go; nothing was uploaded. Submit the file again."
            ))
        })?;
        Ok((row, steps))
    }

    /// Makes sure the input object is complete in the bucket; returns its size.
    async fn upload(
        &self,
        row: &RunRow,
        steps: &VertexBatchRow,
        input: &GcsUri,
        local: &Path,
    ) -> Result<u64, StudioError> {
        let recorded = steps.input_size.zip(steps.input_crc32c.clone());
        // The object may be complete already (a kill after the last chunk).
        if let Some((size, crc)) = &recorded
            && let Some(info) = self.storage.object(&input.bucket, &input.object).await?
            && info.matches(*size, crc)
        {
            self.store.set_vertex_uploaded(row.id)?;
            return Ok(*size);
        }
        let (size, crc, session) = match (recorded, local_matches(local, steps)) {
            (Some((size, crc)), true) => (size, crc, steps.upload_session.clone()),
            _ => {
                let folder = GcsUri {
                    bucket: steps.bucket.clone(),
                    object: steps.prefix.clone(),
                };
                let size = lines::write(
                    self.storage,
                    self.registry,
                    self.store,
                    row.id,
                    Path::new(&row.out_dir),
                    &folder.join("refs"),
                    local,
                )
                .await?;
                let (crc, _) = checksum(local)?;
                self.store.set_vertex_input(row.id, size, &crc)?;
                (size, crc, None)
            }
        };
        let offset = match &session {
            Some(url) => match self.storage.upload_progress(url, size).await? {
                UploadProgress::Complete(info) if info.matches(size, &crc) => {
                    self.store.set_vertex_uploaded(row.id)?;
                    return Ok(size);
                }
                UploadProgress::At(held) => Some((url.clone(), held)),
                _ => None,
            },
            None => None,
        };
        let (url, offset) = match offset {
            Some(resumed) => resumed,
            None => {
                let url = self
                    .storage
                    .start_upload(input, "application/jsonl", size, &crc)
                    .await?;
                self.store.set_vertex_upload_session(row.id, Some(&url))?;
                (url, 0)
            }
        };
        let info = self.storage.upload_from(&url, local, offset).await?;
        if !info.matches(size, &crc) {
            return Err(StudioError::Incomplete(format!(
                "{input} holds {} bytes with CRC32C {:?} after the upload, not the {size} bytes with {crc} sent; `peel batch resume {}` uploads it again",
                info.size, info.crc32c, row.id
            )));
        }
        self.store.set_vertex_uploaded(row.id)?;
        Ok(size)
    }

    /// Creates the job unless a create was sent before, in which case the job is looked up
    /// by this submit's labels first.
    async fn create_once(
        &self,
        row: &RunRow,
        steps: &VertexBatchRow,
        input: &GcsUri,
        folder: &GcsUri,
    ) -> Result<PredictionJob, StudioError> {
        let labels = BTreeMap::from([
            ("peel_run".to_string(), row.id.to_string()),
            ("peel_submit".to_string(), steps.token.clone()),
        ]);
        if steps.create_sent_at.is_some() {
            let filter = format!(
                "labels.peel_run=\"{}\" AND labels.peel_submit=\"{}\"",
                row.id, steps.token
            );
            if let Some(job) = self
                .client
                .list_prediction_jobs(&filter)
                .await?
                .into_iter()
                .next()
            {
                self.store.set_vertex_job(row.id, &job.name)?;
                return Ok(job);
            }
        }
        let request = NewPredictionJob::jsonl(
            format!("peel-run-{}", row.id),
            &steps.model,
            input.to_string(),
            folder.join("output").to_string(),
            labels,
        );
        self.store.set_vertex_create_sent(row.id)?;
        let job = self.client.create_prediction_job(&request).await?;
        self.store.set_vertex_job(row.id, &job.name)?;
        Ok(job)
    }
}

/// True when the local input is the one whose size and CRC32C were recorded.
fn local_matches(local: &Path, steps: &VertexBatchRow) -> bool {
    let (Some(size), Some(crc)) = (steps.input_size, steps.input_crc32c.as_deref()) else {
        return false;
    };
    std::fs::metadata(local).is_ok_and(|m| m.len() == size)
        && checksum(local).is_ok_and(|(c, _)| c == crc)
}

fn checksum(path: &Path) -> Result<(String, u64), StudioError> {
    let file = std::fs::File::open(path).map_err(|e| crate::fsio::OutputError {
        path: PathBuf::from(path),
        message: e.to_string(),
    })?;
    crc32c_of(std::io::BufReader::new(file)).map_err(|e| {
        crate::fsio::OutputError {
            path: PathBuf::from(path),
            message: e.to_string(),
        }
        .into()
    })
}
