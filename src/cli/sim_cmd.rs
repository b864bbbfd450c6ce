//! `peel sim`: the simulator as a standalone server.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use super::error::CliError;
use crate::config::{Env, Paths};
use crate::models::Registry;
use crate::sim;

/// `peel sim`
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8089)]
    pub port: u16,
    /// Accept only this key (default: any non-empty key).
    #[arg(long)]
    pub key: Option<String>,
    /// Fixed latency in milliseconds (default: realistic, 1–7 s by size).
    #[arg(long)]
    pub latency_ms: Option<u64>,
    /// Extra latency of a request served at the flex tier, in milliseconds (the service
    /// takes minutes; kept short here).
    #[arg(long, value_name = "MS", default_value_t = sim::DEFAULT_FLEX_LATENCY.as_millis() as u64)]
    pub flex_latency_ms: u64,
    /// Requests per minute before answering 429.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Faults to inject: comma-separated KIND (every request), KIND:N (the first N) or
    /// KIND@P (probability P), e.g. "payment_required:1,503@0.1,shed". Kinds: 429,
    /// 429-free-tier, 500, 503, truncated, html, slow, image-safety, prompt-blocked,
    /// no-image; the Interactions API's codes invalid_request, failed_precondition,
    /// parameter_unknown, out_of_range, authentication, payment_required,
    /// permission_denied, not_found, model_not_found, already_exists, aborted,
    /// rate_limit_exceeded, too_many_requests, quota_exceeded, cancelled, api_error,
    /// unimplemented, service_unavailable, deadline_exceeded (each in that API's own
    /// envelope and status; generateContent answers Google's equivalent, and has none for
    /// payment_required); shed (a flex request answers 503), priority-downgrade (a priority
    /// request is served at standard); standing: no-background, no-interactions.
    #[arg(long, verbatim_doc_comment)]
    pub faults: Option<String>,
    /// Service-account email the token endpoint (/token) accepts (default: any).
    #[arg(long, value_name = "EMAIL")]
    pub client_email: Option<String>,
    /// Lifetime of access tokens from /token, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub token_lifetime_secs: u64,
    /// The only Vertex AI project served (default: any).
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Keep the latest N generation requests whole, served at GET /_peel/requests (for tests).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub record: usize,
    /// The day models' shutdown dates are compared with, YYYY-MM-DD (default: today); a
    /// model shut down by then is answered as not found.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// A Cloud Storage bucket that exists from the start (repeatable).
    #[arg(long = "bucket", value_name = "NAME")]
    pub buckets: Vec<String>,
    /// A bucket that exists but refuses every write with 403 (repeatable; for tests).
    #[arg(long = "read-only-bucket", value_name = "NAME")]
    pub read_only_buckets: Vec<String>,
    /// Cloud Storage answers without credentials, as an emulator does (for clients with
    /// STORAGE_EMULATOR_HOST set).
    #[arg(long)]
    pub storage_emulator: bool,
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: SimArgs) -> Result<(), CliError> {
    let env = Env::from_process();
    let faults = match args.faults.as_ref().or(env.sim_faults.as_ref()) {
        Some(spec) => {
            sim::FaultSpec::parse(spec).map_err(|e| CliError::usage(format!("--faults: {e}")))?
        }
        None => sim::FaultSpec::default(),
    };
    if args.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        return Err(CliError::usage("--key must not be empty"));
    }
    let today = match args.today.as_deref() {
        Some(text) => Some(crate::models::parse_date(text).ok_or_else(|| {
            CliError::usage(format!(
                "--today '{text}' is not a date: use YYYY-MM-DD, e.g. 2026-10-01"
            ))
        })?),
        None => None,
    };
    let registry = Registry::load(Some(&Paths::resolve(&env).models_file()))?;
    let config = sim::SimConfig {
        key: args.key,
        latency: args.latency_ms.map_or(sim::Latency::Realistic, |ms| {
            sim::Latency::Fixed(Duration::from_millis(ms))
        }),
        rpm: args.rpm,
        faults,
        client_email: args.client_email,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        project: args.project,
        record: args.record,
        flex_latency: Duration::from_millis(args.flex_latency_ms),
        today,
        buckets: args.buckets,
        read_only_buckets: args.read_only_buckets,
        storage_emulator: args.storage_emulator,
        ..sim::SimConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let handle = sim::start(config, registry, addr).await.map_err(|e| {
        CliError::failed(
            "simulator",
            format!("cannot listen on {addr}: {e}. Choose another --port."),
        )
    })?;
    println!("peel simulator listening on {}", handle.base_url());
    println!(
        "point clients at it: GOOGLE_GEMINI_BASE_URL={} GEMINI_API_KEY=<any key>",
        handle.base_url()
    );
    println!(
        "Vertex AI: GOOGLE_VERTEX_BASE_URL={url} with a service account whose token_uri is {url}/token; OpenAI-compatible: [openai] base_url = \"{url}\"",
        url = handle.base_url()
    );
    wait_for_shutdown().await;
    handle.shutdown().await;
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
