//! What peel sends to `generateContent`: the request, its generation config (image,
//! thinking, seed), safety settings and tools.

use serde::{Deserialize, Serialize};

use super::{Content, Modality, ThinkingLevel};
use crate::settings::SafetySetting;

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
    /// Service tier (`flex`, `priority`; left out means standard), a top-level field of the
    /// request on the Gemini API and Vertex AI alike.
    #[serde(
        default,
        alias = "service_tier",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_tier: Option<String>,
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
    /// `application/json` for structured output (text models).
    #[serde(
        default,
        alias = "response_mime_type",
        skip_serializing_if = "Option::is_none"
    )]
    pub response_mime_type: Option<String>,
    /// The OpenAPI-subset schema the JSON answer follows (`type`, `properties`, …).
    #[serde(
        default,
        alias = "response_schema",
        skip_serializing_if = "Option::is_none"
    )]
    pub response_schema: Option<serde_json::Value>,
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
