//! Helpers shared by the simulator's HTTP tests: starting it, calling it, reading answers.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::api::error::ApiError;
use peel::api::http::classify_answer;
use peel::models::Registry;
use peel::sim::{FaultSpec, Latency, SimConfig, SimHandle, start};
use reqwest::Client;
use serde_json::{Value, json};

/// The default model.
pub const FLASH: &str = "gemini-3.1-flash-image";

/// A config with no latency, for tests.
pub fn config() -> SimConfig {
    SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        ..SimConfig::default()
    }
}

/// A config with no latency whose "today" (for models' shutdown dates) is `day`.
pub fn config_on(day: &str) -> SimConfig {
    SimConfig {
        today: Some(peel::models::parse_date(day).unwrap()),
        ..config()
    }
}

/// Starts a simulator on a free port.
pub async fn sim(config: SimConfig) -> SimHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    start(config, Registry::shipped().unwrap(), addr)
        .await
        .unwrap()
}

/// Starts a simulator with these faults.
pub async fn sim_with_faults(spec: &str) -> SimHandle {
    sim(SimConfig {
        faults: FaultSpec::parse(spec).unwrap(),
        ..config()
    })
    .await
}

/// One HTTP answer, read whole.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    pub fn error(&self) -> (u16, String, String) {
        let v = self.json();
        (
            v["error"]["code"].as_u64().unwrap() as u16,
            v["error"]["status"].as_str().unwrap().to_string(),
            v["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    /// An Interactions API error envelope: HTTP status, string code, message (and checks
    /// that nothing else is in it).
    pub fn ix_error(&self) -> (u16, String, String) {
        let v = self.json();
        let error = v["error"]
            .as_object()
            .unwrap_or_else(|| panic!("{}", self.text));
        let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["code", "message"], "{}", self.text);
        (
            self.status,
            v["error"]["code"].as_str().unwrap().to_string(),
            v["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    pub fn classify(&self) -> ApiError {
        let retry = self
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok());
        classify_answer(self.status, retry, self.text.as_bytes(), FLASH)
    }

    pub fn images(&self) -> Vec<(String, Vec<u8>)> {
        final_parts(&self.json())
            .iter()
            .filter_map(|p| p.get("inlineData"))
            .map(|b| {
                (
                    b["mimeType"].as_str().unwrap().to_string(),
                    STANDARD.decode(b["data"].as_str().unwrap()).unwrap(),
                )
            })
            .collect()
    }
}

/// The non-thought parts of the first candidate.
pub fn final_parts(v: &Value) -> Vec<Value> {
    v["candidates"][0]["content"]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.get("thought").is_none())
        .collect()
}

/// POSTs a JSON body.
pub async fn post(url: String, key: Option<&str>, body: &str) -> Answer {
    let client = reqwest::Client::new();
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        req = req.header("x-goog-api-key", key);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer {
        status,
        headers,
        text,
    }
}

/// GETs a URL.
pub async fn get(url: String, key: Option<&str>) -> Answer {
    let mut req = reqwest::Client::new().get(url);
    if let Some(key) = key {
        req = req.header("x-goog-api-key", key);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer {
        status,
        headers,
        text,
    }
}

/// Calls generateContent on v1beta with a test key.
pub async fn generate(sim: &SimHandle, model: &str, body: &Value) -> Answer {
    post(
        format!("{}/v1beta/models/{model}:generateContent", sim.base_url()),
        Some("test-key"),
        &body.to_string(),
    )
    .await
}

/// A one-turn request body with this generationConfig.
pub fn body(prompt: &str, config: Value) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": config,
    })
}

/// Decodes an image and returns its pixel size.
pub fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}

/// Asserts an error envelope: HTTP status, RPC status and the start of the message.
pub fn assert_error(answer: &Answer, status: u16, rpc: &str, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let (code, got_rpc, got_message) = answer.error();
    assert_eq!(code, status);
    assert_eq!(got_rpc, rpc);
    assert!(
        got_message.starts_with(message),
        "expected message starting {message:?}, got {got_message:?}"
    );
}

/// The key the files and batches tests use.
pub const KEY: &str = "k";

/// Starts a simulator whose batches spend `batch_step` in each state.
pub async fn sim_with_batch_step(batch_step: Duration) -> SimHandle {
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

/// Uploads bytes with the resumable protocol in two chunks; returns the File.
pub async fn upload(sim: &SimHandle, bytes: &[u8], mime: &str, name: &str) -> Value {
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

/// Sends a request with the test key; returns status and JSON (or the text as a string).
pub async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
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

/// `call` on `{base}/v1beta/{path}` of `sim`.
pub async fn v1beta(
    sim: &SimHandle,
    method: reqwest::Method,
    path: impl AsRef<str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}/v1beta/{}", sim.base_url(), path.as_ref());
    call(method, url, body).await
}

/// A small solid PNG.
pub fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 20, image::Rgb([seed, 100, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
