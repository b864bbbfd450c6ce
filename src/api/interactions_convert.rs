//! Translation between the generateContent shapes the engine builds and reads and the
//! Interactions API: a `GenerateContentRequest` becomes a `CreateInteraction` (its whole
//! history as steps, or only the newest user turn after a `previous_interaction_id`), and an
//! `Interaction` becomes a `GenerateContentResponse` so the rest of peel reads one shape.

use serde_json::json;

use super::interactions::{
    Block, CreateInteraction, Input, Interaction, InteractionConfig, InteractionSafety,
    InteractionUsage, KnownBlock, KnownStep, ModalityTokens, Step,
};
use super::wire::{
    Blob, BlockReason, Candidate, Content, FinishReason, GenerateContentRequest,
    GenerateContentResponse, Modality, ModalityTokenCount, Part, PromptFeedback, UsageMetadata,
};

/// Something a request needs that the Interactions API cannot carry faithfully; the job
/// goes by generateContent instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// Builds the create body for `request`. With `previous` only the newest user turn is sent
/// (the server holds the rest); without it the whole history goes as steps, model turns
/// with their signatures verbatim.
pub fn to_create(
    model: &str,
    request: &GenerateContentRequest,
    previous: Option<&str>,
) -> Result<CreateInteraction, Unsupported> {
    let contents: &[Content] = match previous {
        Some(_) => request
            .contents
            .last()
            .map(std::slice::from_ref)
            .unwrap_or(&[]),
        None => &request.contents,
    };
    let mut create = CreateInteraction {
        model: model.to_string(),
        input: input_of(contents)?,
        previous_interaction_id: previous.map(str::to_string),
        service_tier: request.service_tier.clone(),
        ..CreateInteraction::default()
    };
    if let Some(config) = &request.generation_config {
        if config.candidate_count.is_some_and(|n| n > 1) {
            return Err(Unsupported("several candidates per request".into()));
        }
        let image = config.image_config.as_ref();
        if image.is_some_and(|i| i.person_generation.is_some()) {
            return Err(Unsupported("person_generation".into()));
        }
        let mut format = json!({"type": "image"});
        if let Some(ratio) = image.and_then(|i| i.aspect_ratio.as_ref()) {
            format["aspect_ratio"] = json!(ratio);
        }
        if let Some(size) = image.and_then(|i| i.image_size.as_ref()) {
            format["image_size"] = json!(size);
        }
        let wants_text = config.response_modalities.contains(&Modality::Text);
        create.response_format = Some(if wants_text {
            json!([{"type": "text"}, format])
        } else {
            format
        });
        let thinking = config.thinking_config.as_ref();
        let gc = InteractionConfig {
            seed: config.seed.map(i64::from),
            thinking_level: thinking
                .and_then(|t| t.thinking_level.as_ref())
                .map(|l| l.as_str().to_ascii_lowercase()),
            thinking_summaries: thinking
                .and_then(|t| t.include_thoughts)
                .map(|on| if on { "auto" } else { "none" }.to_string()),
            temperature: config.temperature,
            top_p: config.top_p,
            max_output_tokens: config.max_output_tokens,
        };
        if gc != InteractionConfig::default() {
            create.generation_config = Some(gc);
        }
    } else {
        create.response_format = Some(json!({"type": "image"}));
    }
    for setting in &request.safety_settings {
        let category = setting.category.as_str();
        let Some(short) = category.strip_prefix("HARM_CATEGORY_") else {
            return Err(Unsupported(format!("safety category {category}")));
        };
        create.safety_settings.push(InteractionSafety {
            category: short.to_ascii_lowercase(),
            threshold: setting.threshold.as_str().to_ascii_lowercase(),
        });
    }
    for tool in &request.tools {
        let Some(search) = &tool.google_search else {
            return Err(Unsupported("a tool other than Google Search".into()));
        };
        let mut kinds = Vec::new();
        if let Some(types) = &search.search_types {
            if types.web_search.is_some() {
                kinds.push("web_search");
            }
            if types.image_search.is_some() {
                kinds.push("image_search");
            }
        }
        let mut entry = json!({"type": "google_search"});
        if !kinds.is_empty() {
            entry["search_types"] = json!(kinds);
        }
        create.tools.push(entry);
    }
    if let Some(system) = &request.system_instruction {
        let text: Vec<&str> = system
            .parts
            .iter()
            .filter_map(|p| p.text.as_deref())
            .collect();
        create.system_instruction = Some(text.join("\n"));
    }
    Ok(create)
}

fn input_of(contents: &[Content]) -> Result<Input, Unsupported> {
    if let [only] = contents
        && only.role.as_deref().unwrap_or("user") == "user"
        && let [part] = only.parts.as_slice()
        && let Some(text) = &part.text
        && part.inline_data.is_none()
        && part.file_data.is_none()
    {
        return Ok(Input::Text(text.clone()));
    }
    let mut steps = Vec::new();
    for content in contents {
        if content.role.as_deref() == Some("model") {
            let signature = content
                .parts
                .iter()
                .find_map(|p| p.thought_signature.clone());
            steps.push(Step::Known(KnownStep::Thought {
                signature,
                summary: Vec::new(),
            }));
            let blocks = content
                .parts
                .iter()
                .filter(|p| p.thought != Some(true))
                .map(block_of)
                .collect::<Result<Vec<_>, _>>()?;
            steps.push(Step::Known(KnownStep::ModelOutput {
                content: blocks,
                error: None,
            }));
        } else {
            let blocks = content
                .parts
                .iter()
                .map(block_of)
                .collect::<Result<Vec<_>, _>>()?;
            steps.push(Step::Known(KnownStep::UserInput { content: blocks }));
        }
    }
    Ok(Input::Steps(steps))
}

fn block_of(part: &Part) -> Result<Block, Unsupported> {
    if let Some(text) = &part.text {
        return Ok(Block::Known(KnownBlock::Text { text: text.clone() }));
    }
    if let Some(blob) = &part.inline_data {
        if !blob.mime_type.starts_with("image/") {
            return Err(Unsupported(format!("an inline {} part", blob.mime_type)));
        }
        return Ok(Block::Known(KnownBlock::Image {
            data: Some(blob.data.clone()),
            uri: None,
            mime_type: Some(blob.mime_type.clone()),
        }));
    }
    if let Some(file) = &part.file_data {
        let mime = file.mime_type.clone();
        if mime.as_deref().is_some_and(|m| !m.starts_with("image/")) {
            return Err(Unsupported(format!("a {} file", mime.unwrap_or_default())));
        }
        return Ok(Block::Known(KnownBlock::Image {
            data: None,
            uri: Some(file.file_uri.clone()),
            mime_type: mime,
        }));
    }
    Err(Unsupported(
        "a part that is neither text nor an image".into(),
    ))
}

/// The generateContent answer equivalent to a finished interaction (`completed` or
/// `failed` with an image-safety or blocked-prompt code); `None` for any other status.
pub fn to_response(interaction: &Interaction) -> Option<GenerateContentResponse> {
    let usage = interaction.usage.as_ref().map(usage_of);
    let mut response = GenerateContentResponse {
        usage_metadata: usage,
        model_version: interaction.model.clone(),
        response_id: Some(interaction.id.clone()),
        ..GenerateContentResponse::default()
    };
    match interaction.status.as_str() {
        "completed" => {}
        "failed" => {
            let code = interaction
                .errors
                .first()
                .map(|e| e.code_text())
                .unwrap_or_default();
            let message = interaction.errors.first().map(|e| e.message.clone());
            match code.as_str() {
                "prompt_blocked" => {
                    response.prompt_feedback = Some(PromptFeedback {
                        block_reason: Some(BlockReason::ProhibitedContent),
                        block_reason_message: message,
                        ..PromptFeedback::default()
                    });
                }
                "image_safety" => {
                    response.candidates.push(Candidate {
                        finish_reason: Some(FinishReason::ImageSafety),
                        finish_message: message,
                        ..Candidate::default()
                    });
                }
                _ => return None,
            }
            return Some(response);
        }
        _ => return None,
    }
    let mut parts = Vec::new();
    let mut signature = None;
    // A GET returns the whole timeline, input first (for a stateless turn that is the whole
    // history): the answer is what follows the last user turn.
    let answer_from = interaction
        .steps
        .iter()
        .rposition(|s| matches!(s, Step::Known(KnownStep::UserInput { .. })))
        .map_or(0, |i| i + 1);
    for step in &interaction.steps[answer_from..] {
        let Step::Known(step) = step else { continue };
        match step {
            KnownStep::UserInput { .. } => {}
            KnownStep::Thought {
                signature: sig,
                summary,
            } => {
                signature = sig.clone().or(signature);
                parts.extend(summary.iter().filter_map(|b| part_of(b, true)));
            }
            KnownStep::ModelOutput { content, .. } => {
                let start = parts.len();
                parts.extend(content.iter().filter_map(|b| part_of(b, false)));
                let signed = parts[start..]
                    .iter()
                    .position(|p: &Part| p.inline_data.is_some())
                    .or((parts.len() > start).then_some(0));
                if let (Some(at), Some(sig)) = (signed, signature.take()) {
                    parts[start + at].thought_signature = Some(sig);
                }
            }
        }
    }
    let has_image = parts
        .iter()
        .any(|p| p.inline_data.is_some() && p.thought != Some(true));
    response.candidates.push(Candidate {
        content: Some(Content {
            role: Some("model".into()),
            parts,
        }),
        finish_reason: Some(if has_image {
            FinishReason::Stop
        } else {
            FinishReason::NoImage
        }),
        index: Some(0),
        ..Candidate::default()
    });
    Some(response)
}

fn part_of(block: &Block, thought: bool) -> Option<Part> {
    let Block::Known(block) = block else {
        return None;
    };
    let mut part = match block {
        KnownBlock::Text { text } => Part {
            text: Some(text.clone()),
            ..Part::default()
        },
        KnownBlock::Image {
            data: Some(data),
            mime_type,
            ..
        } => Part {
            inline_data: Some(Blob {
                mime_type: mime_type.clone().unwrap_or_else(|| "image/jpeg".into()),
                data: data.clone(),
            }),
            ..Part::default()
        },
        KnownBlock::Image { .. } => return None,
    };
    if thought {
        part.thought = Some(true);
    }
    Some(part)
}

fn usage_of(usage: &InteractionUsage) -> UsageMetadata {
    let details = |items: &[ModalityTokens]| -> Vec<ModalityTokenCount> {
        items
            .iter()
            .map(|m| ModalityTokenCount {
                modality: Modality::from(m.modality.to_ascii_uppercase().as_str()),
                token_count: m.tokens,
            })
            .collect()
    };
    UsageMetadata {
        prompt_token_count: usage.total_input_tokens,
        candidates_token_count: usage.total_output_tokens,
        thoughts_token_count: usage.total_thought_tokens,
        cached_content_token_count: usage.total_cached_tokens,
        total_token_count: usage.total_tokens,
        prompt_tokens_details: details(&usage.input_tokens_by_modality),
        candidates_tokens_details: details(&usage.output_tokens_by_modality),
        ..UsageMetadata::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{GenerationConfig, ImageConfig, ThinkingConfig, ThinkingLevel};

    fn request() -> GenerateContentRequest {
        let user = |t: &str| Content {
            role: Some("user".into()),
            parts: vec![Part {
                text: Some(t.into()),
                ..Part::default()
            }],
        };
        GenerateContentRequest {
            contents: vec![
                user("a fox"),
                Content {
                    role: Some("model".into()),
                    parts: vec![
                        Part {
                            text: Some("thinking".into()),
                            thought: Some(true),
                            ..Part::default()
                        },
                        Part {
                            inline_data: Some(Blob {
                                mime_type: "image/jpeg".into(),
                                data: crate::api::wire::Base64Data(vec![1, 2, 3]),
                            }),
                            thought_signature: Some("SIG".into()),
                            ..Part::default()
                        },
                    ],
                },
                user("at night"),
            ],
            generation_config: Some(GenerationConfig {
                response_modalities: vec![Modality::Image],
                image_config: Some(ImageConfig {
                    aspect_ratio: Some("16:9".into()),
                    image_size: Some("2K".into()),
                    ..ImageConfig::default()
                }),
                thinking_config: Some(ThinkingConfig {
                    thinking_level: Some(ThinkingLevel::High),
                    include_thoughts: Some(true),
                }),
                seed: Some(9),
                ..GenerationConfig::default()
            }),
            ..GenerateContentRequest::default()
        }
    }

    #[test]
    fn a_continued_turn_sends_only_the_new_instruction() {
        let create = to_create("m", &request(), Some("v1_prev")).unwrap();
        let v = serde_json::to_value(&create).unwrap();
        assert_eq!(v["input"], "at night");
        assert_eq!(v["previous_interaction_id"], "v1_prev");
        assert_eq!(v["response_format"]["image_size"], "2K");
        assert_eq!(v["generation_config"]["thinking_level"], "high");
        assert_eq!(v["generation_config"]["thinking_summaries"], "auto");
    }

    #[test]
    fn a_stateless_history_keeps_signatures_and_drops_thought_parts() {
        let v = serde_json::to_value(to_create("m", &request(), None).unwrap()).unwrap();
        let steps = v["input"].as_array().unwrap();
        let kinds: Vec<&str> = steps.iter().map(|s| s["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["user_input", "thought", "model_output", "user_input"]
        );
        assert_eq!(steps[1]["signature"], "SIG");
        assert_eq!(steps[2]["content"].as_array().unwrap().len(), 1);
        assert_eq!(steps[2]["content"][0]["data"], "AQID");
    }

    #[test]
    fn a_completed_interaction_reads_as_a_signed_generate_answer() {
        let i: Interaction = serde_json::from_value(json!({"id": "v1_x", "status": "completed",
            "steps": [{"type": "thought", "signature": "SIG", "summary": [{"type": "text", "text": "plan"}]},
                      {"type": "model_output", "content": [{"type": "image", "mime_type": "image/jpeg", "data": "AQID"}]}],
            "usage": {"total_tokens": 10, "total_output_tokens": 4,
                      "output_tokens_by_modality": [{"modality": "image", "tokens": 4}]}}))
        .unwrap();
        let r = to_response(&i).unwrap();
        let parts = &r.candidates[0].content.as_ref().unwrap().parts;
        assert_eq!(parts[0].thought, Some(true));
        assert_eq!(parts[1].thought_signature.as_deref(), Some("SIG"));
        assert_eq!(r.candidates[0].finish_reason, Some(FinishReason::Stop));
        let usage = r.usage_metadata.unwrap();
        assert_eq!(usage.candidates_tokens_details[0].modality, Modality::Image);

        let timeline: Interaction = serde_json::from_value(json!({"id": "v1_t", "status": "completed",
            "steps": [{"type": "user_input", "content": [{"type": "text", "text": "a"}]},
                      {"type": "thought", "signature": "OLD"},
                      {"type": "model_output", "content": [{"type": "image", "mime_type": "image/jpeg", "data": "AAAA"}]},
                      {"type": "user_input", "content": [{"type": "text", "text": "b"}]},
                      {"type": "thought", "signature": "NEW"},
                      {"type": "model_output", "content": [{"type": "image", "mime_type": "image/jpeg", "data": "AQID"}]}]}))
        .unwrap();
        let r = to_response(&timeline).unwrap();
        let parts = &r.candidates[0].content.as_ref().unwrap().parts;
        assert_eq!(parts.len(), 1, "only the answer after the last user turn");
        assert_eq!(parts[0].thought_signature.as_deref(), Some("NEW"));

        let blocked: Interaction = serde_json::from_value(json!({"id": "v1_y", "status": "failed",
            "errors": [{"code": "image_safety", "message": "filtered"}]}))
        .unwrap();
        let r = to_response(&blocked).unwrap();
        assert_eq!(
            r.candidates[0].finish_reason,
            Some(FinishReason::ImageSafety)
        );
        let empty: Interaction =
            serde_json::from_value(json!({"id": "v1_z", "status": "completed", "steps": []}))
                .unwrap();
        let r = to_response(&empty).unwrap();
        assert_eq!(r.candidates[0].finish_reason, Some(FinishReason::NoImage));
    }
}
