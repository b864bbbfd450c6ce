//! OpenAI-compatible gateways: a one-turn generateContent request becomes
//! `POST …/images/generations` (prompt only) or `POST …/images/edits` (multipart, one or
//! more images); the answer comes back as a generateContent response so the engine needs
//! no second path. Multi-turn history, thinking and grounding are refused before sending.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::multipart::{Form, Part as FormPart};
use serde::Deserialize;
use serde_json::json;

use super::backend::{Capabilities, Feature, OpenAiTarget};
use super::error::ApiError;
use super::http::{WholeAnswer, parse_answer, parse_json, transport_error};
use super::wire::{GenerateContentRequest, GenerateContentResponse, ModelInfo};
use crate::config::{BackendKind, Secret};

mod errors;

pub use errors::classify;
use errors::{KEY_FIX, SERVICE, blocked, content_policy};

/// What a gateway call needs from the client that makes it: its HTTP client (no Google key
/// among its default headers), the gateway's base URL, the key and the whole-request timeout.
#[derive(Clone, Copy)]
pub struct Gateway<'a> {
    /// The HTTP client.
    pub http: &'a reqwest::Client,
    /// The gateway's base URL.
    pub base_url: &'a str,
    /// The gateway key, sent as `Authorization: Bearer` to the gateway only.
    pub key: &'a Secret,
    /// Whole-request timeout (named in a timeout error).
    pub timeout: Duration,
}

impl Gateway<'_> {
    fn transport_error(&self, e: reqwest::Error) -> ApiError {
        transport_error(e, self.timeout, self.base_url)
    }
}

/// `{base}/v1/{path}` for a bare host, `{base}/{path}` when the base already has a path
/// (`https://gw.example.com/v1`, `…/v1beta/openai`).
pub fn endpoint(base_url: &str, path: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let after_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    if after_scheme.contains('/') {
        format!("{base}/{path}")
    } else {
        format!("{base}/v1/{path}")
    }
}

/// One image request in the gateway's shape, built once and sent on every attempt.
#[derive(Debug, Clone)]
pub struct ImageCall {
    model: String,
    prompt: String,
    size: Option<String>,
    images: Vec<(String, Bytes)>,
}

impl ImageCall {
    /// Translates a one-turn request; refuses what the gateway cannot do.
    pub fn from_request(
        target: &OpenAiTarget,
        model: &str,
        request: &GenerateContentRequest,
    ) -> Result<Self, ApiError> {
        let caps = Capabilities::of(BackendKind::OpenAi);
        let refuse = |feature: Feature| ApiError::InvalidArgument {
            message: caps.reason(feature).unwrap_or_default().to_string(),
        };
        let [turn] = request.contents.as_slice() else {
            return Err(refuse(Feature::Sessions));
        };
        if turn.role.as_deref() == Some("model") {
            return Err(refuse(Feature::Sessions));
        }
        if !request.tools.is_empty() {
            return Err(refuse(Feature::Grounding));
        }
        if !request.safety_settings.is_empty() {
            return Err(refuse(Feature::SafetySettings));
        }
        let config = request.generation_config.clone().unwrap_or_default();
        if config
            .thinking_config
            .as_ref()
            .is_some_and(|t| t.thinking_level.is_some())
        {
            return Err(refuse(Feature::Thinking));
        }
        let image_config = config.image_config.unwrap_or_default();
        if image_config.person_generation.is_some() {
            return Err(refuse(Feature::PersonGeneration));
        }
        let mut texts = Vec::new();
        let mut images = Vec::new();
        for part in &turn.parts {
            if part.file_data.is_some() {
                return Err(ApiError::InvalidArgument {
                    message: "an uploaded file cannot be sent to the OpenAI-compatible gateway; attach the image inline".into(),
                });
            }
            if let Some(text) = &part.text {
                texts.push(text.trim().to_string());
            }
            if let Some(blob) = &part.inline_data {
                images.push((blob.mime_type.clone(), Bytes::from(blob.data.0.clone())));
            }
        }
        let prompt = texts
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let size = match (&image_config.aspect_ratio, &image_config.image_size) {
            (Some(ratio), size) => target.registry.resolve(model).ok().and_then(|spec| {
                let size = size.clone().unwrap_or_else(|| spec.default_size.clone());
                spec.pixels(ratio, &size).map(|(w, h)| format!("{w}x{h}"))
            }),
            (None, _) => None,
        };
        Ok(Self {
            model: target
                .models
                .get(model)
                .cloned()
                .unwrap_or_else(|| model.to_string()),
            prompt,
            size,
            images,
        })
    }

    /// True when the call carries images (the edits endpoint).
    pub fn is_edit(&self) -> bool {
        !self.images.is_empty()
    }

    /// Sends the call once and reads the answer as a generateContent response.
    pub async fn send(&self, gateway: &Gateway<'_>) -> Result<GenerateContentResponse, ApiError> {
        let http = gateway.http;
        let builder = if self.is_edit() {
            http.post(endpoint(gateway.base_url, "images/edits"))
                .multipart(self.form()?)
        } else {
            let mut body = json!({
                "model": self.model, "prompt": self.prompt, "n": 1, "response_format": "b64_json",
            });
            if let Some(size) = &self.size {
                body["size"] = json!(size);
            }
            http.post(endpoint(gateway.base_url, "images/generations"))
                .json(&body)
        };
        let (status, retry_after, body) = read(gateway, builder).await?;
        if !(200..300).contains(&status) {
            if let Some(message) = content_policy(&body) {
                return Ok(blocked(&message));
            }
            return Err(classify(status, retry_after.as_deref(), &body, &self.model));
        }
        let images: ImagesResponse =
            serde_json::from_slice(&body).map_err(|e| ApiError::BadResponse {
                status,
                detail: if e.is_eof() {
                    "the body was cut off".into()
                } else {
                    format!("not an images response ({e})")
                },
            })?;
        self.to_response(gateway, images).await
    }

    fn form(&self) -> Result<Form, ApiError> {
        let field = if self.images.len() > 1 {
            "image[]"
        } else {
            "image"
        };
        let mut form = Form::new()
            .text("model", self.model.clone())
            .text("prompt", self.prompt.clone())
            .text("n", "1")
            .text("response_format", "b64_json");
        if let Some(size) = &self.size {
            form = form.text("size", size.clone());
        }
        for (index, (mime, bytes)) in self.images.iter().enumerate() {
            let name = format!("image-{}.{}", index + 1, extension(mime));
            let part = FormPart::stream(reqwest::Body::from(bytes.clone()))
                .file_name(name)
                .mime_str(mime)
                .map_err(|_| ApiError::InvalidArgument {
                    message: format!("'{mime}' is not a MIME type the gateway can be sent"),
                })?;
            form = form.part(field, part);
        }
        Ok(form)
    }

    async fn to_response(
        &self,
        gateway: &Gateway<'_>,
        images: ImagesResponse,
    ) -> Result<GenerateContentResponse, ApiError> {
        let mut parts = Vec::new();
        for item in images.data {
            let bytes = match (item.b64_json, item.url) {
                (Some(data), _) => {
                    BASE64
                        .decode(data.trim())
                        .map_err(|e| ApiError::BadResponse {
                            status: 200,
                            detail: format!("b64_json is not base64 ({e})"),
                        })?
                }
                (None, Some(url)) => download(gateway, &url).await?,
                (None, None) => continue,
            };
            parts.push(
                json!({"inlineData": {"mimeType": sniff(&bytes), "data": BASE64.encode(&bytes)}}),
            );
            if let Some(text) = item.revised_prompt.filter(|t| !t.trim().is_empty()) {
                parts.push(json!({ "text": text }));
            }
        }
        let finish = if parts.is_empty() { "NO_IMAGE" } else { "STOP" };
        let answer = json!({
            "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
            "modelVersion": self.model,
        });
        parse_answer(answer.to_string().as_bytes())
    }
}

fn bearer(gateway: &Gateway<'_>) -> Result<HeaderValue, ApiError> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", gateway.key.expose())).map_err(|_| {
            ApiError::Unauthorized {
                service: SERVICE.into(),
                message: "the key contains characters that cannot be sent in a header".into(),
                fix: KEY_FIX.into(),
            }
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sends a gateway call with its key; returns the status, any `Retry-After`, and the body.
async fn read(
    gateway: &Gateway<'_>,
    builder: reqwest::RequestBuilder,
) -> Result<(u16, Option<String>, Bytes), ApiError> {
    let response = builder
        .header(AUTHORIZATION, bearer(gateway)?)
        .send()
        .await
        .map_err(|e| gateway.transport_error(e))?;
    let answer = WholeAnswer::read(response).await;
    let body = answer.body.map_err(|e| gateway.transport_error(e))?;
    Ok((answer.status, answer.retry_after, body))
}

/// Fetches an image the gateway answered with by URL (without the gateway's key).
async fn download(gateway: &Gateway<'_>, url: &str) -> Result<Vec<u8>, ApiError> {
    let response = gateway
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| gateway.transport_error(e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(ApiError::BadResponse {
            status,
            detail: "the image URL the gateway returned could not be fetched".into(),
        });
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| gateway.transport_error(e))?;
    Ok(bytes.to_vec())
}

/// The MIME type of image bytes from their signature (PNG when unknown).
pub fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "image/png"
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    }
}

/// `{"created", "data": [{"b64_json" | "url", "revised_prompt"}]}`.
#[derive(Debug, Default, Deserialize)]
struct ImagesResponse {
    #[serde(default)]
    data: Vec<ImageItem>,
}

#[derive(Debug, Default, Deserialize)]
struct ImageItem {
    #[serde(default)]
    b64_json: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    revised_prompt: Option<String>,
}

/// Lists the gateway's models (`GET …/models`), once (the caller retries).
pub async fn list_models(gateway: &Gateway<'_>) -> Result<Vec<ModelInfo>, ApiError> {
    #[derive(Deserialize)]
    struct Page {
        #[serde(default)]
        data: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        id: String,
    }
    let url = endpoint(gateway.base_url, "models");
    let (status, retry_after, body) = read(gateway, gateway.http.get(&url)).await?;
    if !(200..300).contains(&status) {
        return Err(classify(status, retry_after.as_deref(), &body, ""));
    }
    let page: Page = parse_json(&body, status, "model list")?;
    Ok(page
        .data
        .into_iter()
        .map(|e| ModelInfo {
            name: e.id,
            supported_generation_methods: vec!["images.generations".into(), "images.edits".into()],
            ..ModelInfo::default()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::api::wire::{Content, GenerationConfig, ImageConfig, Part};
    use crate::models::Registry;

    fn target() -> OpenAiTarget {
        OpenAiTarget {
            registry: Arc::new(Registry::shipped().unwrap()),
            models: BTreeMap::from([("gemini-3-pro-image".into(), "google/pro".into())]),
        }
    }

    fn one_turn(parts: Vec<Part>, aspect: Option<&str>) -> GenerateContentRequest {
        GenerateContentRequest {
            contents: vec![Content {
                role: Some("user".into()),
                parts,
            }],
            generation_config: Some(GenerationConfig {
                image_config: Some(ImageConfig {
                    aspect_ratio: aspect.map(str::to_string),
                    image_size: Some("1K".into()),
                    person_generation: None,
                }),
                ..GenerationConfig::default()
            }),
            ..GenerateContentRequest::default()
        }
    }

    #[test]
    fn endpoints_follow_the_base_url() {
        assert_eq!(
            endpoint("http://127.0.0.1:9", "images/generations"),
            "http://127.0.0.1:9/v1/images/generations"
        );
        assert_eq!(
            endpoint("https://gw.example.com/v1/", "images/edits"),
            "https://gw.example.com/v1/images/edits"
        );
        assert_eq!(
            endpoint(
                "https://generativelanguage.googleapis.com/v1beta/openai",
                "models"
            ),
            "https://generativelanguage.googleapis.com/v1beta/openai/models"
        );
    }

    #[test]
    fn one_turn_becomes_a_generation_or_an_edit() {
        let call = ImageCall::from_request(
            &target(),
            "gemini-3.1-flash-image",
            &one_turn(vec![Part::text("a fox")], Some("16:9")),
        )
        .unwrap();
        assert!(!call.is_edit());
        assert_eq!(call.size.as_deref(), Some("1376x768"));
        let edit = ImageCall::from_request(
            &target(),
            "gemini-3-pro-image",
            &one_turn(
                vec![Part::image("image/png", vec![1, 2]), Part::text("bluer")],
                None,
            ),
        )
        .unwrap();
        assert!(edit.is_edit());
        assert_eq!(edit.model, "google/pro");
        assert_eq!(edit.size, None);
    }

    #[test]
    fn history_grounding_and_thinking_are_refused() {
        let mut two = one_turn(vec![Part::text("a")], None);
        two.contents.push(two.contents[0].clone());
        let err = ImageCall::from_request(&target(), "m", &two).unwrap_err();
        assert!(err.to_string().contains("multi-turn"), "{err}");
        let mut thinking = one_turn(vec![Part::text("a")], None);
        if let Some(c) = thinking.generation_config.as_mut() {
            c.thinking_config = Some(crate::api::wire::ThinkingConfig {
                thinking_level: Some("HIGH".into()),
                include_thoughts: Some(true),
            });
        }
        let err = ImageCall::from_request(&target(), "m", &thinking).unwrap_err();
        assert!(err.to_string().contains("thinking"), "{err}");
    }

    #[test]
    fn image_types_are_sniffed() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"\x89PNG\r\n"), "image/png");
    }
}
