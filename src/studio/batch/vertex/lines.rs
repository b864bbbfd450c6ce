//! The input file of a Vertex batch: one `{"request": GenerateContentRequest}` line per
//! item, each request labelled `peel_item` with its index (results are matched by that
//! label, never by line order). A reference image bigger than `INLINE_REFERENCE_LIMIT`
//! is uploaded to the run's `refs/` folder once (named by its SHA-256, so a resumed
//! submit finds it) and sent as a `fileData` `gs://` URI; smaller ones stay inline.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::api::storage::StorageClient;
use crate::api::storage_uri::GcsUri;
use crate::api::wire::{FileData, GenerateContentRequest};
use crate::error::ValidationError;
use crate::fsio::OutputError;
use crate::models::Registry;
use crate::store::{RunId, Store};
use crate::studio::batch::validate::BatchItem;
use crate::studio::{StudioError, spec};

/// Reference images up to this many bytes travel inline in each line.
pub const INLINE_REFERENCE_LIMIT: usize = 32 * 1024;

/// Items read from the store a page at a time, so a 50,000-item file is never whole in memory.
const PAGE: usize = 500;

#[derive(Serialize)]
struct Line<'a> {
    request: Labelled<'a>,
}

#[derive(Serialize)]
struct Labelled<'a> {
    #[serde(flatten)]
    request: &'a GenerateContentRequest,
    labels: BTreeMap<&'static str, String>,
}

/// Writes the input lines of run `run` to `path` (whole or not at all) and returns its
/// size in bytes.
pub async fn write(
    storage: &StorageClient,
    registry: &Registry,
    store: &Store,
    run: RunId,
    dir: &Path,
    refs: &GcsUri,
    path: &Path,
) -> Result<u64, StudioError> {
    let disk = |e: std::io::Error| OutputError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let temp = path.with_extension("partial");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&temp).map_err(disk)?);
    let mut references = References {
        storage,
        folder: refs,
        uploaded: HashMap::new(),
    };
    let mut bytes = 0u64;
    let mut after = 0usize;
    loop {
        let rows = store.batch_items_after(run, after, PAGE)?;
        let Some(last) = rows.last() else { break };
        after = last.index;
        for row in rows {
            let item: BatchItem = serde_json::from_str(&row.item_json).map_err(|e| {
                StudioError::Internal(format!(
                    "item {} of run {run} is unreadable: {e}",
                    row.index
                ))
            })?;
            let mut jobs = spec::prepare(&item.spec_with_roster(dir, store)?, registry)?;
            let Some(mut job) = jobs.pop() else { continue };
            references.lift(&mut job.request, item.index).await?;
            let line = serde_json::to_vec(&Line {
                request: Labelled {
                    request: &job.request,
                    labels: BTreeMap::from([("peel_item", item.index.to_string())]),
                },
            })
            .map_err(|e| {
                ValidationError::Invalid(format!("cannot encode item {}: {e}", item.index))
            })?;
            file.write_all(&line).map_err(disk)?;
            file.write_all(b"\n").map_err(disk)?;
            bytes += line.len() as u64 + 1;
        }
    }
    let file = file.into_inner().map_err(|e| disk(e.into_error()))?;
    file.sync_all().map_err(disk)?;
    drop(file);
    std::fs::rename(&temp, path).map_err(disk)?;
    Ok(bytes)
}

/// Reference images moved out of the lines into the bucket, each once.
struct References<'a> {
    storage: &'a StorageClient,
    folder: &'a GcsUri,
    /// SHA-256 → `gs://` URI of what this submit has placed already.
    uploaded: HashMap<[u8; 32], String>,
}

impl References<'_> {
    /// Replaces big inline images by `gs://` URIs; refuses URIs Vertex AI cannot read.
    async fn lift(
        &mut self,
        request: &mut GenerateContentRequest,
        item: usize,
    ) -> Result<(), StudioError> {
        for content in &mut request.contents {
            for part in &mut content.parts {
                if let Some(file) = &part.file_data
                    && !file.file_uri.starts_with("gs://")
                {
                    return Err(ValidationError::Invalid(format!(
                        "item {item} refers to {}, which only the Gemini API can read (a Files API upload); Vertex AI reads gs:// URIs and inline images. Give the reference as a local file.",
                        file.file_uri
                    ))
                    .into());
                }
                let Some(blob) = part
                    .inline_data
                    .take_if(|b| b.data.0.len() > INLINE_REFERENCE_LIMIT)
                else {
                    continue;
                };
                let uri = self.place(&blob.data.0, &blob.mime_type).await?;
                part.file_data = Some(FileData {
                    mime_type: Some(blob.mime_type),
                    file_uri: uri,
                });
            }
        }
        Ok(())
    }

    /// The `gs://` URI of `bytes` in the run's folder, uploading them unless already there.
    async fn place(&mut self, bytes: &[u8], mime: &str) -> Result<String, StudioError> {
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(uri) = self.uploaded.get(&digest) {
            return Ok(uri.clone());
        }
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let extension = mime.rsplit('/').next().unwrap_or("bin");
        let object = self.folder.join(&format!("{hex}.{extension}"));
        let (crc, size) = crate::api::storage::crc32c_of(bytes)
            .map_err(|e| StudioError::Internal(e.to_string()))?;
        let present = self.storage.object(&object.bucket, &object.object).await?;
        if !present.is_some_and(|info| info.matches(size, &crc)) {
            self.storage.insert(&object, mime, bytes.to_vec()).await?;
        }
        let uri = object.to_string();
        self.uploaded.insert(digest, uri.clone());
        Ok(uri)
    }
}
