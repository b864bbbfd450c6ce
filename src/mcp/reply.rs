//! Tool results: a text summary, the structured body, JPEG previews, and refusals.

use base64::Engine;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::Value;

use super::resources;
use crate::imaging::preview::{PREVIEW_MAX_SIDE, jpeg_preview};
use crate::studio::StudioError;
use crate::studio::backend::OFFLINE_BANNER;
use crate::studio::report::RunReport;

/// A tool's answer, or the tool error to return instead.
pub type ToolResult = Result<CallToolResult, CallToolResult>;

/// A tool error whose text is `message` (the CLI's words), noting the simulator when offline.
pub fn refusal(message: impl Into<String>, offline: bool) -> CallToolResult {
    let mut content = vec![ContentBlock::text(message)];
    if offline {
        content.push(ContentBlock::text(OFFLINE_BANNER));
    }
    CallToolResult::error(content)
}

/// A tool error from an engine error.
pub fn failed(error: &StudioError, offline: bool) -> CallToolResult {
    refusal(error.to_string(), offline)
}

/// A successful answer carrying `body` as structured content and as JSON text.
pub fn body(summary: Option<String>, body: Value, offline: bool) -> CallToolResult {
    let mut content = Vec::new();
    if offline {
        content.push(ContentBlock::text(OFFLINE_BANNER));
    }
    if let Some(summary) = summary {
        content.push(ContentBlock::text(summary));
    }
    content.push(ContentBlock::text(body.to_string()));
    let mut result = CallToolResult::success(content);
    result.structured_content = Some(body);
    result
}

/// Appends a `resource_link` per original to a result.
pub fn add_links(result: &mut CallToolResult, links: Vec<rmcp::model::Resource>) {
    result
        .content
        .extend(links.into_iter().map(ContentBlock::resource_link));
}

/// The answer to `generate` and `edit`: a summary, the `peel generate --json` body, one
/// JPEG preview (longest side ≤ 768 px) per saved image and a `resource_link` to each original. A run that failed is a tool error
/// that still carries whatever was saved.
pub async fn generated(report: &RunReport, offline: bool, notes: &[&str]) -> CallToolResult {
    let mut lines = Vec::new();
    if offline {
        lines.push(OFFLINE_BANNER.to_string());
    }
    for note in notes {
        lines.push(format!(
            "note: a default from the config or preset is not sent: {note}"
        ));
    }
    for notice in &report.notices {
        lines.push(format!("notice: {notice}"));
    }
    let failure = report.failure();
    if let Some(failure) = &failure {
        lines.push(format!("error: {}", failure.message));
    }
    let images = report.outputs().count();
    let simulated = report.jobs.values().any(|j| j.priced.simulated);
    let mut head = format!(
        "{images} image(s), {}",
        crate::studio::pricing::show(report.cost_usd(), simulated)
    );
    if let Some((id, turns)) = report.session_turns() {
        head.push_str(&format!(
            " · session {id} turn {turns} — continue with the edit tool (session \"{id}\")"
        ));
    }
    lines.push(head);
    let mut previews = Vec::new();
    let mut links = Vec::new();
    for (job, ran) in &report.jobs {
        for (index, saved) in ran.outputs.iter().enumerate() {
            links.push(ContentBlock::resource_link(resources::saved_link(
                *job,
                index + 1,
                saved,
            )));
        }
    }
    for output in report.outputs() {
        lines.push(format!(
            "{} ({}×{}, {})",
            output.path.display(),
            output.width,
            output.height,
            output.mime
        ));
        let path = output.path.clone();
        let preview =
            tokio::task::spawn_blocking(move || jpeg_preview(&path, PREVIEW_MAX_SIDE)).await;
        match preview {
            Ok(Ok(p)) => previews.push(ContentBlock::image(
                base64::engine::general_purpose::STANDARD.encode(&p.jpeg),
                "image/jpeg",
            )),
            Ok(Err(reason)) => {
                lines.push(format!("no preview of {}: {reason}", output.path.display()))
            }
            Err(e) => lines.push(format!("no preview of {}: {e}", output.path.display())),
        }
    }
    let mut content = vec![ContentBlock::text(lines.join("\n"))];
    content.extend(previews);
    content.extend(links);
    let mut result = if failure.is_some() {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = Some(report.to_json());
    result
}
