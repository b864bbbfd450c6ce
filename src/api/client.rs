//! The client: building it for a backend, generateContent with retries, rate limits, and every
//! answer checked and classified the way its backend (Gemini API, Vertex AI or an
//! OpenAI-compatible gateway, see `Backend`) words its errors.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

use super::backend::{Backend, Capabilities};
use super::error::ApiError;
use super::http;
use super::openai::{self, Gateway, ImageCall};
use super::wire::{GenerateContentRequest, GenerateContentResponse};
use crate::config::{Secret, Transport};

/// When and how often to try a call again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Longest backoff delay (also caps a server-requested delay).
    pub max_delay: Duration,
    /// How long a shed flex request is retried, counted from its first send.
    pub flex_window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            flex_window: Duration::from_secs(900),
        }
    }
}

/// The header peel's simulator puts on every answer, so its prices read as notional.
pub const SIMULATOR_HEADER: &str = "x-peel-simulator";

/// Everything needed to build a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// e.g. `https://generativelanguage.googleapis.com` (no version).
    pub base_url: String,
    /// e.g. `v1beta`.
    pub api_version: String,
    /// The API key: `x-goog-api-key` on Google's services, `Authorization: Bearer` on a gateway.
    pub key: Secret,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Project billed for quota (`x-goog-user-project`), Vertex AI only.
    pub quota_project: Option<String>,
    /// Which API interactive jobs use on the Gemini API backend.
    pub transport: Transport,
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

/// A client for the Gemini models' REST API, on whichever backend it was built for.
#[derive(Clone)]
pub struct GeminiClient {
    http: reqwest::Client,
    options: ClientOptions,
    backend: Backend,
    limiter: Option<Arc<RequestLimiter>>,
    simulator_seen: Arc<AtomicBool>,
}

/// A client-side requests-per-minute limit shared by clones of a client (governor's own clock).
pub type RequestLimiter = governor::DefaultDirectRateLimiter;

tokio::task_local! {
    static ON_WIRE: Arc<dyn Fn() + Send + Sync>;
}

/// Runs `call`, calling `hook` each time one of its requests has passed the rate limit and
/// is about to go on the wire (a request still waiting for its turn was never sent).
pub async fn with_wire_hook<T>(
    hook: Arc<dyn Fn() + Send + Sync>,
    call: impl std::future::Future<Output = T>,
) -> T {
    ON_WIRE.scope(hook, call).await
}

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
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl GeminiClient {
    /// Builds a Gemini API client; the key goes into a sensitive default header.
    pub fn new(options: ClientOptions) -> Result<Self, ApiError> {
        Self::with_backend(options, Backend::Gemini)
    }

    /// Builds a client for `backend`. A Google key travels as a sensitive default header
    /// (none for Vertex bearer tokens, which are added per request); a gateway key is added
    /// per request so it never reaches another host.
    pub fn with_backend(options: ClientOptions, backend: Backend) -> Result<Self, ApiError> {
        let mut headers = HeaderMap::new();
        let google_key = match &backend {
            Backend::Gemini => true,
            Backend::Vertex(target) => target.is_express(),
            Backend::OpenAi(_) => false,
        };
        if google_key {
            let mut key =
                HeaderValue::from_str(options.key.expose()).map_err(|_| ApiError::InvalidKey {
                    message: "the key contains characters that cannot be sent in a header".into(),
                })?;
            key.set_sensitive(true);
            headers.insert("x-goog-api-key", key);
        }
        if let Some(project) = options.quota_project.as_deref()
            && let Ok(value) = HeaderValue::from_str(project)
        {
            headers.insert("x-goog-user-project", value);
        }
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
            backend,
            limiter: None,
            simulator_seen: Arc::new(AtomicBool::new(false)),
        })
    }

    /// This client with every generate attempt (retries included) waiting on `limiter` first.
    pub fn with_rate_limit(mut self, limiter: Arc<RequestLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub(crate) async fn wait_for_rate_limit(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        // The request goes on the wire now: whoever runs it may want to know.
        let _ = ON_WIRE.try_with(|hook| hook());
    }

    /// True once an answer carried the simulator's header: every price is then notional.
    pub fn answered_by_simulator(&self) -> bool {
        self.simulator_seen.load(Ordering::Relaxed)
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.options.retry
    }

    /// The service this client talks to.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The transport for interactive jobs: the configured one on the Gemini API, always
    /// generateContent on Vertex AI and gateways.
    pub fn transport(&self) -> Transport {
        match self.backend {
            Backend::Gemini => self.options.transport,
            _ => Transport::GenerateContent,
        }
    }

    /// What the service can do.
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
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

    /// `{base}/{version}/{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.options.base_url.trim_end_matches('/'),
            self.options.api_version,
            path
        )
    }

    /// The URL of `model`'s resource: `models/{model}` on the Gemini API, the publisher
    /// model (with project and location unless in express mode) on Vertex AI.
    pub(crate) fn model_url(&self, model: &str) -> String {
        match &self.backend {
            Backend::Vertex(target) => self.url(&target.model_path(model)),
            _ => self.url(&format!("models/{model}")),
        }
    }

    /// Calls `{model}:generateContent` (or the gateway's images endpoints), retrying
    /// transient failures.
    pub async fn generate_content(
        &self,
        model: &str,
        request: &GenerateContentRequest,
        mut on_retry: impl FnMut(RetryNotice) + Send,
    ) -> Result<GenerateContentResponse, ApiError> {
        let notify = |failed, delay, error: &ApiError| {
            on_retry(RetryNotice {
                failed_attempt: failed,
                delay,
                error: error.clone(),
            })
        };
        if let Backend::OpenAi(target) = &self.backend {
            let call = ImageCall::from_request(target, model, request)?;
            let attempt = || async {
                self.wait_for_rate_limit().await;
                call.send(&self.gateway()).await
            };
            return self.with_retries(attempt, notify).await;
        }
        let body = serde_json::to_vec(request).map_err(|e| ApiError::InvalidArgument {
            message: format!("cannot encode the request: {e}"),
        })?;
        let url = format!("{}:generateContent", self.model_url(model));
        // a flex answer may take minutes (Google's target is up to 15): wait that long for it
        let timeout = match request.service_tier.as_deref() {
            Some("flex") => self.options.timeout.max(self.options.retry.flex_window),
            _ => self.options.timeout,
        };
        let call = || async {
            self.wait_for_rate_limit().await;
            let bytes = self.post_json(&url, body.clone(), model, timeout).await?;
            http::parse_answer(&bytes)
        };
        self.with_retries(call, notify).await
    }

    /// Runs `call` under the retry policy, telling `notify` about each retry.
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
        timeout: Duration,
    ) -> Result<bytes::Bytes, ApiError> {
        let mut builder = self
            .http
            .post(url)
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(auth) = self.authorization().await? {
            builder = builder.header(AUTHORIZATION, auth);
        }
        self.read(builder.send().await, model).await
    }

    /// `GET url` with the backend's authorization; the 2xx body, or the typed error.
    pub(crate) async fn get(&self, url: &str, model: &str) -> Result<bytes::Bytes, ApiError> {
        let mut builder = self.http.get(url);
        if let Some(auth) = self.authorization().await? {
            builder = builder.header(AUTHORIZATION, auth);
        }
        self.read(builder.send().await, model).await
    }

    /// A per-request `Authorization` header (Vertex AI bearer tokens), if the backend needs one.
    pub async fn authorization(&self) -> Result<Option<HeaderValue>, ApiError> {
        match &self.backend {
            Backend::Vertex(target) => target.authorization().await,
            _ => Ok(None),
        }
    }

    async fn read(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<bytes::Bytes, ApiError> {
        self.checked(sent, model)
            .await?
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))
    }

    /// The answer when it is a 2xx, else the typed error its status, `Retry-After` and body
    /// stand for.
    pub(crate) async fn checked(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<reqwest::Response, ApiError> {
        let response = sent.map_err(|e| self.transport_error(e))?;
        if response.headers().contains_key(SIMULATOR_HEADER) {
            self.simulator_seen.store(true, Ordering::Relaxed);
        }
        http::checked(response, |answer| match answer.body {
            Ok(body) => self.classify(answer.status, answer.retry_after.as_deref(), &body, model),
            Err(e) => self.transport_error(e),
        })
        .await
    }

    /// Classifies an error answer the way this backend words its errors.
    pub(crate) fn classify(
        &self,
        status: u16,
        retry_after: Option<&str>,
        body: &[u8],
        model: &str,
    ) -> ApiError {
        match &self.backend {
            Backend::Gemini => http::classify_answer(status, retry_after, body, model),
            Backend::Vertex(target) => target.classify(status, retry_after, body, model),
            Backend::OpenAi(_) => openai::classify(status, retry_after, body, model),
        }
    }

    /// Turns a transport failure into a timeout or network error.
    pub(crate) fn transport_error(&self, e: reqwest::Error) -> ApiError {
        http::transport_error(e, self.options.timeout, &self.options.base_url)
    }

    /// What a call to an OpenAI-compatible gateway needs from this client.
    pub(crate) fn gateway(&self) -> Gateway<'_> {
        Gateway {
            http: &self.http,
            base_url: &self.options.base_url,
            key: &self.options.key,
            timeout: self.options.timeout,
        }
    }
}
