//! The interaction-scoped settings of a create request (`generation_config`,
//! `response_format`, `safety_settings`, `tools`) checked strictly and written as the
//! generateContent fields the shared generate path reads.

use serde_json::{Map, Value, json};

use super::request::{one_of, only_fields};
use crate::models::ModelSpec;
use crate::sim::errors::SimError;

const GENERATION_FIELDS: &[&str] = &[
    "seed",
    "thinking_level",
    "thinking_summaries",
    "max_output_tokens",
    "stop_sequences",
    "temperature",
    "top_p",
    "image_config",
];
const IMAGE_FORMAT_FIELDS: &[&str] = &[
    "type",
    "aspect_ratio",
    "image_size",
    "mime_type",
    "delivery",
];
const TEXT_FORMAT_FIELDS: &[&str] = &["type", "mime_type"];
const THINKING_LEVELS: &[&str] = &["minimal", "low", "medium", "high", "xhigh"];

/// Fills `config` from `generation_config`; returns whether thought summaries are wanted.
pub(super) fn generation_config(
    gc: &Value,
    config: &mut Map<String, Value>,
) -> Result<bool, SimError> {
    let obj = gc
        .as_object()
        .ok_or_else(|| SimError::bad_field("generation_config", "must be an object."))?;
    only_fields(obj, GENERATION_FIELDS, "generation_config")?;
    if let Some(seed) = obj.get("seed") {
        if !seed.is_i64() {
            return Err(SimError::bad_field(
                "generation_config.seed",
                "seed must be an integer.",
            ));
        }
        config.insert("seed".into(), seed.clone());
    }
    for (from, to) in [
        ("max_output_tokens", "maxOutputTokens"),
        ("stop_sequences", "stopSequences"),
        ("temperature", "temperature"),
        ("top_p", "topP"),
    ] {
        if let Some(v) = obj.get(from) {
            config.insert(to.into(), v.clone());
        }
    }
    let mut thinking = Map::new();
    if let Some(level) = obj.get("thinking_level") {
        let level = one_of(level, THINKING_LEVELS, "generation_config.thinking_level")?;
        thinking.insert("thinkingLevel".into(), json!(level.to_ascii_uppercase()));
    }
    let summaries = match obj.get("thinking_summaries") {
        Some(v) => one_of(v, &["auto", "none"], "generation_config.thinking_summaries")? == "auto",
        None => false,
    };
    if summaries {
        thinking.insert("includeThoughts".into(), json!(true));
    }
    if !thinking.is_empty() {
        config.insert("thinkingConfig".into(), Value::Object(thinking));
    }
    Ok(summaries)
}

/// Fills `config.imageConfig` from one response format; returns true for a text format.
pub(super) fn response_format(
    item: &Value,
    field: &str,
    config: &mut Map<String, Value>,
) -> Result<bool, SimError> {
    let obj = item
        .as_object()
        .ok_or_else(|| SimError::bad_field(field, "A response format must be an object."))?;
    match obj.get("type").and_then(Value::as_str) {
        Some("text") => {
            only_fields(obj, TEXT_FORMAT_FIELDS, field)?;
            Ok(true)
        }
        Some("image") => {
            only_fields(obj, IMAGE_FORMAT_FIELDS, field)?;
            if let Some(mime) = obj.get("mime_type") {
                one_of(mime, &["image/jpeg"], &format!("{field}.mime_type"))?;
            }
            if let Some(delivery) = obj.get("delivery")
                && one_of(delivery, &["inline", "uri"], &format!("{field}.delivery"))? == "uri"
            {
                return Err(SimError::bad_field(
                    &format!("{field}.delivery"),
                    "delivery \"uri\" is not available for image models; use \"inline\".",
                ));
            }
            let mut image = Map::new();
            if let Some(ratio) = obj.get("aspect_ratio") {
                image.insert("aspectRatio".into(), ratio.clone());
            }
            if let Some(size) = obj.get("image_size") {
                image.insert("imageSize".into(), size.clone());
            }
            if !image.is_empty() {
                config.insert("imageConfig".into(), Value::Object(image));
            }
            Ok(false)
        }
        Some(other) => Err(SimError::bad_field(
            &format!("{field}.type"),
            format!("response_format type \"{other}\" is not supported for image models."),
        )),
        None => Err(SimError::bad_field(
            &format!("{field}.type"),
            "A response format needs a type.",
        )),
    }
}

/// Checks the image size, aspect ratio and thinking level a create asks for against the
/// model, worded as the Interactions API refuses a value (`settings` is what `check` built).
pub(super) fn check_for_model(
    settings: &Map<String, Value>,
    model: &ModelSpec,
) -> Result<(), SimError> {
    let config = settings.get("generationConfig");
    let at = |path: &[&str]| {
        path.iter()
            .try_fold(config?, |v, key| v.get(*key))
            .and_then(Value::as_str)
    };
    let list = |items: &[String]| items.join(", ");
    if let Some(size) = at(&["imageConfig", "imageSize"]) {
        if model.fixed_size {
            return Err(SimError::bad_field(
                "response_format.image_size",
                format!(
                    "image_size is not supported by model {}: it renders one fixed size ({}). Leave image_size out.",
                    model.id, model.default_size
                ),
            ));
        }
        if !model.sizes.iter().any(|s| s.name == size) {
            let sizes: Vec<String> = model.sizes.iter().map(|s| s.name.clone()).collect();
            return Err(SimError::bad_field(
                "response_format.image_size",
                format!(
                    "image_size \"{size}\" is not supported by model {}; it renders: {}.",
                    model.id,
                    list(&sizes)
                ),
            ));
        }
    }
    if let Some(ratio) = at(&["imageConfig", "aspectRatio"])
        && !model.aspect_ratios.iter().any(|r| r == ratio)
    {
        return Err(SimError::bad_field(
            "response_format.aspect_ratio",
            format!(
                "aspect_ratio \"{ratio}\" is not supported by model {}; it takes: {}.",
                model.id,
                list(&model.aspect_ratios)
            ),
        ));
    }
    if let Some(level) = at(&["thinkingConfig", "thinkingLevel"]) {
        let level = level.to_ascii_lowercase();
        if model.thinking_levels.is_empty() {
            return Err(SimError::bad_field(
                "generation_config.thinking_level",
                format!(
                    "thinking_level is not supported by model {}: it chooses how much to think itself. Leave thinking_level out.",
                    model.id
                ),
            ));
        }
        if !model
            .thinking_levels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&level))
        {
            return Err(SimError::bad_field(
                "generation_config.thinking_level",
                format!(
                    "thinking_level \"{level}\" is not supported by model {}; it takes: {}.",
                    model.id,
                    list(&model.thinking_levels)
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn safety_settings(list: &Value) -> Result<Value, SimError> {
    let items = list
        .as_array()
        .ok_or_else(|| SimError::bad_field("safety_settings", "must be a list."))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("safety_settings[{i}]");
        let obj = item
            .as_object()
            .ok_or_else(|| SimError::bad_field(&field, "must be an object."))?;
        only_fields(obj, &["type", "threshold", "method"], &field)?;
        let category = one_of(
            obj.get("type").unwrap_or(&Value::Null),
            &[
                "hate_speech",
                "dangerous_content",
                "harassment",
                "sexually_explicit",
                "civic_integrity",
            ],
            &format!("{field}.type"),
        )?;
        let threshold = one_of(
            obj.get("threshold").unwrap_or(&Value::Null),
            &[
                "block_low_and_above",
                "block_medium_and_above",
                "block_only_high",
                "block_none",
                "off",
            ],
            &format!("{field}.threshold"),
        )?;
        out.push(json!({
            "category": format!("HARM_CATEGORY_{}", category.to_ascii_uppercase()),
            "threshold": threshold.to_ascii_uppercase(),
        }));
    }
    Ok(Value::Array(out))
}

pub(super) fn tools(list: &Value) -> Result<Value, SimError> {
    let items = list
        .as_array()
        .ok_or_else(|| SimError::bad_field("tools", "must be a list."))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("tools[{i}]");
        let obj = item
            .as_object()
            .ok_or_else(|| SimError::bad_field(&field, "must be an object."))?;
        if obj.get("type").and_then(Value::as_str) != Some("google_search") {
            return Err(SimError::bad_field(
                &format!("{field}.type"),
                "Only the google_search tool is supported for image models.",
            ));
        }
        only_fields(obj, &["type", "search_types"], &field)?;
        let mut types = Map::new();
        if let Some(kinds) = obj.get("search_types").and_then(Value::as_array) {
            for kind in kinds {
                let kind = one_of(
                    kind,
                    &["web_search", "image_search", "enterprise_web_search"],
                    &format!("{field}.search_types"),
                )?;
                let name = if kind == "web_search" {
                    "webSearch"
                } else {
                    "imageSearch"
                };
                types.insert(name.into(), json!({}));
            }
        }
        let search = if types.is_empty() {
            json!({})
        } else {
            json!({"searchTypes": types})
        };
        out.push(json!({"googleSearch": search}));
    }
    Ok(Value::Array(out))
}
