//! The Gemini API client: generateContent and model listing, with retries.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use super::error::ApiError;
use super::wire::{GenerateContentRequest, GenerateContentResponse, ListModelsResponse, ModelInfo};
use crate::config::Secret;

/// When and how often to try a call again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Longest backoff delay (also caps a server-requested delay).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Everything needed to build a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// e.g. `https://generativelanguage.googleapis.com` (no version).
    pub base_url: String,
    /// e.g. `v1beta`.
    pub api_version: String,
    /// The API key, sent only in `x-goog-api-key`.
    pub key: Secret,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
}

/// A retry about to happen, for progress reporting.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryNotice {
    /// The attempt that failed (1-based).
    pub failed_attempt: u32,
    /// How long until the next attempt.
    pub delay: Duration,
    /// What went wrong.
    pub error: ApiError,
}

/// A client for the Gemini REST API.
#[derive(Clone)]
pub struct GeminiClient {
    http: reqwest::Client,
    options: ClientOptions,
    limiter: Option<Arc<RequestLimiter>>,
}

/// A client-side requests-per-minute limit shared by clones of a client (governor's own clock).
pub type RequestLimiter = governor::DefaultDirectRateLimiter;

/// A limiter that lets one generate request start every `60 / rpm` seconds, with no burst.
pub fn rpm_limiter(rpm: u32) -> Arc<RequestLimiter> {
    let period = Duration::from_secs_f64(60.0 / rpm.max(1) as f64);
    let quota = governor::Quota::with_period(period)
        .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN);
    Arc::new(governor::RateLimiter::direct(quota))
}

impl std::fmt::Debug for GeminiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeminiClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl GeminiClient {
    /// Builds a client; the key goes into a sensitive default header.
    pub fn new(options: ClientOptions) -> Result<Self, ApiError> {
        let mut headers = HeaderMap::new();
        let mut key =
            HeaderValue::from_str(options.key.expose()).map_err(|_| ApiError::InvalidKey {
                message: "the key contains characters that cannot be sent in a header".into(),
            })?;
        key.set_sensitive(true);
        headers.insert("x-goog-api-key", key);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("peel/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|e| ApiError::Network {
                message: e.to_string(),
                url: options.base_url.clone(),
            })?;
        Ok(Self {
            http,
            options,
            limiter: None,
        })
    }

    /// This client with every generate attempt (retries included) waiting on `limiter` first.
    pub fn with_rate_limit(mut self, limiter: Arc<RequestLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> &str {
        &self.options.base_url
    }

    /// The API version path segment.
    pub fn api_version(&self) -> &str {
        &self.options.api_version
    }

    /// The underlying HTTP client (the key is a default header).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.options.base_url.trim_end_matches('/'),
            self.options.api_version,
            path
        )
    }

    /// Calls `models/{model}:generateContent`, retrying transient failures.
    pub async fn generate_content(
        &self,
        model: &str,
        request: &GenerateContentRequest,
        mut on_retry: impl FnMut(RetryNotice) + Send,
    ) -> Result<GenerateContentResponse, ApiError> {
        let body = serde_json::to_vec(request).map_err(|e| ApiError::InvalidArgument {
            message: format!("cannot encode the request: {e}"),
        })?;
        let url = self.url(&format!("models/{model}:generateContent"));
        let call = || async {
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            let bytes = self.post_json(&url, body.clone(), model).await?;
            parse_response(&bytes)
        };
        self.with_retries(call, |failed, delay, error| {
            on_retry(RetryNotice {
                failed_attempt: failed,
                delay,
                error: error.clone(),
            })
        })
        .await
    }

    /// Lists every model the key can see, following pages.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = self.url("models?pageSize=1000");
            if let Some(t) = &token {
                url.push_str("&pageToken=");
                url.push_str(t);
            }
            let body = self.with_retries(|| self.get(&url), |_, _, _| {}).await?;
            let page: ListModelsResponse =
                serde_json::from_slice(&body).map_err(|e| ApiError::BadResponse {
                    status: 200,
                    detail: format!("model list: {e}"),
                })?;
            models.extend(page.models);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(models),
            }
        }
    }

    pub(crate) async fn with_retries<T, F, Fut>(
        &self,
        call: F,
        mut notify: impl FnMut(u32, Duration, &ApiError),
    ) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let policy = self.options.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.base_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.attempts.saturating_sub(1) as usize)
            .with_jitter();
        let mut failed = 0u32;
        call.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(ApiError::is_retryable)
            .adjust(|err, planned| {
                let planned = planned?;
                Some(
                    err.retry_after()
                        .map_or(planned, |asked| asked.min(policy.max_delay)),
                )
            })
            .notify(|err, delay| {
                failed += 1;
                tracing::warn!(kind = err.kind(), ?delay, "retrying: {err}");
                notify(failed, delay, err);
            })
            .await
    }

    async fn post_json(
        &self,
        url: &str,
        body: Vec<u8>,
        model: &str,
    ) -> Result<bytes::Bytes, ApiError> {
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        self.read(sent, model).await
    }

    async fn get(&self, url: &str) -> Result<bytes::Bytes, ApiError> {
        let sent = self.http.get(url).send().await;
        self.read(sent, "").await
    }

    async fn read(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<bytes::Bytes, ApiError> {
        let response = sent.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(ApiError::from_response(
            status,
            retry_after.as_deref(),
            &body,
            model,
        ))
    }

    fn transport_error(&self, e: reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout(self.options.timeout);
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            message = format!("{message}: {inner}");
            source = inner.source();
        }
        ApiError::Network {
            message,
            url: self.options.base_url.clone(),
        }
    }
}

/// Parses a 2xx generateContent body; a truncated or non-JSON body is a retryable error.
pub fn parse_response(body: &[u8]) -> Result<GenerateContentResponse, ApiError> {
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
