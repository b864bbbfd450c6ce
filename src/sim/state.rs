//! The simulator's configuration and the state every request handler shares.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::faults::FaultSpec;
use super::interactions::{InteractionStore, Keep};
use super::{batches, faults, files, oauth, prediction, ratelimit, storage};
use crate::models::{ModelSpec, Registry, Status, TextModelSpec};

/// How much longer a `flex` request takes than a standard one by default (the service
/// takes minutes; the simulator stays quick so tests do not wait).
pub const DEFAULT_FLEX_LATENCY: Duration = Duration::from_millis(400);

/// The only Vertex AI location serving the image models.
pub(super) const VERTEX_LOCATION: &str = "global";

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
    pub(super) config: SimConfig,
    pub(super) registry: Registry,
    pub(super) limiter: Option<Mutex<ratelimit::RateLimiter>>,
    pub(super) faults: Mutex<faults::FaultState>,
    pub(super) files: files::FileStore,
    pub(super) batches: batches::BatchStore,
    pub(super) interactions: InteractionStore,
    pub(super) storage: storage::ObjectStore,
    pub(super) predictions: prediction::JobStore,
    pub(super) base_url: String,
    pub(super) tokens: oauth::Tokens,
    pub(super) stats: Mutex<SimStats>,
    pub(super) recent: Mutex<std::collections::VecDeque<Value>>,
    pub(super) logged: std::sync::atomic::AtomicU64,
    pub(super) keep: Option<Keep>,
}

impl SimState {
    /// Keeps a generation request (its path, JSON body and arrival time in ms since the
    /// epoch) among the latest `record`; returns its number in the log.
    pub(super) fn keep_request(&self, path: &str, body: &[u8]) -> Option<u64> {
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
    pub(super) fn note_request(&self, seq: Option<u64>, interaction: &str) {
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
    pub(super) fn recent_requests(&self) -> Vec<Value> {
        self.recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The image model `name` names, unless it is unknown or shut down today.
    pub(super) fn served_model(&self, name: &str) -> Option<&ModelSpec> {
        let spec = self.registry.resolve(name).ok()?;
        self.is_served(spec.lifecycle()).then_some(spec)
    }

    /// The text model `name` names, unless it is unknown or shut down today.
    pub(super) fn served_text_model(&self, name: &str) -> Option<&TextModelSpec> {
        let spec = self.registry.resolve_text(name).ok()?;
        self.is_served(spec.lifecycle()).then_some(spec)
    }

    /// False for a model shut down by the simulator's today.
    pub(super) fn is_served(&self, lifecycle: crate::models::Lifecycle<'_>) -> bool {
        let today = self.config.today.unwrap_or_else(crate::models::today);
        lifecycle.status_on(today) != Status::ShutDown
    }

    /// Updates the counters.
    pub(super) fn record(&self, update: impl FnOnce(&mut SimStats)) {
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
pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
