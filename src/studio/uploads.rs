//! Keeping requests under the inline size limit: large user-turn images go through the
//! Files API once and are sent as `fileData`; uploads are remembered until they expire.

use sha2::{Digest, Sha256};

use super::blobs::hex;
use super::error::StudioError;
use crate::api::client::GeminiClient;
use crate::api::wire::{FileData, GenerateContentRequest};
use crate::store::{Store, UploadRow};

/// Inline bytes allowed in one request before images are uploaded (the service takes 100 MB).
pub const DEFAULT_INLINE_BUDGET: usize = 20 * 1024 * 1024;

/// Uploads are reused only while at least this long remains before they expire.
const EXPIRY_MARGIN_MINUTES: i64 = 60;

/// Base64 size of the inline data in a request.
pub fn inline_bytes(request: &GenerateContentRequest) -> usize {
    request
        .contents
        .iter()
        .flat_map(|c| &c.parts)
        .filter_map(|p| p.inline_data.as_ref())
        .map(|b| b.data.0.len().div_ceil(3) * 4)
        .sum()
}

/// Moves the largest user-turn images to the Files API until the request fits `budget`.
/// Returns the names of the files used. Model turns stay inline: their signatures cover them.
pub async fn offload(
    client: &GeminiClient,
    store: &Store,
    request: &mut GenerateContentRequest,
    budget: usize,
) -> Result<Vec<String>, StudioError> {
    let mut size = inline_bytes(request);
    if size <= budget {
        return Ok(Vec::new());
    }
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for (ci, content) in request.contents.iter().enumerate() {
        if content.role.as_deref() == Some("model") {
            continue;
        }
        for (pi, part) in content.parts.iter().enumerate() {
            if let Some(blob) = &part.inline_data {
                candidates.push((blob.data.0.len(), ci, pi));
            }
        }
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut used = Vec::new();
    for (len, ci, pi) in candidates {
        if size <= budget {
            break;
        }
        let part = &mut request.contents[ci].parts[pi];
        let Some(blob) = part.inline_data.take() else {
            continue;
        };
        let file = uploaded(client, store, &blob.mime_type, &blob.data.0).await?;
        part.file_data = Some(FileData {
            mime_type: Some(blob.mime_type),
            file_uri: file.uri,
        });
        used.push(file.name);
        size = size.saturating_sub(len.div_ceil(3) * 4);
    }
    Ok(used)
}

/// A live upload of these bytes: remembered, or uploaded now.
async fn uploaded(
    client: &GeminiClient,
    store: &Store,
    mime: &str,
    bytes: &[u8],
) -> Result<UploadRow, StudioError> {
    let sha = hex(&Sha256::digest(bytes));
    let fresh_until = chrono::Utc::now() + chrono::Duration::minutes(EXPIRY_MARGIN_MINUTES);
    if let Some(row) = store.upload(&sha)?
        && chrono::DateTime::parse_from_rfc3339(&row.expires_at).is_ok_and(|t| t > fresh_until)
    {
        return Ok(row);
    }
    let file = client
        .upload_file(bytes, mime, &format!("peel-{}", &sha[..12]))
        .await?;
    let expires_at = file
        .expiration_time
        .clone()
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::hours(48)).to_rfc3339());
    let row = UploadRow {
        sha256: sha,
        name: file.name,
        uri: file.uri,
        mime: mime.to_string(),
        expires_at,
    };
    store.record_upload(&row)?;
    Ok(row)
}
