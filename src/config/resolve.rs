//! Resolution: the process environment, platform directories and flags on top of the
//! config file give the `Settings` the engine runs with. The only place that reads the
//! process environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::services::{self, BackendKind, OpenAiSettings, VertexSettings};
use super::{Config, DEFAULT_BASE_URL, Secret};
use crate::error::ValidationError;

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
    /// `HOME`, for `~/` in paths typed into the workbench.
    pub home: Option<PathBuf>,
    /// `COLORFGBG` (`fg;bg` colour indexes some terminals set), for `theme = "auto"`.
    pub colorfgbg: Option<String>,
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
    /// `STORAGE_EMULATOR_HOST`: a Cloud Storage emulator, reached without credentials.
    pub storage_emulator_host: Option<String>,
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
            home: var("HOME").map(PathBuf::from),
            colorfgbg: var("COLORFGBG"),
            cwd: std::env::current_dir().ok(),
            use_vertexai: var("GOOGLE_GENAI_USE_VERTEXAI").is_some_and(|v| services::truthy(&v)),
            cloud_project: var("GOOGLE_CLOUD_PROJECT"),
            cloud_location: var("GOOGLE_CLOUD_LOCATION"),
            vertex_base_url: var("GOOGLE_VERTEX_BASE_URL"),
            application_credentials: var("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from),
            quota_project: var("GOOGLE_CLOUD_QUOTA_PROJECT"),
            storage_emulator_host: var("STORAGE_EMULATOR_HOST"),
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Overrides {
    /// `--offline`: use the simulator whatever is configured.
    pub offline: bool,
    /// `--backend`: which service to use.
    pub backend: Option<BackendKind>,
    /// `--transport`: how interactive jobs reach the Gemini API.
    pub transport: Option<super::Transport>,
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
                transport: None,
            },
        )
    }

    /// Resolves settings with the flags' overrides (`--offline`, `--backend`, `--transport`).
    pub fn resolve_with(mut config: Config, paths: Paths, env: Env, flags: Overrides) -> Self {
        if let Some(transport) = flags.transport {
            config.api.transport = Some(transport);
        }
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
                transport: None,
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

    /// The Gemini API key from the environment or the config, whichever backend is chosen
    /// (collecting a job sent to the Gemini API needs it even offline).
    pub fn gemini_key(&self) -> Option<Secret> {
        if let BackendChoice::Gemini { key, .. } = &self.backend {
            return Some(key.clone());
        }
        self.env
            .google_api_key
            .clone()
            .or_else(|| self.env.gemini_api_key.clone())
            .or_else(|| self.config.api.api_key.clone())
            .filter(|k| !k.is_empty())
    }

    /// The transport interactive jobs use on the Gemini API (`[api] transport`, default interactions).
    pub fn transport(&self) -> super::Transport {
        self.config.api.transport.unwrap_or_default()
    }

    /// Inline bytes allowed per request before images are uploaded through the Files API.
    pub fn inline_budget(&self) -> usize {
        (self.config.api.inline_limit_mb.clamp(0.0, 100.0) * 1024.0 * 1024.0) as usize
    }

    /// The output folder: flag, then config, then the platform default; absolute (against
    /// the working directory), so every path peel records and prints is absolute.
    pub fn output_dir(&self, flag: Option<&Path>) -> PathBuf {
        let dir = flag
            .map(Path::to_path_buf)
            .or_else(|| self.config.output.dir.clone())
            .unwrap_or_else(|| self.paths.default_output_dir.clone());
        std::path::absolute(&dir).unwrap_or(dir)
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
}
