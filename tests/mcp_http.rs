//! `peel mcp --http` with rmcp's streamable-HTTP client: progress and the originals over
//! the wire (a remote client cannot read the server's disk), a task started in one session
//! and collected from another after a reconnect, and from a restarted server.

mod common;
mod mcp_clients;

use std::time::{Duration, Instant};

use base64::Engine;
use common::World;
use mcp_clients::{HttpServer, Recorder, TaskClient};
use rmcp::RoleClient;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientRequest, ContentBlock, GetTaskParams,
    GetTaskRequest, GetTaskResult, ReadResourceRequestParams, ResourceContents, ServerResult,
    TaskPayload,
};
use rmcp::service::RunningService;
use serde_json::{Value, json};

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

async fn get(client: &RunningService<RoleClient, TaskClient>, id: &str) -> GetTaskResult {
    let request = ClientRequest::GetTaskRequest(GetTaskRequest::new(GetTaskParams::new(id)));
    match client.send_request(request).await.unwrap() {
        ServerResult::GetTaskResult(result) => result,
        other => panic!("tasks/get answered {other:?}"),
    }
}

async fn finished(client: &RunningService<RoleClient, TaskClient>, id: &str) -> GetTaskResult {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let task = get(client, id).await;
        if task.task.status().is_terminal() {
            return task;
        }
        assert!(Instant::now() < deadline, "task {id} still working");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_progress_resources_and_a_task_that_outlives_its_session_and_server() {
    let world = World::new();
    let server = HttpServer::start(&world);

    // Progress arrives on the call's stream; the original comes back through resources/read.
    let recorder = Recorder::default();
    let plain = server.connect(recorder.clone()).await;
    let result = plain
        .call_tool(CallToolRequestParams::new("generate").with_arguments(args(
            json!({ "prompt": "a harbour at night", "model": "gemini-3-pro-image", "size": "2K" }),
        )))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(false));
    // The server sends them before the result; the client may hand them to us a moment later.
    let deadline = Instant::now() + Duration::from_secs(30);
    while recorder.seen().len() < 2 {
        assert!(Instant::now() < deadline, "progress: {:?}", recorder.seen());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let link = result
        .content
        .iter()
        .find_map(ContentBlock::as_resource_link)
        .expect("a resource link")
        .clone();
    let read = plain
        .read_resource(ReadResourceRequestParams::new(link.uri.clone()))
        .await
        .unwrap();
    let ResourceContents::BlobResourceContents { blob, .. } = &read.contents[0] else {
        panic!("{:?}", read.contents);
    };
    let path = result.structured_content.unwrap()["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(blob)
            .unwrap(),
        std::fs::read(&path).unwrap()
    );
    plain.cancel().await.unwrap();

    // A task started in one session is collected from the next.
    let first = server.connect(TaskClient).await;
    let params = CallToolRequestParams::new("generate")
        .with_arguments(args(json!({ "prompt": "a heron", "size": "1K" })));
    let CallToolResponse::Task(created) = first.peer().call_tool_once(params).await.unwrap() else {
        panic!("a task-declaring client gets a task");
    };
    let id = created.task.task_id;
    first.cancel().await.unwrap();
    let second = server.connect(TaskClient).await;
    let done = finished(&second, &id).await;
    let TaskPayload::Completed { result } = &done.task.payload else {
        panic!("{done:?}");
    };
    let image = result["structuredContent"]["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(std::path::Path::new(&image).is_file());
    second.cancel().await.unwrap();
    drop(server);

    // And from a restarted server on the same data folder.
    let restarted = HttpServer::start(&world);
    let third = restarted.connect(TaskClient).await;
    let again = get(&third, &id).await;
    assert_eq!(again.task.payload, done.task.payload);
    third.cancel().await.unwrap();
}
