//! The Interactions API's own error envelope, `{"error": {"code": "<string>", "message"}}`
//! (and the stream's `error` event), read by its string codes: what is retried, what stops
//! a run, what the message says. generateContent's envelope is read in `error.rs`.

use serde::Deserialize;

use super::error::{ApiError, parse_retry_after};
use super::interactions::ERROR_CODES;

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

/// True when `code` is one of the Interactions API's string codes.
pub fn is_interactions_code(code: &str) -> bool {
    ERROR_CODES.contains(&code)
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
