//! What every simulator endpoint reads from a request before its own work: the API version,
//! the resource name in the path, the query, the headers, and the gate (a known version and a
//! valid key) that all Gemini endpoints share.
//!
//! `Gated` is the usual extractor: a handler that takes it only runs once the gate passed.
//! `Call` is for the few endpoints that must answer something else first (an unknown action
//! is a 404 page whatever the key, as the service does) and then ask [`Call::refusal`].

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use super::SimState;
use super::gate::gate;

/// The parts of a request every endpoint reads, not yet gated.
#[derive(Debug, Clone)]
pub struct Call {
    /// `v1beta` or `v1` (or whatever the client sent: the gate refuses the rest).
    pub version: String,
    /// The `{name}` or `{id}` path segment, empty on collection routes.
    pub name: String,
    /// The URI as the client sent it (for 404 pages).
    pub uri: Uri,
    /// The query parameters.
    pub params: HashMap<String, String>,
    /// The request headers.
    pub headers: HeaderMap,
}

impl Call {
    /// The version and key checks every endpoint shares; `Some` is the refusal to send.
    pub fn refusal(&self, state: &SimState) -> Option<Response> {
        gate(state, &self.version, &self.uri, &self.headers, &self.params)
    }
}

impl FromRequestParts<Arc<SimState>> for Call {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SimState>,
    ) -> Result<Self, Self::Rejection> {
        let Path(mut segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(params) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let uri = match OriginalUri::from_request_parts(parts, state).await {
            Ok(OriginalUri(uri)) => uri,
            Err(never) => match never {},
        };
        let name = segments
            .remove("name")
            .or_else(|| segments.remove("id"))
            .unwrap_or_default();
        Ok(Self {
            version: segments.remove("version").unwrap_or_default(),
            name,
            uri,
            params,
            headers: parts.headers.clone(),
        })
    }
}

/// A request that passed the gate.
#[derive(Debug, Clone)]
pub struct Gated(pub Call);

impl Deref for Gated {
    type Target = Call;

    fn deref(&self) -> &Call {
        &self.0
    }
}

impl FromRequestParts<Arc<SimState>> for Gated {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SimState>,
    ) -> Result<Self, Self::Rejection> {
        let call = Call::from_request_parts(parts, state).await?;
        match call.refusal(state) {
            Some(refusal) => Err(refusal),
            None => Ok(Self(call)),
        }
    }
}
