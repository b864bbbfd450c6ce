//! Job rows: one per request to the model.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::owner::{self, Lease, Owner};
use super::{Store, StoreError};

/// A new job to record.
#[derive(Debug, Clone, Default)]
pub struct JobRecord {
    /// The user's prompt.
    pub prompt: String,
    /// Canonical model id.
    pub model: String,
    /// Aspect ratio, if set.
    pub aspect: Option<String>,
    /// Image size, if set.
    pub size: Option<String>,
    /// Seed sent.
    pub seed: Option<i64>,
    /// The request as JSON, image bytes left out.
    pub request_json: String,
}

/// A change to a job's state.
#[derive(Debug, Clone)]
pub enum JobUpdate {
    /// The request is on its way (attempt number).
    Started { attempt: u32 },
    /// Saved; outputs as JSON paths.
    Done {
        outputs: Vec<String>,
        cost_usd: f64,
        response_id: Option<String>,
        elapsed_ms: u64,
    },
    /// Failed for good.
    Failed {
        kind: String,
        message: String,
        elapsed_ms: u64,
    },
    /// Cancelled by the user.
    Cancelled,
}

/// A job as stored.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct JobRow {
    /// Job id.
    pub id: i64,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 finish time.
    pub finished_at: Option<String>,
    /// queued, sending, done, failed, cancelled, interrupted (in flight, owner gone).
    pub state: String,
    /// The prompt.
    pub prompt: String,
    /// Model id.
    pub model: String,
    /// Aspect ratio.
    pub aspect: Option<String>,
    /// Image size.
    pub size: Option<String>,
    /// Seed.
    pub seed: Option<i64>,
    /// Saved image paths.
    pub outputs: Vec<String>,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Attempts made.
    pub attempts: u32,
    /// Error kind, when failed.
    pub error_kind: Option<String>,
    /// Error message, when failed.
    pub error_message: Option<String>,
    /// Server response id.
    pub response_id: Option<String>,
    /// Wall time in milliseconds.
    pub elapsed_ms: Option<u64>,
    /// The service tier that served the job (standard, flex, priority).
    pub tier: Option<String>,
    /// True when `cost_usd` is the simulator's notional price.
    pub cost_simulated: bool,
    /// The backend the job was sent to.
    pub backend: Option<String>,
    /// The process that last claimed the job (not in JSON output).
    #[serde(skip)]
    pub owner: Option<Owner>,
    /// The store's change counter when the row last changed (not in JSON output).
    #[serde(skip)]
    pub rev: i64,
}

impl JobRow {
    /// True when another process claimed this job (a job elsewhere).
    pub fn is_elsewhere(&self) -> bool {
        self.owner.is_some_and(|o| !o.is_me())
    }
}

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Case-insensitive text to find in the prompt or model.
    pub search: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Records a queued job and returns its id.
    pub fn insert_job(&self, job: &JobRecord) -> Result<i64, StoreError> {
        let conn = self.lock();
        let me = Owner::current();
        conn.execute(
            &format!(
                "INSERT INTO jobs (created_at, state, prompt, model, aspect, size, seed, request_json,
                 owner_pid, owner_start, rev)
                 VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, {NEXT_REV})"
            ),
            params![
                now(),
                job.prompt,
                job.model,
                job.aspect,
                job.size,
                job.seed,
                job.request_json,
                me.pid,
                me.started as i64
            ],
        )
        .map_err(|e| self.error(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Applies a state change to a job.
    pub fn update_job(&self, id: i64, update: &JobUpdate) -> Result<(), StoreError> {
        let conn = self.lock();
        let me = Owner::current();
        let result = match update {
            JobUpdate::Started { attempt } => conn.execute(
                &format!("UPDATE jobs SET state = 'sending', attempts = ?2, started_at = COALESCE(started_at, ?3),
                 owner_pid = ?4, owner_start = ?5, rev = {NEXT_REV} WHERE id = ?1"),
                params![id, attempt, now(), me.pid, me.started as i64],
            ),
            JobUpdate::Done { outputs, cost_usd, response_id, elapsed_ms } => conn.execute(
                &format!("UPDATE jobs SET state = 'done', outputs_json = ?2, cost_usd = ?3, response_id = ?4,
                 elapsed_ms = ?5, finished_at = ?6, error_kind = NULL, error_message = NULL,
                 rev = {NEXT_REV} WHERE id = ?1"),
                params![
                    id,
                    serde_json::to_string(outputs).unwrap_or_else(|_| "[]".into()),
                    cost_usd,
                    response_id,
                    *elapsed_ms as i64,
                    now()
                ],
            ),
            JobUpdate::Failed { kind, message, elapsed_ms } => conn.execute(
                &format!("UPDATE jobs SET state = 'failed', error_kind = ?2, error_message = ?3, elapsed_ms = ?4,
                 finished_at = ?5, rev = {NEXT_REV} WHERE id = ?1"),
                params![id, kind, message, *elapsed_ms as i64, now()],
            ),
            JobUpdate::Cancelled => conn.execute(
                &format!("UPDATE jobs SET state = 'cancelled', finished_at = ?2, rev = {NEXT_REV} WHERE id = ?1"),
                params![id, now()],
            ),
        };
        result.map(|_| ()).map_err(|e| self.error(e))
    }

    /// One job by id.
    pub fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(&format!("{SELECT} WHERE id = ?1"), params![id], read_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The stored request JSON of a job, for retries.
    pub fn job_request(&self, id: i64) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT request_json FROM jobs WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// Jobs queued or being sent by a live process, oldest first.
    pub fn unfinished_jobs(&self) -> Result<Vec<i64>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "{SELECT} WHERE state IN ('queued', 'sending') ORDER BY id"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt.query_map([], read_row).map_err(|e| self.error(e))?;
        let rows = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows
            .into_iter()
            .filter(|r| owner::is_in_flight(&r.state))
            .map(|r| r.id)
            .collect())
    }

    /// Jobs, newest first, optionally filtered by text.
    pub fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>, StoreError> {
        let conn = self.lock();
        let limit = if filter.limit == 0 {
            i64::MAX
        } else {
            filter.limit as i64
        };
        let pattern = filter
            .search
            .as_deref()
            .map(|s| format!("%{}%", escape_like(s)));
        let sql = format!(
            "{SELECT} WHERE (?1 IS NULL OR prompt LIKE ?1 ESCAPE '\\' OR model LIKE ?1 ESCAPE '\\')
             ORDER BY id DESC LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![pattern, limit], read_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }
}

/// The next value of the change counter, read inside the writing statement (writes are
/// serialized by SQLite, so every change gets a higher number than the last).
pub(super) const NEXT_REV: &str = "(SELECT COALESCE(MAX(rev), 0) + 1 FROM jobs)";

pub(super) const SELECT: &str =
    "SELECT id, created_at, finished_at, state, prompt, model, aspect, size, seed,
    outputs_json, cost_usd, attempts, error_kind, error_message, response_id, elapsed_ms,
    owner_pid, owner_start, rev, tier, cost_simulated, backend FROM jobs";

/// Reads a row selected with `SELECT`, its state settled by its owner's liveness.
pub(super) fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let outputs: String = row.get(9)?;
    let stored: String = row.get(3)?;
    let owner = Owner::from_columns(row.get(16)?, row.get(17)?);
    let state = owner::settle(
        Lease {
            state: &stored,
            owner,
        },
        Owner::is_alive,
    )
    .to_string();
    Ok(JobRow {
        id: row.get(0)?,
        created_at: row.get(1)?,
        finished_at: row.get(2)?,
        state,
        prompt: row.get(4)?,
        model: row.get(5)?,
        aspect: row.get(6)?,
        size: row.get(7)?,
        seed: row.get(8)?,
        outputs: serde_json::from_str(&outputs).unwrap_or_default(),
        cost_usd: row.get(10)?,
        attempts: row.get(11)?,
        error_kind: row.get(12)?,
        error_message: row.get(13)?,
        response_id: row.get(14)?,
        elapsed_ms: row.get::<_, Option<i64>>(15)?.map(|v| v.max(0) as u64),
        owner,
        rev: row.get(18)?,
        tier: row.get(19)?,
        cost_simulated: row.get::<_, Option<bool>>(20)?.unwrap_or(false),
        backend: row.get(21)?,
    })
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(prompt: &str) -> JobRecord {
        JobRecord {
            prompt: prompt.into(),
            model: "gemini-3.1-flash-image".into(),
            aspect: Some("1:1".into()),
            size: Some("1K".into()),
            seed: Some(7),
            request_json: "{}".into(),
        }
    }

    #[test]
    fn jobs_move_through_their_states() {
        let store = Store::in_memory().unwrap();
        let id = store.insert_job(&record("a red fox")).unwrap();
        assert_eq!(store.job(id).unwrap().unwrap().state, "queued");
        store
            .update_job(id, &JobUpdate::Started { attempt: 2 })
            .unwrap();
        let row = store.job(id).unwrap().unwrap();
        assert_eq!((row.state.as_str(), row.attempts), ("sending", 2));
        let done = JobUpdate::Done {
            outputs: vec!["/o/fox.png".into()],
            cost_usd: 0.067,
            response_id: Some("r1".into()),
            elapsed_ms: 1200,
        };
        store.update_job(id, &done).unwrap();
        let row = store.job(id).unwrap().unwrap();
        assert_eq!(row.outputs, vec!["/o/fox.png"]);
        assert_eq!(row.elapsed_ms, Some(1200));
        assert!(row.finished_at.is_some());
    }

    #[test]
    fn a_job_whose_owner_died_reads_interrupted_everywhere() {
        let store = Store::in_memory().unwrap();
        let mine = store.insert_job(&record("mine")).unwrap();
        let theirs = store.insert_job(&record("theirs")).unwrap();
        for id in [mine, theirs] {
            store
                .update_job(id, &JobUpdate::Started { attempt: 1 })
                .unwrap();
        }
        let mine_row = store.job(mine).unwrap().unwrap();
        assert_eq!(mine_row.state, "sending");
        assert!(!mine_row.is_elsewhere());
        // A pid no process has: the owner is gone.
        store
            .lock()
            .execute(
                "UPDATE jobs SET owner_pid = 2147483600, owner_start = 1 WHERE id = ?1",
                params![theirs],
            )
            .unwrap();
        let row = store.job(theirs).unwrap().unwrap();
        assert_eq!(row.state, "interrupted");
        assert!(row.is_elsewhere());
        let listed = store.jobs(&JobFilter::default()).unwrap();
        let states: Vec<_> = listed.iter().map(|j| (j.id, j.state.as_str())).collect();
        assert_eq!(states, vec![(theirs, "interrupted"), (mine, "sending")]);
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["state"], "interrupted");
        assert!(json.get("owner").is_none() && json.get("rev").is_none());
    }

    #[test]
    fn every_change_raises_the_change_counter() {
        let store = Store::in_memory().unwrap();
        let a = store.insert_job(&record("a")).unwrap();
        let b = store.insert_job(&record("b")).unwrap();
        let rev = |id| store.job(id).unwrap().unwrap().rev;
        let (ra, rb) = (rev(a), rev(b));
        assert!(rb > ra);
        store.update_job(a, &JobUpdate::Cancelled).unwrap();
        assert!(rev(a) > rb);
    }

    #[test]
    fn search_matches_prompt_text_literally() {
        let store = Store::in_memory().unwrap();
        store.insert_job(&record("a red fox")).unwrap();
        store.insert_job(&record("100% blue whale")).unwrap();
        store.insert_job(&record("a blue jay")).unwrap();
        let found = store
            .jobs(&JobFilter {
                search: Some("BLUE".into()),
                limit: 0,
            })
            .unwrap();
        assert_eq!(
            found.iter().map(|j| j.prompt.as_str()).collect::<Vec<_>>(),
            vec!["a blue jay", "100% blue whale"]
        );
        let pct = store
            .jobs(&JobFilter {
                search: Some("100%".into()),
                limit: 0,
            })
            .unwrap();
        assert_eq!(pct.len(), 1);
        let limited = store
            .jobs(&JobFilter {
                search: None,
                limit: 2,
            })
            .unwrap();
        assert_eq!(limited.len(), 2);
    }
}
