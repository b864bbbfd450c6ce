//! What a face asks for (`GenerateSpec`), checked against the registry and turned into
//! wire requests (`PreparedJob`) before anything is sent.

use std::path::PathBuf;

use serde::Serialize;

use super::StudioError;
use super::blobs::Blobs;
use super::compose::{self, Subject};
use super::session;
use crate::api::wire::{
    Content, Empty, GenerateContentRequest, GenerationConfig, GoogleSearch, ImageConfig, Modality,
    Part, SearchTypes, ThinkingConfig, ThinkingLevel, Tool,
};
use crate::error::ValidationError;
use crate::imaging;
use crate::models::{ModelSpec, Registry, Tier};
use crate::settings::{Grounding, SafetyMap, SafetySetting, SeedMode, check_fallback};
use crate::store::session_types::{Session, TurnId};

/// Most concurrent requests one `generate` may ask for.
pub const MAX_COUNT: u32 = 16;

/// A generation request as a face states it; `None` means "the default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateSpec {
    /// The prompt text.
    pub prompt: String,
    /// Model id or alias.
    pub model: Option<String>,
    /// Aspect ratio, e.g. "16:9".
    pub aspect: Option<String>,
    /// Image size, e.g. "2K".
    pub size: Option<String>,
    /// Seed; what each request gets follows `seed_mode`.
    pub seed: Option<i64>,
    /// How seeds are chosen across `count` requests.
    pub seed_mode: SeedMode,
    /// Safety thresholds (`safetySettings`); empty leaves the service's defaults.
    pub safety: Vec<SafetySetting>,
    /// The preset the settings started from, recorded in sidecars (it sets nothing itself).
    pub preset: Option<String>,
    /// Reference image files.
    pub refs: Vec<PathBuf>,
    /// Thinking level, as the model allows (e.g. "minimal", "medium", "high").
    pub thinking: Option<String>,
    /// Search grounding.
    pub grounding: Grounding,
    /// Service tier.
    pub tier: Tier,
    /// The tier a shed flex request is re-sent at after its window, if any.
    pub fallback: Option<Tier>,
    /// How many requests to run concurrently.
    pub count: u32,
    /// Where images go.
    pub out_dir: PathBuf,
    /// Anchors in shot, with their reference images loaded.
    pub subjects: Vec<Subject>,
    /// A story's previous frame, sent as the last, labelled reference image.
    pub previous_frame: Option<PathBuf>,
}

/// Settings as resolved for one request, recorded in sidecars and the store.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ResolvedSettings {
    /// Canonical model id.
    pub model: String,
    /// Aspect ratio sent (None: the model's default, 1:1 or the reference's shape).
    pub aspect: Option<String>,
    /// Size name.
    pub size: String,
    /// Seed sent.
    pub seed: i64,
    /// Thinking level sent.
    pub thinking: Option<String>,
    /// Grounding.
    pub grounding: Grounding,
    /// Service tier asked for.
    pub tier: Tier,
    /// The tier a shed flex request falls back to after its window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Tier>,
    /// Expected pixel size when the ratio is known.
    pub pixels: Option<(u32, u32)>,
    /// Safety thresholds sent, in category order.
    pub safety: Vec<SafetySetting>,
    /// The preset the settings started from, if any.
    pub preset: Option<String>,
}

/// One request ready to send (serializable, so unsent work can be handed to another
/// peel process).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PreparedJob {
    /// The user's prompt.
    pub prompt: String,
    /// Resolved settings.
    pub settings: ResolvedSettings,
    /// The wire request.
    pub request: GenerateContentRequest,
    /// Reference files attached, in order.
    pub refs: Vec<PathBuf>,
    /// Output folder.
    pub out_dir: PathBuf,
    /// The session this job adds a turn to, if any.
    pub session: Option<SessionLink>,
    /// Names of the anchors in shot.
    pub anchors: Vec<String>,
}

/// Where a job's answer goes in a session tree.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SessionLink {
    /// The session.
    pub session_id: String,
    /// The turn it continues (None for a first turn).
    pub parent: Option<TurnId>,
}

impl PreparedJob {
    /// The request as JSON with image bytes replaced by their size, for the store.
    pub fn request_summary_json(&self) -> String {
        let mut request = self.request.clone();
        for content in &mut request.contents {
            for part in &mut content.parts {
                if let Some(blob) = part.inline_data.take() {
                    part.text = Some(format!(
                        "<{} bytes of {}>",
                        blob.data.0.len(),
                        blob.mime_type
                    ));
                }
            }
        }
        serde_json::to_string(&request).unwrap_or_default()
    }
}

/// A spec whose settings passed the registry's checks, with its reference images loaded.
struct Validated<'r> {
    model: &'r ModelSpec,
    size: String,
    thinking: Option<String>,
    safety: Vec<SafetySetting>,
    ref_parts: Vec<Part>,
    previous_part: Option<Part>,
}

impl Validated<'_> {
    fn settings(&self, spec: &GenerateSpec, seed: i64) -> ResolvedSettings {
        ResolvedSettings {
            model: self.model.id.clone(),
            aspect: spec.aspect.clone(),
            size: self.size.clone(),
            seed,
            thinking: self.thinking.clone(),
            grounding: spec.grounding,
            tier: spec.tier,
            fallback: spec.fallback,
            pixels: spec
                .aspect
                .as_deref()
                .and_then(|a| self.model.pixels(a, &self.size)),
            safety: self.safety.clone(),
            preset: spec.preset.clone(),
        }
    }

    fn user_turn(&self, text: &str, subjects: &[Subject]) -> Content {
        let (parts, _, _) =
            compose::compose(text, subjects, &self.ref_parts, self.previous_part.as_ref());
        Content {
            role: Some("user".into()),
            parts,
        }
    }
}

fn validate<'r>(
    spec: &GenerateSpec,
    registry: &'r Registry,
) -> Result<Validated<'r>, ValidationError> {
    if spec.prompt.trim().is_empty() {
        return Err(ValidationError::Invalid(
            "the prompt is empty; say what the image should show".into(),
        ));
    }
    let model = match &spec.model {
        Some(name) => registry.resolve(name)?,
        None => registry.default_spec(),
    };
    model.lifecycle().check_served(crate::models::today())?;
    model.check_tier(spec.tier)?;
    check_fallback(spec.tier, spec.fallback)?;
    if let Some(aspect) = &spec.aspect {
        model.check_aspect(aspect)?;
    }
    let size = match &spec.size {
        Some(size) => model
            .size(size)
            .map_err(|e| size_refusal(e, size, registry))?
            .name
            .clone(),
        None => model.default_size.clone(),
    };
    let thinking = match &spec.thinking {
        Some(level) => {
            model.check_thinking(level)?;
            Some(level.to_ascii_lowercase())
        }
        None => None,
    };
    match spec.grounding {
        Grounding::Off => {}
        Grounding::Web => model.check_grounding("web")?,
        Grounding::Image => model.check_grounding("image")?,
    }
    let safety = SafetyMap::from_settings(&spec.safety)?.to_settings();
    let extra_images = spec.refs.len() + usize::from(spec.previous_frame.is_some());
    compose::check_budget(model, registry, &spec.subjects, extra_images)?;
    let load = |path: &PathBuf| {
        imaging::load_reference(path)
            .map(|reference| Part::image(reference.mime, reference.bytes))
            .map_err(|reason| ValidationError::Reference {
                path: path.clone(),
                reason,
            })
    };
    let ref_parts = spec.refs.iter().map(load).collect::<Result<Vec<_>, _>>()?;
    let previous_part = spec.previous_frame.as_ref().map(load).transpose()?;
    Ok(Validated {
        model,
        size,
        thinking,
        safety,
        ref_parts,
        previous_part,
    })
}

/// A refused size, naming the models that do render it.
pub fn size_refusal(error: ValidationError, size: &str, registry: &Registry) -> ValidationError {
    let others = registry.models_allowing_size(size);
    match error {
        ValidationError::Unsupported {
            what,
            given,
            model,
            allowed,
        } if !others.is_empty() => ValidationError::Invalid(format!(
            "{what} '{given}' is not supported by {model}; it renders {}. {size} is rendered by {} (--model).",
            allowed.join(", "),
            others.join(", ")
        )),
        other => other,
    }
}

/// Checks a spec against the registry and builds its requests; refuses before any network use.
pub fn prepare(
    spec: &GenerateSpec,
    registry: &Registry,
) -> Result<Vec<PreparedJob>, ValidationError> {
    let count = spec.count.max(1);
    if count > MAX_COUNT {
        return Err(ValidationError::Invalid(format!(
            "--count {count} is too many for one command (at most {MAX_COUNT}); use `peel batch` for larger runs"
        )));
    }
    let checked = validate(spec, registry)?;
    let prompt = spec.prompt.trim();
    let seeds = spec.seed_mode.seeds(spec.seed, count)?;
    Ok(seeds
        .into_iter()
        .map(|seed| {
            let settings = checked.settings(spec, seed);
            let request = build_request(
                checked.model,
                &settings,
                vec![checked.user_turn(prompt, &spec.subjects)],
            );
            PreparedJob {
                prompt: prompt.to_string(),
                settings,
                request,
                refs: spec.refs.clone(),
                out_dir: spec.out_dir.clone(),
                session: None,
                anchors: spec.subjects.iter().map(|s| s.name.clone()).collect(),
            }
        })
        .collect())
}

/// Builds the next turn of a session: the replayed branch ending at `parent`, then the
/// instruction (and any references) as a new user turn.
pub fn prepare_edit(
    spec: &GenerateSpec,
    registry: &Registry,
    session: &Session,
    parent: TurnId,
    blobs: &Blobs,
) -> Result<PreparedJob, StudioError> {
    let session_model = registry.resolve(&session.model)?;
    if let Some(name) = &spec.model
        && registry.resolve(name)?.id != session_model.id
    {
        return Err(ValidationError::Invalid(format!(
            "session {} uses {}; a session cannot switch models (thought signatures belong to one model). \
             Re-root instead: `peel edit IMAGE_PATH \"...\" --model {name}`",
            session.id, session_model.id
        ))
        .into());
    }
    if session.turn(parent).is_none() {
        let ids: Vec<String> = session.turns.iter().map(|t| t.id.to_string()).collect();
        return Err(ValidationError::Invalid(format!(
            "turn {parent} is not in session {}; its turns are: {}",
            session.id,
            ids.join(", ")
        ))
        .into());
    }
    let spec = GenerateSpec {
        model: Some(session_model.id.clone()),
        ..spec.clone()
    };
    let checked = validate(&spec, registry)?;
    let instruction = spec.prompt.trim();
    let seeds = spec.seed_mode.seeds(spec.seed, 1)?;
    let seed = seeds.first().copied().unwrap_or_default();
    let settings = checked.settings(&spec, seed);
    let mut contents = session::replay(&session.chain(parent), blobs)?;
    contents.push(checked.user_turn(instruction, &spec.subjects));
    let request = build_request(checked.model, &settings, contents);
    Ok(PreparedJob {
        prompt: instruction.to_string(),
        settings,
        request,
        refs: spec.refs.clone(),
        out_dir: spec.out_dir.clone(),
        anchors: spec.subjects.iter().map(|s| s.name.clone()).collect(),
        session: Some(SessionLink {
            session_id: session.id.clone(),
            parent: Some(parent),
        }),
    })
}

/// Builds the wire request for resolved settings and the conversation `contents`.
pub fn build_request(
    model: &ModelSpec,
    settings: &ResolvedSettings,
    contents: Vec<Content>,
) -> GenerateContentRequest {
    let image_size = (!model.fixed_size).then(|| settings.size.clone());
    let thinking_config = model.thinks().then(|| ThinkingConfig {
        thinking_level: settings
            .thinking
            .as_deref()
            .map(|l| ThinkingLevel::from(l.to_ascii_uppercase().as_str())),
        include_thoughts: Some(true),
    });
    let tools = match settings.grounding {
        Grounding::Off => vec![],
        Grounding::Web => vec![Tool {
            google_search: Some(GoogleSearch::default()),
        }],
        Grounding::Image => vec![Tool {
            google_search: Some(GoogleSearch {
                search_types: Some(SearchTypes {
                    web_search: Some(Empty {}),
                    image_search: Some(Empty {}),
                }),
            }),
        }],
    };
    GenerateContentRequest {
        contents,
        generation_config: Some(GenerationConfig {
            response_modalities: vec![Modality::Text, Modality::Image],
            image_config: Some(ImageConfig {
                aspect_ratio: settings.aspect.clone(),
                image_size,
                person_generation: None,
            }),
            thinking_config,
            seed: Some(settings.seed as i32),
            ..GenerationConfig::default()
        }),
        tools,
        safety_settings: settings.safety.clone(),
        service_tier: (settings.tier != Tier::Standard).then(|| settings.tier.as_str().to_string()),
        ..GenerateContentRequest::default()
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
