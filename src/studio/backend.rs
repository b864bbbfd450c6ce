//! Connecting to a backend: the Gemini API with a key, Vertex AI, an OpenAI-compatible
//! gateway, or the embedded simulator when nothing is configured.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::error::StudioError;
use crate::api::backend::{Backend, Capabilities, OpenAiTarget};
use crate::api::client::{ClientOptions, GeminiClient, RetryPolicy};
use crate::api::vertex::{self, VertexCredential, VertexTarget};
use crate::config::{
    BackendChoice, OfflineReason, OpenAiSettings, Secret, Settings, VERTEX_DEFAULT_LOCATION,
    VertexAuth, VertexSettings,
};
use crate::error::ValidationError;
use crate::models::Registry;
use crate::sim;

/// What peel says when it falls back to the simulator.
pub const OFFLINE_BANNER: &str = "offline simulator — set GEMINI_API_KEY for real images";

/// Where the embedded simulator keeps its interactions, under the data folder (so a
/// session continues, and offline work is collected, across peel processes).
pub const EMBEDDED_SIM_DIR: &str = "sim";

/// The key the embedded simulator is started with (it is never a real key).
const EMBEDDED_SIM_KEY: &str = "peel-embedded-simulator";

/// Which backend answered, for status lines and sidecars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendLabel {
    /// The Gemini API (or a compatible host).
    Gemini { host: String },
    /// Vertex AI; no project in express mode.
    Vertex {
        host: String,
        project: Option<String>,
        location: String,
    },
    /// An OpenAI-compatible gateway.
    OpenAi { host: String },
    /// The in-process simulator.
    Simulator { reason: OfflineReason },
}

impl BackendLabel {
    /// One short line for a status bar.
    pub fn describe(&self) -> String {
        match self {
            Self::Gemini { host } => format!("Gemini API ({host})"),
            Self::Vertex {
                host,
                project: Some(project),
                location,
            } => format!("Vertex AI (project {project}, {location}, {host})"),
            Self::Vertex { host, .. } => format!("Vertex AI express mode ({host})"),
            Self::OpenAi { host } => format!("OpenAI-compatible gateway ({host})"),
            Self::Simulator { .. } => OFFLINE_BANNER.to_string(),
        }
    }

    /// True for the simulator.
    pub fn is_simulator(&self) -> bool {
        matches!(self, Self::Simulator { .. })
    }

    /// "gemini", "vertex", "openai" or "simulator".
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Gemini { .. } => "gemini",
            Self::Vertex { .. } => "vertex",
            Self::OpenAi { .. } => "openai",
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

impl Connection {
    /// What the backend can do (faces disable the rest with `Capabilities::reason`).
    pub fn capabilities(&self) -> Capabilities {
        self.client.capabilities()
    }
}

/// The capabilities of the configured backend, known before connecting.
pub fn capabilities(settings: &Settings) -> Capabilities {
    Capabilities::of(settings.backend.kind())
}

/// A warning when Vertex AI is set to a location that does not serve the image models.
pub fn location_warning(settings: &Settings) -> Option<String> {
    let BackendChoice::Vertex(v) = &settings.backend else {
        return None;
    };
    (v.location != VERTEX_DEFAULT_LOCATION && !matches!(v.auth, VertexAuth::ApiKey(_))).then(|| {
        format!(
            "Vertex AI serves the image models from the `global` location only; location '{}' will likely answer 404. Set GOOGLE_CLOUD_LOCATION=global or `location = \"global\"` under [vertex].",
            v.location
        )
    })
}

/// The host part of a base URL, for labels.
fn host_of(base_url: &str) -> String {
    base_url.split("://").nth(1).unwrap_or(base_url).to_string()
}

/// The retry policy from the config.
pub fn retry_policy(settings: &Settings) -> RetryPolicy {
    let r = &settings.config.retry;
    RetryPolicy {
        attempts: r.attempts.max(1),
        base_delay: Duration::from_millis(r.base_delay_ms),
        max_delay: Duration::from_millis(r.max_delay_ms.max(r.base_delay_ms)),
        flex_window: Duration::from_secs(r.flex_window_secs),
    }
}

/// Connects to the configured backend, starting the simulator in-process when there is no key.
pub async fn connect(settings: &Settings, registry: &Registry) -> Result<Connection, StudioError> {
    let (base_url, key, label, simulator) = match &settings.backend {
        BackendChoice::Vertex(vertex) => return connect_vertex(settings, vertex).await,
        BackendChoice::OpenAi(gateway) => return connect_openai(settings, gateway, registry),
        BackendChoice::Gemini { base_url, key } => (
            base_url.clone(),
            key.clone(),
            BackendLabel::Gemini {
                host: host_of(base_url),
            },
            None,
        ),
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
    let client = GeminiClient::new(options(settings, base_url, "", key))?;
    Ok(Connection {
        client,
        label,
        simulator,
    })
}

/// A Gemini API client for `base_url` with the configured key (None without a key), for
/// collecting jobs sent there whatever backend is configured now.
pub fn gemini_client_for(
    settings: &Settings,
    base_url: &str,
) -> Result<Option<GeminiClient>, StudioError> {
    let Some(key) = settings.gemini_key() else {
        return Ok(None);
    };
    let client = GeminiClient::new(options(settings, base_url.to_string(), "", key))?;
    Ok(Some(client))
}

/// The embedded simulator with a client of it (its interactions kept in the data folder,
/// so it answers for those an earlier peel process's simulator started).
pub async fn embedded(
    settings: &Settings,
    registry: &Registry,
) -> Result<(GeminiClient, sim::SimHandle), StudioError> {
    let handle = start_embedded(settings, registry).await?;
    let client = GeminiClient::new(options(
        settings,
        handle.base_url(),
        "",
        Secret::new(EMBEDDED_SIM_KEY),
    ))?;
    Ok((client, handle))
}

/// Which backend the settings choose, without connecting to it.
pub fn label_of(settings: &Settings) -> BackendLabel {
    match &settings.backend {
        BackendChoice::Gemini { base_url, .. } => BackendLabel::Gemini {
            host: host_of(base_url),
        },
        BackendChoice::Vertex(v) => BackendLabel::Vertex {
            host: host_of(&v.base_url),
            project: v.project.clone(),
            location: v.location.clone(),
        },
        BackendChoice::OpenAi(gateway) => BackendLabel::OpenAi {
            host: gateway.base_url.as_deref().map(host_of).unwrap_or_default(),
        },
        BackendChoice::EmbeddedSimulator { reason } => BackendLabel::Simulator { reason: *reason },
    }
}

/// The host of a base URL, for messages.
pub fn host(base_url: &str) -> String {
    host_of(base_url)
}

fn options(settings: &Settings, base_url: String, version: &str, key: Secret) -> ClientOptions {
    ClientOptions {
        base_url,
        api_version: if version.is_empty() {
            settings.api_version.clone()
        } else {
            version.to_string()
        },
        key,
        timeout: settings.timeout,
        connect_timeout: settings.connect_timeout,
        retry: retry_policy(settings),
        quota_project: None,
        transport: settings.transport(),
    }
}

/// The refusal when the configuration cannot reach a backend.
fn misconfigured(message: impl Into<String>) -> StudioError {
    StudioError::Validation(ValidationError::Config {
        message: message.into(),
    })
}

async fn connect_vertex(
    settings: &Settings,
    vertex: &VertexSettings,
) -> Result<Connection, StudioError> {
    let (credential, key, found_project) = match &vertex.auth {
        VertexAuth::ApiKey(key) => (VertexCredential::ApiKey, key.clone(), None),
        VertexAuth::ServiceAccount(path) => {
            let (provider, project) = vertex::service_account(path)?;
            let source = format!("the service-account key {}", path.display());
            (
                VertexCredential::Token { provider, source },
                Secret::default(),
                project,
            )
        }
        VertexAuth::ApplicationDefault => {
            let (provider, project) = vertex::application_default().await?;
            let source = "Application Default Credentials".to_string();
            (
                VertexCredential::Token { provider, source },
                Secret::default(),
                project,
            )
        }
    };
    let express = matches!(credential, VertexCredential::ApiKey);
    let project = vertex.project.clone().or(found_project);
    let project = match (express, project) {
        (true, project) => project.unwrap_or_default(),
        (false, Some(project)) => project,
        (false, None) => {
            return Err(misconfigured(
                "Vertex AI needs a Google Cloud project: set GOOGLE_CLOUD_PROJECT or `project` under [vertex] (or use an express-mode key: `api_key` under [vertex])",
            ));
        }
    };
    let target = VertexTarget {
        project: project.clone(),
        location: vertex.location.clone(),
        credential,
    };
    let mut options = options(settings, vertex.base_url.clone(), "v1", key);
    options.quota_project = vertex.quota_project.clone();
    let client = GeminiClient::with_backend(options, Backend::Vertex(Arc::new(target)))?;
    Ok(Connection {
        client,
        label: BackendLabel::Vertex {
            host: host_of(&vertex.base_url),
            project: (!express).then_some(project),
            location: vertex.location.clone(),
        },
        simulator: None,
    })
}

fn connect_openai(
    settings: &Settings,
    gateway: &OpenAiSettings,
    registry: &Registry,
) -> Result<Connection, StudioError> {
    let Some(base_url) = gateway.base_url.clone() else {
        return Err(misconfigured(
            "the OpenAI-compatible backend needs the gateway's address: set `base_url` under [openai] in the config (`peel config path`)",
        ));
    };
    let Some(key) = gateway.key.clone() else {
        return Err(misconfigured(
            "the OpenAI-compatible backend needs the gateway's key: set `api_key` under [openai] in the config (`peel config path`)",
        ));
    };
    let target = OpenAiTarget {
        registry: Arc::new(registry.clone()),
        models: gateway.models.clone(),
    };
    let client = GeminiClient::with_backend(
        options(settings, base_url.clone(), "v1", key),
        Backend::OpenAi(Arc::new(target)),
    )?;
    Ok(Connection {
        client,
        label: BackendLabel::OpenAi {
            host: host_of(&base_url),
        },
        simulator: None,
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
        keep_dir: Some(settings.paths.data_dir.join(EMBEDDED_SIM_DIR)),
        ..sim::SimConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    sim::start(config, registry.clone(), addr)
        .await
        .map_err(|e| StudioError::Simulator(e.to_string()))
}
