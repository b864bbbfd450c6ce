//! Today's service: Nano Banana 2.1 served strictly, a model past its shutdown date
//! answered as not found, a deprecated text model routed to its successor, and the
//! `x-peel-simulator` header on every answer.

use peel::sim::SimHandle;
use serde_json::{Value, json};

use crate::common::*;

const NB21: &str = "gemini-nano-banana-2.1";
const SHUT: &str = "gemini-2.5-flash-image";

fn create_url(sim: &SimHandle) -> String {
    format!("{}/v1beta/interactions", sim.base_url())
}

fn ix(model: &str, size: &str, thinking: Option<&str>) -> Value {
    let mut body = json!({"model": model, "input": "a fox",
        "response_format": {"type": "image", "aspect_ratio": "1:1", "image_size": size}});
    if let Some(level) = thinking {
        body["generation_config"] = json!({"thinking_level": level});
    }
    body
}

fn thinking(level: &str, size: &str) -> Value {
    body(
        "a fox",
        json!({"imageConfig": {"imageSize": size}, "thinkingConfig": {"thinkingLevel": level}}),
    )
}

#[tokio::test]
async fn nano_banana_2_1_refuses_512_on_both_transports() {
    let sim = sim(config()).await;
    let refused = generate(
        &sim,
        NB21,
        &body("x", json!({"imageConfig": {"imageSize": "512"}})),
    )
    .await;
    assert_error(
        &refused,
        400,
        "INVALID_ARGUMENT",
        "Unsupported image size \"512\" for models/gemini-nano-banana-2.1. Supported image sizes: 1K, 2K, 4K.",
    );
    assert_eq!(
        refused.json()["error"]["details"][0]["fieldViolations"][0]["field"],
        "generation_config.image_config.image_size"
    );
    let answer = post(
        create_url(&sim),
        Some(KEY),
        &ix(NB21, "512", None).to_string(),
    )
    .await;
    let (status, code, message) = answer.ix_error();
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert_eq!(
        message,
        "image_size \"512\" is not supported by model gemini-nano-banana-2.1; it renders: 1K, 2K, 4K."
    );
    assert_eq!(sim.stats().gemini_requests, 2, "each refusal was received");
    let ok = post(
        create_url(&sim),
        Some(KEY),
        &ix("nano-banana-2.1", "1K", None).to_string(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["model"], "nano-banana-2.1");
    sim.shutdown().await;
}

#[tokio::test]
async fn thinking_levels_are_the_registry_s_on_both_transports() {
    let sim = sim(config()).await;
    let medium = generate(&sim, NB21, &thinking("MEDIUM", "1K")).await;
    assert_eq!(
        medium.status, 200,
        "medium is 2.1's default: {}",
        medium.text
    );
    for level in ["MINIMAL", "HIGH"] {
        assert_eq!(
            generate(&sim, NB21, &thinking(level, "1K")).await.status,
            200
        );
    }
    let low = generate(&sim, NB21, &thinking("LOW", "1K")).await;
    assert_error(
        &low,
        400,
        "INVALID_ARGUMENT",
        "Thinking level LOW is not supported for models/gemini-nano-banana-2.1. Supported thinking levels: MINIMAL, MEDIUM, HIGH.",
    );
    let flash_medium = generate(&sim, FLASH, &thinking("MEDIUM", "512")).await;
    assert_error(
        &flash_medium,
        400,
        "INVALID_ARGUMENT",
        "Thinking level MEDIUM is not supported for models/gemini-3.1-flash-image",
    );

    let ok = post(
        create_url(&sim),
        Some(KEY),
        &ix(NB21, "1K", Some("medium")).to_string(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let answer = post(
        create_url(&sim),
        Some(KEY),
        &ix(FLASH, "512", Some("medium")).to_string(),
    )
    .await;
    let (status, code, message) = answer.ix_error();
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert_eq!(
        message,
        "thinking_level \"medium\" is not supported by model gemini-3.1-flash-image; it takes: minimal, high."
    );
    let pro = post(
        create_url(&sim),
        Some(KEY),
        &ix("gemini-3-pro-image", "1K", Some("high")).to_string(),
    )
    .await;
    assert!(
        pro.ix_error()
            .2
            .contains("thinking_level is not supported by model gemini-3-pro-image")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_model_past_its_shutdown_date_is_not_found_anywhere() {
    let sim = sim(config()).await;
    let b = body("x", json!({}));
    let gone = generate(&sim, SHUT, &b).await;
    assert_error(
        &gone,
        404,
        "NOT_FOUND",
        "models/gemini-2.5-flash-image is not found for API version v1beta",
    );
    assert!(matches!(
        gone.classify(),
        peel::api::error::ApiError::ModelNotFound { .. }
    ));
    let alias = generate(&sim, "nano-banana", &b).await;
    assert_eq!(alias.status, 404, "its alias too");
    let answer = post(
        create_url(&sim),
        Some(KEY),
        &json!({"model": SHUT, "input": "x"}).to_string(),
    )
    .await;
    let (status, code, message) = answer.ix_error();
    assert_eq!((status, code.as_str()), (404, "model_not_found"));
    assert!(message.contains(SHUT), "{message}");
    let info = get(
        format!("{}/v1beta/models/{SHUT}", sim.base_url()),
        Some(KEY),
    )
    .await;
    assert_eq!(info.status, 404);
    let vertex = post(
        format!(
            "{}/v1/publishers/google/models/{SHUT}:generateContent",
            sim.base_url()
        ),
        Some(KEY),
        &b.to_string(),
    )
    .await;
    assert_error(&vertex, 404, "NOT_FOUND", "Publisher Model");
    let batch = v1beta(
        &sim,
        reqwest::Method::POST,
        format!("models/{SHUT}:batchGenerateContent"),
        Some(json!({"batch": {"inputConfig": {"requests": {"requests": [{"request": b}]}}}})),
    )
    .await;
    assert_eq!(batch.0, 404);
    assert_eq!(
        sim.stats().gemini_requests,
        3,
        "refused requests are counted as received"
    );
    sim.shutdown().await;

    let before = sim_on_day("2026-10-01").await;
    assert_eq!(
        generate(&before, SHUT, &b).await.status,
        200,
        "served the day before"
    );
    before.shutdown().await;
}

async fn sim_on_day(day: &str) -> SimHandle {
    sim(config_on(day)).await
}

#[tokio::test]
async fn a_deprecated_text_model_is_served_as_its_successor() {
    let sim = sim(config()).await;
    let ask = json!({"contents": [{"role": "user", "parts": [{"text": "score it"}]}]});
    for (model, served) in [
        ("gemini-3.5-flash", "gemini-3.6-flash"),
        ("gemini-3.6-flash", "gemini-3.6-flash"),
        ("gemini-3.8-flash", "gemini-3.8-flash"),
    ] {
        let answer = generate(&sim, model, &ask).await;
        assert_eq!(answer.status, 200, "{model}: {}", answer.text);
        assert_eq!(answer.json()["modelVersion"], served, "{model}");
    }
    let info = get(
        format!("{}/v1beta/models/gemini-3.8-flash", sim.base_url()),
        Some(KEY),
    )
    .await;
    assert_eq!(info.json()["name"], "models/gemini-3.8-flash");
    sim.shutdown().await;
}

#[tokio::test]
async fn every_answer_says_it_comes_from_the_simulator() {
    let sim = sim(config()).await;
    let base = sim.base_url();
    let mut answers = vec![
        (
            "generateContent",
            generate(
                &sim,
                FLASH,
                &body("x", json!({"imageConfig": {"imageSize": "512"}})),
            )
            .await,
        ),
        (
            "a refusal",
            generate(&sim, FLASH, &json!({"nope": 1})).await,
        ),
        (
            "an unknown path",
            get(format!("{base}/v1beta/nothing/here"), Some(KEY)).await,
        ),
        (
            "models",
            get(format!("{base}/v1beta/models"), Some(KEY)).await,
        ),
        (
            "files",
            get(format!("{base}/v1beta/files"), Some(KEY)).await,
        ),
        (
            "interactions",
            post(
                create_url(&sim),
                Some(KEY),
                &ix(FLASH, "512", None).to_string(),
            )
            .await,
        ),
        (
            "an interactions error",
            post(create_url(&sim), None, "{}").await,
        ),
        ("stats", get(format!("{base}/_peel/stats"), None).await),
        (
            "vertex",
            post(
                format!("{base}/v1/publishers/google/models/{FLASH}:generateContent"),
                Some(KEY),
                &body("x", json!({"imageConfig": {"imageSize": "512"}})).to_string(),
            )
            .await,
        ),
    ];
    let mut stream = ix(FLASH, "512", None);
    stream["stream"] = json!(true);
    answers.push((
        "a stream",
        post(create_url(&sim), Some(KEY), &stream.to_string()).await,
    ));
    for (what, answer) in answers {
        assert_eq!(
            answer
                .headers
                .get("x-peel-simulator")
                .map(|v| v.to_str().unwrap()),
            Some("1"),
            "{what} ({})",
            answer.status
        );
    }
    sim.shutdown().await;
}
