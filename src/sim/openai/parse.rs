//! Reading the images endpoints' requests: a strict JSON body for generations, a multipart
//! form for edits, each into one `Ask`.

use axum::extract::Multipart;
use serde_json::{Map, Value};

use super::OpenAiError;
use crate::sim::request::MAX_IMAGES;

/// Fields the generations endpoint takes besides model, prompt, n, size and response_format.
const IGNORED_FIELDS: &[&str] = &[
    "quality",
    "style",
    "output_format",
    "output_compression",
    "background",
    "moderation",
    "user",
    "input_fidelity",
];

/// Image types the edits endpoint takes.
const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp"];

/// One image request, from either endpoint.
#[derive(Debug, Default)]
pub(super) struct Ask {
    pub(super) model: Option<String>,
    pub(super) prompt: String,
    pub(super) n: u32,
    pub(super) size: Option<String>,
    pub(super) images: Vec<(String, Vec<u8>)>,
}

pub(super) fn parse_generation(body: &[u8]) -> Result<Ask, OpenAiError> {
    let value: Map<String, Value> = serde_json::from_slice(body).map_err(|e| {
        OpenAiError::new(
            400,
            "invalid_request_error",
            format!("We could not parse the JSON body of your request. ({e})"),
        )
    })?;
    let mut ask = Ask {
        n: 1,
        ..Ask::default()
    };
    for (key, v) in &value {
        match key.as_str() {
            "model" => ask.model = Some(text(v, "model")?),
            "prompt" => ask.prompt = text(v, "prompt")?,
            "n" => ask.n = count(v)?,
            "size" => ask.size = Some(text(v, "size")?),
            "response_format" => check_format(v)?,
            other if IGNORED_FIELDS.contains(&other) => {}
            other => {
                return Err(OpenAiError::new(
                    400,
                    "invalid_request_error",
                    format!("Unrecognized request argument supplied: {other}"),
                ));
            }
        }
    }
    Ok(ask)
}

fn text(value: &Value, param: &'static str) -> Result<String, OpenAiError> {
    value.as_str().map(str::to_string).ok_or_else(|| {
        OpenAiError::invalid(
            format!("Invalid type for '{param}': expected a string."),
            param,
        )
    })
}

fn count(value: &Value) -> Result<u32, OpenAiError> {
    let n = value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| OpenAiError::invalid("Invalid type for 'n': expected an integer.", "n"))?;
    if n == 0 || n > MAX_IMAGES as u64 {
        return Err(OpenAiError::invalid(
            format!("Invalid 'n': expected a value from 1 to {MAX_IMAGES}, but got {n} instead."),
            "n",
        ));
    }
    Ok(n as u32)
}

fn check_format(value: &Value) -> Result<(), OpenAiError> {
    match value.as_str() {
        Some("b64_json") => Ok(()),
        Some("url") => Err(OpenAiError::invalid(
            "response_format 'url' is not served by this simulator; use 'b64_json'.",
            "response_format",
        )),
        _ => Err(OpenAiError::invalid(
            format!("Invalid value: {value}. Supported values are: 'url' and 'b64_json'."),
            "response_format",
        )),
    }
}

pub(super) async fn parse_edit(mut multipart: Multipart) -> Result<Ask, OpenAiError> {
    let broken = |e: axum::extract::multipart::MultipartError| {
        OpenAiError::new(
            400,
            "invalid_request_error",
            format!("Malformed multipart body: {e}"),
        )
    };
    let mut ask = Ask {
        n: 1,
        ..Ask::default()
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "image" | "image[]" => {
                let mime = field.content_type().unwrap_or_default().to_string();
                if !IMAGE_TYPES.contains(&mime.as_str()) {
                    return Err(OpenAiError::invalid(
                        format!(
                            "Invalid file 'image': unsupported mimetype ('{mime}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'."
                        ),
                        "image",
                    ));
                }
                let bytes = field.bytes().await.map_err(broken)?;
                ask.images.push((mime, bytes.to_vec()));
            }
            "mask" => {
                return Err(OpenAiError::invalid(
                    "mask is not supported by this simulator.",
                    "mask",
                ));
            }
            "model" | "prompt" | "n" | "size" | "response_format" => {
                let value = Value::String(field.text().await.map_err(broken)?);
                match name.as_str() {
                    "model" => ask.model = value.as_str().map(str::to_string),
                    "prompt" => ask.prompt = value.as_str().unwrap_or_default().to_string(),
                    "n" => ask.n = count(&value)?,
                    "size" => ask.size = value.as_str().map(str::to_string),
                    _ => check_format(&value)?,
                }
            }
            other if IGNORED_FIELDS.contains(&other) => {}
            other => {
                return Err(OpenAiError::new(
                    400,
                    "invalid_request_error",
                    format!("Unrecognized request argument supplied: {other}"),
                ));
            }
        }
    }
    if ask.images.is_empty() {
        return Err(OpenAiError::invalid(
            "Invalid input: 'image' is required.",
            "image",
        ));
    }
    Ok(ask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_bodies_are_strict() {
        let ask = parse_generation(br#"{"model":"m","prompt":"p","n":2,"size":"auto","response_format":"b64_json","quality":"high"}"#).unwrap();
        assert_eq!((ask.n, ask.prompt.as_str()), (2, "p"));
        assert!(parse_generation(br#"{"prompt":"p","colour":"red"}"#).is_err());
        assert!(parse_generation(br#"{"prompt":"p","n":9}"#).is_err());
        assert!(parse_generation(br#"{"prompt":"p","response_format":"url"}"#).is_err());
    }
}
