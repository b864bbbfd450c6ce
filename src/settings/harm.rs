//! The safety vocabulary the service speaks: harm categories, blocking thresholds, and one
//! threshold for one category as it goes on the wire.

use serde::{Deserialize, Serialize};

use crate::open_enum::wire_enum;

wire_enum!(
    /// A harm category for safety settings.
    HarmCategory {
        /// Harassment.
        Harassment = "HARM_CATEGORY_HARASSMENT",
        /// Hate speech.
        HateSpeech = "HARM_CATEGORY_HATE_SPEECH",
        /// Sexually explicit content.
        SexuallyExplicit = "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        /// Dangerous content.
        DangerousContent = "HARM_CATEGORY_DANGEROUS_CONTENT",
        /// Civic integrity (deprecated).
        CivicIntegrity = "HARM_CATEGORY_CIVIC_INTEGRITY",
    }
);

wire_enum!(
    /// A blocking threshold for safety settings.
    HarmBlockThreshold {
        /// Block low probability and above.
        BlockLowAndAbove = "BLOCK_LOW_AND_ABOVE",
        /// Block medium and above.
        BlockMediumAndAbove = "BLOCK_MEDIUM_AND_ABOVE",
        /// Block only high.
        BlockOnlyHigh = "BLOCK_ONLY_HIGH",
        /// Block nothing.
        BlockNone = "BLOCK_NONE",
        /// Turn the filter off.
        Off = "OFF",
    }
);

/// One safety threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetySetting {
    /// The harm category.
    pub category: HarmCategory,
    /// The blocking threshold.
    pub threshold: HarmBlockThreshold,
}
