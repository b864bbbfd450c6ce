//! Vertex AI batch prediction runs, step by step: where the files go, the input's size and
//! CRC32C once written, the upload session before a byte is sent, that the create was sent
//! (so a lost answer is looked up by label, never sent again), the job, and which result
//! files a fetch has read to the end.

use rusqlite::{OptionalExtension, params};

use super::batches::RunId;
use super::{Store, StoreError};

/// One Vertex batch run's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VertexBatchRow {
    /// The run.
    pub run: RunId,
    /// A label value unique to this submit (`peel_submit`), so a job is never taken for
    /// another data folder's run of the same number.
    pub token: String,
    /// The model every line uses.
    pub model: String,
    /// The bucket.
    pub bucket: String,
    /// This run's folder in the bucket (`PREFIX/<run>`).
    pub prefix: String,
    /// The input's bytes, once written in full.
    pub input_size: Option<u64>,
    /// The input's CRC32C (base64), once written in full.
    pub input_crc32c: Option<String>,
    /// The resumable upload's session, recorded before any byte is sent.
    pub upload_session: Option<String>,
    /// True once the input object is complete.
    pub uploaded: bool,
    /// When the create request was sent (its answer may have been lost).
    pub create_sent_at: Option<String>,
    /// `projects/…/batchPredictionJobs/…`, once known.
    pub job_name: Option<String>,
    /// `gs://…` of the results, once the service named it.
    pub output_dir: Option<String>,
    /// Result objects read to the end by a fetch.
    pub fetched: Vec<String>,
}

const SELECT: &str = "SELECT run_id, token, model, bucket, prefix, input_size, input_crc32c,
    upload_session, uploaded, create_sent_at, job_name, output_dir, fetched_json
    FROM vertex_batches";

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<VertexBatchRow> {
    let fetched: String = row.get(12)?;
    Ok(VertexBatchRow {
        run: row.get(0)?,
        token: row.get(1)?,
        model: row.get(2)?,
        bucket: row.get(3)?,
        prefix: row.get(4)?,
        input_size: row.get::<_, Option<i64>>(5)?.map(|n| n.max(0) as u64),
        input_crc32c: row.get(6)?,
        upload_session: row.get(7)?,
        uploaded: row.get(8)?,
        create_sent_at: row.get(9)?,
        job_name: row.get(10)?,
        output_dir: row.get(11)?,
        fetched: serde_json::from_str(&fetched).unwrap_or_default(),
    })
}

impl Store {
    /// Records where run `run`'s files go, before anything is written there.
    pub fn create_vertex_batch(
        &self,
        run: RunId,
        token: &str,
        model: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO vertex_batches (run_id, token, model, bucket, prefix)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![run, token, model, bucket, prefix],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Run `run`'s steps, if it is a Vertex batch run.
    pub fn vertex_batch(&self, run: RunId) -> Result<Option<VertexBatchRow>, StoreError> {
        self.lock()
            .query_row(&format!("{SELECT} WHERE run_id = ?1"), [run], read)
            .optional()
            .map_err(|e| self.error(e))
    }

    fn update_vertex(
        &self,
        run: RunId,
        set: &str,
        value: &dyn rusqlite::ToSql,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                &format!("UPDATE vertex_batches SET {set} = ?2 WHERE run_id = ?1"),
                params![run, value],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The input written in full: its size and CRC32C (and a new file forgets an old session).
    pub fn set_vertex_input(&self, run: RunId, size: u64, crc32c: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE vertex_batches SET input_size = ?2, input_crc32c = ?3, upload_session = NULL
                 WHERE run_id = ?1",
                params![run, size as i64, crc32c],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The upload session, recorded before a byte goes to it (`None` forgets an expired one).
    pub fn set_vertex_upload_session(
        &self,
        run: RunId,
        session: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update_vertex(run, "upload_session", &session)
    }

    /// The input object is complete.
    pub fn set_vertex_uploaded(&self, run: RunId) -> Result<(), StoreError> {
        self.update_vertex(run, "uploaded", &true)
    }

    /// The create request is about to be sent.
    pub fn set_vertex_create_sent(&self, run: RunId) -> Result<(), StoreError> {
        self.update_vertex(run, "create_sent_at", &chrono::Utc::now().to_rfc3339())
    }

    /// The job that runs the batch.
    pub fn set_vertex_job(&self, run: RunId, name: &str) -> Result<(), StoreError> {
        self.update_vertex(run, "job_name", &name)
    }

    /// Where the service writes the results.
    pub fn set_vertex_output_dir(&self, run: RunId, dir: &str) -> Result<(), StoreError> {
        self.update_vertex(run, "output_dir", &dir)
    }

    /// A result object read to its end.
    pub fn add_vertex_fetched(&self, run: RunId, object: &str) -> Result<(), StoreError> {
        let Some(row) = self.vertex_batch(run)? else {
            return Ok(());
        };
        if row.fetched.iter().any(|o| o == object) {
            return Ok(());
        }
        let mut fetched = row.fetched;
        fetched.push(object.to_string());
        let text = serde_json::to_string(&fetched).unwrap_or_else(|_| "[]".into());
        self.update_vertex(run, "fetched_json", &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewRun;

    #[test]
    fn each_step_is_kept_in_order() {
        let store = Store::in_memory().unwrap();
        let run = store
            .create_batch_run(&NewRun {
                lane: "vertex-batch",
                state: "submitting",
                source: "b.toml",
                out_dir: "/tmp/x",
                budget_usd: None,
                items: vec![(1, "fox".into(), "{}".into())],
            })
            .unwrap();
        assert_eq!(store.vertex_batch(run).unwrap(), None);
        store
            .create_vertex_batch(run, "t0k", "gemini-3-pro-image", "bkt", "peel/1")
            .unwrap();
        store
            .set_vertex_upload_session(run, Some("http://s/1"))
            .unwrap();
        store.set_vertex_input(run, 120, "AAAAAA==").unwrap();
        let row = store.vertex_batch(run).unwrap().unwrap();
        assert_eq!(
            row.upload_session, None,
            "a new input forgets the old session"
        );
        assert_eq!(
            (row.input_size, row.input_crc32c.as_deref()),
            (Some(120), Some("AAAAAA=="))
        );
        store
            .set_vertex_upload_session(run, Some("http://s/2"))
            .unwrap();
        store.set_vertex_uploaded(run).unwrap();
        store.set_vertex_create_sent(run).unwrap();
        store
            .set_vertex_job(run, "projects/p/locations/global/batchPredictionJobs/9")
            .unwrap();
        store
            .add_vertex_fetched(run, "a/predictions.jsonl")
            .unwrap();
        store
            .add_vertex_fetched(run, "a/predictions.jsonl")
            .unwrap();
        let row = store.vertex_batch(run).unwrap().unwrap();
        assert!(row.uploaded && row.create_sent_at.is_some());
        assert_eq!(row.upload_session.as_deref(), Some("http://s/2"));
        assert_eq!(
            row.job_name.as_deref(),
            Some("projects/p/locations/global/batchPredictionJobs/9")
        );
        assert_eq!(row.fetched, vec!["a/predictions.jsonl".to_string()]);
    }
}
