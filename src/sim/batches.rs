//! The Batch API (stub until implemented).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::SimState;
use super::errors::SimError;

/// Batch jobs.
#[derive(Debug, Default)]
pub struct BatchStore {}

/// Create.
pub fn create(
    _state: &SimState,
    _version: &str,
    _model: &str,
    _body: &[u8],
) -> Result<Response, SimError> {
    Err(SimError::not_found("not yet"))
}
/// List.
pub async fn list(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Get.
pub async fn get_batch(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Delete.
pub async fn delete_batch(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Cancel.
pub async fn batch_action(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
