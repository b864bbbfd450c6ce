//! `peel check`: a text model scores how well each image keeps its anchors; a frame made
//! without the anchor is flagged, the request is a strict text-model request, and the
//! scores land in sidecars and the manifest.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{Sim, World, stderr};
use serde_json::Value;

/// Frame 3 leaves Mira out: it is the one that drifts.
const STORY: &str = r#"[defaults]
with = ["Mira"]
model = "nano-banana-2"
size = "512"

[[frame]]
key = "door"
prompt = "Mira waits at the vault door"

[[frame]]
key = "vault"
prompt = "Mira opens the vault"

[[frame]]
key = "empty"
prompt = "an empty alley at dawn, nobody there"
with = []
"#;

fn world_with_mira(sim: &Sim) -> (World, PathBuf) {
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "test-key");
    world.add_config("[batch]\nrpm = 6000");
    let reference = common::add_two_colour_character(&world, "Mira");
    (world, reference)
}

fn made_story(world: &World) -> (PathBuf, Vec<PathBuf>) {
    let file = world.root.path().join("heist.toml");
    std::fs::write(&file, STORY).unwrap();
    let out = world.out();
    let report = world.json(&[
        "story",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let frames = report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f["path"].as_str().unwrap()))
        .collect();
    (PathBuf::from(report["dir"].as_str().unwrap()), frames)
}

fn sidecar(image: &Path) -> Value {
    let mut name = image.as_os_str().to_owned();
    name.push(".json");
    serde_json::from_slice(&std::fs::read(PathBuf::from(name)).unwrap()).unwrap()
}

#[test]
fn a_frame_made_without_the_anchor_is_flagged_and_the_scores_are_kept() {
    let sim = Sim::start(&World::new(), &[]);
    let (world, _) = world_with_mira(&sim);
    let (dir, frames) = made_story(&world);

    // Frames 1 and 2 were made with Mira; frame 3 names no anchor, so --with asks about it.
    let report = world.json(&["check", dir.to_str().unwrap(), "--with", "Mira"]);
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), 3, "sheet.png is not checked: {report}");
    let score = |n: usize| images[n]["anchors"][0]["score"].as_u64().unwrap();
    assert_eq!(images[0]["anchors"][0]["name"], "Mira");
    assert!(score(0) >= 70 && score(1) >= 70, "{report}");
    assert!(score(2) < 70, "the frame without Mira drifted: {report}");
    assert!(
        images[2]["anchors"][0]["note"]
            .as_str()
            .unwrap()
            .starts_with("drifted"),
        "{report}"
    );
    assert_eq!(
        report["drifted"],
        serde_json::json!([frames[2].display().to_string()])
    );
    let (cost, estimate) = (
        report["cost_usd"].as_f64().unwrap(),
        report["estimate_usd"].as_f64().unwrap(),
    );
    assert!(
        cost > 0.0 && estimate >= cost,
        "estimated {estimate}, spent {cost}"
    );

    for (n, frame) in frames.iter().enumerate() {
        let kept = &sidecar(frame)["consistency"];
        assert_eq!(kept["model"], "gemini-3.6-flash");
        assert_eq!(kept["anchors"][0]["score"].as_u64(), Some(score(n)));
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["items"][2]["consistency"]["anchors"][0]["score"].as_u64(),
        Some(score(2)),
        "the manifest keeps it"
    );

    // The human report lists the frames in frame order, whichever answer came first.
    let said = world.run(&["check", dir.to_str().unwrap(), "--with", "Mira"]);
    let said = stderr(&said);
    let at = |name: &str| said.find(name).unwrap_or_else(|| panic!("{name}: {said}"));
    let names: Vec<String> = frames
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert!(
        at(&names[0]) < at(&names[1]) && at(&names[1]) < at(&names[2]),
        "{said}"
    );

    // Without --with, each image is checked against the anchors its sidecar names: frame 3
    // has none and is skipped, saying why.
    let again = world.json(&["check", dir.to_str().unwrap()]);
    assert_eq!(again["images"].as_array().unwrap().len(), 2, "{again}");
    assert!(
        again["skipped"][0]["why"]
            .as_str()
            .unwrap()
            .contains("no anchors"),
        "{again}"
    );
    // A later manifest rewrite (a reroll of frame 1 alone) keeps the other frames' scores.
    let file = world.root.path().join("heist.toml");
    world.json(&["story", file.to_str().unwrap(), "--reroll", "1"]);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["items"][0]["consistency"].is_null(),
        "frame 1 is new"
    );
    assert!(
        manifest["items"][1]["consistency"].is_object(),
        "{manifest}"
    );
}

#[test]
fn the_question_goes_to_the_text_model_with_the_references_then_the_image() {
    let sim = Sim::start(&World::new(), &["--record", "20"]);
    let (world, mira) = world_with_mira(&sim);
    let (_, frames) = made_story(&world);
    world.json(&["check", frames[0].to_str().unwrap()]);
    let seen = sim.requests();
    let last = seen.last().unwrap();
    assert!(
        last["path"]
            .as_str()
            .unwrap()
            .ends_with("/models/gemini-3.6-flash:generateContent"),
        "{}",
        last["path"]
    );
    let body = &last["body"];
    let config = &body["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(
        config["responseSchema"]["properties"]["score"]["type"],
        "INTEGER"
    );
    assert!(config.get("responseModalities").is_none());
    assert!(config.get("imageConfig").is_none());
    let b64 =
        |p: &Path| base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap());
    let images: Vec<&str> = body["contents"][0]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["inlineData"]["data"].as_str())
        .collect();
    assert_eq!(
        images,
        [b64(&mira), b64(&frames[0])],
        "references, then the image"
    );
}

#[test]
fn bad_input_is_refused_before_any_question() {
    let sim = Sim::start(&World::new(), &[]);
    let (world, _) = world_with_mira(&sim);
    let (dir, frames) = made_story(&world);
    let before = sim.stats()["gemini_requests"].as_u64().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["check", "no/such.png"], "does not exist"),
        (
            &["check", dir.to_str().unwrap(), "--with", "Theo"],
            "no anchor is named 'Theo'",
        ),
        (&["check", frames[2].to_str().unwrap()], "nothing to check"),
        (&["check"], "PATHS"),
    ];
    for (args, says) in cases {
        let out = world.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    world.add_config("[check]\nmodel = \"gemini-3.1-flash-image\"");
    let out = world.run(&["check", frames[0].to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("makes images; the check needs a text model"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        sim.stats()["gemini_requests"].as_u64().unwrap(),
        before,
        "nothing was sent"
    );
}
