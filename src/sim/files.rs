//! The Files API (stub until implemented).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::SimState;
use super::errors::SimError;
use super::request::ResolvedFile;

/// Uploaded and generated files.
#[derive(Debug, Default)]
pub struct FileStore {}

impl FileStore {
    /// The bytes of file `id`, if it exists.
    pub fn resolve(&self, _id: &str) -> Option<ResolvedFile> {
        None
    }
}

/// Upload.
pub async fn upload(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// List.
pub async fn list(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Get.
pub async fn get_file(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Delete.
pub async fn delete_file(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
/// Download.
pub async fn download(State(_state): State<Arc<SimState>>) -> Response {
    SimError::not_found("not yet").into_response()
}
