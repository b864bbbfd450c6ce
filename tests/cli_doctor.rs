//! `peel doctor` on each backend: healthy, missing credentials, wrong credentials,
//! billing-gated quota (the simulator's `429-free-tier` fault) and an unreachable host.
#![allow(clippy::unwrap_used)]

mod common;

use common::gcp::{CLIENT_EMAIL, PROJECT, write_service_account};
use common::{Sim, World};
use serde_json::Value;

/// A loopback address nothing listens on.
const UNREACHABLE: &str = "http://127.0.0.1:1";

/// Runs `peel doctor --json`, returning the exit code and the report.
fn doctor(world: &World, extra: &[&str]) -> (i32, Value) {
    let mut args = extra.to_vec();
    args.extend(["doctor", "--json"]);
    let out = world.run(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            common::stderr(&out)
        )
    });
    (out.status.code().unwrap(), report)
}

/// The first failed check: (name, fix).
fn failed(report: &Value) -> (String, String) {
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "fail")
        .unwrap_or_else(|| panic!("no failed check: {report}"));
    (
        check["name"].as_str().unwrap().to_string(),
        check["fix"].as_str().unwrap_or_default().to_string(),
    )
}

fn assert_healthy(code: i32, report: &Value) {
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ok"], true);
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "configuration",
        "credentials",
        "endpoint",
        "auth",
        "model",
        "quota",
    ] {
        assert!(names.contains(&name), "{name} did not pass: {report}");
    }
}

fn gemini_world(url: &str, key: &str) -> World {
    let mut world = World::new();
    world.set("GEMINI_API_KEY", key);
    world.set("GOOGLE_GEMINI_BASE_URL", url);
    world
}

#[test]
fn doctor_checks_the_gemini_api() {
    let sim = Sim::start(&World::new(), &["--key", "right"]);
    let (code, report) = doctor(&gemini_world(&sim.url, "right"), &[]);
    assert_healthy(code, &report);
    assert_eq!(report["backend"], "gemini");
    let transport = |report: &Value| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "transport")
            .map(|c| c["detail"].to_string())
            .unwrap_or_default()
    };
    assert!(
        transport(&report).contains("interactions answered end to end, interaction v1_"),
        "{report}"
    );
    let (code, report) = doctor(
        &gemini_world(&sim.url, "right"),
        &["--transport", "generate-content"],
    );
    assert_healthy(code, &report);
    assert!(
        transport(&report).contains("generate-content answered"),
        "{report}"
    );

    let (code, report) = doctor(&World::new(), &[]);
    assert_eq!(
        code, 0,
        "no key checks the embedded simulator and passes: {report}"
    );
    assert_eq!(report["backend"], "simulator");
    let configuration = &report["checks"][0];
    assert_eq!(configuration["name"], "configuration");
    assert_eq!(configuration["status"], "warn", "{report}");
    let fix = configuration["fix"].as_str().unwrap();
    assert!(fix.contains("GEMINI_API_KEY"), "{fix}");
    for check in report["checks"].as_array().unwrap().iter().skip(1) {
        assert_eq!(check["status"], "pass", "{report}");
    }
    let text = World::new().run(&["doctor"]);
    assert_eq!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.starts_with("peel doctor — the embedded offline simulator, model "),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: Set GEMINI_API_KEY for real images"),
        "{stdout}"
    );

    let (code, report) = doctor(&gemini_world(&sim.url, "wrong"), &[]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "auth");
    assert!(fix.contains("aistudio.google.com/apikey"), "{fix}");

    let billing = Sim::start(&World::new(), &["--faults", "429-free-tier"]);
    let (code, report) = doctor(&gemini_world(&billing.url, "k"), &[]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "quota");
    assert!(fix.contains("billing"), "{fix}");

    let (code, report) = doctor(&gemini_world(UNREACHABLE, "k"), &[]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "endpoint");
    assert!(fix.contains(UNREACHABLE), "{fix}");
    let skipped = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "skip")
        .count();
    assert_eq!(
        skipped, 3,
        "auth, model and quota are not checked: {report}"
    );
}

#[test]
fn doctor_checks_vertex_ai() {
    let sim = Sim::start(
        &World::new(),
        &[
            "--client-email",
            CLIENT_EMAIL,
            "--project",
            PROJECT,
            "--key",
            "express",
        ],
    );
    let vertex = |url: &str| {
        let mut world = World::new();
        let sa = write_service_account(world.root.path(), &sim.url, CLIENT_EMAIL);
        world.set("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap());
        world.set("GOOGLE_VERTEX_BASE_URL", url);
        world
    };
    let (code, report) = doctor(&vertex(&sim.url), &["--backend", "vertex"]);
    assert_healthy(code, &report);
    let credentials = &report["checks"][1];
    assert!(
        credentials["detail"]
            .as_str()
            .unwrap()
            .contains("access token issued"),
        "{report}"
    );

    let mut missing = vertex(&sim.url);
    missing.set("GOOGLE_APPLICATION_CREDENTIALS", "/no/such/key.json");
    let (code, report) = doctor(&missing, &["--backend", "vertex"]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "credentials");
    assert!(fix.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{fix}");

    let wrong = World::new();
    wrong.add_config("[vertex]\napi_key = \"wrong\"");
    let mut wrong = wrong;
    wrong.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    let (code, report) = doctor(&wrong, &[]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "auth");
    assert!(fix.contains("Vertex API key"), "{fix}");

    let billing = Sim::start(
        &World::new(),
        &["--client-email", CLIENT_EMAIL, "--faults", "429-free-tier"],
    );
    let mut world = World::new();
    let sa = write_service_account(world.root.path(), &billing.url, CLIENT_EMAIL);
    world.set("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap());
    world.set("GOOGLE_VERTEX_BASE_URL", &billing.url);
    let (code, report) = doctor(&world, &["--backend", "vertex"]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "quota");
    assert!(fix.contains(&format!("project {PROJECT}")), "{fix}");

    let (code, report) = doctor(&vertex(UNREACHABLE), &["--backend", "vertex"]);
    assert_eq!(code, 1);
    assert_eq!(failed(&report).0, "endpoint");
}

#[test]
fn doctor_checks_an_openai_gateway() {
    let sim = Sim::start(&World::new(), &["--key", "gk"]);
    let gateway = |url: &str, key: Option<&str>| {
        let world = World::new();
        let key = key
            .map(|k| format!("api_key = \"{k}\"\n"))
            .unwrap_or_default();
        world.add_config(&format!("[openai]\nbase_url = \"{url}\"\n{key}"));
        world
    };
    let (code, report) = doctor(&gateway(&sim.url, Some("gk")), &["--backend", "openai"]);
    assert_healthy(code, &report);

    let (code, report) = doctor(&gateway(&sim.url, None), &["--backend", "openai"]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "credentials");
    assert!(fix.contains("api_key") && fix.contains("[openai]"), "{fix}");

    let (code, report) = doctor(&gateway(&sim.url, Some("nope")), &["--backend", "openai"]);
    assert_eq!(code, 1);
    assert_eq!(failed(&report).0, "auth");

    let billing = Sim::start(&World::new(), &["--faults", "429-free-tier"]);
    let (code, report) = doctor(&gateway(&billing.url, Some("k")), &["--backend", "openai"]);
    assert_eq!(code, 1);
    let (name, fix) = failed(&report);
    assert_eq!(name, "quota");
    assert!(fix.contains("credit"), "{fix}");

    let (code, report) = doctor(&gateway(UNREACHABLE, Some("k")), &["--backend", "openai"]);
    assert_eq!(code, 1);
    assert_eq!(failed(&report).0, "endpoint");
}

#[test]
fn doctor_prints_marks_and_fixes_for_people() {
    let strict = Sim::start(&World::new(), &["--key", "right"]);
    let out = gemini_world(&strict.url, "wrong").run(&["doctor", "--no-generate"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✗ auth"), "{text}");
    assert!(text.contains("      fix: "), "{text}");
    let no_key = World::new().run(&["doctor", "--no-generate"]);
    assert_eq!(no_key.status.code(), Some(0));
    let text = String::from_utf8_lossy(&no_key.stdout);
    assert!(text.contains("! configuration"), "{text}");
    assert!(text.contains("      fix: Set GEMINI_API_KEY"), "{text}");
    let sim = Sim::start(&World::new(), &[]);
    let ok = gemini_world(&sim.url, "k").run(&["doctor", "--no-generate"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("✓ model"), "{text}");
    assert!(text.contains("- quota"), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
    assert!(text.contains("images: not a terminal"), "{text}");
}

/// `peel config show` without a config file says so and names `peel config init`; with one,
/// it names the file.
#[test]
fn config_show_without_a_file_says_so_and_names_config_init() {
    let world = World::new();
    let file = world.root.path().join("config/config.toml");
    std::fs::remove_file(&file).unwrap();
    let out = world.run(&["config", "show"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.contains("does not exist") && first.contains("peel config init"),
        "{text}"
    );
    assert!(
        text.contains("theme = \"auto\""),
        "the defaults follow: {text}"
    );
    assert!(world.run(&["config", "init"]).status.success());
    let out = world.run(&["config", "show"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().next().unwrap_or_default(),
        format!("# {}", file.display())
    );
}
