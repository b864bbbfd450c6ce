//! The Interactions API through the CLI: session turns continue by interaction id (only the
//! new instruction goes up), forks continue from their turn's id, a lost interaction is
//! replaced by the stored history once, and refusals switch a model to generate-content.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Sim, World, stderr};

fn session_of(body: &serde_json::Value) -> String {
    body["session"].as_str().unwrap().to_string()
}

fn bytes_of(body: &serde_json::Value) -> u64 {
    body["request_bytes"].as_u64().unwrap()
}

/// Turns 1–5 of a 2K session on `transport` against a long-lived simulator.
fn five_turns(world: &World, transport: &str) -> Vec<serde_json::Value> {
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = world.json(&[
        "generate",
        "a lighthouse at dusk",
        "--size",
        "2K",
        "--transport",
        transport,
        "--out",
        out,
    ]);
    let session = session_of(&first);
    let mut turns = vec![first];
    for step in ["warmer sky", "add gulls", "from the left", "at night"] {
        turns.push(world.json(&[
            "edit",
            &session,
            step,
            "--transport",
            transport,
            "--out",
            out,
        ]));
    }
    turns
}

#[test]
fn session_turns_send_only_the_new_instruction_and_forks_follow_their_turn() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &[]);
    let world = world_against(&sim);
    let ix = five_turns(&world, "interactions");
    let gc = five_turns(&world, "generate-content");
    let ix_bytes: Vec<u64> = ix.iter().map(bytes_of).collect();
    let gc_bytes: Vec<u64> = gc.iter().map(bytes_of).collect();
    eprintln!(
        "request_bytes of turns 1-5 at 2K: interactions {ix_bytes:?}, generate-content {gc_bytes:?}"
    );
    for (turn, body) in ix.iter().enumerate().skip(1) {
        assert!(body["interaction"].as_str().unwrap().starts_with("v1_"));
        assert!(
            bytes_of(body) < 2_000,
            "turn {} re-sent history: {ix_bytes:?}",
            turn + 1
        );
        assert!(!stderr_of_note(body), "{body}");
    }
    assert!(
        gc_bytes[2] > 100_000 && gc_bytes[4] > gc_bytes[2],
        "generate-content re-sends every image: {gc_bytes:?}"
    );
    assert!(gc.iter().all(|b| b["interaction"].is_null()));

    // A fork from turn 1 continues from turn 1's interaction, not the head's.
    let session = session_of(&ix[0]);
    let root = ix[0]["outputs"][0]["turn"].as_i64().unwrap();
    let out = world.out();
    let fork = world.run(&[
        "edit",
        &session,
        "make it winter",
        "--from",
        &root.to_string(),
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(fork.status.success(), "{}", stderr(&fork));
    let body: serde_json::Value = serde_json::from_slice(&fork.stdout).unwrap();
    assert!(bytes_of(&body) < 2_000, "{body}");
    assert!(
        !stderr(&fork).contains("no longer has"),
        "{}",
        stderr(&fork)
    );
}

fn stderr_of_note(body: &serde_json::Value) -> bool {
    body["jobs"][0]["error"].is_object()
}

#[test]
fn a_lost_interaction_is_replaced_by_the_stored_history_once() {
    let sim_world = World::new();
    let first_sim = Sim::start(&sim_world, &[]);
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &first_sim.url);
    world.set("GEMINI_API_KEY", "k");
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = world.json(&[
        "generate",
        "a red kite",
        "--model",
        "nano-banana-2",
        "--size",
        "512",
        "--out",
        out,
    ]);
    let session = session_of(&first);
    drop(first_sim);
    // A new server that never saw the interaction (as after expiry or with another key).
    let second_sim = Sim::start(&sim_world, &[]);
    world.set("GOOGLE_GEMINI_BASE_URL", &second_sim.url);
    let edit = world.run(&[
        "edit",
        &session,
        "add a second kite",
        "--json",
        "--out",
        out,
    ]);
    assert!(edit.status.success(), "{}", stderr(&edit));
    let err = stderr(&edit);
    assert_eq!(err.matches("no longer has interaction").count(), 1, "{err}");
    let body: serde_json::Value = serde_json::from_slice(&edit.stdout).unwrap();
    assert!(
        bytes_of(&body) > bytes_of(&first),
        "the history went up: {body}"
    );
    // The next turn continues from the new interaction without falling back again.
    let next = world.run(&["edit", &session, "and a third", "--json", "--out", out]);
    assert!(next.status.success(), "{}", stderr(&next));
    assert!(
        !stderr(&next).contains("no longer has"),
        "{}",
        stderr(&next)
    );
}

#[test]
fn a_model_the_service_refuses_on_interactions_moves_to_generate_content_for_good() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "no-interactions"]);
    let world = world_against(&sim);
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = generate_512(&world, "a fox", out);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("goes by generate-content"),
        "{}",
        stderr(&first)
    );
    let body: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(body["interaction"].is_null(), "{body}");
    let before = sim.stats()["interactions_requests"].as_u64().unwrap();
    let second = generate_512(&world, "a fox", out);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(!stderr(&second).contains("goes by"), "{}", stderr(&second));
    assert_eq!(
        sim.stats()["interactions_requests"].as_u64().unwrap(),
        before,
        "remembered: no second try on interactions"
    );
}

#[test]
fn jobs_run_in_the_background_with_their_id_recorded_and_a_refusal_is_remembered() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "no-background"]);
    let world = world_against(&sim);
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = generate_512(&world, "a fox", out);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("runs in the foreground from now on"),
        "{}",
        stderr(&first)
    );
    let body: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let id = body["interaction"].as_str().unwrap().to_string();
    let second = generate_512(&world, "an owl", out);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        !stderr(&second).contains("foreground"),
        "{}",
        stderr(&second)
    );
    let db = rusqlite::Connection::open(world.root.path().join("data/peel.sqlite3")).unwrap();
    let recorded: Vec<Option<String>> = db
        .prepare("SELECT interaction_id FROM jobs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].as_deref(), Some(id.as_str()));
    assert!(recorded[1].as_deref().unwrap().starts_with("v1_"));
    let reason: String = db
        .query_row(
            "SELECT no_background_reason FROM model_transports",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(reason.contains("background"), "{reason}");
}

#[test]
fn ctrl_c_on_a_running_background_job_cancels_it_on_the_server() {
    let sim_world = World::new();
    let sim = Sim::start(&sim_world, &["--faults", "slow"]);
    let world = world_against(&sim);
    let out = world.out();
    let mut child = world
        .peel()
        .args([
            "generate",
            "a slow fox",
            "--model",
            "nano-banana-2",
            "--size",
            "512",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db_path = world.root.path().join("data/peel.sqlite3");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let interaction = loop {
        let found = rusqlite::Connection::open(&db_path).ok().and_then(|db| {
            db.query_row(
                "SELECT interaction_id FROM jobs WHERE interaction_id IS NOT NULL",
                [],
                |r| r.get::<_, String>(0),
            )
            .ok()
        });
        if let Some(id) = found {
            break id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no interaction recorded"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let signal = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signal.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "an interrupted generate exits non-zero");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state: serde_json::Value = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/v1beta/interactions/{interaction}", sim.url))
            .header("x-goog-api-key", "k")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(state["status"], "cancelled", "{state}");
}

/// `peel generate PROMPT` on Nano Banana 2 at 512, as JSON, into `out`.
fn generate_512(world: &World, prompt: &str, out: &str) -> std::process::Output {
    world.run(&[
        "generate",
        prompt,
        "--model",
        "nano-banana-2",
        "--size",
        "512",
        "--json",
        "--out",
        out,
    ])
}

/// A private world whose peel talks to `sim` with a key.
fn world_against(sim: &Sim) -> World {
    let mut world = World::new();
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "k");
    world
}
