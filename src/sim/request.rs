//! Reads a schema-checked generateContent body against one model's capabilities and
//! turns it into what the renderer needs, refusing what the model does not take.

use serde_json::Value;

use super::errors::SimError;
use super::render;
use super::schema::{decode_base64, get};
use crate::models::ModelSpec;

/// Most images one request returns.
pub const MAX_IMAGES: u32 = 4;

/// Image MIME types accepted as input.
const INPUT_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
];

/// A file referenced by `fileData.fileUri`, as the Files API knows it.
#[derive(Debug, Clone)]
pub struct ResolvedFile {
    /// Its MIME type.
    pub mime_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

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
        for (pi, part) in parts.iter().enumerate() {
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
                base_image = Some(image);
            }
        }
        if role == "user" && !texts.is_empty() {
            prompt = texts.join(" ");
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
        turn: model_turns + 1,
        prompt_text_tokens: (prompt_chars as u64).div_ceil(4).max(1),
        input_images,
    })
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
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

/// The image bytes of a part (empty for a URL the simulator cannot fetch), if it is an image.
fn part_image(
    part: &Value,
    ci: usize,
    pi: usize,
    lookup: &dyn Fn(&str) -> Option<ResolvedFile>,
) -> Result<Option<Vec<u8>>, SimError> {
    if let Some(blob) = get(part, "inline_data") {
        let mime = get(blob, "mime_type").and_then(Value::as_str).unwrap_or("");
        if mime.is_empty() {
            return Err(SimError::invalid(format!(
                "* GenerateContentRequest.contents[{ci}].parts[{pi}].inline_data.mime_type: mime_type is not specified\n"
            )));
        }
        let mime = mime.to_ascii_lowercase();
        if !mime.starts_with("image/") {
            return Ok(None);
        }
        if !INPUT_IMAGE_TYPES.contains(&mime.as_str()) {
            return Err(SimError::invalid(format!("Unsupported MIME type: {mime}")));
        }
        let bytes = get(blob, "data")
            .and_then(Value::as_str)
            .and_then(decode_base64)
            .unwrap_or_default();
        if bytes.is_empty() {
            return Err(SimError::invalid(format!(
                "* GenerateContentRequest.contents[{ci}].parts[{pi}].inline_data.data: data is empty\n"
            )));
        }
        return Ok(Some(bytes));
    }
    let Some(file) = get(part, "file_data") else {
        return Ok(None);
    };
    let uri = get(file, "file_uri").and_then(Value::as_str).unwrap_or("");
    if uri.is_empty() {
        return Err(SimError::invalid(format!(
            "* GenerateContentRequest.contents[{ci}].parts[{pi}].file_data.file_uri: file_uri is not specified\n"
        )));
    }
    let declared = get(file, "mime_type").and_then(Value::as_str).unwrap_or("");
    if let Some(id) = files_api_id(uri) {
        let Some(found) = lookup(&id) else {
            return Err(SimError::new(
                403,
                "PERMISSION_DENIED",
                format!("You do not have permission to access the File {id} or it may not exist."),
            ));
        };
        if !found.mime_type.starts_with("image/") {
            return Ok(None);
        }
        return Ok(Some(found.bytes));
    }
    // A public URL, GCS object or video link: counted, but not fetched (offline).
    Ok(declared.starts_with("image/").then(Vec::new))
}

/// The file id in a Files API URI (`…/v1beta/files/abc` or `files/abc`).
pub fn files_api_id(uri: &str) -> Option<String> {
    let rest = if let Some(rest) = uri.strip_prefix("files/") {
        rest
    } else if uri.starts_with("http://") || uri.starts_with("https://") {
        let (_, rest) = uri.split_once("/files/")?;
        let host_path = uri.split("/files/").next().unwrap_or("");
        if !(host_path.ends_with("/v1beta") || host_path.ends_with("/v1")) {
            return None;
        }
        rest
    } else {
        return None;
    };
    let id = rest.split(['?', '#', ':', '/']).next().unwrap_or("");
    (!id.is_empty()).then(|| id.to_string())
}

fn check_candidates(config: &Value, model: &ModelSpec) -> Result<(), SimError> {
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

fn check_ranges(config: &Value) -> Result<(), SimError> {
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
fn check_modalities(config: &Value) -> Result<bool, SimError> {
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
fn image_settings(config: &Value) -> (Option<String>, Option<String>) {
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

fn check_ratio(ratio: &str, model: &ModelSpec) -> Result<String, SimError> {
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

fn check_size(size: &str, model: &ModelSpec) -> Result<String, SimError> {
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
fn default_ratio(base: Option<&[u8]>, model: &ModelSpec) -> String {
    let square = "1:1".to_string();
    let Some((w, h)) = base.and_then(render::dimensions) else {
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
fn thinking(config: &Value, model: &ModelSpec) -> Result<(bool, bool), SimError> {
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

fn check_tools(body: &Value, model: &ModelSpec) -> Result<(), SimError> {
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
    fn counts_requested_images() {
        assert_eq!(requested_count("3 images of a cat"), 3);
        assert_eq!(requested_count("Give me two variations"), 2);
        assert_eq!(requested_count("make 10 different pictures"), 4);
        assert_eq!(requested_count("a cat with 3 legs"), 1);
        assert_eq!(requested_count("one image"), 1);
    }

    #[test]
    fn files_api_ids_are_recognised() {
        assert_eq!(files_api_id("files/abc").as_deref(), Some("abc"));
        assert_eq!(
            files_api_id("http://127.0.0.1:9/v1beta/files/xyz-1").as_deref(),
            Some("xyz-1")
        );
        assert_eq!(files_api_id("https://example.com/cat.png"), None);
        assert_eq!(files_api_id("gs://bucket/files/x"), None);
    }
}
