//! The engine's error: every failure keeps its kind so faces can explain it.

use thiserror::Error;

use crate::api::error::ApiError;
use crate::api::outcome::OutcomeError;
use crate::error::ValidationError;
use crate::fsio::OutputError;
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
    /// What was asked for is not there yet (a frame's predecessor, a job's results).
    #[error("{0}")]
    NotReady(String),
    /// The work ended with part of it undone; the message says how to finish it.
    #[error("{0}")]
    Incomplete(String),
    /// A detached peel process could not be started.
    #[error("{0}")]
    Spawn(String),
    /// The engine broke one of its own promises (a task stopped, a record vanished).
    #[error("peel stopped unexpectedly: {0}. Please report it, with peel.log if there is one")]
    Internal(String),
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
            Self::NotReady(_) => "not-ready",
            Self::Incomplete(_) => "incomplete",
            Self::Spawn(_) => "spawn",
            Self::Internal(_) => "internal",
            Self::Simulator(_) => "simulator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_names_what_happened() {
        let internal = StudioError::Internal("the task saving the image stopped: cancelled".into());
        let said = internal.to_string();
        assert!(said.starts_with("peel stopped unexpectedly: the task saving the image stopped"));
        assert!(said.contains("report it"), "{said}");
        assert!(
            !said.contains("simulator"),
            "a failed save is not the simulator's: {said}"
        );
        let cases = [
            (StudioError::Busy("run 3 is being worked on".into()), "busy"),
            (
                StudioError::NotReady("batches/x is still running".into()),
                "not-ready",
            ),
            (
                StudioError::Incomplete("2 of 3 promoted".into()),
                "incomplete",
            ),
            (
                StudioError::Spawn("cannot start a detached peel process".into()),
                "spawn",
            ),
            (internal, "internal"),
            (StudioError::Simulator("bad fault".into()), "simulator"),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert!(!error.stops_a_run(), "{error}");
        }
        assert_eq!(
            StudioError::NotReady("batches/x is still running".into()).to_string(),
            "batches/x is still running"
        );
    }
}
