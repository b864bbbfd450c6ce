//! Batch runs: recording a run with its items, finding runs, and changing a run's state,
//! budget, folder and Batch API job.

use rusqlite::{OptionalExtension, params};

use super::{NewRun, RUN_SELECT, RunId, RunRow, now, read_run};
use crate::store::{Store, StoreError};

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
