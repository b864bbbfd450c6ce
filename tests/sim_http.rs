//! Drives the running simulator over HTTP with plain reqwest, as any client would.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::api::error::ApiError;
use peel::models::Registry;
use peel::sim::{FaultSpec, Latency, SimConfig, SimHandle, start};
use serde_json::{Value, json};

const FLASH: &str = "gemini-3.1-flash-image";

fn config() -> SimConfig {
    SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        ..SimConfig::default()
    }
}

async fn sim(config: SimConfig) -> SimHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    start(config, Registry::shipped().unwrap(), addr)
        .await
        .unwrap()
}

async fn sim_with_faults(spec: &str) -> SimHandle {
    sim(SimConfig {
        faults: FaultSpec::parse(spec).unwrap(),
        ..config()
    })
    .await
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn error(&self) -> (u16, String, String) {
        let v = self.json();
        (
            v["error"]["code"].as_u64().unwrap() as u16,
            v["error"]["status"].as_str().unwrap().to_string(),
            v["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    fn classify(&self) -> ApiError {
        let retry = self
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok());
        ApiError::from_response(self.status, retry, self.text.as_bytes(), FLASH)
    }

    fn images(&self) -> Vec<(String, Vec<u8>)> {
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

fn final_parts(v: &Value) -> Vec<Value> {
    v["candidates"][0]["content"]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.get("thought").is_none())
        .collect()
}

async fn post(url: String, key: Option<&str>, body: &str) -> Answer {
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

async fn get(url: String, key: Option<&str>) -> Answer {
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

async fn generate(sim: &SimHandle, model: &str, body: &Value) -> Answer {
    post(
        format!("{}/v1beta/models/{model}:generateContent", sim.base_url()),
        Some("test-key"),
        &body.to_string(),
    )
    .await
}

fn body(prompt: &str, config: Value) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": config,
    })
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}

fn assert_error(answer: &Answer, status: u16, rpc: &str, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let (code, got_rpc, got_message) = answer.error();
    assert_eq!(code, status);
    assert_eq!(got_rpc, rpc);
    assert!(
        got_message.starts_with(message),
        "expected message starting {message:?}, got {got_message:?}"
    );
}

#[tokio::test]
async fn images_have_the_exact_pixel_size_and_format_of_model_ratio_and_size() {
    let sim = sim(config()).await;
    let cases = [
        (FLASH, "16:9", Some("512"), (688, 384), "image/png"),
        (FLASH, "1:1", Some("1K"), (1024, 1024), "image/png"),
        (FLASH, "8:1", Some("2K"), (6144, 768), "image/png"),
        (FLASH, "9:16", None, (768, 1376), "image/png"),
        (
            "gemini-3-pro-image",
            "4:3",
            Some("1K"),
            (1200, 896),
            "image/jpeg",
        ),
        (
            "gemini-3-pro-image",
            "21:9",
            Some("2K"),
            (3168, 1344),
            "image/jpeg",
        ),
        (
            "gemini-3.1-flash-lite-image",
            "4:5",
            Some("1K"),
            (928, 1152),
            "image/png",
        ),
        (
            "gemini-2.5-flash-image",
            "16:9",
            None,
            (1344, 768),
            "image/png",
        ),
    ];
    for (model, ratio, size, expected, mime) in cases {
        let mut image_config = json!({"aspectRatio": ratio});
        if let Some(size) = size {
            image_config["imageSize"] = json!(size);
        }
        let answer = generate(
            &sim,
            model,
            &body("a lighthouse", json!({"imageConfig": image_config})),
        )
        .await;
        assert_eq!(answer.status, 200, "{model} {ratio}: {}", answer.text);
        let images = answer.images();
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].0, mime, "{model}");
        assert_eq!(dims(&images[0].1), expected, "{model} {ratio} {size:?}");
        let format = image::guess_format(&images[0].1).unwrap();
        let want = if mime == "image/jpeg" {
            image::ImageFormat::Jpeg
        } else {
            image::ImageFormat::Png
        };
        assert_eq!(format, want);
        assert_eq!(answer.json()["modelVersion"], model);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_4k_image_renders_in_a_few_seconds() {
    let sim = sim(config()).await;
    let started = Instant::now();
    let answer = generate(
        &sim,
        FLASH,
        &body(
            "a city at dusk",
            json!({"imageConfig": {"aspectRatio": "16:9", "imageSize": "4K"}}),
        ),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(dims(&answer.images()[0].1), (5504, 3072));
    assert!(took < Duration::from_secs(8), "4K took {took:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn same_prompt_and_seed_repeat_and_different_prompts_differ() {
    let sim = sim(config()).await;
    let cfg = json!({"seed": 1234, "imageConfig": {"aspectRatio": "1:1", "imageSize": "512"}});
    let a = generate(&sim, FLASH, &body("a red fox in snow", cfg.clone()))
        .await
        .images();
    let b = generate(&sim, FLASH, &body("a red fox in snow", cfg.clone()))
        .await
        .images();
    let c = generate(&sim, FLASH, &body("a blue whale at sea", cfg.clone()))
        .await
        .images();
    assert_eq!(a[0].1, b[0].1);
    assert_ne!(a[0].1, c[0].1);
    let pa = image::load_from_memory(&a[0].1).unwrap().to_rgb8();
    let pc = image::load_from_memory(&c[0].1).unwrap().to_rgb8();
    let differing = pa.pixels().zip(pc.pixels()).filter(|(x, y)| x != y).count();
    assert!(
        differing > pa.pixels().len() / 4,
        "only {differing} pixels differ"
    );
    let mut other_seed = cfg;
    other_seed["seed"] = json!(99);
    let d = generate(&sim, FLASH, &body("a red fox in snow", other_seed))
        .await
        .images();
    assert_ne!(a[0].1, d[0].1);
    if let Ok(dir) = std::env::var("PEEL_SIM_DUMP") {
        std::fs::write(format!("{dir}/fox.png"), &a[0].1).unwrap();
        std::fs::write(format!("{dir}/whale.png"), &c[0].1).unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn both_api_versions_answer_and_others_do_not() {
    let sim = sim(config()).await;
    let b = body("versions", json!({"imageConfig": {"imageSize": "512"}})).to_string();
    for version in ["v1", "v1beta"] {
        let url = format!(
            "{}/{version}/models/{FLASH}:generateContent",
            sim.base_url()
        );
        let answer = post(url, Some("k"), &b).await;
        assert_eq!(answer.status, 200, "{version}: {}", answer.text);
        let list = get(format!("{}/{version}/models", sim.base_url()), Some("k")).await;
        assert_eq!(list.status, 200);
    }
    let v2 = post(
        format!("{}/v2/models/{FLASH}:generateContent", sim.base_url()),
        Some("k"),
        &b,
    )
    .await;
    assert_eq!(v2.status, 404);
    assert!(v2.text.contains("<html"), "{}", v2.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn models_are_listed_in_pages_and_fetched_one_by_one() {
    let sim = sim(config()).await;
    let all = get(format!("{}/v1beta/models", sim.base_url()), Some("k"))
        .await
        .json();
    let names: Vec<&str> = all["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let registry = Registry::shipped().unwrap();
    assert_eq!(names.len(), registry.models.len());
    for id in registry.models.keys() {
        assert!(
            names.contains(&format!("models/{id}").as_str()),
            "{id} missing"
        );
    }
    assert!(all.get("nextPageToken").is_none());

    let first = get(
        format!("{}/v1beta/models?pageSize=3", sim.base_url()),
        Some("k"),
    )
    .await
    .json();
    assert_eq!(first["models"].as_array().unwrap().len(), 3);
    let token = first["nextPageToken"].as_str().unwrap();
    let second = get(
        format!(
            "{}/v1beta/models?pageSize=3&pageToken={token}",
            sim.base_url()
        ),
        Some("k"),
    )
    .await
    .json();
    let rest = second["models"].as_array().unwrap();
    assert_eq!(rest.len(), registry.models.len() - 3);
    assert_ne!(rest[0]["name"], first["models"][0]["name"]);

    let one = get(
        format!("{}/v1/models/gemini-3-pro-image", sim.base_url()),
        Some("k"),
    )
    .await;
    assert_eq!(one.status, 200);
    let one = one.json();
    assert_eq!(one["name"], "models/gemini-3-pro-image");
    assert_eq!(one["displayName"], "Nano Banana Pro");
    assert!(
        one["supportedGenerationMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("generateContent"))
    );
    let missing = get(format!("{}/v1/models/gemini-9", sim.base_url()), Some("k")).await;
    assert_eq!(missing.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn keys_are_checked_like_the_service_checks_them() {
    let sim = sim(SimConfig {
        key: Some("right".into()),
        ..config()
    })
    .await;
    let b = body("keys", json!({"imageConfig": {"imageSize": "512"}})).to_string();
    let url = format!("{}/v1beta/models/{FLASH}:generateContent", sim.base_url());
    let missing = post(url.clone(), None, &b).await;
    assert_error(
        &missing,
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
    assert_eq!(missing.classify(), ApiError::MissingKey);

    let wrong = post(url.clone(), Some("wrong"), &b).await;
    assert_error(
        &wrong,
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
    );
    assert_eq!(
        wrong.json()["error"]["details"][0]["reason"],
        "API_KEY_INVALID"
    );
    assert!(matches!(wrong.classify(), ApiError::InvalidKey { .. }));

    assert_eq!(post(url.clone(), Some("right"), &b).await.status, 200);
    let by_query = post(format!("{url}?key=right"), None, &b).await;
    assert_eq!(by_query.status, 200, "{}", by_query.text);
    let list = get(format!("{}/v1beta/models", sim.base_url()), Some("wrong")).await;
    assert_eq!(list.status, 400);
    sim.shutdown().await;

    let open = self::sim(config()).await;
    let url = format!("{}/v1beta/models/{FLASH}:generateContent", open.base_url());
    assert_eq!(post(url.clone(), Some("anything"), &b).await.status, 200);
    assert_eq!(post(url, None, &b).await.status, 403);
    open.shutdown().await;
}

#[tokio::test]
async fn unknown_models_are_404_in_the_service_wording() {
    let sim = sim(config()).await;
    let answer = generate(&sim, "gemini-3-pro-image-preview", &body("x", json!({}))).await;
    assert_error(
        &answer,
        404,
        "NOT_FOUND",
        "models/gemini-3-pro-image-preview is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
    );
    assert!(matches!(answer.classify(), ApiError::ModelNotFound { .. }));
    let v1 = post(
        format!("{}/v1/models/nope:generateContent", sim.base_url()),
        Some("k"),
        "{}",
    )
    .await;
    assert!(v1.error().2.contains("for API version v1,"), "{}", v1.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_bad_enums_and_bad_json_are_refused() {
    let sim = sim(config()).await;
    let unknown = generate(&sim, FLASH, &body("x", json!({"foo": 1}))).await;
    assert_error(
        &unknown,
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': Cannot find field.",
    );
    let details = &unknown.json()["error"]["details"][0];
    assert_eq!(
        details["@type"],
        "type.googleapis.com/google.rpc.BadRequest"
    );
    assert_eq!(details["fieldViolations"][0]["field"], "generation_config");

    let top = generate(
        &sim,
        FLASH,
        &json!({"contents": [{"parts": [{"text": "x"}]}], "prompt": "x"}),
    )
    .await;
    assert_error(
        &top,
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"prompt\": Cannot find field.",
    );

    let modality = generate(
        &sim,
        FLASH,
        &body("x", json!({"responseModalities": ["PICTURE"]})),
    )
    .await;
    assert_error(
        &modality,
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'generation_config.response_modalities[0]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \"PICTURE\"",
    );

    let level = generate(
        &sim,
        FLASH,
        &body("x", json!({"thinkingConfig": {"thinkingLevel": "EXTREME"}})),
    )
    .await;
    assert_error(
        &level,
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'generation_config.thinking_config.thinking_level'",
    );

    let mut harm = body("x", json!({}));
    harm["safetySettings"] =
        json!([{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_SOME"}]);
    let harm = generate(&sim, FLASH, &harm).await;
    assert_error(
        &harm,
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'safety_settings[0].threshold'",
    );

    let url = format!("{}/v1beta/models/{FLASH}:generateContent", sim.base_url());
    let broken = post(url, Some("k"), "{\"contents\": [").await;
    assert_error(
        &broken,
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received.",
    );

    let vertex = generate(
        &sim,
        FLASH,
        &body(
            "x",
            json!({"imageConfig": {"personGeneration": "ALLOW_ALL"}}),
        ),
    )
    .await;
    assert_error(
        &vertex,
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"personGeneration\" at 'generation_config.image_config'",
    );
    assert!(vertex.error().2.contains("not supported in the Gemini API"));

    let snake = generate(&sim, FLASH, &json!({
        "contents": [{"role": "user", "parts": [{"text": "snake case"}]}],
        "generation_config": {"response_modalities": ["Image"], "image_config": {"aspect_ratio": "3:2", "image_size": "512"}}
    })).await;
    assert_eq!(snake.status, 200, "{}", snake.text);
    assert_eq!(dims(&snake.images()[0].1), (632, 424));
    sim.shutdown().await;
}

#[tokio::test]
async fn settings_the_model_does_not_take_are_refused() {
    let sim = sim(config()).await;
    let cases = [
        (
            FLASH,
            json!({"imageConfig": {"imageSize": "1k"}}),
            "Unsupported image size \"1k\"",
        ),
        (
            "gemini-3-pro-image",
            json!({"imageConfig": {"imageSize": "512"}}),
            "Unsupported image size \"512\"",
        ),
        (
            "gemini-2.5-flash-image",
            json!({"imageConfig": {"imageSize": "1K"}}),
            "Image size is not supported for models/gemini-2.5-flash-image",
        ),
        (
            "gemini-3-pro-image",
            json!({"imageConfig": {"aspectRatio": "8:1"}}),
            "Unsupported aspect ratio \"8:1\"",
        ),
        (
            "gemini-3-pro-image",
            json!({"thinkingConfig": {"thinkingLevel": "HIGH"}}),
            "Thinking level is not supported",
        ),
        (
            FLASH,
            json!({"thinkingConfig": {"thinkingLevel": "LOW"}}),
            "Thinking level LOW is not supported",
        ),
    ];
    for (model, cfg, message) in cases {
        let answer = generate(&sim, model, &body("x", cfg)).await;
        assert_error(&answer, 400, "INVALID_ARGUMENT", message);
        assert!(matches!(
            answer.classify(),
            ApiError::InvalidArgument { .. }
        ));
    }
    let mut search = body("x", json!({}));
    search["tools"] =
        json!([{"googleSearch": {"searchTypes": {"webSearch": {}, "imageSearch": {}}}}]);
    assert_eq!(generate(&sim, FLASH, &search).await.status, 200);
    let pro = generate(&sim, "gemini-3-pro-image", &search).await;
    assert_error(
        &pro,
        400,
        "INVALID_ARGUMENT",
        "Image Search grounding is not supported for models/gemini-3-pro-image",
    );
    search["tools"] = json!([{"googleSearch": {}}]);
    let lite = generate(&sim, "gemini-3.1-flash-lite-image", &search).await;
    assert_error(
        &lite,
        400,
        "INVALID_ARGUMENT",
        "Search Grounding is not supported",
    );

    let png = STANDARD.encode(b"\x89PNG fake");
    let mut parts = vec![json!({"text": "merge these"})];
    for _ in 0..4 {
        parts.push(json!({"inlineData": {"mimeType": "image/png", "data": png}}));
    }
    let refs = json!({"contents": [{"role": "user", "parts": parts}]});
    let old = generate(&sim, "gemini-2.5-flash-image", &refs).await;
    assert_error(
        &old,
        400,
        "INVALID_ARGUMENT",
        "Too many input images: 4 images were given",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn thoughts_text_and_images_come_in_order_with_usage() {
    let sim = sim(config()).await;
    let answer = generate(
        &sim,
        FLASH,
        &body(
            "a paper crane",
            json!({
                "responseModalities": ["TEXT", "IMAGE"],
                "thinkingConfig": {"includeThoughts": true, "thinkingLevel": "HIGH"},
                "imageConfig": {"aspectRatio": "1:1", "imageSize": "2K"}
            }),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let v = answer.json();
    let cand = &v["candidates"][0];
    assert_eq!(cand["finishReason"], "STOP");
    assert_eq!(cand["content"]["role"], "model");
    let parts = cand["content"]["parts"].as_array().unwrap();
    assert_eq!(parts[0]["thought"], true);
    assert!(parts[0]["text"].is_string());
    assert_eq!(parts[1]["thought"], true);
    let draft = STANDARD
        .decode(parts[1]["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    assert!(dims(&draft).0 < 2048);
    for thought in &parts[..2] {
        assert!(thought.get("thoughtSignature").is_none());
    }
    assert!(parts[2]["text"].is_string() && parts[2]["thoughtSignature"].is_string());
    assert!(parts[3]["inlineData"].is_object() && parts[3]["thoughtSignature"].is_string());
    assert_eq!(parts.len(), 4);
    assert_eq!(dims(&answer.images()[0].1), (2048, 2048));
    let usage = &v["usageMetadata"];
    let image_tokens = usage["candidatesTokensDetails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["modality"] == "IMAGE")
        .unwrap()["tokenCount"]
        .as_u64()
        .unwrap();
    assert_eq!(image_tokens, 1680);
    let sum = usage["promptTokenCount"].as_u64().unwrap()
        + usage["candidatesTokenCount"].as_u64().unwrap()
        + usage["thoughtsTokenCount"].as_u64().unwrap();
    assert_eq!(usage["totalTokenCount"].as_u64().unwrap(), sum);
    assert_eq!(usage["promptTokensDetails"][0]["modality"], "TEXT");
    assert!(v["responseId"].as_str().is_some_and(|s| !s.is_empty()));

    let image_only = generate(
        &sim,
        FLASH,
        &body(
            "only pixels",
            json!({
        "responseModalities": ["IMAGE"], "imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await
    .json();
    let parts = image_only["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap();
    assert_eq!(parts.len(), 1);
    assert!(parts[0]["inlineData"].is_object());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_prompt_asking_for_several_images_gets_that_many() {
    let sim = sim(config()).await;
    let answer = generate(
        &sim,
        FLASH,
        &body(
            "3 images of a teapot",
            json!({"imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await;
    let v = answer.json();
    let images: Vec<&Value> = final_parts(&v)
        .iter()
        .filter(|p| p.get("inlineData").is_some())
        .cloned()
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .collect();
    assert_eq!(images.len(), 3);
    assert!(images.iter().all(|p| p["thoughtSignature"].is_string()));
    let data: Vec<_> = answer.images().into_iter().map(|(_, d)| d).collect();
    assert_ne!(data[0], data[1]);
    assert_ne!(data[1], data[2]);
    let two = generate(
        &sim,
        FLASH,
        &body(
            "two variations of a logo",
            json!({"imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await;
    assert_eq!(two.images().len(), 2);
    sim.shutdown().await;
}

/// The first turn's answer and the contents to send for a follow-up.
async fn first_turn(sim: &SimHandle) -> (Value, Vec<u8>) {
    let answer = generate(
        sim,
        FLASH,
        &body(
            "a green meadow",
            json!({"seed": 5, "imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    let v = answer.json();
    let image = answer.images().remove(0).1;
    (v["candidates"][0]["content"].clone(), image)
}

fn follow_up(model_turn: Value) -> Value {
    json!({
        "contents": [
            {"role": "user", "parts": [{"text": "a green meadow"}]},
            model_turn,
            {"role": "user", "parts": [{"text": "make it night"}]}
        ],
        "generationConfig": {"seed": 5, "imageConfig": {"imageSize": "512"}}
    })
}

#[tokio::test]
async fn thought_signatures_round_trip_and_are_enforced() {
    let sim = sim(config()).await;
    let (model_turn, first_image) = first_turn(&sim).await;

    let ok = generate(&sim, FLASH, &follow_up(model_turn.clone())).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let edited = ok.images().remove(0).1;
    assert_ne!(edited, first_image);
    let fresh = generate(
        &sim,
        FLASH,
        &body(
            "make it night",
            json!({"seed": 5, "imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await
    .images()
    .remove(0)
    .1;
    assert_ne!(edited, fresh, "an edit should build on the earlier image");

    let mut missing = model_turn.clone();
    missing["parts"][1]
        .as_object_mut()
        .unwrap()
        .remove("thoughtSignature");
    let answer = generate(&sim, FLASH, &follow_up(missing)).await;
    assert_error(
        &answer,
        400,
        "INVALID_ARGUMENT",
        "Image part is missing a thought_signature in content position 2, part position 1.",
    );
    assert!(matches!(answer.classify(), ApiError::BadSignature { .. }));

    let mut altered = model_turn.clone();
    altered["parts"][1]["thoughtSignature"] = json!(STANDARD.encode(b"forged signature bytes"));
    let answer = generate(&sim, FLASH, &follow_up(altered)).await;
    assert_error(
        &answer,
        400,
        "INVALID_ARGUMENT",
        "Unable to submit request because it has an invalid thought signature for content at index 1.",
    );
    assert!(matches!(answer.classify(), ApiError::BadSignature { .. }));

    let mut swapped = model_turn.clone();
    swapped["parts"][1]["inlineData"]["data"] = json!(STANDARD.encode(&fresh));
    let answer = generate(&sim, FLASH, &follow_up(swapped)).await;
    assert_eq!(
        answer.status, 400,
        "a signature for other bytes must not pass"
    );

    let user_image = json!({"contents": [{"role": "user", "parts": [
        {"text": "edit this"}, {"inlineData": {"mimeType": "image/png", "data": STANDARD.encode(&first_image)}}]}],
        "generationConfig": {"imageConfig": {"imageSize": "512"}}});
    assert_eq!(generate(&sim, FLASH, &user_image).await.status, 200);
    sim.shutdown().await;

    let restarted = self::sim(config()).await;
    assert_eq!(
        generate(&restarted, FLASH, &follow_up(model_turn))
            .await
            .status,
        200
    );
    restarted.shutdown().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_the_real_wait() {
    let sim = sim(SimConfig {
        rpm: Some(2),
        ..config()
    })
    .await;
    let b = body("limits", json!({"imageConfig": {"imageSize": "512"}}));
    assert_eq!(generate(&sim, FLASH, &b).await.status, 200);
    assert_eq!(generate(&sim, FLASH, &b).await.status, 200);
    let limited = generate(&sim, FLASH, &b).await;
    assert_error(
        &limited,
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota",
    );
    let details = limited.json()["error"]["details"].clone();
    let retry = details
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.RetryInfo")
        .unwrap();
    let delay: u64 = retry["retryDelay"]
        .as_str()
        .unwrap()
        .trim_end_matches('s')
        .parse()
        .unwrap();
    assert!((55..=60).contains(&delay), "{delay}");
    let header: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(header, delay);
    match limited.classify() {
        ApiError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(delay)))
        }
        other => panic!("{other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn error_faults_answer_like_the_service() {
    let b = body("faults", json!({"imageConfig": {"imageSize": "512"}}));

    let sim = sim_with_faults("429:1").await;
    let answer = generate(&sim, FLASH, &b).await;
    assert_error(
        &answer,
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota",
    );
    assert_eq!(
        answer.classify().retry_after(),
        Some(Duration::from_secs(2))
    );
    assert_eq!(
        generate(&sim, FLASH, &b).await.status,
        200,
        "429:1 fires once"
    );
    sim.shutdown().await;

    let sim = sim_with_faults("429-free-tier").await;
    let answer = generate(&sim, FLASH, &b).await;
    assert_error(
        &answer,
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota",
    );
    assert!(answer.error().2.contains("limit: 0"));
    let quota = &answer.json()["error"]["details"][0]["violations"][0]["quotaId"];
    assert!(quota.as_str().unwrap().ends_with("-FreeTier"));
    assert!(matches!(
        answer.classify(),
        ApiError::BillingRequired { .. }
    ));
    sim.shutdown().await;

    let sim = sim_with_faults("503:2,500:1").await;
    let first = generate(&sim, FLASH, &b).await;
    assert_error(
        &first,
        503,
        "UNAVAILABLE",
        "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.",
    );
    assert_eq!(generate(&sim, FLASH, &b).await.status, 503);
    let third = generate(&sim, FLASH, &b).await;
    assert_error(&third, 500, "INTERNAL", "An internal error has occurred.");
    assert!(third.classify().is_retryable());
    assert_eq!(generate(&sim, FLASH, &b).await.status, 200);
    let models = get(format!("{}/v1beta/models", sim.base_url()), Some("k")).await;
    assert_eq!(models.status, 200, "faults apply to generateContent only");
    sim.shutdown().await;

    let sim = sim_with_faults("html").await;
    let answer = generate(&sim, FLASH, &b).await;
    assert_eq!(answer.status, 502);
    assert!(answer.text.contains("<html"));
    assert!(answer.classify().to_string().contains("HTML"));
    sim.shutdown().await;

    let sim = sim_with_faults("truncated").await;
    let answer = generate(&sim, FLASH, &b).await;
    assert_eq!(answer.status, 200);
    assert!(answer.text.starts_with('{'));
    assert!(serde_json::from_str::<Value>(&answer.text).is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_and_probability_faults() {
    let b = body("slow", json!({"imageConfig": {"imageSize": "512"}}));
    let sim = sim(SimConfig {
        faults: FaultSpec::parse("slow:1").unwrap(),
        slow_delay: Duration::from_millis(1500),
        ..config()
    })
    .await;
    let started = Instant::now();
    assert_eq!(generate(&sim, FLASH, &b).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    let started = Instant::now();
    assert_eq!(generate(&sim, FLASH, &b).await.status, 200);
    assert!(started.elapsed() < Duration::from_millis(1500));
    sim.shutdown().await;

    let sim = sim_with_faults("500@0.5").await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(generate(&sim, FLASH, &b).await.status);
    }
    assert!(
        statuses.contains(&500) && statuses.contains(&200),
        "{statuses:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn content_faults_shape_the_candidate() {
    let b = body("content", json!({"imageConfig": {"imageSize": "512"}}));

    let sim = sim_with_faults("image-safety").await;
    let v = generate(&sim, FLASH, &b).await.json();
    assert_eq!(v["candidates"][0]["finishReason"], "IMAGE_SAFETY");
    assert!(
        final_parts(&v)
            .iter()
            .all(|p| p.get("inlineData").is_none())
    );
    sim.shutdown().await;

    let sim = sim_with_faults("prompt-blocked").await;
    let v = generate(&sim, FLASH, &b).await.json();
    assert!(v.get("candidates").is_none());
    assert!(v["promptFeedback"]["blockReason"].is_string());
    sim.shutdown().await;

    let sim = sim_with_faults("no-image").await;
    let v = generate(&sim, FLASH, &b).await.json();
    assert_eq!(v["candidates"][0]["finishReason"], "NO_IMAGE");
    let parts = final_parts(&v);
    assert!(!parts.is_empty() && parts.iter().all(|p| p.get("text").is_some()));
    sim.shutdown().await;
}

#[tokio::test]
async fn streaming_and_count_tokens_answer() {
    let sim = sim(config()).await;
    let b = body(
        "stream me",
        json!({"thinkingConfig": {"includeThoughts": true}, "imageConfig": {"imageSize": "512"}}),
    )
    .to_string();
    let sse = post(
        format!(
            "{}/v1beta/models/{FLASH}:streamGenerateContent?alt=sse",
            sim.base_url()
        ),
        Some("k"),
        &b,
    )
    .await;
    assert_eq!(sse.status, 200);
    let events: Vec<Value> = sse
        .text
        .split("\r\n\r\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["candidates"][0]["finishReason"], "STOP");
    let count = post(
        format!("{}/v1beta/models/{FLASH}:countTokens", sim.base_url()),
        Some("k"),
        &json!({"contents": [{"parts": [{"text": "twelve chars"}]}]}).to_string(),
    )
    .await;
    assert_eq!(count.status, 200, "{}", count.text);
    assert_eq!(count.json()["totalTokens"], 3);
    sim.shutdown().await;
}
