//! The HTTP plumbing every API client shares: transport failures as typed errors with their
//! whole chain of causes, answers checked for a 2xx status (any other answer read whole for
//! the caller's classifier), which error envelope a Gemini or Interactions API body is, and a
//! 2xx body parsed as JSON with a diagnosis of what came instead.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::interactions_error;
use super::wire::ErrorEnvelope;

/// An error and its sources on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

/// A failed connection as a network error naming `url`, with the error's whole chain of
/// causes.
pub fn network_error(e: &reqwest::Error, url: &str) -> ApiError {
    ApiError::Network {
        message: error_chain(e),
        url: url.to_string(),
    }
}

/// A transport failure as a timeout (after `timeout`) or a network error naming `url`,
/// with the error's whole chain of causes.
pub fn transport_error(e: reqwest::Error, timeout: Duration, url: &str) -> ApiError {
    if e.is_timeout() {
        return ApiError::Timeout(timeout);
    }
    network_error(&e, url)
}

/// The `Retry-After` header's text, if the answer has one.
pub fn retry_after(headers: &HeaderMap) -> Option<String> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// An answer read whole: its status, any `Retry-After`, and its body (or why the body could
/// not be read).
#[derive(Debug)]
pub struct WholeAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header's text.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Result<Bytes, reqwest::Error>,
}

impl WholeAnswer {
    /// Reads `response`'s status and `Retry-After`, then its whole body.
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        Self {
            status,
            retry_after,
            body: response.bytes().await,
        }
    }

    /// The Gemini API's typed error for this answer as the Files and Batch API transfers read
    /// it: without its `Retry-After`, a body that could not be read counting as empty.
    pub fn classify_plain(self, model: &str) -> ApiError {
        classify_answer(self.status, None, &self.body.unwrap_or_default(), model)
    }
}

/// `response` when its status is 2xx; otherwise the answer read whole and turned into the
/// typed error `refused` says it stands for.
pub async fn checked(
    response: reqwest::Response,
    refused: impl FnOnce(WholeAnswer) -> ApiError,
) -> Result<reqwest::Response, ApiError> {
    if response.status().is_success() {
        return Ok(response);
    }
    Err(refused(WholeAnswer::read(response).await))
}

/// Classifies a Gemini API error answer from its status, `Retry-After` header and body: the
/// Interactions API's envelope (string codes), Google's RPC envelope, or a body that is not
/// JSON at all.
pub fn classify_answer(
    status: u16,
    retry_after_header: Option<&str>,
    body: &[u8],
    model: &str,
) -> ApiError {
    if let Some(error) = interactions_error::parse(body) {
        return interactions_error::classify(
            &error.code,
            Some(status),
            &error.message,
            retry_after_header,
            model,
        );
    }
    let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) else {
        return ApiError::unparsed(status, body);
    };
    ApiError::from_body(status, envelope.error, retry_after_header, model)
}

/// Parses a 2xx answer's body; a truncated or non-JSON body is a retryable error that says
/// which it was.
pub fn parse_answer<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(&body[..body.len().min(40)]).to_string();
        let detail = if e.is_eof() {
            "the body was cut off".to_string()
        } else if start.trim_start().starts_with('<') {
            "an HTML page instead of JSON".to_string()
        } else {
            format!("invalid JSON ({e})")
        };
        ApiError::BadResponse {
            status: 200,
            detail,
        }
    })
}

/// A body already read, parsed as JSON; `what` names it and `status` is reported in the error.
pub fn parse_json<T: DeserializeOwned>(
    body: &[u8],
    status: u16,
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadResponse {
        status,
        detail: format!("{what}: {e}"),
    })
}

/// A 2xx body read whole and parsed as JSON; `what` names it in the error.
pub async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> Result<T, ApiError> {
    let status = response.status().as_u16();
    let unreadable = |detail: String| ApiError::BadResponse {
        status,
        detail: format!("{what}: {detail}"),
    };
    let body = response
        .bytes()
        .await
        .map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| unreadable(e.to_string()))
}

/// A list call's URL (which already has `?pageSize=`) for the page after `token`.
pub fn page_url(base: &str, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("{base}&pageToken={t}"),
        None => base.to_string(),
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
