//! The settings' one vocabulary as text: every face receives settings as words (flags,
//! batch and story fields, MCP parameters, the workbench's fields) and turns them into a
//! [`SettingTexts`] with one `From`; [`SettingTexts::to_layer`] is where those words are
//! checked and become a typed [`SettingsLayer`].

use super::{Field, Grounding, SafetyMap, SeedMode, SettingsLayer, parse_fallback, parse_tier};
use crate::error::ValidationError;

/// Settings a preset can hold, as text from a face.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingTexts {
    /// Model id or alias.
    pub model: Option<String>,
    /// Aspect ratio, e.g. "16:9".
    pub aspect: Option<String>,
    /// Image size, e.g. "2K".
    pub size: Option<String>,
    /// Seed (the first one, in increment mode).
    pub seed: Option<i64>,
    /// random, fixed or increment.
    pub seed_mode: Option<String>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// off, web or image.
    pub grounding: Option<String>,
    /// standard, flex or priority.
    pub tier: Option<String>,
    /// The tier a shed flex request falls back to (only standard).
    pub fallback: Option<String>,
    /// `CATEGORY=THRESHOLD` entries.
    pub safety: Vec<String>,
    /// Anchors in shot, by name.
    pub with: Option<Vec<String>>,
}

impl SettingTexts {
    /// The layer these texts set; refuses the first bad grounding, tier, seed mode or
    /// safety value.
    pub fn to_layer(&self) -> Result<SettingsLayer, ValidationError> {
        let (layer, refused) = self.to_layer_each();
        match refused.into_iter().next() {
            Some((_, error)) => Err(error),
            None => Ok(layer),
        }
    }

    /// The layer of every value that reads, and each one that does not, with its field (in
    /// [`Field::ALL`] order): for faces that report every bad field at once.
    pub fn to_layer_each(&self) -> (SettingsLayer, Vec<(Field, ValidationError)>) {
        let mut refused = Vec::new();
        let grounding = kept(
            &mut refused,
            Field::Grounding,
            self.grounding.as_deref().map(Grounding::parse).transpose(),
        );
        let tier = kept(
            &mut refused,
            Field::Tier,
            self.tier.as_deref().map(parse_tier).transpose(),
        );
        let fallback = kept(
            &mut refused,
            Field::Fallback,
            self.fallback.as_deref().map(parse_fallback).transpose(),
        );
        let seed_mode = kept(
            &mut refused,
            Field::SeedMode,
            self.seed_mode.as_deref().map(SeedMode::parse).transpose(),
        );
        let safety = match SafetyMap::parse_all(&self.safety) {
            Ok(map) => map,
            Err(error) => {
                refused.push((Field::Safety, error));
                SafetyMap::default()
            }
        };
        let layer = SettingsLayer {
            model: self.model.clone(),
            aspect: self.aspect.clone(),
            size: self.size.clone(),
            thinking: self.thinking.clone(),
            grounding,
            tier,
            fallback,
            seed_mode,
            seed: self.seed,
            safety,
            with: self.with.clone(),
        };
        (layer, refused)
    }
}

/// The value of one field, or `None` with the refusal noted.
fn kept<T>(
    refused: &mut Vec<(Field, ValidationError)>,
    field: Field,
    result: Result<Option<T>, ValidationError>,
) -> Option<T> {
    result.unwrap_or_else(|error| {
        refused.push((field, error));
        None
    })
}

/// Anchor names as given (`--with Mira,Red-Mug`, repeated or comma-separated): trimmed,
/// blanks dropped, each name once (case-insensitively), in the order given.
pub fn parse_with(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_lists_are_split_trimmed_and_deduplicated() {
        let values = vec!["Mira, Red Mug".to_string(), "mira,,Dog ".to_string()];
        assert_eq!(parse_with(&values), vec!["Mira", "Red Mug", "Dog"]);
    }

    #[test]
    fn every_bad_field_is_reported_and_the_good_ones_kept() {
        let texts = SettingTexts {
            aspect: Some("16:9".into()),
            grounding: Some("sometimes".into()),
            tier: Some("flex".into()),
            fallback: Some("priority".into()),
            ..SettingTexts::default()
        };
        let (layer, refused) = texts.to_layer_each();
        let fields: Vec<Field> = refused.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [Field::Grounding, Field::Fallback]);
        assert_eq!(layer.aspect.as_deref(), Some("16:9"));
        assert!(layer.tier.is_some() && layer.grounding.is_none());
        let first = texts.to_layer().unwrap_err();
        assert_eq!(first.to_string(), refused[0].1.to_string());
    }
}
