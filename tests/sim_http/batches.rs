//! The Batch API: inline and file batches, states, results, cancel and delete.

use std::time::Duration;

use peel::sim::SimHandle;
use reqwest::Client;
use serde_json::{Value, json};

use reqwest::Method;

use crate::common::*;

async fn wait_done(sim: &SimHandle, name: &str) -> Vec<String> {
    let mut states = Vec::new();
    for _ in 0..200 {
        let (status, op) = v1beta(sim, Method::GET, &name, None).await;
        assert_eq!(status, 200, "{op}");
        let state = op["metadata"]["state"].as_str().unwrap().to_string();
        if states.last() != Some(&state) {
            states.push(state);
        }
        if op["done"] == true {
            return states;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("batch never finished: {states:?}");
}

#[tokio::test]
async fn inline_batches_progress_and_return_keyed_responses() {
    let sim = sim_with_batch_step(Duration::from_millis(300)).await;
    let body = json!({"batch": {"displayName": "thumbs", "inputConfig": {"requests": {"requests": [
        {"request": {"contents": [{"parts": [{"text": "a red fox"}]}], "generationConfig": {"imageConfig": {"aspectRatio": "1:1", "imageSize": "512"}}}, "metadata": {"key": "fox-1"}},
        {"request": {"contents": [{"parts": [{"text": "bad size"}]}], "generationConfig": {"imageConfig": {"imageSize": "1k"}}}, "metadata": {"key": "bad-2"}}
    ]}}}});
    let (status, op) = v1beta(
        &sim,
        Method::POST,
        "models/gemini-3.1-flash-image:batchGenerateContent",
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{op}");
    assert_eq!(op["metadata"]["state"], "BATCH_STATE_PENDING");
    assert_eq!(op["metadata"]["batchStats"]["requestCount"], "2");
    let name = op["name"].as_str().unwrap().to_string();
    let states = wait_done(&sim, &name).await;
    assert_eq!(
        states,
        vec![
            "BATCH_STATE_PENDING",
            "BATCH_STATE_RUNNING",
            "BATCH_STATE_SUCCEEDED"
        ]
    );
    let (_, done) = v1beta(&sim, Method::GET, &name, None).await;
    let stats = &done["metadata"]["batchStats"];
    assert_eq!(stats["successfulRequestCount"], "1");
    assert_eq!(stats["failedRequestCount"], "1");
    assert_eq!(stats["pendingRequestCount"], "0");
    let items = done["response"]["inlinedResponses"]["inlinedResponses"]
        .as_array()
        .unwrap();
    assert_eq!(items[0]["metadata"]["key"], "fox-1");
    assert!(items[0]["response"]["candidates"][0]["content"]["parts"].is_array());
    assert_eq!(items[1]["metadata"]["key"], "bad-2");
    assert_eq!(items[1]["error"]["code"], 3);

    let (_, listed) = v1beta(&sim, Method::GET, "batches", None).await;
    let ops = listed["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1);
    assert!(ops[0].get("response").is_none());
    let (status, _) = v1beta(&sim, Method::POST, format!("{name}:cancel"), None).await;
    assert_eq!(status, 400, "a finished batch cannot be cancelled");
    let (status, _) = v1beta(&sim, Method::DELETE, &name, None).await;
    assert_eq!(status, 200);
    let (status, _) = v1beta(&sim, Method::GET, &name, None).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn file_batches_write_a_downloadable_jsonl_and_cancel_works() {
    let sim = sim_with_batch_step(Duration::from_millis(100)).await;
    let jsonl = [
        json!({"key": "a", "request": {"contents": [{"parts": [{"text": "first"}]}], "generation_config": {"image_config": {"image_size": "512"}}}}),
        json!({"key": "b", "request": {"contents": [{"parts": [{"text": "second"}]}], "generationConfig": {"imageConfig": {"imageSize": "512"}}}}),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let file = upload(&sim, jsonl.as_bytes(), "application/jsonl", "input").await;
    let body =
        json!({"batch": {"displayName": "from file", "inputConfig": {"fileName": file["name"]}}});
    let (status, op) = v1beta(
        &sim,
        Method::POST,
        "models/gemini-3.1-flash-image:batchGenerateContent",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{op}");
    let name = op["name"].as_str().unwrap().to_string();
    wait_done(&sim, &name).await;
    let (_, done) = v1beta(&sim, Method::GET, &name, None).await;
    let results = done["response"]["responsesFile"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        done["metadata"]["output"]["responsesFile"],
        results.as_str()
    );
    let (status, meta) = v1beta(&sim, Method::GET, results.to_string(), None).await;
    assert_eq!(status, 200);
    assert_eq!(meta["source"], "GENERATED");
    for url in [
        format!(
            "{}/download/v1beta/{results}:download?alt=media",
            sim.base_url()
        ),
        format!("{}/v1beta/{results}:download?alt=media", sim.base_url()),
    ] {
        let text = Client::new()
            .get(url)
            .header("x-goog-api-key", KEY)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["key"], "a");
        assert_eq!(lines[1]["key"], "b");
        assert!(lines[1]["response"]["candidates"].is_array());
    }

    let slow = sim_with_batch_step(Duration::from_secs(30)).await;
    let file = upload(&slow, jsonl.as_bytes(), "application/jsonl", "input").await;
    let body = json!({"batch": {"inputConfig": {"fileName": file["name"]}}});
    let (_, op) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1/models/gemini-3.1-flash-image:batchGenerateContent",
            slow.base_url()
        ),
        Some(body),
    )
    .await;
    let name = op["name"].as_str().unwrap().to_string();
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{}/v1/{name}:cancel", slow.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, cancelled) = call(
        reqwest::Method::GET,
        format!("{}/v1/{name}", slow.base_url()),
        None,
    )
    .await;
    assert_eq!(cancelled["metadata"]["state"], "BATCH_STATE_CANCELLED");
    assert_eq!(cancelled["done"], true);
    let (status, err) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1beta/models/gemini-3.1-flash-image:batchGenerateContent",
            slow.base_url()
        ),
        Some(json!({"batch": {"inputConfig": {"requests": {"requests": []}}, "bogus": 1}})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unknown name \"bogus\" at 'batch'")
    );
    slow.shutdown().await;
    sim.shutdown().await;
}
