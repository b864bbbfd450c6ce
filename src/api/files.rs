//! The Files API: resumable uploads, so large or reused images travel once.

use reqwest::header::CONTENT_TYPE;

use super::backend::Feature;
use super::client::GeminiClient;
use super::error::ApiError;
use super::http::{checked, network_error, parse_json};
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
        if let Some(reason) = self.capabilities().reason(Feature::FilesApi) {
            return Err(ApiError::InvalidArgument {
                message: reason.to_string(),
            });
        }
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
        let body = response
            .bytes()
            .await
            .map_err(|e| network_error(&e, self.base_url()))?;
        let envelope: FileEnvelope = parse_json(&body, status, "upload answer")?;
        if envelope.file.uri.is_empty() {
            return Err(ApiError::BadResponse {
                status,
                detail: "the uploaded file has no uri".into(),
            });
        }
        Ok(envelope.file)
    }

    /// The answer when it is a 2xx, else the Gemini API's typed error for it.
    async fn check(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<reqwest::Response, ApiError> {
        let response = sent.map_err(|e| network_error(&e, self.base_url()))?;
        checked(response, |answer| answer.classify_plain(model)).await
    }
}
