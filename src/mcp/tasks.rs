//! Long tool calls as tasks (the `io.modelcontextprotocol/tasks` extension): when the client
//! declares the extension, `generate`, `edit`, `story`, `batch_submit`, `batch_fetch` and
//! `check` answer at once with a task and run in the background. `tasks/get` reads the task
//! from the store (status, the latest progress as its message, the tool's usual result at
//! the end), so it answers after a reconnect and from a restarted server; `tasks/cancel`
//! cancels as `notifications/cancelled` does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CreateTaskResult, DetailedTask, GetTaskResult, Task,
    TaskPayload, TaskStatus,
};
use rmcp::service::RequestContext;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::PeelServer;
use super::call::TaskSink;
use crate::store::{Store, TaskEnd, TaskRow};

/// The tools a client may run as tasks.
pub const TASK_TOOLS: [&str; 6] = [
    "generate",
    "edit",
    "story",
    "batch_submit",
    "batch_fetch",
    "check",
];

/// How often a client should poll a task, in milliseconds.
const POLL_INTERVAL_MS: u64 = 1_000;

/// The tasks this process is running, by id, with the token `tasks/cancel` fires.
#[derive(Clone, Default)]
pub struct Running {
    tasks: Arc<Mutex<HashMap<String, CancellationToken>>>,
}

impl Running {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn internal(error: impl ToString) -> ErrorData {
    ErrorData::internal_error(error.to_string(), None)
}

fn object(value: Option<Value>) -> serde_json::Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map,
        Some(other) => json!({ "value": other })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        None => serde_json::Map::new(),
    }
}

/// The protocol's view of a stored task.
pub fn detailed(row: TaskRow) -> DetailedTask {
    let status = match row.status.as_str() {
        "completed" => TaskStatus::Completed,
        "failed" => TaskStatus::Failed,
        "cancelled" => TaskStatus::Cancelled,
        _ => TaskStatus::Working,
    };
    let mut task = Task::new(row.id, status, row.created_at, row.updated_at);
    task.status_message = row.status_message;
    task.ttl_ms = None;
    task.poll_interval_ms = Some(POLL_INTERVAL_MS);
    let payload = match status {
        TaskStatus::Completed => TaskPayload::Completed {
            result: object(row.payload),
        },
        TaskStatus::Failed => TaskPayload::Failed {
            error: object(row.payload),
        },
        TaskStatus::Cancelled => TaskPayload::Cancelled,
        _ => TaskPayload::Working,
    };
    DetailedTask::new(task, payload)
}

impl PeelServer {
    /// `tools/call`: a task when the client declared the extension and the tool is a long
    /// one, else the tool's answer.
    pub(super) async fn call_or_task(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let as_task = TASK_TOOLS.contains(&request.name.as_ref())
            && context
                .client_capabilities()
                .is_some_and(|c| c.supports_tasks());
        if !as_task {
            return self
                .tool_router
                .call(ToolCallContext::new(self, request, context))
                .await;
        }
        let store = self.ws().store().map_err(internal)?;
        let id = uuid::Uuid::now_v7().to_string();
        store.insert_task(&id, &request.name).map_err(internal)?;
        let cancel = CancellationToken::new();
        self.shared.tasks.lock().insert(id.clone(), cancel.clone());
        let mut context = context;
        context.extensions.insert(TaskSink {
            store: store.clone(),
            id: id.clone(),
            cancel: cancel.clone(),
        });
        let created = store
            .task(&id)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("task {id} left the store")))?;
        let server = self.clone();
        let guard = self.shared.in_flight.clone().read_owned().await;
        let task_id = id.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let answer = server
                .tool_router
                .call(ToolCallContext::new(&server, request, context))
                .await;
            let end = ending(answer, cancel.is_cancelled());
            if let Err(e) = store.end_task(&task_id, &end) {
                tracing::error!("task {task_id}: {e}");
            }
            server.shared.tasks.lock().remove(&task_id);
        });
        Ok(CallToolResponse::Task(CreateTaskResult::new(
            detailed(created).task,
        )))
    }

    /// `tasks/get`.
    pub(super) fn get_stored_task(&self, id: &str) -> Result<GetTaskResult, ErrorData> {
        let store = self.ws().store().map_err(internal)?;
        let row = find(&store, id)?;
        Ok(GetTaskResult::new(detailed(row)))
    }

    /// `tasks/cancel`: stops the task as a cancelled call stops (paid work on the wire is
    /// still saved); an ended task stays as it ended.
    pub(super) fn cancel_stored_task(&self, id: &str) -> Result<(), ErrorData> {
        let store = self.ws().store().map_err(internal)?;
        let row = find(&store, id)?;
        if row.status != "working" {
            return Ok(());
        }
        match self.shared.tasks.lock().get(id) {
            Some(token) => {
                token.cancel();
                Ok(())
            }
            None => Err(ErrorData::invalid_params(
                format!("task {id} is run by another peel mcp process; cancel it there"),
                None,
            )),
        }
    }
}

fn find(store: &Store, id: &str) -> Result<TaskRow, ErrorData> {
    store.task(id).map_err(internal)?.ok_or_else(|| {
        ErrorData::invalid_params(
            format!("no task {id}: task ids come from a tool call's task result"),
            None,
        )
    })
}

/// How a task ends, from the tool's answer and whether it was cancelled.
fn ending(answer: Result<CallToolResponse, ErrorData>, cancelled: bool) -> TaskEnd {
    if cancelled {
        return TaskEnd::Cancelled;
    }
    match answer {
        Ok(CallToolResponse::Complete(result)) => match serde_json::to_value(&result) {
            Ok(value) => TaskEnd::Completed(value),
            Err(e) => TaskEnd::Failed(json!({ "code": -32603, "message": e.to_string() })),
        },
        Ok(_) => TaskEnd::Failed(json!({
            "code": -32603,
            "message": "the tool asked for input, which a task of peel cannot give"
        })),
        Err(error) => TaskEnd::Failed(
            serde_json::to_value(&error)
                .unwrap_or_else(|e| json!({ "code": -32603, "message": e.to_string() })),
        ),
    }
}
