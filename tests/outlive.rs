//! Work outlives the terminal: the real binary in tmux against `peel sim --latency-ms 5000`,
//! with terminals killed mid-request, `kill -9`, and several peel processes on one store.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{Sim, World};

/// How long any one state may take to appear.
const DEADLINE: Duration = Duration::from_secs(40);
/// Pause between two looks.
const POLL: Duration = Duration::from_millis(50);
/// The simulator's answer time: long enough to kill things mid-request.
const LATENCY_MS: u64 = 5000;

/// A world whose peel processes talk to a slow standalone simulator.
fn slow_world() -> (World, Sim) {
    let mut world = World::new();
    let sim = Sim::start_slow(&world, LATENCY_MS, &[]);
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    (world, sim)
}

/// Like `slow_world`, the simulator keeping its requests (`GET /_peel/requests`).
fn slow_world_recording() -> (World, Sim) {
    let mut world = World::new();
    let sim = Sim::start_slow(&world, LATENCY_MS, &["--record", "100"]);
    world.set("GEMINI_API_KEY", "test-key");
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    (world, sim)
}

/// How many interactions the simulator was asked to create.
fn creates(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or("").ends_with("/interactions"))
        .count()
}

/// A shell line running `peel ARGS` in `world` (`exec`ed, so the pane's pid is peel's).
fn peel_line(world: &World, args: &str, after: &str) -> String {
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

fn workbench(world: &World, tag: &str, after: &str) -> Tmux {
    let tmux = Tmux::start(tag, &peel_line(world, "--image-protocol halfblocks", after));
    tmux.wait_for("the workbench", |s| {
        ["Prompt", "Jobs", "Preview"].iter().all(|p| s.contains(p))
    });
    tmux
}

/// Types a prompt, presses Ctrl+G and waits until the request is on the wire.
fn generate_in(tmux: &Tmux, prompt: &str) {
    tmux.send(&["-l", prompt]);
    tmux.wait_for("the typed prompt", |s| s.contains(prompt));
    tmux.send(&["C-g"]);
    tmux.wait_for("the job sending", |s| {
        s.lines()
            .any(|l| l.contains("sending") && l.contains(prompt))
    });
}

fn history(world: &World) -> Vec<serde_json::Value> {
    world.json(&["history"])["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The job's state as `peel history --json` reports it.
fn job_state(world: &World, prompt: &str) -> Option<String> {
    history(world)
        .into_iter()
        .find(|j| j["prompt"] == prompt)
        .and_then(|j| j["state"].as_str().map(str::to_string))
}

/// The job's state read in-process through the same store code (fast enough to poll
/// under load; `job_state` checks the CLI's answer).
fn stored_state(world: &World, prompt: &str) -> Option<String> {
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
fn wait_sending(world: &World, prompt: &str) {
    wait_until("the job on the wire", || {
        let state = stored_state(world, prompt);
        assert!(
            !matches!(state.as_deref(), Some("done" | "failed")),
            "the job ended before the test saw it sending: {state:?}"
        );
        state.as_deref() == Some("sending")
    });
}

fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(POLL * 4);
    }
}

fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

/// Images and sidecars saved under `dir`.
fn saved(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
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
fn log_text(world: &World) -> String {
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

#[test]
fn killing_the_terminal_mid_request_still_saves_the_image() {
    let (world, _sim) = slow_world();
    let tmux = workbench(&world, "hup", "");
    generate_in(&tmux, "a lighthouse at dusk");
    let pid = tmux.pane_pid();
    assert_eq!(
        stored_state(&world, "a lighthouse at dusk").as_deref(),
        Some("sending")
    );
    tmux.kill_server();
    wait_until("the workbench to finish headless and exit", || {
        !is_running(pid)
    });
    let (images, sidecars) = saved(&world.out());
    assert_eq!(
        (images.len(), sidecars.len()),
        (1, 1),
        "{images:?} {sidecars:?}"
    );
    assert_eq!(
        job_state(&world, "a lighthouse at dusk").as_deref(),
        Some("done")
    );
    let log = log_text(&world);
    assert!(log.contains("SIGHUP") || log.contains("gone"), "{log}");
    assert!(log.contains("headless: done — 1 saved, 0 failed"), "{log}");
}

#[test]
fn quit_with_b_returns_the_shell_at_once_and_a_detached_process_finishes_the_job() {
    let (world, sim) = slow_world_recording();
    let tmux = workbench(
        &world,
        "quitb",
        "; echo PEEL_EXITED=$? AT=$(date +%s%N); sleep 60",
    );
    generate_in(&tmux, "a harbour in fog");
    tmux.send(&["C-q"]);
    tmux.wait_for("the quit question with b", |s| {
        s.contains("1 job is still running")
            && s.contains("b: leave them running in the background")
    });
    let pressed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    tmux.send(&["b"]);
    let screen = tmux.wait_for("the shell back, with the note", |s| {
        s.contains("1 job keeps running in the background") && s.contains("PEEL_EXITED=0")
    });
    assert!(
        !screen.contains("Preview"),
        "the workbench is gone:\n{screen}"
    );
    let exited: u128 = screen
        .split("AT=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let took = Duration::from_nanos((exited.saturating_sub(pressed)) as u64);
    eprintln!(
        "figure: the shell prompt came back {} ms after b",
        took.as_millis()
    );
    assert!(
        took < Duration::from_secs(1),
        "the shell came back in {took:?}"
    );
    assert_eq!(
        job_state(&world, "a harbour in fog").as_deref(),
        Some("sending"),
        "still on its way, owned by the detached process"
    );
    wait_until("the detached process to save it", || {
        stored_state(&world, "a harbour in fog").as_deref() == Some("done")
    });
    let (images, sidecars) = saved(&world.out());
    assert_eq!((images.len(), sidecars.len()), (1, 1));
    assert_eq!(creates(&sim), 1, "sent once");
    let log = log_text(&world);
    assert!(
        log.contains("detached: done — 1 saved, 0 failed; exiting 0"),
        "{log}"
    );
}

#[test]
fn a_generate_from_a_shell_shows_live_in_an_open_workbench() {
    let (world, _sim) = slow_world();
    let tmux = workbench(&world, "live", "");
    let mut cli = world
        .peel()
        .args(["generate", "an owl", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tmux.wait_for("the CLI's job sending, from elsewhere", |s| {
        s.lines()
            .any(|l| l.contains("an owl") && l.contains("sending") && l.contains("elsewhere"))
    });
    assert!(cli.wait().unwrap().success());
    let finished = Instant::now();
    tmux.wait_for("the CLI's job done", |s| {
        s.lines()
            .any(|l| l.contains("an owl") && l.contains("done"))
    });
    let delay = finished.elapsed();
    eprintln!(
        "figure: a job elsewhere showed done {} ms after its process exited",
        delay.as_millis()
    );
    assert!(delay < Duration::from_secs(2), "{delay:?}");
    // The selected job (the only one) previews like a job of our own.
    tmux.wait_for("the preview of the job elsewhere", |s| {
        s.chars().filter(|c| matches!(c, '▀' | '▄')).count() > 200
    });
}

#[test]
fn a_generate_killed_mid_request_reads_interrupted() {
    let (world, _sim) = slow_world();
    let mut cli = world
        .peel()
        .args(["generate", "a red kite", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_sending(&world, "a red kite");
    assert_eq!(
        job_state(&world, "a red kite").as_deref(),
        Some("sending"),
        "its owner is alive"
    );
    cli.kill().unwrap();
    cli.wait().unwrap();
    assert_eq!(
        job_state(&world, "a red kite").as_deref(),
        Some("interrupted")
    );
    let raw = world.run(&["history", "--json"]);
    assert!(!String::from_utf8_lossy(&raw.stdout).contains("\"sending\""));
}

#[test]
fn a_generate_whose_terminal_dies_finishes_and_logs_its_output() {
    let (world, _sim) = slow_world();
    let tmux = Tmux::start(
        "clihup",
        &peel_line(&world, "generate 'a paper boat' --json", ""),
    );
    let pid = tmux.pane_pid();
    wait_sending(&world, "a paper boat");
    tmux.kill_server();
    wait_until("the CLI to finish and exit", || !is_running(pid));
    assert_eq!(job_state(&world, "a paper boat").as_deref(), Some("done"));
    let (images, sidecars) = saved(&world.out());
    assert_eq!((images.len(), sidecars.len()), (1, 1));
    let log = log_text(&world);
    assert!(
        log.contains("generate: the terminal hung up") && log.contains("\"outputs\""),
        "the JSON result went to the log: {log}"
    );
}

#[test]
fn two_workbenches_on_one_store_work_side_by_side() {
    let (world, _sim) = slow_world();
    let left = workbench(&world, "left", "");
    let right = workbench(&world, "right", "");
    generate_in(&left, "left moon");
    generate_in(&right, "right sun");
    for (tmux, theirs) in [(&left, "right sun"), (&right, "left moon")] {
        tmux.wait_for("the other's job, from elsewhere", |s| {
            s.lines()
                .any(|l| l.contains(theirs) && l.contains("elsewhere"))
        });
    }
    for tmux in [&left, &right] {
        let screen = tmux.wait_for("both jobs done", |s| {
            ["left moon", "right sun"]
                .iter()
                .all(|p| s.lines().any(|l| l.contains(p) && l.contains("done")))
        });
        assert!(
            !screen.contains("locked") && !screen.contains("busy"),
            "{screen}"
        );
    }
    assert_eq!(saved(&world.out()).0.len(), 2);
}

/// Clock ticks of CPU a process has used (utime + stime).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The figures for the closing note (slow: run with
/// `cargo test --test outlive -- --ignored --nocapture idle_cost`).
#[test]
#[ignore = "a 30 s measurement"]
fn idle_cost_and_delay_of_the_live_view_with_10000_jobs() {
    let (world, _sim) = slow_world();
    std::fs::create_dir_all(world.root.path().join("data")).unwrap();
    let store = peel::store::Store::open(&world.root.path().join("data/peel.sqlite3")).unwrap();
    let record = |prompt: String| peel::store::JobRecord {
        prompt,
        model: "gemini-3.1-flash-image".into(),
        aspect: None,
        size: Some("1K".into()),
        seed: Some(1),
        request_json: "{}".into(),
    };
    for n in 0..10_000 {
        let id = store
            .insert_job(&record(format!("stored job {n}")))
            .unwrap();
        let done = peel::store::JobUpdate::Done {
            outputs: vec![],
            cost_usd: 0.04,
            response_id: None,
            elapsed_ms: 1000,
        };
        store.update_job(id, &done).unwrap();
    }
    let tmux = workbench(&world, "idle", "");
    let pid = tmux.pane_pid();
    std::thread::sleep(Duration::from_secs(3));
    let window = Duration::from_secs(30);
    let before = cpu_ticks(pid);
    std::thread::sleep(window);
    let used = cpu_ticks(pid) - before;
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let percent = used as f64 / ticks_per_s / window.as_secs_f64() * 100.0;
    eprintln!(
        "figure: idle workbench, 10,000 jobs in the store: {used} ticks in 30 s = {percent:.2} % CPU"
    );
    let mut delays = Vec::new();
    for n in 0..5 {
        let prompt = format!("probe {n}");
        let id = store.insert_job(&record(prompt.clone())).unwrap();
        let changed = Instant::now();
        store
            .update_job(id, &peel::store::JobUpdate::Started { attempt: 1 })
            .unwrap();
        tmux.wait_for("the probe", |s| {
            s.lines()
                .any(|l| l.contains(&prompt) && l.contains("sending"))
        });
        delays.push(changed.elapsed().as_millis());
        store
            .update_job(id, &peel::store::JobUpdate::Cancelled)
            .unwrap();
    }
    delays.sort_unstable();
    eprintln!(
        "figure: change elsewhere to screen, 5 probes: {delays:?} ms (median {} ms)",
        delays[2]
    );
    assert!(percent < 5.0, "{percent}");
}

/// Every image below `dir`, folders included.
fn images_below(dir: &Path) -> Vec<PathBuf> {
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

#[test]
fn a_batch_run_started_in_the_workbench_runs_to_its_end_after_a_hangup() {
    let (world, _sim) = slow_world();
    world.add_config("[batch]\nconcurrency = 1");
    let file = world.root.path().join("shots.toml");
    std::fs::write(
        &file,
        "[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n\n\
         [[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n\n\
         [[item]]\nkey = \"hare\"\nprompt = \"a hare\"\n",
    )
    .unwrap();
    let tmux = workbench(&world, "batchhup", "");
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
    let pid = tmux.pane_pid();
    assert_eq!(stored_state(&world, "an owl"), None, "not started yet");
    tmux.kill_server();
    wait_until("the run to end headless and the process to exit", || {
        !is_running(pid)
    });
    for prompt in ["a fox", "an owl", "a hare"] {
        assert_eq!(
            job_state(&world, prompt).as_deref(),
            Some("done"),
            "{prompt}"
        );
    }
    assert_eq!(images_below(&world.out()).len(), 3);
    let log = log_text(&world);
    assert!(log.contains("headless: the batch run ended"), "{log}");
}

#[test]
fn a_detached_process_that_cannot_save_records_the_failure_and_leaves_the_job_collectable() {
    let (world, sim) = slow_world_recording();
    let tmux = workbench(&world, "nosave", "; echo PEEL_EXITED=$?; sleep 60");
    generate_in(&tmux, "a sandcastle");
    tmux.send(&["C-q"]);
    tmux.wait_for("the quit question", |s| s.contains("leave them running"));
    // The output folder turns into a file while the request is out: nothing can be saved.
    std::fs::remove_dir_all(world.out()).unwrap();
    std::fs::write(world.out(), "not a folder").unwrap();
    tmux.send(&["b"]);
    tmux.wait_for("the shell back", |s| s.contains("PEEL_EXITED=0"));
    let store_file = world.root.path().join("data/peel.sqlite3");
    wait_until("the detached process to give up and exit", || {
        peel::store::Store::open(&store_file)
            .and_then(|s| s.running_carriers())
            .is_ok_and(|c| c.is_empty())
    });
    wait_until("the detached process gone", || {
        stored_state(&world, "a sandcastle").as_deref() == Some("interrupted")
    });
    let log = log_text(&world);
    assert!(
        log.contains("detached: done — 0 saved, 1 failed; exiting 1"),
        "{log}"
    );
    let noted = history(&world)
        .into_iter()
        .find(|j| j["prompt"] == "a sandcastle")
        .unwrap();
    assert!(
        noted["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "the failure is recorded: {noted}"
    );
    assert_ne!(noted["state"], "failed", "still collectable: {noted}");
    assert_eq!(
        std::fs::read_to_string(world.out()).unwrap(),
        "not a folder"
    );
    // Room again: the next peel collects it, without sending it again.
    std::fs::remove_file(world.out()).unwrap();
    std::fs::create_dir_all(world.out()).unwrap();
    assert_eq!(job_state(&world, "a sandcastle").as_deref(), Some("done"));
    assert_eq!(saved(&world.out()).0.len(), 1);
    assert_eq!(creates(&sim), 1, "sent once");
}

/// The interaction id the store recorded for the job with `prompt`, once it has one.
fn wait_interaction(world: &World, prompt: &str) -> String {
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
fn kill_9_once_sent(world: &World, args: &[&str], prompts: &[&str]) -> String {
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

fn sidecar_of(image: &Path) -> serde_json::Value {
    let sidecar = peel::studio::output::sidecar_path(image);
    serde_json::from_slice(&std::fs::read(sidecar).unwrap()).unwrap()
}

#[test]
fn a_job_killed_by_sigkill_is_collected_by_the_next_peel_history_not_resent() {
    let (world, _sim) = slow_world();
    let interaction = kill_9_once_sent(&world, &["generate", "a red kite"], &["a red kite"]);
    assert_eq!(
        job_state(&world, "a red kite").as_deref(),
        Some("interrupted"),
        "still running on the service: left for later"
    );
    // Each `peel history` asks the service; the one after it finished collects the job.
    let start = Instant::now();
    let out = loop {
        let out = world.run(&["history", "--json"]);
        if String::from_utf8_lossy(&out.stderr).contains("collected") {
            break out;
        }
        assert!(start.elapsed() < DEADLINE, "never collected");
        std::thread::sleep(POLL * 4);
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("collected 1 job(s)"), "{stderr}");
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = &jobs["jobs"][0];
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["attempts"], 1, "collected, never sent again");
    let (images, sidecars) = saved(&world.out());
    assert_eq!((images.len(), sidecars.len()), (1, 1));
    assert!(images[0].ends_with("a-red-kite.jpg"), "{images:?}");
    let sidecar = sidecar_of(&images[0]);
    assert_eq!(sidecar["collected"], true);
    assert_eq!(sidecar["interaction"], interaction.as_str());
    assert_eq!(sidecar["prompt"], "a red kite");
    assert!(
        sidecar["seed"].is_i64() && sidecar["cost_usd"].as_f64() > Some(0.0),
        "{sidecar}"
    );
    let again = world.run(&["history"]);
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("collected"),
        "once"
    );
}

#[test]
fn the_next_workbench_collects_a_job_killed_by_sigkill() {
    let (world, _sim) = slow_world();
    kill_9_once_sent(&world, &["generate", "a grey heron"], &["a grey heron"]);
    let tmux = workbench(&world, "collect", "");
    let screen = tmux.wait_for("the collected job done in the Jobs pane", |s| {
        s.lines()
            .any(|l| l.contains("✓ #1") && l.contains("a grey"))
    });
    assert!(screen.contains("collected 1 job(s)"), "{screen}");
    let (images, _) = saved(&world.out());
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(sidecar_of(&images[0])["collected"], true);
}

#[test]
fn an_open_workbench_collects_a_job_killed_by_sigkill_live_and_r_asks_the_service_first() {
    let (world, sim) = slow_world_recording();
    let tmux = workbench(&world, "livecollect", "");
    kill_9_once_sent(&world, &["generate", "egret"], &["egret"]);
    tmux.wait_for("the killed job, interrupted", |s| {
        s.lines()
            .any(|l| l.contains("egret") && l.contains("interrupted"))
    });
    // r on it while the service still runs it: asked, not sent again.
    tmux.send(&["Tab"]);
    tmux.send(&["r"]);
    let screen = tmux.wait_for("what the service said", |s| {
        s.contains("still running on the service") || s.contains("collected")
    });
    assert!(!screen.contains("sent it again"), "{screen}");
    // Collected live when the service finishes, without another key.
    tmux.wait_for("the job done in the Jobs pane", |s| {
        s.lines().any(|l| l.contains("egret") && l.contains("✓"))
    });
    assert_eq!(saved(&world.out()).0.len(), 1);
    assert_eq!(creates(&sim), 1, "paid once");
    assert_eq!(job_state(&world, "egret").as_deref(), Some("done"));
}

#[test]
fn r_sends_again_only_when_the_service_says_the_interaction_is_gone() {
    let (world, sim) = slow_world_recording();
    kill_9_once_sent(&world, &["generate", "gull"], &["gull"]);
    // The service forgets it (deleted there): only now may it be sent again.
    let file = world.root.path().join("data/peel.sqlite3");
    let store = peel::store::Store::open(&file).unwrap();
    let orphan = store.orphans().unwrap().pop().unwrap();
    let url = format!("{}/v1beta/interactions/{}", sim.url, orphan.interaction);
    let deleted = std::process::Command::new("curl")
        .args(["-s", "-X", "DELETE", "-H", "x-goog-api-key: k", &url])
        .output()
        .unwrap();
    assert!(deleted.status.success());
    let tmux = workbench(&world, "gone", "");
    tmux.wait_for("the killed job", |s| s.contains("gull"));
    tmux.send(&["Tab"]);
    tmux.send(&["r"]);
    tmux.wait_for("the first job marked sent again", |s| {
        s.lines().any(|l| l.contains("#1") && l.contains("resent"))
    });
    wait_until("the new job saved", || saved(&world.out()).0.len() == 1);
    assert_eq!(creates(&sim), 2, "the first was gone: sent once more");
    // A second r on the first job sends nothing more.
    tmux.send(&["Tab"]);
    tmux.send(&["Down"]);
    tmux.send(&["r"]);
    tmux.wait_for("the refusal", |s| {
        s.contains("already sent again") || s.contains("cannot be retried")
    });
    assert_eq!(creates(&sim), 2);
}

#[test]
fn quit_with_b_hands_a_running_batch_to_a_detached_process_that_sends_nothing_twice() {
    let (world, sim) = slow_world_recording();
    world.add_config("[batch]\nconcurrency = 1\nrpm = 6000");
    let file = world.root.path().join("shots.toml");
    std::fs::write(
        &file,
        "[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n\n\
         [[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n\n\
         [[item]]\nkey = \"hare\"\nprompt = \"a hare\"\n",
    )
    .unwrap();
    let tmux = workbench(&world, "batchb", "; echo PEEL_EXITED=$?; sleep 60");
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
    tmux.send(&["C-q"]);
    tmux.wait_for("the quit question", |s| s.contains("leave them running"));
    tmux.send(&["b"]);
    tmux.wait_for("the shell back", |s| {
        s.contains("batch run") && s.contains("PEEL_EXITED=0")
    });
    wait_until("the detached process to finish the run", || {
        ["a fox", "an owl", "a hare"]
            .iter()
            .all(|p| stored_state(&world, p).as_deref() == Some("done"))
    });
    assert_eq!(images_below(&world.out()).len(), 3);
    assert_eq!(creates(&sim), 3, "each item sent once");
    let list = world.json(&["batch", "list"]);
    assert_eq!(list["runs"][0]["state"], "done", "{list}");
}

#[test]
fn offline_quit_with_b_is_finished_by_the_detached_process_s_simulator() {
    let mut world = World::new();
    world.set("PEEL_SIM_LATENCY_MS", &LATENCY_MS.to_string());
    world.add_config(&format!("[output]\ndir = \"{}\"", world.out().display()));
    let tmux = workbench(&world, "offb", "; echo PEEL_EXITED=$?; sleep 60");
    generate_in(&tmux, "an offline lantern");
    tmux.send(&["C-q"]);
    tmux.wait_for("the quit question", |s| s.contains("leave them running"));
    tmux.send(&["b"]);
    tmux.wait_for("the shell back", |s| s.contains("PEEL_EXITED=0"));
    wait_until("the job saved by the detached process", || {
        stored_state(&world, "an offline lantern").as_deref() == Some("done")
    });
    assert_eq!(saved(&world.out()).0.len(), 1);
    let log = log_text(&world);
    assert!(log.contains("taking over interaction"), "{log}");
}

#[test]
fn two_workbenches_and_a_killed_detached_process_collect_each_orphan_once() {
    let (world, sim) = slow_world_recording();
    let left = workbench(&world, "orphl", "");
    let right = workbench(&world, "orphr", "");
    let body: serde_json::Value = serde_json::from_slice(
        &world
            .run(&["generate", "sharedowl", "--detach", "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(body["jobs"][0]["state"], "sending", "{body}");
    // The detached process dies before the service answers: the job is an orphan for all.
    let store = peel::store::Store::open(&world.root.path().join("data/peel.sqlite3")).unwrap();
    let carrier = store.running_carriers().unwrap().pop().unwrap();
    std::process::Command::new("kill")
        .args(["-9", &carrier.owner.pid.to_string()])
        .status()
        .unwrap();
    for tmux in [&left, &right] {
        tmux.wait_for("the orphan done in both", |s| {
            s.lines()
                .any(|l| l.contains("sharedowl") && l.contains("✓"))
        });
    }
    assert_eq!(saved(&world.out()).0.len(), 1, "collected exactly once");
    assert_eq!(creates(&sim), 1);
}

#[test]
fn history_without_the_key_says_what_to_set_and_forgets_nothing() {
    let (world, sim) = slow_world_recording();
    kill_9_once_sent(
        &world,
        &["generate", "a patient crane"],
        &["a patient crane"],
    );
    // Another shell, no key: the simulator must not be asked in the service's place.
    let mut keyless = World::new();
    keyless.env = world
        .env
        .iter()
        .filter(|(k, _)| k != "GEMINI_API_KEY")
        .cloned()
        .collect();
    let out = keyless.run(&["history", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 job(s) wait on the Gemini API (127.0.0.1")
            && stderr.contains("set GEMINI_API_KEY"),
        "{stderr}"
    );
    let store = peel::store::Store::open(&world.root.path().join("data/peel.sqlite3")).unwrap();
    assert_eq!(store.orphans().unwrap().len(), 1, "its interaction is kept");
    // With the key, it is collected from the service it was sent to.
    wait_until("collected with the key", || {
        job_state(&world, "a patient crane").as_deref() == Some("done")
    });
    assert_eq!(saved(&world.out()).0.len(), 1);
    assert_eq!(creates(&sim), 1);
}

#[test]
fn batch_resume_recovers_items_killed_by_sigkill_from_the_service() {
    let (world, _sim) = slow_world();
    let file = world.root.path().join("pair.toml");
    std::fs::write(
        &file,
        "[[item]]\nkey = \"fox\"\nprompt = \"a fox\"\n\n[[item]]\nkey = \"owl\"\nprompt = \"an owl\"\n",
    )
    .unwrap();
    let file_arg = file.display().to_string();
    let args = [
        "batch",
        "run",
        file_arg.as_str(),
        "--concurrency",
        "2",
        "--rpm",
        "600",
    ];
    kill_9_once_sent(&world, &args, &["a fox", "an owl"]);
    let list = world.json(&["batch", "list"]);
    let run = list["runs"][0]["id"].as_i64().unwrap().to_string();
    // Resumed while both are still running on the service: it waits for them.
    let out = world.run(&["batch", "resume", &run, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dirs: Vec<PathBuf> = std::fs::read_dir(world.out())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let (images, _) = saved(&dirs[0]);
    assert_eq!(images.len(), 2, "{images:?}");
    for image in &images {
        let sidecar = sidecar_of(image);
        assert_eq!(
            sidecar["collected"],
            true,
            "{}: sent again",
            image.display()
        );
        assert!(sidecar["batch"]["key"].is_string(), "{sidecar}");
    }
    let names: Vec<String> = images
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert!(names.contains(&"001_fox.jpg".to_string()), "{names:?}");
}

#[test]
fn a_story_killed_by_sigkill_resumes_in_order_without_sending_a_frame_twice() {
    let (world, sim) = slow_world();
    let file = world.root.path().join("walk.toml");
    std::fs::write(
        &file,
        "[[frame]]\nkey = \"gate\"\nprompt = \"a fox at the gate\"\n\n\
         [[frame]]\nkey = \"path\"\nprompt = \"the fox on the path\"\n\n\
         [[frame]]\nkey = \"pond\"\nprompt = \"the fox at the pond\"\n",
    )
    .unwrap();
    let file_arg = file.display().to_string();
    // Killed once frame 2 is on the service (frame 1 is saved by then: frame 2 carries it).
    kill_9_once_sent(
        &world,
        &["story", file_arg.as_str(), "--rpm", "600"],
        &["the fox on the path"],
    );
    let list = world.json(&["batch", "list"]);
    let run = list["runs"][0]["id"].as_i64().unwrap().to_string();
    let out = world.run(&["batch", "resume", &run, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir: PathBuf = std::fs::read_dir(world.out())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap();
    let (mut images, _) = saved(&dir);
    images.retain(|p| !p.ends_with("sheet.png"));
    images.sort();
    let names: Vec<String> = images
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["01_gate.jpg", "02_path.jpg", "03_pond.jpg"]);
    assert_eq!(
        sidecar_of(&images[1])["collected"],
        true,
        "frame 2 was collected from the service, not sent again"
    );
    assert_eq!(
        sidecar_of(&images[2])["story"]["previous_frame"],
        "02_path.jpg"
    );
    assert_eq!(sim.stats()["gemini_requests"], 3, "one request per frame");
    let story: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("story.json")).unwrap()).unwrap();
    assert_eq!(story["state"], "done", "{story}");
}
