//! The Files API and Batch API of the simulator, driven with plain reqwest.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::models::Registry;
use peel::sim::{Latency, SimConfig, SimHandle, start};
use reqwest::Client;
use serde_json::{Value, json};

const KEY: &str = "k";

async fn sim(batch_step: Duration) -> SimHandle {
    let config = SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        batch_step,
        ..SimConfig::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    start(config, Registry::shipped().unwrap(), addr)
        .await
        .unwrap()
}

async fn upload(sim: &SimHandle, bytes: &[u8], mime: &str, name: &str) -> Value {
    let client = Client::new();
    let start = client
        .post(format!("{}/upload/v1beta/files", sim.base_url()))
        .header("x-goog-api-key", KEY)
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .header(
            "x-goog-upload-header-content-length",
            bytes.len().to_string(),
        )
        .header("x-goog-upload-header-content-type", mime)
        .json(&json!({"file": {"displayName": name}}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    assert_eq!(start.headers()["x-goog-upload-status"], "active");
    let url = start.headers()["x-goog-upload-url"]
        .to_str()
        .unwrap()
        .to_string();
    let half = bytes.len() / 2;
    let first = client
        .post(&url)
        .header("x-goog-upload-command", "upload")
        .header("x-goog-upload-offset", "0")
        .body(bytes[..half].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["x-goog-upload-status"], "active");
    let last = client
        .post(&url)
        .header("x-goog-upload-command", "upload, finalize")
        .header("x-goog-upload-offset", half.to_string())
        .body(bytes[half..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 200);
    assert_eq!(last.headers()["x-goog-upload-status"], "final");
    let body: Value = last.json().await.unwrap();
    body["file"].clone()
}

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = Client::new()
        .request(method, url)
        .header("x-goog-api-key", KEY);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 20, image::Rgb([seed, 100, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn files_upload_get_list_use_and_delete() {
    let sim = sim(Duration::from_millis(50)).await;
    let bytes = png(10);
    let file = upload(&sim, &bytes, "image/png", "ref-1").await;
    let name = file["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("files/"));
    assert_eq!(file["displayName"], "ref-1");
    assert_eq!(file["mimeType"], "image/png");
    assert_eq!(file["sizeBytes"], bytes.len().to_string());
    assert_eq!(file["state"], "ACTIVE");
    assert_eq!(file["source"], "UPLOADED");
    let created =
        chrono::DateTime::parse_from_rfc3339(file["createTime"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(file["expirationTime"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::hours(48));
    let uri = file["uri"].as_str().unwrap().to_string();

    let (status, got) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], name.as_str());
    let (_, listed) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/files", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(listed["files"].as_array().unwrap().len(), 1);

    let body = json!({"contents": [{"role": "user", "parts": [
        {"text": "use the reference"}, {"fileData": {"mimeType": "image/png", "fileUri": uri}}]}],
        "generationConfig": {"imageConfig": {"imageSize": "512"}}});
    let (status, answer) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1beta/models/gemini-3.1-flash-image:generateContent",
            sim.base_url()
        ),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let image = answer["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["inlineData"]["data"].as_str())
        .unwrap();
    let decoded = image::load_from_memory(&STANDARD.decode(image).unwrap()).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (1376 / 2, 768 / 2),
        "2:1 reference → closest ratio 16:9"
    );
    assert_eq!(
        answer["usageMetadata"]["promptTokensDetails"][1]["modality"],
        "IMAGE"
    );

    let (status, _) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}:download?alt=media", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 400, "uploaded files cannot be downloaded");

    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, gone) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 403, "{gone}");
    let (status, err) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1beta/models/gemini-3.1-flash-image:generateContent",
            sim.base_url()
        ),
        Some(body),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("may not exist")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn uploads_check_offsets_and_sizes() {
    let sim = sim(Duration::from_millis(50)).await;
    let client = Client::new();
    let start = client
        .post(format!("{}/upload/v1beta/files", sim.base_url()))
        .header("x-goog-api-key", KEY)
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .header("x-goog-upload-header-content-length", "10")
        .send()
        .await
        .unwrap();
    let url = start.headers()["x-goog-upload-url"]
        .to_str()
        .unwrap()
        .to_string();
    let wrong_offset = client
        .post(&url)
        .header("x-goog-upload-command", "upload")
        .header("x-goog-upload-offset", "5")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_offset.status(), 400);
    let short = client
        .post(&url)
        .header("x-goog-upload-command", "upload, finalize")
        .header("x-goog-upload-offset", "0")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400, "3 bytes where 10 were declared");
    let no_key = client
        .post(format!("{}/upload/v1beta/files", sim.base_url()))
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 403);
    sim.shutdown().await;
}

async fn wait_done(sim: &SimHandle, name: &str) -> Vec<String> {
    let mut states = Vec::new();
    for _ in 0..200 {
        let (status, op) = call(
            reqwest::Method::GET,
            format!("{}/v1beta/{name}", sim.base_url()),
            None,
        )
        .await;
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
    let sim = sim(Duration::from_millis(300)).await;
    let body = json!({"batch": {"displayName": "thumbs", "inputConfig": {"requests": {"requests": [
        {"request": {"contents": [{"parts": [{"text": "a red fox"}]}], "generationConfig": {"imageConfig": {"aspectRatio": "1:1", "imageSize": "512"}}}, "metadata": {"key": "fox-1"}},
        {"request": {"contents": [{"parts": [{"text": "bad size"}]}], "generationConfig": {"imageConfig": {"imageSize": "1k"}}}, "metadata": {"key": "bad-2"}}
    ]}}}});
    let (status, op) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1beta/models/gemini-3.1-flash-image:batchGenerateContent",
            sim.base_url()
        ),
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
    let (_, done) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
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

    let (_, listed) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/batches", sim.base_url()),
        None,
    )
    .await;
    let ops = listed["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1);
    assert!(ops[0].get("response").is_none());
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{}/v1beta/{name}:cancel", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 400, "a finished batch cannot be cancelled");
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn file_batches_write_a_downloadable_jsonl_and_cancel_works() {
    let sim = sim(Duration::from_millis(100)).await;
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
    let (status, op) = call(
        reqwest::Method::POST,
        format!(
            "{}/v1beta/models/gemini-3.1-flash-image:batchGenerateContent",
            sim.base_url()
        ),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{op}");
    let name = op["name"].as_str().unwrap().to_string();
    wait_done(&sim, &name).await;
    let (_, done) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{name}", sim.base_url()),
        None,
    )
    .await;
    let results = done["response"]["responsesFile"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        done["metadata"]["output"]["responsesFile"],
        results.as_str()
    );
    let (status, meta) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/{results}", sim.base_url()),
        None,
    )
    .await;
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

    let slow = self::sim(Duration::from_secs(30)).await;
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
