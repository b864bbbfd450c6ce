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
mod state;
mod storage;
mod text_model;
mod tiers;
mod uploads;
mod vertex;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use codes::{ALL_CODES, ApiCode};
pub use faults::{Fault, FaultKind, FaultSpec, Trigger};
pub(crate) use state::SimState;
use state::VERTEX_LOCATION;
pub use state::{DEFAULT_FLEX_LATENCY, Latency, SimConfig, SimStats};

use crate::models::Registry;

/// How long `SimHandle::shutdown` waits for requests in flight before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

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
