//! A generation request as a face receives it (command-line flags, MCP tool arguments),
//! turned into a spec and prepared jobs the same way for every face.

use std::path::PathBuf;

use crate::error::ValidationError;
use crate::settings::{SettingTexts, SettingsLayer, parse_with};
use crate::store::{Store, StoreError};
use crate::studio::capability::{self, PersonGeneration};
use crate::studio::compose::Subject;
use crate::studio::spec::SessionLink;
use crate::studio::workspace::Workspace;
use crate::studio::{GenerateSpec, PreparedJob, Roster, StudioError, backend, shot};

/// Everything a face may say about one generation besides the prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenRequest {
    /// The settings given explicitly (over the preset and `[defaults]`).
    pub settings: SettingTexts,
    /// A named preset to start from.
    pub preset: Option<String>,
    /// Reference images.
    pub refs: Vec<PathBuf>,
    /// Who may appear in images (Vertex AI only).
    pub person_generation: Option<String>,
}

/// Stacks the request's settings > its preset > `[defaults]`; an unknown preset is refused
/// with the known ones.
pub fn resolve(ws: &Workspace, request: &GenRequest) -> Result<SettingsLayer, ValidationError> {
    let explicit = request.settings.to_layer()?;
    let defaults = SettingsLayer::from_defaults(&ws.settings.config.defaults)?;
    let preset = match &request.preset {
        Some(name) => Some(ws.presets()?.require(name)?.clone()),
        None => None,
    };
    let middle = preset.map(|p| p.settings).unwrap_or_default();
    Ok(SettingsLayer::stack(&[&explicit, &middle, &defaults]))
}

/// The words a refusal gains when a preset was in force: which one and where it lives.
pub fn preset_note(ws: &Workspace, preset: Option<&str>) -> Option<String> {
    let preset = ws.presets().ok()?.get(preset?)?.clone();
    Some(format!(
        "(preset '{}' from {} was in force: `peel preset show {}`)",
        preset.name,
        preset.file.display(),
        preset.name
    ))
}

/// The spec for `count` requests of `prompt`, saved into `out_dir`.
pub fn build_spec(
    ws: &Workspace,
    prompt: &str,
    request: &GenRequest,
    count: u32,
    out_dir: PathBuf,
) -> Result<GenerateSpec, StudioError> {
    if count == 0 {
        return Err(crate::error::ValidationError::Invalid(
            "--count 0 makes no image: give 1 or more".into(),
        )
        .into());
    }
    let settings = resolve(ws, request)?;
    let mut spec = GenerateSpec {
        prompt: prompt.to_string(),
        refs: request.refs.clone(),
        count,
        out_dir,
        preset: request.preset.clone(),
        ..GenerateSpec::default()
    };
    settings.apply_to(&mut spec);
    spec.subjects = anchors_in_shot(ws, settings.with.as_deref(), prompt)?;
    Ok(spec)
}

/// The anchors `with` names (`--with`, a preset's `with`); without one, the anchors in shot
/// for `prompt`: pinned, or named by it.
fn anchors_in_shot(
    ws: &Workspace,
    with: Option<&[String]>,
    prompt: &str,
) -> Result<Vec<Subject>, StudioError> {
    let Some(with) = with else {
        let roster = Roster::new(ws.store()?);
        return Ok(shot::subjects_in_shot(&roster, prompt)?);
    };
    let names = parse_with(with);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let roster = Roster::new(ws.store()?);
    Ok(shot::subjects_named(&roster, &names)?)
}

/// Applies what depends on the backend (person generation) and refuses, before anything is
/// sent, what the configured backend cannot do. Returns notes on inherited defaults it dropped.
pub fn apply_backend(
    ws: &Workspace,
    jobs: &mut [PreparedJob],
    request: &GenRequest,
) -> Result<Vec<&'static str>, ValidationError> {
    if let Some(text) = &request.person_generation {
        let value = PersonGeneration::parse(text)?;
        for job in jobs.iter_mut() {
            capability::set_person_generation(job, value);
        }
    }
    let caps = backend::capabilities(&ws.settings);
    let explicit = capability::Explicit {
        thinking: request.settings.thinking.is_some(),
        grounding: request.settings.grounding.is_some(),
        safety: !request.settings.safety.is_empty(),
        tier: request.settings.tier.is_some(),
    };
    let mut notes: Vec<&'static str> = Vec::new();
    for job in jobs.iter_mut() {
        for note in capability::drop_inherited(job, &caps, explicit) {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        capability::check_job(job, &caps)?;
    }
    Ok(notes)
}

/// Starts a session for first-turn jobs, unless the backend has no multi-turn sessions
/// (an OpenAI-compatible gateway), where the images are simply saved.
pub fn start_session(
    ws: &Workspace,
    store: &Store,
    prompt: &str,
    jobs: &mut [PreparedJob],
) -> Result<Option<String>, StoreError> {
    if !backend::capabilities(&ws.settings).supports_sessions {
        return Ok(None);
    }
    let Some(first) = jobs.first() else {
        return Ok(None);
    };
    let session = store.create_session(&title(prompt), &first.settings.model)?;
    for job in jobs.iter_mut() {
        job.session = Some(SessionLink {
            session_id: session.clone(),
            parent: None,
        });
    }
    Ok(Some(session))
}

/// Finds a session from an id or unique prefix, or says what to do.
pub fn resolve_session(store: &Store, target: &str) -> Result<String, StudioError> {
    let matches = store.resolve_session(target)?;
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ValidationError::Invalid(format!(
            "no session matches '{target}'. Run `peel session list` to see sessions, or pass an image file to start one."
        ))
        .into()),
        many => Err(ValidationError::Invalid(format!(
            "'{target}' matches several sessions ({}); give more characters",
            many.join(", ")
        ))
        .into()),
    }
}

/// What an edit turn continues: a session, a turn in it (default: its head), the instruction.
#[derive(Debug, Clone, Copy)]
pub struct EditTarget<'a> {
    /// The session's full id.
    pub session: &'a str,
    /// The turn to continue from (forks a branch when it is not the head).
    pub from: Option<i64>,
    /// What to change.
    pub instruction: &'a str,
}

/// Prepares one edit turn continuing `target`, saved into `out_dir`.
pub fn edit_job(
    ws: &Workspace,
    store: &Store,
    target: EditTarget<'_>,
    request: &GenRequest,
    out_dir: PathBuf,
) -> Result<PreparedJob, StudioError> {
    let id = target.session;
    let Some(session) = store.session(id)? else {
        return Err(ValidationError::Invalid(format!(
            "session {id} disappeared; run `peel session list`"
        ))
        .into());
    };
    let Some(parent) = target.from.or(session.head) else {
        return Err(ValidationError::Invalid(format!(
            "session {id} has no finished turn to continue; generate into it first or re-root from an image"
        ))
        .into());
    };
    let spec = build_spec(ws, target.instruction, request, 1, out_dir)?;
    crate::studio::spec::prepare_edit(
        &spec,
        &ws.registry,
        &session,
        parent,
        &crate::studio::blobs::Blobs::new(store.blob_dir()),
    )
}

/// The request for a new session started from `image`: the image leads the references
/// (`peel edit IMAGE_PATH`, MCP `edit` with `image_path`).
pub fn reroot(request: &GenRequest, image: PathBuf) -> GenRequest {
    let mut rerooted = request.clone();
    rerooted.refs.insert(0, image);
    rerooted
}

/// A session title from the first line of a prompt.
pub fn title(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or_default().trim();
    line.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_refuse_a_bad_grounding_and_keep_the_rest() {
        let texts = SettingTexts {
            grounding: Some("moon".into()),
            ..SettingTexts::default()
        };
        assert!(texts.to_layer().is_err());
        let texts = SettingTexts {
            aspect: Some("16:9".into()),
            seed: Some(7),
            grounding: Some("web".into()),
            ..SettingTexts::default()
        };
        let layer = texts.to_layer().unwrap();
        assert_eq!(layer.aspect.as_deref(), Some("16:9"));
        assert_eq!(layer.seed, Some(7));
        assert!(layer.grounding.is_some());
    }

    #[test]
    fn a_title_is_the_first_line_cut_to_80_characters() {
        assert_eq!(title("  a fox\nsecond line"), "a fox");
        assert_eq!(title(&"x".repeat(200)).chars().count(), 80);
    }
}
