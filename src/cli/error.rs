//! `CliError`: a failure reported at the command line's edge, with its exit code (2 for
//! refused input, 4–6 for answers that stop a run, else 1).

use crate::studio::StudioError;

/// A failure to report at the edge, with its exit code.
#[derive(Debug)]
pub struct CliError {
    /// Process exit code.
    pub code: u8,
    /// Short machine label.
    pub kind: String,
    /// What went wrong and what to do.
    pub message: String,
    /// The command already printed a JSON body that carries the error.
    pub json_printed: bool,
}

impl CliError {
    /// Exit code 2: the input was refused before anything ran.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            kind: "validation".into(),
            message: message.into(),
            json_printed: false,
        }
    }

    /// Exit code 1 (or the code of a run-stopping answer, see `stop_code`): something
    /// failed while running.
    pub fn failed(kind: impl Into<String>, message: impl Into<String>) -> Self {
        let kind = kind.into();
        Self {
            code: stop_code(&kind).unwrap_or(1),
            kind,
            message: message.into(),
            json_printed: false,
        }
    }
}

/// The exit codes of answers that stop a command or run (every later request would meet
/// the same): 4 prepaid credits exhausted, 5 the daily quota spent, 6 the model not found.
pub fn stop_code(kind: &str) -> Option<u8> {
    match kind {
        "payment_required" => Some(4),
        "quota_exceeded" => Some(5),
        "model_not_found" => Some(6),
        _ => None,
    }
}

impl From<StudioError> for CliError {
    fn from(e: StudioError) -> Self {
        let code = if matches!(e, StudioError::Validation(_)) {
            2
        } else {
            stop_code(e.kind()).unwrap_or(1)
        };
        Self {
            code,
            kind: e.kind().into(),
            message: e.to_string(),
            json_printed: false,
        }
    }
}

impl From<crate::error::ValidationError> for CliError {
    fn from(e: crate::error::ValidationError) -> Self {
        StudioError::from(e).into()
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        StudioError::from(e).into()
    }
}
