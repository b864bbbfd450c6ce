//! Unit tests of the registry.

use super::*;

fn registry() -> Registry {
    Registry::shipped().expect("shipped registry parses")
}

#[test]
fn resolves_ids_aliases_and_prefixes() {
    let r = registry();
    assert_eq!(
        r.resolve("nano-banana-2").unwrap().id,
        "gemini-3.1-flash-image"
    );
    assert_eq!(
        r.resolve("Nano-Banana-Pro").unwrap().id,
        "gemini-3-pro-image"
    );
    assert_eq!(
        r.resolve("models/gemini-3-pro-image").unwrap().id,
        "gemini-3-pro-image"
    );
    assert_eq!(r.default_spec().id, "gemini-nano-banana-2.1");
    assert_eq!(
        r.resolve("nano-banana-2.1").unwrap().id,
        "gemini-nano-banana-2.1"
    );
    let err = r.resolve("gemini-9").unwrap_err().to_string();
    assert!(
        err.contains("gemini-9") && err.contains("peel models"),
        "{err}"
    );
}

#[test]
fn pixel_sizes_match_the_published_tables() {
    let r = registry();
    let flash = r.resolve("gemini-3.1-flash-image").unwrap();
    assert_eq!(flash.pixels("1:1", "512"), Some((512, 512)));
    assert_eq!(flash.pixels("16:9", "512"), Some((688, 384)));
    assert_eq!(flash.pixels("16:9", "2K"), Some((2752, 1536)));
    assert_eq!(flash.pixels("16:9", "4K"), Some((5504, 3072)));
    assert_eq!(flash.pixels("8:1", "4K"), Some((12288, 1536)));
    let old = r.resolve("gemini-2.5-flash-image").unwrap();
    assert_eq!(old.pixels("16:9", "1MP"), Some((1344, 768)));
}

#[test]
fn refuses_values_the_model_does_not_take() {
    let r = registry();
    let pro = r.resolve("gemini-3-pro-image").unwrap();
    let err = pro.check_aspect("8:1").unwrap_err().to_string();
    assert!(err.contains("8:1") && err.contains("16:9"), "{err}");
    assert!(pro.size("512").is_err());
    let err = r
        .resolve("gemini-3.1-flash-image")
        .unwrap()
        .size("1k")
        .unwrap_err()
        .to_string();
    assert!(err.contains("1k") && err.contains("1K"), "{err}");
    let old = r.resolve("gemini-2.5-flash-image").unwrap();
    assert!(
        old.size("2K")
            .unwrap_err()
            .to_string()
            .contains("fixed size")
    );
    assert!(pro.check_thinking("high").is_err());
    assert!(pro.check_grounding("image").is_err());
    assert!(
        r.resolve("gemini-3.1-flash-image")
            .unwrap()
            .check_grounding("image")
            .is_ok()
    );
}

#[test]
fn user_file_overrides_and_adds_models() {
    let user = r#"
        [models."my-model"]
        display_name = "Mine"
        pixels = "gemini3"
        aspect_ratios = ["1:1"]
        default_size = "1K"
        output_mime = "image/png"
        input_token_limit = 1000
        references = { characters = 1, objects = 1, images = 2 }
        prices = { input_per_million = 1.0, text_output_per_million = 1.0, image_output_per_million = 1.0 }
        sizes = [{ name = "1K", scale = 1.0, image_tokens = 10, usd = 0.5, batch_usd = 0.25 }]
    "#;
    let r = Registry::from_sources(&[("shipped", SHIPPED_MODELS), ("user", user)]).unwrap();
    assert_eq!(
        r.resolve("my-model").unwrap().pixels("1:1", "1K"),
        Some((1024, 1024))
    );
    assert!(r.resolve("gemini-3-pro-image").is_ok());
    let bad = Registry::from_sources(&[("user", "[models.x]\ncolour = 1")]).unwrap_err();
    assert!(bad.to_string().contains("user"), "{bad}");
}

#[test]
fn cost_follows_token_counts_and_lane() {
    let r = registry();
    let flash = r.resolve("gemini-3.1-flash-image").unwrap();
    let usage = UsageCounts {
        prompt_tokens: 0,
        image_output_tokens: 1120,
        text_output_tokens: 0,
    };
    let cost = flash.cost_from_usage(&usage, Lane::Interactive);
    assert!((cost - 0.0672).abs() < 1e-9, "{cost}");
    assert!((flash.cost_from_usage(&usage, Lane::Batch) - 0.0336).abs() < 1e-9);
    assert_eq!(flash.image_price(Some("4K"), Lane::Interactive), 0.151);
}

#[test]
fn nano_banana_2_1_is_the_default_and_renders_no_512() {
    let r = registry();
    let nb21 = r.default_spec();
    assert_eq!(nb21.aspect_ratios.len(), 14);
    assert!(nb21.size("512").is_err());
    assert_eq!(
        r.models_allowing_size("512"),
        vec!["gemini-3.1-flash-image"]
    );
    assert!(nb21.check_thinking("medium").is_ok());
    assert_eq!(nb21.default_thinking.as_deref(), Some("medium"));
    assert!(nb21.check_tier(Tier::Flex).is_ok());
    assert!(nb21.price_source.is_some());
    let old = r.resolve("gemini-2.5-flash-image").unwrap();
    assert!(old.check_tier(Tier::Flex).is_err());
}

#[test]
fn every_model_records_where_its_price_comes_from_and_its_successor_exists() {
    let r = registry();
    for m in r.models.values() {
        assert!(m.price_source.is_some(), "{} has no price_source", m.id);
        if let Some(next) = &m.successor {
            assert!(
                r.resolve(next).is_ok(),
                "{}: successor {next} unknown",
                m.id
            );
        }
        for tier in &m.tiers {
            assert!(tier.parse::<Tier>().is_ok(), "{}: tier {tier}", m.id);
        }
    }
    for m in r.text_models.values() {
        if let Some(next) = &m.successor {
            assert!(
                r.resolve_text(next).is_ok(),
                "{}: successor {next} unknown",
                m.id
            );
        }
    }
    let judge = r.default_text_spec();
    assert_eq!(judge.status, Status::Ga);
    assert_eq!(r.text_models["gemini-3.5-flash"].status, Status::Deprecated);
}

#[test]
fn a_broken_user_file_names_file_line_and_field_and_the_shipped_registry_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.toml");
    std::fs::write(
        &path,
        "# mine\n\n[models.\"x\"]\ndisplay_name = \"X\"\ncolour = 1\n",
    )
    .unwrap();
    let r = Registry::load(Some(&path)).unwrap();
    assert_eq!(r.default_model, "gemini-nano-banana-2.1");
    assert!(r.resolve("x").is_err());
    let warning = r.warnings.join("\n");
    assert!(
        warning.contains(&format!("{}:5", path.display())) && warning.contains("colour"),
        "{warning}"
    );
}
