//! What both remote batch lanes (the Gemini Batch API, Vertex AI batch prediction) share:
//! the checks before a submit (one model, the standard tier only) and what a submit
//! answers (`Submitted`, with the `InputMode` the requests travelled in).

use super::validate::Batch;
use crate::error::ValidationError;
use crate::models::Tier;
use crate::store::RunId;
use crate::studio::StudioError;

/// How the requests travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// In the create request.
    Inline,
    /// As an uploaded JSONL file.
    File,
    /// As a JSONL object in Cloud Storage (Vertex AI batch prediction).
    Cloud,
}

impl InputMode {
    /// "inline" or "file".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inline => "inline",
            Self::File => "file",
            Self::Cloud => "gcs",
        }
    }
}

/// A submitted job.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The local run tracking it.
    pub run: RunId,
    /// `batches/…`.
    pub name: String,
    /// How the requests travelled.
    pub mode: InputMode,
    /// Requests sent.
    pub requests: usize,
    /// Bytes of request JSON.
    pub bytes: u64,
    /// The remote state right after creation.
    pub state: String,
}

/// The Batch API lane runs at its own (batch) price: an item asking for another tier is
/// refused before anything is sent.
pub fn standard_tier_only(batch: &Batch) -> Result<(), StudioError> {
    let Some(item) = batch.items.iter().find(|i| i.tier != Tier::Standard) else {
        return Ok(());
    };
    Err(ValidationError::Invalid(format!(
        "item {} ({}) asks for the {} tier, but a batch lane takes only standard (it is billed at the batch price). Drop `tier`, or run the file on the interactive lane: `peel batch run FILE --tier flex` costs what the Batch API costs, with results in minutes.",
        item.index, item.key, item.tier
    ))
    .into())
}

/// The Batch API (and Vertex batch prediction) takes one model per job.
pub fn single_model(batch: &Batch) -> Result<String, StudioError> {
    let mut models: Vec<&str> = batch.items.iter().map(|i| i.model.as_str()).collect();
    models.sort_unstable();
    models.dedup();
    match models.as_slice() {
        [one] => Ok(one.to_string()),
        many => Err(ValidationError::Invalid(format!(
            "the Batch API takes one model per job, but this file uses {}. Set `model` in [defaults] or split the file.",
            many.join(", ")
        ))
        .into()),
    }
}
