//! `peel story`: frames run in order, each request carrying the anchors in shot and the
//! previous frame's final image (the exact bytes on disk) as its last, labelled reference.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{Sim, World, stderr};
use serde_json::Value;

const STORY: &str = r#"[defaults]
with = ["Mira"]
model = "nano-banana-2"
size = "512"

[[frame]]
key = "door"
prompt = "Mira waits at the vault door at night"

[[frame]]
key = "vault"
prompt = "Mira opens the vault, gold light on her face"

[[frame]]
key = "run"
prompt = "Mira runs down the alley with the bag"
"#;

/// A world pointed at `sim`, with Mira in the roster (a two-colour reference).
fn world_with_mira(sim: Option<&Sim>) -> (World, PathBuf) {
    let mut world = World::new();
    if let Some(sim) = sim {
        world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
        world.set("GEMINI_API_KEY", "test-key");
    }
    let reference = common::add_two_colour_character(&world, "Mira");
    (world, reference)
}

/// Every string under a `data` key (inline images) and every `text`, in order, whichever
/// API shape the request has.
fn images_and_texts(value: &Value, images: &mut Vec<String>, texts: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("data", Value::String(s)) => images.push(s.clone()),
                    ("text", Value::String(s)) => texts.push(s.clone()),
                    _ => images_and_texts(v, images, texts),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| images_and_texts(v, images, texts)),
        _ => {}
    }
}

fn b64(path: &Path) -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
}

fn story_report(world: &World, file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["story", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    world.json(&args)
}

#[test]
fn frames_run_in_order_and_each_carries_the_previous_frame_and_the_anchors() {
    let sim = Sim::start(&World::new(), &["--record", "50", "--faults", "503:1"]);
    let (world, mira) = world_with_mira(Some(&sim));
    let file = world.root.path().join("heist.toml");
    std::fs::write(&file, STORY).unwrap();
    let out = world.out();
    let report = story_report(&world, &file, &["--out", out.to_str().unwrap()]);

    let dir = PathBuf::from(report["dir"].as_str().unwrap());
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("story_heist_"), "{name}");
    assert_eq!(dir.parent().unwrap(), out);
    let frames = report["frames"].as_array().unwrap();
    let paths: Vec<PathBuf> = frames
        .iter()
        .map(|f| PathBuf::from(f["path"].as_str().unwrap()))
        .collect();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let ext = paths[0].extension().unwrap().to_string_lossy().to_string();
    assert_eq!(
        names,
        ["01_door", "02_vault", "03_run"].map(|n| format!("{n}.{ext}"))
    );
    for (n, frame) in frames.iter().enumerate() {
        assert_eq!(frame["index"], n + 1);
        assert!(frame["seed"].is_i64(), "{frame}");
        assert!(frame["cost_usd"].as_f64().unwrap() > 0.0, "{frame}");
    }
    assert!(report["cost_usd"].as_f64().unwrap() > 0.0);
    for file in ["story.json", "sheet.png", "manifest.json"] {
        assert!(dir.join(file).exists(), "{file} is written");
    }
    let sheet = image::open(dir.join("sheet.png")).unwrap();
    assert!(sheet.width() > sheet.height(), "three frames side by side");

    // The service saw the frames in order (frame 1 twice: its first try hit the 503).
    let seen = sim.requests();
    let mut by_frame: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
    for request in &seen {
        let (mut images, mut texts) = (Vec::new(), Vec::new());
        images_and_texts(&request["body"], &mut images, &mut texts);
        let frame = ["vault door", "opens the vault", "down the alley"]
            .iter()
            .position(|p| texts.iter().any(|t| t.contains(p)))
            .unwrap()
            + 1;
        by_frame.push((frame, images, texts));
    }
    let order: Vec<usize> = by_frame.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(order, [1, 1, 2, 3], "in order, the retry kept in place");
    let anchor = b64(&mira);
    for (frame, images, texts) in &by_frame {
        assert_eq!(images.first(), Some(&anchor), "frame {frame} carries Mira");
        let labelled = texts
            .iter()
            .any(|t| t.contains("is the previous frame of this story"));
        if *frame == 1 {
            assert_eq!(images.len(), 1, "frame 1 has no previous frame");
            assert!(!labelled);
        } else {
            assert_eq!(images.len(), 2);
            assert_eq!(
                images.last().unwrap(),
                &b64(&paths[frame - 2]),
                "frame {frame} carries frame {}'s bytes as its last image",
                frame - 1
            );
            assert!(labelled, "frame {frame}: {texts:?}");
        }
    }
    let sidecar: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("03_run.{ext}.json"))).unwrap())
            .unwrap();
    assert_eq!(
        sidecar["story"]["previous_frame"],
        format!("02_vault.{ext}")
    );
    assert_eq!(sidecar["anchors"][0], "Mira");
}

#[test]
fn reroll_onward_keeps_the_old_frames_as_versions_and_chains_the_new_ones() {
    let sim = Sim::start(&World::new(), &["--record", "50"]);
    let (world, _) = world_with_mira(Some(&sim));
    let file = world.root.path().join("heist.toml");
    std::fs::write(&file, STORY).unwrap();
    let out = world.out();
    let first = story_report(&world, &file, &["--out", out.to_str().unwrap()]);
    let dir = PathBuf::from(first["dir"].as_str().unwrap());
    let first_path = PathBuf::from(first["frames"][0]["path"].as_str().unwrap());
    let ext = first_path
        .extension()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let before: Vec<Vec<u8>> = ["01_door", "02_vault", "03_run"]
        .iter()
        .map(|n| std::fs::read(dir.join(format!("{n}.{ext}"))).unwrap())
        .collect();

    let again = story_report(&world, &file, &["--reroll", "2", "--onward"]);
    assert_eq!(again["dir"], first["dir"], "the same story folder");
    assert_eq!(
        std::fs::read(dir.join(format!("01_door.{ext}"))).unwrap(),
        before[0],
        "frame 1 is untouched"
    );
    for (n, name) in [(1, "02_vault"), (2, "03_run")] {
        assert_eq!(
            std::fs::read(dir.join(format!("{name}.v1.{ext}"))).unwrap(),
            before[n],
            "{name}: the old frame is kept"
        );
        assert!(dir.join(format!("{name}.v1.{ext}.json")).exists());
        assert_ne!(
            std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap(),
            before[n],
            "{name} is new"
        );
    }
    assert_ne!(
        again["frames"][1]["seed"], first["frames"][1]["seed"],
        "frame 2 gets a new seed"
    );
    assert_eq!(
        again["frames"][1]["versions"][0],
        format!("02_vault.v1.{ext}")
    );
    // The re-rolled frame 3 carries the new frame 2.
    let seen = sim.requests();
    let last = seen.last().unwrap();
    let (mut images, mut texts) = (Vec::new(), Vec::new());
    images_and_texts(&last["body"], &mut images, &mut texts);
    assert_eq!(
        images.last().unwrap(),
        &b64(&dir.join(format!("02_vault.{ext}")))
    );
    assert_eq!(seen.len(), 5, "3 frames, then 2 re-rolled");
    // The report says what was sent and what that cost; its totals are story.json's.
    assert_eq!(again["sent"], serde_json::json!([2, 3]));
    let sent_usd = again["frames"][1]["cost_usd"].as_f64().unwrap()
        + again["frames"][2]["cost_usd"].as_f64().unwrap();
    assert!((again["sent_usd"].as_f64().unwrap() - sent_usd).abs() < 1e-6);
    let story_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("story.json")).unwrap()).unwrap();
    assert_eq!(story_json["spent_usd"], again["spent_usd"]);
    assert_eq!(story_json["cost_usd"], again["cost_usd"]);
    let once = world.run(&["story", file.to_str().unwrap(), "--reroll", "1"]);
    let said = stderr(&once);
    assert!(
        said.contains("frame  1")
            && !said.contains("frame  2")
            && said.contains("re-rolled 1 frame"),
        "only the frame sent is listed: {said}"
    );

    let bad = world.run(&["story", file.to_str().unwrap(), "--reroll", "9"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("frame 9 is not in the story"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_bad_story_is_refused_at_its_line_before_any_request() {
    let sim = Sim::start(&World::new(), &[]);
    let (world, _) = world_with_mira(Some(&sim));
    let file = world.root.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[frame]]\nprompt = \"Mira at the door\"\nwith = [\"Mira\"]\n\n[[frame]]\nprompt = \"Theo waves\"\nwith = [\"Theo\"]\n",
    )
    .unwrap();
    let out = world.run(&["story", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("bad.toml:7: frame 2"), "{message}");
    assert!(message.contains("no anchor is named 'Theo'"), "{message}");
    let empty = world.root.path().join("empty.toml");
    std::fs::write(&empty, "[defaults]\nsize = \"1K\"\n").unwrap();
    let out = world.run(&["story", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the story has no frames"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sim.stats()["gemini_requests"], 0, "nothing was sent");
    assert!(
        !world.out().read_dir().unwrap().any(|_| true),
        "no folder was made"
    );
}

#[test]
fn a_promoted_frame_keeps_its_name_and_carries_the_draft_previous_frame() {
    let sim = Sim::start(&World::new(), &["--record", "50"]);
    let (world, mira) = world_with_mira(Some(&sim));
    let file = world.root.path().join("heist.toml");
    std::fs::write(&file, STORY).unwrap();
    let out = world.out();
    let first = story_report(&world, &file, &["--out", out.to_str().unwrap()]);
    let dir = PathBuf::from(first["dir"].as_str().unwrap());
    let draft_1 = PathBuf::from(first["frames"][0]["path"].as_str().unwrap());
    let promoted = world.json(&[
        "batch",
        "promote",
        dir.to_str().unwrap(),
        "--items",
        "vault",
        "--size",
        "2K",
    ]);
    let big_dir = PathBuf::from(promoted["dir"].as_str().unwrap());
    let ext = draft_1.extension().unwrap().to_string_lossy().to_string();
    let big = big_dir.join(format!("02_vault.{ext}"));
    assert!(big.exists(), "NN_<key> kept: {promoted}");
    assert_eq!(common::pixel_size(&big).0, 2048);
    let seen = sim.requests();
    let (mut images, mut texts) = (Vec::new(), Vec::new());
    images_and_texts(&seen.last().unwrap()["body"], &mut images, &mut texts);
    assert_eq!(
        images,
        [b64(&mira), b64(&draft_1)],
        "Mira, then the draft frame 1"
    );
    assert!(
        big_dir.join("story.json").exists(),
        "a promoted story is a story"
    );
}
