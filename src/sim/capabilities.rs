//! Checks of one generateContent request against one model's capabilities: modalities,
//! aspect ratio, image size, thinking level, grounding, candidate count and ranges.

use serde_json::Value;

use super::backdrop;
use super::errors::SimError;
use super::schema::get;
use crate::models::ModelSpec;

/// An integer given as a JSON number or a numeric string.
pub fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// A float given as a JSON number or a numeric string.
pub fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Refuses candidateCount above 1, as image models do.
pub fn check_candidates(config: &Value, model: &ModelSpec) -> Result<(), SimError> {
    let count = get(config, "candidate_count").and_then(as_i64).unwrap_or(1);
    if count > 1 {
        return Err(SimError::invalid(format!(
            "Multiple candidates is not enabled for models/{}",
            model.id
        )));
    }
    if count < 0 {
        return Err(SimError::invalid(
            "* GenerateContentRequest.generation_config.candidate_count: must be positive\n",
        ));
    }
    Ok(())
}

/// Checks temperature and topP ranges.
pub fn check_ranges(config: &Value) -> Result<(), SimError> {
    if let Some(t) = get(config, "temperature").and_then(as_f64)
        && !(0.0..=2.0).contains(&t)
    {
        return Err(SimError::invalid(
            "* GenerateContentRequest.generation_config.temperature: temperature must be in the range [0.0, 2.0]\n",
        ));
    }
    if let Some(p) = get(config, "top_p").and_then(as_f64)
        && !(0.0..=1.0).contains(&p)
    {
        return Err(SimError::invalid(
            "* GenerateContentRequest.generation_config.top_p: top_p must be in the range [0.0, 1.0]\n",
        ));
    }
    Ok(())
}

/// Checks responseModalities; returns whether a text part is wanted.
pub fn check_modalities(config: &Value) -> Result<bool, SimError> {
    let Some(list) = get(config, "response_modalities").and_then(Value::as_array) else {
        return Ok(true);
    };
    let names: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_ascii_uppercase)
        .filter(|m| m != "MODALITY_UNSPECIFIED")
        .collect();
    if names.is_empty() {
        return Ok(true);
    }
    if let Some(bad) = names.iter().find(|m| *m != "TEXT" && *m != "IMAGE") {
        return Err(SimError::invalid(format!(
            "Model does not support the requested response modalities: {}",
            bad.to_ascii_lowercase()
        )));
    }
    if !names.iter().any(|m| m == "IMAGE") {
        return Err(SimError::invalid(
            "Model does not support the requested response modalities: text",
        ));
    }
    Ok(names.iter().any(|m| m == "TEXT"))
}

/// The aspect ratio and size asked for, from imageConfig or the newer responseFormat.image.
pub fn image_settings(config: &Value) -> (Option<String>, Option<String>) {
    let from = |obj: &Value| {
        (
            get(obj, "aspect_ratio")
                .and_then(Value::as_str)
                .map(str::to_string),
            get(obj, "image_size")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    if let Some(ic) = get(config, "image_config") {
        return from(ic);
    }
    let format = get(config, "response_format");
    let image = match format {
        Some(Value::Array(items)) => items.iter().find_map(|i| get(i, "image")),
        Some(obj) => get(obj, "image"),
        None => None,
    };
    image.map(from).unwrap_or((None, None))
}

/// Checks an aspect ratio against the model.
pub fn check_ratio(ratio: &str, model: &ModelSpec) -> Result<String, SimError> {
    if model.aspect_ratios.iter().any(|r| r == ratio) {
        return Ok(ratio.to_string());
    }
    Err(SimError::bad_field(
        "generation_config.image_config.aspect_ratio",
        format!(
            "Unsupported aspect ratio \"{ratio}\" for models/{}. Supported aspect ratios: {}.",
            model.id,
            model.aspect_ratios.join(", ")
        ),
    ))
}

/// Checks an image size against the model (uppercase K, no size on fixed-size models).
pub fn check_size(size: &str, model: &ModelSpec) -> Result<String, SimError> {
    if model.fixed_size {
        return Err(SimError::bad_field(
            "generation_config.image_config.image_size",
            format!(
                "Image size is not supported for models/{}: it renders one fixed size ({}). Remove image_size from image_config.",
                model.id, model.default_size
            ),
        ));
    }
    if model.sizes.iter().any(|s| s.name == size) {
        return Ok(size.to_string());
    }
    let allowed: Vec<&str> = model.sizes.iter().map(|s| s.name.as_str()).collect();
    let hint = if size.ends_with('k') {
        " Use an uppercase 'K' (for example \"1K\"); lowercase sizes are rejected."
    } else {
        ""
    };
    Err(SimError::bad_field(
        "generation_config.image_config.image_size",
        format!(
            "Unsupported image size \"{size}\" for models/{}. Supported image sizes: {}.{hint}",
            model.id,
            allowed.join(", ")
        ),
    ))
}

/// Picks the model's ratio closest to an input image's shape, or 1:1.
pub fn default_ratio(base: Option<&[u8]>, model: &ModelSpec) -> String {
    let square = "1:1".to_string();
    let Some((w, h)) = base.and_then(backdrop::dimensions) else {
        return square;
    };
    let target = (w.max(1) as f64 / h.max(1) as f64).ln();
    model
        .aspect_ratios
        .iter()
        .filter_map(|r| {
            let (a, b) = r.split_once(':')?;
            let q = a.parse::<f64>().ok()? / b.parse::<f64>().ok()?;
            Some((r, (q.ln() - target).abs()))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(r, _)| r.clone())
        .unwrap_or(square)
}

/// Returns (include_thoughts, thinking hard).
pub fn thinking(config: &Value, model: &ModelSpec) -> Result<(bool, bool), SimError> {
    let Some(tc) = get(config, "thinking_config") else {
        return Ok((false, false));
    };
    let include = get(tc, "include_thoughts").and_then(Value::as_bool) == Some(true);
    let level = get(tc, "thinking_level")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .filter(|l| l != "THINKING_LEVEL_UNSPECIFIED");
    let Some(level) = level else {
        return Ok((include, false));
    };
    if model.thinking_levels.is_empty() {
        return Err(SimError::invalid(format!(
            "Thinking level is not supported for this model (models/{}).",
            model.id
        )));
    }
    if !model
        .thinking_levels
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&level))
    {
        let allowed: Vec<String> = model
            .thinking_levels
            .iter()
            .map(|l| l.to_ascii_uppercase())
            .collect();
        return Err(SimError::invalid(format!(
            "Thinking level {level} is not supported for models/{}. Supported thinking levels: {}.",
            model.id,
            allowed.join(", ")
        )));
    }
    Ok((include, level == "HIGH"))
}

/// Checks Google Search grounding against the model.
pub fn check_tools(body: &Value, model: &ModelSpec) -> Result<(), SimError> {
    let Some(tools) = get(body, "tools").and_then(Value::as_array) else {
        return Ok(());
    };
    for tool in tools {
        let Some(search) = get(tool, "google_search") else {
            continue;
        };
        let types = get(search, "search_types");
        let web = types.is_none_or(|t| get(t, "web_search").is_some());
        let image = types.is_some_and(|t| get(t, "image_search").is_some());
        if web && !model.grounding.iter().any(|g| g == "web") {
            return Err(SimError::invalid(format!(
                "Search Grounding is not supported for models/{}.",
                model.id
            )));
        }
        if image && !model.grounding.iter().any(|g| g == "image") {
            return Err(SimError::invalid(format!(
                "Image Search grounding is not supported for models/{}. Only web search can be used with this model.",
                model.id
            )));
        }
    }
    Ok(())
}
