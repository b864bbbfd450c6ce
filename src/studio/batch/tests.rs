//! Validation and planning of whole batch files.

use std::path::Path;

use super::file::{Format, RawBatch, parse};
use super::validate::validate;
use super::*;
use crate::config::DefaultsSection;
use crate::models::Registry;
use crate::studio::preset::PresetBook;

/// Validates with no presets and no roster.
pub(super) fn validate_plain(
    raw: RawBatch,
    registry: &Registry,
    config: &DefaultsSection,
) -> Result<Batch, BatchError> {
    let presets = PresetBook::default();
    let checks = Checks {
        registry,
        config,
        presets: &presets,
        anchors: None,
    };
    validate(raw, &checks)
}

fn check(text: &str) -> Result<Batch, BatchError> {
    let registry = Registry::shipped().unwrap();
    let raw = parse(Path::new("b.toml"), text, Format::Toml)?;
    validate_plain(raw, &registry, &DefaultsSection::default())
}

#[test]
fn defaults_fill_items_and_items_override() {
    let batch = check(
        r#"
[defaults]
model = "nano-banana-2"
aspect = "16:9"
size = "2K"
seed = 7
with = ["mira"]

[[item]]
prompt = "a fox"

[[item]]
key = "owl"
prompt = "an owl"
aspect = "1:1"
seed = 9
with = []
"#,
    )
    .unwrap();
    let [fox, owl] = &batch.items[..] else {
        panic!("two items expected")
    };
    assert_eq!(fox.model, "gemini-3.1-flash-image");
    assert_eq!(
        (fox.aspect.as_deref(), fox.size.as_str(), fox.seed),
        (Some("16:9"), "2K", 7)
    );
    assert_eq!(fox.key, "a-fox");
    assert_eq!(fox.with, vec!["mira"]);
    assert_eq!((owl.aspect.as_deref(), owl.seed), (Some("1:1"), 9));
    assert!(owl.with.is_empty());
    assert_eq!(owl.file_stem(batch.index_width()), "002_owl");
}

#[test]
fn every_problem_names_line_item_and_field() {
    let err = check(
        r#"
[defaults]
size = "4K"

[[item]]
prompt = "ok"

[[item]]
key = "bad ratio"
prompt = "x"
aspect = "7:3"

[[item]]
prompt = "y"
model = "nano-banana-pro"
size = "512"

[[item]]
prompt = "   "

[[item]]
prompt = "z"
model = "gemini-2.5-flash-image"
"#,
    )
    .unwrap_err();
    let text = err.to_string();
    // item 5's model was shut down (today is past its shutdown date), and it renders one size
    assert_eq!(err.issues.len(), 6, "{text}");
    assert!(
        text.contains("item 5 (z), field `model`") && text.contains("shut down on 2026-10-02"),
        "{text}"
    );
    assert!(
        text.contains("b.toml:9: item 2 (bad ratio), field `key`"),
        "{text}"
    );
    assert!(
        text.contains("b.toml:11: item 2 (bad ratio), field `aspect`: aspect ratio '7:3'"),
        "{text}"
    );
    assert!(
        text.contains("b.toml:16: item 3 (y), field `size`"),
        "{text}"
    );
    assert!(
        text.contains("item 4") && text.contains("field `prompt`"),
        "{text}"
    );
    // item 5's size comes from [defaults] on line 3, which the old model cannot take
    assert!(
        text.contains("b.toml:3: item 5 (z), field `size`"),
        "{text}"
    );
    assert!(text.contains("(value from [defaults])"), "{text}");
}

#[test]
fn keys_are_unique_and_derived_keys_avoid_explicit_ones() {
    let batch = check(
        "[[item]]\nprompt = \"red fox\"\n[[item]]\nprompt = \"red fox\"\n[[item]]\nkey = \"red-fox-3\"\nprompt = \"q\"\n[[item]]\nprompt = \"Red Fox!\"\n",
    )
    .unwrap();
    let keys: Vec<_> = batch.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["red-fox", "red-fox-2", "red-fox-3", "red-fox-4"]);
    let err =
        check("[[item]]\nkey = \"a\"\nprompt = \"x\"\n[[item]]\nkey = \"a\"\nprompt = \"y\"\n")
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("b.toml:5: item 2 (a), field `key`") && err.contains("unique"),
        "{err}"
    );
}

#[test]
fn matrix_items_follow_items_and_are_checked() {
    let batch = check(
        r#"
[[item]]
prompt = "cover"

[matrix]
prompt = "a {style} cat, {angle} view"
size = "1K"
[matrix.vars]
style = ["ink", "oil"]
angle = ["front", "side", "back"]
"#,
    )
    .unwrap();
    assert_eq!(batch.items.len(), 7);
    assert_eq!(batch.items[1].prompt, "a ink cat, front view");
    assert_eq!(batch.items[6].key, "oil-back");
    assert_eq!(batch.items[6].size, "1K");
    let err =
        check("[matrix]\nprompt = \"{s}\"\naspect = \"9:9\"\n[matrix.vars]\ns = [\"a\", \"b\"]\n")
            .unwrap_err();
    assert_eq!(err.issues.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("b.toml:3: item 1 (a), field `aspect`") && text.contains("[matrix: s=a]"),
        "{text}"
    );
    let err = check(
        "[[matrix]]\nprompt = \"{s}\"\n[matrix.vars]\ns = [\"a\"]\n[[matrix]]\nprompt = \"{t}\"\n\nsize = \"9K\"\n[matrix.vars]\nt = [\"b\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("b.toml:8: item 2 (b), field `size`"), "{err}");
}

#[test]
fn refs_resolve_against_the_file_and_must_be_images() {
    let dir = tempfile::tempdir().unwrap();
    image::RgbImage::new(4, 4)
        .save(dir.path().join("ref.png"))
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let file = dir.path().join("b.toml");
    let text = "[[item]]\nprompt = \"x\"\nrefs = [\"ref.png\"]\n[[item]]\nprompt = \"y\"\nrefs = [\"notes.txt\", \"missing.png\"]\n";
    let registry = Registry::shipped().unwrap();
    let raw = parse(&file, text, Format::Toml).unwrap();
    let err = validate_plain(raw, &registry, &DefaultsSection::default()).unwrap_err();
    assert_eq!(err.issues.len(), 2, "{err}");
    assert!(err.to_string().contains("missing.png"));
    let ok = "[[item]]\nprompt = \"x\"\nrefs = [\"ref.png\"]\n";
    let batch = validate_plain(
        parse(&file, ok, Format::Toml).unwrap(),
        &registry,
        &DefaultsSection::default(),
    )
    .unwrap();
    assert_eq!(batch.items[0].refs, vec![dir.path().join("ref.png")]);
}

#[test]
fn anchors_shape_is_checked() {
    let err = check("[[item]]\nprompt = \"x\"\nwith = [\"mira\", \"Mira\", \"\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("listed twice") && err.contains("cannot be empty"),
        "{err}"
    );
    let err = check("[[item]]\nprompt = \"x\"\nwith = \"mira\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.toml:3"), "{err}");
}

#[test]
fn jsonl_is_validated_like_toml() {
    let registry = Registry::shipped().unwrap();
    let text = "{\"prompt\": \"a\", \"size\": \"2K\"}\n{\"prompt\": \"b\", \"seed\": -4}\n";
    let raw = parse(Path::new("b.jsonl"), text, Format::Jsonl).unwrap();
    let err = validate_plain(raw, &registry, &DefaultsSection::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.jsonl:2: item 2 (b), field `seed`"), "{err}");
}

#[test]
fn config_defaults_come_last_and_plans_price_both_lanes() {
    let registry = Registry::shipped().unwrap();
    let config = DefaultsSection {
        size: Some("4K".into()),
        ..DefaultsSection::default()
    };
    let text = "[[item]]\nprompt = \"a\"\n[[item]]\nprompt = \"b\"\nsize = \"1K\"\n[[item]]\nprompt = \"c\"\nmodel = \"nano-banana-pro\"\nsize = \"1K\"\n";
    let raw = parse(Path::new("b.toml"), text, Format::Toml).unwrap();
    let batch = validate_plain(raw, &registry, &config).unwrap();
    assert_eq!(batch.items[0].size, "4K");
    let p = plan(&batch, &registry, 600, 4);
    assert_eq!((p.items, p.images, p.groups.len()), (3, 3, 3));
    let expected = 0.076 + 0.034 + 0.134;
    assert!(
        (p.interactive_usd - expected).abs() < 1e-9,
        "{}",
        p.interactive_usd
    );
    assert!(p.batch_usd < p.interactive_usd * 0.55 && p.batch_usd > p.interactive_usd * 0.45);
    assert!((p.estimated_seconds - 0.2).abs() < 1e-9);
}
