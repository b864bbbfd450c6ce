//! The Interactions API's own errors: `{"error":{"code","message"}}` with each code's
//! documented HTTP status on its endpoints, the stream's `error` event and `errors[]` of a
//! failed background run, a fault for every code, and generateContent keeping Google's
//! RPC envelope for the same faults.

use std::time::Duration;

use peel::api::error::ApiError;
use peel::sim::{ALL_CODES, ApiCode, FaultSpec, Latency, SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::common::*;

fn create_url(sim: &SimHandle) -> String {
    format!("{}/v1beta/interactions", sim.base_url())
}

fn turn(input: &str) -> Value {
    json!({"model": FLASH, "input": input,
        "response_format": {"type": "image", "aspect_ratio": "1:1", "image_size": "512"}})
}

async fn create(sim: &SimHandle, body: &Value) -> Answer {
    post(create_url(sim), Some(KEY), &body.to_string()).await
}

/// Polls an interaction until its status leaves `in_progress` (generous deadline).
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

#[tokio::test]
async fn every_code_s_fault_answers_its_envelope_and_status_and_is_counted_once() {
    for code in ALL_CODES {
        let sim = sim_with_faults(&format!("{}:1", code.as_str())).await;
        let answer = create(&sim, &turn("a fox")).await;
        let (status, got, message) = answer.ix_error();
        assert_eq!(status, code.http(), "{code:?}: {}", answer.text);
        assert_eq!(got, code.as_str());
        assert!(!message.is_empty());
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{code:?}"
        );
        let stats = sim.stats();
        assert_eq!(
            stats.gemini_requests, 1,
            "{code:?}: sent once, counted once"
        );
        let again = create(&sim, &turn("a fox")).await;
        assert_eq!(again.status, 200, "{code:?}:1 fires once: {}", again.text);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn the_client_reads_the_stopping_codes_as_the_service_means_them() {
    let sim = sim_with_faults("payment_required:1,quota_exceeded:1,model_not_found:1").await;
    let paid = create(&sim, &turn("x")).await;
    assert_eq!(paid.status, 402);
    let err = paid.classify();
    assert!(matches!(err, ApiError::PaymentRequired { .. }), "{err:?}");
    assert!(!err.is_retryable());
    let daily = create(&sim, &turn("x")).await;
    assert!(matches!(daily.classify(), ApiError::QuotaExceeded { .. }));
    let gone = create(&sim, &turn("x")).await;
    assert!(matches!(gone.classify(), ApiError::ModelNotFound { .. }));
    assert_eq!(sim.stats().gemini_requests, 3);
    sim.shutdown().await;

    let sim = sim_with_faults("rate_limit_exceeded:1,429:1").await;
    for _ in 0..2 {
        let limited = create(&sim, &turn("x")).await;
        let (status, code, _) = limited.ix_error();
        assert_eq!((status, code.as_str()), (429, "rate_limit_exceeded"));
        assert_eq!(limited.headers["retry-after"], "2");
        assert_eq!(
            limited.classify().retry_after(),
            Some(Duration::from_secs(2))
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_classic_faults_answer_in_the_interactions_envelope_on_its_endpoints() {
    let sim = sim_with_faults("500:1,503:1,429-free-tier:1").await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (status, code, _) = create(&sim, &turn("x")).await.ix_error();
        seen.push((status, code));
    }
    assert_eq!(
        seen,
        [
            (500, "api_error".to_string()),
            (503, "service_unavailable".to_string()),
            (400, "failed_precondition".to_string()),
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn refusals_of_the_request_itself_carry_their_codes() {
    let sim = sim(SimConfig {
        key: Some(KEY.into()),
        ..config()
    })
    .await;
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            {
                let mut b = turn("x");
                b["responseFormat"] = json!({});
                b
            },
            400,
            "parameter_unknown",
            "responseFormat",
        ),
        (
            {
                let mut b = turn("x");
                b["generation_config"] = json!({"thinking_budget": 3});
                b
            },
            400,
            "parameter_unknown",
            "thinking_budget",
        ),
        (
            {
                let mut b = turn("x");
                b["service_tier"] = json!("turbo");
                b
            },
            400,
            "invalid_request",
            "turbo",
        ),
        (
            {
                let mut b = turn("x");
                b["model"] = json!("gemini-9-imaginary");
                b
            },
            404,
            "model_not_found",
            "gemini-9-imaginary",
        ),
        (
            {
                let mut b = turn("x");
                b["previous_interaction_id"] = json!("v1_gone");
                b
            },
            404,
            "not_found",
            "v1_gone",
        ),
        (json!({"model": FLASH}), 400, "invalid_request", "input"),
    ];
    for (body, status, code, names) in cases {
        let answer = create(&sim, &body).await;
        let (got_status, got_code, message) = answer.ix_error();
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{}",
            answer.text
        );
        assert!(message.contains(names), "{code}: {message}");
    }
    let bad_json = post(create_url(&sim), Some(KEY), "{\"model\": ").await;
    assert_eq!(bad_json.ix_error().1, "invalid_request");

    for key in [None, Some("wrong")] {
        let answer = post(create_url(&sim), key, &turn("x").to_string()).await;
        let (status, code, _) = answer.ix_error();
        assert_eq!((status, code.as_str()), (401, "authentication"), "{key:?}");
        let url = format!("{}/v1beta/interactions/v1_x", sim.base_url());
        let (status, code, _) = get(url, key).await.ix_error();
        assert_eq!((status, code.as_str()), (401, "authentication"));
    }
    let missing = get(
        format!("{}/v1beta/interactions/v1_nope", sim.base_url()),
        Some(KEY),
    )
    .await;
    assert_eq!(missing.ix_error().1, "not_found");
    let (status, body) = call(
        reqwest::Method::DELETE,
        format!("{}/v1beta/interactions/v1_nope", sim.base_url()),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let done = create(&sim, &turn("a fox")).await.json();
    let url = format!(
        "{}/v1beta/interactions/{}/cancel",
        sim.base_url(),
        done["id"].as_str().unwrap()
    );
    let (status, body) = call(reqwest::Method::POST, url, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("failed_precondition")),
        "only background interactions can be cancelled: {body}"
    );
    let get_flag = get(
        format!(
            "{}/v1beta/interactions/{}?stream=maybe",
            sim.base_url(),
            done["id"].as_str().unwrap()
        ),
        Some(KEY),
    )
    .await;
    assert_eq!(get_flag.ix_error().1, "invalid_request");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_run_that_fails_midway_ends_failed_with_the_code_in_errors_and_the_stream() {
    let sim = sim(SimConfig {
        faults: FaultSpec::parse("api_error:1,service_unavailable:1").unwrap(),
        latency: Latency::Fixed(Duration::from_millis(50)),
        ..config()
    })
    .await;
    let mut background = turn("a fox");
    background["background"] = json!(true);
    let started = create(&sim, &background).await;
    assert_eq!(
        started.status, 200,
        "a failure during the run is not a refusal at the door"
    );
    let id = started.json()["id"].as_str().unwrap().to_string();
    let failed = settled(&sim, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["errors"][0]["code"], "api_error");
    assert!(
        failed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("internal error")
    );

    let mut streamed = turn("a boat");
    streamed["stream"] = json!(true);
    let answer = create(&sim, &streamed).await;
    assert_eq!(answer.status, 200);
    let error = answer
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find(|e| e["event_type"] == "error")
        .unwrap_or_else(|| panic!("no error event in {}", answer.text));
    assert_eq!(error["error"]["code"], "service_unavailable");
    assert!(error["error"]["message"].is_string());
    assert!(error["event_id"].is_string(), "{error}");
    sim.shutdown().await;
}

#[tokio::test]
async fn refusals_at_the_door_answer_a_background_or_streamed_create_with_an_http_error() {
    let sim = sim_with_faults("payment_required:2").await;
    let mut background = turn("x");
    background["background"] = json!(true);
    let answer = create(&sim, &background).await;
    assert_eq!(answer.ix_error().1, "payment_required");
    let mut streamed = turn("x");
    streamed["stream"] = json!(true);
    let answer = create(&sim, &streamed).await;
    assert_eq!(answer.status, 402, "{}", answer.text);
    assert_eq!(answer.ix_error().1, "payment_required");
    sim.shutdown().await;
}

#[tokio::test]
async fn generate_content_keeps_google_s_envelope_for_the_same_faults() {
    let b = body("x", json!({"imageConfig": {"imageSize": "512"}}));
    let sim = sim_with_faults("payment_required:1").await;
    assert_eq!(
        generate(&sim, FLASH, &b).await.status,
        200,
        "payment_required has no generateContent equivalent"
    );
    assert_eq!(
        create(&sim, &turn("x")).await.status,
        402,
        "and fires on interactions"
    );
    sim.shutdown().await;

    let expected = [
        (ApiCode::InvalidRequest, 400, "INVALID_ARGUMENT"),
        (ApiCode::FailedPrecondition, 400, "FAILED_PRECONDITION"),
        (ApiCode::ParameterUnknown, 400, "INVALID_ARGUMENT"),
        (ApiCode::OutOfRange, 400, "OUT_OF_RANGE"),
        (ApiCode::Authentication, 400, "INVALID_ARGUMENT"),
        (ApiCode::PermissionDenied, 403, "PERMISSION_DENIED"),
        (ApiCode::NotFound, 404, "NOT_FOUND"),
        (ApiCode::ModelNotFound, 404, "NOT_FOUND"),
        (ApiCode::AlreadyExists, 409, "ALREADY_EXISTS"),
        (ApiCode::Aborted, 409, "ABORTED"),
        (ApiCode::RateLimitExceeded, 429, "RESOURCE_EXHAUSTED"),
        (ApiCode::TooManyRequests, 429, "RESOURCE_EXHAUSTED"),
        (ApiCode::QuotaExceeded, 429, "RESOURCE_EXHAUSTED"),
        (ApiCode::Cancelled, 499, "CANCELLED"),
        (ApiCode::ApiError, 500, "INTERNAL"),
        (ApiCode::Unimplemented, 501, "UNIMPLEMENTED"),
        (ApiCode::ServiceUnavailable, 503, "UNAVAILABLE"),
        (ApiCode::DeadlineExceeded, 504, "DEADLINE_EXCEEDED"),
    ];
    for (code, status, rpc) in expected {
        let sim = sim_with_faults(code.as_str()).await;
        let answer = generate(&sim, FLASH, &b).await;
        assert_error(&answer, status, rpc, "");
        let v = answer.json();
        assert!(
            v["error"]["code"].is_u64(),
            "{code:?}: a number, as Google sends it"
        );
        sim.shutdown().await;
    }
    let sim = sim_with_faults("model_not_found").await;
    let answer = generate(&sim, FLASH, &b).await;
    assert!(matches!(answer.classify(), ApiError::ModelNotFound { .. }));
    sim.shutdown().await;
    let sim = sim_with_faults("quota_exceeded").await;
    let daily = generate(&sim, FLASH, &b).await.json();
    let quota = &daily["error"]["details"][0]["violations"][0]["quotaId"];
    assert_eq!(quota, "GenerateRequestsPerDayPerProjectPerModel");
    sim.shutdown().await;
}

#[tokio::test]
async fn files_and_batches_keep_google_s_envelope() {
    let sim = sim(config()).await;
    let (status, body) = v1beta(&sim, reqwest::Method::GET, "files/nope", None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(body["error"]["code"], 403);
    let (status, body) = v1beta(&sim, reqwest::Method::GET, "batches/nope", None).await;
    assert_eq!((status, body["error"]["code"].as_u64()), (404, Some(404)));
    sim.shutdown().await;
}
