//! The Interactions API's own error envelope, `{"error": {"code": "<string>", "message"}}`
//! (and the stream's `error` event), read by its string codes: what is retried, what stops
//! a run, what the message says. generateContent's envelope is read in `error.rs`.

use serde::Deserialize;

use super::error::{ApiError, parse_retry_after};

/// The body of an Interactions API error answer.
#[derive(Debug, Clone, Deserialize)]
pub struct InteractionsEnvelope {
    /// The error.
    pub error: InteractionsErrorBody,
}

/// `{code, message}` with a string code such as `payment_required`.
#[derive(Debug, Clone, Deserialize)]
pub struct InteractionsErrorBody {
    /// The API's code.
    pub code: String,
    /// Human message.
    #[serde(default)]
    pub message: String,
}

/// Every code the Interactions API documents (service-2026-12.md §3).
pub const CODES: &[&str] = &[
    "invalid_request",
    "failed_precondition",
    "parameter_unknown",
    "out_of_range",
    "authentication",
    "payment_required",
    "permission_denied",
    "not_found",
    "model_not_found",
    "already_exists",
    "aborted",
    "rate_limit_exceeded",
    "too_many_requests",
    "quota_exceeded",
    "cancelled",
    "api_error",
    "unimplemented",
    "service_unavailable",
    "deadline_exceeded",
];

/// True when `code` is one of the Interactions API's string codes.
pub fn is_interactions_code(code: &str) -> bool {
    CODES.contains(&code)
}

/// Reads an Interactions API error body, if `body` is one.
pub fn parse(body: &[u8]) -> Option<InteractionsErrorBody> {
    let envelope: InteractionsEnvelope = serde_json::from_slice(body).ok()?;
    is_interactions_code(&envelope.error.code).then_some(envelope.error)
}

/// The typed error an Interactions API `code` stands for; `http` is the answer's status
/// (or the code's documented one, for a failed interaction or a stream's `error` event).
pub fn classify(
    code: &str,
    http: Option<u16>,
    message: &str,
    retry_after_header: Option<&str>,
    model: &str,
) -> ApiError {
    let message = message.trim().to_string();
    let http = http.unwrap_or_else(|| documented_status(code));
    match code {
        "payment_required" => ApiError::PaymentRequired { message },
        "quota_exceeded" => ApiError::QuotaExceeded { message },
        "model_not_found" => ApiError::ModelNotFound {
            model: model.to_string(),
            message,
        },
        "not_found" => ApiError::NotFound { message },
        "rate_limit_exceeded" | "too_many_requests" => ApiError::RateLimited {
            retry_after: retry_after_header.and_then(parse_retry_after),
            message,
        },
        "service_unavailable" | "api_error" | "deadline_exceeded" | "aborted" => ApiError::Server {
            code: http,
            status: code.to_string(),
            message,
        },
        "authentication" => ApiError::InvalidKey { message },
        "permission_denied" => ApiError::PermissionDenied { message },
        "unimplemented" => ApiError::Unimplemented { message },
        "failed_precondition" if message.to_ascii_lowercase().contains("billing") => {
            ApiError::BillingRequired {
                model: model.to_string(),
                fix: super::error::GEMINI_BILLING_FIX.to_string(),
            }
        }
        "failed_precondition" => ApiError::FailedPrecondition { message },
        "invalid_request" if is_signature_message(&message) => ApiError::BadSignature { message },
        "invalid_request" => ApiError::InvalidArgument { message },
        "cancelled" => ApiError::Cancelled { message },
        other => ApiError::Refused {
            code: other.to_string(),
            http,
            message,
        },
    }
}

fn is_signature_message(message: &str) -> bool {
    let text = message.to_ascii_lowercase();
    text.contains("thought_signature") || text.contains("thought signature")
}

/// The HTTP status the documentation gives a code.
pub fn documented_status(code: &str) -> u16 {
    match code {
        "invalid_request" | "failed_precondition" | "parameter_unknown" => 400,
        "authentication" => 401,
        "payment_required" => 402,
        "permission_denied" => 403,
        "not_found" | "model_not_found" => 404,
        "already_exists" | "aborted" => 409,
        "out_of_range" => 416,
        "rate_limit_exceeded" | "too_many_requests" | "quota_exceeded" => 429,
        "cancelled" => 499,
        "unimplemented" => 501,
        "service_unavailable" => 503,
        "deadline_exceeded" => 504,
        _ => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(status: u16, code: &str) -> ApiError {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m for {code}"}}}}"#);
        ApiError::from_response(status, None, body.as_bytes(), "gemini-nano-banana-2.1")
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
        let err = ApiError::from_response(429, Some("7"), body, "m");
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    }

    #[test]
    fn a_generate_content_envelope_is_still_read_as_before() {
        let body =
            br#"{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}"#;
        let err = ApiError::from_response(404, None, body, "x");
        assert!(matches!(err, ApiError::ModelNotFound { .. }), "{err:?}");
        assert!(parse(body).is_none());
        assert!(parse(br#"{"error":{"code":"made_up","message":"x"}}"#).is_none());
    }
}
