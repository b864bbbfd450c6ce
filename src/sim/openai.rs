//! OpenAI's image endpoints, as gateways that resell the Gemini image models offer them:
//! `POST /v1/images/generations` (JSON), `POST /v1/images/edits` (multipart, one or more
//! images) and `GET /v1/models`, with `Authorization: Bearer KEY` and OpenAI-style error
//! bodies. Generation, faults and rate limits are the Gemini API's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

mod parse;

use parse::{Ask, parse_edit, parse_generation};

use super::SimState;
use super::errors::{SimError, html_bad_gateway};
use super::generate::{self, Dialect, Generated, Job};
use crate::models::ModelSpec;

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone)]
pub struct OpenAiError {
    status: u16,
    message: String,
    kind: &'static str,
    code: Option<&'static str>,
    param: Option<&'static str>,
    retry_after: Option<u64>,
}

impl OpenAiError {
    fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            kind,
            code: None,
            param: None,
            retry_after: None,
        }
    }

    fn invalid(message: impl Into<String>, param: &'static str) -> Self {
        let mut err = Self::new(400, "invalid_request_error", message);
        err.param = Some(param);
        err
    }

    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "message": self.message, "type": self.kind, "param": self.param, "code": self.code,
        }});
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, value);
        }
        resp
    }
}

/// Maps the Gemini simulator's error to what an OpenAI-style gateway answers.
fn translate(err: SimError) -> OpenAiError {
    match err.code {
        429 if err.message.contains("free_tier") => OpenAiError::new(
            429,
            "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details.",
        )
        .code("insufficient_quota"),
        429 => {
            let mut e = OpenAiError::new(429, "requests", "Rate limit reached for requests.")
                .code("rate_limit_exceeded");
            e.retry_after = err.retry_after.or(Some(1));
            e
        }
        404 => OpenAiError::new(404, "invalid_request_error", err.message).code("model_not_found"),
        500 => OpenAiError::new(
            500,
            "server_error",
            "The server had an error while processing your request. Sorry about that!",
        ),
        502..=504 => OpenAiError::new(
            err.code,
            "server_error",
            "The engine is currently overloaded, please try again later.",
        ),
        _ => OpenAiError::new(400, "invalid_request_error", err.message),
    }
}

/// Checks `Authorization: Bearer KEY` against the simulator's key (any key when unset).
fn check_key(state: &SimState, headers: &HeaderMap) -> Result<(), OpenAiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(given) = given else {
        return Err(OpenAiError::new(
            401,
            "invalid_request_error",
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        ));
    };
    match &state.config.key {
        Some(expected) if expected != given => Err(OpenAiError::new(
            401,
            "invalid_request_error",
            "Incorrect API key provided. You can find your API key in the gateway's dashboard.",
        )
        .code("invalid_api_key")),
        _ => Ok(()),
    }
}

/// True when a request carries a gateway key rather than a Google key (`GET /v1/models`
/// serves both shapes).
pub fn is_openai_call(headers: &HeaderMap) -> bool {
    !headers.contains_key("x-goog-api-key")
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "))
}

/// `GET /v1/models` in OpenAI's shape.
pub fn list(state: &SimState, headers: &HeaderMap) -> Response {
    if let Err(e) = check_key(state, headers) {
        return e.into_response();
    }
    let data: Vec<Value> = state
        .registry
        .models
        .keys()
        .map(|id| json!({"id": id, "object": "model", "created": 1_780_000_000, "owned_by": "google"}))
        .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

/// `POST /v1/images/generations`.
pub async fn generations(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = check_key(&state, &headers) {
        return e.into_response();
    }
    let ask = match parse_generation(&body) {
        Ok(ask) => ask,
        Err(e) => return e.into_response(),
    };
    answer(&state, ask).await
}

/// `POST /v1/images/edits` (multipart: `image` or `image[]`, prompt, model, n, size).
pub async fn edits(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if let Err(e) = check_key(&state, &headers) {
        return e.into_response();
    }
    let Ok(multipart) = multipart else {
        return OpenAiError::new(
            400,
            "invalid_request_error",
            "Invalid content type: image edit requests must be multipart/form-data.",
        )
        .into_response();
    };
    let ask = match parse_edit(multipart).await {
        Ok(ask) => ask,
        Err(e) => return e.into_response(),
    };
    answer(&state, ask).await
}

/// The Gemini ratio and size for a `WxH` size, or `None` for the model's default.
fn ratio_and_size(
    spec: &ModelSpec,
    size: Option<&str>,
) -> Result<Option<(String, String)>, OpenAiError> {
    let Some(size) = size
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "auto")
    else {
        return Ok(None);
    };
    for ratio in &spec.aspect_ratios {
        for name in spec.sizes.iter().map(|s| &s.name) {
            if spec
                .pixels(ratio, name)
                .is_some_and(|(w, h)| format!("{w}x{h}") == size)
            {
                return Ok(Some((ratio.clone(), name.clone())));
            }
        }
    }
    Err(OpenAiError::invalid(
        format!(
            "Invalid value: '{size}'. {} does not render that size; use a width x height from its ratio tables, or 'auto'.",
            spec.id
        ),
        "size",
    ))
}

/// Runs the request through the Gemini generation code and answers in OpenAI's shape.
async fn answer(state: &SimState, ask: Ask) -> Response {
    if ask.prompt.trim().is_empty() {
        return OpenAiError::invalid(
            "Invalid 'prompt': empty string. Say what the image should show.",
            "prompt",
        )
        .code("empty_string")
        .into_response();
    }
    let model = ask
        .model
        .clone()
        .unwrap_or_else(|| state.registry.default_model.clone());
    let Ok(spec) = state.registry.resolve(&model) else {
        return OpenAiError::new(
            404,
            "invalid_request_error",
            format!("The model '{model}' does not exist or you do not have access to it."),
        )
        .code("model_not_found")
        .into_response();
    };
    let settings = match ratio_and_size(spec, ask.size.as_deref()) {
        Ok(settings) => settings,
        Err(e) => return e.into_response(),
    };
    state.record(|s| s.openai_requests += 1);
    let mut image_config = json!({});
    if let Some((ratio, size)) = settings {
        image_config["aspectRatio"] = json!(ratio);
        if !spec.fixed_size {
            image_config["imageSize"] = json!(size);
        }
    }
    let mut parts: Vec<Value> = ask
        .images
        .iter()
        .map(
            |(mime, bytes)| json!({"inlineData": {"mimeType": mime, "data": BASE64.encode(bytes)}}),
        )
        .collect();
    parts.push(json!({"text": ask.prompt}));
    let body = json!({
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {"responseModalities": ["IMAGE"], "imageConfig": image_config},
    });
    let bytes = body.to_string().into_bytes();
    let job = Job {
        dialect: &Dialect::Gemini,
        version: "v1beta",
        model: &spec.id,
        method: "generateContent",
        image_count: Some(ask.n),
        deadline: None,
        interactions: false,
    };
    let generated = generate::run(state, &job, &bytes).await;
    match generated {
        Err(e) => translate(e).into_response(),
        Ok(Generated::Html) => html_bad_gateway(),
        Ok(Generated::Truncated(answer)) => generate::truncated(&images_body(&answer)),
        Ok(Generated::Answer(answer)) => {
            if refused(&answer) {
                return OpenAiError::new(
                    400,
                    "image_generation_user_error",
                    "Your request was rejected as a result of our safety system.",
                )
                .code("content_policy_violation")
                .into_response();
            }
            Json(images_body(&answer)).into_response()
        }
    }
}

/// True when the Gemini answer was blocked for safety (prompt or image).
fn refused(answer: &Value) -> bool {
    let blocked = answer["promptFeedback"]["blockReason"].is_string();
    let finish = answer["candidates"][0]["finishReason"]
        .as_str()
        .unwrap_or("");
    blocked || matches!(finish, "IMAGE_SAFETY" | "SAFETY" | "PROHIBITED_CONTENT")
}

/// `{"created", "data": [{"b64_json"}], "usage"}` from a Gemini answer's final images.
fn images_body(answer: &Value) -> Value {
    let parts = answer["candidates"][0]["content"]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let data: Vec<Value> = parts
        .iter()
        .filter(|p| p["thought"].as_bool() != Some(true))
        .filter_map(|p| p["inlineData"]["data"].as_str())
        .map(|data| json!({ "b64_json": data }))
        .collect();
    let usage = &answer["usageMetadata"];
    json!({
        "created": chrono::Utc::now().timestamp(),
        "data": data,
        "usage": {
            "input_tokens": usage["promptTokenCount"],
            "output_tokens": usage["candidatesTokenCount"],
            "total_tokens": usage["totalTokenCount"],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;

    #[test]
    fn sizes_map_back_to_ratio_and_size() {
        let registry = Registry::shipped().unwrap();
        let flash = registry.resolve("gemini-3.1-flash-image").unwrap();
        assert_eq!(
            ratio_and_size(flash, Some("1376x768")).unwrap(),
            Some(("16:9".into(), "1K".into()))
        );
        assert_eq!(ratio_and_size(flash, Some("auto")).unwrap(), None);
        assert!(ratio_and_size(flash, Some("3x3")).is_err());
    }

    #[test]
    fn gemini_errors_become_openai_errors() {
        let quota = translate(SimError::free_tier("m"));
        assert_eq!(
            (quota.status, quota.code),
            (429, Some("insufficient_quota"))
        );
        let limited = translate(SimError::rate_limited("m", 5, 1.0));
        assert_eq!(limited.code, Some("rate_limit_exceeded"));
        assert!(limited.retry_after.is_some());
        assert_eq!(translate(SimError::overloaded()).status, 503);
    }
}
