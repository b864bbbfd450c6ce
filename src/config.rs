//! The configuration file: `Config` and its sections as read from TOML. `resolve` turns it,
//! the environment and the flags into the `Settings` the engine runs with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::settings::{SafetyMap, SeedMode, SettingsLayer};

mod resolve;
mod services;
mod transport;

pub use resolve::{BackendChoice, Env, OfflineReason, Overrides, Paths, Settings};

pub use services::{
    BackendKind, OpenAiSection, OpenAiSettings, STORAGE_HOST, StorageEndpoint,
    VERTEX_DEFAULT_LOCATION, VERTEX_GLOBAL_HOST, VertexAuth, VertexSection, VertexSettings,
    resolve_storage, vertex_host,
};
pub use transport::Transport;

/// The default API host.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// An API key that never prints.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The key itself, for the one place that puts it in a header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The configuration file, `config.toml` in the config directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How to reach the service.
    pub api: ApiSection,
    /// Retry policy for transient failures.
    pub retry: RetrySection,
    /// Generation defaults.
    pub defaults: DefaultsSection,
    /// Where outputs go.
    pub output: OutputSection,
    /// The embedded simulator used when no key is set.
    pub sim: SimSection,
    /// The workbench.
    pub tui: TuiSection,
    /// Named presets, `[presets.NAME]`; a project's `peel.toml` overrides them by name.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub presets: std::collections::BTreeMap<String, SettingsLayer>,
    /// Vertex AI.
    pub vertex: VertexSection,
    /// An OpenAI-compatible gateway.
    pub openai: OpenAiSection,
    /// Batches.
    pub batch: BatchSection,
    /// The consistency check (`peel check`).
    pub check: CheckSection,
}

/// `[check]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckSection {
    /// The text model that scores consistency (default: the registry's default text model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Scores below this (0–100) are flagged as drifted.
    pub warn_below: u8,
}

impl Default for CheckSection {
    fn default() -> Self {
        Self {
            model: None,
            warn_below: 70,
        }
    }
}

/// `[batch]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchSection {
    /// Requests per minute the interactive lane keeps to (set it to your quota).
    pub rpm: u32,
    /// Requests in flight at once on the interactive lane.
    pub concurrency: usize,
    /// Longest wait between Batch API status checks, in seconds.
    pub max_poll_secs: u64,
}

impl Default for BatchSection {
    fn default() -> Self {
        Self {
            rpm: 10,
            concurrency: 4,
            max_poll_secs: 60,
        }
    }
}

/// `[api]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSection {
    /// Which backend to use when no `--backend` flag is given: gemini, vertex or openai.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendKind>,
    /// Base URL; `GOOGLE_GEMINI_BASE_URL` wins over it.
    pub base_url: Option<String>,
    /// API key; `GOOGLE_API_KEY` and `GEMINI_API_KEY` win over it.
    pub api_key: Option<Secret>,
    /// API version path segment.
    pub api_version: String,
    /// Whole-request timeout in seconds (4K with thinking can take a minute).
    pub timeout_secs: u64,
    /// Connection timeout in seconds.
    pub connect_timeout_secs: u64,
    /// Inline image data (MB) a request may carry before images go through the Files API.
    pub inline_limit_mb: f64,
    /// "interactions" (the default) or "generate-content", for the Gemini API backend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
}

impl Default for ApiSection {
    fn default() -> Self {
        Self {
            backend: None,
            base_url: None,
            api_key: None,
            api_version: "v1beta".into(),
            timeout_secs: 300,
            connect_timeout_secs: 20,
            inline_limit_mb: 20.0,
            transport: None,
        }
    }
}

/// `[retry]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetrySection {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First backoff delay in milliseconds.
    pub base_delay_ms: u64,
    /// Longest backoff delay in milliseconds.
    pub max_delay_ms: u64,
    /// How long a shed flex request is retried, from its first send, before it fails (or
    /// falls back to standard with `--fallback standard`).
    pub flex_window_secs: u64,
}

impl Default for RetrySection {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay_ms: 1000,
            max_delay_ms: 60_000,
            flex_window_secs: 900,
        }
    }
}

/// `[defaults]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultsSection {
    /// Model id or alias.
    pub model: Option<String>,
    /// Aspect ratio.
    pub aspect: Option<String>,
    /// Image size.
    pub size: Option<String>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Grounding: off, web or image.
    pub grounding: Option<String>,
    /// Service tier: standard, flex or priority.
    pub tier: Option<String>,
    /// The tier a shed flex request is re-sent at after its window: standard.
    pub fallback: Option<String>,
    /// Seed mode: random, fixed or increment.
    pub seed_mode: Option<SeedMode>,
    /// Safety thresholds, e.g. `{ harassment = "block_only_high" }`.
    #[serde(skip_serializing_if = "SafetyMap::is_empty")]
    pub safety: SafetyMap,
}

/// `[output]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSection {
    /// Output folder (default: `peel` under the user's pictures folder, or `./peel-out`).
    pub dir: Option<PathBuf>,
}

/// `[sim]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimSection {
    /// Fixed latency in milliseconds instead of the realistic one.
    pub latency_ms: Option<u64>,
    /// Requests per minute before the simulator answers 429.
    pub rpm: Option<u32>,
    /// Fault spec, as for `peel sim --faults`.
    pub faults: Option<String>,
}

/// `[tui]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TuiSection {
    /// auto, kitty, sixel, iterm2 or halfblocks.
    pub image_protocol: String,
    /// `auto` (light or dark from the terminal's background), or a theme name.
    pub theme: String,
    /// Key overrides: action name to key chord, e.g. `generate = "ctrl-g"`.
    pub keys: std::collections::BTreeMap<String, String>,
    /// Wrap OSC 52 in tmux passthrough.
    pub osc52_tmux_passthrough: bool,
}

impl Default for TuiSection {
    fn default() -> Self {
        Self {
            image_protocol: "auto".into(),
            theme: "auto".into(),
            keys: Default::default(),
            osc52_tmux_passthrough: false,
        }
    }
}

impl Config {
    /// Parses a config file's text; unknown keys are refused with their name.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ValidationError> {
        toml::from_str(text).map_err(|e| ValidationError::Config {
            message: format!("{}: {}", origin.display(), e.to_string().trim()),
        })
    }

    /// Reads the config file if it exists, defaults otherwise.
    pub fn load(path: &Path) -> Result<Self, ValidationError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ValidationError::Config {
                message: format!("cannot read {}: {e}", path.display()),
            }),
        }
    }

    /// A copy safe to print: every key replaced by `<redacted>`.
    pub fn redacted(&self) -> Self {
        let hide = |k: &Option<Secret>| k.as_ref().map(|_| Secret::new("<redacted>"));
        let mut shown = self.clone();
        shown.api.api_key = hide(&self.api.api_key);
        shown.vertex.api_key = hide(&self.vertex.api_key);
        shown.openai.api_key = hide(&self.openai.api_key);
        shown
    }

    /// A commented starter config.
    pub fn starter_text() -> &'static str {
        include_str!("../assets/config.example.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_config_keys_are_named() {
        let err = Config::parse("[api]\ntimeout = 3\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("timeout") && err.contains("c.toml"), "{err}");
        let ok = Config::parse(Config::starter_text(), Path::new("starter")).unwrap();
        assert_eq!(ok.retry.attempts, 5);
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("AIzaSECRET");
        assert!(!format!("{s:?}").contains("SECRET"));
    }
}
