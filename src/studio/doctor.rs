//! `peel doctor`'s checks: the configured backend end to end — configuration, credentials
//! (key present, or a token issued), endpoint reachable, credentials accepted, model served,
//! and a small test generation that detects billing-gated quota. Each failure says what to fix.

use serde::Serialize;

use super::backend::{self, Connection};
use super::error::StudioError;
use super::spec::{self, GenerateSpec};
use crate::api::error::ApiError;
use crate::api::outcome;
use crate::config::{BackendChoice, OfflineReason, Settings, VertexAuth};
use crate::error::ValidationError;
use crate::models::Registry;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Pass,
    /// Wrong; `fix` says what to do.
    Fail,
    /// Works, but worth a look.
    Warn,
    /// Not run, because an earlier check failed or it was turned off.
    Skip,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Short name: configuration, credentials, endpoint, auth, model, quota.
    pub name: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, for failures and warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Every check, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// "gemini", "vertex", "openai" or "simulator".
    pub backend: String,
    /// One line describing the backend.
    pub description: String,
    /// The model checked.
    pub model: String,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// True when no check failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    fn push(&mut self, name: &'static str, status: Status, detail: String, fix: Option<String>) {
        self.checks.push(Check {
            name,
            status,
            detail,
            fix,
        });
    }

    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Pass, detail.into(), None);
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Status::Fail, detail.into(), Some(fix.into()));
    }

    fn skip_rest(&mut self, from: usize) {
        for name in CHECKS.iter().skip(from) {
            if self.checks.iter().all(|c| c.name != *name) {
                let detail = "not checked: an earlier check failed".to_string();
                self.push(name, Status::Skip, detail, None);
            }
        }
    }
}

const CHECKS: [&str; 6] = [
    "configuration",
    "credentials",
    "endpoint",
    "auth",
    "model",
    "quota",
];

/// Runs every check against the configured backend; `generate` allows the test image.
pub async fn run(
    settings: &Settings,
    registry: &Registry,
    model: Option<&str>,
    generate: bool,
) -> Report {
    let mut settings = settings.clone();
    settings.config.retry.attempts = settings.config.retry.attempts.min(2);
    let model_name = model
        .map(str::to_string)
        .or_else(|| settings.config.defaults.model.clone())
        .unwrap_or_else(|| registry.default_model.clone());
    let mut report = Report {
        backend: match &settings.backend {
            BackendChoice::EmbeddedSimulator { .. } => "simulator".into(),
            other => other.kind().as_str().into(),
        },
        description: String::new(),
        model: model_name.clone(),
        checks: Vec::new(),
    };
    let spec = match registry.resolve(&model_name) {
        Ok(spec) => spec,
        Err(e) => {
            report.fail(
                "configuration",
                e.to_string(),
                "Pick a model from `peel models` with --model or `model` under [defaults].",
            );
            report.skip_rest(1);
            return report;
        }
    };
    report.model = spec.id.clone();
    if !configuration(&settings, &mut report) {
        report.skip_rest(1);
        return report;
    }
    let Some(conn) = credentials(&settings, registry, &mut report).await else {
        report.skip_rest(2);
        return report;
    };
    report.description = conn.label.describe();
    if reach(&conn, &spec.id, &mut report).await && generate {
        quota(&conn, registry, &spec.id, &mut report).await;
    } else if !generate && report.ok() {
        report.push(
            "quota",
            Status::Skip,
            "not checked (--no-generate)".into(),
            None,
        );
    }
    report.skip_rest(3);
    if report.ok() {
        bucket(&settings, &conn, &mut report).await;
    }
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    report
}

/// On Vertex AI with `[vertex] batch_bucket` set: the bucket exists and may be written.
async fn bucket(settings: &Settings, conn: &Connection, report: &mut Report) {
    use crate::studio::batch::vertex;
    let Some(text) = vertex::configured_bucket(settings) else {
        return;
    };
    let checked = async {
        let uri = vertex::bucket_setting(None, Some(text))?;
        let storage = vertex::storage_for(settings, conn)?;
        vertex::check_bucket(&storage, &uri).await?;
        Ok::<_, StudioError>(uri)
    };
    match checked.await {
        Ok(uri) => report.pass(
            "bucket",
            format!("{uri} exists and these credentials may write to it (Vertex batch lane)"),
        ),
        Err(e) => report.fail(
            "bucket",
            format!(
                "`batch_bucket` under [vertex] ({text}) cannot hold the Vertex batch lane's files"
            ),
            e.to_string(),
        ),
    }
}

/// What to do for real images when no key is set.
pub const NO_KEY_FIX: &str = "Set GEMINI_API_KEY for real images (create a key at https://aistudio.google.com/apikey), or use Vertex AI (--backend vertex) or a gateway (--backend openai).";

/// The configuration check; false stops the run.
fn configuration(settings: &Settings, report: &mut Report) -> bool {
    match &settings.backend {
        BackendChoice::EmbeddedSimulator {
            reason: OfflineReason::NoKey,
        } => report.push(
            "configuration",
            Status::Warn,
            "no API key is set: checking the embedded offline simulator (real images need a key)"
                .into(),
            Some(NO_KEY_FIX.into()),
        ),
        BackendChoice::EmbeddedSimulator { .. } => {
            report.pass("configuration", "--offline: the embedded simulator")
        }
        BackendChoice::Gemini { base_url, .. } => {
            report.pass("configuration", format!("Gemini API at {base_url}"))
        }
        BackendChoice::Vertex(v) => {
            let project = v.project.as_deref().unwrap_or("(from the credentials)");
            report.pass(
                "configuration",
                format!(
                    "Vertex AI at {}, project {project}, location {}",
                    v.base_url, v.location
                ),
            );
            if let Some(warning) = backend::location_warning(settings) {
                report.push(
                    "configuration",
                    Status::Warn,
                    format!("location {} does not serve the image models", v.location),
                    Some(warning),
                );
            }
        }
        BackendChoice::OpenAi(o) => report.pass(
            "configuration",
            format!(
                "OpenAI-compatible gateway at {}",
                o.base_url.as_deref().unwrap_or("(no base_url)")
            ),
        ),
    }
    true
}

/// Connects (which reads credentials) and, for Vertex AI tokens, obtains one.
async fn credentials(
    settings: &Settings,
    registry: &Registry,
    report: &mut Report,
) -> Option<Connection> {
    let conn = match backend::connect(settings, registry).await {
        Ok(conn) => conn,
        Err(StudioError::Validation(ValidationError::Config { message })) => {
            report.fail("credentials", "not configured", message);
            return None;
        }
        Err(StudioError::Api(e)) => {
            report.fail("credentials", cause(&e), fix(&e));
            return None;
        }
        Err(e) => {
            report.fail("credentials", e.to_string(), "See the message above.");
            return None;
        }
    };
    let source = match &settings.backend {
        BackendChoice::Vertex(v) => match &v.auth {
            VertexAuth::ApiKey(_) => "Vertex API key (express mode)".to_string(),
            VertexAuth::ServiceAccount(path) => format!("service-account key {}", path.display()),
            VertexAuth::ApplicationDefault => "Application Default Credentials".to_string(),
        },
        BackendChoice::OpenAi(_) => "gateway key set".to_string(),
        BackendChoice::EmbeddedSimulator { .. } => "the simulator's own key".to_string(),
        BackendChoice::Gemini { .. } => "API key set".to_string(),
    };
    match conn.client.authorization().await {
        Ok(Some(_)) => report.pass("credentials", format!("{source}; access token issued")),
        Ok(None) => report.pass("credentials", source),
        Err(e) => {
            report.fail("credentials", cause(&e), fix(&e));
            return None;
        }
    }
    Some(conn)
}

/// Endpoint, auth and model checks from one model lookup; true when all passed.
async fn reach(conn: &Connection, model: &str, report: &mut Report) -> bool {
    let base = conn.client.base_url().to_string();
    let result = conn.client.get_model(model).await;
    match &result {
        Err(e @ (ApiError::Network { .. } | ApiError::Timeout(_))) => {
            report.fail("endpoint", format!("{base} cannot be reached"), fix(e));
            return false;
        }
        _ => report.pass("endpoint", format!("{base} answered")),
    }
    match &result {
        Err(
            e @ (ApiError::InvalidKey { .. }
            | ApiError::MissingKey
            | ApiError::Unauthorized { .. }
            | ApiError::PermissionDenied { .. }
            | ApiError::Credentials { .. }),
        ) => {
            report.fail("auth", cause(e), fix(e));
            return false;
        }
        _ => report.pass("auth", "credentials accepted"),
    }
    match result {
        Ok(_) => {
            report.pass("model", format!("{model} is served"));
            true
        }
        Err(e @ ApiError::ModelNotFound { .. }) => {
            report.fail("model", format!("{model} is not served here"), fix(&e));
            false
        }
        Err(e) => {
            report.fail("model", cause(&e), fix(&e));
            false
        }
    }
}

/// One small generation: billing-gated quota shows up here and nowhere cheaper.
async fn quota(conn: &Connection, registry: &Registry, model: &str, report: &mut Report) {
    let Ok(spec) = registry.resolve(model) else {
        return;
    };
    let size = spec
        .sizes
        .iter()
        .min_by(|a, b| a.usd.total_cmp(&b.usd))
        .map(|s| s.name.clone());
    let request = GenerateSpec {
        prompt: "peel doctor: a small red circle on a white background".into(),
        model: Some(spec.id.clone()),
        size: size.filter(|_| !spec.fixed_size),
        count: 1,
        ..GenerateSpec::default()
    };
    let job = match spec::prepare(&request, registry) {
        Ok(mut jobs) if !jobs.is_empty() => jobs.remove(0),
        _ => return,
    };
    let price = spec.image_price(Some(&job.settings.size), crate::models::Lane::Interactive);
    let transport = conn.client.transport();
    match transport_check(conn, &spec.id, &job.request).await {
        Ok((response, interaction)) => match outcome::interpret(response) {
            Ok(_) => {
                let price =
                    crate::studio::pricing::show(price, conn.client.answered_by_simulator());
                report.pass(
                    "quota",
                    format!(
                        "a {} test image was generated (about {price})",
                        job.settings.size
                    ),
                );
                let via = interaction.map_or(String::new(), |id| format!(", interaction {id}"));
                report.pass(
                    "transport",
                    format!("{} answered end to end{via}", transport.as_str()),
                );
            }
            Err(e) => report.push(
                "quota",
                Status::Warn,
                format!("the request was accepted but returned no image: {e}"),
                None,
            ),
        },
        Err(e @ ApiError::BillingRequired { .. }) => report.fail(
            "quota",
            format!("billing-gated: no quota for {model} (image models have no free tier)"),
            fix(&e),
        ),
        Err(e) => report.fail("quota", cause(&e), fix(&e)),
    }
}

/// The test generation on the transport jobs will use (`[api] transport`, `--transport`).
async fn transport_check(
    conn: &Connection,
    model: &str,
    request: &crate::api::wire::GenerateContentRequest,
) -> Result<(crate::api::wire::GenerateContentResponse, Option<String>), ApiError> {
    if conn.client.transport() == crate::config::Transport::Interactions
        && let Ok(create) = crate::api::interactions_convert::to_create(model, request, None)
    {
        let answer = conn
            .client
            .create_interaction(&create, |_| {}, |_| {}, |_| {})
            .await?;
        return Ok((answer.response, Some(answer.interaction_id)));
    }
    let response = conn.client.generate_content(model, request, |_| {}).await?;
    Ok((response, None))
}

/// The first sentence of an error: what went wrong.
fn cause(error: &ApiError) -> String {
    match error {
        ApiError::Unauthorized {
            service, message, ..
        } => format!("{service} refused the credentials: {message}"),
        ApiError::Credentials { message } => format!("no access token: {message}"),
        ApiError::InvalidKey { message } => format!("the API key was rejected: {message}"),
        ApiError::MissingKey => "the service received no API key".into(),
        ApiError::Network { message, .. } => format!("network error: {message}"),
        other => other.to_string(),
    }
}

/// What to do about an error, as one line.
fn fix(error: &ApiError) -> String {
    match error {
        ApiError::Unauthorized { fix, .. } | ApiError::BillingRequired { fix, .. } => fix.clone(),
        ApiError::Credentials { .. } => "Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`.".into(),
        ApiError::InvalidKey { .. } => "Check GEMINI_API_KEY / GOOGLE_API_KEY or `api_key` under [api]; create a key at https://aistudio.google.com/apikey.".into(),
        ApiError::MissingKey => "Set GEMINI_API_KEY.".into(),
        ApiError::PermissionDenied { .. } => "Enable the Gemini API for the key's project and check the key may use this model.".into(),
        ApiError::Network { url, .. } => format!("Check the network connection and the base URL ({url}): GOOGLE_GEMINI_BASE_URL, GOOGLE_VERTEX_BASE_URL or `base_url` in the config."),
        ApiError::Timeout(_) => "The service did not answer in time: check the base URL, or raise `timeout_secs` under [api].".into(),
        ApiError::ModelNotFound { .. } => "Pick a served model with --model (`peel models --remote` lists them); on Vertex AI use the `global` location.".into(),
        ApiError::RateLimited { .. } => "Wait a minute and run `peel doctor` again; lower the request rate if it keeps happening.".into(),
        ApiError::Server { .. } | ApiError::BadResponse { .. } => "The service failed; try again shortly.".into(),
        _ => "See the message above.".into(),
    }
}
