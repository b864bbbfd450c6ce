//! The Files API: resumable uploads, so large or reused images travel once.

use reqwest::header::CONTENT_TYPE;

use super::client::GeminiClient;
use super::error::ApiError;
use super::wire::{FileEnvelope, FileResource};

impl GeminiClient {
    /// Uploads bytes with the resumable protocol (start, then upload + finalize) and
    /// returns the file resource.
    pub async fn upload_file(
        &self,
        bytes: &[u8],
        mime: &str,
        display_name: &str,
    ) -> Result<FileResource, ApiError> {
        let start_url = format!(
            "{}/upload/{}/files",
            self.base_url().trim_end_matches('/'),
            self.api_version()
        );
        let body = serde_json::json!({ "file": { "displayName": display_name } }).to_string();
        let started = self
            .http()
            .post(&start_url)
            .header("X-Goog-Upload-Protocol", "resumable")
            .header("X-Goog-Upload-Command", "start")
            .header(
                "X-Goog-Upload-Header-Content-Length",
                bytes.len().to_string(),
            )
            .header("X-Goog-Upload-Header-Content-Type", mime)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let started = self.check(started, "").await?;
        let Some(upload_url) = started
            .headers()
            .get("x-goog-upload-url")
            .and_then(|v| v.to_str().ok())
        else {
            return Err(ApiError::BadResponse {
                status: started.status().as_u16(),
                detail: "the upload start answer had no x-goog-upload-url header".into(),
            });
        };
        let upload_url = upload_url.to_string();
        let sent = self
            .http()
            .post(&upload_url)
            .header("X-Goog-Upload-Offset", "0")
            .header("X-Goog-Upload-Command", "upload, finalize")
            .header(CONTENT_TYPE, mime)
            .body(bytes.to_vec())
            .send()
            .await;
        let response = self.check(sent, "").await?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| ApiError::Network {
            message: e.to_string(),
            url: self.base_url().to_string(),
        })?;
        let envelope: FileEnvelope =
            serde_json::from_slice(&body).map_err(|e| ApiError::BadResponse {
                status,
                detail: format!("upload answer: {e}"),
            })?;
        if envelope.file.uri.is_empty() {
            return Err(ApiError::BadResponse {
                status,
                detail: "the uploaded file has no uri".into(),
            });
        }
        Ok(envelope.file)
    }

    async fn check(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<reqwest::Response, ApiError> {
        let response = sent.map_err(|e| ApiError::Network {
            message: e.to_string(),
            url: self.base_url().to_string(),
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        Err(ApiError::from_response(status, None, &body, model))
    }
}
