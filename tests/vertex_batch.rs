//! The Vertex batch lane end to end against `peel sim` serving Vertex AI, Cloud Storage and
//! batch prediction: a submit killed while its create is held resumes with one upload and
//! one job, then waits and fetches five images with sidecars; a cancelled job; every
//! refusal before anything is uploaded; the storage emulator (no credentials) and
//! `[vertex] storage_base_url` (credentials kept); the plan and doctor on Vertex AI.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::gcp::{CLIENT_EMAIL, PROJECT, write_service_account};
use common::{Sim, World, stderr, with_peak_rss};
use serde_json::Value;

const BUCKET: &str = "peel-batches";

/// A simulator serving `PROJECT` with the bucket `BUCKET`.
fn vertex_sim(latency_ms: u64, extra: &[&str]) -> Sim {
    let mut args = vec![
        "--client-email",
        CLIENT_EMAIL,
        "--project",
        PROJECT,
        "--bucket",
        BUCKET,
    ];
    args.extend_from_slice(extra);
    Sim::start_slow(&World::new(), latency_ms, &args)
}

/// A world on Vertex AI through a service account against `sim`, with Cloud Storage at
/// the simulator through `[vertex] storage_base_url` (so credentials go with it).
fn vertex_world(sim: &Sim) -> World {
    let mut world = World::new();
    let sa = write_service_account(world.root.path(), &sim.url, CLIENT_EMAIL);
    world.set("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap());
    world.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    world.set("GOOGLE_GENAI_USE_VERTEXAI", "true");
    world.add_config(&format!("[vertex]\nstorage_base_url = \"{}\"", sim.url));
    world
}

/// A batch file of `n` items on one model.
fn batch_file(world: &World, n: usize) -> PathBuf {
    let mut text = String::from("[defaults]\nmodel = \"gemini-3.1-flash-image\"\n");
    for i in 1..=n {
        text.push_str(&format!(
            "\n[[item]]\nkey = \"shot{i}\"\nprompt = \"a paper lantern number {i} over a river\"\n"
        ));
    }
    let path = world.root.path().join("lanterns.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn stat(sim: &Sim, name: &str) -> u64 {
    sim.stats()[name].as_u64().unwrap_or(0)
}

/// Waits (generously) until `ready` holds.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn runs(world: &World) -> Vec<Value> {
    world.json(&["batch", "list"])["runs"]
        .as_array()
        .unwrap()
        .clone()
}

fn images_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png" || e == "jpg"))
        .collect();
    found.sort();
    found
}

#[test]
fn a_submit_killed_during_its_create_resumes_with_one_upload_and_one_job() {
    let sim = vertex_sim(0, &["--faults", "batch-create-hang:1"]);
    let world = vertex_world(&sim);
    let file = batch_file(&world, 5);
    let out = world.out();
    let mut child = world
        .peel()
        .args(["batch", "submit", file.to_str().unwrap()])
        .args([
            "--bucket",
            &format!("gs://{BUCKET}/runs"),
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The service made the job but its answer never comes: kill peel there.
    wait_for("the held create", || {
        stat(&sim, "batch_prediction_jobs_created") == 1
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stat(&sim, "storage_objects_written"), 1, "{}", sim.stats());
    let run = runs(&world).remove(0);
    assert_eq!(run["lane"], "vertex-batch");
    assert_eq!(run["state"], "submitting");
    let id = run["id"].to_string();

    let resumed = world.json(&["batch", "resume", &id]);
    let name = resumed["name"].as_str().unwrap();
    assert!(name.contains("/batchPredictionJobs/"), "{resumed}");
    assert_eq!(resumed["lane"], "vertex-batch");
    assert_eq!(
        stat(&sim, "batch_prediction_jobs_created"),
        1,
        "no second job"
    );
    assert_eq!(stat(&sim, "storage_objects_written"), 1, "no second upload");
    let again = world.run(&["batch", "resume", &id]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already submitted"),
        "{}",
        stderr(&again)
    );

    let waited = world.json(&["batch", "wait", &id]);
    assert_eq!(waited["state"], "succeeded", "{waited}");
    assert_eq!(waited["lane"], "vertex-batch");
    // `peel wait --run` takes a Vertex batch run too: it saves the results and exits 0.
    let saved = world.run(&["wait", "--run", &id, "--json"]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    let out = world.run(&["batch", "fetch", &id, "--json"]);
    let fetched: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = PathBuf::from(fetched["dir"].as_str().unwrap());
    assert!(
        out.status.success(),
        "{}\n{}",
        stderr(&out),
        std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_default()
    );
    assert_eq!(
        (fetched["saved"].as_u64(), fetched["already"].as_u64()),
        (Some(0), Some(5)),
        "`peel wait` saved them; a fetch saves nothing twice"
    );
    let images = images_in(&dir);
    assert_eq!(images.len(), 5, "{images:?}");
    for (n, image) in images.iter().enumerate() {
        let name = image.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with(&format!("00{}_shot{}", n + 1, n + 1)),
            "{name}"
        );
        let sidecar: Value =
            serde_json::from_slice(&std::fs::read(format!("{}.json", image.display())).unwrap())
                .unwrap();
        assert_eq!(sidecar["batch"]["lane"], "vertex-batch");
        assert_eq!(sidecar["batch"]["key"], format!("shot{}", n + 1));
        assert_eq!(sidecar["backend"], "vertex");
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["items"].as_array().unwrap().len(), 5);
    let listed = runs(&world).remove(0);
    assert_eq!(
        (listed["lane"].as_str(), listed["state"].as_str()),
        (Some("vertex-batch"), Some("done"))
    );
    let twice = world.json(&["batch", "fetch", &id]);
    assert_eq!(
        (twice["saved"].as_u64(), twice["already"].as_u64()),
        (Some(0), Some(5))
    );
    assert_eq!(images_in(&dir).len(), 5, "nothing saved twice");
}

#[test]
fn a_cancelled_job_says_so_and_keeps_only_whole_results() {
    let sim = vertex_sim(600, &[]);
    let world = vertex_world(&sim);
    let file = batch_file(&world, 6);
    let sent = world.json(&[
        "batch",
        "submit",
        file.to_str().unwrap(),
        "--bucket",
        &format!("gs://{BUCKET}/cancel"),
    ]);
    let id = sent["run"].to_string();
    let cancelled = world.json(&["batch", "cancel", &id]);
    assert_eq!(cancelled["lane"], "vertex-batch");
    let waited = world.run(&["batch", "wait", &id, "--json"]);
    assert_eq!(waited.status.code(), Some(1), "{}", stderr(&waited));
    let status: Value = serde_json::from_slice(&waited.stdout).unwrap();
    assert_eq!(status["state"], "cancelled", "{status}");
    let fetched = world.run(&["batch", "fetch", &id, "--json"]);
    assert_eq!(fetched.status.code(), Some(1), "{}", stderr(&fetched));
    let body: Value = serde_json::from_slice(&fetched.stdout).unwrap();
    let (saved, failed) = (
        body["saved"].as_u64().unwrap(),
        body["failed"].as_u64().unwrap(),
    );
    assert_eq!(saved + failed, 6, "{body}");
    assert!(
        failed >= 1,
        "a job cancelled at once cannot have run every line: {body}"
    );
    let dir = PathBuf::from(body["dir"].as_str().unwrap());
    let images = images_in(&dir);
    assert_eq!(images.len() as u64, saved);
    for image in &images {
        assert!(Path::new(&format!("{}.json", image.display())).exists());
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("cancelled"), "{manifest}");
}

#[test]
fn a_submit_is_refused_before_anything_is_written() {
    let sim = vertex_sim(0, &["--read-only-bucket", "peel-locked"]);
    let world = vertex_world(&sim);
    let file = batch_file(&world, 2);
    let file = file.to_str().unwrap();
    let refused = |args: &[&str], needle: &str| {
        let mut all = vec!["batch", "submit", file];
        all.extend_from_slice(args);
        let out = world.run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    };
    refused(&[], "batch_bucket");
    refused(&["--bucket", "gs:///prefix"], "names no bucket");
    refused(&["--bucket", "gs://no-such-bucket/p"], "does not exist");
    refused(&["--bucket", "gs://peel-locked/p"], "cannot be written");
    let mut express = World::new();
    express.set("GOOGLE_GENAI_USE_VERTEXAI", "true");
    express.set("GOOGLE_VERTEX_BASE_URL", &sim.url);
    express.add_config(&format!(
        "[vertex]\napi_key = \"vertex-key\"\nstorage_base_url = \"{}\"",
        sim.url
    ));
    let out = express.run(&[
        "batch",
        "submit",
        file,
        "--bucket",
        &format!("gs://{BUCKET}/p"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("express mode"), "{}", stderr(&out));
    assert_eq!(stat(&sim, "storage_objects_written"), 0, "{}", sim.stats());
    assert_eq!(stat(&sim, "batch_prediction_jobs_created"), 0);
    assert!(runs(&world).is_empty(), "no run is recorded for a refusal");
}

#[test]
fn the_storage_emulator_gets_no_credentials() {
    // Without --storage-emulator the simulator's Cloud Storage wants a token: a client
    // sending none is refused, which is how this test sees that none was sent.
    let strict = vertex_sim(0, &[]);
    let mut world = vertex_world(&strict);
    world.set(
        "STORAGE_EMULATOR_HOST",
        strict.url.trim_start_matches("http://"),
    );
    let file = batch_file(&world, 1);
    let args = ["batch", "submit", file.to_str().unwrap(), "--bucket"];
    let out = world.run(&[&args[..], &[&format!("gs://{BUCKET}/e")]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stat(&strict, "storage_objects_written"), 0);

    let emulator = vertex_sim(0, &["--storage-emulator"]);
    let mut world = vertex_world(&emulator);
    world.set(
        "STORAGE_EMULATOR_HOST",
        emulator.url.trim_start_matches("http://"),
    );
    let sent = world.json(&[&args[..], &[&format!("gs://{BUCKET}/e")]].concat());
    assert_eq!(sent["lane"], "vertex-batch");
    assert_eq!(stat(&emulator, "storage_objects_written"), 1);
}

#[test]
fn the_plan_and_doctor_speak_for_the_vertex_batch_lane() {
    let sim = vertex_sim(0, &[]);
    let world = vertex_world(&sim);
    let file = batch_file(&world, 4);
    let plan = world.json(&["batch", "plan", file.to_str().unwrap()]);
    let ways: Vec<&str> = plan["ways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["way"].as_str().unwrap())
        .collect();
    assert!(
        ways.contains(&"vertex-batch") && !ways.contains(&"batch-api"),
        "{ways:?}"
    );
    let standard = plan["ways"][0]["cost_usd"].as_f64().unwrap();
    let batch = plan["ways"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["way"] == "vertex-batch")
        .unwrap();
    let batch_usd = batch["cost_usd"].as_f64().unwrap();
    assert_eq!(
        batch_usd,
        plan["batch_usd"].as_f64().unwrap(),
        "the batch price: {plan}"
    );
    assert!(batch_usd < standard * 0.6, "{plan}");
    assert_eq!(batch["latency"], "up to 24 h for the whole file");
    let text = world.run(&["batch", "plan", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Vertex batch"));

    world.add_config(&format!("batch_bucket = \"gs://{BUCKET}/doctor\""));
    let report = world.json(&["doctor", "--no-generate"]);
    let bucket = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bucket")
        .cloned()
        .unwrap_or_else(|| panic!("no bucket check: {report}"));
    assert_eq!(bucket["status"], "pass", "{bucket}");
    let missing = vertex_world(&sim);
    missing.add_config("batch_bucket = \"gs://no-such-bucket/doctor\"");
    let out = missing.run(&["doctor", "--no-generate", "--json"]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bucket = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bucket")
        .cloned()
        .unwrap();
    assert_eq!(bucket["status"], "fail");
    assert!(
        bucket["fix"].as_str().unwrap().contains("does not exist"),
        "{bucket}"
    );
    assert_eq!(
        stat(&sim, "storage_objects_written"),
        0,
        "doctor writes nothing"
    );
}

/// A client command's peak RSS in MB, measured by `/usr/bin/time` (0 when it is missing).
fn timed(world: &World, args: &[&str]) -> (std::process::Output, f64) {
    let mut cmd = world.peel();
    cmd.args(args).current_dir(world.root.path());
    with_peak_rss(cmd)
}

/// The largest file a batch job takes, 50,000 requests, through the Vertex batch lane:
/// written and uploaded as JSONL, run by the simulator, fetched streaming. Run by hand in a
/// release build: `cargo test --release --test vertex_batch fifty -- --ignored --nocapture`.
#[test]
#[ignore = "50,000 renders: run by hand in a release build"]
fn fifty_thousand_vertex_requests_round_trip_with_bounded_memory() {
    const N: usize = 50_000;
    let sim = vertex_sim(0, &[]);
    let world = vertex_world(&sim);
    world.add_config("[batch]\nmax_poll_secs = 2");
    let mut text = String::from("[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n");
    for i in 0..N {
        text.push_str(&format!(
            "[[item]]\nkey = \"k{i}\"\nprompt = \"item number {i}\"\n"
        ));
    }
    let file = world.root.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let bucket = format!("gs://{BUCKET}/big");
    let (out, submit_mb) = timed(
        &world,
        &[
            "batch",
            "submit",
            file.to_str().unwrap(),
            "--bucket",
            &bucket,
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let submitted: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = submitted["run"].to_string();
    let submit_secs = started.elapsed().as_secs_f64();
    let waited = world.run(&["batch", "wait", &id]);
    assert!(waited.status.success(), "{}", stderr(&waited));
    let ran = started.elapsed();
    let (fetched, fetch_mb) = timed(&world, &["batch", "fetch", &id, "--json"]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    let body: Value = serde_json::from_slice(&fetched.stdout).unwrap();
    assert_eq!(body["saved"], N, "{body}");
    println!(
        "50,000 Vertex batch requests: submit {submit_secs:.0} s, run {:.0} s, fetch {:.0} s; peak RSS: submit {submit_mb:.0} MB, fetch {fetch_mb:.0} MB",
        ran.as_secs_f64() - submit_secs,
        (started.elapsed() - ran).as_secs_f64()
    );
    assert!(submit_mb < 150.0 && fetch_mb < 150.0, "client ≤ 150 MB");
}
