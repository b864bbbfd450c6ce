//! OpenAI-compatible gateways against the simulator's `/v1/images/*`: text-to-image,
//! single-step edits (one or more images), what the gateway cannot do, and error mapping.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Sim, World, pixel_size, stderr};
use serde_json::Value;

const KEY: &str = "gateway-key";

/// A world whose config points the OpenAI backend at `sim` with `key`.
fn gateway_world(sim: &Sim, key: &str) -> World {
    let world = World::new();
    world.add_config(&format!(
        "[api]\nbackend = \"openai\"\n\n[openai]\nbase_url = \"{}\"\napi_key = \"{key}\"",
        sim.url
    ));
    world
}

fn failure(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn text_to_image_goes_to_images_generations() {
    let sim = Sim::start(&World::new(), &["--key", KEY]);
    let world = gateway_world(&sim, KEY);
    let out = world.out();
    let body = world.json(&[
        "generate",
        "a red fox in snow",
        "--aspect",
        "16:9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(body["backend"], "openai");
    assert!(
        body["session"].is_null(),
        "a gateway has no multi-turn sessions"
    );
    let path = body["outputs"][0]["path"].as_str().unwrap();
    assert_eq!(pixel_size(Path::new(path)), (1376, 768));
    assert!(path.ends_with(".png"));
    assert_eq!(sim.stats()["openai_requests"], 1);
    let count = world.json(&[
        "generate",
        "a fox",
        "-n",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(count["outputs"].as_array().unwrap().len(), 2);
}

#[test]
fn edits_send_one_or_more_images_as_multipart() {
    let sim = Sim::start(&World::new(), &["--key", KEY]);
    let world = gateway_world(&sim, KEY);
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = world.json(&["generate", "a lighthouse", "--out", out]);
    let image = first["outputs"][0]["path"].as_str().unwrap().to_string();
    let edited = world.json(&["edit", &image, "make it night", "--out", out]);
    assert_eq!(edited["outputs"].as_array().unwrap().len(), 1);
    assert!(edited["session"].is_null());
    let both = world.json(&[
        "generate",
        "combine them",
        "--ref",
        &image,
        "--ref",
        &image,
        "--out",
        out,
    ]);
    assert_eq!(both["outputs"].as_array().unwrap().len(), 1);
    assert_eq!(sim.stats()["openai_requests"], 3);
}

#[test]
fn sessions_thinking_and_grounding_are_refused_with_a_reason() {
    let sim = Sim::start(&World::new(), &["--key", KEY]);
    let world = gateway_world(&sim, KEY);
    let out = world.out();
    let out = out.to_str().unwrap();
    // A session started on another backend cannot be continued through the gateway.
    let offline = world.json(&[
        "--backend",
        "gemini",
        "--offline",
        "generate",
        "a fox",
        "--out",
        out,
    ]);
    let session = offline["session"].as_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["edit", session, "bluer"], "multi-turn sessions"),
        (&["generate", "a fox", "--thinking", "high"], "thinking"),
        (&["generate", "a fox", "--grounding", "web"], "grounding"),
    ];
    for (args, words) in cases {
        let refused = world.run(args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        let text = stderr(&refused);
        assert!(text.contains(words), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "one line: {text}");
    }
    assert_eq!(sim.stats()["openai_requests"], 0, "nothing was sent");
    // A thinking level from [defaults] does not block the gateway: it is left out, with a note.
    world.add_config("[defaults]\nthinking = \"high\"");
    let noted = world.run(&["generate", "a fox", "--out", out]);
    assert_eq!(noted.status.code(), Some(0), "{}", stderr(&noted));
    assert!(stderr(&noted).contains("note:"), "{}", stderr(&noted));
}

#[test]
fn gateway_errors_become_peel_errors() {
    let sim = Sim::start(&World::new(), &["--key", KEY]);
    let wrong = gateway_world(&sim, "not-the-key");
    let out = wrong.run(&["generate", "a fox", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let body = failure(&out);
    assert_eq!(body["error"]["kind"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("[openai]")
    );
    assert!(!stderr(&out).contains("not-the-key"));

    let billing = Sim::start(&World::new(), &["--key", KEY, "--faults", "429-free-tier"]);
    let out = gateway_world(&billing, KEY).run(&["generate", "a fox", "--json"]);
    assert_eq!(failure(&out)["error"]["kind"], "billing_required");

    let flaky = Sim::start(&World::new(), &["--key", KEY, "--faults", "429:1,503:1"]);
    let world = gateway_world(&flaky, KEY);
    let dir = world.out();
    let ok = world.json(&["generate", "a fox", "--out", dir.to_str().unwrap()]);
    assert_eq!(
        ok["outputs"].as_array().unwrap().len(),
        1,
        "retried until it passed"
    );

    let unsafe_sim = Sim::start(&World::new(), &["--key", KEY, "--faults", "image-safety"]);
    let out = gateway_world(&unsafe_sim, KEY).run(&["generate", "a fox", "--json"]);
    assert_eq!(
        failure(&out)["error"]["kind"],
        "prompt_blocked",
        "{}",
        stderr(&out)
    );

    let unknown = gateway_world(&sim, KEY);
    unknown.add_config("[openai.models]\n\"gemini-nano-banana-2.1\" = \"vendor/not-served\"");
    let out = unknown.run(&["generate", "a fox", "--json"]);
    assert_eq!(failure(&out)["error"]["kind"], "model_not_found");

    let unset = World::new();
    unset.add_config("[openai]\napi_key = \"k\"");
    let out = unset.run(&["--backend", "openai", "generate", "a fox"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("base_url"), "{}", stderr(&out));
}
