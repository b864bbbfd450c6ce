//! Batch items: reading a run's items (whole, paged, or just their states) and moving one
//! item through the queue.

use rusqlite::{OptionalExtension, params};

use super::{ItemRow, ItemState, ItemUpdate, RunId, now, read_item};
use crate::store::{Store, StoreError};

impl Store {
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
}
