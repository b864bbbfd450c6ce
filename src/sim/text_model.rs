//! Text models (`[text_models]` in the registry, e.g. `gemini-3.5-flash`) on
//! `models/{model}:generateContent`: strict about what a text model does — no image
//! output, no image settings, JSON only when asked and then shaped by the schema — and
//! answering with the deterministic consistency judgement of `judge.rs`. A text model takes
//! every service tier (`[text_models]` entries list none). A deprecated text model with a
//! successor is served as routed to it (Google routes `gemini-3.5-flash` to
//! `gemini-3.6-flash`): its answers' `modelVersion` names the successor.

use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Map, Value, json};

use super::errors::SimError;
use super::generate::{Mode, parse_body};
use super::inputs::part_image;
use super::judge;
use super::schema::{self, get};
use super::{SimState, messages, storage, tiers};
use crate::models::{Status, TextModelSpec};

/// Answers a generateContent call to a text model (on a Vertex AI path when `vertex`).
pub fn generate(
    state: &SimState,
    version: &str,
    model: &TextModelSpec,
    body: &[u8],
    (mode, vertex): (Mode, bool),
) -> Result<Response, SimError> {
    let body = parse_body(body)?;
    schema::validate_in(&body, &messages::GENERATE_CONTENT_REQUEST, version, vertex)?;
    let tier = tiers::requested(&body)?;
    let config = get(&body, "generation_config")
        .cloned()
        .unwrap_or(json!({}));
    refuse_image_output(&config)?;
    let wants_json = structured(&config)?;
    let objects = match vertex {
        true => storage::refs::read_all(&state.storage, &body)?,
        false => Default::default(),
    };
    let lookup = |id: &str| match objects.get(id) {
        Some(object) => Some(object.clone()),
        None => state.files.resolve(id),
    };
    let contents = get(&body, "contents")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            SimError::invalid("* GenerateContentRequest.contents: contents is not specified\n")
        })?;
    let mut images = Vec::new();
    let mut text_chars = 0usize;
    for (ci, content) in contents.iter().enumerate() {
        let parts = get(content, "parts")
            .and_then(Value::as_array)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                SimError::invalid(format!(
                    "* GenerateContentRequest.contents[{ci}].parts: contents.parts must not be empty.\n"
                ))
            })?;
        for (pi, part) in parts.iter().enumerate() {
            if let Some(text) = get(part, "text").and_then(Value::as_str) {
                text_chars += text.chars().count();
            }
            if let Some(image) = part_image(part, ci, pi, &lookup)? {
                images.push(image);
            }
        }
    }
    if images.len() > model.max_images as usize {
        return Err(SimError::invalid(format!(
            "Too many input images: {} images were given, but models/{} accepts at most {}.",
            images.len(),
            model.id,
            model.max_images
        )));
    }
    let (score, note) = match images.split_last() {
        Some((candidate, references)) => judge::consistency(references, candidate),
        None => (0, "no image was given to judge".to_string()),
    };
    let text = if wants_json {
        let shape =
            get(&config, "response_schema").or_else(|| get(&config, "response_json_schema"));
        let value = match shape {
            Some(shape) => fill(shape, score, &note),
            None => json!({ "score": score, "note": note }),
        };
        value.to_string()
    } else {
        format!("Consistency score: {score}/100. {note}")
    };
    let prompt_tokens = (text_chars as u64).div_ceil(4).max(1)
        + images.len() as u64 * model.image_input_tokens as u64;
    let answer_tokens = (text.chars().count() as u64).div_ceil(4).max(1);
    let thought_tokens = 64;
    let mut answer = json!({
        "candidates": [{
            "content": { "role": "model", "parts": [{ "text": text }] },
            "finishReason": "STOP",
            "index": 0,
        }],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": answer_tokens,
            "thoughtsTokenCount": thought_tokens,
            "totalTokenCount": prompt_tokens + answer_tokens + thought_tokens,
            "promptTokensDetails": [
                { "modality": "TEXT", "tokenCount": (text_chars as u64).div_ceil(4).max(1) },
                { "modality": "IMAGE", "tokenCount": images.len() as u64 * model.image_input_tokens as u64 },
            ],
        },
        "modelVersion": served_as(state, model),
        "responseId": format!("sim-text-{:x}", rand::random::<u64>()),
    });
    if vertex {
        answer["usageMetadata"]["trafficType"] = tiers::traffic_type(tier).into();
    }
    Ok(match mode {
        Mode::Json => Json(answer).into_response(),
        Mode::Array => Json(json!([answer])).into_response(),
        Mode::Sse => (
            [(header::CONTENT_TYPE, "text/event-stream")],
            format!("data: {answer}\r\n\r\n"),
        )
            .into_response(),
    })
}

/// The model that answers for `model`: its successor when it is deprecated and the
/// successor is a text model the simulator serves, else itself.
fn served_as<'a>(state: &'a SimState, model: &'a TextModelSpec) -> &'a str {
    let routed = (model.status == Status::Deprecated)
        .then_some(model.successor.as_deref())
        .flatten()
        .and_then(|next| state.served_text_model(next));
    routed.map_or(model.id.as_str(), |next| next.id.as_str())
}

/// A text model makes no images: IMAGE output and image settings are refused.
fn refuse_image_output(config: &Value) -> Result<(), SimError> {
    let modalities = get(config, "response_modalities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if modalities
        .iter()
        .filter_map(Value::as_str)
        .any(|m| m.eq_ignore_ascii_case("image"))
    {
        return Err(SimError::invalid(
            "Model does not support the requested response modalities: image",
        ));
    }
    if get(config, "image_config").is_some() {
        return Err(SimError::invalid(
            "Image config is not supported for this model.",
        ));
    }
    Ok(())
}

/// Whether JSON is asked for; a schema without the JSON MIME type, or an unknown MIME
/// type, is refused as the service does.
fn structured(config: &Value) -> Result<bool, SimError> {
    let mime = get(config, "response_mime_type")
        .and_then(Value::as_str)
        .unwrap_or("text/plain");
    let allowed = ["text/plain", "application/json", "text/x.enum"];
    if !allowed.contains(&mime) {
        return Err(SimError::invalid(format!(
            "* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, `application/json` and `text/x.enum`. Got {mime}\n"
        )));
    }
    let has_schema =
        get(config, "response_schema").is_some() || get(config, "response_json_schema").is_some();
    if has_schema && mime == "text/plain" {
        return Err(SimError::invalid(
            "* GenerateContentRequest.generation_config.response_mime_type: a response schema needs response_mime_type `application/json`\n",
        ));
    }
    Ok(mime == "application/json")
}

/// A value following `shape` (the OpenAPI subset: `type`, `properties`, `items`, `enum`,
/// `minimum`/`maximum`), numbers set to `score` and text to `note`.
fn fill(shape: &Value, score: u8, note: &str) -> Value {
    let kind = get(shape, "type")
        .and_then(Value::as_str)
        .unwrap_or("OBJECT")
        .to_ascii_uppercase();
    match kind.as_str() {
        "INTEGER" | "NUMBER" => {
            let low = get(shape, "minimum").and_then(Value::as_f64).unwrap_or(0.0);
            let high = get(shape, "maximum")
                .and_then(Value::as_f64)
                .unwrap_or(100.0);
            let value = (score as f64).clamp(low, high);
            if kind == "INTEGER" {
                json!(value.round() as i64)
            } else {
                json!(value)
            }
        }
        "BOOLEAN" => json!(score >= 70),
        "STRING" => match get(shape, "enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            Some(first) => first.clone(),
            None => json!(note),
        },
        "ARRAY" => match get(shape, "items") {
            Some(items) => json!([fill(items, score, note)]),
            None => json!([]),
        },
        _ => {
            let mut out = Map::new();
            if let Some(properties) = get(shape, "properties").and_then(Value::as_object) {
                let order: Vec<String> = get(shape, "property_ordering")
                    .and_then(Value::as_array)
                    .map(|o| {
                        o.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_else(|| properties.keys().cloned().collect());
                for name in order.iter().chain(properties.keys()) {
                    if out.contains_key(name) {
                        continue;
                    }
                    if let Some(property) = properties.get(name) {
                        out.insert(name.clone(), fill(property, score, note));
                    }
                }
            }
            Value::Object(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_follows_the_schema() {
        let shape = json!({
            "type": "OBJECT",
            "properties": {
                "note": { "type": "STRING" },
                "score": { "type": "INTEGER", "minimum": 0, "maximum": 100 },
                "drifted": { "type": "boolean" },
                "verdict": { "type": "STRING", "enum": ["same", "different"] },
            },
            "propertyOrdering": ["score", "note"],
        });
        let value = fill(&shape, 42, "drifted: red is gone");
        assert_eq!(value["score"], json!(42));
        assert_eq!(value["note"], json!("drifted: red is gone"));
        assert_eq!(value["drifted"], json!(false));
        assert_eq!(value["verdict"], json!("same"));
    }

    #[test]
    fn image_output_and_a_schema_without_json_are_refused() {
        let err =
            refuse_image_output(&json!({"responseModalities": ["TEXT", "IMAGE"]})).unwrap_err();
        assert!(
            err.message.contains("response modalities: image"),
            "{}",
            err.message
        );
        assert!(refuse_image_output(&json!({"imageConfig": {"aspectRatio": "1:1"}})).is_err());
        let err = structured(&json!({"responseSchema": {"type": "OBJECT"}})).unwrap_err();
        assert!(err.message.contains("application/json"), "{}", err.message);
        assert!(structured(&json!({"responseMimeType": "image/png"})).is_err());
        assert!(structured(&json!({"responseMimeType": "application/json"})).unwrap());
    }
}
