//! How a `SettingsLayer` is read from `[defaults]` and from a `GenerateSpec`, and how it lands
//! in one. The layer itself (stacking, departures) lives in `crate::settings`.

use crate::config::DefaultsSection;
use crate::error::ValidationError;
use crate::settings::{SafetyMap, SeedMode, SettingTexts, SettingsLayer};
use crate::studio::spec::GenerateSpec;

impl SettingsLayer {
    /// The `[defaults]` section as a layer; a bad value is refused naming its key.
    pub fn from_defaults(defaults: &DefaultsSection) -> Result<Self, ValidationError> {
        let texts = SettingTexts {
            model: defaults.model.clone(),
            aspect: defaults.aspect.clone(),
            size: defaults.size.clone(),
            thinking: defaults.thinking.clone(),
            grounding: defaults.grounding.clone(),
            tier: defaults.tier.clone(),
            fallback: defaults.fallback.clone(),
            ..SettingTexts::default()
        };
        let (layer, refused) = texts.to_layer_each();
        if let Some((field, error)) = refused.into_iter().next() {
            return Err(ValidationError::Config {
                message: format!("[defaults] {}: {error}", field.as_str()),
            });
        }
        Ok(Self {
            seed_mode: defaults.seed_mode,
            safety: defaults.safety.clone(),
            ..layer
        })
    }

    /// Every setting of a spec as a layer (e.g. the workbench's settings, to save as a preset).
    pub fn from_spec(spec: &GenerateSpec) -> Result<Self, ValidationError> {
        let with = spec.subjects.iter().map(|s| s.name.clone()).collect();
        Ok(Self {
            model: spec.model.clone(),
            aspect: spec.aspect.clone(),
            size: spec.size.clone(),
            thinking: spec.thinking.clone(),
            grounding: Some(spec.grounding),
            tier: Some(spec.tier),
            fallback: spec.fallback,
            seed_mode: Some(spec.seed_mode),
            seed: spec.seed,
            safety: SafetyMap::from_settings(&spec.safety)?,
            with: Some(with),
        })
    }

    /// Writes the settings this layer holds into `spec`; safety is merged per category.
    /// `with` names anchors only: the caller loads them into `spec.subjects` from the roster.
    pub fn apply_to(&self, spec: &mut GenerateSpec) {
        let set = |target: &mut Option<String>, value: &Option<String>| {
            if value.is_some() {
                target.clone_from(value);
            }
        };
        set(&mut spec.model, &self.model);
        set(&mut spec.aspect, &self.aspect);
        set(&mut spec.size, &self.size);
        set(&mut spec.thinking, &self.thinking);
        if let Some(grounding) = self.grounding {
            spec.grounding = grounding;
        }
        if let Some(tier) = self.tier {
            spec.tier = tier;
        }
        if self.fallback.is_some() {
            spec.fallback = self.fallback;
        }
        if let Some(mode) = self.seed_mode {
            spec.seed_mode = mode;
            if mode == SeedMode::Random {
                spec.seed = None;
            }
        }
        if self.seed.is_some() {
            spec.seed = self.seed;
        }
        if !self.safety.is_empty() {
            spec.safety
                .retain(|s| self.safety.get(&s.category).is_none());
            spec.safety.extend(self.safety.to_settings());
        }
    }
}

#[cfg(test)]
#[path = "layer_tests.rs"]
mod tests;
