//! Work outlives the terminal: the real binary in tmux against `peel sim --latency-ms 5000`,
//! with terminals killed mid-request, the shell given back, hangups and the live view.
//! Jobs killed with SIGKILL and collected afterwards: `tests/outlive_sigkill.rs`.
#![allow(clippy::unwrap_used)]

mod common;
mod outlive_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use outlive_support::*;

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

#[test]
fn a_batch_run_started_in_the_workbench_runs_to_its_end_after_a_hangup() {
    let (world, _sim) = slow_world();
    world.add_config("[batch]\nconcurrency = 1");
    let tmux = workbench_running_a_batch(&world, "batchhup", "");
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
