//! Preparing specs: defaults from the registry, refusals before sending, consecutive
//! seeds, the shape of the request.

use super::*;

fn spec(prompt: &str) -> GenerateSpec {
    GenerateSpec {
        prompt: prompt.into(),
        count: 1,
        out_dir: "/tmp".into(),
        ..Default::default()
    }
}

#[test]
fn defaults_come_from_the_registry() {
    let registry = Registry::shipped().unwrap();
    let jobs = prepare(&spec("a fox"), &registry).unwrap();
    let job = &jobs[0];
    assert_eq!(job.settings.model, "gemini-nano-banana-2.1");
    assert_eq!(job.settings.size, "1K");
    assert!(json_has_no_tier(&job.request));
    let json = serde_json::to_value(&job.request).unwrap();
    assert_eq!(json["generationConfig"]["imageConfig"]["imageSize"], "1K");
    assert_eq!(json["contents"][0]["parts"][0]["text"], "a fox");
    assert!(
        json["generationConfig"]["imageConfig"]
            .get("aspectRatio")
            .is_none()
    );
}

fn json_has_no_tier(request: &GenerateContentRequest) -> bool {
    serde_json::to_value(request)
        .unwrap()
        .get("serviceTier")
        .is_none()
}

#[test]
fn a_shut_down_model_or_a_tier_the_model_lacks_is_refused() {
    let registry = Registry::shipped().unwrap();
    let bad = |s: GenerateSpec| prepare(&s, &registry).unwrap_err().to_string();
    let gone = bad(GenerateSpec {
        model: Some("nano-banana".into()),
        ..spec("x")
    });
    assert!(
        gone.contains("shut down") && gone.contains("--model gemini-nano-banana-2.1"),
        "{gone}"
    );
    let mut registry = Registry::shipped().unwrap();
    if let Some(m) = registry.models.get_mut("gemini-nano-banana-2.1") {
        m.tiers = vec!["standard".into()];
    }
    let flex = prepare(
        &GenerateSpec {
            tier: Tier::Flex,
            ..spec("x")
        },
        &registry,
    )
    .unwrap_err()
    .to_string();
    assert!(
        flex.contains("service tier 'flex'") && flex.contains("Allowed: standard"),
        "{flex}"
    );
    let fallback = prepare(
        &GenerateSpec {
            fallback: Some(Tier::Standard),
            ..spec("x")
        },
        &Registry::shipped().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(fallback.contains("--tier flex"), "{fallback}");
    let medium = prepare(
        &GenerateSpec {
            thinking: Some("medium".into()),
            tier: Tier::Priority,
            ..spec("x")
        },
        &Registry::shipped().unwrap(),
    )
    .unwrap();
    let json = serde_json::to_value(&medium[0].request).unwrap();
    assert_eq!(json["serviceTier"], "priority");
    assert_eq!(
        json["generationConfig"]["thinkingConfig"]["thinkingLevel"],
        "MEDIUM"
    );
}

#[test]
fn counts_get_consecutive_seeds() {
    let registry = Registry::shipped().unwrap();
    let jobs = prepare(
        &GenerateSpec {
            seed: Some(41),
            count: 3,
            ..spec("fox")
        },
        &registry,
    )
    .unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.settings.seed).collect::<Vec<_>>(),
        vec![41, 42, 43]
    );
}

#[test]
fn refuses_before_sending() {
    let registry = Registry::shipped().unwrap();
    let bad = |s: GenerateSpec| prepare(&s, &registry).unwrap_err().to_string();
    assert!(
        bad(GenerateSpec {
            aspect: Some("7:3".into()),
            ..spec("x")
        })
        .contains("7:3")
    );
    assert!(
        bad(GenerateSpec {
            size: Some("4k".into()),
            ..spec("x")
        })
        .contains("Allowed: 1K, 2K, 4K")
    );
    let pro = Some("nano-banana-pro".to_string());
    assert!(
        bad(GenerateSpec {
            model: pro.clone(),
            grounding: Grounding::Image,
            ..spec("x")
        })
        .contains("grounding")
    );
    assert!(
        bad(GenerateSpec {
            model: pro,
            thinking: Some("high".into()),
            ..spec("x")
        })
        .contains("thinking")
    );
    assert!(bad(spec("   ")).contains("empty"));
    assert!(
        bad(GenerateSpec {
            count: 99,
            ..spec("x")
        })
        .contains("batch")
    );
    assert!(
        bad(GenerateSpec {
            refs: vec!["/no/such.png".into()],
            ..spec("x")
        })
        .contains("/no/such.png")
    );
}

#[test]
fn grounding_and_fixed_size_shape_the_request() {
    let registry = Registry::shipped().unwrap();
    let jobs = prepare(
        &GenerateSpec {
            grounding: Grounding::Image,
            ..spec("x")
        },
        &registry,
    )
    .unwrap();
    let json = serde_json::to_value(&jobs[0].request).unwrap();
    assert_eq!(
        json["tools"][0]["googleSearch"]["searchTypes"]["imageSearch"],
        serde_json::json!({})
    );
    // a fixed-size model, as if it were still served
    let mut registry = registry;
    if let Some(m) = registry.models.get_mut("gemini-2.5-flash-image") {
        m.shutdown_on = None;
    }
    let old = GenerateSpec {
        model: Some("gemini-2.5-flash-image".into()),
        ..spec("x")
    };
    let json = serde_json::to_value(&prepare(&old, &registry).unwrap()[0].request).unwrap();
    assert!(
        json["generationConfig"]["imageConfig"]
            .get("imageSize")
            .is_none()
    );
    assert!(json["generationConfig"].get("thinkingConfig").is_none());
}
