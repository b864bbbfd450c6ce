//! What the outlive tests share: a slow simulator, peel in tmux, the store and the files
//! looked at, and waits for states (never for the clock).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::tmux::Tmux;
use crate::common::{Sim, World};

/// How long any one state may take to appear.
pub const DEADLINE: Duration = Duration::from_secs(40);
/// Pause between two looks.
pub const POLL: Duration = Duration::from_millis(50);
/// The simulator's answer time: long enough to kill things mid-request.
pub const LATENCY_MS: u64 = 5000;

/// A world whose peel processes talk to a slow standalone simulator.
pub fn slow_world() -> (World, Sim) {
    let mut world = World::new();
    let sim = Sim::start_slow(&world, LATENCY_MS, &[]);
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    (world, sim)
}

/// Like `slow_world`, the simulator keeping its requests (`GET /_peel/requests`).
pub fn slow_world_recording() -> (World, Sim) {
    let mut world = World::new();
    let sim = Sim::start_slow(&world, LATENCY_MS, &["--record", "100"]);
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    (world, sim)
}

/// How many interactions the simulator was asked to create.
pub fn creates(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or("").ends_with("/interactions"))
        .count()
}

/// A shell line running `peel ARGS` in `world` (`exec`ed, so the pane's pid is peel's).
pub fn peel_line(world: &World, args: &str, after: &str) -> String {
    let vars: Vec<String> = world
        .env
        .iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    let exec = if after.is_empty() { "exec " } else { "" };
    format!(
        "cd '{}' && {exec}env -u GOOGLE_API_KEY -u PEEL_SIM_FAULTS {} '{}' {args}{after}",
        world.root.path().display(),
        vars.join(" "),
        env!("CARGO_BIN_EXE_peel"),
    )
}

pub fn workbench(world: &World, tag: &str, after: &str) -> Tmux {
    let tmux = Tmux::start(tag, &peel_line(world, "--image-protocol halfblocks", after));
    tmux.wait_for("the workbench", |s| {
        ["Prompt", "Jobs", "Preview"].iter().all(|p| s.contains(p))
    });
    tmux
}

/// Types a prompt, presses Ctrl+G and waits until the request is on the wire.
pub fn generate_in(tmux: &Tmux, prompt: &str) {
    tmux.send(&["-l", prompt]);
    tmux.wait_for("the typed prompt", |s| s.contains(prompt));
    tmux.send(&["C-g"]);
    tmux.wait_for("the job sending", |s| {
        s.lines()
            .any(|l| l.contains("sending") && l.contains(prompt))
    });
}

pub fn history(world: &World) -> Vec<serde_json::Value> {
    world.json(&["history"])["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The job's state as `peel history --json` reports it.
pub fn job_state(world: &World, prompt: &str) -> Option<String> {
    history(world)
        .into_iter()
        .find(|j| j["prompt"] == prompt)
        .and_then(|j| j["state"].as_str().map(str::to_string))
}

/// The job's state read in-process through the same store code (fast enough to poll
/// under load; `job_state` checks the CLI's answer).
pub fn stored_state(world: &World, prompt: &str) -> Option<String> {
    let file = world.root.path().join("data/peel.sqlite3");
    if !file.exists() {
        return None;
    }
    let store = peel::store::Store::open(&file).ok()?;
    let jobs = store.jobs(&peel::store::JobFilter::default()).ok()?;
    jobs.into_iter()
        .find(|j| j.prompt == prompt)
        .map(|j| j.state)
}

/// Waits until the job is on the wire (failing at once if it already ended).
pub fn wait_sending(world: &World, prompt: &str) {
    wait_until("the job on the wire", || {
        let state = stored_state(world, prompt);
        assert!(
            !matches!(state.as_deref(), Some("done" | "failed")),
            "the job ended before the test saw it sending: {state:?}"
        );
        state.as_deref() == Some("sending")
    });
}

pub fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(POLL * 4);
    }
}

pub fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

/// Images and sidecars saved under `dir`.
pub fn saved(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut images = Vec::new();
    let mut sidecars = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("png" | "jpg" | "webp") => images.push(path),
            Some("json") => sidecars.push(path),
            _ => {}
        }
    }
    (images, sidecars)
}

/// `peel.log`, which never holds terminal bytes (escape sequences) whatever hung up.
pub fn log_text(world: &World) -> String {
    let log = std::fs::read_to_string(world.root.path().join("state/peel.log")).unwrap_or_default();
    assert!(
        !log.contains('\u{1b}'),
        "terminal bytes in peel.log: {:?}",
        log.lines()
            .filter(|l| l.contains('\u{1b}'))
            .collect::<Vec<_>>()
    );
    log
}

/// Clock ticks of CPU a process has used (utime + stime).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Every image below `dir`, folders included.
pub fn images_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(images_below(&path));
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("png" | "jpg" | "webp")
        ) && !path.components().any(|c| c.as_os_str() == "thumbs")
        {
            found.push(path);
        }
    }
    found
}

/// The interaction id the store recorded for the job with `prompt`, once it has one.
pub fn wait_interaction(world: &World, prompt: &str) -> String {
    let file = world.root.path().join("data/peel.sqlite3");
    let found = || -> Option<String> {
        let store = peel::store::Store::open(&file).ok()?;
        let jobs = store.jobs(&peel::store::JobFilter::default()).ok()?;
        let job = jobs.into_iter().find(|j| j.prompt == prompt)?;
        store.job_interaction(job.id).ok().flatten()
    };
    wait_until("the interaction id recorded", || found().is_some());
    found().unwrap_or_default()
}

/// Starts `peel ARGS` in the background, waits until the interactions of `prompts` are
/// recorded, then kills the process with SIGKILL (no handler runs).
pub fn kill_9_once_sent(world: &World, args: &[&str], prompts: &[&str]) -> String {
    let mut cli = world
        .peel()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let interactions: Vec<String> = prompts.iter().map(|p| wait_interaction(world, p)).collect();
    let interaction = interactions[0].clone();
    cli.kill().unwrap();
    cli.wait().unwrap();
    interaction
}

pub fn sidecar_of(image: &Path) -> serde_json::Value {
    let sidecar = peel::studio::output::sidecar_path(image);
    serde_json::from_slice(&std::fs::read(sidecar).unwrap()).unwrap()
}

/// A workbench (tagged `tag`, `after` run when peel exits) that has started a three-item
/// batch file (fox, owl, hare) and is sending its first item.
pub fn workbench_running_a_batch(world: &World, tag: &str, after: &str) -> Tmux {
    let file = world.root.path().join("shots.toml");
    std::fs::write(
        &file,
        "[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n\n\
         [[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n\n\
         [[item]]\nkey = \"hare\"\nprompt = \"a hare\"\n",
    )
    .unwrap();
    let tmux = workbench(world, tag, after);
    tmux.send(&["C-o"]);
    tmux.wait_for("the batch form", |s| s.contains("Run a batch file"));
    tmux.send(&["-l", &file.display().to_string()]);
    tmux.send(&["Enter"]);
    tmux.wait_for("the plan", |s| s.contains("Enter: run it"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the first item sending", |s| {
        s.lines()
            .any(|l| l.contains("[1·fox]") && l.contains("sending"))
    });
    tmux
}
