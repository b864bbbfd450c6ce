//! Cloud Storage's JSON API, the part the Vertex batch lane needs: a bucket's existence,
//! one object's metadata, listing by prefix, a resumable upload that can be picked up from
//! its session after a kill, small inserts and deletes, and an object streamed line by line.
//! Requests carry the Vertex credentials, except against an emulator (`STORAGE_EMULATOR_HOST`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use futures::StreamExt;
use reqwest::header::{AUTHORIZATION, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{Method, RequestBuilder, Url};
use serde::Deserialize;

use super::error::ApiError;
use super::http::{checked, read_json, transport_error};
use super::storage_error::classify;
use super::storage_uri::GcsUri;
use super::vertex::VertexTarget;
use crate::config::StorageEndpoint;

/// Bytes per upload chunk: a multiple of 256 KiB, as the resumable protocol requires.
pub const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;

/// One object's metadata (`storage#object`); sizes and generations come as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectInfo {
    /// The object's name inside its bucket.
    pub name: String,
    /// The bucket.
    pub bucket: String,
    /// Bytes, as a decimal string.
    pub size: String,
    /// Base64 of the big-endian CRC32C.
    pub crc32c: Option<String>,
    /// Base64 of the MD5, when the service keeps one.
    pub md5_hash: Option<String>,
    /// The generation, as a decimal string.
    pub generation: String,
    /// The content type.
    pub content_type: Option<String>,
}

impl ObjectInfo {
    /// The size in bytes (0 when unreadable).
    pub fn bytes(&self) -> u64 {
        self.size.trim().parse().unwrap_or(0)
    }

    /// True when this object holds exactly `size` bytes with checksum `crc32c`.
    pub fn matches(&self, size: u64, crc32c: &str) -> bool {
        self.bytes() == size && self.crc32c.as_deref() == Some(crc32c)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ObjectPage {
    items: Vec<ObjectInfo>,
    next_page_token: Option<String>,
}

/// Where a resumable upload stands, from a status query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadProgress {
    /// The service holds the first `n` bytes; send the rest from there.
    At(u64),
    /// The object is complete.
    Complete(ObjectInfo),
    /// The session expired or never existed: start a new one.
    Gone,
}

/// The base64 CRC32C Cloud Storage keeps for `bytes` read from `reader`, and their count.
pub fn crc32c_of(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    use base64::Engine as _;
    let mut crc = 0u32;
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buffer[..n]);
        size += n as u64;
    }
    Ok((
        base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes()),
        size,
    ))
}

/// A Cloud Storage client on one endpoint.
#[derive(Clone)]
pub struct StorageClient {
    http: reqwest::Client,
    base: Url,
    /// The Vertex credentials; `None` against an emulator.
    credential: Option<Arc<VertexTarget>>,
    timeout: Duration,
}

impl std::fmt::Debug for StorageClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageClient")
            .field("base", &self.base.as_str())
            .field("credentials", &self.credential.is_some())
            .finish()
    }
}

impl StorageClient {
    /// A client for `endpoint`; `target`'s tokens go with every request unless the
    /// endpoint is an emulator.
    pub fn new(
        endpoint: &StorageEndpoint,
        target: Option<Arc<VertexTarget>>,
        timeout: Duration,
    ) -> Result<Self, ApiError> {
        let network = |message: String| ApiError::Network {
            message,
            url: endpoint.base_url.clone(),
        };
        let base = Url::parse(&format!("{}/", endpoint.base_url.trim_end_matches('/')))
            .map_err(|e| network(format!("the Cloud Storage URL is not a URL ({e})")))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("peel/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(timeout)
            .build()
            .map_err(|e| network(e.to_string()))?;
        Ok(Self {
            http,
            base,
            credential: if endpoint.emulator { None } else { target },
            timeout,
        })
    }

    /// True when requests go without credentials (an emulator).
    pub fn is_anonymous(&self) -> bool {
        self.credential.is_none()
    }

    /// `{base}/{segments…}`, each segment percent-encoded (`/` in a name becomes `%2F`).
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn request(&self, method: Method, url: Url) -> Result<RequestBuilder, ApiError> {
        let mut builder = self.http.request(method, url);
        if let Some(target) = &self.credential
            && let Some(auth) = target.authorization().await?
        {
            builder = builder.header(AUTHORIZATION, auth);
        }
        Ok(builder)
    }

    /// Sends a small request and returns the 2xx answer, or the typed error.
    async fn send(&self, builder: RequestBuilder) -> Result<reqwest::Response, ApiError> {
        let response = builder
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        self.checked(response).await
    }

    /// The answer when it is a 2xx or a resumable upload's 308, else Cloud Storage's typed
    /// error for it.
    async fn checked(&self, response: reqwest::Response) -> Result<reqwest::Response, ApiError> {
        if response.status().as_u16() == 308 {
            return Ok(response);
        }
        checked(response, |answer| {
            let body = answer.body.unwrap_or_default();
            classify(answer.status, answer.retry_after.as_deref(), &body)
        })
        .await
    }

    /// Runs an idempotent call again while its error is transient.
    async fn retrying<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(30))
            .with_max_times(4)
            .with_jitter();
        call.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(ApiError::is_retryable)
            .notify(|err, delay| tracing::warn!(?delay, "Cloud Storage: retrying: {err}"))
            .await
    }

    /// `GET b/BUCKET`: `Ok` when the bucket exists and the credentials may see it.
    pub async fn bucket_exists(&self, bucket: &str) -> Result<(), ApiError> {
        let url = self.url(&["storage", "v1", "b", bucket], &[]);
        self.retrying(|| async {
            self.send(self.request(Method::GET, url.clone()).await?)
                .await
                .map(|_| ())
        })
        .await
    }

    /// One object's metadata, `None` when there is no such object.
    pub async fn object(&self, bucket: &str, name: &str) -> Result<Option<ObjectInfo>, ApiError> {
        let url = self.url(&["storage", "v1", "b", bucket, "o", name], &[]);
        let found = self
            .retrying(|| async {
                let response = self
                    .send(self.request(Method::GET, url.clone()).await?)
                    .await?;
                read_json::<ObjectInfo>(response, "object metadata").await
            })
            .await;
        match found {
            Ok(info) => Ok(Some(info)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every object whose name starts with `prefix`, in name order, following pages.
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ApiError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("prefix", prefix), ("maxResults", "1000")];
            if let Some(t) = token.as_deref() {
                query.push(("pageToken", t));
            }
            let url = self.url(&["storage", "v1", "b", bucket, "o"], &query);
            let page: ObjectPage = self
                .retrying(|| async {
                    let response = self
                        .send(self.request(Method::GET, url.clone()).await?)
                        .await?;
                    read_json(response, "object list").await
                })
                .await?;
            all.extend(page.items);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Starts a resumable upload of `size` bytes to `uri` and returns its session URL,
    /// which the caller records before sending a byte. The object's CRC32C goes in the
    /// metadata, so the service refuses bytes that do not match it.
    pub async fn start_upload(
        &self,
        uri: &GcsUri,
        content_type: &str,
        size: u64,
        crc32c: &str,
    ) -> Result<String, ApiError> {
        let url = self.url(
            &["upload", "storage", "v1", "b", &uri.bucket, "o"],
            &[("uploadType", "resumable"), ("name", &uri.object)],
        );
        let metadata = serde_json::json!({
            "name": uri.object, "contentType": content_type, "crc32c": crc32c,
        });
        let response = self
            .send(
                self.request(Method::POST, url)
                    .await?
                    .header(CONTENT_TYPE, "application/json; charset=UTF-8")
                    .header("X-Upload-Content-Type", content_type)
                    .header("X-Upload-Content-Length", size.to_string())
                    .body(metadata.to_string()),
            )
            .await?;
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::BadResponse {
                status: response.status().as_u16(),
                detail: "the resumable upload answer has no Location".into(),
            })?;
        let session = self
            .base
            .join(location)
            .map_err(|e| ApiError::BadResponse {
                status: 200,
                detail: format!("the upload session URL is not a URL ({e})"),
            })?;
        Ok(session.to_string())
    }

    /// Asks a resumable session how much of `size` bytes it holds.
    pub async fn upload_progress(
        &self,
        session: &str,
        size: u64,
    ) -> Result<UploadProgress, ApiError> {
        let url = Url::parse(session).map_err(|e| ApiError::InvalidArgument {
            message: format!("the recorded upload session is not a URL ({e})"),
        })?;
        let sent = self
            .request(Method::PUT, url)
            .await?
            .header(CONTENT_RANGE, format!("bytes */{size}"))
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        match sent.status().as_u16() {
            404 | 410 => Ok(UploadProgress::Gone),
            _ => self.progress_of(sent).await,
        }
    }

    async fn progress_of(&self, response: reqwest::Response) -> Result<UploadProgress, ApiError> {
        let response = self.checked(response).await?;
        if response.status().as_u16() != 308 {
            return Ok(UploadProgress::Complete(
                read_json(response, "uploaded object").await?,
            ));
        }
        let held = response
            .headers()
            .get(RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.trim().strip_prefix("bytes=0-"))
            .and_then(|end| end.trim().parse::<u64>().ok())
            .map_or(0, |end| end + 1);
        Ok(UploadProgress::At(held))
    }

    /// Sends `path`'s bytes from `offset` to the session in `UPLOAD_CHUNK` pieces and
    /// returns the finished object.
    pub async fn upload_from(
        &self,
        session: &str,
        path: &Path,
        mut offset: u64,
    ) -> Result<ObjectInfo, ApiError> {
        use std::io::{Seek, SeekFrom};
        let local = |e: std::io::Error| ApiError::InvalidArgument {
            message: format!("cannot read {}: {e}", path.display()),
        };
        let mut file = std::fs::File::open(path).map_err(local)?;
        let size = file.metadata().map_err(local)?.len();
        let url = Url::parse(session).map_err(|e| ApiError::InvalidArgument {
            message: format!("the upload session is not a URL ({e})"),
        })?;
        let mut chunk = vec![0u8; UPLOAD_CHUNK];
        loop {
            file.seek(SeekFrom::Start(offset)).map_err(local)?;
            let want = UPLOAD_CHUNK.min((size - offset.min(size)) as usize);
            file.read_exact(&mut chunk[..want]).map_err(local)?;
            let range = if want == 0 {
                format!("bytes */{size}")
            } else {
                format!("bytes {offset}-{}/{size}", offset + want as u64 - 1)
            };
            let sent = self
                .request(Method::PUT, url.clone())
                .await?
                .header(CONTENT_RANGE, range)
                .body(chunk[..want].to_vec())
                .timeout(self.timeout)
                .send()
                .await
                .map_err(|e| self.transport_error(e))?;
            match self.progress_of(sent).await? {
                UploadProgress::Complete(info) => return Ok(info),
                UploadProgress::At(held) if held > offset => offset = held,
                UploadProgress::At(held) => {
                    return Err(ApiError::BadResponse {
                        status: 308,
                        detail: format!(
                            "the upload made no progress (the service holds {held} of {size} bytes)"
                        ),
                    });
                }
                UploadProgress::Gone => {
                    return Err(ApiError::NotFound {
                        message: "the upload session expired while sending".into(),
                    });
                }
            }
        }
    }

    /// Writes a small object in one request (`uploadType=media`).
    pub async fn insert(
        &self,
        uri: &GcsUri,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<ObjectInfo, ApiError> {
        let url = self.url(
            &["upload", "storage", "v1", "b", &uri.bucket, "o"],
            &[("uploadType", "media"), ("name", &uri.object)],
        );
        let response = self
            .send(
                self.request(Method::POST, url)
                    .await?
                    .header(CONTENT_TYPE, content_type)
                    .body(bytes),
            )
            .await?;
        read_json(response, "uploaded object").await
    }

    /// Deletes an object; one already gone counts as deleted.
    pub async fn delete(&self, bucket: &str, name: &str) -> Result<(), ApiError> {
        let url = self.url(&["storage", "v1", "b", bucket, "o", name], &[]);
        match self.send(self.request(Method::DELETE, url).await?).await {
            Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Streams an object and hands `on_line` each of its lines (without the newline), one
    /// at a time: memory holds one line, whatever the object's size.
    pub async fn for_each_line<E: From<ApiError>>(
        &self,
        bucket: &str,
        name: &str,
        mut on_line: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let url = self.url(
            &["storage", "v1", "b", bucket, "o", name],
            &[("alt", "media")],
        );
        let response = self
            .request(Method::GET, url)
            .await?
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let response = self.checked(response).await?;
        let mut stream = response.bytes_stream();
        let mut line: Vec<u8> = Vec::new();
        while let Some(piece) = stream.next().await {
            let piece = piece.map_err(|e| self.transport_error(e))?;
            let mut rest: &[u8] = &piece;
            while let Some(end) = rest.iter().position(|b| *b == b'\n') {
                line.extend_from_slice(&rest[..end]);
                on_line(&line)?;
                line.clear();
                rest = &rest[end + 1..];
            }
            line.extend_from_slice(rest);
        }
        if !line.is_empty() {
            on_line(&line)?;
        }
        Ok(())
    }

    fn transport_error(&self, e: reqwest::Error) -> ApiError {
        transport_error(e, self.timeout, self.base.as_str())
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
