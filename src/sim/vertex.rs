//! Vertex AI's paths: `/{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{m}:{action}`
//! with a bearer token from `/token`, the project-less express-mode paths with an API key,
//! and publisher-model lookups. Generation is the Gemini API's, with Vertex-only fields
//! accepted and Vertex's own error wording.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::errors::{SimError, html_not_found};
use super::gate::{Params, authorize};
use super::generate::{self, Dialect, Mode};
use super::oauth::Refusal;
use super::schema::get;
use super::{SimState, VERTEX_LOCATION, text_model};
use crate::models::ModelSpec;

/// The values Vertex AI takes for `imageConfig.personGeneration`.
const PERSON_GENERATION: &[&str] = &["ALLOW_ALL", "ALLOW_ADULT", "ALLOW_NONE"];

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn known_version(version: &str) -> bool {
    matches!(version, "v1" | "v1beta1")
}

/// `POST /{version}/projects/{project}/locations/{location}/publishers/google/models/{model}:{action}`.
pub async fn project_action(
    State(state): State<Arc<SimState>>,
    Path((version, project, location, name)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((model, action)) = name.rsplit_once(':') else {
        return html_not_found(uri.path());
    };
    if !known_version(&version) {
        return html_not_found(uri.path());
    }
    if let Err(refusal) = state.tokens.check(&headers) {
        return SimError::unauthenticated(refusal).into_response();
    }
    let resource =
        format!("projects/{project}/locations/{location}/publishers/google/models/{model}");
    if state.config.project.as_ref().is_some_and(|p| *p != project) {
        return SimError::vertex_permission_denied(&resource).into_response();
    }
    if location != VERTEX_LOCATION {
        return SimError::publisher_model_not_found(&resource).into_response();
    }
    let call = Call {
        dialect: Dialect::Vertex { project },
        version: &version,
        model,
        action,
        resource,
        deadline: generate::deadline(&headers),
        quota_project: header_text(&headers, "x-goog-user-project"),
    };
    serve(&state, call, &params, &body).await
}

/// `POST /{version}/publishers/google/models/{model}:{action}`: express mode with an API key.
pub async fn express_action(
    State(state): State<Arc<SimState>>,
    Path((version, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((model, action)) = name.rsplit_once(':') else {
        return html_not_found(uri.path());
    };
    if !known_version(&version) {
        return html_not_found(uri.path());
    }
    if let Err(refusal) = express_key(&state, &headers, &params) {
        return refusal.into_response();
    }
    state.record(|s| s.express_requests += 1);
    let call = Call {
        dialect: Dialect::Vertex {
            project: String::new(),
        },
        version: &version,
        model,
        action,
        resource: format!("publishers/google/models/{model}"),
        deadline: generate::deadline(&headers),
        quota_project: header_text(&headers, "x-goog-user-project"),
    };
    serve(&state, call, &params, &body).await
}

/// Express mode's key check: a missing key is 401 on Vertex AI, a wrong one 400.
fn express_key(
    state: &SimState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(), SimError> {
    authorize(state, headers, params).map_err(|e| match e.code {
        403 => SimError::unauthenticated(Refusal::Missing),
        _ => e,
    })
}

/// One call on a Vertex AI path.
struct Call<'a> {
    dialect: Dialect,
    version: &'a str,
    model: &'a str,
    action: &'a str,
    resource: String,
    deadline: Option<std::time::Duration>,
    quota_project: Option<String>,
}

async fn serve(
    state: &SimState,
    call: Call<'_>,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Response {
    let Call {
        dialect,
        version,
        model,
        action,
        resource,
        deadline,
        quota_project,
    } = call;
    if !matches!(action, "generateContent" | "streamGenerateContent") {
        return SimError::new(
            400,
            "INVALID_ARGUMENT",
            format!("Method {action} is not served by this simulator's Vertex AI paths."),
        )
        .into_response();
    }
    if let Some(text) = state.served_text_model(model) {
        state.record(|s| s.vertex_requests += 1);
        let mode = Mode::for_action(action, params);
        return text_model::generate(state, version, text, body, (mode, true))
            .unwrap_or_else(IntoResponse::into_response);
    }
    if state.served_model(model).is_none() {
        return SimError::publisher_model_not_found(&resource).into_response();
    }
    let person = match person_generation(body) {
        Ok(person) => person,
        Err(e) => return e.into_response(),
    };
    state.record(|s| {
        s.vertex_requests += 1;
        s.last_person_generation = person;
        s.last_quota_project = quota_project;
    });
    let mode = Mode::for_action(action, params);
    generate::generate(state, &dialect, version, model, body, mode, deadline)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Reads and checks `imageConfig.personGeneration` (a body that is not JSON is left to
/// the generation code, which words that error).
fn person_generation(body: &[u8]) -> Result<Option<String>, SimError> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(None);
    };
    let Some(given) = get(&value, "generation_config")
        .and_then(|c| get(c, "image_config"))
        .and_then(|i| get(i, "person_generation"))
    else {
        return Ok(None);
    };
    match given.as_str() {
        Some(text) if PERSON_GENERATION.contains(&text.to_ascii_uppercase().as_str()) => {
            Ok(Some(text.to_ascii_uppercase()))
        }
        _ => Err(SimError::bad_field(
            "generation_config.image_config.person_generation",
            format!(
                "Invalid value at 'generation_config.image_config.person_generation' (type.googleapis.com/google.cloud.aiplatform.v1.ImageConfig.PersonGeneration), {given}"
            ),
        )),
    }
}

/// Bearer token or express key, for the read-only publisher-model endpoints.
fn either_credential(
    state: &SimState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(), SimError> {
    if headers.contains_key("x-goog-api-key") || params.contains_key("key") {
        return express_key(state, headers, params);
    }
    state
        .tokens
        .check(headers)
        .map_err(SimError::unauthenticated)
}

/// `GET /{version}/publishers/google/models/{model}`.
pub async fn get_publisher_model(
    State(state): State<Arc<SimState>>,
    Path((version, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if !known_version(&version) || name.contains(':') {
        return html_not_found(uri.path());
    }
    if let Err(e) = either_credential(&state, &headers, &params) {
        return e.into_response();
    }
    match state.served_model(&name) {
        Some(spec) => Json(publisher_model(spec)).into_response(),
        None => SimError::publisher_model_not_found(&format!("publishers/google/models/{name}"))
            .into_response(),
    }
}

/// `GET /v1beta1/publishers/google/models`.
pub async fn list_publisher_models(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if version != "v1beta1" {
        return html_not_found(uri.path());
    }
    if let Err(e) = either_credential(&state, &headers, &params) {
        return e.into_response();
    }
    let models: Vec<Value> = state
        .registry
        .models
        .values()
        .filter(|m| state.served_model(&m.id).is_some())
        .map(publisher_model)
        .collect();
    Json(json!({ "publisherModels": models })).into_response()
}

fn publisher_model(spec: &ModelSpec) -> Value {
    json!({
        "name": format!("publishers/google/models/{}", spec.id),
        "versionId": "001",
        "openSourceCategory": "PROPRIETARY",
        "launchStage": "GA",
    })
}

impl SimError {
    /// 403 for a project without billing, as Vertex AI words it.
    pub fn billing_disabled(project: &str) -> Self {
        let mut err = SimError::new(
            403,
            "PERMISSION_DENIED",
            format!(
                "This API method requires billing to be enabled. Please enable billing on project #{project} by visiting https://console.developers.google.com/billing/enable?project={project} then retry. If you enabled billing for this project recently, wait a few minutes for the action to propagate to our systems and retry."
            ),
        );
        err.details.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "BILLING_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"consumer": format!("projects/{project}"), "service": "aiplatform.googleapis.com"},
        }));
        err
    }

    /// 403 for a project the caller may not use.
    pub fn vertex_permission_denied(resource: &str) -> Self {
        let mut err = SimError::new(
            403,
            "PERMISSION_DENIED",
            format!(
                "Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/{resource}' (or it may not exist)."
            ),
        );
        err.details.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "IAM_PERMISSION_DENIED",
            "domain": "aiplatform.googleapis.com",
            "metadata": {"permission": "aiplatform.endpoints.predict", "resource": resource},
        }));
        err
    }

    /// 404 for a publisher model that is not served (here, or in this location).
    pub fn publisher_model_not_found(resource: &str) -> Self {
        SimError::not_found(format!(
            "Publisher Model `{resource}` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_generation_takes_the_three_values() {
        let body = |v: &str| {
            json!({"contents": [], "generationConfig": {"imageConfig": {"personGeneration": v}}})
                .to_string()
        };
        assert_eq!(
            person_generation(body("ALLOW_ADULT").as_bytes()).unwrap(),
            Some("ALLOW_ADULT".into())
        );
        assert!(person_generation(body("EVERYONE").as_bytes()).is_err());
        assert_eq!(person_generation(b"{}").unwrap(), None);
    }
}
