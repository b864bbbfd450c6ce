//! A `CreateModelInteraction` body checked strictly (unknown fields and enum values refused,
//! snake_case only) and translated into the generateContent body the shared generate path
//! runs: steps become `contents`, `response_format` becomes `imageConfig`, thought
//! signatures are checked against the images they sign.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::settings::{generation_config, response_format, safety_settings, tools};
use crate::sim::codes::ApiCode;
use crate::sim::errors::SimError;
use crate::sim::schema::decode_base64;
use crate::sim::signature::{Signed, sign, verify};
use crate::sim::tiers::INTERACTIONS_VALUES;

/// Top-level fields of `CreateModelInteraction`; anything else is refused.
const TOP_FIELDS: &[&str] = &[
    "model",
    "input",
    "previous_interaction_id",
    "store",
    "background",
    "stream",
    "generation_config",
    "response_format",
    "safety_settings",
    "tools",
    "system_instruction",
    "service_tier",
    "labels",
    "webhook_config",
    "continuation_token",
    "response_modalities",
    "response_mime_type",
];

const TEXT_BLOCK_FIELDS: &[&str] = &["type", "text", "annotations"];
const IMAGE_BLOCK_FIELDS: &[&str] = &["type", "data", "uri", "mime_type", "resolution"];
const IMAGE_MIMES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/bmp",
    "image/tiff",
];

/// A create request, checked, with its parts the simulator acts on.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// Model id as sent.
    pub model: String,
    /// The turn's input as steps (strings and blocks normalised to one `user_input`).
    pub input_steps: Vec<Value>,
    /// The interaction this one continues.
    pub previous: Option<String>,
    /// Whether the interaction is kept (the default).
    pub store: bool,
    /// Run in the background and answer at once.
    pub background: bool,
    /// Answer with server-sent events.
    pub stream: bool,
    /// Whether thought summaries were asked for (`thinking_summaries: "auto"`).
    pub summaries: bool,
    /// The `service_tier` asked for (one of the enum's values; checked against the model
    /// once it is known).
    pub tier: Option<String>,
    /// The generateContent fields (everything but `contents`).
    pub settings: Map<String, Value>,
}

/// Checks a parsed body and splits it into what the simulator needs.
pub fn check(body: &Value) -> Result<CreateRequest, SimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| SimError::invalid("Request body must be a JSON object."))?;
    only_fields(obj, TOP_FIELDS, "")?;
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .map(|m| m.trim_start_matches("models/").to_string())
        .filter(|m| !m.is_empty())
        .ok_or_else(|| SimError::bad_field("model", "model is required."))?;
    let store = bool_field(obj, "store")?.unwrap_or(true);
    let background = bool_field(obj, "background")?.unwrap_or(false);
    let stream = bool_field(obj, "stream")?.unwrap_or(false);
    let previous = match obj.get("previous_interaction_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(_) => {
            return Err(SimError::bad_field(
                "previous_interaction_id",
                "previous_interaction_id must be a non-empty string.",
            ));
        }
    };
    if !store && previous.is_some() {
        return Err(SimError::invalid(
            "previous_interaction_id cannot be used with store=false: the interaction it names is not stored.",
        ));
    }
    if !store && background {
        return Err(SimError::invalid(
            "background=true requires store=true: a background interaction must be stored to be retrieved.",
        ));
    }
    if obj.contains_key("continuation_token") {
        return Err(SimError::invalid(
            "continuation_token does not name a pending continuation of this interaction.",
        ));
    }
    let tier = match obj.get("service_tier") {
        None | Some(Value::Null) => None,
        Some(value) => Some(one_of(value, INTERACTIONS_VALUES, "service_tier")?.to_string()),
    };
    let input_steps = match obj.get("input") {
        None | Some(Value::Null) => {
            return Err(SimError::bad_field("input", "input is required."));
        }
        Some(input) => normalise_input(input)?,
    };
    let mut settings = Map::new();
    let mut config = Map::new();
    let mut summaries = false;
    if let Some(gc) = obj.get("generation_config") {
        summaries = generation_config(gc, &mut config)?;
    }
    let mut modalities = vec!["IMAGE"];
    match obj.get("response_format") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if response_format(item, &format!("response_format[{i}]"), &mut config)? {
                    modalities.insert(0, "TEXT");
                }
            }
        }
        Some(item) => {
            if response_format(item, "response_format", &mut config)? {
                modalities.insert(0, "TEXT");
            }
        }
    }
    config.insert("responseModalities".into(), json!(modalities));
    settings.insert("generationConfig".into(), Value::Object(config));
    if let Some(list) = obj.get("safety_settings") {
        settings.insert("safetySettings".into(), safety_settings(list)?);
    }
    if let Some(list) = obj.get("tools") {
        settings.insert("tools".into(), tools(list)?);
    }
    if let Some(text) = obj.get("system_instruction") {
        let text = text.as_str().ok_or_else(|| {
            SimError::bad_field("system_instruction", "system_instruction must be a string.")
        })?;
        settings.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": text}]}),
        );
    }
    Ok(CreateRequest {
        model,
        input_steps,
        previous,
        store,
        background,
        stream,
        summaries,
        tier,
        settings,
    })
}

/// Turns a timeline of steps (stored history, then this turn's input) into generateContent
/// `contents`, checking each model turn's thought signature against its first image.
pub fn contents_of(steps: &[Value]) -> Result<Vec<Value>, SimError> {
    let mut contents = Vec::new();
    let mut signature: Option<String> = None;
    for (i, step) in steps.iter().enumerate() {
        let kind = step.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "user_input" => {
                let parts = blocks_to_parts(step.get("content"), &format!("input[{i}].content"))?;
                contents.push(json!({"role": "user", "parts": parts}));
            }
            "thought" => {
                signature = step
                    .get("signature")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            "model_output" => {
                let parts = model_parts(step, signature.take(), i)?;
                if !parts.is_empty() {
                    contents.push(json!({"role": "model", "parts": parts}));
                }
            }
            other => {
                return Err(SimError::bad_field(
                    &format!("input[{i}].type"),
                    format!("Step type \"{other}\" is not supported for image models."),
                ));
            }
        }
    }
    if contents
        .last()
        .is_none_or(|c| c.get("role").and_then(Value::as_str) != Some("user"))
    {
        return Err(SimError::invalid(
            "The input must end with a user_input step: there is nothing new to answer.",
        ));
    }
    Ok(contents)
}

/// The thought signature the simulator issues for a model turn: it signs the turn's first
/// image (or its text when there is none).
pub fn turn_signature(first_image: Option<&[u8]>, text: &str) -> String {
    match first_image {
        Some(bytes) => sign(Signed::Image(bytes)),
        None => sign(Signed::Text(text)),
    }
}

fn model_parts(step: &Value, signature: Option<String>, i: usize) -> Result<Vec<Value>, SimError> {
    let blocks = step
        .get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut parts = Vec::new();
    let mut first_image: Option<Vec<u8>> = None;
    let mut text = String::new();
    for (bi, block) in blocks.iter().enumerate() {
        let field = format!("input[{i}].content[{bi}]");
        match block.get("type").and_then(Value::as_str) {
            Some("text") => {
                let t = block.get("text").and_then(Value::as_str).unwrap_or("");
                text.push_str(t);
                parts.push(json!({"text": t}));
            }
            Some("image") => {
                let data = block
                    .get("data")
                    .and_then(Value::as_str)
                    .and_then(decode_base64)
                    .ok_or_else(|| {
                        SimError::bad_field(&field, "A model_output image must carry its data.")
                    })?;
                let mime = block
                    .get("mime_type")
                    .and_then(Value::as_str)
                    .unwrap_or("image/jpeg");
                parts.push(json!({
                    "inlineData": {"mimeType": mime, "data": STANDARD.encode(&data)},
                    "thoughtSignature": sign(Signed::Image(&data)),
                }));
                if first_image.is_none() {
                    first_image = Some(data);
                }
            }
            _ => {
                return Err(SimError::bad_field(
                    &format!("{field}.type"),
                    "model_output content must be text or image blocks.",
                ));
            }
        }
    }
    if let Some(image) = &first_image {
        let Some(sig) = signature else {
            return Err(SimError::bad_field(
                &format!("input[{i}]"),
                "Image output in the history is missing a thought_signature: send back the thought step (with its signature) that came before this model_output, unchanged",
            ));
        };
        if !verify(&sig, Signed::Image(image)) {
            return Err(SimError::bad_field(
                &format!("input[{}].signature", i.saturating_sub(1)),
                "Corrupted thought signature",
            ));
        }
    }
    Ok(parts)
}

fn normalise_input(input: &Value) -> Result<Vec<Value>, SimError> {
    match input {
        Value::String(text) => Ok(vec![
            json!({"type": "user_input", "content": [{"type": "text", "text": text}]}),
        ]),
        Value::Object(_) => {
            check_block(input, "input")?;
            Ok(vec![json!({"type": "user_input", "content": [input]})])
        }
        Value::Array(items) if items.is_empty() => {
            Err(SimError::bad_field("input", "input must not be empty."))
        }
        Value::Array(items) => {
            let is_step = |v: &Value| {
                matches!(
                    v.get("type").and_then(Value::as_str),
                    Some("user_input" | "model_output" | "thought")
                )
            };
            let steps = items.iter().filter(|v| is_step(v)).count();
            if steps == 0 {
                for (i, item) in items.iter().enumerate() {
                    check_block(item, &format!("input[{i}]"))?;
                }
                return Ok(vec![json!({"type": "user_input", "content": items})]);
            }
            if steps != items.len() {
                return Err(SimError::bad_field(
                    "input",
                    "input mixes steps and content blocks; send either a list of content blocks or a list of steps.",
                ));
            }
            for (i, item) in items.iter().enumerate() {
                check_step(item, i)?;
            }
            Ok(items.clone())
        }
        _ => Err(SimError::bad_field(
            "input",
            "input must be a string, a content block or a list.",
        )),
    }
}

fn check_step(step: &Value, i: usize) -> Result<(), SimError> {
    let obj = step
        .as_object()
        .ok_or_else(|| SimError::bad_field(&format!("input[{i}]"), "A step must be an object."))?;
    let field = format!("input[{i}]");
    match obj.get("type").and_then(Value::as_str) {
        Some("user_input") => {
            only_fields(obj, &["type", "content"], &field)?;
            let blocks = obj
                .get("content")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    SimError::bad_field(&format!("{field}.content"), "content must be a list.")
                })?;
            for (bi, block) in blocks.iter().enumerate() {
                check_block(block, &format!("{field}.content[{bi}]"))?;
            }
        }
        Some("model_output") => only_fields(obj, &["type", "content", "error"], &field)?,
        Some("thought") => only_fields(obj, &["type", "signature", "summary"], &field)?,
        _ => return Err(SimError::bad_field(&field, "Unknown step type.")),
    }
    Ok(())
}

fn check_block(block: &Value, field: &str) -> Result<(), SimError> {
    let obj = block
        .as_object()
        .ok_or_else(|| SimError::bad_field(field, "A content block must be an object."))?;
    match obj.get("type").and_then(Value::as_str) {
        Some("text") => {
            only_fields(obj, TEXT_BLOCK_FIELDS, field)?;
            if !obj.get("text").is_some_and(Value::is_string) {
                return Err(SimError::bad_field(
                    &format!("{field}.text"),
                    "A text block needs a text string.",
                ));
            }
        }
        Some("image") => {
            only_fields(obj, IMAGE_BLOCK_FIELDS, field)?;
            let has_data = obj.get("data").is_some_and(Value::is_string);
            let has_uri = obj.get("uri").is_some_and(Value::is_string);
            if has_data == has_uri {
                return Err(SimError::bad_field(
                    field,
                    "An image block needs exactly one of data or uri.",
                ));
            }
            if let Some(mime) = obj.get("mime_type") {
                one_of(mime, IMAGE_MIMES, &format!("{field}.mime_type"))?;
            }
            if let Some(res) = obj.get("resolution") {
                one_of(
                    res,
                    &["low", "medium", "high", "ultra_high"],
                    &format!("{field}.resolution"),
                )?;
            }
        }
        Some(other) => {
            return Err(SimError::bad_field(
                &format!("{field}.type"),
                format!("Content type \"{other}\" is not supported for image models."),
            ));
        }
        None => {
            return Err(SimError::bad_field(
                &format!("{field}.type"),
                "A content block needs a type.",
            ));
        }
    }
    Ok(())
}

fn blocks_to_parts(content: Option<&Value>, field: &str) -> Result<Vec<Value>, SimError> {
    let blocks = content
        .and_then(Value::as_array)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| SimError::bad_field(field, "A user_input step needs content."))?;
    blocks
        .iter()
        .map(|block| match block.get("type").and_then(Value::as_str) {
            Some("text") => Ok(json!({"text": block.get("text").cloned().unwrap_or(json!(""))})),
            Some("image") => {
                let mime = block
                    .get("mime_type")
                    .and_then(Value::as_str)
                    .unwrap_or("image/png");
                if let Some(uri) = block.get("uri").and_then(Value::as_str) {
                    Ok(json!({"fileData": {"fileUri": uri, "mimeType": mime}}))
                } else {
                    Ok(json!({"inlineData": {"mimeType": mime, "data": block.get("data").cloned().unwrap_or(json!(""))}}))
                }
            }
            _ => Err(SimError::bad_field(field, "Unsupported content block.")),
        })
        .collect()
}

fn bool_field(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, SimError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(SimError::bad_field(
            name,
            format!("Invalid value at '{name}' (TYPE_BOOL), {other}"),
        )),
    }
}

pub(super) fn one_of<'v>(
    value: &'v Value,
    allowed: &[&str],
    field: &str,
) -> Result<&'v str, SimError> {
    match value.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s),
        _ => Err(SimError::bad_field(
            field,
            format!(
                "Invalid value at '{field}', {value}: expected one of {}.",
                allowed.join(", ")
            ),
        )),
    }
}

pub(super) fn only_fields(
    obj: &Map<String, Value>,
    allowed: &[&str],
    at: &str,
) -> Result<(), SimError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(unknown) => {
            let where_ = if at.is_empty() {
                String::new()
            } else {
                format!(" at '{at}'")
            };
            Err(SimError::bad_field(
                at,
                format!(
                    "Invalid JSON payload received. Unknown name \"{unknown}\"{where_}: Cannot find field."
                ),
            )
            .with_code(ApiCode::ParameterUnknown))
        }
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
