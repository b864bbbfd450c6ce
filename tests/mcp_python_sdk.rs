//! Drives `peel mcp` with the official MCP Python SDK (`pip install mcp`) against a separate
//! `peel sim`: initialize, list tools, generate, edit, a refused aspect, roster_add then
//! generate with it; a cancelled call and a batch run as a task. Ignored unless asked for (`-- --ignored`): it needs `pip install mcp`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Sim, World};

/// Ignored in a plain `cargo test`, so a machine without the SDK reports it as ignored
/// instead of passing it; CI installs the SDK and runs it with `--ignored`.
#[test]
#[ignore = "needs the MCP Python SDK: pip install mcp, then cargo test --test mcp_python_sdk -- --ignored (CI runs it)"]
fn the_official_mcp_python_sdk_drives_peel_mcp() {
    let probe = Command::new("python3")
        .args(["-c", "import mcp.client.stdio"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "python3 cannot import mcp: pip install mcp"
    );
    let mut world = World::new();
    let sim = Sim::start(&world, &[]);
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "mcp-test-key");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_client.py");
    let mut python = Command::new("python3");
    python
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_peel"))
        .arg(&sim.url)
        .arg(world.root.path())
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GOOGLE_GENAI_USE_VERTEXAI")
        .env_remove("PEEL_SIM_FAULTS")
        .current_dir(world.root.path());
    for (k, v) in &world.env {
        python.env(k, v);
    }
    let output = python.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("MCP CLIENT OK"),
        "mcp_client.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let out = world.root.path().join("peel-out");
    let images = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "png" || x == "jpg")
        })
        .count();
    assert_eq!(
        images, 4,
        "generate, edit, generate-with-Mira and the Pro generate each saved one image"
    );
}

/// The same SDK cancels a call (the job and its interaction end `cancelled`, nothing is
/// written) and runs a batch of five as a task it polls with `tasks/get`.
#[test]
#[ignore = "needs the MCP Python SDK: pip install mcp, then cargo test --test mcp_python_sdk -- --ignored (CI runs it)"]
fn the_official_mcp_python_sdk_cancels_and_polls_tasks() {
    let mut world = World::new();
    let sim = Sim::start(&world, &["--faults", "slow"]);
    world.set("GOOGLE_GEMINI_BASE_URL", &sim.url);
    world.set("GEMINI_API_KEY", "mcp-test-key");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_tasks_client.py");
    let mut python = Command::new("python3");
    python
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_peel"))
        .arg(&sim.url)
        .arg(world.root.path())
        .arg(world.root.path().join("data/peel.sqlite3"))
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GOOGLE_GENAI_USE_VERTEXAI")
        .env_remove("PEEL_SIM_FAULTS")
        .current_dir(world.root.path());
    for (k, v) in &world.env {
        python.env(k, v);
    }
    let output = python.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("MCP TASKS CLIENT OK"),
        "mcp_tasks_client.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
