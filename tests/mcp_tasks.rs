//! `peel mcp` with a client that declares the Tasks extension (rmcp's client): long calls
//! answer at once with a task that `tasks/get` follows to the tool's usual result, from the
//! store, so a second server on the same data folder still answers; `tasks/cancel` cancels
//! the work on the service.

mod common;
mod mcp_clients;

use std::time::{Duration, Instant};

use common::{Sim, World};
use mcp_clients::{TaskClient, interaction_status, recorded_interaction};
use rmcp::RoleClient;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CancelTaskRequest, ClientRequest,
    GetTaskParams, GetTaskRequest, GetTaskResult, ServerResult, TaskPayload, TaskStatus,
};
use rmcp::service::RunningService;
use serde_json::{Value, json};

type Client = RunningService<RoleClient, TaskClient>;

async fn connect(world: &World) -> Client {
    mcp_clients::over_stdio(world, TaskClient).await
}

/// Calls `tool` and returns the id of the task it answered with.
async fn start(client: &Client, tool: &'static str, arguments: Value) -> String {
    let params =
        CallToolRequestParams::new(tool).with_arguments(arguments.as_object().unwrap().clone());
    match client.peer().call_tool_once(params).await.unwrap() {
        CallToolResponse::Task(created) => {
            assert_eq!(created.task.status, TaskStatus::Working);
            assert!(created.task.poll_interval_ms.is_some());
            created.task.task_id
        }
        other => panic!("{tool} answered without a task: {other:?}"),
    }
}

async fn get(client: &Client, id: &str) -> Result<GetTaskResult, rmcp::ServiceError> {
    let request = ClientRequest::GetTaskRequest(GetTaskRequest::new(GetTaskParams::new(id)));
    match client.send_request(request).await? {
        ServerResult::GetTaskResult(result) => Ok(result),
        other => panic!("tasks/get answered {other:?}"),
    }
}

/// Polls `tasks/get` until the task ends; returns it and every status message seen.
async fn poll(client: &Client, id: &str) -> (GetTaskResult, Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut messages = Vec::new();
    loop {
        let task = get(client, id).await.unwrap();
        if let Some(message) = &task.task.task.status_message
            && messages.last() != Some(message)
        {
            messages.push(message.clone());
        }
        if task.task.status().is_terminal() {
            return (task, messages);
        }
        assert!(
            Instant::now() < deadline,
            "task {id} still working: {task:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn result_of(task: &GetTaskResult) -> &serde_json::Map<String, Value> {
    match &task.task.payload {
        TaskPayload::Completed { result } => result,
        other => panic!("the task did not complete: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_frame_story_runs_as_a_task_and_a_second_server_still_has_its_result() {
    let world = World::new();
    world.add_config("[batch]\nrpm = 6000");
    let frames: String = (1..=5)
        .map(|n| format!("[[frame]]\nkey = \"f{n}\"\nprompt = \"a lantern, moment {n}\"\n"))
        .collect();
    std::fs::write(
        world.root.path().join("five.toml"),
        format!("[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n{frames}"),
    )
    .unwrap();

    let client = connect(&world).await;
    let info = client.peer_info().unwrap();
    assert!(
        info.capabilities.supports_tasks(),
        "the server declares tasks"
    );
    let story = start(&client, "story", json!({ "file": "five.toml" })).await;
    let generate = start(
        &client,
        "generate",
        json!({ "prompt": "a moth", "size": "1K" }),
    )
    .await;
    let (done, messages) = poll(&client, &story).await;
    let result = result_of(&done);
    assert_eq!(result["isError"], false, "{result:?}");
    let body = &result["structuredContent"];
    let frames = body["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 5, "{body}");
    assert!(frames.iter().all(|f| f["state"] == "done"), "{body}");
    assert!(
        messages.iter().any(|m| m.contains("of 5 done")),
        "tasks/get carries progress: {messages:?}"
    );
    let (made, _) = poll(&client, &generate).await;
    let made = result_of(&made).clone();
    let image = made["structuredContent"]["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(std::path::Path::new(&image).is_file());
    client.cancel().await.unwrap();

    // Another server on the same data folder (a restart, a reconnect over --http) answers.
    let again = connect(&world).await;
    let (same, _) = poll(&again, &generate).await;
    assert_eq!(result_of(&same), &made, "the same result after a restart");
    let unknown = get(&again, "no-such-task").await;
    assert!(unknown.is_err(), "an unknown task is an error");
    again.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_cancel_cancels_the_interaction_and_saves_nothing() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "slow"]);
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    let out = world.root.path().join("task-out");
    let client = connect(&world).await;
    let id = start(
        &client,
        "generate",
        json!({ "prompt": "a slow owl", "model": "nano-banana-2", "size": "512",
                "out": out.display().to_string() }),
    )
    .await;
    let interaction = recorded_interaction(&world).await;
    let cancel =
        ClientRequest::CancelTaskRequest(CancelTaskRequest::new(CancelTaskParams::new(id.clone())));
    client.send_request(cancel).await.unwrap();
    let (ended, _) = poll(&client, &id).await;
    assert_eq!(ended.task.status(), TaskStatus::Cancelled);
    let status = interaction_status(&sim.url, &interaction).await;
    assert_eq!(status, "cancelled", "{status}");
    assert_eq!(std::fs::read_dir(&out).map_or(0, |d| d.count()), 0);
    client.cancel().await.unwrap();
}
