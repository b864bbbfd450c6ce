//! The router: paths and methods of the REST API, the models endpoints and the HTML 404
//! for anything else. What handlers share (the key gate, paging) is in `gate.rs`, so no
//! handler imports the router.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::call::Call;
use super::errors::{SimError, html_not_found};
use super::gate::{page_body, page_params};
use super::storage::routes as gcs;
use super::{
    SimState, batches, files, generate, interactions, oauth, openai, prediction, uploads, vertex,
};
use crate::models::{ModelSpec, TextModelSpec};

/// Largest request body accepted (the service allows 100 MB inline, plus base64 overhead).
const BODY_LIMIT: usize = 140 * 1024 * 1024;

/// Builds the router over shared state.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/{version}/models", get(list_models))
        .route(
            "/{version}/models/{name}",
            get(get_model).post(generate::model_action),
        )
        .route("/upload/{version}/files", post(uploads::upload))
        .route("/{version}/files", get(files::list))
        .route(
            "/{version}/files/{name}",
            get(files::get_file).delete(files::delete_file),
        )
        .route("/download/{version}/files/{name}", get(files::download))
        .route("/token", post(oauth::token))
        .route(
            "/{version}/projects/{project}/locations/{location}/publishers/google/models/{name}",
            post(vertex::project_action),
        )
        .route(
            "/{version}/publishers/google/models",
            get(vertex::list_publisher_models),
        )
        .route(
            "/{version}/publishers/google/models/{name}",
            get(vertex::get_publisher_model).post(vertex::express_action),
        )
        .route(
            "/{version}/projects/{project}/locations/{location}/batchPredictionJobs",
            get(prediction::collection).post(prediction::collection),
        )
        .route(
            "/{version}/projects/{project}/locations/{location}/batchPredictionJobs/{id}",
            get(prediction::cancel_or_get)
                .post(prediction::cancel_or_get)
                .delete(prediction::delete_job),
        )
        .route("/storage/v1/b", post(gcs::create_bucket))
        .route("/storage/v1/b/{bucket}", get(gcs::get_bucket))
        .route("/storage/v1/b/{bucket}/o", get(gcs::list))
        .route(
            "/storage/v1/b/{bucket}/o/{*name}",
            get(gcs::get_object).delete(gcs::delete_object),
        )
        .route(
            "/download/storage/v1/b/{bucket}/o/{*name}",
            get(gcs::download),
        )
        .route(
            "/upload/storage/v1/b/{bucket}/o",
            post(gcs::upload).put(gcs::put_chunk),
        )
        .route("/v1/images/generations", post(openai::generations))
        .route("/v1/images/edits", post(openai::edits))
        .route("/_peel/stats", get(stats))
        .route("/_peel/requests", get(requests))
        .route("/{version}/batches", get(batches::list))
        .route(
            "/{version}/batches/{name}",
            get(batches::get_batch)
                .delete(batches::delete_batch)
                .post(batches::batch_action),
        )
        .route("/{version}/interactions", post(interactions::create))
        .route(
            "/{version}/interactions/{id}",
            get(interactions::get).delete(interactions::delete),
        )
        .route(
            "/{version}/interactions/{id}/cancel",
            post(interactions::cancel),
        )
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(mark_simulated))
        .with_state(state)
}

/// The header every simulator answer carries, so a client can tell (and price) simulated
/// answers.
pub const SIMULATOR_HEADER: &str = "x-peel-simulator";

async fn mark_simulated(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(SIMULATOR_HEADER, HeaderValue::from_static("1"));
    resp
}

async fn fallback(OriginalUri(uri): OriginalUri) -> Response {
    html_not_found(uri.path())
}

/// `GET /_peel/stats`: what the simulator has seen (token grants, requests per API).
async fn stats(State(state): State<Arc<SimState>>) -> Response {
    let stats = state.stats.lock().map(|s| s.clone()).unwrap_or_default();
    Json(stats).into_response()
}

async fn requests(State(state): State<Arc<SimState>>) -> Response {
    Json(state.recent_requests()).into_response()
}

/// The service's description of one model.
pub fn model_info(spec: &ModelSpec) -> Value {
    json!({
        "name": format!("models/{}", spec.id),
        "version": "001",
        "displayName": spec.display_name,
        "description": format!(
            "{} ({}): native image generation and editing. Simulated by peel.",
            spec.display_name, spec.id
        ),
        "inputTokenLimit": spec.input_token_limit,
        "outputTokenLimit": 32768,
        "supportedGenerationMethods": ["generateContent", "countTokens", "batchGenerateContent"],
        "temperature": 1.0,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2.0,
        "thinking": true,
    })
}

/// The service's description of one text model.
pub fn text_model_info(spec: &TextModelSpec) -> Value {
    json!({
        "name": format!("models/{}", spec.id),
        "version": "001",
        "displayName": spec.display_name,
        "description": format!(
            "{} ({}): text and multimodal understanding. Simulated by peel.",
            spec.display_name, spec.id
        ),
        "inputTokenLimit": spec.input_token_limit,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": ["generateContent", "countTokens"],
        "temperature": 1.0,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2.0,
        "thinking": true,
    })
}

async fn list_models(State(state): State<Arc<SimState>>, call: Call) -> Response {
    if call.version == "v1" && openai::is_openai_call(&call.headers) {
        return openai::list(&state, &call.headers);
    }
    if let Some(refusal) = call.refusal(&state) {
        return refusal;
    }
    let (size, offset) = match page_params(&call.params, 50) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    // Image models, then text models; a model shut down today is no longer listed.
    let images = state
        .registry
        .models
        .values()
        .filter(|m| state.served_model(&m.id).is_some())
        .map(model_info);
    let texts = state
        .registry
        .text_models
        .values()
        .filter(|m| state.served_text_model(&m.id).is_some())
        .map(text_model_info);
    let all: Vec<Value> = images.chain(texts).collect();
    let body = page_body("models", &all, (size, offset), true, Value::clone);
    Json(body).into_response()
}

async fn get_model(State(state): State<Arc<SimState>>, call: Call) -> Response {
    if call.name.contains(':') {
        return html_not_found(call.uri.path());
    }
    if let Some(refusal) = call.refusal(&state) {
        return refusal;
    }
    if let Some(spec) = state.served_model(&call.name) {
        return Json(model_info(spec)).into_response();
    }
    match state.served_text_model(&call.name) {
        Some(spec) => Json(text_model_info(spec)).into_response(),
        None => SimError::model_not_found(&call.name, &call.version, "getModel").into_response(),
    }
}
