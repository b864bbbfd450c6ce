//! The settings line: model, aspect ratio, size, seed, thinking, grounding and the
//! attached reference images, each cycled among what the selected model allows.

use std::path::PathBuf;

use crate::api::backend::Capabilities;
use crate::config::DefaultsSection;
use crate::models::{ModelSpec, Registry, Tier};
use crate::settings::{
    Grounding, SafetyMap, SafetySetting, SeedMode as SpecSeedMode, SettingsLayer,
};
use crate::tui::strings;

/// How the seed is chosen for each generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedMode {
    /// A new random seed every time.
    Random,
    /// The same seed every time.
    Fixed,
    /// The seed, then seed + 1, …
    Increment,
}

impl SeedMode {
    /// The word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Fixed => "fixed",
            Self::Increment => "increment",
        }
    }
}

/// The current generation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsState {
    /// Canonical model id.
    pub model: String,
    /// Aspect ratio; `None` lets the model choose.
    pub aspect: Option<String>,
    /// Size name.
    pub size: String,
    /// Seed mode.
    pub seed_mode: SeedMode,
    /// The seed used by fixed and increment modes.
    pub seed: i64,
    /// Thinking level; `None` is the model's default.
    pub thinking: Option<String>,
    /// Search grounding.
    pub grounding: Grounding,
    /// Service tier.
    pub tier: Tier,
    /// Reference images attached to the next generation.
    pub refs: Vec<PathBuf>,
    /// Safety thresholds from `[defaults] safety`.
    pub safety: Vec<SafetySetting>,
    /// The preset the settings came from, if one was picked.
    pub preset: Option<String>,
}

impl SettingsState {
    /// Settings from `[defaults]`, clamped to what the model allows.
    pub fn new(registry: &Registry, defaults: &DefaultsSection) -> Self {
        let model = defaults
            .model
            .as_deref()
            .and_then(|m| registry.resolve(m).ok())
            .unwrap_or_else(|| registry.default_spec());
        let mut s = Self {
            model: model.id.clone(),
            aspect: defaults.aspect.clone(),
            size: defaults.size.clone().unwrap_or_default(),
            seed_mode: match defaults.seed_mode {
                Some(crate::settings::SeedMode::Fixed) => SeedMode::Fixed,
                Some(crate::settings::SeedMode::Increment) => SeedMode::Increment,
                _ => SeedMode::Random,
            },
            seed: 1,
            thinking: defaults.thinking.clone(),
            grounding: defaults
                .grounding
                .as_deref()
                .and_then(|g| Grounding::parse(g).ok())
                .unwrap_or_default(),
            tier: defaults
                .tier
                .as_deref()
                .and_then(|t| t.parse().ok())
                .unwrap_or_default(),
            refs: Vec::new(),
            safety: defaults.safety.to_settings(),
            preset: None,
        };
        s.clamp(model);
        s
    }

    /// Settings from a stack of layers (a preset over `[defaults]`), clamped to the model.
    pub fn from_layer(registry: &Registry, layer: &SettingsLayer) -> Self {
        let mut s = Self::new(registry, &DefaultsSection::default());
        if let Some(model) = layer
            .model
            .as_deref()
            .and_then(|m| registry.resolve(m).ok())
        {
            s.model = model.id.clone();
        }
        s.aspect = layer.aspect.clone();
        if let Some(size) = &layer.size {
            s.size = size.clone();
        }
        s.thinking = layer.thinking.clone();
        s.grounding = layer.grounding.unwrap_or_default();
        s.tier = layer.tier.unwrap_or_default();
        s.seed_mode = match layer.seed_mode {
            Some(SpecSeedMode::Fixed) => SeedMode::Fixed,
            Some(SpecSeedMode::Increment) => SeedMode::Increment,
            Some(SpecSeedMode::Random) => SeedMode::Random,
            None if layer.seed.is_some() => SeedMode::Increment,
            None => SeedMode::Random,
        };
        if let Some(seed) = layer.seed {
            s.seed = seed;
        }
        s.safety = layer.safety.to_settings();
        let spec = s.spec(registry).clone();
        s.clamp(&spec);
        s
    }

    /// The settings in force as a layer (to compare with a preset or save as one).
    pub fn as_layer(&self, in_shot: Vec<String>) -> SettingsLayer {
        let seed_mode = match self.seed_mode {
            SeedMode::Random => SpecSeedMode::Random,
            SeedMode::Fixed => SpecSeedMode::Fixed,
            SeedMode::Increment => SpecSeedMode::Increment,
        };
        SettingsLayer {
            model: Some(self.model.clone()),
            aspect: self.aspect.clone(),
            size: Some(self.size.clone()),
            thinking: self.thinking.clone(),
            grounding: Some(self.grounding),
            tier: Some(self.tier),
            fallback: None,
            seed_mode: Some(seed_mode),
            seed: (self.seed_mode != SeedMode::Random).then_some(self.seed),
            safety: SafetyMap::from_settings(&self.safety).unwrap_or_default(),
            with: Some(in_shot),
        }
    }

    /// Switches to `model` (an edit session's model) when the registry knows it.
    pub fn use_model(&mut self, registry: &Registry, model: &str) {
        if let Ok(spec) = registry.resolve(model) {
            self.model = spec.id.clone();
            self.clamp(spec);
        }
    }

    /// The selected model's spec.
    pub fn spec<'r>(&self, registry: &'r Registry) -> &'r ModelSpec {
        registry
            .resolve(&self.model)
            .unwrap_or_else(|_| registry.default_spec())
    }

    /// Drops values the model does not take.
    pub fn clamp(&mut self, model: &ModelSpec) {
        if self
            .aspect
            .as_ref()
            .is_some_and(|a| !model.aspect_ratios.contains(a))
        {
            self.aspect = None;
        }
        if !model.sizes.iter().any(|s| s.name == self.size) || model.fixed_size {
            self.size = model.default_size.clone();
        }
        if self.thinking.as_ref().is_some_and(|t| {
            !model
                .thinking_levels
                .iter()
                .any(|l| l.eq_ignore_ascii_case(t))
        }) {
            self.thinking = None;
        }
        let allowed = match self.grounding {
            Grounding::Off => true,
            g => model.grounding.iter().any(|k| k == g.as_str()),
        };
        if !allowed {
            self.grounding = Grounding::Off;
        }
        if model.check_tier(self.tier).is_err() {
            self.tier = Tier::Standard;
        }
    }

    /// Next model in the registry that the service still serves; other settings follow
    /// what it allows.
    pub fn cycle_model(&mut self, registry: &Registry) {
        let today = crate::models::today();
        let ids: Vec<&String> = registry
            .models
            .values()
            .filter(|m| m.lifecycle().check_served(today).is_ok() || m.id == self.model)
            .map(|m| &m.id)
            .collect();
        let pos = ids.iter().position(|id| **id == self.model).unwrap_or(0);
        let next = ids[(pos + 1) % ids.len()].clone();
        self.model = next;
        let spec = self.spec(registry).clone();
        self.clamp(&spec);
    }

    /// Next aspect ratio ("auto" first); false when the model offers no choice.
    pub fn cycle_aspect(&mut self, model: &ModelSpec) -> bool {
        let mut options: Vec<Option<String>> = vec![None];
        options.extend(model.aspect_ratios.iter().cloned().map(Some));
        self.aspect = next(&options, &self.aspect);
        options.len() > 1
    }

    /// Next size; false when the model renders one size.
    pub fn cycle_size(&mut self, model: &ModelSpec) -> bool {
        if model.fixed_size || model.sizes.len() < 2 {
            return false;
        }
        let options: Vec<String> = model.sizes.iter().map(|s| s.name.clone()).collect();
        self.size = next(&options, &self.size);
        true
    }

    /// Next seed mode.
    pub fn cycle_seed(&mut self) {
        self.seed_mode = match self.seed_mode {
            SeedMode::Random => SeedMode::Fixed,
            SeedMode::Fixed => SeedMode::Increment,
            SeedMode::Increment => SeedMode::Random,
        };
    }

    /// A new seed (a pseudo-random step from the current one); random mode becomes fixed.
    pub fn reroll_seed(&mut self) {
        let mut z = (self.seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        self.seed = (z % i32::MAX as u64) as i64;
        if self.seed_mode == SeedMode::Random {
            self.seed_mode = SeedMode::Fixed;
        }
    }

    /// Drops what the backend cannot do (a gateway has no thinking level or grounding).
    pub fn within(mut self, caps: &Capabilities) -> Self {
        if !caps.supports_thinking {
            self.thinking = None;
        }
        if !caps.supports_grounding {
            self.grounding = Grounding::Off;
        }
        if !caps.supports_service_tiers {
            self.tier = Tier::Standard;
        }
        self
    }

    /// Next thinking level; false when the model has none.
    pub fn cycle_thinking(&mut self, model: &ModelSpec) -> bool {
        if model.thinking_levels.is_empty() {
            return false;
        }
        let mut options: Vec<Option<String>> = vec![None];
        options.extend(model.thinking_levels.iter().cloned().map(Some));
        self.thinking = next(&options, &self.thinking);
        true
    }

    /// Next service tier the model takes; false when it takes only one.
    pub fn cycle_tier(&mut self, model: &ModelSpec) -> bool {
        let options: Vec<Tier> = model.tiers.iter().filter_map(|t| t.parse().ok()).collect();
        if options.len() < 2 {
            return false;
        }
        self.tier = next(&options, &self.tier);
        true
    }

    /// Next grounding; false when the model offers none.
    pub fn cycle_grounding(&mut self, model: &ModelSpec) -> bool {
        let mut options = vec![Grounding::Off];
        for kind in [Grounding::Web, Grounding::Image] {
            if model.grounding.iter().any(|g| g == kind.as_str()) {
                options.push(kind);
            }
        }
        self.grounding = next(&options, &self.grounding);
        options.len() > 1
    }

    /// The seed the next request will use, without moving the increment on.
    pub fn peek_seed(&self) -> Option<i64> {
        match self.seed_mode {
            SeedMode::Random => None,
            SeedMode::Fixed | SeedMode::Increment => Some(self.seed),
        }
    }

    /// The seed for the next request, moving the increment on.
    pub fn take_seed(&mut self) -> Option<i64> {
        match self.seed_mode {
            SeedMode::Random => None,
            SeedMode::Fixed => Some(self.seed),
            SeedMode::Increment => {
                let seed = self.seed;
                self.seed = (self.seed + 1) % i32::MAX as i64;
                Some(seed)
            }
        }
    }

    /// Remembers the seed a job used, so switching to fixed keeps the last picture's seed.
    pub fn note_seed(&mut self, seed: i64) {
        if self.seed_mode == SeedMode::Random {
            self.seed = seed;
        }
    }
}

fn next<T: Clone + PartialEq>(options: &[T], current: &T) -> T {
    let pos = options.iter().position(|o| o == current);
    match pos {
        Some(p) => options[(p + 1) % options.len()].clone(),
        None => options[0].clone(),
    }
}

/// A short model name: "Nano Banana 2" becomes "NB 2".
pub fn short_model_name(spec: &ModelSpec) -> String {
    let (long, short) = strings::MODEL_FAMILY_SHORT;
    spec.display_name.replace(long, short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::shipped().unwrap()
    }

    #[test]
    fn cycling_stays_within_what_the_model_allows() {
        let r = registry();
        let mut s = SettingsState::new(&r, &DefaultsSection::default());
        assert_eq!(s.model, "gemini-nano-banana-2.1");
        let flash = s.spec(&r).clone();
        assert_eq!(s.tier, Tier::Standard);
        assert!(s.cycle_tier(&flash));
        assert_eq!(s.tier, Tier::Flex);
        assert!(s.cycle_aspect(&flash));
        assert_eq!(s.aspect.as_deref(), Some("1:1"));
        assert!(s.cycle_size(&flash));
        assert_eq!(s.size, "2K");
        assert!(s.cycle_thinking(&flash));
        assert_eq!(s.thinking.as_deref(), Some("minimal"));
        assert!(s.cycle_grounding(&flash));
        assert!(s.cycle_grounding(&flash));
        assert_eq!(s.grounding, Grounding::Image);
        s.aspect = Some("8:1".into());
        let pro = r.resolve("gemini-3-pro-image").unwrap();
        s.model = pro.id.clone();
        s.clamp(pro);
        assert_eq!(s.aspect, None);
        assert_eq!(s.thinking, None);
        assert_eq!(s.grounding, Grounding::Off);
        assert!(!s.cycle_thinking(pro));
        assert_eq!(s.tier, Tier::Flex, "Pro takes flex too");
        let old = r.resolve("gemini-2.5-flash-image").unwrap();
        assert!(!s.cycle_size(old));
        s.clamp(old);
        assert_eq!(s.tier, Tier::Standard, "the old model takes only standard");
        assert!(!s.cycle_tier(old));
    }

    #[test]
    fn cycling_models_skips_those_shut_down() {
        let r = registry();
        let mut s = SettingsState::new(&r, &DefaultsSection::default());
        let mut seen = Vec::new();
        for _ in 0..r.models.len() * 2 {
            s.cycle_model(&r);
            seen.push(s.model.clone());
        }
        assert!(
            !seen.iter().any(|m| m == "gemini-2.5-flash-image"),
            "{seen:?}"
        );
        assert!(seen.iter().any(|m| m == "gemini-3-pro-image"), "{seen:?}");
    }

    #[test]
    fn seed_modes() {
        let r = registry();
        let mut s = SettingsState::new(&r, &DefaultsSection::default());
        s.note_seed(40);
        assert_eq!(s.take_seed(), None);
        s.cycle_seed();
        assert_eq!((s.take_seed(), s.take_seed()), (Some(40), Some(40)));
        s.cycle_seed();
        assert_eq!((s.take_seed(), s.take_seed()), (Some(40), Some(41)));
        s.cycle_seed();
        assert_eq!(s.seed_mode, SeedMode::Random);
        s.reroll_seed();
        assert_eq!(s.seed_mode, SeedMode::Fixed);
        assert_ne!(s.seed, 42);
    }

    #[test]
    fn defaults_from_config_are_clamped() {
        let r = registry();
        let defaults = DefaultsSection {
            model: Some("nano-banana-pro".into()),
            aspect: Some("8:1".into()),
            size: Some("4K".into()),
            thinking: Some("high".into()),
            grounding: Some("web".into()),
            ..Default::default()
        };
        let s = SettingsState::new(&r, &defaults);
        assert_eq!(s.model, "gemini-3-pro-image");
        assert_eq!((s.aspect.clone(), s.size.as_str()), (None, "4K"));
        assert_eq!((s.thinking.clone(), s.grounding), (None, Grounding::Web));
    }
}
