//! Images, responses and models: sizes, formats, determinism, shape, versions, streaming.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::models::Registry;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn images_have_the_exact_pixel_size_and_format_of_model_ratio_and_size() {
    // A day when Nano Banana (2.5) was still served, so its one-megapixel table is checked.
    let sim = sim(config_on("2026-09-01")).await;
    let cases = [
        (
            "gemini-nano-banana-2.1",
            "8:1",
            Some("1K"),
            (3072, 384),
            "image/png",
        ),
        (
            "nano-banana-2.1",
            "21:9",
            Some("2K"),
            (3168, 1344),
            "image/png",
        ),
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
        let canonical = Registry::shipped()
            .unwrap()
            .resolve(model)
            .unwrap()
            .id
            .clone();
        assert_eq!(answer.json()["modelVersion"], canonical.as_str());
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
    let today = peel::models::today();
    let served: Vec<&String> = registry
        .models
        .iter()
        .filter(|(_, m)| m.lifecycle().status_on(today) != peel::models::Status::ShutDown)
        .map(|(id, _)| id)
        .chain(registry.text_models.keys())
        .collect();
    assert_eq!(names.len(), served.len(), "{names:?}");
    for id in &served {
        assert!(
            names.contains(&format!("models/{id}").as_str()),
            "{id} missing"
        );
    }
    assert!(
        !names.contains(&"models/gemini-2.5-flash-image"),
        "a model shut down on 2026-10-02 is not listed: {names:?}"
    );
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
    assert_eq!(rest.len(), (served.len() - 3).min(3));
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
    let parts = final_parts(&v);
    let images: Vec<&Value> = parts
        .iter()
        .filter(|p| p.get("inlineData").is_some())
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
