//! Multi-turn sessions through the CLI: continue, fork, re-root, export, signatures.
#![allow(clippy::unwrap_used)]

mod common;

use common::{World, stderr};

fn session_of(body: &serde_json::Value) -> String {
    body["session"].as_str().unwrap().to_string()
}

fn turn_of(body: &serde_json::Value) -> i64 {
    body["outputs"][0]["turn"].as_i64().unwrap()
}

#[test]
fn edits_continue_fork_and_persist_across_restarts() {
    let world = World::new();
    let out = world.out();
    let out = out.to_str().unwrap();
    let first = world.json(&["generate", "a lighthouse at dusk", "--out", out]);
    let session = session_of(&first);
    let root = turn_of(&first);
    // Each command is a fresh process: the session is reopened from the store every time.
    let second = world.json(&["edit", &session, "make the sky more orange", "--out", out]);
    assert_eq!(session_of(&second), session);
    let third = world.json(&["edit", &session[..5], "now from the left", "--out", out]);
    let fork = world.json(&[
        "edit",
        &session,
        "make it night",
        "--from",
        &root.to_string(),
        "--out",
        out,
    ]);
    let shown = world.json(&["session", "show", &session]);
    let turns = shown["session"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 4);
    let parent = |id: i64| turns.iter().find(|t| t["id"] == id).unwrap()["parent"].clone();
    assert_eq!(parent(turn_of(&second)), root);
    assert_eq!(parent(turn_of(&third)), turn_of(&second));
    assert_eq!(
        parent(turn_of(&fork)),
        root,
        "--from forks a new branch; the old one stays"
    );
    assert_eq!(shown["session"]["head"], turn_of(&fork));
    // Every final model image came back with its signature, verbatim, in the store.
    for turn in turns {
        let parts = turn["model"]["parts"].as_array().unwrap();
        let finals: Vec<_> = parts
            .iter()
            .filter(|p| p["image"].is_object() && p["thought"] != true)
            .collect();
        assert!(!finals.is_empty());
        assert!(finals.iter().all(|p| {
            p["thoughtSignature"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        }));
    }
    let undone = world.json(&["session", "undo", &session]);
    assert_eq!(undone["head"], root, "undo steps back to the parent");
    let next = world.json(&["edit", &session, "add a moon", "--out", out]);
    let after = world.json(&["session", "show", &session]);
    let turns_after = after["session"]["turns"].as_array().unwrap();
    let parent_of_next = turns_after
        .iter()
        .find(|t| t["id"] == turn_of(&next))
        .unwrap()["parent"]
        .clone();
    assert_eq!(
        parent_of_next, root,
        "after undo the next edit continues from the parent"
    );
    let first_undo = world.run(&["session", "undo", &session]);
    assert!(first_undo.status.success());
    let at_root = world.run(&["session", "undo", &session]);
    assert_eq!(at_root.status.code(), Some(2));
    assert!(
        stderr(&at_root).contains("first turn"),
        "{}",
        stderr(&at_root)
    );
    let listed = world.json(&["session", "list"]);
    assert_eq!(listed["sessions"][0]["turns"], 5);
    let human = world.run(&["session", "show", &session]);
    let tree = String::from_utf8_lossy(&human.stdout);
    assert!(
        tree.contains("└─") && tree.contains("make it night") && tree.contains("← head"),
        "{tree}"
    );
}

#[test]
fn a_tampered_or_missing_signature_is_refused_by_the_service() {
    // generateContent replays the stored turns, signatures included (the Interactions API
    // continues from the interaction the simulator keeps in the data folder instead).
    let world = World::new();
    world.add_config("[api]\ntransport = \"generate-content\"");
    let out = world.out();
    let first = world.json(&["generate", "a red kite", "--out", out.to_str().unwrap()]);
    let session = session_of(&first);
    let db = rusqlite::Connection::open(world.root.path().join("data/peel.sqlite3")).unwrap();
    let model_json: String = db
        .query_row("SELECT model_json FROM turns", [], |r| r.get(0))
        .unwrap();
    let mut model: serde_json::Value = serde_json::from_str(&model_json).unwrap();
    let parts = model["parts"].as_array_mut().unwrap();
    let image = parts.iter_mut().rfind(|p| p["image"].is_object()).unwrap();
    image["thoughtSignature"] = serde_json::json!("dGFtcGVyZWQ=");
    db.execute("UPDATE turns SET model_json = ?1", [model.to_string()])
        .unwrap();
    let tampered = world.run(&[
        "edit",
        &session,
        "add a second kite",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(
        stderr(&tampered).contains("thought signature"),
        "{}",
        stderr(&tampered)
    );

    let parts = model["parts"].as_array_mut().unwrap();
    let image = parts.iter_mut().rfind(|p| p["image"].is_object()).unwrap();
    image.as_object_mut().unwrap().remove("thoughtSignature");
    db.execute("UPDATE turns SET model_json = ?1", [model.to_string()])
        .unwrap();
    let missing = world.run(&[
        "edit",
        &session,
        "add a second kite",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("missing a thought_signature"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn reroot_export_rm_and_refusals() {
    let world = World::new();
    let out = world.out();
    let out_s = out.to_str().unwrap();
    let first = world.json(&["generate", "a teapot", "--out", out_s]);
    let image = first["outputs"][0]["path"].as_str().unwrap().to_string();
    let session = session_of(&first);
    let rerooted = world.json(&["edit", &image, "make it glossy", "--out", out_s]);
    assert_ne!(
        session_of(&rerooted),
        session,
        "re-rooting starts a new session"
    );
    let shown = world.json(&["session", "show", &session_of(&rerooted)]);
    let user = &shown["session"]["turns"][0]["user"]["parts"];
    assert!(
        user[1]["image"].is_object(),
        "the image is a reference in the user turn: {user}"
    );

    let switch = world.run(&["edit", &session, "x", "--model", "nano-banana-pro"]);
    assert_eq!(switch.status.code(), Some(2));
    assert!(
        stderr(&switch).contains("cannot switch models"),
        "{}",
        stderr(&switch)
    );
    let unknown = world.run(&["edit", "ffffffff", "x"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("peel session list"));
    let bad_turn = world.run(&["edit", &session, "x", "--from", "999"]);
    assert!(
        stderr(&bad_turn).contains("is not in session"),
        "{}",
        stderr(&bad_turn)
    );

    world.json(&["edit", &session, "make it blue", "--out", out_s]);
    let dest = world.root.path().join("export");
    let exported = world.json(&["session", "export", &session, dest.to_str().unwrap()]);
    let files = exported["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        dest.join("001_turn1.png").exists()
            || dest.join(files[0]["file"].as_str().unwrap()).exists()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dest.join("session.json")).unwrap()).unwrap();
    assert_eq!(manifest["session"]["id"], session);
    let again = world.run(&["session", "export", &session, dest.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "export refuses a non-empty folder"
    );

    world.json(&["session", "rm", &session]);
    let gone = world.run(&["session", "show", &session]);
    assert_eq!(gone.status.code(), Some(2));
}

#[test]
fn large_references_go_through_the_files_api_once() {
    let mut world = World::new();
    std::fs::write(
        world.root.path().join("config/config.toml"),
        "[api]\ninline_limit_mb = 0.001\n[retry]\nbase_delay_ms = 10\nmax_delay_ms = 100\n",
    )
    .unwrap();
    let sim = common::Sim::start(&world, &["--key", "files-test-key"]);
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "files-test-key");
    let out = world.out();
    let out_s = out.to_str().unwrap();
    let first = world.json(&["generate", "a red kite", "--out", out_s]);
    let reference = first["outputs"][0]["path"].as_str().unwrap().to_string();
    let mut names = Vec::new();
    for prompt in ["the kite over the sea", "the kite at night"] {
        let body = world.json(&["generate", prompt, "--ref", &reference, "--out", out_s]);
        let sidecar: serde_json::Value = serde_json::from_slice(
            &std::fs::read(body["outputs"][0]["sidecar"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let uploaded = sidecar["timings"]["uploaded_files"].as_array().unwrap();
        assert_eq!(uploaded.len(), 1, "{sidecar}");
        assert!(uploaded[0].as_str().unwrap().starts_with("files/"));
        names.push(uploaded[0].clone());
    }
    assert_eq!(
        names[0], names[1],
        "the same reference is uploaded once and reused"
    );
    let db = rusqlite::Connection::open(world.root.path().join("data/peel.sqlite3")).unwrap();
    let (count, expires): (i64, String) = db
        .query_row("SELECT COUNT(*), MAX(expires_at) FROM uploads", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(count, 1);
    let expires = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
    let hours = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!(
        (46..=48).contains(&hours),
        "expiry is about 48 h away: {hours}"
    );
    // An expired upload is uploaded again.
    db.execute("UPDATE uploads SET expires_at = '2000-01-01T00:00:00Z'", [])
        .unwrap();
    let body = world.json(&[
        "generate",
        "the kite at dawn",
        "--ref",
        &reference,
        "--out",
        out_s,
    ]);
    let sidecar: serde_json::Value = serde_json::from_slice(
        &std::fs::read(body["outputs"][0]["sidecar"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_ne!(
        sidecar["timings"]["uploaded_files"][0], names[0],
        "re-uploaded after expiry"
    );
}
