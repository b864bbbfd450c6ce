//! The service as it is today, against `peel sim`: the Interactions API's own error codes
//! (what is retried, what stops a run and with which exit code), service tiers on both
//! transports and on a batch, flex shedding with a fallback, deprecation notices once per
//! run, a model added by the user, and a matrix over models.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Sim, World, stderr};
use serde_json::Value;

/// A world pointed at `sim` with a key.
fn client_of(sim: &Sim) -> World {
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    world
}

fn sent(sim: &Sim) -> u64 {
    sim.stats()["gemini_requests"].as_u64().unwrap()
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn generate(world: &World, extra: &[&str]) -> std::process::Output {
    let out = world.out();
    let mut args = vec!["generate", "a fox in the snow", "--json", "--out"];
    args.push(out.to_str().unwrap());
    args.extend_from_slice(extra);
    world.run(&args)
}

fn sidecar(body: &Value) -> Value {
    let path = body["outputs"][0]["sidecar"].as_str().unwrap();
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_stopping_answers_are_sent_once_and_exit_with_their_own_codes() {
    for (fault, code, words) in [
        ("payment_required", 4, "prepaid credits are exhausted"),
        ("quota_exceeded", 5, "until the daily quota resets"),
        ("model_not_found", 6, "peel models --remote"),
    ] {
        refused_once(fault, code, fault, words);
    }
}

#[test]
fn transient_codes_are_retried_and_refusals_name_what_to_fix() {
    for fault in [
        "rate_limit_exceeded:1",
        "too_many_requests:1",
        "service_unavailable:1",
        "api_error:1",
        "deadline_exceeded:1",
        "aborted:1",
    ] {
        let sim_world = World::new();
        let sim = Sim::start(&sim_world, &["--faults", fault]);
        let world = client_of(&sim);
        let out = generate(&world, &[]);
        assert!(out.status.success(), "{fault}: {}", stderr(&out));
        assert_eq!(sent(&sim), 2, "{fault}: one failure, one retry");
    }
    for (fault, kind, words) in [
        ("authentication", "invalid_key", "peel doctor"),
        ("permission_denied", "permission_denied", "peel doctor"),
        ("parameter_unknown", "parameter_unknown", "refused"),
        ("out_of_range", "out_of_range", "refused"),
    ] {
        refused_once(fault, 1, kind, words);
    }
}

#[test]
fn unimplemented_on_interactions_falls_back_to_generate_content() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "unimplemented:1"]);
    let world = client_of(&sim);
    let out = generate(&world, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("goes by generate-content"),
        "{}",
        stderr(&out)
    );
}

/// A batch file of `n` items at 512 px on Nano Banana 2.
fn small_batch(world: &World, n: usize) -> std::path::PathBuf {
    let mut text = String::from("[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[item]]\nkey = \"k{i}\"\nprompt = \"item {i}\"\n"
        ));
    }
    let path = world.root.path().join("b.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_batch_stopped_by_payment_required_resumes_to_exactly_three_images() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "payment_required:1"]);
    let world = client_of(&sim);
    let file = small_batch(&world, 3);
    let out_dir = world.out();
    let run = world.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--concurrency",
        "1",
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(4), "{}", stderr(&run));
    let body = json_of(&run);
    assert_eq!(body["stop_reason"], "payment_required", "{body}");
    assert_eq!(
        (body["done"].as_u64(), body["failed"].as_u64()),
        (Some(0), Some(0)),
        "the stopped item stays pending: {body}"
    );
    assert_eq!(sent(&sim), 1, "the batch stopped at the first answer");
    let notices = body["notices"].to_string();
    assert!(
        notices.contains("gemini-3.1-flash-image") && notices.contains("deprecated"),
        "{body}"
    );
    let id = body["run"].to_string();
    let resumed = world.run(&["batch", "resume", &id, "--json"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let body = json_of(&resumed);
    assert_eq!(body["done"], 3, "{body} {}", stderr(&resumed));
    let dir = std::path::PathBuf::from(body["dir"].as_str().unwrap());
    let images = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jpg"))
        .count();
    assert_eq!(images, 3, "{body}");
    assert_eq!(sent(&sim), 4, "one refused, then three sent");
}

#[test]
fn a_deprecated_model_is_noticed_once_for_a_fifty_item_run() {
    let world = World::new();
    let file = small_batch(&world, 50);
    let out_dir = world.out();
    world.add_config("[batch]\nrpm = 60000\nconcurrency = 8\n");
    let run = world.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let said = stderr(&run);
    assert_eq!(
        said.matches("is deprecated").count(),
        1,
        "one notice for the run, not one per item: {said}"
    );
    assert!(said.contains("--model gemini-nano-banana-2.1"), "{said}");
}

#[test]
fn tiers_reach_the_wire_on_both_transports_and_price_the_image() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--record", "10"]);
    let world = client_of(&sim);
    let standard = json_of(&generate(&world, &["--seed", "3"]));
    let standard_cost = standard["cost_usd"].as_f64().unwrap();
    for transport in ["interactions", "generate-content"] {
        let out = generate(&world, &["--tier", "flex", "--transport", transport]);
        assert!(out.status.success(), "{transport}: {}", stderr(&out));
        let body = json_of(&out);
        assert_eq!(body["outputs"][0]["tier"], "flex", "{body}");
        assert_eq!(body["cost_simulated"], true, "{body}");
        let cost = body["cost_usd"].as_f64().unwrap();
        assert!(
            (cost - standard_cost / 2.0).abs() < 1e-6,
            "{transport}: flex is half of {standard_cost}: {cost}"
        );
        assert_eq!(sidecar(&body)["tier"], "flex");
    }
    let out_dir = world.out();
    let plain = world.run(&[
        "generate",
        "a fox",
        "--tier",
        "flex",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&plain.stdout),
        stderr(&plain)
    );
    assert!(
        said.contains("(simulated)") && said.contains("flex"),
        "{said}"
    );
    let requests = sim.requests();
    let wire: Vec<String> = requests
        .iter()
        .map(|r| {
            let body = &r["body"];
            body["service_tier"]
                .as_str()
                .or(body["serviceTier"].as_str())
                .unwrap_or("standard")
                .to_string()
        })
        .collect();
    assert_eq!(wire, ["standard", "flex", "flex", "flex"]);
    assert_eq!(
        (
            requests[1]["body"]["service_tier"].as_str(),
            requests[2]["body"]["serviceTier"].as_str()
        ),
        (Some("flex"), Some("flex")),
        "service_tier on interactions, serviceTier on generateContent"
    );
}

#[test]
fn a_priority_request_served_at_standard_is_priced_at_standard() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "priority-downgrade"]);
    let world = client_of(&sim);
    let out = generate(&world, &["--tier", "priority"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body = json_of(&out);
    assert_eq!(
        body["outputs"][0]["tier"], "standard",
        "the echo wins: {body}"
    );
    let history = world.json(&["history"]);
    assert_eq!(history["jobs"][0]["tier"], "standard", "{history}");
    assert_eq!(history["jobs"][0]["backend"], "gemini", "{history}");
}

#[test]
fn a_shed_flex_request_falls_back_to_standard_after_its_window() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "shed"]);
    let world = client_of(&sim);
    std::fs::write(
        world.root.path().join("config/config.toml"),
        "[retry]\nattempts = 3\nbase_delay_ms = 10\nmax_delay_ms = 100\nflex_window_secs = 1\n",
    )
    .unwrap();
    let failed = generate(&world, &["--tier", "flex"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let body = json_of(&failed);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--fallback standard"),
        "{body}"
    );
    let before = sent(&sim);
    assert!(before >= 2, "shed requests are retried within the window");
    let saved = generate(&world, &["--tier", "flex", "--fallback", "standard"]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    let body = json_of(&saved);
    assert_eq!(body["outputs"][0]["tier"], "standard", "{body}");
    assert!(
        stderr(&saved).contains("re-sent at standard"),
        "{}",
        stderr(&saved)
    );
}

#[test]
fn bad_tiers_are_refused_before_anything_is_sent() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &[]);
    let world = client_of(&sim);
    let turbo = generate(&world, &["--tier", "turbo"]);
    assert_eq!(turbo.status.code(), Some(2));
    assert!(stderr(&turbo).contains("standard, flex, priority"));
    let fallback = generate(&world, &["--fallback", "standard"]);
    assert_eq!(fallback.status.code(), Some(2));
    let old = generate(&world, &["--model", "nano-banana", "--tier", "flex"]);
    assert_eq!(old.status.code(), Some(2), "{}", stderr(&old));
    let small = generate(&world, &["--size", "512"]);
    assert_eq!(small.status.code(), Some(2));
    assert!(
        stderr(&small).contains("gemini-3.1-flash-image"),
        "names the models that render 512: {}",
        stderr(&small)
    );
    let file = world.root.path().join("flex.toml");
    std::fs::write(
        &file,
        "[defaults]\ntier = \"flex\"\n[[item]]\nprompt = \"a\"\n",
    )
    .unwrap();
    let submit = world.run(&["batch", "submit", file.to_str().unwrap()]);
    assert_eq!(submit.status.code(), Some(2), "{}", stderr(&submit));
    assert!(stderr(&submit).contains("takes only standard"));
    let mut gateway = World::new();
    gateway.set("OPENAI_API_KEY", "k");
    let refused = gateway.run(&["--backend", "openai", "generate", "a fox", "--tier", "flex"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(sent(&sim), 0, "nothing was sent");
}

#[test]
fn a_model_added_by_the_user_is_usable_at_once_and_removable() {
    let mut world = World::new();
    let added = world.run(&[
        "models",
        "add",
        "gemini-nano-banana-3",
        "--like",
        "nano-banana-2.1",
        "--name",
        "Nano Banana 3",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    // The simulator reads the same registry files, so it serves the new model too.
    let sim = Sim::start(&world, &[]);
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    let out = generate(&world, &["--model", "gemini-nano-banana-3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sidecar(&json_of(&out))["model"], "gemini-nano-banana-3");
    let models = world.json(&["models"]);
    let entry = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "gemini-nano-banana-3")
        .unwrap()
        .clone();
    assert_eq!(entry["user"], true);
    assert_eq!(entry["price_unverified"], true);
    let again = world.run(&[
        "models",
        "add",
        "gemini-nano-banana-3",
        "--like",
        "nano-banana-2.1",
    ]);
    assert_eq!(again.status.code(), Some(2));
    let unknown = world.run(&["models", "add", "x-1", "--like", "gemini-9"]);
    assert_eq!(unknown.status.code(), Some(2));
    let shipped = world.run(&["models", "rm", "gemini-3-pro-image"]);
    assert_eq!(shipped.status.code(), Some(2));
    let removed = world.run(&["models", "rm", "gemini-nano-banana-3"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let gone = generate(&world, &["--model", "gemini-nano-banana-3"]);
    assert_eq!(gone.status.code(), Some(2));
}

#[test]
fn peel_models_shows_lifecycle_and_a_broken_user_file_leaves_the_shipped_registry() {
    let world = World::new();
    let models = world.json(&["models"]);
    assert_eq!(models["default"], "gemini-nano-banana-2.1");
    let find = |id: &str| {
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()
            .clone()
    };
    let nb2 = find("gemini-3.1-flash-image");
    assert_eq!(nb2["status"], "deprecated");
    assert_eq!(nb2["successor"], "gemini-nano-banana-2.1");
    assert_eq!(nb2["deprecated_on"], "2026-10-06");
    assert!(nb2["shutdown_on"].is_null());
    let old = find("gemini-2.5-flash-image");
    assert_eq!(old["status"], "shut down");
    assert_eq!(old["shutdown_on"], "2026-10-02");
    let text = String::from_utf8_lossy(&world.run(&["models"]).stdout).to_string();
    assert!(text.contains("shut down on 2026-10-02"), "{text}");
    assert!(!text.contains("announced for 2026-10-02"), "{text}");
    std::fs::write(
        world.root.path().join("config/models.toml"),
        "[models.\"x\"]\ndisplay_name = \"X\"\ncolour = 1\n",
    )
    .unwrap();
    let broken = world.run(&["models"]);
    assert!(broken.status.success());
    let said = stderr(&broken);
    assert!(
        said.contains("models.toml:3") && said.contains("colour"),
        "{said}"
    );
}

#[test]
fn a_matrix_over_models_makes_one_item_per_model() {
    let world = World::new();
    let file = world.root.path().join("grid.toml");
    std::fs::write(
        &file,
        "[matrix]\nprompt = \"a lighthouse at dusk\"\n[matrix.vars]\nmodel = [\"nano-banana-2.1\", \"nano-banana-pro\"]\n",
    )
    .unwrap();
    let plan = world.json(&["batch", "plan", file.to_str().unwrap()]);
    let models: Vec<&str> = plan["item_settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["gemini-nano-banana-2.1", "gemini-3-pro-image"]);
    let ways: Vec<&str> = plan["ways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["way"].as_str().unwrap())
        .collect();
    assert_eq!(ways, ["standard", "flex", "priority", "batch-api"]);
    assert_eq!(plan["cost_simulated"], true);
    let out_dir = world.out();
    let run = world.json(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(run["done"], 2, "{run}");
}

/// One `peel generate` against a simulator with `fault`: it exits `code` with an error of
/// `kind` whose message holds `words`, after one request (not retried).
fn refused_once(fault: &str, code: i32, kind: &str, words: &str) {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", fault]);
    let world = client_of(&sim);
    let out = generate(&world, &[]);
    assert_eq!(out.status.code(), Some(code), "{fault}: {}", stderr(&out));
    let body = json_of(&out);
    assert_eq!(body["error"]["kind"], kind, "{fault}: {body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(words),
        "{fault}: {body}"
    );
    assert_eq!(sent(&sim), 1, "{fault} is not retried");
}
