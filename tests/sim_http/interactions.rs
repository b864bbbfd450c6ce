//! The Interactions API on the simulator: chaining, store:false, background, cancel,
//! streaming framing, strictness and the faults the client's fallbacks are tested with.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn create_url(sim: &peel::sim::SimHandle) -> String {
    format!("{}/v1beta/interactions", sim.base_url())
}

fn item_url(sim: &peel::sim::SimHandle, id: &str) -> String {
    format!("{}/v1beta/interactions/{id}", sim.base_url())
}

fn turn(input: &str) -> Value {
    json!({"model": FLASH, "input": input,
        "response_format": {"type": "image", "aspect_ratio": "1:1", "image_size": "512"}})
}

#[tokio::test]
async fn turns_chain_by_id_and_store_false_is_never_retrievable() {
    let sim = sim(config()).await;
    let (status, first) = call(Method::POST, create_url(&sim), Some(turn("a fox"))).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "completed");
    assert_eq!(first["steps"][1]["content"][0]["mime_type"], "image/jpeg");
    let mut next = turn("at night");
    next["previous_interaction_id"] = first["id"].clone();
    let (status, second) = call(Method::POST, create_url(&sim), Some(next)).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["previous_interaction_id"], first["id"]);

    let mut quiet = turn("a mug");
    quiet["store"] = json!(false);
    let (status, unstored) = call(Method::POST, create_url(&sim), Some(quiet)).await;
    assert_eq!(status, 200, "{unstored}");
    let id = unstored["id"].as_str().unwrap();
    let (status, err) = call(Method::GET, item_url(&sim, id), None).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let mut chained = turn("again");
    chained["previous_interaction_id"] = json!(id);
    let (status, _) = call(Method::POST, create_url(&sim), Some(chained)).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_stateless_history_needs_its_signatures_verbatim() {
    let sim = sim(config()).await;
    let (_, first) = call(Method::POST, create_url(&sim), Some(turn("a fox"))).await;
    let history = |signature: Value| {
        let mut steps =
            vec![json!({"type": "user_input", "content": [{"type": "text", "text": "a fox"}]})];
        let mut thought = first["steps"][0].clone();
        thought["signature"] = signature;
        steps.push(thought);
        steps.push(first["steps"][1].clone());
        steps
            .push(json!({"type": "user_input", "content": [{"type": "text", "text": "at night"}]}));
        let mut body = turn("");
        body["input"] = Value::Array(steps);
        body["store"] = json!(false);
        body
    };
    let (status, ok) = call(
        Method::POST,
        create_url(&sim),
        Some(history(first["steps"][0]["signature"].clone())),
    )
    .await;
    assert_eq!(status, 200, "{ok}");
    let (status, bad) = call(Method::POST, create_url(&sim), Some(history(json!("AAAA")))).await;
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signature")
    );
    sim.shutdown().await;
}

/// Polls an interaction until it is no longer in progress (30 s at most).
async fn until_ended(sim: &peel::sim::SimHandle, id: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let state = call(Method::GET, item_url(sim, id), None).await.1;
        if state["status"] != "in_progress" {
            return state;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn background_runs_go_in_progress_then_complete_and_cancel_stops_them() {
    let sim = sim(peel::sim::SimConfig {
        latency: peel::sim::Latency::Fixed(Duration::from_millis(600)),
        ..config()
    })
    .await;
    let mut body = turn("a fox");
    body["background"] = json!(true);
    let (status, started) = call(Method::POST, create_url(&sim), Some(body.clone())).await;
    assert_eq!(
        (status, started["status"].as_str()),
        (200, Some("in_progress"))
    );
    assert!(started.get("steps").is_none());
    let id = started["id"].as_str().unwrap().to_string();
    let done = until_ended(&sim, &id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["steps"][0]["type"], "user_input");

    // Two runs started together; one is cancelled. Once the other has completed, the
    // cancelled one would have too: it must still read cancelled.
    let (_, running) = call(Method::POST, create_url(&sim), Some(body.clone())).await;
    let (_, control) = call(Method::POST, create_url(&sim), Some(body)).await;
    let id = running["id"].as_str().unwrap();
    let (status, cancelled) =
        call(Method::POST, format!("{}/cancel", item_url(&sim, id)), None).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    let control = until_ended(&sim, control["id"].as_str().unwrap()).await;
    assert_eq!(control["status"], "completed");
    let (_, later) = call(Method::GET, item_url(&sim, id), None).await;
    assert_eq!(
        later["status"], "cancelled",
        "a cancelled run must not complete later"
    );
    let (status, _) = call(Method::DELETE, item_url(&sim, id), None).await;
    assert_eq!(status, 200);
    assert_eq!(call(Method::GET, item_url(&sim, id), None).await.0, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn streams_send_thoughts_then_the_image_and_end_with_done() {
    let sim = sim(config()).await;
    let mut body = turn("a boat");
    body["stream"] = json!(true);
    body["generation_config"] = json!({"thinking_summaries": "auto"});
    let answer = post(create_url(&sim), Some(KEY), &body.to_string()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "text/event-stream");
    let kinds: Vec<String> = answer
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .map(str::to_string)
        .collect();
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("interaction.created")
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("interaction.completed")
    );
    let summary = kinds.iter().position(|k| k == "step.delta").unwrap();
    assert!(answer.text.contains("\"thought_summary\""));
    assert!(summary < kinds.len() - 3);
    assert!(answer.text.trim_end().ends_with("data: [DONE]"));
    sim.shutdown().await;
}

#[tokio::test]
async fn strictness_revision_and_the_fallback_faults() {
    let sim = sim_with_faults("no-background").await;
    let mut unknown = turn("x");
    unknown["responseFormat"] = json!({});
    let (status, err) = call(Method::POST, create_url(&sim), Some(unknown)).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unknown name \"responseFormat\"")
    );

    let mut bg = turn("x");
    bg["background"] = json!(true);
    let (status, err) = call(Method::POST, create_url(&sim), Some(bg)).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("background")
    );
    assert_eq!(
        call(Method::POST, create_url(&sim), Some(turn("x")))
            .await
            .0,
        200
    );

    let client = reqwest::Client::new();
    let old = client
        .post(create_url(&sim))
        .header("x-goog-api-key", KEY)
        .header("api-revision", "2026-05-07")
        .json(&turn("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 400);
    assert_eq!(sim.stats().last_api_revision.as_deref(), Some("2026-05-07"));
    sim.shutdown().await;

    let sim = sim_with_faults("no-interactions").await;
    let (status, err) = call(Method::POST, create_url(&sim), Some(turn("x"))).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not supported by the Interactions API")
    );
    sim.shutdown().await;
}
