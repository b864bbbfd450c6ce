//! Saved images as MCP resources: `peel://output/<job>/<n>` (n counts the job's outputs from
//! 1), linked from every tool result, listed newest first and read back whole, so a client
//! that cannot read the server's disk (over `--http`) still gets the originals.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use rmcp::ErrorData;
use rmcp::model::{ListResourcesResult, ReadResourceResult, Resource, ResourceContents};
use serde_json::json;

use super::PeelServer;
use crate::store::{OutputCursor, OutputRef};
use crate::studio::output::SavedOutput;

/// Every output resource's URI starts with this.
pub const OUTPUT_URI_PREFIX: &str = "peel://output/";

/// Outputs per `resources/list` page.
pub const PAGE_SIZE: usize = 50;

/// The URI of job `job`'s `n`th output.
pub fn output_uri(job: i64, n: usize) -> String {
    format!("{OUTPUT_URI_PREFIX}{job}/{n}")
}

/// The job and output number a `peel://output/…` URI names.
pub fn parse_output_uri(uri: &str) -> Option<(i64, usize)> {
    let (job, n) = uri.strip_prefix(OUTPUT_URI_PREFIX)?.split_once('/')?;
    let n: usize = n.parse().ok().filter(|n| *n >= 1)?;
    Some((job.parse().ok()?, n))
}

/// The MIME type of the image at `path`, from its first bytes.
fn sniff_file(path: &Path) -> Option<&'static str> {
    let mut head = [0u8; 32];
    let mut file = std::fs::File::open(path).ok()?;
    let read = file.read(&mut head).ok()?;
    crate::imaging::sniff_mime(&head[..read])
}

/// A `resource_link` for output `n` of job `job` saved at `path`: its name, MIME type and size.
pub fn link(job: i64, n: usize, path: &Path, description: Option<String>) -> Resource {
    let name = path.file_name().map_or_else(
        || format!("output {job}/{n}"),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut resource = Resource::new(output_uri(job, n), name);
    resource.mime_type = sniff_file(path).map(str::to_string);
    resource.size = std::fs::metadata(path).ok().map(|m| m.len());
    resource.description = description;
    resource
}

/// The `resource_link` of an image a tool just saved.
pub fn saved_link(job: i64, n: usize, saved: &SavedOutput) -> Resource {
    let name = saved.path.file_name().map_or_else(
        || format!("output {job}/{n}"),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut resource = Resource::new(output_uri(job, n), name);
    resource.mime_type = Some(saved.mime.clone());
    resource.size = Some(saved.bytes);
    resource.description = Some(format!("{}×{}, the full image", saved.width, saved.height));
    resource
}

fn listed(output: &OutputRef) -> Resource {
    let prompt: String = output.prompt.chars().take(120).collect();
    link(
        output.job,
        output.n,
        Path::new(&output.path),
        Some(format!(
            "job {} · {} · {prompt}",
            output.job, output.created_at
        )),
    )
}

impl PeelServer {
    /// One page of saved outputs, newest job first.
    pub(super) fn list_outputs(
        &self,
        cursor: Option<&str>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let from = match cursor {
            None => None,
            Some(text) => Some(OutputCursor::parse(text).ok_or_else(|| {
                ErrorData::invalid_params(
                    format!("cursor '{text}' is not one resources/list gave; start again without a cursor"),
                    None,
                )
            })?),
        };
        let store = self.ws().store().map_err(internal)?;
        let page = store.output_page(from, PAGE_SIZE).map_err(internal)?;
        let mut result =
            ListResourcesResult::with_all_items(page.outputs.iter().map(listed).collect());
        result.next_cursor = page.next.map(OutputCursor::to_text);
        Ok(result)
    }

    /// The whole image a `peel://output/…` URI names.
    pub(super) async fn read_output(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        let not_found =
            |why: String| ErrorData::resource_not_found(why, Some(json!({ "uri": uri })));
        let Some((job, n)) = parse_output_uri(uri) else {
            return Err(not_found(format!(
                "{uri} is not a peel output; output URIs look like {OUTPUT_URI_PREFIX}<job>/<n> (see resources/list)"
            )));
        };
        let store = self.ws().store().map_err(internal)?;
        let Some(output) = store.output(job, n).map_err(internal)? else {
            return Err(not_found(format!("job {job} has no output {n}")));
        };
        let path = output.path.clone();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
            .await
            .map_err(|e| internal(e.to_string()))?
            .map_err(|e| not_found(format!("{} cannot be read: {e}", output.path)))?;
        let mime = crate::imaging::sniff_mime(&bytes).unwrap_or("application/octet-stream");
        let blob = base64::engine::general_purpose::STANDARD.encode(&bytes);
        Ok(ReadResourceResult::new(vec![
            ResourceContents::BlobResourceContents {
                uri: uri.to_string(),
                mime_type: Some(mime.to_string()),
                blob,
                meta: None,
            },
        ]))
    }
}

fn internal(error: impl ToString) -> ErrorData {
    ErrorData::internal_error(error.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_job_and_an_output_from_one() {
        assert_eq!(output_uri(12, 3), "peel://output/12/3");
        assert_eq!(parse_output_uri("peel://output/12/3"), Some((12, 3)));
        assert_eq!(parse_output_uri("peel://output/12/0"), None);
        assert_eq!(parse_output_uri("peel://output/12"), None);
        assert_eq!(parse_output_uri("file:///etc/passwd"), None);
        assert_eq!(parse_output_uri("peel://output/x/1"), None);
    }
}
