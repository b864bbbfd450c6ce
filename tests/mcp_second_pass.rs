//! `peel mcp` as an agent author meets it with rmcp's client: progress while an image is
//! made, the originals as resources, a cancel that stops the work on the service without
//! writing anything, and the parameters the CLI has (seed mode, safety, person generation,
//! editing an image file).

mod common;
mod mcp_clients;

use std::path::Path;

use base64::Engine;
use common::{Sim, World};
use mcp_clients::{Recorder, interaction_status, recorded_interaction, store_value, wait_for};
use rmcp::RoleClient;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientRequest, ContentBlock, ReadResourceRequestParams,
    ResourceContents, ServerResult,
};
use rmcp::service::{PeerRequestOptions, RunningService};
use serde_json::{Value, json};

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn texts(content: &[ContentBlock]) -> String {
    content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn connect(world: &World, recorder: Recorder) -> RunningService<RoleClient, Recorder> {
    mcp_clients::over_stdio(world, recorder).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pro_image_reports_progress_and_its_original_reads_back_as_a_resource() {
    let world = World::new();
    let recorder = Recorder::default();
    let client = connect(&world, recorder.clone()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("generate").with_arguments(args(
            json!({ "prompt": "a lighthouse in a storm", "model": "gemini-3-pro-image", "size": "2K" }),
        )))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(false), "{}", texts(&result.content));
    let progress = wait_for("two progress notifications", || {
        let seen = recorder.seen();
        (seen.len() >= 2).then_some(seen)
    })
    .await;
    let values: Vec<f64> = progress.iter().map(|p| p.progress).collect();
    assert!(
        values.windows(2).all(|w| w[1] > w[0]),
        "progress goes up: {values:?}"
    );
    let messages: Vec<String> = progress.iter().filter_map(|p| p.message.clone()).collect();
    assert!(messages.iter().any(|m| m.contains("sent")), "{messages:?}");
    assert!(
        messages
            .last()
            .is_some_and(|m| m.contains("1 image(s) saved")),
        "{messages:?}"
    );

    let links: Vec<_> = result
        .content
        .iter()
        .filter_map(ContentBlock::as_resource_link)
        .collect();
    assert_eq!(links.len(), 1, "one link per image");
    let link = links[0];
    assert!(link.uri.starts_with("peel://output/"), "{}", link.uri);
    assert!(link.uri.ends_with("/1"), "{}", link.uri);
    let body = result.structured_content.unwrap();
    let mime = body["outputs"][0]["mime"].as_str().unwrap().to_string();
    assert!(mime.starts_with("image/"), "{mime}");
    assert_eq!(link.mime_type.as_deref(), Some(mime.as_str()));
    let path = body["outputs"][0]["path"].as_str().unwrap().to_string();
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(link.size, Some(on_disk.len() as u64));

    let read = client
        .read_resource(ReadResourceRequestParams::new(link.uri.clone()))
        .await
        .unwrap();
    let ResourceContents::BlobResourceContents {
        blob, mime_type, ..
    } = &read.contents[0]
    else {
        panic!("an image reads back as a blob: {:?}", read.contents);
    };
    assert_eq!(mime_type.as_deref(), Some(mime.as_str()));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap();
    assert_eq!(bytes, on_disk, "the original, byte for byte");

    let listed = client.list_all_resources().await.unwrap();
    assert_eq!(listed[0].uri, link.uri, "newest first");
    let missing = client
        .read_resource(ReadResourceRequestParams::new("peel://output/999999/1"))
        .await;
    assert!(missing.is_err(), "an unknown output is an error");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_generate_cancels_its_interaction_and_writes_nothing() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "slow"]);
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    let out = world.root.path().join("cancelled-out");
    let client = connect(&world, Recorder::default()).await;
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("generate").with_arguments(args(json!({
            "prompt": "a slow fox", "model": "nano-banana-2", "size": "512",
            "out": out.display().to_string()
        }))),
    ));
    let handle = client
        .peer()
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    let interaction = recorded_interaction(&world).await;
    handle.cancel(Some("changed my mind".into())).await.unwrap();
    let state = wait_for("the job to end", || {
        store_value(&world, "SELECT state FROM jobs").filter(|s| s != "sending" && s != "queued")
    })
    .await;
    assert_eq!(state, "cancelled");
    let status = interaction_status(&sim.url, &interaction).await;
    assert_eq!(status, "cancelled", "{status}");
    let written = std::fs::read_dir(&out).map_or(0, |d| d.count());
    assert_eq!(written, 0, "nothing half-done is written");

    // The server goes on answering the same client after a cancel.
    let models = client
        .call_tool(CallToolRequestParams::new("models"))
        .await
        .unwrap();
    assert_eq!(models.is_error, Some(false));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_s_settings_are_parameters_and_edit_starts_from_an_image_file() {
    let world = World::new();
    let client = connect(&world, Recorder::default()).await;
    let call = |arguments: Value| {
        let params = CallToolRequestParams::new("generate").with_arguments(args(arguments));
        client.call_tool(params)
    };

    let fixed = call(json!({ "prompt": "a kite", "count": 2, "seed": 9, "seed_mode": "fixed" }))
        .await
        .unwrap();
    assert_eq!(fixed.is_error, Some(false), "{}", texts(&fixed.content));
    let body = fixed.structured_content.unwrap();
    let seeds: Vec<i64> = body["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["seed"].as_i64().unwrap())
        .collect();
    assert_eq!(seeds, [9, 9], "fixed: every request the same seed");

    let bad_safety = call(json!({ "prompt": "a kite", "safety": ["harassment=sometimes"] }))
        .await
        .unwrap();
    assert_eq!(bad_safety.is_error, Some(true));
    let message = texts(&bad_safety.content);
    assert!(message.contains("'sometimes'"), "{message}");

    let good_safety = call(json!({ "prompt": "a kite", "safety": ["harassment=block_only_high"] }))
        .await
        .unwrap();
    assert_eq!(
        good_safety.is_error,
        Some(false),
        "{}",
        texts(&good_safety.content)
    );

    let people = call(json!({ "prompt": "a crowd", "person_generation": "allow_adult" }))
        .await
        .unwrap();
    assert_eq!(
        people.is_error,
        Some(true),
        "person_generation is Vertex AI only"
    );
    let message = texts(&people.content);
    assert!(message.contains("Vertex"), "{message}");

    let image = body["outputs"][0]["path"].as_str().unwrap().to_string();
    assert!(Path::new(&image).is_file());
    let edit = |arguments: Value| {
        let params = CallToolRequestParams::new("edit").with_arguments(args(arguments));
        client.call_tool(params)
    };
    let rerooted = edit(json!({ "image_path": image, "instruction": "make the kite red" }))
        .await
        .unwrap();
    assert_eq!(
        rerooted.is_error,
        Some(false),
        "{}",
        texts(&rerooted.content)
    );
    let rerooted = rerooted.structured_content.unwrap();
    let session = rerooted["session"].as_str().unwrap().to_string();
    assert_ne!(
        Some(session.as_str()),
        body["session"].as_str(),
        "a new session"
    );
    let shown = client
        .call_tool(
            CallToolRequestParams::new("session_show")
                .with_arguments(args(json!({ "session": session }))),
        )
        .await
        .unwrap();
    let turns = &shown.structured_content.unwrap()["session"]["turns"];
    assert_eq!(turns.as_array().map(Vec::len), Some(1), "{turns}");

    let neither = edit(json!({ "instruction": "brighter" })).await.unwrap();
    assert_eq!(neither.is_error, Some(true));
    assert!(texts(&neither.content).contains("image_path"));
    let missing = edit(json!({ "image_path": "no-such.png", "instruction": "brighter" }))
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert!(
        texts(&missing.content).contains("no-such.png"),
        "{}",
        texts(&missing.content)
    );

    match client
        .peer()
        .send_request(ClientRequest::CallToolRequest(CallToolRequest::new(
            CallToolRequestParams::new("models"),
        )))
        .await
        .unwrap()
    {
        ServerResult::CallToolResult(models) => assert_eq!(models.is_error, Some(false)),
        other => panic!("{other:?}"),
    }
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_with_nothing_to_cancel_on_the_service_keeps_the_paid_image() {
    let sim_world = World::new();
    let sim = Sim::start_slow(&sim_world, 1500, &[]);
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    world.add_config("[api]\ntransport = \"generate-content\"\n");
    let out = world.root.path().join("kept-out");
    let client = connect(&world, Recorder::default()).await;
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("generate").with_arguments(args(json!({
            "prompt": "a paid fox", "model": "nano-banana-2", "size": "512",
            "out": out.display().to_string()
        }))),
    ));
    let handle = client
        .peer()
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    let state = || store_value(&world, "SELECT state FROM jobs");
    wait_for("the request on the wire", || {
        state().filter(|s| s == "sending")
    })
    .await;
    handle.cancel(Some("too slow".into())).await.unwrap();
    let ended = wait_for("the job to end", || {
        state().filter(|s| s != "sending" && s != "queued")
    })
    .await;
    assert_eq!(
        ended, "done",
        "a generateContent request on the wire is paid for: it is saved"
    );
    let images: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x != "json"))
        .collect();
    assert_eq!(images.len(), 1, "the image is on disk");
    client.cancel().await.unwrap();
}
