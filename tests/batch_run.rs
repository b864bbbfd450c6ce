//! The interactive lane against the embedded simulator: faults, budget, layout, rate.

mod batch_support;

use std::collections::BTreeSet;
use std::time::Instant;

use batch_support::*;

/// Checks the run folder: every item exactly once (image + sidecar), no temp files,
/// and a manifest whose entries point at those files.
fn assert_complete(dir: &std::path::Path, n: usize) -> serde_json::Value {
    let files = names(dir);
    assert!(
        files.iter().all(|f| !f.contains(".tmp")),
        "temp files left: {files:?}"
    );
    let images: Vec<&String> = files.iter().filter(|f| f.ends_with(".jpg")).collect();
    assert_eq!(images.len(), n, "{files:?}");
    let indexes: BTreeSet<&str> = images.iter().map(|f| &f[..3]).collect();
    assert_eq!(indexes.len(), n, "each index once: {files:?}");
    for image in &images {
        assert!(
            files.contains(&format!("{image}.json")),
            "sidecar of {image}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let items = manifest["items"].as_array().unwrap();
    assert_eq!(items.len(), n);
    for item in items {
        assert_eq!(item["status"], "done", "{item}");
        let file = item["file"].as_str().unwrap();
        assert!(dir.join(file).exists());
        assert!(file.starts_with(&format!("{:03}_", item["index"].as_u64().unwrap())));
    }
    manifest
}

#[test]
fn injected_429_and_503_faults_still_complete_every_item() {
    let home = Home::new();
    std::fs::write(
        home.path("config/config.toml"),
        "[retry]\nattempts = 8\nbase_delay_ms = 10\nmax_delay_ms = 200\n",
    )
    .unwrap();
    let file = home.write("b.toml", &simple_batch(30, "512"));
    let out = home
        .cmd()
        .env(
            "PEEL_SIM_FAULTS",
            "503:3,429:2,429@0.15,503@0.1,truncated@0.03",
        )
        .args(["batch", "run", file.to_str().unwrap(), "--out"])
        .arg(home.out())
        .args(["--rpm", "6000", "--concurrency", "6", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let report = json(&out);
    assert_eq!(
        (report["done"].as_u64(), report["failed"].as_u64()),
        (Some(30), Some(0))
    );
    assert!(report["retries"].as_u64().unwrap() >= 5, "{report}");
    let dir = std::path::PathBuf::from(report["dir"].as_str().unwrap());
    assert!(
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("batch_")
    );
    let manifest = assert_complete(&dir, 30);
    assert_eq!(manifest["state"], "done");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("007_k6.jpg.json")).unwrap()).unwrap();
    assert_eq!(sidecar["batch"]["key"], "k6");
    assert_eq!(sidecar["batch"]["index"], 7);
    assert_eq!(sidecar["seed"], 5);
}

#[test]
fn budget_stops_new_items_and_resume_finishes_each_exactly_once() {
    let home = Home::new();
    home.config("");
    let file = home.write("b.toml", &simple_batch(5, "1K"));
    let run = |extra: &[&str]| home.cmd().args(["batch"]).args(extra).output().unwrap();
    let out = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--budget",
        "0.08",
        "--concurrency",
        "1",
        "--rpm",
        "6000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["stop_reason"], "budget");
    assert_eq!(
        report["done"], 2,
        "two 1K images ($0.034 each) fit in $0.08, a third would not: {report}"
    );
    assert_eq!(report["pending"], 3);
    assert!(report["spent_usd"].as_f64().unwrap() <= 0.08);
    assert!(stderr(&out).contains("--budget"), "{}", stderr(&out));
    let dir = std::path::PathBuf::from(report["dir"].as_str().unwrap());
    assert_eq!(
        names(&dir).iter().filter(|f| f.ends_with(".jpg")).count(),
        2
    );
    let list = json(&run(&["list", "--json"]));
    assert_eq!(list["runs"][0]["state"], "incomplete");
    assert_eq!(list["runs"][0]["dir"], report["dir"]);
    let id = report["run"].to_string();
    let again = run(&["resume", &id, "--budget", "5", "--rpm", "6000", "--json"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(json(&again)["done"], 5);
    assert_complete(&dir, 5);
    let history = json(&home.run(&["history", "--json", "--limit", "100"]));
    let jobs = history.as_array().or(history["jobs"].as_array()).unwrap();
    assert_eq!(
        jobs.iter().filter(|j| j["state"] == "done").count(),
        5,
        "no item was requested twice"
    );
    let by_folder = run(&["resume", dir.to_str().unwrap(), "--json"]);
    assert!(
        by_folder.status.success(),
        "resuming a finished run is a no-op"
    );
    assert_complete(&dir, 5);
}

#[test]
fn an_invalid_file_runs_nothing_and_creates_nothing() {
    let home = Home::new();
    let file = home.write(
        "b.toml",
        "[[item]]\nprompt = \"ok\"\n[[item]]\nprompt = \"x\"\nsize = \"8K\"\n",
    );
    let out = home.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("b.toml:5: item 2 (x), field `size`"),
        "{}",
        stderr(&out)
    );
    assert!(names(&home.out()).is_empty());
    let list = json(&home.run(&["batch", "list", "--json"]));
    assert_eq!(list["runs"].as_array().unwrap().len(), 0);
    let bad = home.run(&["batch", "resume", "99"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("peel batch list"), "{}", stderr(&bad));
}

/// The figure the issue asks for: 200 items at --rpm 600 with zero latency take the 20 s
/// the limit allows (never faster), with no 429 from a simulator that enforces 600 rpm.
#[test]
fn two_hundred_items_at_600_rpm_take_twenty_seconds_without_429() {
    let home = Home::new();
    home.config("[sim]\nrpm = 600\n");
    let file = home.write("b.toml", &simple_batch(200, "1K"));
    let started = Instant::now();
    let out = home.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--rpm",
        "600",
        "--concurrency",
        "8",
        // The limiter is what is measured: PNG keeps the simulator's encoding cheaper than
        // the JPEG the Interactions API answers (about 4x the CPU per 1K image here).
        "--transport",
        "generate-content",
        "--json",
    ]);
    let wall = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["done"], 200);
    assert_eq!(
        report["retries"], 0,
        "a retry means a 429 or a fault: {report}"
    );
    eprintln!(
        "200 items at --rpm 600: {wall:.2} s wall, {:.2} s in the run",
        report["elapsed_s"].as_f64().unwrap()
    );
    // The limit is a floor: 199 gaps of 0.1 s. How far above it a run ends depends on the
    // machine (a busy one is slower), so only the floor is asserted; the speed itself is a
    // benchmark's business.
    assert!(
        wall >= 19.9 * 0.95,
        "wall time {wall:.2} s: 200 requests at 600 rpm cannot start in under 19.9 s"
    );
}
