//! Runs one interaction turn through the shared generate path and records what happens as
//! steps, usage and SSE events: the thought headline early, then the interim image, the
//! signature, the final image and `interaction.completed`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::errors::error_object;
use super::request::turn_signature;
use crate::sim::errors::SimError;
use crate::sim::pipeline::{Admitted, Generated, serve};
use crate::sim::{Latency, SimState, response};

/// The MIME type every Interactions API image comes back in.
pub const OUTPUT_MIME: &str = "image/jpeg";

/// One turn, checked, translated and admitted, ready to run.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The interaction being driven.
    pub id: String,
    /// The request as the service took it in (model, rendering plan, tier, faults).
    pub admitted: Admitted,
    /// Whether thought summaries are returned.
    pub summaries: bool,
}

/// How a turn ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Normally (completed, or failed with `errors[]`).
    Done,
    /// The `html` fault: answer a 502 page.
    Html,
    /// The `truncated` fault: cut the answer off midway.
    Truncated,
}

/// Runs `turn`, updating its record and pushing its events as it goes.
pub async fn drive(state: Arc<SimState>, turn: Turn) -> Result<Finish, SimError> {
    let id = turn.id.as_str();
    state.interactions.update(id, |r| {
        let created = r.summary();
        r.push(json!({"event_type": "interaction.created", "interaction": created}));
        r.push(json!({"event_type": "interaction.status_update", "interaction_id": r.id, "status": "in_progress"}));
    });
    let early = async {
        tokio::time::sleep(first_thought_after(state.config.latency)).await;
        let headline = response::thought_text(&turn.admitted.req);
        state.interactions.update(id, |r| {
            if r.is_terminal() {
                return;
            }
            r.push(json!({"event_type": "step.start", "index": 0, "step": {"type": "thought"}}));
            if turn.summaries {
                r.push(json!({"event_type": "step.delta", "index": 0,
                    "delta": {"type": "thought_summary", "content": {"type": "text", "text": headline}}}));
            }
        });
        if turn.summaries {
            tokio::time::sleep(first_thought_after(state.config.latency)).await;
            push_draft(&state, &turn).await;
        }
    };
    let (_, generated) = tokio::join!(early, serve(turn.admitted.clone()));
    let (answer, finish) = match generated? {
        Generated::Html => return Ok(Finish::Html),
        Generated::Truncated(answer) => (answer, Finish::Truncated),
        Generated::Answer(answer) => (answer, Finish::Done),
    };
    let outcome = convert(&answer, turn.summaries);
    state.interactions.update(id, |r| {
        if r.is_terminal() {
            return;
        }
        push_steps(r, &outcome);
        r.status = outcome.status.clone();
        r.steps = outcome.steps.clone();
        r.usage = Some(outcome.usage.clone());
        r.errors = outcome.errors.clone();
        r.cut = finish == Finish::Truncated;
        r.updated = super::store::timestamp();
        let summary = r.summary();
        r.push(json!({"event_type": "interaction.completed", "interaction": summary}));
        r.finish();
    });
    if finish != Finish::Html {
        super::keep_finished(&state, id);
    }
    Ok(finish)
}

/// Marks an interaction failed with `err`, as a background run or a stream reports it.
pub fn fail(state: &SimState, id: &str, err: &SimError) {
    state.interactions.update(id, |r| {
        if r.is_terminal() {
            return;
        }
        let error = error_object(err);
        r.status = "failed".into();
        r.errors = vec![error.clone()];
        r.push(json!({"event_type": "error", "error": error}));
        r.finish();
    });
    super::keep_finished(state, id);
}

/// Pushes the interim draft as a thought summary while the turn still runs.
async fn push_draft(state: &Arc<SimState>, turn: &Turn) {
    let spec = turn.admitted.spec.clone();
    let planned = turn.admitted.req.clone();
    let drawn = tokio::task::spawn_blocking(move || response::render_draft(&planned, &spec)).await;
    let Ok(Ok(draft)) = drawn else {
        return;
    };
    let block = json!({"type": "image", "mime_type": OUTPUT_MIME, "data": STANDARD.encode(draft)});
    state.interactions.update(&turn.id, |r| {
        if !r.is_terminal() {
            r.push(json!({"event_type": "step.delta", "index": 0,
                "delta": {"type": "thought_summary", "content": block}}));
        }
    });
}

/// True when the interim draft already went out among the thoughts.
fn draft_sent(r: &super::store::Record) -> bool {
    r.events.iter().any(|e| {
        e["event_type"] == "step.delta"
            && e["delta"]["type"] == "thought_summary"
            && e["delta"]["content"]["type"] == "image"
    })
}

fn first_thought_after(latency: Latency) -> Duration {
    match latency {
        Latency::Fixed(d) => d / 4,
        Latency::Realistic => Duration::from_millis(rand::random_range(300..700)),
    }
}

/// What a generateContent answer means as an interaction.
#[derive(Debug, Clone)]
struct Outcome {
    status: String,
    steps: Vec<Value>,
    usage: Value,
    errors: Vec<Value>,
    summary: Vec<Value>,
    signature: Option<String>,
    output: Vec<Value>,
}

fn convert(answer: &Value, summaries: bool) -> Outcome {
    let usage = usage_of(&answer["usageMetadata"]);
    let failed = |code: &str, message: &str| Outcome {
        status: "failed".into(),
        steps: Vec::new(),
        usage: usage.clone(),
        errors: vec![json!({"code": code, "message": message})],
        summary: Vec::new(),
        signature: None,
        output: Vec::new(),
    };
    if let Some(reason) = answer["promptFeedback"]["blockReason"].as_str() {
        return failed(
            "prompt_blocked",
            &format!("The prompt was blocked ({reason}). Try rephrasing it."),
        );
    }
    let candidate = &answer["candidates"][0];
    if candidate["finishReason"] == "IMAGE_SAFETY" {
        let message = candidate["finishMessage"]
            .as_str()
            .unwrap_or("Image blocked.");
        return failed("image_safety", message);
    }
    let parts = candidate["content"]["parts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut summary = Vec::new();
    let mut output = Vec::new();
    let mut first_image: Option<Vec<u8>> = None;
    let mut text = String::new();
    for part in &parts {
        let thought = part["thought"].as_bool() == Some(true);
        let block = if let Some(t) = part["text"].as_str() {
            if !thought {
                text.push_str(t);
            }
            json!({"type": "text", "text": t})
        } else if let Some(data) = part["inlineData"]["data"].as_str() {
            if !thought && first_image.is_none() {
                first_image = STANDARD.decode(data).ok();
            }
            json!({"type": "image", "mime_type": part["inlineData"]["mimeType"], "data": data})
        } else {
            continue;
        };
        if thought {
            summary.push(block);
        } else {
            output.push(block);
        }
    }
    let signature = turn_signature(first_image.as_deref(), &text);
    let mut thought = json!({"type": "thought", "signature": signature});
    if summaries && !summary.is_empty() {
        thought["summary"] = Value::Array(summary.clone());
    }
    let steps = vec![
        thought,
        json!({"type": "model_output", "content": output.clone()}),
    ];
    Outcome {
        status: "completed".into(),
        steps,
        usage,
        errors: Vec::new(),
        summary: if summaries { summary } else { Vec::new() },
        signature: Some(signature),
        output,
    }
}

fn push_steps(r: &mut super::store::Record, outcome: &Outcome) {
    let Some(signature) = &outcome.signature else {
        return;
    };
    let started = r
        .events
        .iter()
        .any(|e| e["event_type"] == "step.start" && e["index"] == 0);
    if !started {
        r.push(json!({"event_type": "step.start", "index": 0, "step": {"type": "thought"}}));
    }
    let early_draft = draft_sent(r);
    for block in outcome
        .summary
        .iter()
        .filter(|b| b["type"] == "image" && !early_draft)
    {
        r.push(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "thought_summary", "content": block}}));
    }
    r.push(json!({"event_type": "step.delta", "index": 0,
        "delta": {"type": "thought_signature", "signature": signature}}));
    r.push(json!({"event_type": "step.stop", "index": 0}));
    r.push(json!({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}}));
    for block in &outcome.output {
        r.push(json!({"event_type": "step.delta", "index": 1, "delta": block}));
    }
    r.push(json!({"event_type": "step.stop", "index": 1}));
}

fn usage_of(meta: &Value) -> Value {
    let n = |key: &str| meta[key].as_u64().unwrap_or(0);
    let by_modality = |key: &str| -> Value {
        meta[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|d| {
                        json!({
                            "modality": d["modality"].as_str().unwrap_or("").to_ascii_lowercase(),
                            "tokens": d["tokenCount"].as_u64().unwrap_or(0),
                        })
                    })
                    .collect()
            })
            .unwrap_or_else(|| json!([]))
    };
    let (input, output, thought) = (
        n("promptTokenCount"),
        n("candidatesTokenCount"),
        n("thoughtsTokenCount"),
    );
    json!({
        "total_tokens": input + output + thought,
        "total_input_tokens": input,
        "input_tokens_by_modality": by_modality("promptTokensDetails"),
        "total_cached_tokens": 0,
        "total_output_tokens": output,
        "output_tokens_by_modality": by_modality("candidatesTokensDetails"),
        "total_tool_use_tokens": 0,
        "total_thought_tokens": thought,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_becomes_a_signed_thought_and_a_model_output() {
        let image = STANDARD.encode(b"jpeg bytes");
        let answer = json!({"candidates": [{"content": {"parts": [
            {"text": "**Planning**", "thought": true},
            {"inlineData": {"mimeType": "image/jpeg", "data": image}, "thought": true},
            {"inlineData": {"mimeType": "image/jpeg", "data": image}, "thoughtSignature": "x"}]},
            "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 1120, "thoughtsTokenCount": 147,
                "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1120}]}});
        let out = convert(&answer, true);
        assert_eq!(out.status, "completed");
        assert_eq!(out.steps[0]["type"], "thought");
        assert_eq!(out.steps[0]["summary"].as_array().unwrap().len(), 2);
        assert_eq!(out.steps[1]["content"][0]["mime_type"], "image/jpeg");
        assert_eq!(out.usage["total_tokens"], 1273);
        assert_eq!(
            out.usage["output_tokens_by_modality"][0]["modality"],
            "image"
        );
        let quiet = convert(&answer, false);
        assert!(quiet.steps[0].get("summary").is_none());
        assert!(quiet.steps[0]["signature"].as_str().unwrap().len() > 20);
    }

    #[test]
    fn blocked_answers_fail_with_errors() {
        let out = convert(
            &json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}),
            false,
        );
        assert_eq!(out.status, "failed");
        assert_eq!(out.errors[0]["code"], "prompt_blocked");
        let out = convert(
            &json!({"candidates": [{"finishReason": "IMAGE_SAFETY", "finishMessage": "filtered"}]}),
            false,
        );
        assert_eq!(out.errors[0]["message"], "filtered");
    }
}
