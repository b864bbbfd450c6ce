//! Service tiers on both transports and Vertex AI: validated against the enum and the
//! model's registry tiers, echoed where the service echoes them, flex's extra latency,
//! the `shed` and `priority-downgrade` faults, and the Batch API's standard-only rule.

use std::time::{Duration, Instant};

use peel::sim::{FaultSpec, SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::common::*;

fn create_url(sim: &SimHandle) -> String {
    format!("{}/v1beta/interactions", sim.base_url())
}

fn turn(tier: Option<&str>) -> Value {
    let mut body = json!({"model": FLASH, "input": "a fox",
        "response_format": {"type": "image", "aspect_ratio": "1:1", "image_size": "512"}});
    if let Some(tier) = tier {
        body["service_tier"] = json!(tier);
    }
    body
}

fn tiered(tier: &str) -> Value {
    let mut b = body("a fox", json!({"imageConfig": {"imageSize": "512"}}));
    b["serviceTier"] = json!(tier);
    b
}

async fn express(sim: &SimHandle, model: &str, body: &Value) -> Answer {
    post(
        format!(
            "{}/v1/publishers/google/models/{model}:generateContent",
            sim.base_url()
        ),
        Some(KEY),
        &body.to_string(),
    )
    .await
}

/// Polls an interaction until it leaves `in_progress`.
async fn settled(sim: &SimHandle, id: &str) -> Value {
    let url = format!("{}/v1beta/interactions/{id}", sim.base_url());
    for _ in 0..600 {
        let now = get(url.clone(), Some(KEY)).await.json();
        if now["status"] != "in_progress" {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("interaction {id} never settled");
}

/// True when any key anywhere in `v` is `name`.
fn has_key(v: &Value, name: &str) -> bool {
    match v {
        Value::Object(map) => map.iter().any(|(k, v)| k == name || has_key(v, name)),
        Value::Array(items) => items.iter().any(|v| has_key(v, name)),
        _ => false,
    }
}

#[tokio::test]
async fn generate_content_takes_service_tier_on_both_versions_and_echoes_nothing() {
    let sim = sim(config()).await;
    for version in ["v1beta", "v1"] {
        for tier in ["standard", "flex", "priority"] {
            let answer = post(
                format!(
                    "{}/{version}/models/{FLASH}:generateContent",
                    sim.base_url()
                ),
                Some(KEY),
                &tiered(tier).to_string(),
            )
            .await;
            assert_eq!(answer.status, 200, "{version} {tier}: {}", answer.text);
            let v = answer.json();
            assert!(
                !has_key(&v, "serviceTier") && !has_key(&v, "trafficType"),
                "the Gemini API's generateContent answer carries no tier: {v}"
            );
        }
    }
    let snake = {
        let mut b = body("x", json!({"imageConfig": {"imageSize": "512"}}));
        b["service_tier"] = json!("flex");
        b
    };
    assert_eq!(generate(&sim, FLASH, &snake).await.status, 200);
    let turbo = generate(&sim, FLASH, &tiered("turbo")).await;
    assert_error(
        &turbo,
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'service_tier'",
    );
    assert!(turbo.error().2.contains("\"turbo\""));
    assert_eq!(
        turbo.json()["error"]["details"][0]["fieldViolations"][0]["field"],
        "service_tier"
    );
    let nested = generate(
        &sim,
        FLASH,
        &body("x", json!({"imageSize": "512", "serviceTier": "flex"})),
    )
    .await;
    assert_eq!(
        nested.status, 400,
        "serviceTier is top-level, not in generationConfig"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_model_without_the_tier_refuses_it_on_every_transport() {
    // Nano Banana (2.5) takes only standard; on a day it was still served.
    let sim = sim(config_on("2026-09-01")).await;
    let old = "gemini-2.5-flash-image";
    let plain = body("x", json!({}));
    let mut flex = plain.clone();
    flex["serviceTier"] = json!("flex");
    let refused = generate(&sim, old, &flex).await;
    assert_error(
        &refused,
        400,
        "INVALID_ARGUMENT",
        "Service tier flex is not supported for models/gemini-2.5-flash-image. Supported service tiers: standard.",
    );
    assert_eq!(express(&sim, old, &flex).await.status, 400);
    let mut standard = plain.clone();
    standard["serviceTier"] = json!("standard");
    assert_eq!(generate(&sim, old, &standard).await.status, 200);

    let ix = json!({"model": old, "input": "x", "service_tier": "priority"});
    let answer = post(create_url(&sim), Some(KEY), &ix.to_string()).await;
    let (status, code, message) = answer.ix_error();
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(
        message.contains("\"priority\"") && message.contains("takes: standard"),
        "{message}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn interactions_echo_the_tier_that_serves_them_and_refuse_deferred() {
    let sim = sim(config()).await;
    for (asked, echoed) in [
        (None, "standard"),
        (Some("standard"), "standard"),
        (Some("flex"), "flex"),
        (Some("priority"), "priority"),
    ] {
        let answer = post(create_url(&sim), Some(KEY), &turn(asked).to_string()).await;
        assert_eq!(answer.status, 200, "{asked:?}: {}", answer.text);
        let v = answer.json();
        assert_eq!(v["service_tier"], echoed, "{asked:?}");
        let got = get(
            format!(
                "{}/v1beta/interactions/{}",
                sim.base_url(),
                v["id"].as_str().unwrap()
            ),
            Some(KEY),
        )
        .await
        .json();
        assert_eq!(got["service_tier"], echoed, "GET echoes it too");
    }
    let deferred = post(
        create_url(&sim),
        Some(KEY),
        &turn(Some("deferred")).to_string(),
    )
    .await;
    let (status, code, message) = deferred.ix_error();
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(message.contains("deferred"), "{message}");
    let turbo = post(
        create_url(&sim),
        Some(KEY),
        &turn(Some("turbo")).to_string(),
    )
    .await;
    assert_eq!(turbo.ix_error().1, "invalid_request");
    sim.shutdown().await;
}

#[tokio::test]
async fn vertex_ai_takes_the_tier_and_reports_it_as_traffic_type() {
    let sim = sim(SimConfig {
        faults: FaultSpec::parse("priority-downgrade:1").unwrap(),
        ..config()
    })
    .await;
    let cases = [
        ("priority", "ON_DEMAND"),
        ("priority", "ON_DEMAND_PRIORITY"),
        ("flex", "ON_DEMAND_FLEX"),
        ("standard", "ON_DEMAND"),
    ];
    for (tier, traffic) in cases {
        let answer = express(&sim, FLASH, &tiered(tier)).await;
        assert_eq!(answer.status, 200, "{tier}: {}", answer.text);
        assert_eq!(
            answer.json()["usageMetadata"]["trafficType"],
            traffic,
            "{tier} (the first priority request is downgraded)"
        );
    }
    let judged = express(
        &sim,
        "gemini-3.6-flash",
        &json!({"contents": [{"role": "user", "parts": [{"text": "score"}]}], "serviceTier": "flex"}),
    )
    .await;
    assert_eq!(judged.status, 200, "{}", judged.text);
    assert_eq!(
        judged.json()["usageMetadata"]["trafficType"],
        "ON_DEMAND_FLEX"
    );
    let turbo = express(&sim, FLASH, &tiered("turbo")).await;
    assert_eq!(turbo.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn flex_takes_its_extra_latency() {
    let flex_latency = Duration::from_millis(400);
    let quick = sim(SimConfig {
        flex_latency,
        ..config()
    })
    .await;
    let started = Instant::now();
    assert_eq!(generate(&quick, FLASH, &tiered("flex")).await.status, 200);
    assert!(started.elapsed() >= flex_latency, "{:?}", started.elapsed());
    let started = Instant::now();
    let answer = post(
        create_url(&quick),
        Some(KEY),
        &turn(Some("flex")).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= flex_latency);
    quick.shutdown().await;

    // With a long flex latency, a background flex run is still running when a standard one
    // sent after it has finished.
    let sim = sim(SimConfig {
        flex_latency: Duration::from_secs(300),
        ..config()
    })
    .await;
    let mut flex = turn(Some("flex"));
    flex["background"] = json!(true);
    let flex_id = post(create_url(&sim), Some(KEY), &flex.to_string())
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut standard = turn(None);
    standard["background"] = json!(true);
    let standard_id = post(create_url(&sim), Some(KEY), &standard.to_string())
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(settled(&sim, &standard_id).await["status"], "completed");
    let (_, flex_now) = call(
        reqwest::Method::GET,
        format!("{}/v1beta/interactions/{flex_id}", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(flex_now["status"], "in_progress");
    assert_eq!(flex_now["service_tier"], "flex");
    let (status, cancelled) = call(
        reqwest::Method::POST,
        format!("{}/v1beta/interactions/{flex_id}/cancel", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shed_answers_only_flex_requests_with_503() {
    let sim = sim_with_faults("shed:2").await;
    assert_eq!(generate(&sim, FLASH, &tiered("standard")).await.status, 200);
    assert_eq!(generate(&sim, FLASH, &tiered("priority")).await.status, 200);
    let shed = generate(&sim, FLASH, &tiered("flex")).await;
    assert_error(&shed, 503, "UNAVAILABLE", "The flex request was shed");
    assert!(shed.classify().is_retryable());
    let answer = post(create_url(&sim), Some(KEY), &turn(Some("flex")).to_string()).await;
    let (status, code, message) = answer.ix_error();
    assert_eq!((status, code.as_str()), (503, "service_unavailable"));
    assert!(message.contains("shed"), "{message}");
    assert_eq!(
        generate(&sim, FLASH, &tiered("flex")).await.status,
        200,
        "shed:2 sheds the first two flex requests"
    );
    sim.shutdown().await;

    let sim = sim_with_faults("shed").await;
    let mut background = turn(Some("flex"));
    background["background"] = json!(true);
    let started = post(create_url(&sim), Some(KEY), &background.to_string()).await;
    assert_eq!(
        started.status, 200,
        "shedding happens while the run waits: {}",
        started.text
    );
    let id = started.json()["id"].as_str().unwrap().to_string();
    let failed = settled(&sim, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["errors"][0]["code"], "service_unavailable");
    assert_eq!(failed["service_tier"], "flex");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_priority_downgrade_is_served_and_echoed_at_standard() {
    let sim = sim_with_faults("priority-downgrade:1").await;
    let first = post(
        create_url(&sim),
        Some(KEY),
        &turn(Some("priority")).to_string(),
    )
    .await
    .json();
    assert_eq!(first["status"], "completed");
    assert_eq!(first["service_tier"], "standard");
    let second = post(
        create_url(&sim),
        Some(KEY),
        &turn(Some("priority")).to_string(),
    )
    .await
    .json();
    assert_eq!(second["service_tier"], "priority");
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_requests_take_only_the_standard_tier() {
    let sim = sim(config()).await;
    let request = |tier: &str| {
        json!({"request": {"contents": [{"parts": [{"text": "a fox"}]}], "serviceTier": tier,
            "generationConfig": {"imageConfig": {"imageSize": "512"}}}})
    };
    let body = |tier: &str| json!({"batch": {"inputConfig": {"requests": {"requests": [request("standard"), request(tier)]}}}});
    let path = format!("models/{FLASH}:batchGenerateContent");
    let (status, op) = v1beta(&sim, reqwest::Method::POST, &path, Some(body("standard"))).await;
    assert_eq!(status, 200, "{op}");
    let (status, err) = v1beta(&sim, reqwest::Method::POST, &path, Some(body("flex"))).await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("requests[1]")
            && message.contains("\"flex\"")
            && message.contains("Batch API"),
        "{message}"
    );

    let line = |tier: &str| {
        format!(
            "{{\"key\": \"k\", \"request\": {}}}\n",
            request(tier)["request"]
        )
    };
    let text = format!("{}{}", line("standard"), line("priority"));
    let file = upload(&sim, text.as_bytes(), "application/jsonl", "in.jsonl").await;
    let body = json!({"batch": {"inputConfig": {"fileName": file["name"]}}});
    let (status, err) = v1beta(&sim, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("line 2"),
        "{err}"
    );
    sim.shutdown().await;
}
