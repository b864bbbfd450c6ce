//! The offline simulator: a real HTTP server on loopback that speaks the Gemini REST API
//! (generateContent, models, files, batches) with procedural images, thought signatures,
//! strict validation, rate limits and injectable faults.
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
//!
//! A generate request goes: key → model (404) → rate limit (429) → JSON and strict schema
//! (`schema`, `messages`) → model capabilities (`capabilities`, `request`) → thought
//! signatures of model turns (`signature`) → faults (`faults`) → latency → images
//! (`render`, `canvas`, `backdrop`) → response (`response`). Anything else gets Google's
//! HTML 404 page.

mod backdrop;
mod batch_worker;
mod batches;
mod canvas;
mod capabilities;
mod errors;
mod faults;
mod files;
mod generate;
mod inputs;
mod messages;
mod ratelimit;
mod render;
mod request;
mod response;
mod routes;
mod schema;
mod signature;
mod uploads;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultKind, FaultSpec, Trigger};

use crate::models::Registry;

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
    base_url: String,
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
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
    let state = Arc::new(SimState {
        limiter: config
            .rpm
            .map(|n| Mutex::new(ratelimit::RateLimiter::new(n))),
        faults: Mutex::new(faults::FaultState::new(config.faults.clone())),
        files: files::FileStore::default(),
        batches: batches::BatchStore::default(),
        config,
        registry,
        base_url,
    });
    let app = routes::router(state);
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
    Ok(SimHandle { addr, stop, task })
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
