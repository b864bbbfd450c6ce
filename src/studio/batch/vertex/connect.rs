//! What the Vertex batch lane needs beyond a Vertex AI connection: Cloud Storage with the
//! same credentials (or an emulator, without them), and a project (express mode is refused).

use crate::api::backend::{Backend, Feature};
use crate::api::storage::StorageClient;
use crate::config::{BackendChoice, Settings};
use crate::error::ValidationError;
use crate::studio::StudioError;
use crate::studio::backend::Connection;

/// Cloud Storage for `conn`, refused (exit 2) unless it is Vertex AI with a project.
pub fn storage_for(settings: &Settings, conn: &Connection) -> Result<StorageClient, StudioError> {
    let (Backend::Vertex(target), BackendChoice::Vertex(vertex)) =
        (conn.client.backend(), &settings.backend)
    else {
        return Err(conn
            .capabilities()
            .require(Feature::VertexBatch)
            .err()
            .map_or_else(
                || StudioError::Internal("a Vertex AI connection without Vertex settings".into()),
                StudioError::from,
            ));
    };
    if target.is_express() {
        return Err(ValidationError::Invalid(
            "Vertex AI express mode (an API key, no project) cannot run batch prediction: set a project and credentials (`project` under [vertex] or GOOGLE_CLOUD_PROJECT, and GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`) and drop the express-mode key".into(),
        )
        .into());
    }
    Ok(StorageClient::new(
        &vertex.storage,
        Some(target.clone()),
        settings.timeout,
    )?)
}

/// `[vertex] batch_bucket`, when Vertex AI is the backend.
pub fn configured_bucket(settings: &Settings) -> Option<&str> {
    match &settings.backend {
        BackendChoice::Vertex(vertex) => vertex.batch_bucket.as_deref(),
        _ => None,
    }
}
