//! The wire's enums; a string the service sends that peel does not know yet is kept in
//! `Other`, never a parse failure.

use crate::open_enum::wire_enum;

wire_enum!(
    /// Why a candidate stopped.
    FinishReason {
        /// Natural end.
        Stop = "STOP",
        /// Output token limit reached.
        MaxTokens = "MAX_TOKENS",
        /// Text safety filter.
        Safety = "SAFETY",
        /// Recitation filter.
        Recitation = "RECITATION",
        /// Unsupported language.
        Language = "LANGUAGE",
        /// Unspecified other reason.
        FinishOther = "OTHER",
        /// Blocklisted terms.
        Blocklist = "BLOCKLIST",
        /// Prohibited content.
        ProhibitedContent = "PROHIBITED_CONTENT",
        /// Sensitive personal information.
        Spii = "SPII",
        /// The image output filter fired.
        ImageSafety = "IMAGE_SAFETY",
        /// The image was prohibited content.
        ImageProhibitedContent = "IMAGE_PROHIBITED_CONTENT",
        /// The model produced no image.
        NoImage = "NO_IMAGE",
        /// The image recited protected material.
        ImageRecitation = "IMAGE_RECITATION",
        /// Some other image failure.
        ImageOther = "IMAGE_OTHER",
        /// Unspecified.
        Unspecified = "FINISH_REASON_UNSPECIFIED",
    }
);

wire_enum!(
    /// Why a whole prompt was blocked.
    BlockReason {
        /// Unspecified.
        Unspecified = "BLOCKED_REASON_UNSPECIFIED",
        /// Safety filter.
        Safety = "SAFETY",
        /// Other reason.
        BlockOther = "OTHER",
        /// Blocklisted terms.
        Blocklist = "BLOCKLIST",
        /// Prohibited content.
        ProhibitedContent = "PROHIBITED_CONTENT",
        /// An input image was refused.
        ImageSafety = "IMAGE_SAFETY",
    }
);

wire_enum!(
    /// A content modality.
    Modality {
        /// Text.
        Text = "TEXT",
        /// Images.
        Image = "IMAGE",
        /// Audio.
        Audio = "AUDIO",
        /// Video.
        Video = "VIDEO",
        /// Documents.
        Document = "DOCUMENT",
        /// Unspecified.
        Unspecified = "MODALITY_UNSPECIFIED",
    }
);

wire_enum!(
    /// How hard the model thinks.
    ThinkingLevel {
        /// The fastest level (default for 3.1 Flash Image).
        Minimal = "MINIMAL",
        /// Low.
        Low = "LOW",
        /// Medium.
        Medium = "MEDIUM",
        /// The most thorough level.
        High = "HIGH",
    }
);
