//! The offline simulator: a real HTTP server on loopback that speaks the Gemini REST API
//! (generateContent, models, files, batches) with procedural images, thought signatures,
//! strict validation, rate limits and injectable faults — and the same generation behind
//! Vertex AI's paths (with its own OAuth token endpoint) and OpenAI's images endpoints.
//!
//! Endpoints, each on both `v1` and `v1beta` (`{v}`), keyed by `x-goog-api-key` or `?key=`:
//!
//! | method | path | module |
//! |---|---|---|
//! | POST | `/{v}/models/{m}:generateContent`, `:streamGenerateContent[?alt=sse]`, `:countTokens` | `generate` |
//! | POST | `/{v}/models/{m}:batchGenerateContent` | `batches` |
//! | GET | `/{v}/models`, `/{v}/models/{m}` | `routes` |
//! | POST | `/upload/{v}/files` (resumable: start, then `?upload_id=`) | `uploads` |
//! | GET, DELETE | `/{v}/files`, `/{v}/files/{id}`; GET `…/files/{id}:download?alt=media` | `files` |
//! | GET | `/download/{v}/files/{id}:download?alt=media` | `files` |
//! | GET, DELETE, POST `:cancel` | `/{v}/batches`, `/{v}/batches/{id}` | `batches` |
//! | POST | `/{v}/interactions` (sync, `background`, `stream`); POST `…/{id}/cancel` | `interactions` |
//! | GET, DELETE | `/{v}/interactions/{id}` (GET `?stream=true&last_event_id=`) | `interactions` |
//! | POST | `/token` (OAuth JWT-bearer grant → short-lived bearer tokens) | `oauth` |
//! | POST | `/{v1,v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent` (bearer) | `vertex` |
//! | POST | `/{v1,v1beta1}/publishers/google/models/{m}:generateContent` (express-mode key) | `vertex` |
//! | GET | `/{v1,v1beta1}/publishers/google/models/{m}`, `/v1beta1/publishers/google/models` | `vertex` |
//! | POST | `/v1/images/generations` (JSON), `/v1/images/edits` (multipart); GET `/v1/models` (Bearer key) | `openai` |
//! | GET, POST | `/storage/v1/b[/{bucket}]`; `/storage/v1/b/{bucket}/o[/{name}]` (GET `?alt=media`, DELETE); `/download/storage/v1/b/{bucket}/o/{name}` | `storage` |
//! | POST, PUT | `/upload/storage/v1/b/{bucket}/o?uploadType=media|multipart|resumable` (then `&upload_id=`) | `storage` |
//! | GET, POST | `/{v1,v1beta1}/projects/{p}/locations/{l}/batchPredictionJobs` (list, create); GET, DELETE, POST `:cancel` `…/{id}` | `prediction` |
//! | GET | `/_peel/stats` (token grants and requests per API, for tests) | `routes` |
//!
//! A generate request goes (`pipeline`): key → model (404, also for a model shut down on
//! the simulator's today) → rate limit (429) → JSON and strict schema (`schema`,
//! `messages`) → model capabilities (`capabilities`, `request`) → thought signatures of
//! model turns (`signature`) → service tier (`tiers`) → faults at the door (`faults`,
//! `fault_errors`) — that is admission; then flex latency → faults during the run →
//! latency → images (`render`, `canvas`, `backdrop`) → response (`response`). The
//! Interactions API answers its errors in its own envelope (`interactions/errors.rs`,
//! codes in `codes`); everything else in Google's RPC envelope (`errors`). Every answer
//! carries `x-peel-simulator: 1`. Anything else gets Google's HTML 404 page.

mod backdrop;
mod batch_worker;
mod batches;
mod call;
mod canvas;
mod capabilities;
mod codes;
mod errors;
mod fault_errors;
mod faults;
mod files;
mod gate;
mod generate;
mod inputs;
mod interactions;
mod judge;
mod messages;
mod oauth;
mod openai;
mod pipeline;
mod prediction;
mod ratelimit;
mod render;
mod request;
mod response;
mod routes;
mod schema;
mod signature;
mod storage;
mod text_model;
mod tiers;
mod uploads;
mod vertex;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use codes::{ALL_CODES, ApiCode};
pub use faults::{Fault, FaultKind, FaultSpec, Trigger};

use crate::models::{ModelSpec, Registry, Status, TextModelSpec};

/// How much longer a `flex` request takes than a standard one by default (the service
/// takes minutes; the simulator stays quick so tests do not wait).
pub const DEFAULT_FLEX_LATENCY: Duration = Duration::from_millis(400);

/// The only Vertex AI location serving the image models.
const VERTEX_LOCATION: &str = "global";

/// How long `SimHandle::shutdown` waits for requests in flight before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How long the simulator takes to answer a generate request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Like the real service: about 0.5–1.5 s at 512 up to 3–7 s at 4K.
    Realistic,
    /// Always this long (use `Duration::ZERO` in tests).
    Fixed(Duration),
}

impl Latency {
    /// Parses `realistic`, or a fixed time such as `0`, `250ms`, `1.5s`.
    pub fn parse(text: &str) -> Result<Latency, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "realistic" {
            return Ok(Latency::Realistic);
        }
        let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
            (ms, 0.001)
        } else if let Some(s) = t.strip_suffix('s') {
            (s, 1.0)
        } else {
            (t.as_str(), 0.001)
        };
        number
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| Latency::Fixed(Duration::from_secs_f64(n * scale)))
            .ok_or_else(|| {
                format!(
                    "latency '{text}' is not understood: use 'realistic' or a time like 0, 250ms or 1.5s"
                )
            })
    }
}

/// How the simulator behaves.
#[derive(Clone)]
pub struct SimConfig {
    /// The only key accepted; `None` accepts any non-empty key.
    pub key: Option<String>,
    /// Answer latency for generate requests.
    pub latency: Latency,
    /// Generate requests allowed per sliding minute; `None` for no limit.
    pub rpm: Option<u32>,
    /// Faults injected into generateContent.
    pub faults: FaultSpec,
    /// Extra delay the `slow` fault adds.
    pub slow_delay: Duration,
    /// Time a batch spends in each of PENDING and RUNNING before it succeeds.
    pub batch_step: Duration,
    /// The service-account email `/token` accepts as a JWT's issuer; `None` accepts any.
    pub client_email: Option<String>,
    /// How long access tokens from `/token` live.
    pub token_lifetime: Duration,
    /// The only Vertex AI project served; `None` serves any.
    pub project: Option<String>,
    /// How many of the latest generation requests to keep whole for `GET /_peel/requests`
    /// (0: none), so tests can read exactly what a client sent.
    pub record: usize,
    /// Where interactions are kept so they outlive this process (the embedded simulator
    /// keeps them in peel's data folder); None keeps them in memory only.
    pub keep_dir: Option<std::path::PathBuf>,
    /// Extra time a request served at the `flex` tier takes.
    pub flex_latency: Duration,
    /// The day models' lifecycle dates are compared with (a model past its `shutdown_on`
    /// is answered as not found); `None`: today on this machine.
    pub today: Option<chrono::NaiveDate>,
    /// Cloud Storage buckets that exist from the start.
    pub buckets: Vec<String>,
    /// Buckets that exist but refuse every write (403), for tests.
    pub read_only_buckets: Vec<String>,
    /// Cloud Storage answers without credentials, as an emulator does.
    pub storage_emulator: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            key: None,
            latency: Latency::Realistic,
            rpm: None,
            faults: FaultSpec::default(),
            slow_delay: Duration::from_secs(8),
            batch_step: Duration::from_secs(5),
            client_email: None,
            token_lifetime: Duration::from_secs(3600),
            project: None,
            record: 0,
            keep_dir: None,
            flex_latency: DEFAULT_FLEX_LATENCY,
            today: None,
            buckets: Vec::new(),
            read_only_buckets: Vec::new(),
            storage_emulator: false,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("latency", &self.latency)
            .field("rpm", &self.rpm)
            .field("faults", &self.faults.to_string())
            .field("slow_delay", &self.slow_delay)
            .field("batch_step", &self.batch_step)
            .field("client_email", &self.client_email)
            .field("token_lifetime", &self.token_lifetime)
            .field("project", &self.project)
            .field("keep_dir", &self.keep_dir)
            .field("flex_latency", &self.flex_latency)
            .field("today", &self.today)
            .field("buckets", &self.buckets)
            .field("read_only_buckets", &self.read_only_buckets)
            .field("storage_emulator", &self.storage_emulator)
            .finish()
    }
}

/// State shared by every request handler.
pub(crate) struct SimState {
    config: SimConfig,
    registry: Registry,
    limiter: Option<Mutex<ratelimit::RateLimiter>>,
    faults: Mutex<faults::FaultState>,
    files: files::FileStore,
    batches: batches::BatchStore,
    interactions: interactions::InteractionStore,
    storage: storage::ObjectStore,
    predictions: prediction::JobStore,
    base_url: String,
    tokens: oauth::Tokens,
    stats: Mutex<SimStats>,
    recent: Mutex<std::collections::VecDeque<Value>>,
    logged: std::sync::atomic::AtomicU64,
    keep: Option<interactions::Keep>,
}

impl SimState {
    /// Keeps a generation request (its path, JSON body and arrival time in ms since the
    /// epoch) among the latest `record`; returns its number in the log.
    fn keep_request(&self, path: &str, body: &[u8]) -> Option<u64> {
        if self.config.record == 0 {
            return None;
        }
        let seq = self
            .logged
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let body = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == self.config.record {
                recent.pop_front();
            }
            recent.push_back(serde_json::json!({
                "seq": seq, "path": path, "body": body, "received_ms": now_ms(),
            }));
        }
        Some(seq)
    }

    /// Adds to logged request `seq` the interaction it created and when that was answered.
    fn note_request(&self, seq: Option<u64>, interaction: &str) {
        let Some(seq) = seq else {
            return;
        };
        if let Ok(mut recent) = self.recent.lock()
            && let Some(entry) = recent.iter_mut().find(|e| e["seq"] == seq)
        {
            entry["interaction"] = Value::from(interaction);
            entry["answered_ms"] = Value::from(now_ms());
        }
    }

    /// The kept requests, oldest first.
    fn recent_requests(&self) -> Vec<Value> {
        self.recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The image model `name` names, unless it is unknown or shut down today.
    fn served_model(&self, name: &str) -> Option<&ModelSpec> {
        let spec = self.registry.resolve(name).ok()?;
        self.is_served(spec.lifecycle()).then_some(spec)
    }

    /// The text model `name` names, unless it is unknown or shut down today.
    fn served_text_model(&self, name: &str) -> Option<&TextModelSpec> {
        let spec = self.registry.resolve_text(name).ok()?;
        self.is_served(spec.lifecycle()).then_some(spec)
    }

    /// False for a model shut down by the simulator's today.
    fn is_served(&self, lifecycle: crate::models::Lifecycle<'_>) -> bool {
        let today = self.config.today.unwrap_or_else(crate::models::today);
        lifecycle.status_on(today) != Status::ShutDown
    }

    /// Updates the counters.
    fn record(&self, update: impl FnOnce(&mut SimStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            update(&mut stats);
        }
    }
}

/// What the simulator has seen, for tests (also served at `GET /_peel/stats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SimStats {
    /// Access tokens issued by `/token`.
    pub token_grants: u64,
    /// generateContent calls and interaction creations on Gemini API paths, counted on
    /// arrival (authenticated or not).
    pub gemini_requests: u64,
    /// generateContent calls on Vertex AI paths that passed authentication.
    pub vertex_requests: u64,
    /// Of those, calls in express mode (API key, no project).
    pub express_requests: u64,
    /// Calls to the OpenAI images endpoints that passed authentication.
    pub openai_requests: u64,
    /// The `personGeneration` of the latest Vertex AI request.
    pub last_person_generation: Option<String>,
    /// The `x-goog-user-project` of the latest Vertex AI request.
    pub last_quota_project: Option<String>,
    /// Calls to `/interactions` paths that passed authentication.
    pub interactions_requests: u64,
    /// The `Api-Revision` header of the latest `/interactions` call.
    pub last_api_revision: Option<String>,
    /// Cloud Storage calls (any, counted on arrival).
    pub storage_requests: u64,
    /// Objects clients uploaded in full (results the simulator writes are not counted).
    pub storage_objects_written: u64,
    /// Bytes of those objects.
    pub storage_bytes_written: u64,
    /// Vertex AI batch prediction jobs created.
    pub batch_prediction_jobs_created: u64,
}

/// Now, in milliseconds since the epoch (the request log's clock).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    state: Arc<SimState>,
}

impl SimHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to point a client at, e.g. `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the simulator has seen so far.
    pub fn stats(&self) -> SimStats {
        self.state
            .stats
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Stops accepting connections and waits (at most a few seconds) for requests in flight.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Starts the simulator on `addr` (port 0 picks a free port).
pub async fn start(
    config: SimConfig,
    registry: Registry,
    addr: SocketAddr,
) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let keep = config.keep_dir.as_deref().map(interactions::Keep::new);
    let state = Arc::new(SimState {
        limiter: config
            .rpm
            .map(|n| Mutex::new(ratelimit::RateLimiter::new(n))),
        faults: Mutex::new(faults::FaultState::new(config.faults.clone())),
        files: files::FileStore::default(),
        batches: batches::BatchStore::default(),
        interactions: interactions::InteractionStore::default(),
        storage: storage::ObjectStore::new(&config.buckets, &config.read_only_buckets)?,
        predictions: prediction::JobStore::default(),
        config,
        registry,
        base_url,
        tokens: oauth::Tokens::default(),
        stats: Mutex::new(SimStats::default()),
        recent: Mutex::new(std::collections::VecDeque::new()),
        logged: std::sync::atomic::AtomicU64::new(0),
        keep,
    });
    if let Some(keep) = &state.keep {
        keep.prune();
    }
    let app = routes::router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::warn!("simulator stopped: {e}");
        }
    });
    tracing::info!("simulator listening on http://{addr}");
    Ok(SimHandle {
        addr,
        stop,
        task,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_parses_names_and_times() {
        assert_eq!(Latency::parse("Realistic"), Ok(Latency::Realistic));
        assert_eq!(Latency::parse("0"), Ok(Latency::Fixed(Duration::ZERO)));
        assert_eq!(
            Latency::parse("250ms"),
            Ok(Latency::Fixed(Duration::from_millis(250)))
        );
        assert_eq!(
            Latency::parse("1.5s"),
            Ok(Latency::Fixed(Duration::from_millis(1500)))
        );
        assert!(Latency::parse("fast").unwrap_err().contains("'fast'"));
        assert!(Latency::parse("-1s").is_err());
    }

    #[test]
    fn debug_output_hides_the_key() {
        let config = SimConfig {
            key: Some("secret-key-123".into()),
            ..SimConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-key-123"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
