//! The engine's error: every failure keeps its kind so faces can explain it.

use thiserror::Error;

use super::output::OutputError;
use crate::api::error::ApiError;
use crate::api::outcome::OutcomeError;
use crate::error::ValidationError;
use crate::store::StoreError;

/// Anything that can stop a job.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StudioError {
    /// Refused before sending.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The service or the network failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The answer held no image.
    #[error(transparent)]
    Outcome(#[from] OutcomeError),
    /// The image could not be saved.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another process is working on the same thing.
    #[error("{0}")]
    Busy(String),
    /// The simulator could not start.
    #[error("the offline simulator could not start: {0}")]
    Simulator(String),
}

impl StudioError {
    /// True when every later request of a run would meet the same answer (prepaid credits
    /// exhausted, the daily quota spent, the model not found): the run stops, resumable.
    pub fn stops_a_run(&self) -> bool {
        matches!(self, Self::Api(e) if e.stops_a_run())
    }

    /// A short label for lists, sidecars and `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation",
            Self::Api(e) => e.kind(),
            Self::Outcome(e) => e.kind(),
            Self::Output(_) => "disk",
            Self::Store(_) => "store",
            Self::Busy(_) => "busy",
            Self::Simulator(_) => "simulator",
        }
    }
}
