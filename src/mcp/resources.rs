//! Saved images as MCP resources: `peel://output/<job>/<n>` (n counts the job's outputs from
//! 1), linked from every tool result, listed newest first and read back whole, so a client
//! that cannot read the server's disk (over `--http`) still gets the originals.

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use rmcp::ErrorData;
use rmcp::model::{ListResourcesResult, ReadResourceResult, Resource, ResourceContents};
use serde_json::json;

use super::PeelServer;
use crate::imaging::thumbs::is_image;
use crate::store::{OutputCursor, OutputRef, RunId, Store};
use crate::studio::output::SavedOutput;

/// Every output resource's URI starts with this.
pub const OUTPUT_URI_PREFIX: &str = "peel://output/";

/// Outputs per `resources/list` page.
pub const PAGE_SIZE: usize = 50;

/// The URI of job `job`'s `n`th output.
pub fn output_uri(job: i64, n: usize) -> String {
    format!("{OUTPUT_URI_PREFIX}{job}/{n}")
}

/// The URI of the `n`th image of item `index` of batch or story run `run`.
pub fn item_uri(run: RunId, index: usize, n: usize) -> String {
    format!("{OUTPUT_URI_PREFIX}run{run}.{index}/{n}")
}

/// What made an output: a job, or an item of a batch or story run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maker {
    /// A job (`peel://output/<job>/<n>`).
    Job(i64),
    /// An item of a run (`peel://output/run<run>.<index>/<n>`): Batch API results have no job.
    Item(RunId, usize),
}

/// What made the output a `peel://output/…` URI names, and its number from 1.
pub fn parse_output_uri(uri: &str) -> Option<(Maker, usize)> {
    let (maker, n) = uri.strip_prefix(OUTPUT_URI_PREFIX)?.split_once('/')?;
    let n: usize = n.parse().ok().filter(|n| *n >= 1)?;
    let maker = match maker.strip_prefix("run") {
        Some(item) => {
            let (run, index) = item.split_once('.')?;
            Maker::Item(run.parse().ok()?, index.parse().ok()?)
        }
        None => Maker::Job(maker.parse().ok()?),
    };
    Some((maker, n))
}

/// The image files among a run item's files, in order.
fn images_of(files: &[String]) -> impl Iterator<Item = &String> {
    files.iter().filter(|f| is_image(Path::new(f)))
}

/// Links to every saved image of run `run` (a story's frames, a fetched batch).
pub fn run_links(store: &Store, run: RunId) -> Vec<Resource> {
    let Ok(Some(row)) = store.batch_run(run) else {
        return Vec::new();
    };
    let Ok(items) = store.batch_items(run) else {
        return Vec::new();
    };
    let dir = Path::new(&row.out_dir);
    let mut links = Vec::new();
    for item in &items {
        for (i, file) in images_of(&item.files).enumerate() {
            let mut resource = link_at(&dir.join(file), &item_uri(run, item.index, i + 1));
            resource.description = Some(format!("item {} ({})", item.index, item.key));
            links.push(resource);
        }
    }
    links
}

/// The MIME type of the image at `path`, from its first bytes.
fn sniff_file(path: &Path) -> Option<&'static str> {
    let mut head = [0u8; 32];
    let mut file = std::fs::File::open(path).ok()?;
    let read = file.read(&mut head).ok()?;
    crate::imaging::sniff_mime(&head[..read])
}

/// A resource for the image at `path` (its URI `uri`), named after its file, with its MIME
/// type and size read from disk.
fn link_at(path: &Path, uri: &str) -> Resource {
    let mut resource = named(path, uri);
    resource.mime_type = sniff_file(path).map(str::to_string);
    resource.size = std::fs::metadata(path).ok().map(|m| m.len());
    resource
}

/// A resource at `uri` named after the file at `path` (the URI when it has no name).
fn named(path: &Path, uri: &str) -> Resource {
    let name = path
        .file_name()
        .map_or_else(|| uri.to_string(), |f| f.to_string_lossy().into_owned());
    Resource::new(uri, name)
}

/// The `resource_link` of an image a tool just saved (its type and size are known).
pub fn saved_link(job: i64, n: usize, saved: &SavedOutput) -> Resource {
    let mut resource = named(&saved.path, &output_uri(job, n));
    resource.mime_type = Some(saved.mime.clone());
    resource.size = Some(saved.bytes);
    resource.description = Some(format!("{}×{}, the full image", saved.width, saved.height));
    resource
}

fn listed(output: &OutputRef) -> Resource {
    let prompt: String = output.prompt.chars().take(120).collect();
    let mut resource = link_at(Path::new(&output.path), &output_uri(output.job, output.n));
    resource.description = Some(format!(
        "job {} · {} · {prompt}",
        output.job, output.created_at
    ));
    resource
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
        let Some((maker, n)) = parse_output_uri(uri) else {
            return Err(not_found(format!(
                "{uri} is not a peel output; output URIs look like {OUTPUT_URI_PREFIX}<job>/<n> (see resources/list)"
            )));
        };
        let store = self.ws().store().map_err(internal)?;
        let path = match maker {
            Maker::Job(job) => store
                .output(job, n)
                .map_err(internal)?
                .map(|o| PathBuf::from(o.path))
                .ok_or_else(|| not_found(format!("job {job} has no output {n}")))?,
            Maker::Item(run, index) => item_path(&store, run, index, n)
                .ok_or_else(|| not_found(format!("item {index} of run {run} has no image {n}")))?,
        };
        let shown = path.display().to_string();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
            .await
            .map_err(|e| internal(e.to_string()))?
            .map_err(|e| not_found(format!("{shown} cannot be read: {e}")))?;
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

/// Where the `n`th image of item `index` of run `run` is.
fn item_path(store: &Store, run: RunId, index: usize, n: usize) -> Option<PathBuf> {
    let row = store.batch_run(run).ok()??;
    let item = store.batch_item(run, index).ok()??;
    let file = images_of(&item.files).nth(n.checked_sub(1)?)?;
    Some(Path::new(&row.out_dir).join(file))
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
        assert_eq!(
            parse_output_uri("peel://output/12/3"),
            Some((Maker::Job(12), 3))
        );
        assert_eq!(item_uri(4, 7, 1), "peel://output/run4.7/1");
        assert_eq!(
            parse_output_uri("peel://output/run4.7/1"),
            Some((Maker::Item(4, 7), 1))
        );
        assert_eq!(parse_output_uri("peel://output/run4/1"), None);
        assert_eq!(parse_output_uri("peel://output/12/0"), None);
        assert_eq!(parse_output_uri("peel://output/12"), None);
        assert_eq!(parse_output_uri("file:///etc/passwd"), None);
        assert_eq!(parse_output_uri("peel://output/x/1"), None);
    }
}
