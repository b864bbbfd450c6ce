//! Backend-specific request settings and checks: `personGeneration` (Vertex AI only), and
//! refusing a prepared job the backend cannot run before anything is sent.

use super::spec::PreparedJob;
use crate::api::backend::{Capabilities, Feature};
use crate::api::wire::{GenerationConfig, ImageConfig};
use crate::error::ValidationError;
use crate::models::Tier;

/// Who may appear in generated images (Vertex AI's `imageConfig.personGeneration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonGeneration {
    /// People of any age.
    AllowAll,
    /// Adults only.
    AllowAdult,
    /// No people.
    AllowNone,
}

impl PersonGeneration {
    /// Parses `allow_all`, `allow_adult` or `allow_none` (any case, `-` or `_`).
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "allow_all" => Ok(Self::AllowAll),
            "allow_adult" => Ok(Self::AllowAdult),
            "allow_none" => Ok(Self::AllowNone),
            other => Err(ValidationError::Invalid(format!(
                "person generation '{other}' is not one of: allow_all, allow_adult, allow_none"
            ))),
        }
    }

    /// The value on the wire, e.g. `ALLOW_ADULT`.
    pub fn as_wire(self) -> &'static str {
        match self {
            Self::AllowAll => "ALLOW_ALL",
            Self::AllowAdult => "ALLOW_ADULT",
            Self::AllowNone => "ALLOW_NONE",
        }
    }
}

/// Sets `imageConfig.personGeneration` on a prepared job (checked later by `check_job`).
pub fn set_person_generation(job: &mut PreparedJob, value: PersonGeneration) {
    let config = job
        .request
        .generation_config
        .get_or_insert_with(GenerationConfig::default);
    config
        .image_config
        .get_or_insert_with(ImageConfig::default)
        .person_generation = Some(value.as_wire().to_string());
}

/// Which settings a face set explicitly (flags), as opposed to inherited from the config
/// or a preset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explicit {
    /// A thinking level was given.
    pub thinking: bool,
    /// Grounding was given.
    pub grounding: bool,
    /// Safety settings were given.
    pub safety: bool,
    /// A service tier was given.
    pub tier: bool,
}

/// Drops inherited settings the backend lacks (a `[defaults]` thinking level on a gateway,
/// say), so a default never blocks a backend; explicit ones stay for `check_job` to refuse.
/// Returns one note per dropped setting, saying why.
pub fn drop_inherited(
    job: &mut PreparedJob,
    caps: &Capabilities,
    explicit: Explicit,
) -> Vec<&'static str> {
    let mut notes = Vec::new();
    if !explicit.thinking
        && job.settings.thinking.is_some()
        && let Some(reason) = caps.reason(Feature::Thinking)
    {
        job.settings.thinking = None;
        if let Some(thinking) = job
            .request
            .generation_config
            .as_mut()
            .and_then(|c| c.thinking_config.as_mut())
        {
            thinking.thinking_level = None;
        }
        notes.push(reason);
    }
    if !explicit.grounding
        && !job.request.tools.is_empty()
        && let Some(reason) = caps.reason(Feature::Grounding)
    {
        job.request.tools.clear();
        job.settings.grounding = crate::settings::Grounding::Off;
        notes.push(reason);
    }
    if !explicit.safety
        && !job.request.safety_settings.is_empty()
        && let Some(reason) = caps.reason(Feature::SafetySettings)
    {
        job.request.safety_settings.clear();
        notes.push(reason);
    }
    if !explicit.tier
        && job.settings.tier != Tier::Standard
        && let Some(reason) = caps.reason(Feature::ServiceTiers)
    {
        job.settings.tier = Tier::Standard;
        job.settings.fallback = None;
        job.request.service_tier = None;
        notes.push(reason);
    }
    notes
}

/// Refuses a job that needs something the backend lacks, with its one-line reason.
pub fn check_job(job: &PreparedJob, caps: &Capabilities) -> Result<(), ValidationError> {
    let request = &job.request;
    let continues = job.session.as_ref().is_some_and(|s| s.parent.is_some());
    if continues || request.contents.len() > 1 {
        caps.require(Feature::Sessions)?;
    }
    if !request.tools.is_empty() {
        caps.require(Feature::Grounding)?;
    }
    if job.settings.thinking.is_some() {
        caps.require(Feature::Thinking)?;
    }
    if !request.safety_settings.is_empty() {
        caps.require(Feature::SafetySettings)?;
    }
    if job.settings.tier != Tier::Standard {
        caps.require(Feature::ServiceTiers)?;
    }
    let person = request
        .generation_config
        .as_ref()
        .and_then(|c| c.image_config.as_ref())
        .is_some_and(|i| i.person_generation.is_some());
    if person {
        caps.require(Feature::PersonGeneration)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BackendKind;
    use crate::models::Registry;
    use crate::settings::Grounding;
    use crate::studio::spec::{self, GenerateSpec};

    fn job(spec: GenerateSpec) -> PreparedJob {
        let registry = Registry::shipped().unwrap();
        spec::prepare(&spec, &registry).unwrap().remove(0)
    }

    fn base() -> GenerateSpec {
        GenerateSpec {
            prompt: "a fox".into(),
            count: 1,
            out_dir: "/tmp".into(),
            ..GenerateSpec::default()
        }
    }

    #[test]
    fn person_generation_is_vertex_only() {
        let mut j = job(base());
        set_person_generation(&mut j, PersonGeneration::parse("allow-adult").unwrap());
        let json = serde_json::to_value(&j.request).unwrap();
        assert_eq!(
            json["generationConfig"]["imageConfig"]["personGeneration"],
            "ALLOW_ADULT"
        );
        assert!(check_job(&j, &Capabilities::of(BackendKind::Vertex)).is_ok());
        let refused = check_job(&j, &Capabilities::of(BackendKind::Gemini))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("Vertex AI option"), "{refused}");
        assert!(PersonGeneration::parse("everyone").is_err());
    }

    #[test]
    fn inherited_settings_are_dropped_and_explicit_ones_kept() {
        let openai = Capabilities::of(BackendKind::OpenAi);
        let spec = GenerateSpec {
            thinking: Some("high".into()),
            grounding: Grounding::Web,
            ..base()
        };
        let mut inherited = job(spec.clone());
        let notes = drop_inherited(&mut inherited, &openai, Explicit::default());
        assert_eq!(notes.len(), 2);
        assert!(check_job(&inherited, &openai).is_ok());
        let mut explicit = job(spec);
        let all = Explicit {
            thinking: true,
            grounding: true,
            safety: true,
            tier: true,
        };
        assert!(drop_inherited(&mut explicit, &openai, all).is_empty());
        assert!(check_job(&explicit, &openai).is_err());
        let mut vertex = job(base());
        assert!(
            drop_inherited(
                &mut vertex,
                &Capabilities::of(BackendKind::Vertex),
                Explicit::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_gateway_refuses_thinking_and_grounding() {
        let openai = Capabilities::of(BackendKind::OpenAi);
        assert!(check_job(&job(base()), &openai).is_ok());
        let thinking = job(GenerateSpec {
            thinking: Some("high".into()),
            ..base()
        });
        assert!(
            check_job(&thinking, &openai)
                .unwrap_err()
                .to_string()
                .contains("thinking")
        );
        let grounded = job(GenerateSpec {
            grounding: Grounding::Web,
            ..base()
        });
        assert!(check_job(&grounded, &openai).is_err());
        assert!(check_job(&grounded, &Capabilities::of(BackendKind::Vertex)).is_ok());
    }

    #[test]
    fn the_gateway_takes_only_the_standard_tier() {
        let openai = Capabilities::of(BackendKind::OpenAi);
        let flex = job(GenerateSpec {
            tier: Tier::Flex,
            ..base()
        });
        assert_eq!(
            serde_json::to_value(&flex.request).unwrap()["serviceTier"],
            "flex"
        );
        let refused = check_job(&flex, &openai).unwrap_err().to_string();
        assert!(refused.contains("standard"), "{refused}");
        assert!(check_job(&flex, &Capabilities::of(BackendKind::Vertex)).is_ok());
        let mut inherited = flex.clone();
        assert_eq!(
            drop_inherited(&mut inherited, &openai, Explicit::default()).len(),
            1
        );
        assert!(inherited.request.service_tier.is_none());
        let standard = job(base());
        assert!(serde_json::to_value(&standard.request).unwrap()["serviceTier"].is_null());
    }
}
