//! Typed, classified API errors: each says what happened and what to do next.

use std::time::Duration;

use thiserror::Error;

use super::interactions::ERROR_CODES;
use super::wire::ErrorBody;

/// A failed call to the service.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ApiError {
    /// The key was rejected.
    #[error(
        "the API key was rejected ({message}). Check GEMINI_API_KEY / GOOGLE_API_KEY or `api_key` in `peel config path` (`peel doctor` checks it); create a key at https://aistudio.google.com/apikey."
    )]
    InvalidKey { message: String },

    /// The call carried no key at all.
    #[error(
        "the service received no API key. Set GEMINI_API_KEY (or run without one to use the offline simulator)."
    )]
    MissingKey,

    /// The key may not use this model or method.
    #[error(
        "permission denied: {message}. Check that the key's project has the Gemini API enabled and may use this model (`peel doctor` checks the backend)."
    )]
    PermissionDenied { message: String },

    /// Prepaid credits are exhausted (Interactions API `payment_required`): nothing runs
    /// until credits are added, so retrying only repeats the refusal.
    #[error(
        "the service refused to run the request: prepaid credits are exhausted ({message}). Add credits at https://aistudio.google.com/ (Settings → Billing), then run again (a stopped batch or story resumes with `peel batch resume RUN`)."
    )]
    PaymentRequired { message: String },

    /// The daily quota is spent (Interactions API `quota_exceeded`): fast retries only burn
    /// requests.
    #[error(
        "the daily quota is spent ({message}): the service refuses requests until the daily quota resets. Try again then (a stopped batch or story resumes with `peel batch resume RUN`), or raise the quota for the key's project."
    )]
    QuotaExceeded { message: String },

    /// The resource named (an interaction, a file, a batch) does not exist (any more).
    #[error("the service has no such resource: {message}")]
    NotFound { message: String },

    /// The service does not implement what was asked on this API (Interactions API
    /// `unimplemented`); the generateContent fallback takes over where it can.
    #[error("the service does not support this here: {message}")]
    Unimplemented { message: String },

    /// The request was cancelled (the client went away, or a cancel was asked for).
    #[error("the request was cancelled: {message}")]
    Cancelled { message: String },

    /// A refusal with its own API code (`parameter_unknown`, `out_of_range`, …): fix the
    /// request; retrying will not help.
    #[error("the service refused the request ({code}): {message}")]
    Refused {
        code: String,
        http: u16,
        message: String,
    },

    /// A quota of zero (or billing disabled): image models need billing.
    #[error(
        "no quota for {model}: image models have no free tier, so billing must be enabled. {fix} Retrying will not help."
    )]
    BillingRequired { model: String, fix: String },

    /// Vertex AI or a gateway refused the credentials or the account's access.
    #[error("{service} refused the request: {message}. {fix}")]
    Unauthorized {
        service: String,
        message: String,
        fix: String,
    },

    /// No access token could be obtained for Vertex AI.
    #[error(
        "cannot get a Google Cloud access token: {message}. Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`."
    )]
    Credentials { message: String },

    /// Too many requests; retry later.
    #[error("rate limited by the service{}: {message}. Lower the request rate or wait.", fmt_retry(*retry_after))]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },

    /// The model does not exist or was retired.
    #[error(
        "model '{model}' was not found by the service: it may be shut down or misspelled. `peel models --remote` lists what the service serves; pick one with --model."
    )]
    ModelNotFound { model: String, message: String },

    /// A model turn was sent back without its thought signature.
    #[error(
        "the service refused the conversation history: {message}. A model turn lost its thought signature; continue from a saved turn or start a new session."
    )]
    BadSignature { message: String },

    /// The request was malformed or a value was refused.
    #[error("the service refused the request: {message}")]
    InvalidArgument { message: String },

    /// The project cannot use the API as set up (e.g. free tier not available in the country).
    #[error("the service refused the request: {message}. Enable billing on the key's project.")]
    FailedPrecondition { message: String },

    /// A server-side failure (500, 502, 503, 504).
    #[error(
        "the service failed ({code} {status}): {message}. This is usually temporary; try again shortly."
    )]
    Server {
        code: u16,
        status: String,
        message: String,
    },

    /// No answer within the timeout.
    #[error(
        "no answer from the service within {0:?}. Large images with thinking can take a while: raise `timeout_secs` under [api] in the config."
    )]
    Timeout(Duration),

    /// The connection failed or broke.
    #[error("network error: {message}. Check the connection and the base URL ({url}).")]
    Network { message: String, url: String },

    /// The body was not the JSON the service sends (truncated, an HTML page, …).
    #[error(
        "the service sent an unreadable answer (HTTP {status}): {detail}. This is usually a proxy or a broken connection; try again."
    )]
    BadResponse { status: u16, detail: String },

    /// Any other HTTP error.
    #[error("the service answered HTTP {code} {status}: {message}")]
    Http {
        code: u16,
        status: String,
        message: String,
    },
}

fn fmt_retry(after: Option<Duration>) -> String {
    after
        .map(|d| format!(" (retry in {:.0} s)", d.as_secs_f64().ceil()))
        .unwrap_or_default()
}

impl ApiError {
    /// Whether trying the same request again can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Timeout(_)
            | Self::Network { .. }
            | Self::BadResponse { .. } => true,
            Self::Server { code, .. } => matches!(code, 409 | 500 | 502 | 503 | 504),
            Self::Http { code, .. } => *code == 408,
            _ => false,
        }
    }

    /// True when every later request of a run would meet the same answer, so a batch or
    /// story stops (resumable) instead of trying each item.
    pub fn stops_a_run(&self) -> bool {
        matches!(
            self,
            Self::PaymentRequired { .. } | Self::QuotaExceeded { .. } | Self::ModelNotFound { .. }
        )
    }

    /// The delay the service asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short label for lists and sidecars.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidKey { .. } => "invalid_key",
            Self::MissingKey => "missing_key",
            Self::PermissionDenied { .. } => "permission_denied",
            Self::BillingRequired { .. } => "billing_required",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Credentials { .. } => "credentials",
            Self::RateLimited { .. } => "rate_limited",
            Self::ModelNotFound { .. } => "model_not_found",
            Self::PaymentRequired { .. } => "payment_required",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::NotFound { .. } => "not_found",
            Self::Unimplemented { .. } => "unimplemented",
            Self::Cancelled { .. } => "cancelled",
            Self::Refused { code, .. } => ERROR_CODES
                .iter()
                .copied()
                .find(|c| *c == code.as_str())
                .unwrap_or("refused"),
            Self::BadSignature { .. } => "bad_signature",
            Self::InvalidArgument { .. } => "invalid_argument",
            Self::FailedPrecondition { .. } => "failed_precondition",
            Self::Server { .. } => "server_error",
            Self::Timeout(_) => "timeout",
            Self::Network { .. } => "network",
            Self::BadResponse { .. } => "bad_response",
            Self::Http { .. } => "http_error",
        }
    }

    /// Classifies a body that is not JSON (an HTML page, nothing, garbage).
    pub(crate) fn unparsed(status: u16, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).replace('\n', " ");
        let detail = if text.trim_start().starts_with('<') {
            "an HTML page instead of JSON".to_string()
        } else if text.trim().is_empty() {
            "an empty body".to_string()
        } else {
            format!(
                "non-JSON body starting {:?}",
                text.chars().take(60).collect::<String>()
            )
        };
        match status {
            429 => Self::RateLimited {
                retry_after: None,
                message: detail,
            },
            500 | 502 | 503 | 504 => Self::Server {
                code: status,
                status: "UNAVAILABLE".into(),
                message: detail,
            },
            _ => Self::BadResponse { status, detail },
        }
    }

    /// Classifies a parsed Google error envelope.
    pub(crate) fn from_body(
        http: u16,
        body: ErrorBody,
        retry_after_header: Option<&str>,
        model: &str,
    ) -> Self {
        let code = if body.code == 0 { http } else { body.code };
        let message = body.message.trim().to_string();
        let reason = detail_field(&body.details, "google.rpc.ErrorInfo", "reason");
        match (code, body.status.as_str()) {
            (400, _)
                if reason.as_deref() == Some("API_KEY_INVALID")
                    || message.contains("API key not valid") =>
            {
                Self::InvalidKey { message }
            }
            (403, _) if message.contains("unregistered callers") => Self::MissingKey,
            (403, _) if reason.as_deref() == Some("API_KEY_INVALID") => {
                Self::InvalidKey { message }
            }
            (400, _)
                if message.contains("thought_signature")
                    || message.contains("thought signature") =>
            {
                Self::BadSignature { message }
            }
            (400, "FAILED_PRECONDITION") => Self::FailedPrecondition { message },
            (400, _) => Self::InvalidArgument { message },
            (403, _) => Self::PermissionDenied { message },
            (404, _) => Self::ModelNotFound {
                model: model.to_string(),
                message,
            },
            (429, _) if is_free_tier_zero(&message, &body.details) => Self::BillingRequired {
                model: model.to_string(),
                fix: GEMINI_BILLING_FIX.to_string(),
            },
            (429, _) => Self::RateLimited {
                retry_after: retry_info_delay(&body.details)
                    .or_else(|| retry_after_header.and_then(parse_retry_after)),
                message: first_line(&message),
            },
            (500 | 502 | 503 | 504, _) => Self::Server {
                code,
                status: body.status,
                message,
            },
            _ => Self::Http {
                code,
                status: body.status,
                message,
            },
        }
    }
}

/// What to do about a billing-gated quota on the Gemini API.
pub const GEMINI_BILLING_FIX: &str = "Link a billing account to the key's project at https://aistudio.google.com/ (Settings → Plan / billing), then try again.";

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// True when a 429 says the quota is zero or free-tier: billing is not enabled.
fn is_free_tier_zero(message: &str, details: &[serde_json::Value]) -> bool {
    if message.contains("limit: 0") {
        return true;
    }
    details.iter().any(|d| {
        d.get("violations")
            .and_then(|v| v.as_array())
            .is_some_and(|vs| {
                vs.iter().any(|v| {
                    let id = v
                        .get("quotaId")
                        .and_then(|q| q.as_str())
                        .unwrap_or_default();
                    let metric = v
                        .get("quotaMetric")
                        .and_then(|q| q.as_str())
                        .unwrap_or_default();
                    id.contains("FreeTier") || metric.contains("free_tier")
                })
            })
    })
}

/// A string field of the first error detail whose `@type` ends with `type_suffix`.
pub(crate) fn detail_field(
    details: &[serde_json::Value],
    type_suffix: &str,
    field: &str,
) -> Option<String> {
    details
        .iter()
        .find(|d| {
            d.get("@type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.ends_with(type_suffix))
        })
        .and_then(|d| d.get(field))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Reads `RetryInfo.retryDelay` ("38s", "38.6s") from error details.
fn retry_info_delay(details: &[serde_json::Value]) -> Option<Duration> {
    let delay = detail_field(details, "google.rpc.RetryInfo", "retryDelay")?;
    parse_duration_seconds(&delay)
}

/// Parses a protobuf Duration string such as "38.618326853s".
pub fn parse_duration_seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Parses a `Retry-After` header: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(
            parse_duration_seconds("38.5s"),
            Some(Duration::from_millis(38500))
        );
        assert_eq!(parse_duration_seconds("nope"), None);
        assert_eq!(parse_retry_after("12"), Some(Duration::from_secs(12)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
    }
}
