//! Connecting to a backend: the Gemini API with a key, or the embedded simulator without one.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::error::StudioError;
use crate::api::client::{ClientOptions, GeminiClient, RetryPolicy};
use crate::config::{BackendChoice, OfflineReason, Secret, Settings};
use crate::models::Registry;
use crate::sim;

/// What peel says when it falls back to the simulator.
pub const OFFLINE_BANNER: &str = "offline simulator — set GEMINI_API_KEY for real images";

/// The key the embedded simulator is started with (it is never a real key).
const EMBEDDED_SIM_KEY: &str = "peel-embedded-simulator";

/// Which backend answered, for status lines and sidecars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendLabel {
    /// The Gemini API (or a compatible host).
    Gemini { host: String },
    /// The in-process simulator.
    Simulator { reason: OfflineReason },
}

impl BackendLabel {
    /// One short line for a status bar.
    pub fn describe(&self) -> String {
        match self {
            Self::Gemini { host } => format!("Gemini API ({host})"),
            Self::Simulator { .. } => OFFLINE_BANNER.to_string(),
        }
    }

    /// True for the simulator.
    pub fn is_simulator(&self) -> bool {
        matches!(self, Self::Simulator { .. })
    }

    /// "gemini" or "simulator".
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Gemini { .. } => "gemini",
            Self::Simulator { .. } => "simulator",
        }
    }
}

/// A live connection: the client, and the simulator it talks to when embedded.
pub struct Connection {
    /// The API client.
    pub client: GeminiClient,
    /// Which backend this is.
    pub label: BackendLabel,
    /// Keeps the embedded simulator running while the connection lives.
    pub simulator: Option<sim::SimHandle>,
}

/// The retry policy from the config.
pub fn retry_policy(settings: &Settings) -> RetryPolicy {
    let r = &settings.config.retry;
    RetryPolicy {
        attempts: r.attempts.max(1),
        base_delay: Duration::from_millis(r.base_delay_ms),
        max_delay: Duration::from_millis(r.max_delay_ms.max(r.base_delay_ms)),
    }
}

/// Connects to the configured backend, starting the simulator in-process when there is no key.
pub async fn connect(settings: &Settings, registry: &Registry) -> Result<Connection, StudioError> {
    let (base_url, key, label, simulator) = match &settings.backend {
        BackendChoice::Gemini { base_url, key } => {
            let host = base_url.split("://").nth(1).unwrap_or(base_url).to_string();
            (
                base_url.clone(),
                key.clone(),
                BackendLabel::Gemini { host },
                None,
            )
        }
        BackendChoice::EmbeddedSimulator { reason } => {
            let handle = start_embedded(settings, registry).await?;
            let url = handle.base_url();
            (
                url,
                Secret::new(EMBEDDED_SIM_KEY),
                BackendLabel::Simulator { reason: *reason },
                Some(handle),
            )
        }
    };
    let client = GeminiClient::new(ClientOptions {
        base_url,
        api_version: settings.api_version.clone(),
        key,
        timeout: settings.timeout,
        connect_timeout: settings.connect_timeout,
        retry: retry_policy(settings),
    })?;
    Ok(Connection {
        client,
        label,
        simulator,
    })
}

async fn start_embedded(
    settings: &Settings,
    registry: &Registry,
) -> Result<sim::SimHandle, StudioError> {
    let cfg = &settings.config.sim;
    let faults_text = settings
        .env
        .sim_faults
        .clone()
        .or_else(|| cfg.faults.clone());
    let faults = match faults_text {
        Some(text) => sim::FaultSpec::parse(&text).map_err(StudioError::Simulator)?,
        None => sim::FaultSpec::default(),
    };
    let latency = match settings.env.sim_latency_ms.or(cfg.latency_ms) {
        Some(ms) => sim::Latency::Fixed(Duration::from_millis(ms)),
        None => sim::Latency::Realistic,
    };
    let config = sim::SimConfig {
        key: Some(EMBEDDED_SIM_KEY.to_string()),
        latency,
        rpm: cfg.rpm,
        faults,
        ..sim::SimConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    sim::start(config, registry.clone(), addr)
        .await
        .map_err(|e| StudioError::Simulator(e.to_string()))
}
