//! Batch runs and their items as stored: the rows and changes the crash-safe queue is made
//! of, and how they are read from SQL. An item is `done` only after its image and sidecar
//! are on disk; `resume` picks up everything else. `runs.rs` records and changes runs,
//! `items.rs` reads items and moves them through the queue.

mod items;
mod runs;

use serde::Serialize;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

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
