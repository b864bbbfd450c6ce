//! `peel sim`: the simulator as a standalone server.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::error::CliError;
use crate::cli::args::SimArgs;
use crate::config::{Env, Paths};
use crate::models::Registry;
use crate::sim;

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
