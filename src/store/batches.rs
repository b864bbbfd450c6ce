//! Batch runs and their items: the queue that survives a crash. An item is `done` only
//! after its image and sidecar are on disk; `resume` picks up everything else.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// A batch run's id.
pub type RunId = i64;

/// A run to record, with its items.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    /// `interactive` or `batch-api`.
    pub lane: &'a str,
    /// First state (`running`, `submitting`).
    pub state: &'a str,
    /// The batch file.
    pub source: &'a str,
    /// The run's output folder.
    pub out_dir: &'a str,
    /// Spending cap in USD.
    pub budget_usd: Option<f64>,
    /// Items as (index, key, item JSON).
    pub items: Vec<(usize, String, String)>,
}

/// A run as stored, with item counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// Run id.
    pub id: RunId,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// `interactive` or `batch-api`.
    pub lane: String,
    /// running, done, failed, stopped, interrupted; submitted/pending/… for the Batch API.
    pub state: String,
    /// Why it stopped early (budget, interrupted, …).
    pub stop_reason: Option<String>,
    /// The batch file.
    pub source: String,
    /// The run's output folder.
    pub out_dir: String,
    /// Spending cap in USD.
    pub budget_usd: Option<f64>,
    /// `batches/…` on the Batch API lane.
    pub remote_name: Option<String>,
    /// The remote job's last known state.
    pub remote_state: Option<String>,
    /// `inline` or `file` on the Batch API lane.
    pub input_mode: Option<String>,
    /// Items in all.
    pub items: usize,
    /// Items saved.
    pub done: usize,
    /// Items that failed for good.
    pub failed: usize,
    /// Spent so far in USD.
    pub spent_usd: f64,
}

/// An item as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// 1-based index.
    pub index: usize,
    /// Item key.
    pub key: String,
    /// The resolved item as JSON.
    pub item_json: String,
    /// pending, running, done, failed.
    pub state: String,
    /// The job that ran it last.
    pub job_id: Option<i64>,
    /// Saved file names, relative to the run folder, primary first.
    pub files: Vec<String>,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Times it was started.
    pub attempts: u32,
    /// Error kind, when failed.
    pub error_kind: Option<String>,
    /// Error message, when failed.
    pub error_message: Option<String>,
}

impl RunRow {
    /// A storyboard: frames run one at a time, in order, each after the one before.
    pub fn is_story(&self) -> bool {
        self.lane == LANE_STORY
    }

    /// Runs through the engine here (the interactive lane or a story), not on the Batch API.
    pub fn runs_here(&self) -> bool {
        self.lane == "interactive" || self.is_story()
    }
}

/// The lane name of a storyboard run.
pub const LANE_STORY: &str = "story";

/// A change to an item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemUpdate {
    /// Back in the queue.
    Pending,
    /// Sent as `job_id`.
    Running { job_id: i64 },
    /// Saved.
    Done { files: Vec<String>, cost_usd: f64 },
    /// Failed for good.
    Failed { kind: String, message: String },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const RUN_SELECT: &str = "SELECT r.id, r.created_at, r.updated_at, r.lane, r.state, r.stop_reason,
    r.source, r.out_dir, r.budget_usd, r.remote_name, r.remote_state, r.input_mode,
    (SELECT COUNT(*) FROM batch_items i WHERE i.run_id = r.id),
    (SELECT COUNT(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'done'),
    (SELECT COUNT(*) FROM batch_items i WHERE i.run_id = r.id AND i.state = 'failed'),
    (SELECT COALESCE(SUM(cost_usd), 0) FROM batch_items i WHERE i.run_id = r.id)
    FROM batch_runs r";

fn read_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: row.get(0)?,
        created_at: row.get(1)?,
        updated_at: row.get(2)?,
        lane: row.get(3)?,
        state: row.get(4)?,
        stop_reason: row.get(5)?,
        source: row.get(6)?,
        out_dir: row.get(7)?,
        budget_usd: row.get(8)?,
        remote_name: row.get(9)?,
        remote_state: row.get(10)?,
        input_mode: row.get(11)?,
        items: row.get::<_, i64>(12)?.max(0) as usize,
        done: row.get::<_, i64>(13)?.max(0) as usize,
        failed: row.get::<_, i64>(14)?.max(0) as usize,
        spent_usd: row.get(15)?,
    })
}

/// The little a run's queue needs of an item: no stored item, files or errors, so a
/// 50,000-item run's states fit in a few MB.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    /// 1-based index.
    pub index: usize,
    /// Item key.
    pub key: String,
    /// pending, running, done, failed.
    pub state: String,
    /// The job that ran it last.
    pub job_id: Option<i64>,
    /// Cost in USD.
    pub cost_usd: f64,
}

impl From<&ItemRow> for ItemState {
    fn from(row: &ItemRow) -> Self {
        Self {
            index: row.index,
            key: row.key.clone(),
            state: row.state.clone(),
            job_id: row.job_id,
            cost_usd: row.cost_usd,
        }
    }
}

fn read_item(row: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    let files: String = row.get(5)?;
    Ok(ItemRow {
        index: row.get::<_, i64>(0)?.max(0) as usize,
        key: row.get(1)?,
        item_json: row.get(2)?,
        state: row.get(3)?,
        job_id: row.get(4)?,
        files: serde_json::from_str(&files).unwrap_or_default(),
        cost_usd: row.get(6)?,
        attempts: row.get::<_, i64>(7)?.max(0) as u32,
        error_kind: row.get(8)?,
        error_message: row.get(9)?,
    })
}

impl Store {
    /// Records a run and all its items in one transaction.
    pub fn create_batch_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        self.create_batch_run_from(run, std::iter::empty())
    }

    /// Records a run with its items and then `more` items, made one at a time as they are
    /// inserted (a 50,000-item run never holds every item's JSON at once).
    pub fn create_batch_run_from(
        &self,
        run: &NewRun,
        more: impl Iterator<Item = (usize, String, String)>,
    ) -> Result<RunId, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        let at = now();
        tx.execute(
            "INSERT INTO batch_runs (created_at, updated_at, lane, state, source, out_dir, budget_usd)
             VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![at, run.lane, run.state, run.source, run.out_dir, run.budget_usd],
        )
        .map_err(|e| self.error(e))?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO batch_items (run_id, idx, key, item_json) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| self.error(e))?;
            for (index, key, json) in &run.items {
                stmt.execute(params![id, *index as i64, key, json])
                    .map_err(|e| self.error(e))?;
            }
            for (index, key, json) in more {
                stmt.execute(params![id, index as i64, key, json])
                    .map_err(|e| self.error(e))?;
            }
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(id)
    }

    /// One run by id.
    pub fn batch_run(&self, id: RunId) -> Result<Option<RunRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            &format!("{RUN_SELECT} WHERE r.id = ?1"),
            params![id],
            read_run,
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// The run whose output folder is `dir`.
    pub fn batch_run_by_dir(&self, dir: &str) -> Result<Option<RunRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            &format!("{RUN_SELECT} WHERE r.out_dir = ?1"),
            params![dir],
            read_run,
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// The run tracking Batch API job `name` (`batches/…`).
    pub fn batch_run_by_remote(&self, name: &str) -> Result<Option<RunRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            &format!("{RUN_SELECT} WHERE r.remote_name = ?1"),
            params![name],
            read_run,
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// Runs, newest first (`limit` 0: all).
    pub fn batch_runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        let conn = self.lock();
        let limit = if limit == 0 { i64::MAX } else { limit as i64 };
        let mut stmt = conn
            .prepare(&format!("{RUN_SELECT} ORDER BY r.id DESC LIMIT ?1"))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![limit], read_run)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// A run's items in index order.
    pub fn batch_items(&self, run: RunId) -> Result<Vec<ItemRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT idx, key, item_json, state, job_id, files_json, cost_usd, attempts,
                 error_kind, error_message FROM batch_items WHERE run_id = ?1 ORDER BY idx",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], read_item)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// A run's items not done yet, in order, each with whether it is marked running.
    pub fn batch_unfinished(&self, run: RunId) -> Result<Vec<(usize, bool)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT idx, state = 'running' FROM batch_items
                 WHERE run_id = ?1 AND state != 'done' ORDER BY idx",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], |r| {
                Ok((r.get::<_, i64>(0)?.max(0) as usize, r.get::<_, bool>(1)?))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// The jobs of a run's items marked running.
    pub fn batch_running_jobs(&self, run: RunId) -> Result<Vec<i64>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT job_id FROM batch_items
                 WHERE run_id = ?1 AND state = 'running' AND job_id IS NOT NULL",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], |r| r.get::<_, i64>(0))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// A run's items marked running, with their jobs: `(index, job id)`.
    pub fn batch_running_items(&self, run: RunId) -> Result<Vec<(usize, i64)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT idx, job_id FROM batch_items
                 WHERE run_id = ?1 AND state = 'running' AND job_id IS NOT NULL",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], |r| {
                Ok((r.get::<_, i64>(0)?.max(0) as usize, r.get::<_, i64>(1)?))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// A run's highest item index (0 for none).
    pub fn batch_max_index(&self, run: RunId) -> Result<usize, StoreError> {
        self.lock()
            .query_row(
                "SELECT COALESCE(MAX(idx), 0) FROM batch_items WHERE run_id = ?1",
                params![run],
                |r| r.get::<_, i64>(0).map(|v| v.max(0) as usize),
            )
            .map_err(|e| self.error(e))
    }

    /// The indexes of a run's items not done yet, in order.
    pub fn batch_indexes_not_done(&self, run: RunId) -> Result<Vec<usize>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT idx FROM batch_items WHERE run_id = ?1 AND state != 'done' ORDER BY idx",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], |r| {
                r.get::<_, i64>(0).map(|i| i.max(0) as usize)
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// How many items of a run are done and failed, and what the run has cost.
    pub fn batch_item_counts(&self, run: RunId) -> Result<(usize, usize, usize, f64), StoreError> {
        self.lock()
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'failed'), 0),
                 COALESCE(SUM(cost_usd), 0) FROM batch_items WHERE run_id = ?1",
                params![run],
                |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as usize);
                    Ok((n(0)?, n(1)?, n(2)?, r.get(3)?))
                },
            )
            .map_err(|e| self.error(e))
    }

    /// The state of every item of a run, in index order.
    pub fn batch_item_states(&self, run: RunId) -> Result<Vec<ItemState>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT idx, key, state, job_id, cost_usd FROM batch_items
                 WHERE run_id = ?1 ORDER BY idx",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run], |r| {
                Ok(ItemState {
                    index: r.get::<_, i64>(0)?.max(0) as usize,
                    key: r.get(1)?,
                    state: r.get(2)?,
                    job_id: r.get(3)?,
                    cost_usd: r.get(4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// Up to `limit` items of a run with an index above `after`, in index order: a page of a
    /// run too big to hold at once.
    pub fn batch_items_after(
        &self,
        run: RunId,
        after: usize,
        limit: usize,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT idx, key, item_json, state, job_id, files_json, cost_usd, attempts,
                 error_kind, error_message FROM batch_items WHERE run_id = ?1 AND idx > ?2
                 ORDER BY idx LIMIT ?3",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![run, after as i64, limit as i64], read_item)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// One item of a run, by index.
    pub fn batch_item(&self, run: RunId, index: usize) -> Result<Option<ItemRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT idx, key, item_json, state, job_id, files_json, cost_usd, attempts,
             error_kind, error_message FROM batch_items WHERE run_id = ?1 AND idx = ?2",
            params![run, index as i64],
            read_item,
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// Applies a change to one item.
    pub fn update_batch_item(
        &self,
        run: RunId,
        index: usize,
        update: &ItemUpdate,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let idx = index as i64;
        let result = match update {
            ItemUpdate::Pending => conn.execute(
                "UPDATE batch_items SET state = 'pending', updated_at = ?3 WHERE run_id = ?1 AND idx = ?2",
                params![run, idx, now()],
            ),
            ItemUpdate::Running { job_id } => conn.execute(
                "UPDATE batch_items SET state = 'running', job_id = ?3, attempts = attempts + 1,
                 updated_at = ?4 WHERE run_id = ?1 AND idx = ?2",
                params![run, idx, job_id, now()],
            ),
            ItemUpdate::Done { files, cost_usd } => conn.execute(
                "UPDATE batch_items SET state = 'done', files_json = ?3, cost_usd = ?4,
                 error_kind = NULL, error_message = NULL, updated_at = ?5 WHERE run_id = ?1 AND idx = ?2",
                params![
                    run,
                    idx,
                    serde_json::to_string(files).unwrap_or_else(|_| "[]".into()),
                    cost_usd,
                    now()
                ],
            ),
            ItemUpdate::Failed { kind, message } => conn.execute(
                "UPDATE batch_items SET state = 'failed', error_kind = ?3, error_message = ?4,
                 updated_at = ?5 WHERE run_id = ?1 AND idx = ?2",
                params![run, idx, kind, message, now()],
            ),
        };
        result.map(|_| ()).map_err(|e| self.error(e))
    }

    /// Sets a run's state and why it stopped.
    pub fn set_batch_run_state(
        &self,
        run: RunId,
        state: &str,
        stop_reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_runs SET state = ?2, stop_reason = ?3, updated_at = ?4 WHERE id = ?1",
            params![run, state, stop_reason, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }

    /// Puts an item back in the queue as `item_json` (a story frame being re-rolled):
    /// pending, its files and cost forgotten (the files themselves are kept as versions).
    pub fn requeue_batch_item(
        &self,
        run: RunId,
        index: usize,
        item_json: &str,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_items SET state = 'pending', item_json = ?3, files_json = '[]',
             cost_usd = 0, error_kind = NULL, error_message = NULL, updated_at = ?4
             WHERE run_id = ?1 AND idx = ?2",
            params![run, index as i64, item_json, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }

    /// Sets a run's spending cap.
    pub fn set_batch_budget(&self, run: RunId, budget: Option<f64>) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_runs SET budget_usd = ?2, updated_at = ?3 WHERE id = ?1",
            params![run, budget, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }

    /// Records the Batch API job a run became, and how its input was sent.
    pub fn set_batch_remote(
        &self,
        run: RunId,
        name: &str,
        remote_state: &str,
        input_mode: &str,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_runs SET remote_name = ?2, remote_state = ?3, input_mode = ?4, updated_at = ?5
             WHERE id = ?1",
            params![run, name, remote_state, input_mode, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }

    /// Moves a run to another output folder (before anything was saved in it).
    pub fn set_batch_out_dir(&self, run: RunId, dir: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_runs SET out_dir = ?2, updated_at = ?3 WHERE id = ?1",
            params![run, dir, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }

    /// Records a Batch API job's latest state.
    pub fn set_batch_remote_state(&self, run: RunId, remote_state: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE batch_runs SET remote_state = ?2, updated_at = ?3 WHERE id = ?1",
            params![run, remote_state, now()],
        )
        .map(|_| ())
        .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_items_move_through_their_states() {
        let store = Store::in_memory().unwrap();
        let id = store
            .create_batch_run(&NewRun {
                lane: "interactive",
                state: "running",
                source: "/b.toml",
                out_dir: "/o/batch_1",
                budget_usd: Some(2.0),
                items: vec![(1, "a".into(), "{}".into()), (2, "b".into(), "{}".into())],
            })
            .unwrap();
        store
            .update_batch_item(id, 1, &ItemUpdate::Running { job_id: 7 })
            .unwrap();
        store
            .update_batch_item(
                id,
                1,
                &ItemUpdate::Done {
                    files: vec!["001_a.png".into()],
                    cost_usd: 0.5,
                },
            )
            .unwrap();
        store
            .update_batch_item(
                id,
                2,
                &ItemUpdate::Failed {
                    kind: "safety_blocked".into(),
                    message: "no".into(),
                },
            )
            .unwrap();
        let run = store.batch_run(id).unwrap().unwrap();
        assert_eq!((run.items, run.done, run.failed), (2, 1, 1));
        assert!((run.spent_usd - 0.5).abs() < 1e-9);
        let items = store.batch_items(id).unwrap();
        assert_eq!(items[0].files, vec!["001_a.png"]);
        assert_eq!((items[0].attempts, items[0].job_id), (1, Some(7)));
        assert_eq!(items[1].error_kind.as_deref(), Some("safety_blocked"));
        store
            .set_batch_remote(id, "batches/x", "BATCH_STATE_PENDING", "inline")
            .unwrap();
        let found = store.batch_run_by_remote("batches/x").unwrap().unwrap();
        assert_eq!(found.input_mode.as_deref(), Some("inline"));
        assert_eq!(
            store.batch_run_by_dir("/o/batch_1").unwrap().unwrap().id,
            id
        );
        store
            .set_batch_run_state(id, "stopped", Some("budget"))
            .unwrap();
        assert_eq!(
            store.batch_runs(0).unwrap()[0].stop_reason.as_deref(),
            Some("budget")
        );
    }
}
