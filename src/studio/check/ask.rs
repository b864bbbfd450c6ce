//! One question to the text model: an anchor's reference images, then the image to judge,
//! asking for structured JSON (`responseMimeType` + `responseSchema`) with a 0–100 score
//! and a one-line note; and reading that answer and its cost.

use serde::Deserialize;
use serde_json::json;

use crate::api::wire::{
    Content, GenerateContentRequest, GenerateContentResponse, GenerationConfig, Part,
};
use crate::models::TextModelSpec;
use crate::studio::roster::Anchor;

/// Tokens of instructions and labels in one question, for the estimate.
pub const QUESTION_TEXT_TOKENS: u64 = 250;
/// Tokens an answer (thinking included) is allowed for in the estimate.
pub const ANSWER_TOKENS: u64 = 400;

/// The request asking whether `image` keeps `anchor`, shown by `references` (mime, bytes).
pub fn request(
    anchor: &Anchor,
    references: &[(String, Vec<u8>)],
    image: (String, Vec<u8>),
) -> GenerateContentRequest {
    let kind = anchor.kind.as_str();
    let looks = match anchor.description.trim() {
        "" => String::new(),
        d => format!(" Described as: {}.", d.trim_end_matches('.')),
    };
    let aspects = if kind == "object" {
        "shape, material, colours and markings"
    } else {
        "face, hair, build, costume and colours"
    };
    let mut parts = vec![Part::text(format!(
        "You check identity consistency across a series of images. The first {n} image(s) \
         show {name} ({kind}).{looks} The last image is a new picture that should show the \
         same {kind}. Score from 0 to 100 how well the last image keeps {name}'s identity \
         ({aspects}), ignoring pose, framing, lighting and background. 100 means unmistakably \
         the same; below 70 a viewer would notice a change. Give the score and a one-line \
         note naming what changed, if anything.",
        n = references.len(),
        name = anchor.name,
    ))];
    for (n, (mime, bytes)) in references.iter().enumerate() {
        parts.push(Part::text(format!(
            "Reference image {} of {}:",
            n + 1,
            anchor.name
        )));
        parts.push(Part::image(mime.clone(), bytes.clone()));
    }
    parts.push(Part::text("The image to judge:"));
    parts.push(Part::image(image.0, image.1));
    GenerateContentRequest {
        contents: vec![Content {
            role: Some("user".into()),
            parts,
        }],
        generation_config: Some(GenerationConfig {
            response_mime_type: Some("application/json".into()),
            response_schema: Some(json!({
                "type": "OBJECT",
                "properties": {
                    "score": {
                        "type": "INTEGER",
                        "minimum": 0,
                        "maximum": 100,
                        "description": "identity consistency, 0-100",
                    },
                    "note": {
                        "type": "STRING",
                        "description": "one line: what changed, or that it matches",
                    },
                },
                "required": ["score", "note"],
                "propertyOrdering": ["score", "note"],
            })),
            ..GenerationConfig::default()
        }),
        ..GenerateContentRequest::default()
    }
}

#[derive(Deserialize)]
struct Verdict {
    score: f64,
    #[serde(default)]
    note: String,
}

/// The score, the note and the cost of an answer; a refusal or a malformed answer is an
/// error saying so.
pub fn read_answer(
    answer: &GenerateContentResponse,
    model: &TextModelSpec,
) -> Result<(u8, String, f64), String> {
    let usage = answer.usage_metadata.as_ref();
    let input = usage.and_then(|u| u.prompt_token_count).unwrap_or_default();
    let output = usage
        .map(|u| u.candidates_token_count.unwrap_or(0) + u.thoughts_token_count.unwrap_or(0))
        .unwrap_or_default();
    let cost = model.cost(input, output);
    let Some(candidate) = answer.candidates.first() else {
        let why = answer
            .prompt_feedback
            .as_ref()
            .and_then(|f| f.block_reason.as_ref())
            .map(|r| format!("the question was blocked ({r:?})"))
            .unwrap_or_else(|| "the model gave no answer".into());
        return Err(why);
    };
    let text: String = candidate
        .content
        .as_ref()
        .map(|c| {
            c.parts
                .iter()
                .filter(|p| p.thought != Some(true))
                .filter_map(|p| p.text.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let verdict: Verdict = serde_json::from_str(text.trim()).map_err(|e| {
        format!(
            "the model's answer is not the JSON asked for ({e}): {}",
            crate::text::truncate(text.trim(), 120)
        )
    })?;
    let score = verdict.score.round().clamp(0.0, 100.0) as u8;
    let note = verdict
        .note
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok((score, note, cost))
}

/// The estimated cost of one question with `references` reference images.
pub fn estimate(model: &TextModelSpec, references: usize) -> f64 {
    let input = (references as u64 + 1) * model.image_input_tokens as u64 + QUESTION_TEXT_TOKENS;
    model.cost(input, ANSWER_TOKENS)
}
