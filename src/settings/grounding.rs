//! Google Search grounding: off, web, or web and image search.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Google Search grounding choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grounding {
    /// No grounding.
    #[default]
    Off,
    /// Web search.
    Web,
    /// Web and image search (3.1 Flash only).
    Image,
}

impl Grounding {
    /// Parses "off", "web" or "image".
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Ok(Self::Off),
            "web" => Ok(Self::Web),
            "image" => Ok(Self::Image),
            other => Err(ValidationError::Invalid(format!(
                "grounding '{other}' is not one of: off, web, image"
            ))),
        }
    }

    /// The name used in flags and sidecars.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Web => "web",
            Self::Image => "image",
        }
    }
}
