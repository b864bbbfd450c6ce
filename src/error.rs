//! Errors found before anything is sent: bad settings, bad files, bad config.

use std::path::PathBuf;

use thiserror::Error;

/// A request or configuration refused before it reaches the network.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ValidationError {
    /// The model name matches no id or alias in the registry.
    #[error("unknown model '{given}'. Known models: {}. Run `peel models` to see what each allows.", known.join(", "))]
    UnknownModel { given: String, known: Vec<String> },

    /// A setting value the chosen model does not take.
    #[error(
        "{what} '{given}' is not supported by {model}. Allowed: {}.",
        fmt_allowed(allowed)
    )]
    Unsupported {
        what: &'static str,
        given: String,
        model: String,
        allowed: Vec<String>,
    },

    /// A size given to a model that renders one fixed size.
    #[error(
        "{model} renders a fixed size ({size}); it takes no image size, but '{given}' was given. Drop --size or choose another model."
    )]
    FixedSize {
        given: String,
        model: String,
        size: String,
    },

    /// A reference image that cannot be used.
    #[error("reference image {}: {reason}", path.display())]
    Reference { path: PathBuf, reason: String },

    /// Some other value that is out of range.
    #[error("{0}")]
    Invalid(String),

    /// The configuration or registry file is malformed.
    #[error("configuration: {message}")]
    Config { message: String },
}

fn fmt_allowed(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "none (this model does not offer the setting)".into()
    } else {
        allowed.join(", ")
    }
}
