//! Nothing paid for is lost from the MCP face: a generation that `peel mcp` has started is
//! finished and saved even when the client goes away mid-call (the server exits only after the
//! image and its sidecar are on disk), and a server killed mid-request has recorded it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::World;
use serde_json::json;

fn send(stdin: &mut impl Write, message: serde_json::Value) {
    writeln!(stdin, "{message}").unwrap();
    stdin.flush().unwrap();
}

#[test]
fn a_client_that_hangs_up_mid_generation_loses_nothing() {
    let mut world = World::new();
    world.set("PEEL_SIM_LATENCY_MS", "4000");
    let mut child = world
        .peel()
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": { "name": "hang-up", "version": "0" } } }),
    );
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"name\":\"peel\""), "{line}");
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
    );
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "generate", "arguments": { "prompt": "a lighthouse in fog", "size": "1K" } } }),
    );
    // Hang up (both pipes) once the request is on the wire, while the simulator is still
    // "rendering" (waiting for that state, not for a guessed time).
    let store_file = world.root.path().join("data/peel.sqlite3");
    let started = Instant::now();
    loop {
        let sending = peel::store::Store::open(&store_file)
            .ok()
            .and_then(|s| s.jobs(&peel::store::JobFilter::default()).ok())
            .and_then(|jobs| jobs.first().map(|j| j.state.clone()));
        match sending.as_deref() {
            Some("sending") => break,
            Some("done") => panic!("the job ended before the client could hang up"),
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    drop(stdout);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "peel mcp did not exit after its client hung up"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let out = world.root.path().join("peel-out");
    let files: Vec<String> = std::fs::read_dir(&out)
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    // The extension follows the MIME type the transport answers with (JPEG on interactions).
    let images = files
        .iter()
        .filter(|f| f.ends_with(".png") || f.ends_with(".jpg"))
        .count();
    let sidecars = files.iter().filter(|f| f.ends_with(".json")).count();
    assert_eq!((images, sidecars), (1, 1), "{files:?}");
    let history = world.json(&["history"]);
    assert_eq!(history["jobs"][0]["state"], "done", "{history}");
}

#[test]
fn a_killed_server_has_already_recorded_the_request_it_sent() {
    let mut world = World::new();
    world.set("PEEL_SIM_LATENCY_MS", "3000");
    let mut child = world
        .peel()
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": { "name": "kill", "version": "0" } } }),
    );
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
    );
    // Let the server create the store first: two processes creating one store at once race
    // on its schema (a store matter, not this test's).
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "history", "arguments": {} } }),
    );
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"jobs\""), "{line}");
    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "generate", "arguments": { "prompt": "a harbour at night", "size": "1K" } } }),
    );
    let started = Instant::now();
    let recorded = loop {
        let history = world.json(&["history"]);
        if history["jobs"][0]["state"] == "sending" {
            break history;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the request was never recorded as sending: {history}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let after = world.json(&["history"]);
    assert_eq!(
        after["jobs"][0]["prompt"], "a harbour at night",
        "{recorded}"
    );
    assert_eq!(after["jobs"].as_array().unwrap().len(), 1, "{after}");
}
