//! `peel generate`, `models` and `history` driven as a user would, against the simulator.
//! Refusals and failures: `tests/cli_generate_refusals.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{World, pixel_size, stderr};

fn out_paths(body: &serde_json::Value) -> Vec<PathBuf> {
    body["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| PathBuf::from(o["path"].as_str().unwrap()))
        .collect()
}

#[test]
fn images_have_the_exact_pixel_size_of_model_ratio_and_size() {
    let world = World::new();
    let cases = [
        ("nano-banana-2", "16:9", "1K", (1376, 768), "png"),
        ("gemini-3.1-flash-image", "1:1", "512", (512, 512), "png"),
        ("gemini-3.1-flash-image", "9:16", "2K", (1536, 2752), "png"),
        ("gemini-3.1-flash-image", "8:1", "1K", (3072, 384), "png"),
        ("nano-banana-pro", "4:3", "1K", (1200, 896), "jpg"),
    ];
    // The model's own type on generate-content; the Interactions API answers JPEG.
    let both = cases
        .iter()
        .flat_map(|&(model, aspect, size, expected, ext)| {
            [
                (model, aspect, size, expected, ext, "generate-content"),
                (model, aspect, size, expected, "jpg", "interactions"),
            ]
        });
    for (model, aspect, size, expected, ext, transport) in both {
        let out = world
            .out()
            .join(format!("{}-{}-{transport}", aspect.replace(':', "x"), size));
        let body = world.json(&[
            "generate",
            "a lighthouse",
            "--model",
            model,
            "--aspect",
            aspect,
            "--size",
            size,
            "--transport",
            transport,
            "--out",
            out.to_str().unwrap(),
        ]);
        let path = &out_paths(&body)[0];
        assert_eq!(
            path.extension().unwrap(),
            ext,
            "{model} {aspect} {size} {transport}"
        );
        assert_eq!(pixel_size(path), expected, "{model} {aspect} {size}");
        assert_eq!(body["outputs"][0]["width"], expected.0);
        assert_eq!(
            body["outputs"][0]["mime"],
            if ext == "jpg" {
                "image/jpeg"
            } else {
                "image/png"
            }
        );
        assert_eq!(body["backend"], "simulator");
    }
}

#[test]
fn the_default_transport_is_interactions_and_json_says_what_was_sent() {
    let world = World::new();
    let out = world.out();
    let ix = world.json(&["generate", "a red fox", "--out", out.to_str().unwrap()]);
    let id = ix["interaction"].as_str().unwrap();
    assert!(id.starts_with("v1_"), "{ix}");
    assert_eq!(ix["jobs"][0]["interaction"], id);
    let ix_bytes = ix["request_bytes"].as_u64().unwrap();
    assert!(ix_bytes > 50 && ix_bytes < 1000, "{ix}");
    assert_eq!(out_paths(&ix)[0].extension().unwrap(), "jpg");
    let gc = world.json(&[
        "generate",
        "a red fox",
        "--transport",
        "generate-content",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(gc["interaction"].is_null(), "{gc}");
    assert!(gc["request_bytes"].as_u64().unwrap() > 50, "{gc}");
    assert_eq!(out_paths(&gc)[0].extension().unwrap(), "png");
}

#[test]
fn outputs_never_overwrite_and_carry_sidecars_and_png_text() {
    let world = World::new();
    let out = world.out();
    let first = world.json(&[
        "generate",
        "A red fox!",
        "--seed",
        "5",
        "--transport",
        "generate-content",
        "--out",
        out.to_str().unwrap(),
    ]);
    let second = world.json(&[
        "generate",
        "a red fox",
        "--seed",
        "5",
        "-n",
        "2",
        "--transport",
        "generate-content",
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut names: Vec<String> = out_paths(&first)
        .iter()
        .chain(out_paths(&second).iter())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["a-red-fox-2.png", "a-red-fox-3.png", "a-red-fox.png"]
    );
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("a-red-fox.png.json")).unwrap()).unwrap();
    assert_eq!(sidecar["prompt"], "A red fox!");
    assert_eq!(sidecar["seed"], 5);
    assert_eq!(sidecar["model"], "gemini-nano-banana-2.1");
    assert_eq!(
        sidecar["generation_config"]["imageConfig"]["imageSize"],
        "1K"
    );
    assert_eq!(sidecar["finish_reason"], "STOP");
    assert!(
        sidecar["response_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(sidecar["usage"]["candidatesTokenCount"].as_u64().unwrap() > 0);
    assert!(sidecar["cost_usd"].as_f64().unwrap() > 0.0);
    assert!(sidecar["timings"]["elapsed_ms"].is_u64());
    let seeds: Vec<i64> = second["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["seed"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seeds
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        2,
        "count uses distinct seeds"
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(out.join("a-red-fox.png")).unwrap(),
    ));
    let reader = decoder.read_info().unwrap();
    let text = reader
        .info()
        .utf8_text
        .iter()
        .find(|t| t.keyword == "prompt")
        .unwrap();
    assert_eq!(text.get_text().unwrap(), "A red fox!");
    let leftovers: Vec<_> = world
        .files()
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_prompt_asking_for_several_images_keeps_all_of_them() {
    let world = World::new();
    let body = world.json(&[
        "generate",
        "three images of a teapot",
        "--out",
        world.out().to_str().unwrap(),
    ]);
    let paths = out_paths(&body);
    assert_eq!(paths.len(), 3);
    assert!(paths.iter().all(|p| p.exists()));
    let sizes: Vec<u64> = body["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["bytes"].as_u64().unwrap())
        .collect();
    assert!(sizes.iter().all(|b| *b > 0));
}

#[test]
fn references_are_sent_and_bad_ones_refused_before_sending() {
    let world = World::new();
    let out = world.out();
    let first = world.json(&["generate", "a blue teapot", "--out", out.to_str().unwrap()]);
    let reference = out_paths(&first)[0].clone();
    let body = world.json(&[
        "generate",
        "the same teapot, in red",
        "--ref",
        reference.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let sidecar_path = body["outputs"][0]["sidecar"].as_str().unwrap();
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sidecar_path).unwrap()).unwrap();
    assert_eq!(sidecar["references"][0], reference.display().to_string());
    assert!(
        sidecar["usage"]["promptTokenCount"].as_u64().unwrap() > 200,
        "the image was counted as input"
    );

    let broken = world.root.path().join("broken.png");
    std::fs::write(&broken, &std::fs::read(&reference).unwrap()[..100]).unwrap();
    let before = world.files().len();
    let out_run = world.run(&[
        "generate",
        "x",
        "--ref",
        broken.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(out_run.status.code(), Some(2));
    let err = stderr(&out_run);
    assert!(
        err.contains("broken.png") && err.contains("corrupt"),
        "{err}"
    );
    let text = world.root.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let out_run = world.run(&["generate", "x", "--ref", text.to_str().unwrap()]);
    assert_eq!(out_run.status.code(), Some(2));
    assert!(stderr(&out_run).contains("not a PNG, JPEG or WebP"));
    assert_eq!(
        world.files().len(),
        before + 1,
        "only notes.txt was added: nothing written"
    );
}

#[test]
fn models_and_history_list_what_they_should() {
    let world = World::new();
    let models = world.json(&["models"]);
    let ids: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [
        "gemini-3.1-flash-image",
        "gemini-3-pro-image",
        "gemini-3.1-flash-lite-image",
        "gemini-2.5-flash-image",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert_eq!(models["default"], "gemini-nano-banana-2.1");
    let remote = world.json(&["models", "--remote"]);
    assert!(
        remote["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "models/gemini-3-pro-image")
    );

    world.json(&[
        "generate",
        "a red fox",
        "--out",
        world.out().to_str().unwrap(),
    ]);
    world.json(&[
        "generate",
        "a blue whale",
        "--out",
        world.out().to_str().unwrap(),
    ]);
    let found = world.json(&["history", "--search", "WHALE"]);
    let jobs = found["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["prompt"], "a blue whale");
    assert_eq!(jobs[0]["state"], "done");
    let human = world.run(&["history"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("a red fox") && text.contains("a blue whale"),
        "{text}"
    );
}

#[test]
fn without_a_key_the_simulator_says_so() {
    let world = World::new();
    let out = world.run(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("offline simulator — set GEMINI_API_KEY for real images"));
}

#[test]
fn offline_forces_the_simulator_even_with_a_key() {
    let mut world = World::new();
    world.set("GEMINI_API_KEY", "some-key");
    world.set("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9");
    let body = world.json(&[
        "generate",
        "a fox",
        "--offline",
        "--out",
        world.out().to_str().unwrap(),
    ]);
    assert_eq!(body["backend"], "simulator");
    let out = world.run(&["generate", "a fox", "--out", world.out().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("network error"), "{}", stderr(&out));
}

#[test]
fn the_workbench_without_a_terminal_names_the_commands_for_scripts() {
    let out = World::new().run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("the workbench needs an interactive terminal"),
        "{err}"
    );
    assert!(
        err.contains("peel generate") && err.contains("peel batch run"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn generate_help_says_what_seeds_count_requests_use() {
    let out = World::new().run(&["generate", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("seed, seed+1"), "{help}");
    assert!(!help.contains("seed+1, seed+2"), "{help}");
    let globals = help
        .find("Global options:")
        .expect("a heading for global options");
    assert!(help[globals..].contains("--offline"), "{help}");
    assert!(!help[..globals].contains("--offline"), "{help}");
}
