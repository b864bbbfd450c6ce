//! Flags, the chosen preset and `[defaults]` stacked into the settings in force.

use super::args::{GenFlags, SettingFlags};
use super::{CliError, Context};
use crate::error::ValidationError;
use crate::studio::preset::SettingsLayer;
use crate::studio::safety::SafetyMap;
use crate::studio::spec::{Grounding, SeedMode};

/// The layer the flags themselves set; refuses bad `--safety` values.
pub fn layer_from_flags(flags: &SettingFlags) -> Result<SettingsLayer, ValidationError> {
    Ok(SettingsLayer {
        model: flags.model.clone(),
        aspect: flags.aspect.clone(),
        size: flags.size.clone(),
        thinking: flags.thinking.clone(),
        grounding: flags
            .grounding
            .as_deref()
            .map(Grounding::parse)
            .transpose()?,
        seed_mode: flags
            .seed_mode
            .as_deref()
            .map(SeedMode::parse)
            .transpose()?,
        seed: flags.seed,
        safety: SafetyMap::parse_all(&flags.safety)?,
        with: flags.with.clone(),
    })
}

/// Stacks flags > `--preset` > `[defaults]`; an unknown preset is refused with the known ones.
pub fn resolve(ctx: &Context, flags: &GenFlags) -> Result<SettingsLayer, CliError> {
    let explicit = layer_from_flags(&flags.setting_flags())?;
    let defaults = SettingsLayer::from_defaults(&ctx.settings.config.defaults)?;
    let preset = match &flags.preset {
        Some(name) => Some(ctx.presets()?.require(name)?.clone()),
        None => None,
    };
    let middle = preset.map(|p| p.settings).unwrap_or_default();
    Ok(SettingsLayer::stack(&[&explicit, &middle, &defaults]))
}

/// Adds which preset was in force to a refusal (exit 2) from preparing the request.
pub fn explain(ctx: &Context, flags: &GenFlags, error: impl Into<CliError>) -> CliError {
    let error = error.into();
    let preset = flags
        .preset
        .as_deref()
        .and_then(|name| ctx.presets().ok()?.get(name).cloned());
    let Some(preset) = preset.filter(|_| error.code == 2) else {
        return error;
    };
    CliError {
        message: format!(
            "{} (preset '{}' from {} was in force: `peel preset show {}`)",
            error.message,
            preset.name,
            preset.file.display(),
            preset.name
        ),
        ..error
    }
}
