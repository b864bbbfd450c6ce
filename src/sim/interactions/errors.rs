//! The Interactions API's own error envelope (service-2026-12.md §3), used on its own
//! endpoints only: `{"error": {"code": "<string>", "message": "…"}}` with the code's
//! documented HTTP status; on a stream, the event `{"event_type": "error", "error":
//! {"code", "message"}}`; in a failed interaction, `errors: [{"code", "message"}]`.
//! generateContent, Files, Batch and Vertex AI keep Google's RPC envelope (`sim/errors.rs`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sim::SimState;
use crate::sim::call::Call;
use crate::sim::errors::{SimError, html_not_found};
use crate::sim::gate::{authorize, known_version};

/// A simulator error answered in the Interactions API's envelope.
#[derive(Debug, Clone)]
pub struct Refusal(pub SimError);

impl From<SimError> for Refusal {
    fn from(err: SimError) -> Self {
        Self(err)
    }
}

/// `{"code", "message"}` for `err`: the body of the envelope, of a stream's `error` event
/// and of an `errors[]` entry alike.
pub fn error_object(err: &SimError) -> Value {
    json!({ "code": err.interactions_code().as_str(), "message": err.message })
}

/// The whole error body.
pub fn body(err: &SimError) -> Value {
    json!({ "error": error_object(err) })
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let code = self.0.interactions_code();
        let status = StatusCode::from_u16(code.http()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let text = serde_json::to_string(&body(&self.0)).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            text,
        )
            .into_response();
        if let Some(secs) = self.0.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, value);
        }
        resp
    }
}

/// The version and key checks of an Interactions endpoint: an unknown version is the
/// front end's HTML 404 page; a missing or wrong key is `authentication` (401).
pub fn gate(state: &SimState, call: &Call) -> Option<Response> {
    if !known_version(&call.version) {
        return Some(html_not_found(call.uri.path()));
    }
    authorize(state, &call.headers, &call.params)
        .err()
        .map(|e| Refusal(e).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::http::classify_answer;
    use crate::api::interactions_error;
    use crate::sim::codes::{ALL_CODES, ApiCode};

    #[test]
    fn every_code_reads_back_as_the_client_reads_it() {
        for code in ALL_CODES {
            let err =
                SimError::new(500, "INTERNAL", format!("m {}", code.as_str())).with_code(code);
            let text = body(&err).to_string();
            let read =
                interactions_error::parse(text.as_bytes()).expect("an Interactions envelope");
            assert_eq!(read.code, code.as_str());
            assert_eq!(read.message, format!("m {}", code.as_str()));
            assert_eq!(
                interactions_error::documented_status(&read.code),
                code.http()
            );
        }
        let paid = SimError::new(402, "X", "credits").with_code(ApiCode::PaymentRequired);
        let read = classify_answer(402, None, body(&paid).to_string().as_bytes(), "m");
        assert!(read.stops_a_run() && !read.is_retryable(), "{read:?}");
    }

    #[test]
    fn errors_without_a_code_take_their_rpc_status_s() {
        let err = SimError::invalid("bad");
        assert_eq!(body(&err)["error"]["code"], "invalid_request");
        let gone = SimError::not_found("Interaction v1_x was not found.");
        assert_eq!(body(&gone)["error"]["code"], "not_found");
        let model = SimError::model_not_found("x", "v1beta", "createInteraction");
        assert_eq!(body(&model)["error"]["code"], "model_not_found");
        let resp = Refusal(SimError::missing_key()).into_response();
        assert_eq!(
            resp.status().as_u16(),
            401,
            "a missing key is authentication"
        );
    }
}
