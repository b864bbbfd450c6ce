//! Work outlives `kill -9`: a job or run whose process died while the service had it is
//! collected once — by `peel history`, the next or an open workbench, `peel batch resume` —
//! and never sent twice. The real binary against `peel sim --latency-ms 5000`.
#![allow(clippy::unwrap_used)]

mod common;
mod outlive_support;

use std::path::PathBuf;
use std::time::Instant;

use common::World;
use outlive_support::*;

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
    let tmux = workbench_running_a_batch(&world, "batchb", "; echo PEEL_EXITED=$?; sleep 60");
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
