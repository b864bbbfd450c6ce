//! `models/{model}:{action}`: generateContent, streamGenerateContent and countTokens,
//! with rate limits, faults and latency in front of the renderer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::call::Call;
use super::errors::{SimError, html_bad_gateway, html_not_found};
use super::faults::FaultKind;
use super::request::{self, GenRequest};
use super::response::{self, Rendered};
use super::schema::{self, get};
use super::{Latency, SimState, batches, messages, signature, text_model};
use crate::models::ModelSpec;

/// Dispatches `POST /{version}/models/{model}:{action}`.
pub async fn model_action(State(state): State<Arc<SimState>>, call: Call, body: Bytes) -> Response {
    let Some((model, action)) = call.name.rsplit_once(':') else {
        return html_not_found(call.uri.path());
    };
    if matches!(action, "generateContent" | "streamGenerateContent") {
        state.record(|s| s.gemini_requests += 1);
        let _ = state.keep_request(call.uri.path(), &body);
    }
    if let Some(refusal) = call.refusal(&state) {
        return refusal;
    }
    let Call {
        version,
        uri,
        params,
        headers,
        ..
    } = &call;
    let deadline = deadline(headers);
    let text_model = state.registry.resolve_text(model).ok();
    let result = match (action, text_model) {
        ("generateContent" | "streamGenerateContent", Some(spec)) => text_model::generate(
            &state,
            version,
            spec,
            &body,
            (Mode::for_action(action, params), false),
        ),
        (_, Some(_)) => return html_not_found(uri.path()),
        ("generateContent" | "streamGenerateContent", None) => {
            let mode = Mode::for_action(action, params);
            generate(
                &state,
                &Dialect::Gemini,
                version,
                model,
                &body,
                mode,
                deadline,
            )
            .await
        }
        ("countTokens", None) => count_tokens(&state, version, model, &body),
        ("batchGenerateContent", None) => batches::create(&state, version, model, &body),
        _ => return html_not_found(uri.path()),
    };
    let resp = result.unwrap_or_else(IntoResponse::into_response);
    tracing::info!(
        "POST /{version}/models/{model}:{action} -> {}",
        resp.status().as_u16()
    );
    resp
}

/// The client's `X-Server-Timeout` in seconds, if it sent one.
pub fn deadline(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("x-server-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
}

/// Which API a request came in on: the fields allowed and the billing error differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialect {
    /// The Gemini API.
    Gemini,
    /// Vertex AI, for this project (empty in express mode).
    Vertex {
        /// The project in the path.
        project: String,
    },
}

/// What a generate request produced, before it is framed for the wire.
#[derive(Debug)]
pub enum Generated {
    /// A whole generateContent answer.
    Answer(Value),
    /// The `html` fault: a 502 HTML page.
    Html,
    /// The `truncated` fault: this answer, cut off midway.
    Truncated(Value),
}

/// How a generate answer is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One JSON object.
    Json,
    /// A JSON array of chunks (streaming without `alt=sse`).
    Array,
    /// Server-sent events, one chunk per event.
    Sse,
}

impl Mode {
    /// The framing for `generateContent` or `streamGenerateContent` (with or without `alt=sse`).
    pub fn for_action(action: &str, params: &std::collections::HashMap<String, String>) -> Self {
        match action {
            "generateContent" => Self::Json,
            _ if params.get("alt").map(String::as_str) == Some("sse") => Self::Sse,
            _ => Self::Array,
        }
    }
}

/// Parses a request body as a JSON object, as the service's JSON front end does.
pub fn parse_body(body: &[u8]) -> Result<Value, SimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        SimError::bad_field(
            "",
            format!(
                "Invalid JSON payload received. Unexpected token at line {} column {}: {}.",
                e.line(),
                e.column(),
                e.classify_name()
            ),
        )
    })?;
    if !value.is_object() {
        return Err(SimError::bad_field(
            "",
            "Invalid JSON payload received. Unknown name \"\": Root element must be a message.",
        ));
    }
    Ok(value)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Eof => "unexpected end of input",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "invalid data",
            serde_json::error::Category::Io => "read error",
        }
    }
}

/// Finds a model the way the service does, or the 404 it answers with.
pub fn find_model<'a>(
    state: &'a SimState,
    model: &str,
    version: &str,
    method: &str,
) -> Result<&'a ModelSpec, SimError> {
    state
        .registry
        .resolve(model)
        .map_err(|_| SimError::model_not_found(model, version, method))
}

/// Validates a generateContent body for `model`: schema, semantics, signatures.
pub fn prepare(
    state: &SimState,
    version: &str,
    model: &ModelSpec,
    body: &Value,
) -> Result<GenRequest, SimError> {
    prepare_in(state, &Dialect::Gemini, version, model, body)
}

/// Like `prepare`, for the API the request came in on (Vertex AI takes Vertex-only fields).
pub fn prepare_in(
    state: &SimState,
    dialect: &Dialect,
    version: &str,
    model: &ModelSpec,
    body: &Value,
) -> Result<GenRequest, SimError> {
    let vertex = matches!(dialect, Dialect::Vertex { .. });
    schema::validate_in(body, &messages::GENERATE_CONTENT_REQUEST, version, vertex)?;
    let lookup = |id: &str| state.files.resolve(id);
    let req = request::interpret(body, model, &lookup, rand::random::<u32>() as u64)?;
    let contents = get(body, "contents")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    signature::check_history(contents)?;
    Ok(req)
}

/// Renders a prepared request off the async runtime.
pub async fn render(req: &GenRequest, model: &ModelSpec) -> Result<Rendered, SimError> {
    let (req, model) = (req.clone(), model.clone());
    tokio::task::spawn_blocking(move || response::render_all(&req, &model))
        .await
        .map_err(|_| SimError::internal())?
        .map_err(|e| {
            tracing::warn!("render failed: {e}");
            SimError::internal()
        })
}

/// Runs a generate request and frames the answer for the Gemini API or Vertex AI.
pub async fn generate(
    state: &SimState,
    dialect: &Dialect,
    version: &str,
    model: &str,
    body: &[u8],
    mode: Mode,
    deadline: Option<Duration>,
) -> Result<Response, SimError> {
    let method = if mode == Mode::Json {
        "generateContent"
    } else {
        "streamGenerateContent"
    };
    let job = Job {
        dialect,
        version,
        model,
        method,
        image_count: None,
        deadline,
    };
    let answer = match run(state, &job, body).await? {
        Generated::Html => return Ok(html_bad_gateway()),
        Generated::Truncated(answer) => return Ok(truncated(&answer)),
        Generated::Answer(answer) => answer,
    };
    Ok(match mode {
        Mode::Json => Json(answer).into_response(),
        Mode::Array => Json(Value::Array(stream_chunks(answer))).into_response(),
        Mode::Sse => {
            let mut text = String::new();
            for chunk in stream_chunks(answer) {
                text.push_str("data: ");
                text.push_str(&chunk.to_string());
                text.push_str("\r\n\r\n");
            }
            ([(header::CONTENT_TYPE, "text/event-stream")], text).into_response()
        }
    })
}

/// A 200 whose JSON body is cut off midway.
pub fn truncated(answer: &Value) -> Response {
    let mut bytes = serde_json::to_vec(answer).unwrap_or_default();
    bytes.truncate((bytes.len() * 3 / 5).max(1));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        bytes,
    )
        .into_response()
}

/// One generate request as `run` takes it.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The API it came in on.
    pub dialect: &'a Dialect,
    /// API version in the path.
    pub version: &'a str,
    /// Model id or alias.
    pub model: &'a str,
    /// Method name for 404 messages.
    pub method: &'a str,
    /// How many images to make, instead of what the prompt asks for.
    pub image_count: Option<u32>,
    /// The client's `X-Server-Timeout`: answer 504 when the work would take longer.
    pub deadline: Option<Duration>,
}

/// Runs one generate request through rate limits, validation, faults, latency and the
/// renderer.
pub async fn run(state: &SimState, job: &Job<'_>, body: &[u8]) -> Result<Generated, SimError> {
    run_as(state, job, body, None).await
}

/// Like `run`, rendering `output_mime` instead of the model's own type when given (the
/// Interactions API answers JPEG).
pub async fn run_as(
    state: &SimState,
    job: &Job<'_>,
    body: &[u8],
    output_mime: Option<&str>,
) -> Result<Generated, SimError> {
    let Job {
        dialect,
        version,
        model,
        method,
        image_count,
        deadline,
    } = job.clone();
    let started = Instant::now();
    let mut spec = find_model(state, model, version, method)?;
    let retyped;
    if let Some(mime) = output_mime {
        retyped = ModelSpec {
            output_mime: mime.to_string(),
            ..spec.clone()
        };
        spec = &retyped;
    }
    if let Some(limiter) = &state.limiter {
        let verdict = limiter
            .lock()
            .map_err(|_| SimError::internal())?
            .admit(Instant::now());
        if let Err(wait) = verdict {
            let limit = state.config.rpm.unwrap_or(0);
            return Err(SimError::rate_limited(&spec.id, limit, wait.as_secs_f64()));
        }
    }
    let value = parse_body(body)?;
    let mut req = prepare_in(state, dialect, version, spec, &value)?;
    if let Some(count) = image_count {
        req.image_count = count;
    }
    let outcome = state
        .faults
        .lock()
        .map_err(|_| SimError::internal())?
        .next(rand::random::<f64>);
    let mut delay = match state.config.latency {
        Latency::Fixed(d) => d,
        Latency::Realistic if outcome.fault.is_some_and(is_error_fault) => {
            Duration::from_millis(rand::random_range(100..400))
        }
        Latency::Realistic if req.think_hard => realistic(req.width, req.height).mul_f64(1.5),
        Latency::Realistic => realistic(req.width, req.height),
    };
    if outcome.slow {
        delay += state.config.slow_delay;
    }
    if let Some(deadline) = deadline
        && delay > deadline
    {
        sleep_until(started, deadline).await;
        return Err(SimError::new(
            504,
            "DEADLINE_EXCEEDED",
            "Deadline expired before operation could complete.",
        ));
    }
    let error = match outcome.fault {
        Some(FaultKind::RateLimit) => Some(SimError::rate_limited(&spec.id, 10, 2.0)),
        Some(FaultKind::FreeTier) => Some(match dialect {
            Dialect::Gemini => SimError::free_tier(&spec.id),
            Dialect::Vertex { project } => SimError::billing_disabled(project),
        }),
        Some(FaultKind::Internal) => Some(SimError::internal()),
        Some(FaultKind::Unavailable) => Some(SimError::overloaded()),
        _ => None,
    };
    if let Some(error) = error {
        sleep_until(started, delay).await;
        return Err(error);
    }
    if outcome.fault == Some(FaultKind::Html) {
        sleep_until(started, delay).await;
        return Ok(Generated::Html);
    }
    let content_fault = outcome.fault.filter(|k| {
        matches!(
            k,
            FaultKind::ImageSafety | FaultKind::PromptBlocked | FaultKind::NoImage
        )
    });
    let rendered = match content_fault {
        Some(_) => None,
        None => Some(render(&req, spec).await?),
    };
    let answer = response::build(&req, spec, rendered.as_ref(), content_fault);
    sleep_until(started, delay).await;
    if outcome.fault == Some(FaultKind::Truncated) {
        return Ok(Generated::Truncated(answer));
    }
    Ok(Generated::Answer(answer))
}

fn is_error_fault(kind: FaultKind) -> bool {
    matches!(
        kind,
        FaultKind::RateLimit
            | FaultKind::FreeTier
            | FaultKind::Internal
            | FaultKind::Unavailable
            | FaultKind::Html
    )
}

async fn sleep_until(started: Instant, delay: Duration) {
    let left = delay.saturating_sub(started.elapsed());
    if !left.is_zero() {
        tokio::time::sleep(left).await;
    }
}

/// A realistic answer time for an image of this many pixels.
fn realistic(width: u32, height: u32) -> Duration {
    let megapixels = width as f64 * height as f64 / 1e6;
    let (lo, hi) = if megapixels <= 0.4 {
        (0.5, 1.5)
    } else if megapixels <= 1.8 {
        (1.0, 3.0)
    } else if megapixels <= 6.0 {
        (2.0, 5.0)
    } else {
        (3.0, 7.0)
    };
    Duration::from_secs_f64(lo + (hi - lo) * rand::random::<f64>())
}

/// Splits a full answer into stream chunks: thoughts first, then the rest with the finish.
fn stream_chunks(answer: Value) -> Vec<Value> {
    let parts = answer["candidates"][0]["content"]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (thoughts, rest): (Vec<Value>, Vec<Value>) = parts
        .into_iter()
        .partition(|p| p.get("thought").and_then(Value::as_bool) == Some(true));
    if thoughts.is_empty() {
        return vec![answer];
    }
    let mut first = json!({
        "candidates": [{"content": {"role": "model", "parts": thoughts}, "index": 0}],
        "modelVersion": answer["modelVersion"],
        "responseId": answer["responseId"],
    });
    first["usageMetadata"] = json!({
        "promptTokenCount": answer["usageMetadata"]["promptTokenCount"],
        "totalTokenCount": answer["usageMetadata"]["promptTokenCount"],
    });
    let mut last = answer;
    last["candidates"][0]["content"]["parts"] = Value::Array(rest);
    vec![first, last]
}

fn count_tokens(
    state: &SimState,
    version: &str,
    model: &str,
    body: &[u8],
) -> Result<Response, SimError> {
    let spec = find_model(state, model, version, "countTokens")?;
    let value = parse_body(body)?;
    schema::validate(&value, &messages::COUNT_TOKENS_REQUEST, version)?;
    let inner = get(&value, "generate_content_request").cloned();
    let request_body = inner.unwrap_or_else(|| json!({"contents": get(&value, "contents")}));
    let lookup = |id: &str| state.files.resolve(id);
    let req = request::interpret(&request_body, spec, &lookup, 0)?;
    let images = req.input_images as u64 * response::INPUT_IMAGE_TOKENS;
    let mut details = vec![json!({"modality": "TEXT", "tokenCount": req.prompt_text_tokens})];
    if images > 0 {
        details.push(json!({"modality": "IMAGE", "tokenCount": images}));
    }
    Ok(Json(json!({
        "totalTokens": req.prompt_text_tokens + images,
        "promptTokensDetails": details,
    }))
    .into_response())
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
