//! `peel generate` refusing and failing as a user meets it, against the simulator: bad
//! settings refused before any request, each service error in its own words, transient
//! failures retried, a wrong key explained (and never written), an unknown model's 404.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Sim, World, stderr};

#[test]
fn invalid_settings_are_refused_before_any_request() {
    let mut world = World::new();
    // Nothing listens here: a request would fail with a network error, not a validation error.
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9");
    let cases: [(&[&str], &str); 6] = [
        (&["--aspect", "7:3"], "7:3"),
        (&["--size", "1k"], "Allowed: 1K, 2K, 4K"),
        (&["--model", "nano-banana-pro", "--size", "512"], "512"),
        (&["--model", "gemini-9-ultra"], "peel models"),
        (
            &["--model", "nano-banana-pro", "--grounding", "image"],
            "grounding",
        ),
        (
            &["--model", "gemini-2.5-flash-image", "--size", "2K"],
            "shut down on 2026-10-02",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["generate", "a fox"];
        args.extend_from_slice(flags);
        let out = world.run(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{flags:?}: {err}");
        assert!(
            !err.contains("network"),
            "{flags:?} reached the network: {err}"
        );
    }
    let json = world.run(&["generate", "a fox", "--aspect", "7:3", "--json"]);
    let body: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(body["error"]["kind"], "validation");
}

#[test]
fn service_errors_each_have_their_own_message() {
    let world = World::new();
    let cases = [
        ("429-free-tier", "billing", "billing_required"),
        ("image-safety", "safety filter", "safety_blocked"),
        ("prompt-blocked", "prompt was blocked", "prompt_blocked"),
        ("no-image", "no image", "no_image"),
    ];
    for (fault, text, kind) in cases {
        let mut w = World::new();
        w.set("PEEL_SIM_FAULTS", fault);
        let out = w.run(&[
            "generate",
            "a fox",
            "--json",
            "--out",
            w.out().to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{fault}");
        let err = stderr(&out);
        assert!(err.to_lowercase().contains(text), "{fault}: {err}");
        assert!(
            !err.contains("retrying"),
            "{fault} must not be retried: {err}"
        );
        let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(body["error"]["kind"], kind, "{fault}");
        assert!(
            std::fs::read_dir(w.out()).unwrap().next().is_none(),
            "{fault}: nothing saved"
        );
    }
    drop(world);
}

#[test]
fn transient_failures_are_retried_until_they_pass() {
    for fault in ["503:2", "500:1", "429:2", "html:1"] {
        let mut world = World::new();
        world.set("PEEL_SIM_FAULTS", fault);
        let out = world.run(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
        let err = stderr(&out);
        assert!(out.status.success(), "{fault}: {err}");
        assert!(err.contains("retrying"), "{fault}: {err}");
        let history = world.json(&["history"]);
        let expected = fault.split(':').nth(1).unwrap().parse::<u64>().unwrap() + 1;
        assert_eq!(history["jobs"][0]["attempts"], expected, "{fault}");
    }
    // A cut-off answer: the event stream is reopened after the last event it had, so the
    // job is neither re-sent nor billed twice; generate-content sends it again.
    for (transport, attempts) in [("interactions", 1), ("generate-content", 2)] {
        let mut world = World::new();
        world.set("PEEL_SIM_FAULTS", "truncated:1");
        let out = world.run(&[
            "--transport",
            transport,
            "generate",
            "a fox",
            "--out",
            world.out().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{transport}: {}", stderr(&out));
        let history = world.json(&["history"]);
        assert_eq!(history["jobs"][0]["attempts"], attempts, "{transport}");
        assert_eq!(
            std::fs::read_dir(world.out()).unwrap().count(),
            2,
            "image + sidecar"
        );
    }
    let mut world = World::new();
    world.set("PEEL_SIM_FAULTS", "503");
    let out = world.run(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("try again shortly"),
        "{}",
        stderr(&out)
    );
    assert_eq!(world.json(&["history"])["jobs"][0]["attempts"], 5);
}

#[test]
fn a_wrong_key_is_explained_and_no_key_is_ever_written() {
    let mut world = World::new();
    let secret = "test-only-secret-key-0123456789abcdef";
    let sim = Sim::start(&world, &["--key", secret]);
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "wrong-key");
    let out = world.run(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("API key was rejected") && err.contains("GEMINI_API_KEY"),
        "{err}"
    );
    assert!(!err.contains("wrong-key"), "{err}");

    world.set("GEMINI_API_KEY", "also-wrong");
    world.set("GOOGLE_API_KEY", secret);
    let body = world.json(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
    assert_eq!(
        body["backend"], "gemini",
        "GOOGLE_API_KEY wins over GEMINI_API_KEY"
    );
    assert!(!stderr(&world.run(&["history"])).contains("offline"));
    for file in world.files() {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(secret),
            "{} contains the key",
            file.display()
        );
    }
}

#[test]
fn a_model_the_service_does_not_know_gets_a_404_with_advice() {
    let mut world = World::new();
    // The simulator serves the shipped registry; this world's registry adds a model it lacks.
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &[]);
    std::fs::write(
        world.root.path().join("config/models.toml"),
        r#"[models."gemini-9-image"]
display_name = "Imaginary"
pixels = "gemini3"
aspect_ratios = ["1:1"]
default_size = "1K"
output_mime = "image/png"
input_token_limit = 1000
references = { characters = 1, objects = 1, images = 2 }
prices = { input_per_million = 1.0, text_output_per_million = 1.0, image_output_per_million = 1.0 }
sizes = [{ name = "1K", scale = 1.0, image_tokens = 10, usd = 0.5, batch_usd = 0.25 }]
"#,
    )
    .unwrap();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    let out = world.run(&["generate", "a fox", "--model", "gemini-9-image", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "model_not_found has its own exit code"
    );
    let err = stderr(&out);
    assert!(
        err.contains("gemini-9-image") && err.contains("peel models"),
        "{err}"
    );
    assert!(!err.contains("retrying"), "404 is not retried: {err}");
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["error"]["kind"], "model_not_found");
}
