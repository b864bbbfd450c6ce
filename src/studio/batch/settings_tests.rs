//! Presets in batch files: which layer wins, and refusals that point at the right line.

use std::collections::BTreeMap;
use std::path::Path;

use super::file::{Format, parse};
use super::validate::validate;
use super::*;
use crate::config::DefaultsSection;
use crate::models::Registry;
use crate::settings::SafetyMap;
use crate::studio::preset::{PresetBook, ProjectFile};

const PRESETS: &str = r#"
[presets.item-look]
aspect = "4:3"
size = "2K"

[presets.house]
model = "nano-banana-pro"
aspect = "3:2"
size = "4K"
seed = 22
safety = { harassment = "block_only_high" }

[presets.banner]
aspect = "8:1"
"#;

fn book() -> PresetBook {
    let file = ProjectFile::parse(PRESETS, Path::new("config.toml")).unwrap();
    PresetBook::from_parts(&file.presets, Path::new("config.toml"), None).unwrap()
}

fn config() -> DefaultsSection {
    DefaultsSection {
        model: Some("nano-banana-2".into()),
        aspect: Some("1:1".into()),
        safety: SafetyMap::parse_all(&["hate-speech=block_none"]).unwrap(),
        ..DefaultsSection::default()
    }
}

fn check(name: &str, text: &str) -> Result<Batch, BatchError> {
    let registry = Registry::shipped().unwrap();
    let format = Format::of(Path::new(name))?;
    let raw = parse(Path::new(name), text, format)?;
    let (presets, config) = (book(), config());
    let checks = Checks {
        registry: &registry,
        config: &config,
        presets: &presets,
        anchors: None,
    };
    validate(raw, &checks)
}

#[test]
fn item_field_beats_item_preset_beats_defaults_beats_defaults_preset() {
    let batch = check(
        "b.toml",
        r#"
[defaults]
preset = "house"
aspect = "21:9"
size = "1K"
seed = 33

[[item]]
key = "own"
prompt = "a fox"
preset = "item-look"
aspect = "16:9"

[[item]]
key = "plain"
prompt = "an owl"
"#,
    )
    .unwrap();
    let [own, plain] = &batch.items[..] else {
        panic!("two items expected")
    };
    // aspect: set by all four layers; the item's own field wins.
    assert_eq!(own.aspect.as_deref(), Some("16:9"));
    // size: item preset, defaults and defaults preset; the item's preset wins.
    assert_eq!(own.size, "2K");
    // seed: defaults and defaults preset; the file's field wins.
    assert_eq!(own.seed, 33);
    // model: defaults preset and config; the preset wins.
    assert_eq!(own.model, "gemini-3-pro-image");
    assert_eq!(own.preset.as_deref(), Some("item-look"));
    let plain_settings = (plain.aspect.as_deref(), plain.size.as_str(), plain.seed);
    assert_eq!(plain_settings, (Some("21:9"), "1K", 33));
    assert_eq!(plain.preset.as_deref(), Some("house"));
}

#[test]
fn preset_safety_merges_over_config_safety_per_category() {
    let batch = check(
        "b.toml",
        "[[item]]\nprompt = \"a fox\"\npreset = \"house\"\n[[item]]\nprompt = \"an owl\"\n",
    )
    .unwrap();
    let safety = |n: usize| {
        SafetyMap::from_settings(&batch.items[n].safety)
            .unwrap()
            .to_friendly()
            .into_iter()
            .collect::<BTreeMap<_, _>>()
    };
    let with_preset = safety(0);
    assert_eq!(with_preset.len(), 2, "{with_preset:?}");
    assert!(with_preset.keys().any(|c| c.contains("harassment")));
    assert!(with_preset.keys().any(|c| c.contains("hate")));
    assert_eq!(safety(1).len(), 1);
}

#[test]
fn preset_settings_reach_the_wire_request() {
    let registry = Registry::shipped().unwrap();
    let batch = check(
        "b.toml",
        "[[item]]\nprompt = \"a fox\"\npreset = \"house\"\n",
    )
    .unwrap();
    // Both lanes build their requests this way (`spec_with_roster` adds only anchors).
    let spec = batch.items[0].to_spec(Path::new("out"), Vec::new());
    assert_eq!(spec.preset.as_deref(), Some("house"));
    let jobs = crate::studio::spec::prepare(&spec, &registry).unwrap();
    let request = serde_json::to_value(&jobs[0].request).unwrap();
    let safety = request["safetySettings"].to_string();
    assert!(
        safety.contains("HARM_CATEGORY_HARASSMENT") && safety.contains("BLOCK_ONLY_HIGH"),
        "{request}"
    );
    assert!(safety.contains("HARM_CATEGORY_HATE_SPEECH"), "{request}");
    let image = request["generationConfig"]["imageConfig"].to_string();
    assert!(image.contains("3:2") && image.contains("4K"), "{request}");
    assert_eq!(jobs[0].settings.model, "gemini-3-pro-image");
}

#[test]
fn unknown_presets_name_the_line_field_and_the_known_presets() {
    let err = check(
        "b.toml",
        "[[item]]\nprompt = \"a fox\"\n\n[[item]]\nkey = \"owl\"\nprompt = \"an owl\"\npreset = \"hoose\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("b.toml:7: item 2 (owl), field `preset`: unknown preset 'hoose'"),
        "{err}"
    );
    assert!(
        err.contains("house (user)") && err.contains("item-look (user)"),
        "{err}"
    );
    let err = check(
        "b.toml",
        "[defaults]\nsize = \"1K\"\npreset = \"nope\"\n[[item]]\nprompt = \"a\"\n[[item]]\nprompt = \"b\"\n",
    )
    .unwrap_err();
    assert_eq!(err.issues.len(), 1, "reported once, not per item: {err}");
    let text = err.to_string();
    assert!(
        text.contains("b.toml:3: field `preset`: in [defaults]: unknown preset 'nope'"),
        "{text}"
    );
}

#[test]
fn a_preset_value_the_model_refuses_points_at_the_preset_line() {
    let err = check(
        "b.toml",
        "[defaults]\nmodel = \"nano-banana-pro\"\n\n[[item]]\nkey = \"wide\"\nprompt = \"a long banner\"\npreset = \"banner\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("b.toml:7: item 1 (wide), field `aspect`"),
        "{err}"
    );
    assert!(err.contains("(value from preset 'banner')"), "{err}");
    let err = check(
        "b.toml",
        "[defaults]\nmodel = \"nano-banana-pro\"\npreset = \"banner\"\n\n[[item]]\nprompt = \"a\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("b.toml:3: item 1 (a), field `aspect`")
            && err.contains("(value from preset 'banner' in [defaults])"),
        "{err}"
    );
}

#[test]
fn jsonl_takes_presets_in_items_and_in_the_defaults_line() {
    let batch = check(
        "b.jsonl",
        "{\"defaults\": {\"preset\": \"house\", \"size\": \"1K\"}}\n{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"preset\": \"item-look\", \"aspect\": \"16:9\"}\n",
    )
    .unwrap();
    let [a, b] = &batch.items[..] else {
        panic!("two items expected")
    };
    assert_eq!(
        (
            a.model.as_str(),
            a.aspect.as_deref(),
            a.size.as_str(),
            a.seed
        ),
        ("gemini-3-pro-image", Some("3:2"), "1K", 22)
    );
    assert_eq!((b.aspect.as_deref(), b.size.as_str()), (Some("16:9"), "2K"));
    assert_eq!(b.preset.as_deref(), Some("item-look"));
    let err = check(
        "b.jsonl",
        "{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\", \"preset\": \"nope\"}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("b.jsonl:3: item 2 (b), field `preset`: unknown preset 'nope'"),
        "{err}"
    );
    let err = check(
        "b.jsonl",
        "# presets\n{\"defaults\": {\"preset\": \"nope\"}}\n{\"prompt\": \"a\"}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("b.jsonl:2: field `preset`"), "{err}");
}

#[test]
fn matrices_take_a_preset_for_every_combination() {
    let batch = check(
        "b.toml",
        "[matrix]\nprompt = \"a {style} mug\"\npreset = \"item-look\"\n[matrix.vars]\nstyle = [\"ink\", \"oil\"]\n",
    )
    .unwrap();
    assert!(
        batch
            .items
            .iter()
            .all(|i| i.size == "2K" && i.preset.as_deref() == Some("item-look"))
    );
}
