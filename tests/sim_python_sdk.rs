//! Runs Google's official Python SDK, unchanged, against the simulator.
//! Covers generateContent, files, batches and service tiers (`sdk_smoke.py`), the
//! Interactions API (`sdk_interactions.py`) and its own errors met through faults
//! (`sdk_errors.py`); in Vertex AI mode, batch prediction with its input uploaded by Google's
//! Cloud Storage client (`sdk_vertex_batch.py`), and that client against the simulator's
//! Cloud Storage in emulator mode (`gcs_client.py`). Ignored unless asked for
//! (`-- --ignored`): it needs `pip install google-genai google-cloud-storage`.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use peel::models::Registry;
use peel::sim::{FaultSpec, Latency, SimConfig, start};

/// Ignored in a plain `cargo test`, so a machine without the SDK reports it as ignored
/// instead of passing it; CI installs the SDK and runs it with `--ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Google's Python SDK: pip install google-genai, then cargo test --test sim_python_sdk -- --ignored (CI runs it)"]
async fn the_official_python_sdk_works_unchanged() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import google.genai"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "python3 cannot import google.genai: pip install google-genai"
    );
    let config = SimConfig {
        key: Some("sdk-test-key".into()),
        latency: Latency::Fixed(Duration::ZERO),
        batch_step: Duration::from_millis(200),
        ..SimConfig::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sim = start(config, Registry::shipped().unwrap(), addr)
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    run_script("sdk_smoke.py", "SDK SMOKE OK", &sim.base_url(), out.path()).await;
    assert!(out.path().join("sdk_first.png").exists());
    run_script(
        "sdk_interactions.py",
        "SDK INTERACTIONS OK",
        &sim.base_url(),
        out.path(),
    )
    .await;
    assert!(out.path().join("ix_first.jpg").exists());
    sim.shutdown().await;

    let faulty = SimConfig {
        key: Some("sdk-test-key".into()),
        latency: Latency::Fixed(Duration::ZERO),
        faults: FaultSpec::parse(
            "payment_required:1,quota_exceeded:1,service_unavailable:1,shed:1",
        )
        .unwrap(),
        ..SimConfig::default()
    };
    let sim = start(faulty, Registry::shipped().unwrap(), addr)
        .await
        .unwrap();
    run_script(
        "sdk_errors.py",
        "SDK ERRORS OK",
        &sim.base_url(),
        out.path(),
    )
    .await;
    let stats = sim.stats();
    assert_eq!(
        stats.gemini_requests, 5,
        "five creates, none retried by the SDK"
    );
    sim.shutdown().await;
}

/// Vertex AI batch prediction through Google's SDK, and Google's Cloud Storage client both
/// with the Vertex credentials and in emulator mode (`STORAGE_EMULATOR_HOST`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs pip install google-genai google-cloud-storage; CI runs it with --ignored"]
async fn vertex_batch_prediction_and_cloud_storage_work_with_googles_clients() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import google.genai, google.cloud.storage"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "python3 cannot import google.genai and google.cloud.storage"
    );
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        project: Some(common::gcp::PROJECT.into()),
        buckets: vec!["sdk-bucket".into()],
        ..SimConfig::default()
    };
    let sim = start(config, Registry::shipped().unwrap(), addr)
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let sa =
        common::gcp::write_service_account(out.path(), &sim.base_url(), common::gcp::CLIENT_EMAIL);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_vertex_batch.py");
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(out.path())
        .arg(sim.base_url())
        .arg(&sa)
        .arg(common::gcp::PROJECT)
        .arg("sdk-bucket")
        .env_remove("STORAGE_EMULATOR_HOST")
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("SDK VERTEX BATCH OK"),
        "sdk_vertex_batch.py failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stats = sim.stats();
    assert_eq!(stats.batch_prediction_jobs_created, 2, "{stats:?}");
    sim.shutdown().await;

    let emulator = SimConfig {
        latency: Latency::Fixed(Duration::ZERO),
        storage_emulator: true,
        ..SimConfig::default()
    };
    let sim = start(emulator, Registry::shipped().unwrap(), addr)
        .await
        .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/gcs_client.py");
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .env("STORAGE_EMULATOR_HOST", sim.base_url())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("GCS CLIENT OK"),
        "gcs_client.py failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        sim.stats().storage_objects_written,
        3,
        "three uploads of three sizes"
    );
    sim.shutdown().await;
}

/// Runs one script of `tests/python/` against the simulator and checks its success line.
async fn run_script(name: &str, success: &str, base_url: &str, out: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name);
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(out)
        .env("GOOGLE_GEMINI_BASE_URL", base_url)
        .env("GEMINI_API_KEY", "sdk-test-key")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GOOGLE_GENAI_USE_VERTEXAI")
        .env_remove("GOOGLE_GENAI_API_VERSION")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains(success),
        "{name} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
