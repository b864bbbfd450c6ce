//! Reads a schema-checked generateContent body against one model's capabilities and
//! turns it into what the renderer needs, refusing what the model does not take.

use serde_json::Value;

use super::capabilities::{
    as_i64, check_candidates, check_modalities, check_ranges, check_ratio, check_size, check_tools,
    default_ratio, image_settings, thinking,
};
use super::errors::SimError;
use super::inputs::{ResolvedFile, part_image};
use super::schema::{camel, get};
use crate::models::ModelSpec;

/// Most images one request returns.
pub const MAX_IMAGES: u32 = 4;

/// The fields of a part's `data` oneof; a part must set one.
const DATA_FIELDS: &[&str] = &[
    "text",
    "inline_data",
    "file_data",
    "function_call",
    "function_response",
    "executable_code",
    "code_execution_result",
];

/// What the simulator will render for one request.
#[derive(Debug, Clone)]
pub struct GenRequest {
    /// The latest user instruction.
    pub prompt: String,
    /// Seed of the first image (later images add 1 each).
    pub seed: u64,
    /// Aspect ratio on the wire.
    pub ratio: String,
    /// Size name on the wire (or the fixed size's label).
    pub size: String,
    /// Output pixel size.
    pub width: u32,
    /// Output pixel height.
    pub height: u32,
    /// Whether a text part is wanted (TEXT in responseModalities, or none given).
    pub want_text: bool,
    /// Whether thought parts are returned.
    pub include_thoughts: bool,
    /// Whether the HIGH thinking level was asked for.
    pub think_hard: bool,
    /// How many final images to return.
    pub image_count: u32,
    /// The image this request edits (the latest image in the conversation).
    pub base_image: Option<Vec<u8>>,
    /// The images of the latest user turn (anchors' references, `--ref`s, a story's
    /// previous frame): their colours appear in the picture, as a model keeps a subject.
    pub reference_images: Vec<Vec<u8>>,
    /// Which turn this is (1 for a fresh prompt).
    pub turn: usize,
    /// Text tokens in the prompt, estimated.
    pub prompt_text_tokens: u64,
    /// Input images (user images and earlier model images).
    pub input_images: u32,
}

/// Interprets `body` for `model`; `lookup` resolves Files API URIs (None: no such file).
pub fn interpret(
    body: &Value,
    model: &ModelSpec,
    lookup: &dyn Fn(&str) -> Option<ResolvedFile>,
    random_seed: u64,
) -> Result<GenRequest, SimError> {
    let contents = get(body, "contents")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            SimError::invalid("* GenerateContentRequest.contents: contents is not specified\n")
        })?;
    let config = get(body, "generation_config")
        .cloned()
        .unwrap_or(Value::Null);
    check_candidates(&config, model)?;
    check_ranges(&config)?;
    let want_text = check_modalities(&config)?;
    let (ratio_given, size_given) = image_settings(&config);
    let (include_thoughts, think_hard) = thinking(&config, model)?;
    check_tools(body, model)?;

    let mut prompt_chars = 0usize;
    let mut user_images = 0u32;
    let mut input_images = 0u32;
    let mut base_image: Option<Vec<u8>> = None;
    let mut reference_images: Vec<Vec<u8>> = Vec::new();
    let mut model_turns = 0usize;
    let mut prompt = String::new();
    for (ci, content) in contents.iter().enumerate() {
        let role = get(content, "role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        if role != "user" && role != "model" {
            return Err(SimError::invalid("Please use a valid role: user, model."));
        }
        let parts = get(content, "parts")
            .and_then(Value::as_array)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                SimError::invalid(format!(
                    "* GenerateContentRequest.contents[{ci}].parts: contents.parts must not be empty.\n"
                ))
            })?;
        if role == "model" {
            model_turns += 1;
        }
        let mut texts = Vec::new();
        let mut turn_images = Vec::new();
        for (pi, part) in parts.iter().enumerate() {
            let set: Vec<&str> = DATA_FIELDS
                .iter()
                .copied()
                .filter(|f| get(part, f).is_some())
                .collect();
            if set.is_empty() {
                return Err(SimError::invalid(format!(
                    "* GenerateContentRequest.contents[{ci}].parts[{pi}].data: required oneof field 'data' must have one initialized field\n"
                )));
            }
            if let Some(second) = set.get(1) {
                return Err(SimError::bad_field(
                    &format!("contents[{ci}].parts[{pi}]"),
                    format!(
                        "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '{}'",
                        camel(second)
                    ),
                ));
            }
            if get(part, "thought").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(text) = get(part, "text").and_then(Value::as_str) {
                prompt_chars += text.chars().count();
                texts.push(text.to_string());
            }
            let Some(image) = part_image(part, ci, pi, lookup)? else {
                continue;
            };
            input_images += 1;
            if role == "user" {
                user_images += 1;
            }
            if !image.is_empty() {
                if role == "user" {
                    turn_images.push(image.clone());
                }
                base_image = Some(image);
            }
        }
        if role == "user" && !texts.is_empty() {
            prompt = texts.join(" ");
        }
        if role == "user" {
            reference_images = turn_images;
        }
    }
    if let Some(system) = get(body, "system_instruction") {
        prompt_chars += all_text(system).chars().count();
    }
    if user_images > model.references.images {
        return Err(SimError::invalid(format!(
            "Too many input images: {user_images} images were given, but models/{} accepts at most {} input images per request.",
            model.id, model.references.images
        )));
    }
    let ratio = match ratio_given {
        Some(r) => check_ratio(&r, model)?,
        None => default_ratio(base_image.as_deref(), model),
    };
    let size = match size_given {
        Some(s) => check_size(&s, model)?,
        None => model.default_size.clone(),
    };
    let (width, height) = model.pixels(&ratio, &size).ok_or_else(|| {
        SimError::invalid(format!(
            "Aspect ratio {ratio} at image size {size} is not supported for models/{}.",
            model.id
        ))
    })?;
    let seed = get(&config, "seed")
        .and_then(as_i64)
        .map(|s| s as u32 as u64)
        .unwrap_or(random_seed);
    let prompt = if prompt.trim().is_empty() {
        "(edit the image)".to_string()
    } else {
        prompt
    };
    Ok(GenRequest {
        image_count: requested_count(&prompt),
        prompt,
        seed,
        ratio,
        size,
        width,
        height,
        want_text,
        include_thoughts,
        think_hard,
        base_image,
        reference_images,
        turn: model_turns + 1,
        prompt_text_tokens: (prompt_chars as u64).div_ceil(4).max(1),
        input_images,
    })
}

fn all_text(content: &Value) -> String {
    get(content, "parts")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| get(p, "text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// How many images a prompt asks for ("3 images", "two variations"), 1 to 4.
pub fn requested_count(prompt: &str) -> u32 {
    const NOUNS: &[&str] = &[
        "image",
        "images",
        "variation",
        "variations",
        "variant",
        "variants",
        "picture",
        "pictures",
        "version",
        "versions",
        "option",
        "options",
        "illustration",
        "illustrations",
        "photo",
        "photos",
        "shots",
        "takes",
        "renders",
    ];
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for (i, word) in words.iter().enumerate() {
        let n = match word.as_str() {
            "two" | "couple" | "pair" => 2,
            "three" => 3,
            "four" | "five" | "six" | "several" => 4,
            w => match w.parse::<u32>() {
                Ok(n) if (2..=100).contains(&n) => n,
                _ => continue,
            },
        };
        let near = words.iter().skip(i + 1).take(3);
        if near.into_iter().any(|w| NOUNS.contains(&w.as_str())) {
            return n.min(MAX_IMAGES);
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;
    use serde_json::json;

    fn interp(model: &str, body: Value) -> Result<GenRequest, SimError> {
        let reg = Registry::shipped().unwrap();
        let spec = reg.resolve(model).unwrap().clone();
        interpret(&body, &spec, &|_| None, 99)
    }

    fn prompt(config: Value) -> Value {
        json!({"contents": [{"parts": [{"text": "a fox"}]}], "generationConfig": config})
    }

    #[test]
    fn sizes_follow_the_model() {
        let req = interp(
            "gemini-3.1-flash-image",
            prompt(json!({"imageConfig": {"aspectRatio": "16:9", "imageSize": "512"}})),
        )
        .unwrap();
        assert_eq!((req.width, req.height), (688, 384));
        assert_eq!(req.seed, 99);
        let pro = interp(
            "gemini-3-pro-image",
            prompt(json!({"imageConfig": {"imageSize": "512"}})),
        )
        .unwrap_err();
        assert!(pro.message.contains("\"512\""), "{}", pro.message);
        let lower = interp(
            "gemini-3.1-flash-image",
            prompt(json!({"imageConfig": {"imageSize": "1k"}})),
        )
        .unwrap_err();
        assert!(lower.message.contains("uppercase"), "{}", lower.message);
        let old = interp(
            "gemini-2.5-flash-image",
            prompt(json!({"imageConfig": {"imageSize": "1K"}})),
        )
        .unwrap_err();
        assert!(old.message.contains("fixed size"), "{}", old.message);
        let ratio = interp(
            "gemini-3-pro-image",
            prompt(json!({"imageConfig": {"aspectRatio": "8:1"}})),
        )
        .unwrap_err();
        assert!(ratio.message.contains("8:1") && ratio.message.contains("21:9"));
    }

    #[test]
    fn thinking_grounding_and_modalities_are_checked() {
        let e = interp(
            "gemini-3-pro-image",
            prompt(json!({"thinkingConfig": {"thinkingLevel": "HIGH"}})),
        )
        .unwrap_err();
        assert!(e.message.starts_with("Thinking level is not supported"));
        let e = interp(
            "gemini-3.1-flash-image",
            prompt(json!({"thinkingConfig": {"thinkingLevel": "MEDIUM"}})),
        )
        .unwrap_err();
        assert!(e.message.contains("MINIMAL, HIGH"), "{}", e.message);
        let mut body = prompt(json!({}));
        body["tools"] = json!([{"googleSearch": {"searchTypes": {"imageSearch": {}}}}]);
        assert!(interp("gemini-3.1-flash-image", body.clone()).is_ok());
        assert!(interp("gemini-3-pro-image", body).is_err());
        let text_only = interp(
            "gemini-3.1-flash-image",
            prompt(json!({"responseModalities": ["TEXT"]})),
        );
        assert!(text_only.is_err());
        let image_only = interp(
            "gemini-3.1-flash-image",
            prompt(json!({"responseModalities": ["IMAGE"]})),
        )
        .unwrap();
        assert!(!image_only.want_text);
    }

    #[test]
    fn too_many_references_are_refused() {
        let img = json!({"inlineData": {"mimeType": "image/png", "data": "AAEC"}});
        let mut parts = vec![json!({"text": "combine"})];
        parts.extend(std::iter::repeat_n(img, 4));
        let body = json!({"contents": [{"role": "user", "parts": parts}]});
        let err = interp("gemini-2.5-flash-image", body.clone()).unwrap_err();
        assert!(err.message.contains("at most 3"), "{}", err.message);
        assert_eq!(
            interp("gemini-3.1-flash-image", body).unwrap().input_images,
            4
        );
    }

    #[test]
    fn the_newer_response_format_spelling_sets_ratio_and_size() {
        let object = interp(
            "gemini-3.1-flash-image",
            prompt(
                json!({"responseFormat": {"image": {"aspectRatio": "16:9", "imageSize": "512"}}}),
            ),
        )
        .unwrap();
        assert_eq!((object.width, object.height), (688, 384));
        let list = interp(
            "gemini-3.1-flash-image",
            prompt(
                json!({"responseFormat": [{"image": {"aspectRatio": "1:1", "imageSize": "2K"}}]}),
            ),
        )
        .unwrap();
        assert_eq!((list.width, list.height), (2048, 2048));
    }

    #[test]
    fn empty_parts_and_odd_uris_are_refused() {
        let empty = interp(
            "gemini-3.1-flash-image",
            json!({"contents": [{"parts": [{}]}]}),
        );
        assert!(empty.unwrap_err().message.contains("oneof field 'data'"));
        let both = interp(
            "gemini-3.1-flash-image",
            json!({"contents": [{"parts": [{"text": "x", "inlineData": {"mimeType": "image/png", "data": "AAEC"}}]}]}),
        );
        assert!(
            both.unwrap_err()
                .message
                .contains("Cannot set 'inlineData'")
        );
        let odd = interp(
            "gemini-3.1-flash-image",
            json!({"contents": [{"parts": [{"fileData": {"fileUri": "ftp://x"}}]}]}),
        );
        assert!(odd.unwrap_err().message.contains("Unsupported file uri"));
    }

    #[test]
    fn counts_requested_images() {
        assert_eq!(requested_count("3 images of a cat"), 3);
        assert_eq!(requested_count("Give me two variations"), 2);
        assert_eq!(requested_count("make 10 different pictures"), 4);
        assert_eq!(requested_count("a cat with 3 legs"), 1);
        assert_eq!(requested_count("one image"), 1);
    }
}
