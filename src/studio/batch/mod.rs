//! Batches: prompt files (TOML, JSONL, matrices) validated up front, planned, and run on
//! the interactive lane (a store-backed, resumable queue) or the Gemini Batch API lane.

mod anchors;
pub mod error;
pub mod file;
pub mod interactive;
mod item;
pub mod lookup;
pub mod manifest;
pub mod manifest_stream;
pub mod matrix;
pub mod plan;
pub mod promote;
pub mod queue;
pub mod remote;
pub mod rerun;
pub mod results;
pub mod settings;
pub mod story_sheet;
pub mod submitted;
mod toml_chunks;
mod toml_read;
pub mod validate;
pub mod vertex;

#[cfg(test)]
mod file_tests;
#[cfg(test)]
mod lane_tests;
#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod tests;

pub use error::{BatchError, BatchIssue};
pub use plan::{BatchPlan, plan};
pub use validate::{Batch, BatchItem, Checks, load};
