//! The wire's enums; a string the service sends that peel does not know yet is kept in
//! `Other`, never a parse failure.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a wire enum whose unknown strings are kept in `Other` instead of failing.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of peel does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The string used on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }
    };
}

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
