//! `peel generate`, `models` and `history` driven as a user would, against the simulator.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{Sim, World, pixel_size, stderr};

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
