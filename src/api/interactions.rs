//! Serde types of the Interactions API (`Api-Revision: 2026-05-20`): snake_case keys,
//! lowercase enum values, `type`-tagged steps and content blocks, unset keys left out.
//! Unknown step, block and event types are kept raw instead of failing. The string error
//! codes it documents are listed here (`ERROR_CODES`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wire::Base64Data;

/// The schema revision peel speaks; sent on every `/interactions` call.
pub const API_REVISION: &str = "2026-05-20";

/// The body of `POST /{ver}/interactions`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateInteraction {
    /// Model id.
    pub model: String,
    /// This turn's input: a string or a list of steps.
    pub input: Input,
    /// The stored interaction this one continues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_interaction_id: Option<String>,
    /// `false` keeps nothing on the server (no continuation, no background).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Run in the background and answer at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Answer with server-sent events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Seed, thinking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<InteractionConfig>,
    /// What to answer with: an image format, or a list with text too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Safety thresholds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety_settings: Vec<InteractionSafety>,
    /// Tools (Google Search grounding).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    /// System instruction text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<String>,
    /// Service tier: `standard`, `flex` or `priority` (left out means standard).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
}

/// A turn's input.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Input {
    /// A plain instruction.
    Text(String),
    /// Steps (user turns, and model turns verbatim for a stateless history).
    Steps(Vec<Step>),
}

impl Default for Input {
    fn default() -> Self {
        Self::Text(String::new())
    }
}

/// `generation_config` of an interaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InteractionConfig {
    /// Seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// `minimal`, `low`, `medium`, `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_level: Option<String>,
    /// `auto` returns thought summaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_summaries: Option<String>,
    /// Deprecated on interactions but still accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Deprecated on interactions but still accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Output token cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
}

/// One safety threshold (`type`, not `category`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InteractionSafety {
    /// e.g. `hate_speech`.
    #[serde(rename = "type")]
    pub category: String,
    /// e.g. `block_only_high`.
    pub threshold: String,
}

/// A step of an interaction's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Step {
    /// A step peel understands.
    Known(KnownStep),
    /// Any other step, kept as sent.
    Unknown(Value),
}

/// The step types peel reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KnownStep {
    /// What the user sent.
    UserInput {
        /// Text and image blocks.
        content: Vec<Block>,
    },
    /// The model's thinking: an opaque signature, and summaries when asked for.
    Thought {
        /// Opaque; sent back verbatim in a stateless history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// Text and interim image blocks.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        summary: Vec<Block>,
    },
    /// What the model answered.
    ModelOutput {
        /// Text and image blocks.
        #[serde(default)]
        content: Vec<Block>,
        /// A google.rpc.Status when this output failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<Value>,
    },
}

/// A content block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Block {
    /// A block peel understands.
    Known(KnownBlock),
    /// Any other block, kept as sent.
    Unknown(Value),
}

/// The content block types peel reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KnownBlock {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, inline or by Files API URI.
    Image {
        /// Inline bytes (base64 on the wire).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Base64Data>,
        /// A Files API URI instead of bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uri: Option<String>,
        /// e.g. `image/jpeg`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

/// The `Interaction` resource.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Interaction {
    /// Opaque id.
    #[serde(default)]
    pub id: String,
    /// `in_progress`, `completed`, `failed`, `cancelled`, … (kept as sent).
    #[serde(default)]
    pub status: String,
    /// Model id.
    #[serde(default)]
    pub model: Option<String>,
    /// The tier that served it (a priority request above the cap is served at standard).
    #[serde(default)]
    pub service_tier: Option<String>,
    /// The timeline (model steps only on create; with `user_input` on get).
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<InteractionUsage>,
    /// Why it failed.
    #[serde(default)]
    pub errors: Vec<InteractionErrorItem>,
    /// The interaction this one continued.
    #[serde(default)]
    pub previous_interaction_id: Option<String>,
    /// When the service created it (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// When it last changed (for an ended one: when it ended).
    #[serde(default)]
    pub updated: Option<String>,
}

/// One entry of `errors[]` (the code may be a number or a string).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct InteractionErrorItem {
    /// e.g. `image_safety`, `resource_exhausted`, or a number.
    #[serde(default)]
    pub code: Value,
    /// Human message.
    #[serde(default)]
    pub message: String,
}

impl InteractionErrorItem {
    /// The code as text (a number is written out).
    pub fn code_text(&self) -> String {
        match &self.code {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// `usage` of an interaction.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct InteractionUsage {
    /// Everything.
    #[serde(default)]
    pub total_tokens: Option<u64>,
    /// Input tokens.
    #[serde(default)]
    pub total_input_tokens: Option<u64>,
    /// Input tokens by modality.
    #[serde(default)]
    pub input_tokens_by_modality: Vec<ModalityTokens>,
    /// Output tokens (thoughts excluded).
    #[serde(default)]
    pub total_output_tokens: Option<u64>,
    /// Output tokens by modality.
    #[serde(default)]
    pub output_tokens_by_modality: Vec<ModalityTokens>,
    /// Thinking tokens.
    #[serde(default)]
    pub total_thought_tokens: Option<u64>,
    /// Implicitly cached tokens.
    #[serde(default)]
    pub total_cached_tokens: Option<u64>,
}

/// Tokens of one modality.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ModalityTokens {
    /// `text`, `image`, …
    #[serde(default)]
    pub modality: String,
    /// Count.
    #[serde(default)]
    pub tokens: u64,
}

/// Every code the Interactions API documents (service-2026-12.md §3).
pub const ERROR_CODES: &[&str] = &[
    "invalid_request",
    "failed_precondition",
    "parameter_unknown",
    "out_of_range",
    "authentication",
    "payment_required",
    "permission_denied",
    "not_found",
    "model_not_found",
    "already_exists",
    "aborted",
    "rate_limit_exceeded",
    "too_many_requests",
    "quota_exceeded",
    "cancelled",
    "api_error",
    "unimplemented",
    "service_unavailable",
    "deadline_exceeded",
];

/// Statuses after which an interaction no longer changes.
pub fn is_terminal(status: &str) -> bool {
    matches!(
        status,
        "completed" | "failed" | "cancelled" | "incomplete" | "budget_exceeded"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_snake_case_and_leave_unset_keys_out() {
        let req = CreateInteraction {
            model: "gemini-3.1-flash-image".into(),
            input: Input::Text("a fox".into()),
            previous_interaction_id: Some("v1_a".into()),
            response_format: Some(json!({"type": "image", "aspect_ratio": "16:9"})),
            generation_config: Some(InteractionConfig {
                seed: Some(3),
                ..InteractionConfig::default()
            }),
            ..CreateInteraction::default()
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(
            v,
            json!({"model": "gemini-3.1-flash-image", "input": "a fox", "previous_interaction_id": "v1_a",
                "generation_config": {"seed": 3}, "response_format": {"type": "image", "aspect_ratio": "16:9"}})
        );
    }

    #[test]
    fn interactions_parse_with_unknown_steps_kept_raw() {
        let v = json!({"id": "v1_x", "status": "completed", "object": "interaction",
            "steps": [{"type": "thought", "signature": "c2ln"},
                      {"type": "model_output", "content": [{"type": "image", "mime_type": "image/jpeg", "data": "AAEC"}]},
                      {"type": "google_search_call", "id": "c"}],
            "usage": {"total_tokens": 5}, "errors": [{"code": 3, "message": "m"}]});
        let i: Interaction = serde_json::from_value(v).unwrap();
        assert_eq!(i.steps.len(), 3);
        assert!(matches!(i.steps[2], Step::Unknown(_)));
        let Step::Known(KnownStep::ModelOutput { content, .. }) = &i.steps[1] else {
            panic!("{:?}", i.steps[1]);
        };
        let Block::Known(KnownBlock::Image { data, .. }) = &content[0] else {
            panic!();
        };
        assert_eq!(data.as_ref().unwrap().0, vec![0, 1, 2]);
        assert_eq!(i.errors[0].code_text(), "3");
    }
}
