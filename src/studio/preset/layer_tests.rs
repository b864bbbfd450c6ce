//! Settings layers: how flags, presets and defaults stack.

use super::*;
use crate::models::Registry;
use crate::settings::{
    Field, Grounding, HarmBlockThreshold, HarmCategory, SafetySetting, departures,
};

fn layer(text: &str) -> SettingsLayer {
    toml::from_str(text).unwrap()
}

#[test]
fn flags_win_over_preset_over_defaults() {
    let flags = layer("aspect = \"1:1\"");
    let preset = layer("aspect = \"16:9\"\nsize = \"2K\"\nmodel = \"nano-banana-pro\"");
    let defaults = layer("size = \"1K\"\nthinking = \"high\"\nmodel = \"nano-banana-2\"");
    let merged = SettingsLayer::stack(&[&flags, &preset, &defaults]);
    assert_eq!(merged.aspect.as_deref(), Some("1:1"));
    assert_eq!(merged.size.as_deref(), Some("2K"));
    assert_eq!(merged.model.as_deref(), Some("nano-banana-pro"));
    assert_eq!(merged.thinking.as_deref(), Some("high"));
    assert_eq!(SettingsLayer::stack(&[]), SettingsLayer::default());
}

#[test]
fn safety_merges_per_category() {
    let flags = layer("safety = { harassment = \"off\" }");
    let preset =
        layer("safety = { harassment = \"block_only_high\", hate-speech = \"block_none\" }");
    let defaults = layer("safety = { dangerous-content = \"block_low_and_above\" }");
    let merged = SettingsLayer::stack(&[&flags, &preset, &defaults]);
    assert_eq!(
        merged.safety.to_friendly(),
        vec![
            ("harassment".into(), "off".into()),
            ("hate-speech".into(), "block_none".into()),
            ("dangerous-content".into(), "block_low_and_above".into()),
        ]
    );
}

#[test]
fn seeds_follow_intent_across_layers() {
    let random = layer("seed_mode = \"random\"");
    let seeded = layer("seed = 5");
    let merged = seeded.over(&random);
    assert_eq!((merged.seed, merged.seed_mode), (Some(5), None));
    let merged = random.over(&seeded);
    assert_eq!(
        (merged.seed, merged.seed_mode),
        (None, Some(SeedMode::Random))
    );
    let fixed = layer("seed_mode = \"fixed\"\nseed = 9");
    let merged = seeded.over(&fixed);
    assert_eq!(
        (merged.seed, merged.seed_mode),
        (Some(5), Some(SeedMode::Fixed))
    );
}

#[test]
fn apply_to_sets_only_what_the_layer_holds() {
    let mut spec = GenerateSpec {
        prompt: "fox".into(),
        aspect: Some("1:1".into()),
        seed: Some(3),
        safety: vec![
            SafetySetting {
                category: HarmCategory::Harassment,
                threshold: HarmBlockThreshold::Off,
            },
            SafetySetting {
                category: HarmCategory::HateSpeech,
                threshold: HarmBlockThreshold::Off,
            },
        ],
        ..Default::default()
    };
    layer("size = \"2K\"\ngrounding = \"web\"\nsafety = { harassment = \"block_none\" }")
        .apply_to(&mut spec);
    assert_eq!(spec.aspect.as_deref(), Some("1:1"));
    assert_eq!(spec.size.as_deref(), Some("2K"));
    assert_eq!(spec.grounding, Grounding::Web);
    assert_eq!(spec.seed, Some(3));
    assert_eq!(spec.safety.len(), 2);
    assert!(spec.safety.contains(&SafetySetting {
        category: HarmCategory::Harassment,
        threshold: HarmBlockThreshold::BlockNone,
    }));
    layer("seed_mode = \"random\"").apply_to(&mut spec);
    assert_eq!((spec.seed, spec.seed_mode), (None, SeedMode::Random));
}

#[test]
fn from_spec_round_trips_through_apply_to() {
    let mut spec = GenerateSpec {
        prompt: "fox".into(),
        model: Some("nano-banana-pro".into()),
        size: Some("4K".into()),
        seed: Some(11),
        seed_mode: SeedMode::Fixed,
        ..Default::default()
    };
    let saved = SettingsLayer::from_spec(&spec).unwrap();
    assert_eq!(saved.with, Some(vec![]));
    let mut fresh = GenerateSpec::default();
    saved.apply_to(&mut fresh);
    spec.prompt.clear();
    assert_eq!(format!("{fresh:?}"), format!("{spec:?}"));
}

#[test]
fn departures_name_only_fields_the_preset_sets_and_current_changes() {
    let registry = Registry::shipped().unwrap();
    let preset = layer(
        "model = \"nano-banana-pro\"\naspect = \"16:9\"\nsafety = { harassment = \"off\" }\nwith = [\"Mira\", \"Tom\"]",
    );
    let same = layer(
        "model = \"gemini-3-pro-image\"\naspect = \"16:9\"\nsize = \"4K\"\nsafety = { harassment = \"off\", hate-speech = \"off\" }\nwith = [\"tom\", \"mira\"]",
    );
    assert!(departures(&preset, &same, &registry).is_empty());
    let changed = layer(
        "model = \"nano-banana-pro\"\naspect = \"1:1\"\nsafety = { harassment = \"block_none\" }\nwith = [\"Mira\"]",
    );
    assert_eq!(
        departures(&preset, &changed, &registry),
        vec![Field::Aspect, Field::Safety, Field::With]
    );
    let unset = SettingsLayer::default();
    assert_eq!(departures(&preset, &unset, &registry).len(), 4);
    assert!(departures(&SettingsLayer::default(), &changed, &registry).is_empty());
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let err = toml::from_str::<SettingsLayer>("aspect_ratio = \"1:1\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("aspect_ratio"), "{err}");
    let err = toml::from_str::<SettingsLayer>("seed_mode = \"often\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("often"), "{err}");
}

#[test]
fn summary_lists_what_is_set() {
    let l = layer(
        "model = \"nano-banana-pro\"\nseed_mode = \"fixed\"\nseed = 4\nsafety = { harassment = \"off\" }",
    );
    assert_eq!(
        l.summary(),
        "model=nano-banana-pro seed_mode=fixed seed=4 safety=harassment:off"
    );
}
