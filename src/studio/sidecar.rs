//! The JSON sidecar beside every image: what was asked, known before the request is sent
//! (so a job collected later by another process gets the same record), merged with what
//! came back.

use serde_json::{Value, json};

use super::JobId;
use super::output::SavedOutput;
use super::spec::PreparedJob;
use crate::api::outcome::Outcome;

/// The part of a job's sidecars known before sending; `extra` (a batch item's fields) is
/// merged in.
pub fn asked(id: JobId, job: &PreparedJob, backend: &str, extra: Option<&Value>) -> Value {
    let base = json!({
        "peel_version": env!("CARGO_PKG_VERSION"),
        "job_id": id,
        "backend": backend,
        "prompt": job.prompt,
        "model": job.settings.model,
        "aspect": job.settings.aspect,
        "size": job.settings.size,
        "seed": job.settings.seed,
        "thinking": job.settings.thinking,
        "grounding": job.settings.grounding,
        "tier": job.settings.tier,
        "references": job.refs,
        "anchors": job.anchors,
        "generation_config": job.request.generation_config,
        "tools": job.request.tools,
        "safety_settings": job.request.safety_settings,
        "preset": job.settings.preset,
        "session": job.session.as_ref().map(|s| &s.session_id),
        "parent_turn": job.session.as_ref().and_then(|s| s.parent),
    });
    match extra {
        Some(extra) => merged(&base, extra),
        None => base,
    }
}

/// The fields of image `index` of an answer: what came back, and its share of the
/// answer's `cost_usd` (split evenly between its images).
pub fn answered(outcome: &Outcome, cost_usd: f64, saved: &SavedOutput, index: usize) -> Value {
    let count = outcome.images.len();
    json!({
        "response_id": outcome.response_id,
        "model_version": outcome.model_version,
        "finish_reason": outcome.finish_reason.as_ref().map(|r| r.to_string()),
        "usage": outcome.usage_metadata,
        "cost_usd": cost_usd / count.max(1) as f64,
        "response_cost_usd": cost_usd,
        "text": outcome.text,
        "image": {
            "file": saved.path.file_name().map(|n| n.to_string_lossy().to_string()),
            "width": saved.width,
            "height": saved.height,
            "mime": saved.mime,
            "index": index,
            "of": count,
        },
    })
}

/// `base` with every field of `more` set over it.
pub fn merged(base: &Value, more: &Value) -> Value {
    let mut body = base.clone();
    if let (Some(body), Some(more)) = (body.as_object_mut(), more.as_object()) {
        body.extend(more.clone());
    }
    body
}
