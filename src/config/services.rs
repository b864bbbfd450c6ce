//! The other ways in: the `[vertex]` and `[openai]` sections, which backend is chosen, and
//! how Vertex AI's project, location, host and credentials are resolved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Config, Env, Secret};

/// Vertex AI's host for the `global` location (the image models are served only there).
pub const VERTEX_GLOBAL_HOST: &str = "https://aiplatform.googleapis.com";

/// The only location that serves the image models today.
pub const VERTEX_DEFAULT_LOCATION: &str = "global";

/// Which service answers requests, as chosen by flag, environment or config.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default, Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The Gemini API with an API key (or the offline simulator without one).
    #[default]
    Gemini,
    /// Vertex AI, with Application Default Credentials or an express-mode API key.
    Vertex,
    /// An OpenAI-compatible gateway (`/v1/images/generations` and `/v1/images/edits`).
    #[serde(rename = "openai")]
    #[value(name = "openai")]
    OpenAi,
}

impl BackendKind {
    /// "gemini", "vertex" or "openai".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gemini => "gemini",
            Self::Vertex => "vertex",
            Self::OpenAi => "openai",
        }
    }
}

/// `[vertex]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VertexSection {
    /// Google Cloud project id; `GOOGLE_CLOUD_PROJECT` wins over it.
    pub project: Option<String>,
    /// Location (default `global`, the only one serving the image models); `GOOGLE_CLOUD_LOCATION` wins.
    pub location: Option<String>,
    /// Base URL override; `GOOGLE_VERTEX_BASE_URL` wins over it.
    pub base_url: Option<String>,
    /// A Vertex API key ("express mode"): sent as `x-goog-api-key`, no project needed.
    pub api_key: Option<Secret>,
    /// Service-account key file; `GOOGLE_APPLICATION_CREDENTIALS` wins over it.
    pub credentials_file: Option<PathBuf>,
    /// Project billed for quota (`x-goog-user-project`); `GOOGLE_CLOUD_QUOTA_PROJECT` wins.
    pub quota_project: Option<String>,
    /// Where `peel batch submit` puts a Vertex batch's files: `gs://BUCKET/PREFIX`
    /// (`--bucket` wins over it).
    pub batch_bucket: Option<String>,
    /// Cloud Storage endpoint override (default `https://storage.googleapis.com`); the
    /// Vertex credentials are still sent. `STORAGE_EMULATOR_HOST` wins over it.
    pub storage_base_url: Option<String>,
}

impl VertexSection {
    /// True when the section says enough to mean "use Vertex AI".
    pub fn is_configured(&self) -> bool {
        self.project
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty())
            || self.api_key.as_ref().is_some_and(|k| !k.is_empty())
    }
}

/// `[openai]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenAiSection {
    /// The gateway's base URL, e.g. `https://gateway.example.com` or `https://gateway.example.com/v1`.
    pub base_url: Option<String>,
    /// The gateway's key, sent as `Authorization: Bearer`.
    pub api_key: Option<Secret>,
    /// Model names the gateway uses instead of peel's ids, e.g. `"gemini-3.1-flash-image" = "google/gemini-3.1-flash-image"`.
    pub models: BTreeMap<String, String>,
}

/// How requests to Vertex AI are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VertexAuth {
    /// Express mode: a Vertex API key in `x-goog-api-key`, project-less paths.
    ApiKey(Secret),
    /// A service-account key file (`GOOGLE_APPLICATION_CREDENTIALS` or `credentials_file`).
    ServiceAccount(PathBuf),
    /// Application Default Credentials: the gcloud ADC file, the metadata server, gcloud.
    ApplicationDefault,
}

/// Everything resolved for Vertex AI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VertexSettings {
    /// Base URL without a version, e.g. `https://aiplatform.googleapis.com`.
    pub base_url: String,
    /// Project id, when known before asking the credentials.
    pub project: Option<String>,
    /// Location, e.g. `global`.
    pub location: String,
    /// How requests are authenticated.
    pub auth: VertexAuth,
    /// Project billed for quota, sent as `x-goog-user-project`.
    pub quota_project: Option<String>,
    /// `[vertex] batch_bucket`, as written.
    pub batch_bucket: Option<String>,
    /// Where Cloud Storage is reached and whether credentials go with it.
    pub storage: StorageEndpoint,
}

/// Google's Cloud Storage endpoint.
pub const STORAGE_HOST: &str = "https://storage.googleapis.com";

/// Where Cloud Storage calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageEndpoint {
    /// Base URL without a path, e.g. `https://storage.googleapis.com`.
    pub base_url: String,
    /// True for an emulator (`STORAGE_EMULATOR_HOST`): no credentials are sent, as Google's
    /// client libraries do.
    pub emulator: bool,
}

/// `STORAGE_EMULATOR_HOST` (`host:port` or a URL), then `[vertex] storage_base_url`, then
/// Google's endpoint.
pub fn resolve_storage(section: &VertexSection, env: &Env) -> StorageEndpoint {
    let trimmed = |u: &str| u.trim().trim_end_matches('/').to_string();
    if let Some(host) = env
        .storage_emulator_host
        .as_deref()
        .filter(|h| !h.trim().is_empty())
    {
        let host = trimmed(host);
        let base_url = if host.contains("://") {
            host
        } else {
            format!("http://{host}")
        };
        return StorageEndpoint {
            base_url,
            emulator: true,
        };
    }
    let base_url = section
        .storage_base_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map_or_else(|| STORAGE_HOST.to_string(), trimmed);
    StorageEndpoint {
        base_url,
        emulator: false,
    }
}

/// Everything resolved for an OpenAI-compatible gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiSettings {
    /// The gateway's base URL (None: not configured).
    pub base_url: Option<String>,
    /// The gateway's key (None: not configured).
    pub key: Option<Secret>,
    /// peel model id → the gateway's model name.
    pub models: BTreeMap<String, String>,
}

/// The host serving a Vertex location: `aiplatform.googleapis.com` for `global`,
/// `{loc}-aiplatform.googleapis.com` otherwise.
pub fn vertex_host(location: &str) -> String {
    if location == VERTEX_DEFAULT_LOCATION {
        VERTEX_GLOBAL_HOST.to_string()
    } else {
        format!("https://{location}-aiplatform.googleapis.com")
    }
}

/// Which backend is wanted: flag, then `GOOGLE_GENAI_USE_VERTEXAI`, then `[api] backend`,
/// then a configured `[vertex]` section; `None` means the Gemini API (or the simulator).
pub fn chosen_kind(config: &Config, env: &Env, flag: Option<BackendKind>) -> Option<BackendKind> {
    flag.or(env.use_vertexai.then_some(BackendKind::Vertex))
        .or(config.api.backend)
        .or(config.vertex.is_configured().then_some(BackendKind::Vertex))
}

/// Resolves Vertex AI settings; env wins over the config file, as for the Gemini API.
pub fn resolve_vertex(config: &Config, env: &Env) -> VertexSettings {
    let section = &config.vertex;
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let project = nonempty(&env.cloud_project).or_else(|| nonempty(&section.project));
    let location = nonempty(&env.cloud_location)
        .or_else(|| nonempty(&section.location))
        .unwrap_or_else(|| VERTEX_DEFAULT_LOCATION.to_string());
    let explicit_key = section.api_key.clone().filter(|k| !k.is_empty());
    let credentials = env
        .application_credentials
        .clone()
        .or_else(|| section.credentials_file.clone());
    let env_key = env.google_api_key.clone().filter(|k| !k.is_empty());
    // An explicit [vertex] api_key means express mode; GOOGLE_API_KEY only when nothing
    // names a project or a credentials file (Google's SDK prefers project over an env key).
    let auth = match (explicit_key, &credentials, &project, env_key) {
        (Some(key), _, _, _) => VertexAuth::ApiKey(key),
        (None, Some(file), _, _) => VertexAuth::ServiceAccount(file.clone()),
        (None, None, None, Some(key)) => VertexAuth::ApiKey(key),
        _ => VertexAuth::ApplicationDefault,
    };
    let base_url = nonempty(&env.vertex_base_url)
        .or_else(|| nonempty(&section.base_url))
        .unwrap_or_else(|| match auth {
            VertexAuth::ApiKey(_) => VERTEX_GLOBAL_HOST.to_string(),
            _ => vertex_host(&location),
        });
    VertexSettings {
        base_url: base_url.trim_end_matches('/').to_string(),
        project,
        location,
        auth,
        quota_project: nonempty(&env.quota_project).or_else(|| nonempty(&section.quota_project)),
        batch_bucket: nonempty(&section.batch_bucket),
        storage: resolve_storage(section, env),
    }
}

/// Resolves the gateway settings from `[openai]`.
pub fn resolve_openai(config: &Config) -> OpenAiSettings {
    let section = &config.openai;
    OpenAiSettings {
        base_url: section
            .base_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim().trim_end_matches('/').to_string()),
        key: section.api_key.clone().filter(|k| !k.is_empty()),
        models: section.models.clone(),
    }
}

/// Parses a truthy environment value ("true", "1", "yes"; any case).
pub fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vertex_env() -> Env {
        Env {
            use_vertexai: true,
            ..Env::default()
        }
    }

    #[test]
    fn global_uses_the_global_host_and_regions_their_own() {
        assert_eq!(vertex_host("global"), "https://aiplatform.googleapis.com");
        assert_eq!(
            vertex_host("us-central1"),
            "https://us-central1-aiplatform.googleapis.com"
        );
        let s = resolve_vertex(&Config::default(), &vertex_env());
        assert_eq!(s.location, "global");
        assert_eq!(s.base_url, VERTEX_GLOBAL_HOST);
        assert_eq!(s.auth, VertexAuth::ApplicationDefault);
    }

    #[test]
    fn the_storage_emulator_wins_and_drops_credentials_a_base_url_keeps_them() {
        let mut section = VertexSection::default();
        let google = resolve_storage(&section, &Env::default());
        assert_eq!(
            (google.base_url.as_str(), google.emulator),
            (STORAGE_HOST, false)
        );
        section.storage_base_url = Some("http://127.0.0.1:9/ ".into());
        let own = resolve_storage(&section, &Env::default());
        assert_eq!(
            (own.base_url.as_str(), own.emulator),
            ("http://127.0.0.1:9", false)
        );
        let env = Env {
            storage_emulator_host: Some("localhost:4443".into()),
            ..Env::default()
        };
        let emulated = resolve_storage(&section, &env);
        assert_eq!(
            (emulated.base_url.as_str(), emulated.emulator),
            ("http://localhost:4443", true)
        );
        let env = Env {
            storage_emulator_host: Some("https://gcs.test:8443/".into()),
            ..Env::default()
        };
        assert_eq!(
            resolve_storage(&section, &env).base_url,
            "https://gcs.test:8443"
        );
    }

    #[test]
    fn env_wins_over_the_vertex_section() {
        let mut config = Config::default();
        config.vertex.project = Some("from-config".into());
        config.vertex.location = Some("europe-west4".into());
        let env = Env {
            cloud_project: Some("from-env".into()),
            vertex_base_url: Some("http://127.0.0.1:9/".into()),
            application_credentials: Some("/sa.json".into()),
            ..vertex_env()
        };
        let s = resolve_vertex(&config, &env);
        assert_eq!(s.project.as_deref(), Some("from-env"));
        assert_eq!(s.location, "europe-west4");
        assert_eq!(s.base_url, "http://127.0.0.1:9");
        assert_eq!(s.auth, VertexAuth::ServiceAccount("/sa.json".into()));
    }

    #[test]
    fn express_mode_needs_an_explicit_key_or_no_project() {
        let mut config = Config::default();
        config.vertex.api_key = Some(Secret::new("vk"));
        config.vertex.location = Some("us-central1".into());
        let s = resolve_vertex(&config, &Env::default());
        assert!(matches!(s.auth, VertexAuth::ApiKey(ref k) if k.expose() == "vk"));
        assert_eq!(s.base_url, VERTEX_GLOBAL_HOST, "express mode is global");
        let env = Env {
            google_api_key: Some(Secret::new("gk")),
            ..vertex_env()
        };
        let s = resolve_vertex(&Config::default(), &env);
        assert!(matches!(s.auth, VertexAuth::ApiKey(ref k) if k.expose() == "gk"));
        let env = Env {
            cloud_project: Some("p".into()),
            ..env
        };
        assert_eq!(
            resolve_vertex(&Config::default(), &env).auth,
            VertexAuth::ApplicationDefault
        );
    }

    #[test]
    fn sections_refuse_unknown_keys_and_never_print_keys() {
        let origin = std::path::Path::new("c.toml");
        let err = Config::parse("[vertex]\nregion = \"x\"\n", origin)
            .unwrap_err()
            .to_string();
        assert!(err.contains("region"), "{err}");
        let text = "[api]\nbackend = \"openai\"\n[vertex]\napi_key = \"VKEY\"\n[openai]\nbase_url = \"http://127.0.0.1:9/v1/\"\napi_key = \"OKEY\"\n";
        let config = Config::parse(text, origin).unwrap();
        let shown = toml::to_string(&config.redacted()).unwrap();
        assert!(
            !shown.contains("VKEY") && !shown.contains("OKEY"),
            "{shown}"
        );
        let paths = super::super::Paths {
            config_dir: "/c".into(),
            data_dir: "/d".into(),
            state_dir: "/s".into(),
            default_output_dir: "/o".into(),
        };
        let settings = super::super::Settings::resolve(config, paths, Env::default(), false);
        let super::super::BackendChoice::OpenAi(gateway) = &settings.backend else {
            panic!("{:?}", settings.backend);
        };
        assert_eq!(gateway.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("VKEY") && !debug.contains("OKEY"),
            "{debug}"
        );
    }

    #[test]
    fn the_flag_wins_then_env_then_config() {
        let mut config = Config::default();
        assert_eq!(chosen_kind(&config, &Env::default(), None), None);
        config.vertex.project = Some("p".into());
        assert_eq!(
            chosen_kind(&config, &Env::default(), None),
            Some(BackendKind::Vertex)
        );
        config.api.backend = Some(BackendKind::OpenAi);
        assert_eq!(
            chosen_kind(&config, &Env::default(), None),
            Some(BackendKind::OpenAi)
        );
        assert_eq!(
            chosen_kind(&config, &vertex_env(), None),
            Some(BackendKind::Vertex)
        );
        assert_eq!(
            chosen_kind(&config, &vertex_env(), Some(BackendKind::Gemini)),
            Some(BackendKind::Gemini)
        );
        assert!(truthy("TRUE") && truthy("1") && !truthy("false") && !truthy(""));
    }
}
