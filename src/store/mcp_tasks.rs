//! MCP tasks: a long tool call run in the background and polled by the client. The row is
//! written before the work starts and its end (the tool's result, or why it failed) is kept,
//! so a client that reconnects, or asks a restarted server, still gets the answer.

use rusqlite::{OptionalExtension, params};

use super::owner::Owner;
use super::{Store, StoreError};

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskEnd {
    /// The tool answered (a tool error is still an answer): its result as JSON.
    Completed(serde_json::Value),
    /// The call failed at the protocol level: the JSON-RPC error object.
    Failed(serde_json::Value),
    /// The client cancelled it.
    Cancelled,
}

/// A task as stored, its status settled by its owner's liveness.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// The task id.
    pub id: String,
    /// The tool it runs.
    pub tool: String,
    /// working, completed, failed or cancelled.
    pub status: String,
    /// What is happening now, or how it ended.
    pub status_message: Option<String>,
    /// The result (completed) or the error (failed).
    pub payload: Option<serde_json::Value>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// The message a task gets when the server running it stopped before it ended.
pub const SERVER_STOPPED: &str = "the peel mcp server running this task stopped before it ended; \
     images it saved are in `peel history`, and a job the service still has is collected there";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Records a new working task owned by this process.
    pub fn insert_task(&self, id: &str, tool: &str) -> Result<(), StoreError> {
        let owner = Owner::current();
        let at = now();
        self.lock()
            .execute(
                "INSERT INTO mcp_tasks (id, tool, status, created_at, updated_at, owner_pid, owner_start)
                 VALUES (?1, ?2, 'working', ?3, ?3, ?4, ?5)",
                params![id, tool, at, owner.pid, owner.started as i64],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Sets what a working task is doing now.
    pub fn set_task_message(&self, id: &str, message: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE mcp_tasks SET status_message = ?2, updated_at = ?3
                 WHERE id = ?1 AND status = 'working'",
                params![id, message, now()],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Records how a task ended (once: an ended task keeps its end).
    pub fn end_task(&self, id: &str, end: &TaskEnd) -> Result<(), StoreError> {
        let (status, payload) = match end {
            TaskEnd::Completed(result) => ("completed", Some(result.to_string())),
            TaskEnd::Failed(error) => ("failed", Some(error.to_string())),
            TaskEnd::Cancelled => ("cancelled", None),
        };
        self.lock()
            .execute(
                "UPDATE mcp_tasks SET status = ?2, payload_json = ?3, updated_at = ?4
                 WHERE id = ?1 AND status = 'working'",
                params![id, status, payload, now()],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The task `id`; a working one whose server is gone reads as failed.
    pub fn task(&self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT id, tool, status, status_message, payload_json, created_at, updated_at,
                        owner_pid, owner_start FROM mcp_tasks WHERE id = ?1",
                params![id],
                |row| {
                    let payload: Option<String> = row.get(4)?;
                    let owner = Owner::from_columns(row.get(7)?, row.get(8)?);
                    Ok((
                        TaskRow {
                            id: row.get(0)?,
                            tool: row.get(1)?,
                            status: row.get(2)?,
                            status_message: row.get(3)?,
                            payload: payload.and_then(|p| serde_json::from_str(&p).ok()),
                            created_at: row.get(5)?,
                            updated_at: row.get(6)?,
                        },
                        owner,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.error(e))?;
        Ok(row.map(|(mut task, owner)| {
            if task.status == "working" && !owner.is_some_and(|o| o.is_alive()) {
                task.status = "failed".into();
                task.status_message = Some(SERVER_STOPPED.into());
                task.payload =
                    Some(serde_json::json!({ "code": -32603, "message": SERVER_STOPPED }));
            }
            task
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_working_until_it_ends_and_keeps_its_first_end() {
        let store = Store::in_memory().unwrap();
        store.insert_task("t1", "generate").unwrap();
        store.set_task_message("t1", "job 1: sent").unwrap();
        let working = store.task("t1").unwrap().unwrap();
        assert_eq!(working.status, "working");
        assert_eq!(working.status_message.as_deref(), Some("job 1: sent"));
        let result = serde_json::json!({ "content": [], "isError": false });
        store
            .end_task("t1", &TaskEnd::Completed(result.clone()))
            .unwrap();
        store.end_task("t1", &TaskEnd::Cancelled).unwrap();
        store.set_task_message("t1", "late").unwrap();
        let ended = store.task("t1").unwrap().unwrap();
        assert_eq!(ended.status, "completed");
        assert_eq!(ended.payload, Some(result));
        assert_eq!(ended.status_message.as_deref(), Some("job 1: sent"));
        assert_eq!(store.task("nope").unwrap(), None);
    }

    #[test]
    fn a_working_task_whose_server_died_reads_as_failed() {
        let store = Store::in_memory().unwrap();
        store.insert_task("t2", "story").unwrap();
        store
            .lock()
            .execute(
                "UPDATE mcp_tasks SET owner_pid = 999999999, owner_start = 1 WHERE id = 't2'",
                [],
            )
            .unwrap();
        let task = store.task("t2").unwrap().unwrap();
        assert_eq!(task.status, "failed");
        assert!(task.status_message.unwrap().contains("stopped"));
    }
}
