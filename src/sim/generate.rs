//! `models/{model}:{action}`: generateContent, streamGenerateContent and countTokens,
//! with rate limits, faults and latency in front of the renderer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::call::Call;
use super::errors::{SimError, html_bad_gateway, html_not_found};
use super::request::{self, GenRequest};
use super::response::{self, Rendered};
use super::schema::{self, get};
use super::{SimState, batches, messages, signature, storage, text_model};

pub use super::pipeline::{Generated, Job, run};
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
    let text_model = state.served_text_model(model);
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

/// Finds a model the way the service does, or the 404 it answers with (also for a model
/// shut down today: the service no longer serves it).
pub fn find_model<'a>(
    state: &'a SimState,
    model: &str,
    version: &str,
    method: &str,
) -> Result<&'a ModelSpec, SimError> {
    state
        .served_model(model)
        .ok_or_else(|| SimError::model_not_found(model, version, method))
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
    let objects = match vertex {
        true => storage::refs::read_all(&state.storage, body)?,
        false => Default::default(),
    };
    let lookup = |id: &str| match objects.get(id) {
        Some(object) => Some(object.clone()),
        None => state.files.resolve(id),
    };
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
        interactions: false,
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
