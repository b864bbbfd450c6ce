//! Drives `peel mcp` with the official MCP Python SDK (`pip install mcp`) against a separate
//! `peel sim`: initialize, list tools, generate, edit, a refused aspect, roster_add then
//! generate with it; a cancelled call and a batch run as a task. Ignored unless asked for
//! (`-- --ignored`): it needs `pip install mcp`.

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
    run_script(&world, &sim, "mcp_client.py", &[], "MCP CLIENT OK");
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
    let db = world.root.path().join("data/peel.sqlite3");
    run_script(
        &world,
        &sim,
        "mcp_tasks_client.py",
        &[&db],
        "MCP TASKS CLIENT OK",
    );
}

/// Runs `tests/python/SCRIPT PEEL SIM_URL WORKDIR EXTRA…` in `world` and checks it printed
/// `ok_line`.
fn run_script(world: &World, sim: &Sim, script: &str, extra: &[&Path], ok_line: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let mut python = Command::new("python3");
    python
        .arg(&path)
        .arg(env!("CARGO_BIN_EXE_peel"))
        .arg(&sim.url)
        .arg(world.root.path())
        .args(extra)
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
        output.status.success() && stdout.contains(ok_line),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
