//! Serde types mirroring the Gemini REST API (v1beta) one to one.
//!
//! camelCase goes out; on the way in every field is optional, snake_case aliases are
//! accepted, unknown fields are ignored and unknown enum strings are kept verbatim.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
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

/// Raw bytes that travel as standard base64; decoded exactly once when parsed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Base64Data(pub Vec<u8>);

impl std::fmt::Debug for Base64Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Data({} bytes)", self.0.len())
    }
}

impl Serialize for Base64Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Base64Data;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Base64Data, E> {
                BASE64
                    .decode(v)
                    .map(Base64Data)
                    .map_err(|e| E::custom(format!("invalid base64 data: {e}")))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A request to `models/{model}:generateContent`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    /// The conversation so far, ending with a user turn.
    #[serde(default)]
    pub contents: Vec<Content>,
    /// Output settings.
    #[serde(
        default,
        alias = "generation_config",
        skip_serializing_if = "Option::is_none"
    )]
    pub generation_config: Option<GenerationConfig>,
    /// Per-category safety thresholds.
    #[serde(
        default,
        alias = "safety_settings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub safety_settings: Vec<SafetySetting>,
    /// Tools such as Google Search grounding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// A system instruction.
    #[serde(
        default,
        alias = "system_instruction",
        skip_serializing_if = "Option::is_none"
    )]
    pub system_instruction: Option<Content>,
}

/// One turn of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// "user" or "model".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The turn's parts, in order.
    #[serde(default)]
    pub parts: Vec<Part>,
}

/// One piece of a turn: text, an inline image, a file reference, possibly a thought.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Bytes sent inline.
    #[serde(
        default,
        alias = "inline_data",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline_data: Option<Blob>,
    /// A reference to an uploaded file or URL.
    #[serde(default, alias = "file_data", skip_serializing_if = "Option::is_none")]
    pub file_data: Option<FileData>,
    /// True for the model's thinking (text or interim images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// Opaque signature that must be sent back exactly as received.
    #[serde(
        default,
        alias = "thought_signature",
        skip_serializing_if = "Option::is_none"
    )]
    pub thought_signature: Option<String>,
}

impl Part {
    /// A plain text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// An inline image part.
    pub fn image(mime_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            inline_data: Some(Blob {
                mime_type: mime_type.into(),
                data: Base64Data(bytes),
            }),
            ..Self::default()
        }
    }

    /// True when this part is part of the model's thinking.
    pub fn is_thought(&self) -> bool {
        self.thought == Some(true)
    }
}

/// Inline bytes with their MIME type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// e.g. "image/png".
    #[serde(default, alias = "mime_type")]
    pub mime_type: String,
    /// The decoded bytes.
    #[serde(default)]
    pub data: Base64Data,
}

/// A reference to a file by URI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    /// e.g. "image/png".
    #[serde(default, alias = "mime_type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Files API URI or a URL.
    #[serde(default, alias = "file_uri")]
    pub file_uri: String,
}

/// Output settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    /// e.g. `["TEXT","IMAGE"]`.
    #[serde(
        default,
        alias = "response_modalities",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub response_modalities: Vec<Modality>,
    /// Aspect ratio and size.
    #[serde(
        default,
        alias = "image_config",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_config: Option<ImageConfig>,
    /// Thinking level and whether thoughts are returned.
    #[serde(
        default,
        alias = "thinking_config",
        skip_serializing_if = "Option::is_none"
    )]
    pub thinking_config: Option<ThinkingConfig>,
    /// Seed for reproducible sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i32>,
    /// Sampling temperature (0.0–2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(default, alias = "top_p", skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Number of candidates.
    #[serde(
        default,
        alias = "candidate_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub candidate_count: Option<u32>,
    /// Output token cap.
    #[serde(
        default,
        alias = "max_output_tokens",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_output_tokens: Option<u32>,
}

/// Image output settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageConfig {
    /// e.g. "16:9".
    #[serde(
        default,
        alias = "aspect_ratio",
        skip_serializing_if = "Option::is_none"
    )]
    pub aspect_ratio: Option<String>,
    /// "512", "1K", "2K" or "4K" (uppercase K).
    #[serde(default, alias = "image_size", skip_serializing_if = "Option::is_none")]
    pub image_size: Option<String>,
    /// Vertex only: ALLOW_ALL, ALLOW_ADULT, ALLOW_NONE.
    #[serde(
        default,
        alias = "person_generation",
        skip_serializing_if = "Option::is_none"
    )]
    pub person_generation: Option<String>,
}

/// Thinking settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    /// MINIMAL or HIGH for image models.
    #[serde(
        default,
        alias = "thinking_level",
        skip_serializing_if = "Option::is_none"
    )]
    pub thinking_level: Option<ThinkingLevel>,
    /// Return thought parts in the response.
    #[serde(
        default,
        alias = "include_thoughts",
        skip_serializing_if = "Option::is_none"
    )]
    pub include_thoughts: Option<bool>,
}

/// One safety threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetySetting {
    /// The harm category.
    pub category: HarmCategory,
    /// The blocking threshold.
    pub threshold: HarmBlockThreshold,
}

/// A tool the model may use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Google Search grounding.
    #[serde(
        default,
        alias = "google_search",
        skip_serializing_if = "Option::is_none"
    )]
    pub google_search: Option<GoogleSearch>,
}

/// Google Search grounding settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleSearch {
    /// Which searches to run; absent means web search only.
    #[serde(
        default,
        alias = "search_types",
        skip_serializing_if = "Option::is_none"
    )]
    pub search_types: Option<SearchTypes>,
}

/// Web and image search switches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchTypes {
    /// Web search.
    #[serde(default, alias = "web_search", skip_serializing_if = "Option::is_none")]
    pub web_search: Option<Empty>,
    /// Image search (3.1 Flash only).
    #[serde(
        default,
        alias = "image_search",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_search: Option<Empty>,
}

/// An empty JSON object, `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

/// The answer to generateContent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentResponse {
    /// Candidates (one for image models).
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    /// Present when the prompt itself was blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_feedback: Option<PromptFeedback>,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_metadata: Option<UsageMetadata>,
    /// The model version that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// Server-side id of this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
}

/// One candidate answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The model's turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// Why generation stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// A human explanation of the finish reason, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_message: Option<String>,
    /// Candidate index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// Safety ratings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safety_ratings: Vec<SafetyRating>,
    /// Search grounding details, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounding_metadata: Option<serde_json::Value>,
}

/// A safety rating.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyRating {
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Probability bucket.
    #[serde(default)]
    pub probability: Option<String>,
    /// Whether this rating blocked the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

/// Why a prompt was blocked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    /// The reason, when blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_reason: Option<BlockReason>,
    /// A human explanation (Vertex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_reason_message: Option<String>,
    /// Safety ratings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safety_ratings: Vec<SafetyRating>,
}

/// Token counts of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_token_count: Option<u64>,
    /// Output tokens.
    #[serde(default)]
    pub candidates_token_count: Option<u64>,
    /// Thinking tokens.
    #[serde(default)]
    pub thoughts_token_count: Option<u64>,
    /// Cached prompt tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_content_token_count: Option<u64>,
    /// Tool-use prompt tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_prompt_token_count: Option<u64>,
    /// Everything.
    #[serde(default)]
    pub total_token_count: Option<u64>,
    /// Prompt tokens by modality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt_tokens_details: Vec<ModalityTokenCount>,
    /// Output tokens by modality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates_tokens_details: Vec<ModalityTokenCount>,
    /// Cached tokens by modality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_tokens_details: Vec<ModalityTokenCount>,
}

/// A token count for one modality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModalityTokenCount {
    /// The modality.
    pub modality: Modality,
    /// Its token count.
    #[serde(default)]
    pub token_count: u64,
}

/// The error envelope every failing call returns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// Google's RPC error body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// HTTP status code.
    #[serde(default)]
    pub code: u16,
    /// Human message.
    #[serde(default)]
    pub message: String,
    /// RPC status name, e.g. RESOURCE_EXHAUSTED.
    #[serde(default)]
    pub status: String,
    /// Typed details (`@type` tagged), kept as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
}

/// The answer to `GET models`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListModelsResponse {
    /// One page of models.
    #[serde(default)]
    pub models: Vec<ModelInfo>,
    /// Token for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A model as the service describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// "models/{id}".
    #[serde(default)]
    pub name: String,
    /// Version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Input context size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_limit: Option<u64>,
    /// Output cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_token_limit: Option<u64>,
    /// e.g. generateContent, batchGenerateContent.
    #[serde(default)]
    pub supported_generation_methods: Vec<String>,
    /// Whether the model thinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
}

/// A file in the Files API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileResource {
    /// "files/{id}".
    #[serde(default)]
    pub name: String,
    /// Human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Size in bytes (an int64 sent as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<String>,
    /// RFC 3339 expiry (48 hours after upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<String>,
    /// The URI to put in `fileData.fileUri`.
    #[serde(default)]
    pub uri: String,
    /// PROCESSING, ACTIVE or FAILED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// The body of an upload or get-file answer: `{"file": {...}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileEnvelope {
    /// The file.
    #[serde(default)]
    pub file: FileResource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_enum_values_never_break_parsing() {
        let body = r#"{"candidates":[{"content":{"role":"model","parts":[
            {"text":"hi","thoughtSignature":"c2ln","brandNew":1},
            {"inlineData":{"mimeType":"image/png","data":"AAEC"},"thoughtSignature":"c2lnMg=="}]},
            "finishReason":"SOMETHING_NEW","extra":{"a":1}}],
            "usageMetadata":{"candidatesTokensDetails":[{"modality":"HOLOGRAM","tokenCount":3}]},
            "modelStatus":{"stage":"GA"},"responseId":"r1"}"#;
        let resp: GenerateContentResponse = serde_json::from_str(body).unwrap();
        let cand = &resp.candidates[0];
        assert_eq!(
            cand.finish_reason,
            Some(FinishReason::Other("SOMETHING_NEW".into()))
        );
        let parts = &cand.content.as_ref().unwrap().parts;
        assert_eq!(parts[1].inline_data.as_ref().unwrap().data.0, vec![0, 1, 2]);
        assert_eq!(parts[1].thought_signature.as_deref(), Some("c2lnMg=="));
        let usage = resp.usage_metadata.unwrap();
        assert_eq!(
            usage.candidates_tokens_details[0].modality,
            Modality::Other("HOLOGRAM".into())
        );
    }

    #[test]
    fn request_serializes_in_camel_case_and_round_trips() {
        let req = GenerateContentRequest {
            contents: vec![Content {
                role: Some("user".into()),
                parts: vec![Part::text("fox")],
            }],
            generation_config: Some(GenerationConfig {
                response_modalities: vec![Modality::Text, Modality::Image],
                image_config: Some(ImageConfig {
                    aspect_ratio: Some("16:9".into()),
                    image_size: Some("2K".into()),
                    person_generation: None,
                }),
                thinking_config: Some(ThinkingConfig {
                    thinking_level: Some(ThinkingLevel::High),
                    include_thoughts: Some(true),
                }),
                seed: Some(42),
                ..Default::default()
            }),
            tools: vec![Tool {
                google_search: Some(GoogleSearch {
                    search_types: Some(SearchTypes {
                        web_search: Some(Empty {}),
                        image_search: Some(Empty {}),
                    }),
                }),
            }],
            ..Default::default()
        };
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["generationConfig"]["imageConfig"]["imageSize"], "2K");
        assert_eq!(
            json["generationConfig"]["thinkingConfig"]["thinkingLevel"],
            "HIGH"
        );
        assert_eq!(json["generationConfig"]["responseModalities"][1], "IMAGE");
        assert_eq!(
            json["tools"][0]["googleSearch"]["searchTypes"]["imageSearch"],
            serde_json::json!({})
        );
        assert!(json.get("safetySettings").is_none());
        let back: GenerateContentRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back.generation_config, req.generation_config);
    }

    #[test]
    fn snake_case_requests_are_accepted() {
        let body = r#"{"contents":[{"parts":[{"inline_data":{"mime_type":"image/png","data":"AAEC"}}]}],
            "generation_config":{"response_modalities":["IMAGE"],"image_config":{"aspect_ratio":"1:1"}}}"#;
        let req: GenerateContentRequest = serde_json::from_str(body).unwrap();
        let blob = req.contents[0].parts[0].inline_data.as_ref().unwrap();
        assert_eq!(blob.mime_type, "image/png");
        let cfg = req.generation_config.unwrap();
        assert_eq!(
            cfg.image_config.unwrap().aspect_ratio.as_deref(),
            Some("1:1")
        );
    }

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        let part = Part::image("image/png", vec![255, 0, 10]);
        let json = serde_json::to_string(&part).unwrap();
        assert!(json.contains("\"data\":\"/wAK\""), "{json}");
        let back: Part = serde_json::from_str(&json).unwrap();
        assert_eq!(back, part);
        let bad =
            serde_json::from_str::<Part>(r#"{"inlineData":{"mimeType":"image/png","data":"!!"}}"#);
        assert!(bad.unwrap_err().to_string().contains("base64"));
    }
}
