//! Batch API and file transfer calls: create, get, list and cancel batch jobs; upload a
//! JSONL file with the resumable protocol in chunks; stream a results file to disk.

use std::io::{Read, Write};
use std::path::Path;

use futures::StreamExt;
use reqwest::header::CONTENT_TYPE;

use super::batch_wire::{BatchOperation, CreateBatchRequest, ListBatchesResponse};
use super::client::GeminiClient;
use super::error::ApiError;
use super::http::{checked, classify_answer, network_error, page_url, parse_json};
use super::wire::{FileEnvelope, FileResource};

/// Bytes per upload chunk (what Google's SDK sends).
pub const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;

impl GeminiClient {
    fn versioned(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.base_url().trim_end_matches('/'),
            self.api_version(),
            path
        )
    }

    /// `POST models/{model}:batchGenerateContent`; sent once (a create is not idempotent).
    pub async fn create_batch(
        &self,
        model: &str,
        request: &CreateBatchRequest,
    ) -> Result<BatchOperation, ApiError> {
        let body = serde_json::to_vec(request).map_err(|e| ApiError::InvalidArgument {
            message: format!("cannot encode the batch: {e}"),
        })?;
        let url = self.versioned(&format!("models/{model}:batchGenerateContent"));
        let sent = self
            .http()
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let bytes = self.body_of(sent, model).await?;
        parse(&bytes, "batch create answer")
    }

    /// `GET batches/{id}` (inline results included), retrying transient failures.
    pub async fn get_batch(&self, name: &str) -> Result<BatchOperation, ApiError> {
        let url = self.versioned(&batch_path(name));
        let bytes = self
            .with_retries(
                || async { self.body_of(self.http().get(&url).send().await, "").await },
                |_, _, _| {},
            )
            .await?;
        parse(&bytes, "batch")
    }

    /// `GET batches?pageSize=…`, every page.
    pub async fn list_batches(&self) -> Result<Vec<BatchOperation>, ApiError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = page_url(&self.versioned("batches?pageSize=100"), token.as_deref());
            let bytes = self
                .with_retries(
                    || async { self.body_of(self.http().get(&url).send().await, "").await },
                    |_, _, _| {},
                )
                .await?;
            let page: ListBatchesResponse = parse(&bytes, "batch list")?;
            all.extend(page.operations);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// `POST batches/{id}:cancel`.
    pub async fn cancel_batch(&self, name: &str) -> Result<(), ApiError> {
        let url = self.versioned(&format!("{}:cancel", batch_path(name)));
        let sent = self
            .http()
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await;
        self.body_of(sent, "").await.map(|_| ())
    }

    /// Uploads a file from disk with the resumable protocol, in `UPLOAD_CHUNK` pieces.
    pub async fn upload_path(
        &self,
        path: &Path,
        mime: &str,
        display_name: &str,
    ) -> Result<FileResource, ApiError> {
        let local = |e: std::io::Error| ApiError::InvalidArgument {
            message: format!("cannot read {}: {e}", path.display()),
        };
        let size = std::fs::metadata(path).map_err(local)?.len();
        let start = format!(
            "{}/upload/{}/files",
            self.base_url().trim_end_matches('/'),
            self.api_version()
        );
        let meta = serde_json::json!({ "file": { "displayName": display_name } }).to_string();
        let sent = self
            .http()
            .post(&start)
            .header("X-Goog-Upload-Protocol", "resumable")
            .header("X-Goog-Upload-Command", "start")
            .header("X-Goog-Upload-Header-Content-Length", size.to_string())
            .header("X-Goog-Upload-Header-Content-Type", mime)
            .header(CONTENT_TYPE, "application/json")
            .body(meta)
            .send()
            .await
            .map_err(|e| self.network(e))?;
        let sent = checked(sent, |answer| answer.classify_plain("")).await?;
        let Some(session) = sent
            .headers()
            .get("x-goog-upload-url")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
        else {
            return Err(ApiError::BadResponse {
                status: sent.status().as_u16(),
                detail: "the upload start answer had no x-goog-upload-url header".into(),
            });
        };
        let mut file = std::fs::File::open(path).map_err(local)?;
        let mut offset = 0u64;
        loop {
            let mut chunk = Vec::with_capacity(UPLOAD_CHUNK.min(size as usize + 1));
            (&mut file)
                .take(UPLOAD_CHUNK as u64)
                .read_to_end(&mut chunk)
                .map_err(local)?;
            let last = offset + chunk.len() as u64 >= size;
            let command = if last { "upload, finalize" } else { "upload" };
            let len = chunk.len() as u64;
            let sent = self
                .http()
                .post(&session)
                .header("X-Goog-Upload-Offset", offset.to_string())
                .header("X-Goog-Upload-Command", command)
                .header(CONTENT_TYPE, mime)
                .body(chunk)
                .send()
                .await;
            let bytes = self.body_of(sent, "").await?;
            offset += len;
            if last {
                let envelope: FileEnvelope = parse(&bytes, "upload answer")?;
                return Ok(envelope.file);
            }
        }
    }

    /// Streams a generated file (`files/…`) to `dest` without holding it in memory.
    pub async fn download_to(&self, name: &str, dest: &Path) -> Result<u64, ApiError> {
        let name = if name.starts_with("files/") {
            name.to_string()
        } else {
            format!("files/{name}")
        };
        let url = format!(
            "{}/download/{}/{name}:download?alt=media",
            self.base_url().trim_end_matches('/'),
            self.api_version()
        );
        let response = self
            .http()
            .get(&url)
            .send()
            .await
            .map_err(|e| self.network(e))?;
        let response = checked(response, |answer| answer.classify_plain("")).await?;
        let disk = |e: std::io::Error| ApiError::InvalidArgument {
            message: format!("cannot write {}: {e}", dest.display()),
        };
        let mut out = std::fs::File::create(dest).map_err(disk)?;
        let mut stream = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.network(e))?;
            out.write_all(&chunk).map_err(disk)?;
            written += chunk.len() as u64;
        }
        out.sync_all().map_err(disk)?;
        Ok(written)
    }

    /// The whole body of a 2xx answer, else the Gemini API's typed error for the answer.
    async fn body_of(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
        model: &str,
    ) -> Result<bytes::Bytes, ApiError> {
        let response = sent.map_err(|e| self.network(e))?;
        let response = checked(response, |answer| match answer.body {
            Ok(body) => classify_answer(answer.status, None, &body, model),
            Err(e) => self.network(e),
        })
        .await?;
        response.bytes().await.map_err(|e| self.network(e))
    }

    fn network(&self, e: reqwest::Error) -> ApiError {
        network_error(&e, self.base_url())
    }
}

/// `abc` or `batches/abc` → `batches/abc`.
pub fn batch_path(name: &str) -> String {
    if name.starts_with("batches/") {
        name.to_string()
    } else {
        format!("batches/{name}")
    }
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    parse_json(bytes, 200, what)
}
