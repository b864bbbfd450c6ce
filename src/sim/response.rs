//! Renders the images a request asks for and wraps them in a GenerateContentResponse:
//! thought parts first (unsigned), then the signed text part, then signed images.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::backdrop::Backdrop;
use super::canvas::Canvas;
use super::faults::FaultKind;
use super::render::{self, Edit, Format, Scene};
use super::request::GenRequest;
use super::signature::{Signed, sign};
use crate::models::ModelSpec;

/// Prompt tokens counted for each input image.
pub const INPUT_IMAGE_TOKENS: u64 = 258;

/// Longest side of the interim thought image.
const DRAFT_LONG_SIDE: u32 = 512;

/// Encoded images for one answer.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The final images, in order.
    pub finals: Vec<Vec<u8>>,
    /// The interim draft shown among the thoughts, if thoughts were asked for.
    pub draft: Option<Vec<u8>>,
    /// MIME type of all of them.
    pub mime: String,
}

/// The interim draft the model shows among its thoughts: the scene, small and rough.
pub fn render_draft(req: &GenRequest, model: &ModelSpec) -> Result<Vec<u8>, String> {
    let format = Format::for_mime(&model.output_mime);
    let base = req.base_image.as_deref().and_then(Backdrop::decode);
    let long = req.width.max(req.height).max(1);
    let scale = (DRAFT_LONG_SIDE as f64 / long as f64).min(1.0);
    let w = ((req.width as f64 * scale).round() as u32).max(1);
    let h = ((req.height as f64 * scale).round() as u32).max(1);
    let small_backdrop = base.as_ref().map(|b| b.canvas(w, h, &req.prompt));
    let emblems = emblems(req);
    let scene = Scene {
        width: w,
        height: h,
        prompt: &req.prompt,
        seed: req.seed,
        caption: "draft",
        edit: edit_of(base.as_ref(), small_backdrop.as_ref()),
        draft: true,
        emblems: &emblems,
    };
    render::render_encoded(&scene, format)
}

/// Draws and encodes every image the request needs (CPU-heavy: run off the async runtime).
pub fn render_all(req: &GenRequest, model: &ModelSpec) -> Result<Rendered, String> {
    let format = Format::for_mime(&model.output_mime);
    let base = req.base_image.as_deref().and_then(Backdrop::decode);
    let full_backdrop = base
        .as_ref()
        .map(|b| b.canvas(req.width, req.height, &req.prompt));
    let emblems = emblems(req);
    let mut finals = Vec::new();
    for i in 0..req.image_count {
        let seed = req.seed.wrapping_add(i as u64);
        let caption = caption(req, model, seed, i);
        let scene = Scene {
            width: req.width,
            height: req.height,
            prompt: &req.prompt,
            seed,
            caption: &caption,
            edit: edit_of(base.as_ref(), full_backdrop.as_ref()),
            draft: false,
            emblems: &emblems,
        };
        finals.push(render::render_encoded(&scene, format)?);
    }
    let draft = if req.include_thoughts {
        Some(render_draft(req, model)?)
    } else {
        None
    };
    Ok(Rendered {
        finals,
        draft,
        mime: model.output_mime.clone(),
    })
}

/// The main colours of the latest user turn's images, for their swatches.
fn emblems(req: &GenRequest) -> Vec<render::Palette> {
    req.reference_images
        .iter()
        .take(render::MAX_EMBLEMS)
        .filter_map(|bytes| super::backdrop::palette_of_bytes(bytes))
        .collect()
}

fn edit_of<'a>(base: Option<&Backdrop>, backdrop: Option<&'a Canvas>) -> Option<Edit<'a>> {
    let (base, backdrop) = base.zip(backdrop)?;
    Some(Edit {
        palette: base.palette,
        backdrop,
    })
}

fn caption(req: &GenRequest, model: &ModelSpec, seed: u64, index: u32) -> String {
    let mut caption = format!(
        "{} | {} {}x{} {} | seed {seed}",
        model.id, req.size, req.width, req.height, req.ratio
    );
    if req.turn > 1 {
        caption.push_str(&format!(" | turn {}", req.turn));
    }
    if req.image_count > 1 {
        caption.push_str(&format!(" | image {}/{}", index + 1, req.image_count));
    }
    caption
}

/// A fresh response id.
pub fn response_id() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The full response body for a request, shaped by a content fault if one fired.
pub fn build(
    req: &GenRequest,
    model: &ModelSpec,
    rendered: Option<&Rendered>,
    outcome: Option<FaultKind>,
) -> Value {
    let prompt_tokens = req.prompt_text_tokens + req.input_images as u64 * INPUT_IMAGE_TOKENS;
    let mut prompt_details =
        vec![json!({"modality": "TEXT", "tokenCount": req.prompt_text_tokens})];
    if req.input_images > 0 {
        prompt_details.push(json!({
            "modality": "IMAGE",
            "tokenCount": req.input_images as u64 * INPUT_IMAGE_TOKENS,
        }));
    }
    let thoughts_tokens = thought_tokens(req);
    let mut body = json!({
        "modelVersion": model.id,
        "responseId": response_id(),
    });
    match outcome {
        Some(FaultKind::PromptBlocked) => {
            body["promptFeedback"] = json!({"blockReason": "PROHIBITED_CONTENT"});
            body["usageMetadata"] = json!({
                "promptTokenCount": prompt_tokens,
                "totalTokenCount": prompt_tokens,
                "promptTokensDetails": prompt_details,
            });
            return body;
        }
        Some(FaultKind::ImageSafety) => {
            body["candidates"] = json!([{
                "finishReason": "IMAGE_SAFETY",
                "finishMessage": "Unable to show the generated image. The generated image was filtered out because it may violate Google's Generative AI Prohibited Use policy. You will not be charged for blocked images. Try rephrasing the prompt.",
                "index": 0,
            }]);
            body["usageMetadata"] = usage(prompt_tokens, prompt_details, 0, 0, thoughts_tokens);
            return body;
        }
        Some(FaultKind::NoImage) => {
            let text = format!(
                "I could not produce an image for \"{}\". Try describing the picture you want in more detail.",
                render::excerpt(&req.prompt)
            );
            let text_tokens = (text.len() as u64).div_ceil(4);
            body["candidates"] = json!([{
                "content": {"role": "model", "parts": [
                    {"text": text, "thoughtSignature": sign(Signed::Text(&text))}
                ]},
                "finishReason": "NO_IMAGE",
                "index": 0,
            }]);
            body["usageMetadata"] = usage(
                prompt_tokens,
                prompt_details,
                0,
                text_tokens,
                thoughts_tokens,
            );
            return body;
        }
        _ => {}
    }
    let mut parts = Vec::new();
    let mime = rendered.map(|r| r.mime.as_str()).unwrap_or("image/png");
    if req.include_thoughts {
        parts.push(json!({"text": thought_text(req), "thought": true}));
        if let Some(draft) = rendered.and_then(|r| r.draft.as_ref()) {
            parts.push(json!({
                "inlineData": {"mimeType": mime, "data": STANDARD.encode(draft)},
                "thought": true,
            }));
        }
    }
    let mut text_tokens = 0;
    if req.want_text {
        let text = answer_text(req);
        text_tokens = (text.len() as u64).div_ceil(4);
        parts.push(json!({"text": text, "thoughtSignature": sign(Signed::Text(&text))}));
    }
    let finals = rendered.map(|r| r.finals.as_slice()).unwrap_or_default();
    for image in finals {
        parts.push(json!({
            "inlineData": {"mimeType": mime, "data": STANDARD.encode(image)},
            "thoughtSignature": sign(Signed::Image(image)),
        }));
    }
    let image_tokens = finals.len() as u64 * size_tokens(req, model);
    body["candidates"] = json!([{
        "content": {"role": "model", "parts": parts},
        "finishReason": "STOP",
        "index": 0,
    }]);
    body["usageMetadata"] = usage(
        prompt_tokens,
        prompt_details,
        image_tokens,
        text_tokens,
        thoughts_tokens,
    );
    body
}

fn size_tokens(req: &GenRequest, model: &ModelSpec) -> u64 {
    model
        .sizes
        .iter()
        .find(|s| s.name == req.size)
        .unwrap_or_else(|| model.default_size_spec())
        .image_tokens as u64
}

fn usage(
    prompt_tokens: u64,
    prompt_details: Vec<Value>,
    image_tokens: u64,
    text_tokens: u64,
    thoughts_tokens: u64,
) -> Value {
    let mut details = Vec::new();
    if image_tokens > 0 {
        details.push(json!({"modality": "IMAGE", "tokenCount": image_tokens}));
    }
    if text_tokens > 0 {
        details.push(json!({"modality": "TEXT", "tokenCount": text_tokens}));
    }
    let candidates = image_tokens + text_tokens;
    json!({
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidates,
        "thoughtsTokenCount": thoughts_tokens,
        "totalTokenCount": prompt_tokens + candidates + thoughts_tokens,
        "promptTokensDetails": prompt_details,
        "candidatesTokensDetails": details,
    })
}

fn thought_tokens(req: &GenRequest) -> u64 {
    let base = 120 + render::hash64(&req.prompt) % 180;
    if req.think_hard { base * 3 } else { base }
}

/// The thought summary the simulator writes for a request.
pub fn thought_text(req: &GenRequest) -> String {
    let verb = if req.turn > 1 {
        "Revising the previous image"
    } else {
        "Planning the composition"
    };
    format!(
        "**{verb}**\n\nI'm reading the request \"{}\" and laying out a {} frame at {} ({}x{}). I'll place the main shapes first, then set the lettering so the words stay legible.",
        render::excerpt(&req.prompt),
        req.ratio,
        req.size,
        req.width,
        req.height
    )
}

fn answer_text(req: &GenRequest) -> String {
    let what = if req.image_count > 1 {
        format!("Here are {} images", req.image_count)
    } else if req.turn > 1 {
        "Here is the edited image".to_string()
    } else {
        "Here is your image".to_string()
    };
    format!("{what}: {}", render::excerpt(&req.prompt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;

    fn request() -> GenRequest {
        GenRequest {
            prompt: "two variations of a lighthouse".into(),
            seed: 5,
            ratio: "1:1".into(),
            size: "512".into(),
            width: 64,
            height: 64,
            want_text: true,
            include_thoughts: true,
            think_hard: false,
            image_count: 2,
            base_image: None,
            reference_images: Vec::new(),
            turn: 1,
            prompt_text_tokens: 8,
            input_images: 0,
        }
    }

    #[test]
    fn parts_come_in_order_with_signatures_where_due() {
        let reg = Registry::shipped().unwrap();
        let model = reg.resolve("gemini-3.1-flash-image").unwrap();
        let req = request();
        let rendered = render_all(&req, model).unwrap();
        let body = build(&req, model, Some(&rendered), None);
        let parts = body["candidates"][0]["content"]["parts"]
            .as_array()
            .unwrap();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[0]["thought"], true);
        assert_eq!(parts[1]["thought"], true);
        assert!(parts[0].get("thoughtSignature").is_none());
        assert!(parts[1].get("thoughtSignature").is_none());
        assert!(parts[2]["text"].is_string() && parts[2]["thoughtSignature"].is_string());
        assert!(parts[3]["inlineData"].is_object() && parts[3]["thoughtSignature"].is_string());
        assert_ne!(
            parts[3]["inlineData"]["data"],
            parts[4]["inlineData"]["data"]
        );
        let usage = &body["usageMetadata"];
        assert_eq!(usage["candidatesTokensDetails"][0]["tokenCount"], 747 * 2);
        let total = usage["promptTokenCount"].as_u64().unwrap()
            + usage["candidatesTokenCount"].as_u64().unwrap()
            + usage["thoughtsTokenCount"].as_u64().unwrap();
        assert_eq!(usage["totalTokenCount"].as_u64().unwrap(), total);
    }

    #[test]
    fn content_faults_shape_the_answer() {
        let reg = Registry::shipped().unwrap();
        let model = reg.resolve("gemini-3.1-flash-image").unwrap();
        let req = request();
        let blocked = build(&req, model, None, Some(FaultKind::PromptBlocked));
        assert!(blocked.get("candidates").is_none());
        assert_eq!(
            blocked["promptFeedback"]["blockReason"],
            "PROHIBITED_CONTENT"
        );
        let safety = build(&req, model, None, Some(FaultKind::ImageSafety));
        assert_eq!(safety["candidates"][0]["finishReason"], "IMAGE_SAFETY");
        let none = build(&req, model, None, Some(FaultKind::NoImage));
        assert_eq!(none["candidates"][0]["finishReason"], "NO_IMAGE");
        assert!(none["candidates"][0]["content"]["parts"][0]["text"].is_string());
    }
}
