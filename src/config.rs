//! `Config` from TOML, `Paths` from `directories`, and environment resolution.
//! This is the only module that reads the process environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::studio::preset::SettingsLayer;
use crate::studio::safety::SafetyMap;
use crate::studio::spec::SeedMode;

mod services;
mod transport;

pub use services::{
    BackendKind, OpenAiSection, OpenAiSettings, VERTEX_DEFAULT_LOCATION, VERTEX_GLOBAL_HOST,
    VertexAuth, VertexSection, VertexSettings, vertex_host,
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
}

impl Default for RetrySection {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay_ms: 1000,
            max_delay_ms: 60_000,
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
    /// Theme name.
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
            theme: "dark".into(),
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

/// The environment variables peel reads, captured once so tests can inject them.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `GOOGLE_API_KEY`.
    pub google_api_key: Option<Secret>,
    /// `GEMINI_API_KEY`.
    pub gemini_api_key: Option<Secret>,
    /// `GOOGLE_GEMINI_BASE_URL`.
    pub base_url: Option<String>,
    /// `PEEL_CONFIG_DIR`.
    pub config_dir: Option<PathBuf>,
    /// `PEEL_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `PEEL_STATE_DIR`.
    pub state_dir: Option<PathBuf>,
    /// `PEEL_SIM_FAULTS`.
    pub sim_faults: Option<String>,
    /// `PEEL_SIM_LATENCY_MS`.
    pub sim_latency_ms: Option<u64>,
    /// `NO_COLOR` is set and non-empty.
    pub no_color: bool,
    /// `SSH_CONNECTION`, `SSH_CLIENT` or `SSH_TTY` is set.
    pub over_ssh: bool,
    /// `TMUX` is set.
    pub in_tmux: bool,
    /// The working directory, where the search for a project `peel.toml` starts.
    pub cwd: Option<PathBuf>,
    /// `GOOGLE_GENAI_USE_VERTEXAI` is true.
    pub use_vertexai: bool,
    /// `GOOGLE_CLOUD_PROJECT`.
    pub cloud_project: Option<String>,
    /// `GOOGLE_CLOUD_LOCATION`.
    pub cloud_location: Option<String>,
    /// `GOOGLE_VERTEX_BASE_URL`.
    pub vertex_base_url: Option<String>,
    /// `GOOGLE_APPLICATION_CREDENTIALS`.
    pub application_credentials: Option<PathBuf>,
    /// `GOOGLE_CLOUD_QUOTA_PROJECT`.
    pub quota_project: Option<String>,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            google_api_key: var("GOOGLE_API_KEY").map(Secret::new),
            gemini_api_key: var("GEMINI_API_KEY").map(Secret::new),
            base_url: var("GOOGLE_GEMINI_BASE_URL"),
            config_dir: var("PEEL_CONFIG_DIR").map(PathBuf::from),
            data_dir: var("PEEL_DATA_DIR").map(PathBuf::from),
            state_dir: var("PEEL_STATE_DIR").map(PathBuf::from),
            sim_faults: var("PEEL_SIM_FAULTS"),
            sim_latency_ms: var("PEEL_SIM_LATENCY_MS").and_then(|v| v.parse().ok()),
            no_color: var("NO_COLOR").is_some(),
            over_ssh: ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
                .iter()
                .any(|v| var(v).is_some()),
            in_tmux: var("TMUX").is_some(),
            cwd: std::env::current_dir().ok(),
            use_vertexai: var("GOOGLE_GENAI_USE_VERTEXAI").is_some_and(|v| services::truthy(&v)),
            cloud_project: var("GOOGLE_CLOUD_PROJECT"),
            cloud_location: var("GOOGLE_CLOUD_LOCATION"),
            vertex_base_url: var("GOOGLE_VERTEX_BASE_URL"),
            application_credentials: var("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from),
            quota_project: var("GOOGLE_CLOUD_QUOTA_PROJECT"),
        }
    }
}

/// Where peel keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `config.toml`, `models.toml`, themes.
    pub config_dir: PathBuf,
    /// The SQLite store and content-addressed images.
    pub data_dir: PathBuf,
    /// Logs.
    pub state_dir: PathBuf,
    /// Default output folder.
    pub default_output_dir: PathBuf,
}

impl Paths {
    /// Platform directories, overridden by `PEEL_*_DIR`.
    pub fn resolve(env: &Env) -> Self {
        let dirs = directories::ProjectDirs::from("dev", "peel", "peel");
        let fallback = std::env::temp_dir().join("peel");
        let config_dir = env.config_dir.clone().unwrap_or_else(|| {
            dirs.as_ref()
                .map(|d| d.config_dir().to_path_buf())
                .unwrap_or_else(|| fallback.join("config"))
        });
        let data_dir = env.data_dir.clone().unwrap_or_else(|| {
            dirs.as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .unwrap_or_else(|| fallback.join("data"))
        });
        let state_dir = env.state_dir.clone().unwrap_or_else(|| {
            dirs.as_ref()
                .and_then(|d| d.state_dir().map(Path::to_path_buf))
                .unwrap_or_else(|| data_dir.join("state"))
        });
        let default_output_dir = directories::UserDirs::new()
            .and_then(|u| u.picture_dir().map(|p| p.join("peel")))
            .unwrap_or_else(|| PathBuf::from("peel-out"));
        Self {
            config_dir,
            data_dir,
            state_dir,
            default_output_dir,
        }
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The user's model overrides.
    pub fn models_file(&self) -> PathBuf {
        self.config_dir.join("models.toml")
    }

    /// The SQLite store.
    pub fn store_file(&self) -> PathBuf {
        self.data_dir.join("peel.sqlite3")
    }
}

/// Which service answers requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    /// The Gemini API (or whatever `base_url` points at) with a key.
    Gemini { base_url: String, key: Secret },
    /// Vertex AI (`--backend vertex`, `GOOGLE_GENAI_USE_VERTEXAI`, or a `[vertex]` section).
    Vertex(VertexSettings),
    /// An OpenAI-compatible gateway (`--backend openai` or `[api] backend = "openai"`).
    OpenAi(OpenAiSettings),
    /// The in-process simulator, because no key is configured or `--offline` was given.
    EmbeddedSimulator { reason: OfflineReason },
}

impl BackendChoice {
    /// Which kind of service this is (the simulator speaks the Gemini API).
    pub fn kind(&self) -> BackendKind {
        match self {
            Self::Gemini { .. } | Self::EmbeddedSimulator { .. } => BackendKind::Gemini,
            Self::Vertex(_) => BackendKind::Vertex,
            Self::OpenAi(_) => BackendKind::OpenAi,
        }
    }
}

/// What flags change about resolution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--offline`: use the simulator whatever is configured.
    pub offline: bool,
    /// `--backend`: which service to use.
    pub backend: Option<BackendKind>,
}

/// Why the embedded simulator is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineReason {
    /// No key was found.
    NoKey,
    /// `--offline` was given.
    Forced,
}

/// Everything resolved from config, environment and flags that the engine needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The parsed config file.
    pub config: Config,
    /// Directories.
    pub paths: Paths,
    /// The backend to talk to.
    pub backend: BackendChoice,
    /// API version path segment.
    pub api_version: String,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Environment snapshot.
    pub env: Env,
}

impl Settings {
    /// Resolves settings: env wins over the config file; `offline` forces the simulator.
    pub fn resolve(config: Config, paths: Paths, env: Env, offline: bool) -> Self {
        Self::resolve_with(
            config,
            paths,
            env,
            Overrides {
                offline,
                backend: None,
            },
        )
    }

    /// Resolves settings with the flags' overrides (`--offline`, `--backend`).
    pub fn resolve_with(config: Config, paths: Paths, env: Env, flags: Overrides) -> Self {
        let offline = flags.offline;
        let kind = services::chosen_kind(&config, &env, flags.backend);
        let key = env
            .google_api_key
            .clone()
            .or_else(|| env.gemini_api_key.clone())
            .or_else(|| config.api.api_key.clone())
            .filter(|k| !k.is_empty());
        let base_url = env
            .base_url
            .clone()
            .or_else(|| config.api.base_url.clone())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let backend = match (offline, key) {
            (true, _) => BackendChoice::EmbeddedSimulator {
                reason: OfflineReason::Forced,
            },
            (false, _) if kind == Some(BackendKind::Vertex) => {
                BackendChoice::Vertex(services::resolve_vertex(&config, &env))
            }
            (false, _) if kind == Some(BackendKind::OpenAi) => {
                BackendChoice::OpenAi(services::resolve_openai(&config))
            }
            (false, None) => BackendChoice::EmbeddedSimulator {
                reason: OfflineReason::NoKey,
            },
            (false, Some(key)) => BackendChoice::Gemini {
                base_url: base_url.trim_end_matches('/').to_string(),
                key,
            },
        };
        Self {
            api_version: config.api.api_version.clone(),
            timeout: Duration::from_secs(config.api.timeout_secs.max(1)),
            connect_timeout: Duration::from_secs(config.api.connect_timeout_secs.max(1)),
            backend,
            config,
            paths,
            env,
        }
    }

    /// Loads config from the resolved config dir and resolves everything.
    pub fn load(
        env: Env,
        config_file: Option<&Path>,
        offline: bool,
    ) -> Result<Self, ValidationError> {
        Self::load_with(
            env,
            config_file,
            Overrides {
                offline,
                backend: None,
            },
        )
    }

    /// Like `load`, with the flags' overrides (`--offline`, `--backend`).
    pub fn load_with(
        env: Env,
        config_file: Option<&Path>,
        flags: Overrides,
    ) -> Result<Self, ValidationError> {
        let paths = Paths::resolve(&env);
        let file = config_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| paths.config_file());
        if config_file.is_some() && !file.exists() {
            return Err(ValidationError::Config {
                message: format!(
                    "{} does not exist. Create it with `peel config init`.",
                    file.display()
                ),
            });
        }
        let config = Config::load(&file)?;
        Ok(Self::resolve_with(config, paths, env, flags))
    }

    /// The transport interactive jobs use on the Gemini API (`[api] transport`, default interactions).
    pub fn transport(&self) -> Transport {
        self.config.api.transport.unwrap_or_default()
    }

    /// Inline bytes allowed per request before images are uploaded through the Files API.
    pub fn inline_budget(&self) -> usize {
        (self.config.api.inline_limit_mb.clamp(0.0, 100.0) * 1024.0 * 1024.0) as usize
    }

    /// The output folder: flag, then config, then the platform default.
    pub fn output_dir(&self, flag: Option<&Path>) -> PathBuf {
        flag.map(Path::to_path_buf)
            .or_else(|| self.config.output.dir.clone())
            .unwrap_or_else(|| self.paths.default_output_dir.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths {
            config_dir: "/c".into(),
            data_dir: "/d".into(),
            state_dir: "/s".into(),
            default_output_dir: "/o".into(),
        }
    }

    #[test]
    fn google_api_key_wins_over_gemini_api_key_and_config() {
        let mut config = Config::default();
        config.api.api_key = Some(Secret::new("from-config"));
        let env = Env {
            google_api_key: Some(Secret::new("google")),
            gemini_api_key: Some(Secret::new("gemini")),
            ..Env::default()
        };
        let s = Settings::resolve(config.clone(), paths(), env, false);
        assert!(
            matches!(s.backend, BackendChoice::Gemini { ref key, .. } if key.expose() == "google")
        );
        let env = Env {
            gemini_api_key: Some(Secret::new("gemini")),
            ..Env::default()
        };
        let s = Settings::resolve(config.clone(), paths(), env, false);
        assert!(
            matches!(s.backend, BackendChoice::Gemini { ref key, .. } if key.expose() == "gemini")
        );
        let s = Settings::resolve(config, paths(), Env::default(), false);
        assert!(
            matches!(s.backend, BackendChoice::Gemini { ref key, .. } if key.expose() == "from-config")
        );
    }

    #[test]
    fn no_key_or_offline_means_the_simulator() {
        let s = Settings::resolve(Config::default(), paths(), Env::default(), false);
        assert_eq!(
            s.backend,
            BackendChoice::EmbeddedSimulator {
                reason: OfflineReason::NoKey
            }
        );
        let env = Env {
            gemini_api_key: Some(Secret::new("k")),
            ..Env::default()
        };
        let s = Settings::resolve(Config::default(), paths(), env, true);
        assert_eq!(
            s.backend,
            BackendChoice::EmbeddedSimulator {
                reason: OfflineReason::Forced
            }
        );
    }

    #[test]
    fn base_url_env_wins_and_is_trimmed() {
        let mut config = Config::default();
        config.api.base_url = Some("http://config".into());
        let env = Env {
            gemini_api_key: Some(Secret::new("k")),
            base_url: Some("http://127.0.0.1:9/".into()),
            ..Env::default()
        };
        let s = Settings::resolve(config, paths(), env, false);
        assert!(
            matches!(s.backend, BackendChoice::Gemini { ref base_url, .. } if base_url == "http://127.0.0.1:9")
        );
    }

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
