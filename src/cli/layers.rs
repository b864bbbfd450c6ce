//! Flags, the chosen preset and `[defaults]` stacked into the settings in force.

use super::args::{GenFlags, SettingFlags};
use super::context::Context;
use super::error::CliError;
use crate::error::ValidationError;
use crate::settings::{SettingTexts, SettingsLayer, parse_with};
use crate::studio::request::{self, GenRequest};

/// The layer the flags themselves set; refuses bad `--safety` values.
pub fn layer_from_flags(flags: &SettingFlags) -> Result<SettingsLayer, ValidationError> {
    SettingTexts::from(flags).to_layer()
}

impl From<&SettingFlags> for SettingTexts {
    fn from(flags: &SettingFlags) -> Self {
        SettingTexts {
            model: flags.model.clone(),
            aspect: flags.aspect.clone(),
            size: flags.size.clone(),
            seed: flags.seed,
            seed_mode: flags.seed_mode.clone(),
            thinking: flags.thinking.clone(),
            grounding: flags.grounding.clone(),
            tier: flags.tier.clone(),
            fallback: flags.fallback.clone(),
            safety: flags.safety.clone(),
            with: flags.with.as_deref().map(parse_with),
        }
    }
}

/// The engine's request from the generation flags.
pub fn request(flags: &GenFlags) -> GenRequest {
    GenRequest {
        settings: SettingTexts::from(&flags.settings),
        preset: flags.preset.clone(),
        refs: flags.refs.clone(),
        person_generation: flags.person_generation.clone(),
    }
}

/// Adds which preset was in force to a refusal (exit 2) from preparing the request.
pub fn explain(ctx: &Context, flags: &GenFlags, error: impl Into<CliError>) -> CliError {
    let error = error.into();
    if error.code != 2 {
        return error;
    }
    let Some(note) = request::preset_note(ctx, flags.preset.as_deref()) else {
        return error;
    };
    CliError {
        message: format!("{} {note}", error.message),
        ..error
    }
}
