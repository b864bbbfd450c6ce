//! The rate limit, injected faults and server-side deadlines.

use std::time::{Duration, Instant};

use peel::api::error::ApiError;
use peel::sim::{FaultSpec, SimConfig};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn the_rate_limit_answers_429_with_the_real_wait() {
    let sim = sim(SimConfig {
        rpm: Some(2),
        ..config()
    })
    .await;
    let b = body("limits", json!({"imageConfig": {"imageSize": "512"}}));
    let first = Instant::now();
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
    // The wait is what is left of the minute since the first request, however long the
    // requests took on a busy machine.
    let lower = 60u64.saturating_sub(first.elapsed().as_secs() + 1);
    assert!((lower..=60).contains(&delay), "{delay} (at least {lower})");
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
async fn a_server_timeout_shorter_than_the_work_answers_504() {
    let sim = sim(SimConfig {
        faults: FaultSpec::parse("slow").unwrap(),
        slow_delay: Duration::from_secs(30),
        ..config()
    })
    .await;
    let started = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/v1beta/models/{FLASH}:generateContent",
            sim.base_url()
        ))
        .header("x-goog-api-key", "k")
        .header("x-server-timeout", "1")
        .body(body("late", json!({"imageConfig": {"imageSize": "512"}})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 504);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["status"], "DEADLINE_EXCEEDED");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "{took:?}"
    );
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
