//! `SettingsLayer`: one layer of generation settings (flags, a preset, `[defaults]`), how
//! layers stack, and where settings depart from a preset.

use serde::{Deserialize, Serialize};

use super::{Grounding, SafetyMap, SeedMode};
use crate::models::{Registry, Tier};

/// One layer of generation settings; `None` (or an empty `safety`) leaves a setting to the
/// layers below. The same shape is a `[presets.NAME]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettingsLayer {
    /// Model id or alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Aspect ratio, e.g. "16:9".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<String>,
    /// Image size, e.g. "2K".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Thinking level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Search grounding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grounding: Option<Grounding>,
    /// Service tier: standard, flex or priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The tier a shed flex request is re-sent at after its window (only `standard`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Tier>,
    /// How seeds are chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed_mode: Option<SeedMode>,
    /// The seed (or the first one, in increment mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Safety thresholds, merged per category with the layers below.
    #[serde(skip_serializing_if = "SafetyMap::is_empty")]
    pub safety: SafetyMap,
    /// Anchor names in shot; `Some(vec![])` means nobody.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<Vec<String>>,
}

/// A setting a layer can hold, for departures and provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// `model`
    Model,
    /// `aspect`
    Aspect,
    /// `size`
    Size,
    /// `thinking`
    Thinking,
    /// `grounding`
    Grounding,
    /// `tier`
    Tier,
    /// `fallback`
    Fallback,
    /// `seed_mode`
    SeedMode,
    /// `seed`
    Seed,
    /// `safety`
    Safety,
    /// `with`
    With,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 11] = [
        Field::Model,
        Field::Aspect,
        Field::Size,
        Field::Thinking,
        Field::Grounding,
        Field::Tier,
        Field::Fallback,
        Field::SeedMode,
        Field::Seed,
        Field::Safety,
        Field::With,
    ];

    /// The key used in preset files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Aspect => "aspect",
            Self::Size => "size",
            Self::Thinking => "thinking",
            Self::Grounding => "grounding",
            Self::Tier => "tier",
            Self::Fallback => "fallback",
            Self::SeedMode => "seed_mode",
            Self::Seed => "seed",
            Self::Safety => "safety",
            Self::With => "with",
        }
    }
}

impl SettingsLayer {
    /// True when the layer sets nothing.
    pub fn is_empty(&self) -> bool {
        Field::ALL.iter().all(|f| !self.sets(*f))
    }

    /// Whether this layer sets `field`.
    pub fn sets(&self, field: Field) -> bool {
        match field {
            Field::Model => self.model.is_some(),
            Field::Aspect => self.aspect.is_some(),
            Field::Size => self.size.is_some(),
            Field::Thinking => self.thinking.is_some(),
            Field::Grounding => self.grounding.is_some(),
            Field::Tier => self.tier.is_some(),
            Field::Fallback => self.fallback.is_some(),
            Field::SeedMode => self.seed_mode.is_some(),
            Field::Seed => self.seed.is_some(),
            Field::Safety => !self.safety.is_empty(),
            Field::With => self.with.is_some(),
        }
    }

    /// This layer's settings, with `lower`'s where this one sets nothing.
    ///
    /// Seeds follow intent: a seed given above a lower `random` mode switches to the default
    /// mode (increment), and a `random` mode given above a lower seed drops that seed.
    pub fn over(&self, lower: &Self) -> Self {
        let mut seed_mode = self.seed_mode.or(lower.seed_mode);
        let mut seed = self.seed.or(lower.seed);
        if self.seed.is_some() && self.seed_mode.is_none() && seed_mode == Some(SeedMode::Random) {
            seed_mode = None;
        }
        if self.seed_mode == Some(SeedMode::Random) && self.seed.is_none() {
            seed = None;
        }
        Self {
            model: self.model.clone().or_else(|| lower.model.clone()),
            aspect: self.aspect.clone().or_else(|| lower.aspect.clone()),
            size: self.size.clone().or_else(|| lower.size.clone()),
            thinking: self.thinking.clone().or_else(|| lower.thinking.clone()),
            grounding: self.grounding.or(lower.grounding),
            tier: self.tier.or(lower.tier),
            fallback: self.fallback.or(lower.fallback),
            seed_mode,
            seed,
            safety: self.safety.over(&lower.safety),
            with: self.with.clone().or_else(|| lower.with.clone()),
        }
    }

    /// Stacks layers given highest first: e.g. `[flags, preset, defaults]`.
    pub fn stack(layers: &[&SettingsLayer]) -> SettingsLayer {
        layers
            .iter()
            .rev()
            .fold(SettingsLayer::default(), |below, layer| layer.over(&below))
    }

    /// What the layer sets, in display order, as `(field, "value")` text.
    pub fn entries(&self) -> Vec<(Field, String)> {
        let joined = |items: Vec<String>| items.join(",");
        Field::ALL
            .into_iter()
            .filter_map(|field| {
                let text = match field {
                    Field::Model => self.model.clone(),
                    Field::Aspect => self.aspect.clone(),
                    Field::Size => self.size.clone(),
                    Field::Thinking => self.thinking.clone(),
                    Field::Grounding => self.grounding.map(|g| g.as_str().to_string()),
                    Field::Tier => self.tier.map(|t| t.as_str().to_string()),
                    Field::Fallback => self.fallback.map(|t| t.as_str().to_string()),
                    Field::SeedMode => self.seed_mode.map(|m| m.as_str().to_string()),
                    Field::Seed => self.seed.map(|s| s.to_string()),
                    Field::Safety => (!self.safety.is_empty()).then(|| {
                        joined(
                            self.safety
                                .to_friendly()
                                .into_iter()
                                .map(|(c, t)| format!("{c}:{t}"))
                                .collect(),
                        )
                    }),
                    Field::With => self.with.clone().map(joined),
                }?;
                Some((field, text))
            })
            .collect()
    }

    /// A one-line summary: `model=nano-banana-pro aspect=4:5 safety=harassment:off`.
    pub fn summary(&self) -> String {
        self.entries()
            .into_iter()
            .map(|(field, text)| format!("{}={text}", field.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The fields `preset` sets that `current` (the settings in force) does not match.
/// Fields the preset leaves unset never depart; models compare by canonical id.
pub fn departures(
    preset: &SettingsLayer,
    current: &SettingsLayer,
    registry: &Registry,
) -> Vec<Field> {
    let model_id = |name: &Option<String>| {
        name.as_deref().map(|n| {
            registry
                .resolve(n)
                .map_or_else(|_| n.trim().to_ascii_lowercase(), |m| m.id.clone())
        })
    };
    let same_text = |a: &Option<String>, b: &Option<String>| {
        a.as_deref().map(str::trim) == b.as_deref().map(str::trim)
    };
    let same_thinking = |a: &Option<String>, b: &Option<String>| {
        a.as_deref().map(str::to_ascii_lowercase) == b.as_deref().map(str::to_ascii_lowercase)
    };
    let same_with = |a: &Option<Vec<String>>, b: &Option<Vec<String>>| {
        let norm = |v: &Option<Vec<String>>| {
            let mut names: Vec<String> = v
                .iter()
                .flatten()
                .map(|n| n.trim().to_lowercase())
                .collect();
            names.sort();
            names
        };
        norm(a) == norm(b)
    };
    Field::ALL
        .into_iter()
        .filter(|field| preset.sets(*field))
        .filter(|field| match field {
            Field::Model => model_id(&preset.model) != model_id(&current.model),
            Field::Aspect => !same_text(&preset.aspect, &current.aspect),
            Field::Size => !same_text(&preset.size, &current.size),
            Field::Thinking => !same_thinking(&preset.thinking, &current.thinking),
            Field::Grounding => {
                preset.grounding.unwrap_or_default() != current.grounding.unwrap_or_default()
            }
            Field::Tier => preset.tier.unwrap_or_default() != current.tier.unwrap_or_default(),
            Field::Fallback => preset.fallback != current.fallback,
            Field::SeedMode => {
                preset.seed_mode.unwrap_or_default() != current.seed_mode.unwrap_or_default()
            }
            Field::Seed => preset.seed != current.seed,
            Field::Safety => !preset.safety.differing(&current.safety).is_empty(),
            Field::With => !same_with(&preset.with, &current.with),
        })
        .collect()
}
