//! `--detach` and `peel wait`: the command returns once the work is sent, a detached peel
//! process (its own session, no terminal) saves it, and `peel wait` exits 0, 1, 2 or 124
//! as its contract says. Against `peel sim` processes and the embedded simulator.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::{Sim, World};
use serde_json::Value;

/// The simulator's answer time: long enough that `--detach` visibly returns before it.
const LATENCY_MS: u64 = 3000;

fn online(latency_ms: u64, extra: &[&str]) -> (World, Sim) {
    let mut world = World::new();
    let sim = Sim::start_slow(&world, latency_ms, extra);
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    (world, sim)
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The detached processes the store knows, with their pids.
fn carriers(world: &World) -> Vec<u32> {
    let store = peel::store::Store::open(&world.root.path().join("data/peel.sqlite3")).unwrap();
    store
        .running_carriers()
        .unwrap()
        .into_iter()
        .map(|c| c.owner.pid)
        .collect()
}

/// `/proc/PID/stat`: (session id, controlling tty).
fn session_and_tty(pid: u32) -> (u32, i64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    // After the name: state, ppid, pgrp, session, tty_nr.
    (fields[3].parse().unwrap(), fields[4].parse().unwrap())
}

fn images(world: &World) -> Vec<std::path::PathBuf> {
    world
        .files()
        .into_iter()
        .filter(|p| p.starts_with(world.out()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "png"))
        .filter(|p| p.file_name().is_some_and(|n| n != "sheet.png"))
        .collect()
}

fn wait_all(world: &World) {
    let out = world.run(&["wait", "--all", "--timeout", "120"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn generate_detach_returns_once_sent_and_a_detached_process_saves_the_image() {
    let (world, sim) = online(LATENCY_MS, &["--record", "20"]);
    let started = Instant::now();
    let out = world.run(&["generate", "a red fox", "--detach", "--json"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let body = stdout_json(&out);
    assert_eq!(body["detached"], true);
    assert_eq!(body["run"], Value::Null);
    let jobs = body["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["state"], "sending", "the service has it: {body}");
    let id = jobs[0]["id"].as_i64().unwrap();
    assert!(
        took < Duration::from_millis(LATENCY_MS),
        "returned before the answer: {took:?}"
    );
    // The detached process: its own session, no controlling terminal.
    let pids = carriers(&world);
    assert_eq!(pids.len(), 1, "one detached process");
    let (session, tty) = session_and_tty(pids[0]);
    assert_eq!(session, pids[0], "a session of its own");
    assert_eq!(tty, 0, "no controlling terminal");
    let history = world.json(&["history"]);
    assert_eq!(
        history["jobs"][0]["state"], "sending",
        "owned by the detached process, not interrupted"
    );

    let waited = world.run(&["wait", &id.to_string(), "--json"]);
    assert_eq!(
        code(&waited),
        0,
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let waited = stdout_json(&waited);
    let outputs = waited["jobs"][0]["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 1);
    assert!(std::path::Path::new(outputs[0].as_str().unwrap()).is_file());
    wait_all(&world);
    assert_eq!(images(&world).len(), 1, "saved once");
    let creates = sim
        .requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/interactions"))
        .count();
    assert_eq!(creates, 1, "sent once");
    let sidecar: Value = serde_json::from_slice(
        &std::fs::read(format!("{}.json", outputs[0].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let timings = &sidecar["timings"];
    assert_eq!(timings["collected"], true);
    assert!(
        timings["elapsed_ms"].as_u64().unwrap() >= LATENCY_MS - 1000,
        "real timings: {timings}"
    );
    assert!(timings["started_at"].is_string(), "{timings}");
}

#[test]
fn wait_answers_0_1_2_and_124_as_its_contract_says() {
    let (world, _sim) = online(LATENCY_MS, &[]);
    // Bad input: nothing waited for.
    for args in [
        vec!["wait", "999"],
        vec!["wait"],
        vec!["wait", "--run", "nope"],
        vec!["wait", "abc"],
    ] {
        let out = world.run(&args);
        assert_eq!(
            code(&out),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // --detach refuses bad input as without it.
    let out = world.run(&["generate", "x", "--count", "0", "--detach"]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));

    let body = stdout_json(&world.run(&["generate", "a slow owl", "--detach", "--json"]));
    let id = body["jobs"][0]["id"].as_i64().unwrap().to_string();
    let started = Instant::now();
    let out = world.run(&["wait", &id, "--timeout", "0.3", "--json"]);
    assert_eq!(code(&out), 124, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_millis(LATENCY_MS));
    let body = stdout_json(&out);
    assert_eq!(body["timed_out"], true);
    assert!(
        body["still_running"][0]["target"]
            .as_str()
            .unwrap()
            .contains(&id)
    );
    let out = world.run(&["wait", &id]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn wait_ends_with_exit_1_and_the_state_when_a_job_fails() {
    let (world, _sim) = online(300, &["--faults", "image-safety"]);
    let body = stdout_json(&world.run(&["generate", "a blocked thing", "--detach", "--json"]));
    let id = body["jobs"][0]["id"].as_i64().unwrap().to_string();
    let out = world.run(&["wait", &id, "--json"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let body = stdout_json(&out);
    assert_eq!(body["ended"]["state"], "failed", "{body}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ended failed"));
    wait_all(&world);
}

#[test]
fn a_detached_batch_run_is_run_by_the_detached_process_and_waited_for_by_run() {
    let (world, sim) = online(200, &["--record", "50"]);
    let file = world.root.path().join("three.toml");
    std::fs::write(
        &file,
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n[[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n[[item]]\nkey = \"elk\"\nprompt = \"an elk\"\n",
    )
    .unwrap();
    let out = world.run(&["batch", "run", file.to_str().unwrap(), "--detach", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let body = stdout_json(&out);
    assert_eq!(body["detached"], true);
    assert_eq!(body["jobs"], serde_json::json!([]));
    let run = body["run"].as_i64().unwrap();
    let out = world.run(&["wait", "--run", &run.to_string(), "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let body = stdout_json(&out);
    assert_eq!(body["runs"][0]["state"], "done");
    assert_eq!(body["runs"][0]["done"], 3);
    wait_all(&world);
    assert_eq!(images(&world).len(), 3);
    assert_eq!(sim.requests().len(), 3, "each item sent once");

    // A story, detached too.
    let story = world.root.path().join("story.toml");
    std::fs::write(
        &story,
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n[[frame]]\nkey = \"a\"\nprompt = \"a door\"\n[[frame]]\nkey = \"b\"\nprompt = \"the door opens\"\n",
    )
    .unwrap();
    let body = stdout_json(&world.run(&["story", story.to_str().unwrap(), "--detach", "--json"]));
    let run = body["run"].as_i64().unwrap().to_string();
    let out = world.run(&["wait", "--run", &run]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    wait_all(&world);
    assert_eq!(images(&world).len(), 5);
}

#[test]
fn offline_a_detached_generate_is_finished_by_the_detached_process_s_simulator() {
    let mut world = World::new();
    world.set("PEEL_SIM_LATENCY_MS", "2000");
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    let body = stdout_json(&world.run(&["generate", "a quiet pond", "--detach", "--json"]));
    assert_eq!(body["jobs"][0]["state"], "sending", "{body}");
    let session = world.json(&["session", "list"])["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_all(&world);
    assert_eq!(images(&world).len(), 1);
    // The session continues in another process, by its interaction.
    let out = world.run(&["edit", &session, "add a heron", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("no longer has interaction"),
        "the embedded simulator kept it: {stderr}"
    );
    let body = stdout_json(&out);
    assert_eq!(body["jobs"][0]["turn"], 2, "turn 2 of its session");
}

#[test]
fn resume_promote_and_check_detach_too_and_wait_covers_them() {
    let (world, sim) = online(100, &["--record", "50"]);
    let file = world.root.path().join("pair.toml");
    std::fs::write(
        &file,
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n[[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n",
    )
    .unwrap();
    // A run stopped by its budget after the first item, then resumed detached.
    let out = world.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--budget",
        "0.05",
        "--json",
    ]);
    assert_eq!(
        code(&out),
        3,
        "stopped at the budget: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = stdout_json(&out)["run"].as_i64().unwrap().to_string();
    let out = world.run(&["wait", "--run", &run, "--json"]);
    assert_eq!(code(&out), 1, "a run stopped by its budget ends the wait");
    assert_eq!(stdout_json(&out)["ended"]["state"], "stopped by its budget");
    let body = stdout_json(&world.run(&[
        "batch", "resume", &run, "--budget", "10", "--detach", "--json",
    ]));
    assert_eq!(body["run"].to_string(), run);
    let out = world.run(&["wait", "--run", &run]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sim.requests().len(), 2, "nothing sent twice");

    // Promote detached.
    let body = stdout_json(&world.run(&[
        "batch", "promote", &run, "--items", "fox", "--size", "1K", "--detach", "--json",
    ]));
    let promoted = body["run"].as_i64().unwrap().to_string();
    assert_ne!(promoted, run);
    let out = world.run(&["wait", "--run", &promoted]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    // A check, detached: `wait --all` waits for the detached process.
    let dir = world.json(&["batch", "list"])["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_i64().map(|i| i.to_string()).as_deref() == Some(run.as_str()))
        .unwrap()["dir"]
        .as_str()
        .unwrap()
        .to_string();
    common::add_two_colour_character(&world, "Mira");
    let out = world.run(&["check", &dir, "--with", "Mira", "--detach", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"detached": true, "jobs": [], "run": null})
    );
    let bad = world.run(&["check", "/no/such/place", "--detach"]);
    assert_eq!(code(&bad), 2, "refused as without --detach");
    wait_all(&world);
    let sidecars: Vec<Value> = world
        .files()
        .into_iter()
        .filter(|p| p.starts_with(&dir) && p.to_string_lossy().ends_with(".jpg.json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    assert_eq!(sidecars.len(), 2);
    assert!(
        sidecars
            .iter()
            .all(|s| s["consistency"]["anchors"][0]["name"] == "Mira"),
        "the detached check wrote its scores"
    );
}

#[test]
fn wait_run_fetches_a_batch_api_run_once_it_succeeded() {
    let (world, _sim) = online(0, &[]);
    world.add_config("[batch]\nmax_poll_secs = 1");
    let file = world.root.path().join("api.toml");
    std::fs::write(
        &file,
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n[[item]]\nkey = \"a\"\nprompt = \"a cup\"\n[[item]]\nkey = \"b\"\nprompt = \"a jug\"\n",
    )
    .unwrap();
    let submitted = world.json(&["batch", "submit", file.to_str().unwrap()]);
    let run = submitted["run"].to_string();
    let out = world.run(&["wait", "--run", &run, "--json", "--timeout", "120"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let body = stdout_json(&out);
    assert_eq!(body["runs"][0]["state"], "done", "{body}");
    assert_eq!(body["runs"][0]["lane"], "batch-api");
    assert_eq!(images(&world).len(), 2, "fetched and saved");
}

#[test]
fn history_shows_absolute_paths_for_a_relative_out() {
    let world = World::new();
    let out = world.run(&["generate", "a pear", "--out", "rel/out", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let path = stdout_json(&out)["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(std::path::Path::new(&path).is_absolute(), "{path}");
    let history = world.json(&["history"]);
    let saved = history["jobs"][0]["outputs"][0].as_str().unwrap();
    assert!(std::path::Path::new(saved).is_absolute(), "{saved}");
    assert!(saved.ends_with("rel/out/a-pear.jpg"), "{saved}");
    let human = String::from_utf8_lossy(&world.run(&["history"]).stdout).to_string();
    assert!(human.contains(saved), "{human}");
}
