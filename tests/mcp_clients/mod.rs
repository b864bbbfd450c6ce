//! MCP clients the tests drive `peel mcp` with: one that keeps progress notifications, one
//! that declares the Tasks extension, and ways to reach the server (stdio or `--http`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProgressNotificationParam};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, RoleClient, ServiceExt};

use crate::common::World;

/// A client that keeps every progress notification it is sent.
#[derive(Clone, Default)]
pub struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

impl Recorder {
    /// The notifications so far.
    pub fn seen(&self) -> Vec<ProgressNotificationParam> {
        self.progress.lock().unwrap().clone()
    }
}

/// A client that declares the Tasks extension.
#[derive(Clone, Default)]
pub struct TaskClient;

impl ClientHandler for TaskClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_tasks().build(),
            Implementation::new("peel-tasks-test", "1"),
        )
    }
}

/// `peel mcp` over stdio in `world`, offline unless `world` names a service.
pub async fn over_stdio<H: ClientHandler>(
    world: &World,
    handler: H,
) -> RunningService<RoleClient, H> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_peel"));
    command
        .arg("mcp")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GOOGLE_GEMINI_BASE_URL")
        .env_remove("GOOGLE_GENAI_USE_VERTEXAI")
        .current_dir(world.root.path());
    for (k, v) in &world.env {
        command.env(k, v);
    }
    handler
        .serve(TokioChildProcess::new(command).unwrap())
        .await
        .unwrap()
}

/// `peel mcp --http 127.0.0.1:0` in `world`: the process (killed on drop) and its URL.
pub struct HttpServer {
    /// The server process.
    pub child: Child,
    pub url: String,
}

impl HttpServer {
    pub fn start(world: &World) -> Self {
        let mut child = world
            .peel()
            .args(["mcp", "--http", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        for _ in 0..5 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(at) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                url = Some(at.to_string());
                break;
            }
        }
        // Keep reading so the server never writes into a closed pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Self {
            child,
            url: url.expect("peel mcp --http printed its address"),
        }
    }

    /// A new MCP session with this server.
    pub async fn connect<H: ClientHandler>(&self, handler: H) -> RunningService<RoleClient, H> {
        handler
            .serve(StreamableHttpClientTransport::from_uri(self.url.clone()))
            .await
            .unwrap()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first column of the first row `sql` finds in `world`'s store, once there is a store.
pub fn store_value(world: &World, sql: &str) -> Option<String> {
    let db = rusqlite::Connection::open(world.root.path().join("data/peel.sqlite3")).ok()?;
    db.query_row(sql, [], |r| r.get::<_, String>(0)).ok()
}

/// Waits (a minute at most) until `check` finds something, and returns it.
pub async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited a minute for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The interaction id `world`'s store recorded for its job, once it has one.
pub async fn recorded_interaction(world: &World) -> String {
    wait_for("the job's interaction", || {
        store_value(
            world,
            "SELECT interaction_id FROM jobs WHERE interaction_id IS NOT NULL",
        )
    })
    .await
}

/// The status the simulator at `sim_url` gives interaction `id` (key `k`).
pub async fn interaction_status(sim_url: &str, id: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{sim_url}/v1beta/interactions/{id}"))
        .header("x-goog-api-key", "k")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["status"]
        .clone()
}
