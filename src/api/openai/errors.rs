//! A gateway's error answers (`{"error": {"message", "type", "code"}}`) as peel's typed
//! errors; a content-policy refusal becomes a blocked-prompt answer.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::error::{ApiError, parse_retry_after};
use crate::api::wire::GenerateContentResponse;

/// The service name used in messages.
pub(super) const SERVICE: &str = "the OpenAI-compatible gateway";

/// What to do when the gateway refuses the key.
pub(super) const KEY_FIX: &str =
    "Check `api_key` under [openai] in the config (`peel config path` shows where it is).";

/// `{"error": {"message", "type", "code"}}`.
#[derive(Debug, Default, Deserialize)]
struct OpenAiErrorEnvelope {
    error: OpenAiError,
}

#[derive(Debug, Default, Deserialize)]
struct OpenAiError {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<Value>,
}

impl OpenAiError {
    fn code(&self) -> String {
        match &self.code {
            Some(Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => String::new(),
        }
    }

    fn is(&self, name: &str) -> bool {
        self.code() == name || self.kind.as_deref() == Some(name)
    }
}

/// The message of a content-policy refusal, if this error body is one.
pub(super) fn content_policy(body: &[u8]) -> Option<String> {
    let envelope: OpenAiErrorEnvelope = serde_json::from_slice(body).ok()?;
    let error = envelope.error;
    (error.is("content_policy_violation") || error.is("moderation_blocked"))
        .then_some(error.message)
}

/// A generateContent answer saying the prompt was blocked, so the engine explains it as usual.
pub(super) fn blocked(message: &str) -> GenerateContentResponse {
    let answer =
        json!({"promptFeedback": {"blockReason": "SAFETY", "blockReasonMessage": message}});
    serde_json::from_value(answer).unwrap_or_default()
}

/// Classifies a gateway error answer into peel's typed errors.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8], model: &str) -> ApiError {
    let Ok(envelope) = serde_json::from_slice::<OpenAiErrorEnvelope>(body) else {
        return ApiError::unparsed(status, body);
    };
    let error = envelope.error;
    let message = error.message.trim().to_string();
    match status {
        401 | 403 => ApiError::Unauthorized {
            service: SERVICE.into(),
            message,
            fix: KEY_FIX.into(),
        },
        404 => ApiError::ModelNotFound {
            model: model.to_string(),
            message,
        },
        429 if error.is("insufficient_quota") || error.is("billing_hard_limit_reached") => {
            ApiError::BillingRequired {
                model: model.to_string(),
                fix: "Add credit or a payment method at the gateway, then try again.".into(),
            }
        }
        429 => ApiError::RateLimited {
            retry_after: retry_after.and_then(parse_retry_after),
            message,
        },
        500 | 502 | 503 | 504 => ApiError::Server {
            code: status,
            status: error.code(),
            message,
        },
        400 | 422 => ApiError::InvalidArgument { message },
        _ => ApiError::Http {
            code: status,
            status: error.code(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_errors_map_to_typed_errors() {
        let body = |kind: &str, code: &str| {
            format!(r#"{{"error":{{"message":"m","type":"{kind}","code":"{code}"}}}}"#)
        };
        let bad_key = classify(
            401,
            None,
            body("invalid_request_error", "invalid_api_key").as_bytes(),
            "x",
        );
        assert_eq!(bad_key.kind(), "unauthorized");
        assert!(bad_key.to_string().contains("[openai]"));
        let quota = classify(
            429,
            None,
            body("insufficient_quota", "insufficient_quota").as_bytes(),
            "x",
        );
        assert_eq!(quota.kind(), "billing_required");
        let limited = classify(
            429,
            Some("3"),
            body("requests", "rate_limit_exceeded").as_bytes(),
            "x",
        );
        assert_eq!(
            limited.retry_after(),
            Some(std::time::Duration::from_secs(3))
        );
        assert_eq!(
            classify(
                404,
                None,
                body("invalid_request_error", "model_not_found").as_bytes(),
                "x"
            )
            .kind(),
            "model_not_found"
        );
        assert!(classify(502, None, b"<html>", "x").is_retryable());
        let policy = content_policy(
            body("image_generation_user_error", "content_policy_violation").as_bytes(),
        );
        assert_eq!(policy.as_deref(), Some("m"));
        assert!(blocked("m").prompt_feedback.is_some());
    }
}
