//! Tests of `http.rs`: Gemini API and Interactions API error answers read into typed errors.

use std::time::Duration;

use super::*;
use crate::api::interactions_error::{documented_status, parse};

fn classify(status: u16, body: &str) -> ApiError {
    classify_answer(status, None, body.as_bytes(), "gemini-3.1-flash-image")
}

fn read(status: u16, code: &str) -> ApiError {
    let body = format!(r#"{{"error":{{"code":"{code}","message":"m for {code}"}}}}"#);
    classify_answer(status, None, body.as_bytes(), "gemini-nano-banana-2.1")
}

#[test]
fn free_tier_429_is_billing_not_rate_limit() {
    let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"You exceeded your current quota.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-3.1-flash-image\nPlease retry in 38.6s.","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"38s"}]}}"#;
    let err = classify(429, body);
    assert!(matches!(err, ApiError::BillingRequired { .. }));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("billing"));
}

#[test]
fn ordinary_429_honours_retry_info() {
    let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Resource has been exhausted","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.5s"}]}}"#;
    let err = classify(429, body);
    assert_eq!(err.retry_after(), Some(Duration::from_millis(2500)));
    assert!(err.is_retryable());
    let header = classify_answer(
        429,
        Some("7"),
        br#"{"error":{"code":429,"message":"x"}}"#,
        "m",
    );
    assert_eq!(header.retry_after(), Some(Duration::from_secs(7)));
}

#[test]
fn key_model_and_signature_errors_are_classified() {
    let invalid = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#;
    assert!(matches!(
        classify(400, invalid),
        ApiError::InvalidKey { .. }
    ));
    let missing = r#"{"error":{"code":403,"message":"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}}"#;
    assert_eq!(classify(403, missing), ApiError::MissingKey);
    let nf = r#"{"error":{"code":404,"message":"models/x is not found for API version v1beta","status":"NOT_FOUND"}}"#;
    let err = classify(404, nf);
    assert!(err.to_string().contains("peel models"));
    let sig = r#"{"error":{"code":400,"message":"Image part is missing a thought_signature in content position 2, part position 1.","status":"INVALID_ARGUMENT"}}"#;
    assert!(matches!(classify(400, sig), ApiError::BadSignature { .. }));
    assert!(!classify(400, sig).is_retryable());
}

#[test]
fn unreadable_bodies_are_retryable_and_described() {
    let html = classify(502, "<html><body>Bad Gateway</body></html>");
    assert!(html.is_retryable());
    assert!(html.to_string().contains("HTML"), "{html}");
    let truncated = classify(200, r#"{"candidates":[{"con"#);
    assert!(truncated.is_retryable());
    assert!(matches!(
        classify(
            503,
            r#"{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}"#
        ),
        ApiError::Server { code: 503, .. }
    ));
}

#[test]
fn each_code_reads_as_the_service_means_it() {
    let stops = ["payment_required", "quota_exceeded", "model_not_found"];
    for code in stops {
        let err = read(documented_status(code), code);
        assert!(!err.is_retryable(), "{code}: {err:?}");
        assert_eq!(err.kind(), code);
        assert!(err.stops_a_run(), "{code}");
    }
    for code in [
        "rate_limit_exceeded",
        "too_many_requests",
        "service_unavailable",
        "api_error",
        "deadline_exceeded",
        "aborted",
    ] {
        let err = read(documented_status(code), code);
        assert!(err.is_retryable(), "{code}: {err:?}");
        assert!(!err.stops_a_run(), "{code}");
    }
    for code in [
        "invalid_request",
        "failed_precondition",
        "parameter_unknown",
        "out_of_range",
        "authentication",
        "permission_denied",
        "not_found",
        "already_exists",
        "unimplemented",
        "cancelled",
    ] {
        let err = read(documented_status(code), code);
        assert!(!err.is_retryable(), "{code}: {err:?}");
    }
}

#[test]
fn messages_say_what_to_do() {
    let paid = read(402, "payment_required").to_string();
    assert!(paid.contains("prepaid credits") && paid.contains("m for payment_required"));
    let daily = read(429, "quota_exceeded").to_string();
    assert!(daily.contains("daily quota") && daily.contains("until the daily quota resets"));
    let auth = read(401, "authentication").to_string();
    assert!(auth.contains("peel doctor"), "{auth}");
    let unknown = read(400, "parameter_unknown").to_string();
    assert!(unknown.contains("m for parameter_unknown"), "{unknown}");
    let gone = read(404, "not_found");
    assert!(matches!(gone, ApiError::NotFound { .. }), "{gone:?}");
}

#[test]
fn a_rate_limit_keeps_the_retry_after_header() {
    let body = br#"{"error":{"code":"rate_limit_exceeded","message":"slow down"}}"#;
    let err = classify_answer(429, Some("7"), body, "m");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
}

#[test]
fn a_generate_content_envelope_is_still_read_as_before() {
    let body = br#"{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}"#;
    let err = classify_answer(404, None, body, "x");
    assert!(matches!(err, ApiError::ModelNotFound { .. }), "{err:?}");
    assert!(parse(body).is_none());
    assert!(parse(br#"{"error":{"code":"made_up","message":"x"}}"#).is_none());
}
