//! Reading a generateContent answer: the images, the text, and why there may be none.

use thiserror::Error;

use super::wire::{
    BlockReason, Content, FinishReason, GenerateContentResponse, Modality, UsageMetadata,
};
use crate::models::UsageCounts;

/// One final (non-thought) image from a response.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageOutput {
    /// MIME type as sent; decides the file extension.
    pub mime: String,
    /// Decoded bytes.
    pub bytes: Vec<u8>,
    /// The part's thought signature, if any.
    pub signature: Option<String>,
    /// Index of the part within the model turn.
    pub part_index: usize,
}

/// Everything useful in a successful answer.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Final images in order; the last is the primary result.
    pub images: Vec<ImageOutput>,
    /// Non-thought text parts.
    pub text: Vec<String>,
    /// Thought text parts.
    pub thoughts: Vec<String>,
    /// Number of interim thought images seen (not kept).
    pub thought_images: usize,
    /// Why the candidate stopped.
    pub finish_reason: Option<FinishReason>,
    /// Token counts that drive cost.
    pub usage: UsageCounts,
    /// The raw usage metadata.
    pub usage_metadata: Option<UsageMetadata>,
    /// The server's id for this answer.
    pub response_id: Option<String>,
    /// The model version that answered.
    pub model_version: Option<String>,
    /// The model turn verbatim, with final image bytes moved into `images` (data left empty).
    pub model_turn: Option<Content>,
}

/// A well-formed answer that holds no usable image.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OutcomeError {
    /// The prompt itself was refused.
    #[error("the prompt was blocked ({reason}){}. Rephrase the prompt; if reference images are attached, one of them may be the cause.", fmt_text(message.as_deref()))]
    PromptBlocked {
        reason: String,
        message: Option<String>,
    },

    /// The output image was withheld by the safety filter.
    #[error("the image was blocked by the safety filter ({reason}){}. The image filter (IMAGE_SAFETY) fires whatever the safety settings say, so lower thresholds or --safety will not get this image through; change what the prompt (or a reference image) depicts and try again.", fmt_text(text.as_deref()))]
    ImageBlocked {
        reason: String,
        text: Option<String>,
    },

    /// The output resembled protected material.
    #[error(
        "the image was withheld because it resembles existing protected material ({reason}). Make the prompt more original (avoid named artworks, logos or characters)."
    )]
    Recitation { reason: String },

    /// The model answered without an image.
    #[error("the model returned no image (finish reason {reason}){}. Say explicitly that you want an image, or simplify the prompt, and try again.", fmt_text(text.as_deref()))]
    NoImage {
        reason: String,
        text: Option<String>,
    },
}

fn fmt_text(text: Option<&str>) -> String {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| format!("; the model said: \"{}\"", t.trim()))
        .unwrap_or_default()
}

impl OutcomeError {
    /// A short label for lists and sidecars.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PromptBlocked { .. } => "prompt_blocked",
            Self::ImageBlocked { .. } => "safety_blocked",
            Self::Recitation { .. } => "recitation",
            Self::NoImage { .. } => "no_image",
        }
    }
}

/// Token counts for pricing: image output, text+thinking output, prompt.
pub fn usage_counts(usage: Option<&UsageMetadata>) -> UsageCounts {
    let Some(u) = usage else {
        return UsageCounts::default();
    };
    let candidates = u.candidates_token_count.unwrap_or(0);
    let image: u64 = u
        .candidates_tokens_details
        .iter()
        .filter(|d| d.modality == Modality::Image)
        .map(|d| d.token_count)
        .sum();
    let image = if u.candidates_tokens_details.is_empty() {
        candidates
    } else {
        image
    };
    UsageCounts {
        prompt_tokens: u.prompt_token_count.unwrap_or(0),
        image_output_tokens: image,
        text_output_tokens: candidates.saturating_sub(image) + u.thoughts_token_count.unwrap_or(0),
    }
}

/// Takes a response apart; fails with the reason when it holds no final image.
pub fn interpret(response: GenerateContentResponse) -> Result<Outcome, OutcomeError> {
    let usage = usage_counts(response.usage_metadata.as_ref());
    let Some(candidate) = response.candidates.into_iter().next() else {
        let feedback = response.prompt_feedback.unwrap_or_default();
        let reason = feedback.block_reason.unwrap_or(BlockReason::Unspecified);
        return Err(OutcomeError::PromptBlocked {
            reason: reason.to_string(),
            message: feedback.block_reason_message,
        });
    };
    let mut outcome = Outcome {
        finish_reason: candidate.finish_reason.clone(),
        usage,
        usage_metadata: response.usage_metadata,
        response_id: response.response_id,
        model_version: response.model_version,
        ..Outcome::default()
    };
    let mut turn = candidate.content.unwrap_or_default();
    for (index, part) in turn.parts.iter_mut().enumerate() {
        if part.is_thought() {
            outcome.thought_images += usize::from(part.inline_data.is_some());
            outcome.thoughts.extend(part.text.clone());
            continue;
        }
        if let Some(text) = &part.text {
            outcome.text.push(text.clone());
        }
        if let Some(blob) = part.inline_data.as_mut() {
            outcome.images.push(ImageOutput {
                mime: blob.mime_type.clone(),
                bytes: std::mem::take(&mut blob.data.0),
                signature: part.thought_signature.clone(),
                part_index: index,
            });
        }
    }
    outcome.model_turn = Some(turn);
    if !outcome.images.is_empty() {
        return Ok(outcome);
    }
    let text = (!outcome.text.is_empty()).then(|| outcome.text.join(" "));
    let reason = candidate.finish_reason.unwrap_or(FinishReason::Stop);
    Err(match reason {
        FinishReason::ImageSafety
        | FinishReason::ImageProhibitedContent
        | FinishReason::Safety
        | FinishReason::ProhibitedContent
        | FinishReason::Blocklist
        | FinishReason::Spii => OutcomeError::ImageBlocked {
            reason: reason.to_string(),
            text: candidate.finish_message.or(text),
        },
        FinishReason::ImageRecitation | FinishReason::Recitation => OutcomeError::Recitation {
            reason: reason.to_string(),
        },
        other => OutcomeError::NoImage {
            reason: other.to_string(),
            text,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> GenerateContentResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keeps_final_images_and_skips_thought_drafts() {
        let resp = parse(
            r#"{"candidates":[{"content":{"role":"model","parts":[
                {"text":"planning","thought":true},
                {"inlineData":{"mimeType":"image/png","data":"AAAA"},"thought":true},
                {"text":"Here you go","thoughtSignature":"s1"},
                {"inlineData":{"mimeType":"image/jpeg","data":"AQID"},"thoughtSignature":"s2"},
                {"inlineData":{"mimeType":"image/png","data":"BAUG"},"thoughtSignature":"s3"}]},
                "finishReason":"STOP"}],
               "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":2250,"thoughtsTokenCount":100,
                 "candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":2240},{"modality":"TEXT","tokenCount":10}]},
               "responseId":"r"}"#,
        );
        let out = interpret(resp).unwrap();
        assert_eq!(out.images.len(), 2);
        assert_eq!(out.images[0].mime, "image/jpeg");
        assert_eq!(out.images[1].bytes, vec![4, 5, 6]);
        assert_eq!(out.images[1].signature.as_deref(), Some("s3"));
        assert_eq!(out.thought_images, 1);
        assert_eq!(out.text, vec!["Here you go"]);
        assert_eq!(out.thoughts, vec!["planning"]);
        assert_eq!(
            out.usage,
            UsageCounts {
                prompt_tokens: 10,
                image_output_tokens: 2240,
                text_output_tokens: 110
            }
        );
        let turn = out.model_turn.unwrap();
        assert_eq!(turn.parts[4].thought_signature.as_deref(), Some("s3"));
        assert!(
            turn.parts[4]
                .inline_data
                .as_ref()
                .unwrap()
                .data
                .0
                .is_empty()
        );
    }

    #[test]
    fn each_empty_answer_has_its_own_error() {
        let blocked = interpret(parse(
            r#"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}"#,
        ))
        .unwrap_err();
        assert_eq!(blocked.kind(), "prompt_blocked");
        assert!(blocked.to_string().contains("PROHIBITED_CONTENT"));
        let safety =
            interpret(parse(r#"{"candidates":[{"finishReason":"IMAGE_SAFETY"}]}"#)).unwrap_err();
        assert_eq!(safety.kind(), "safety_blocked");
        assert!(
            safety
                .to_string()
                .contains("whatever the safety settings say")
        );
        assert!(
            safety
                .to_string()
                .contains("will not get this image through")
        );
        let none = interpret(parse(
            r#"{"candidates":[{"content":{"parts":[{"text":"I cannot draw that"}]},"finishReason":"NO_IMAGE"}]}"#,
        ))
        .unwrap_err();
        assert!(
            none.to_string().contains("I cannot draw that")
                && none.to_string().contains("NO_IMAGE")
        );
        let stop = interpret(parse(
            r#"{"candidates":[{"content":{"parts":[{"text":"hm"}]},"finishReason":"STOP"}]}"#,
        ));
        assert_eq!(stop.unwrap_err().kind(), "no_image");
        let rec = interpret(parse(
            r#"{"candidates":[{"finishReason":"IMAGE_RECITATION"}]}"#,
        ))
        .unwrap_err();
        assert_eq!(rec.kind(), "recitation");
    }
}
