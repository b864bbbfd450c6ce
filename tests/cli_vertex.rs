//! Vertex AI end to end against the simulator: a service account whose `token_uri` is the
//! simulator's `/token` (JWT-bearer grant, bearer tokens, refresh), sessions, express mode
//! with an API key, and `personGeneration`.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::gcp::{CLIENT_EMAIL, PROJECT, write_service_account};
use common::{Sim, World, stderr};
use peel::config::{BackendKind, Config, Env, Overrides, Paths, Settings};
use peel::models::Registry;
use peel::sim::{Latency, SimConfig};
use peel::studio::backend;
use peel::studio::spec::{self, GenerateSpec};

/// A world set up for Vertex AI through a service account against `sim`.
fn vertex_world(sim: &Sim) -> World {
    let mut world = World::new();
    let sa = write_service_account(world.root.path(), &sim.url, CLIENT_EMAIL);
    world.set("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap());
    world.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    world.set("GOOGLE_GENAI_USE_VERTEXAI", "true");
    world
}

fn vertex_sim(world: &World, extra: &[&str]) -> Sim {
    let mut args = vec!["--client-email", CLIENT_EMAIL, "--project", PROJECT];
    args.extend_from_slice(extra);
    Sim::start(world, &args)
}

#[test]
fn a_service_account_generates_through_vertex_and_continues_a_session() {
    let sim = vertex_sim(&World::new(), &[]);
    let world = vertex_world(&sim);
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = world.json(&[
        "generate",
        "a lighthouse at dusk",
        "--aspect",
        "16:9",
        "--out",
        out,
    ]);
    assert_eq!(first["backend"], "vertex");
    let path = first["outputs"][0]["path"].as_str().unwrap();
    assert_eq!(common::pixel_size(std::path::Path::new(path)), (1376, 768));
    let session = first["session"].as_str().unwrap().to_string();
    let second = world.json(&["edit", &session, "make the sky more orange", "--out", out]);
    assert_eq!(second["session"], session.as_str());
    assert!(
        second["outputs"][0]["turn"].as_i64().unwrap()
            > first["outputs"][0]["turn"].as_i64().unwrap()
    );
    let stats = sim.stats();
    assert_eq!(stats["vertex_requests"], 2, "{stats}");
    assert_eq!(stats["token_grants"], 2, "one grant per process: {stats}");
    assert_eq!(stats["express_requests"], 0);
    // The bearer token is never written anywhere.
    for file in world.files() {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
        assert!(!text.contains("ya29."), "{} holds a token", file.display());
    }
}

#[test]
fn the_consistency_check_asks_the_text_model_through_vertex() {
    let sim = vertex_sim(&World::new(), &[]);
    let world = vertex_world(&sim);
    let reference = world.root.path().join("mira.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([230, 40, 160]))
        .save(&reference)
        .unwrap();
    world.json(&[
        "roster",
        "add",
        "character",
        "Mira",
        "--ref",
        reference.to_str().unwrap(),
    ]);
    let out = world.out();
    let made = world.json(&[
        "generate",
        "Mira waves",
        "--with",
        "Mira",
        "--out",
        out.to_str().unwrap(),
    ]);
    let image = made["outputs"][0]["path"].as_str().unwrap();
    let checked = world.json(&["check", image]);
    assert!(
        checked["images"][0]["anchors"][0]["score"]
            .as_u64()
            .unwrap()
            >= 70,
        "{checked}"
    );
    assert_eq!(
        sim.stats()["vertex_requests"],
        2,
        "the image, then the question"
    );
}

#[test]
fn the_backend_flag_and_env_choose_vertex_and_the_simulator_checks_the_project() {
    let sim = vertex_sim(&World::new(), &[]);
    let mut world = vertex_world(&sim);
    world.set("GOOGLE_GENAI_USE_VERTEXAI", "false");
    world.set("GOOGLE_CLOUD_QUOTA_PROJECT", "billing-project");
    let out = world.out();
    let body = world.json(&[
        "--backend",
        "vertex",
        "generate",
        "a fox",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(body["backend"], "vertex");
    assert_eq!(sim.stats()["last_quota_project"], "billing-project");
    let models = world.json(&["--backend", "vertex", "models", "--remote"]);
    let names: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"publishers/google/models/gemini-3.1-flash-image"),
        "{names:?}"
    );
    world.set("GOOGLE_CLOUD_PROJECT", "someone-elses-project");
    let denied = world.run(&[
        "--backend",
        "vertex",
        "generate",
        "a fox",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(denied.status.code(), Some(1));
    let text = stderr(&denied);
    assert!(text.contains("roles/aiplatform.user"), "{text}");
}

#[test]
fn a_foreign_service_account_is_refused_with_what_to_do() {
    let sim = vertex_sim(&World::new(), &[]);
    let mut world = vertex_world(&sim);
    let sa = write_service_account(
        world.root.path(),
        &sim.url,
        "intruder@elsewhere.iam.gserviceaccount.com",
    );
    world.set("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap());
    let out = world.run(&["generate", "a fox", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["error"]["kind"], "credentials", "{body}");
    assert!(stderr(&out).contains("GOOGLE_APPLICATION_CREDENTIALS"));
    world.set("GOOGLE_APPLICATION_CREDENTIALS", "/no/such/sa.json");
    let missing = world.run(&["generate", "a fox"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("/no/such/sa.json"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn express_mode_sends_the_key_without_a_project() {
    let sim = Sim::start(&World::new(), &["--key", "vertex-express-key"]);
    let world = World::new();
    world.add_config("[vertex]\napi_key = \"vertex-express-key\"");
    let mut world = world;
    world.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    let out = world.out();
    let body = world.json(&["generate", "a fox", "--out", out.to_str().unwrap()]);
    assert_eq!(
        body["backend"], "vertex",
        "a [vertex] section chooses Vertex AI"
    );
    let stats = sim.stats();
    assert_eq!(stats["express_requests"], 1, "{stats}");
    assert_eq!(stats["token_grants"], 0);
    let wrong = World::new();
    wrong.add_config("[vertex]\napi_key = \"not-the-key\"");
    let mut wrong = wrong;
    wrong.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    let refused = wrong.run(&["generate", "a fox", "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    let body: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(body["error"]["kind"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Vertex API key")
    );
    assert!(!String::from_utf8_lossy(&refused.stderr).contains("not-the-key"));
}

#[test]
fn person_generation_is_refused_on_the_gemini_api_and_sent_on_vertex() {
    let world = World::new();
    let refused = world.run(&["generate", "a crowd", "--person-generation", "allow_adult"]);
    assert_eq!(refused.status.code(), Some(2));
    let text = stderr(&refused);
    assert!(
        text.contains("Vertex AI option") && text.contains("--backend vertex"),
        "{text}"
    );
    assert!(
        world
            .files()
            .iter()
            .all(|f| f.extension().is_none_or(|e| e != "png"))
    );

    let sim = vertex_sim(&World::new(), &[]);
    let world = vertex_world(&sim);
    let out = world.out();
    let body = world.json(&[
        "generate",
        "a crowd",
        "--person-generation",
        "allow_adult",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(sim.stats()["last_person_generation"], "ALLOW_ADULT");
    let sidecar = body["outputs"][0]["sidecar"].as_str().unwrap();
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sidecar).unwrap()).unwrap();
    assert_eq!(
        sidecar["generation_config"]["imageConfig"]["personGeneration"],
        "ALLOW_ADULT"
    );
}

#[test]
fn a_region_other_than_global_is_warned_about_and_answers_not_found() {
    let sim = vertex_sim(&World::new(), &[]);
    let mut world = vertex_world(&sim);
    world.set("GOOGLE_CLOUD_LOCATION", "us-central1");
    let out = world.run(&["generate", "a fox"]);
    assert_eq!(out.status.code(), Some(6), "the model is not found there");
    let text = stderr(&out);
    assert!(text.contains("`global` location only"), "{text}");
    assert!(text.contains("not found"), "{text}");
}

/// Settings for Vertex AI through a service account file, without touching the process env.
fn settings(dir: &std::path::Path, sa: std::path::PathBuf, base_url: &str) -> Settings {
    let env = Env {
        application_credentials: Some(sa),
        vertex_base_url: Some(base_url.to_string()),
        ..Env::default()
    };
    let paths = Paths {
        config_dir: dir.join("config"),
        data_dir: dir.join("data"),
        state_dir: dir.join("state"),
        default_output_dir: dir.join("out"),
    };
    let flags = Overrides {
        offline: false,
        backend: Some(BackendKind::Vertex),
        transport: None,
    };
    Settings::resolve_with(Config::default(), paths, env, flags)
}

async fn two_requests(lifetime: Duration) -> u64 {
    let registry = Registry::shipped().unwrap();
    let config = SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        client_email: Some(CLIENT_EMAIL.into()),
        token_lifetime: lifetime,
        ..SimConfig::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sim = peel::sim::start(config, registry.clone(), addr)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sa = write_service_account(dir.path(), &sim.base_url(), CLIENT_EMAIL);
    let settings = settings(dir.path(), sa, &sim.base_url());
    let conn = backend::connect(&settings, &registry).await.unwrap();
    let spec = GenerateSpec {
        prompt: "a fox".into(),
        model: Some("nano-banana-2".into()),
        size: Some("512".into()),
        count: 1,
        ..GenerateSpec::default()
    };
    let job = spec::prepare(&spec, &registry).unwrap().remove(0);
    for _ in 0..2 {
        conn.client
            .generate_content(&job.settings.model, &job.request, |_| {})
            .await
            .unwrap();
    }
    let grants = sim.stats().token_grants;
    assert_eq!(sim.stats().vertex_requests, 2);
    sim.shutdown().await;
    grants
}

#[tokio::test]
async fn tokens_are_reused_while_fresh_and_refreshed_before_they_expire() {
    assert_eq!(
        two_requests(Duration::from_secs(3600)).await,
        1,
        "a fresh token is cached"
    );
    // gcp_auth refreshes a token within 20 s of its expiry: a 5 s token is renewed on the
    // next request, before the simulator would refuse it.
    assert_eq!(two_requests(Duration::from_secs(5)).await, 2, "refreshed");
}
