//! Keys, unknown models, strict JSON and model capabilities: the service's own errors.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::api::error::ApiError;
use peel::sim::SimConfig;
use serde_json::json;

use crate::common::*;

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
    // A day when Nano Banana (2.5, the fixed-size model) was still served.
    let sim = sim(config_on("2026-09-01")).await;
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
