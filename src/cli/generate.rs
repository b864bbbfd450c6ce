//! `peel generate`: prompt in, images and sidecars out.

use super::args::Cli;
use super::args::{GenFlags, GenerateArgs};
use super::context::Context;
use super::error::CliError;
use super::layers;
use super::progress::JobProgress;
use crate::store::Store;
use crate::studio::notices;
use crate::studio::report::{self, RunReport};
use crate::studio::{GenerateSpec, PreparedJob, StudioEvent, backend, pricing, request, spec};

/// Validates, starts a session, runs every request concurrently, prints paths (or JSON).
pub async fn run(cli: &Cli, args: GenerateArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let spec = spec_from_flags(&ctx, &args.prompt, &args.flags, args.count)?;
    let mut jobs =
        spec::prepare(&spec, &ctx.registry).map_err(|e| layers::explain(&ctx, &args.flags, e))?;
    apply_backend_flags(&ctx, &mut jobs, &args.flags)?;
    let store = ctx.store()?;
    let session = start_session(&ctx, &store, &args.prompt, &mut jobs)?;
    execute(&ctx, store, jobs, &args.flags, session).await
}

/// Starts a session for first-turn jobs, unless the backend has no multi-turn sessions
/// (an OpenAI-compatible gateway), where the images are simply saved.
pub fn start_session(
    ctx: &Context,
    store: &Store,
    prompt: &str,
    jobs: &mut [PreparedJob],
) -> Result<Option<String>, CliError> {
    Ok(request::start_session(ctx, store, prompt, jobs)?)
}

/// Applies flags that depend on the backend (`--person-generation`) and refuses, before
/// anything is sent, what the configured backend cannot do.
pub fn apply_backend_flags(
    ctx: &Context,
    jobs: &mut [PreparedJob],
    flags: &GenFlags,
) -> Result<(), CliError> {
    for note in request::apply_backend(ctx, jobs, &layers::request(flags))? {
        eprintln!("peel: note: a default from the config or preset is not sent: {note}");
    }
    Ok(())
}

/// Turns flags over `--preset` over `[defaults]` into a spec.
pub fn spec_from_flags(
    ctx: &Context,
    prompt: &str,
    flags: &GenFlags,
    count: u32,
) -> Result<GenerateSpec, CliError> {
    let out_dir = ctx.settings.output_dir(flags.out.as_deref());
    request::build_spec(ctx, prompt, &layers::request(flags), count, out_dir)
        .map_err(|e| layers::explain(ctx, flags, e))
}

/// Connects, runs prepared jobs, reports progress on stderr and results on stdout.
pub async fn execute(
    ctx: &Context,
    store: Store,
    jobs: Vec<PreparedJob>,
    flags: &GenFlags,
    session: Option<String>,
) -> Result<(), CliError> {
    let notices = notices::model_notices(
        &ctx.registry,
        jobs.iter().map(|j| j.settings.model.as_str()),
    );
    for notice in &notices {
        eprintln!("peel: notice: {notice}");
    }
    if let Some(warning) = backend::location_warning(&ctx.settings) {
        eprintln!("peel: warning: {warning}");
    }
    crate::hangup::finish_on_hangup("generate");
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    if conn.label.is_simulator() {
        eprintln!("peel: {}", backend::OFFLINE_BANNER);
    }
    if flags.detach {
        let detached = report::execute_detached(ctx, &conn, store.clone(), jobs).await?;
        let handoff = ctx.hand_off().with_jobs(detached.handed);
        // The embedded simulator (offline) is not shut down: what it runs is kept in the
        // data folder and the detached process's simulator finishes it.
        std::mem::forget(conn);
        return super::detach_cmd::hand_over(&store, handoff, &detached.jobs, None, flags.json);
    }
    let many = jobs.len() > 1;
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        eprintln!("peel: interrupted — cancelling");
    };
    let mut lines = JobProgress::new(flags.json, many);
    let progress = |event: &StudioEvent| lines.hear(event);
    let result = report::execute(ctx, &conn, store, jobs, session, progress, interrupt).await;
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    finish(flags, &result?)
}

fn finish(args: &GenFlags, report: &RunReport) -> Result<(), CliError> {
    if args.json {
        println!("{}", report.to_json());
    } else {
        for output in report.outputs() {
            println!("{}", output.path.display());
        }
        let images = report.outputs().count();
        let simulated = report.jobs.values().any(|j| j.priced.simulated);
        let mut total_cost = pricing::show(report.cost_usd(), simulated);
        let tiers: std::collections::BTreeSet<_> = report
            .jobs
            .values()
            .map(|j| j.priced.tier)
            .filter(|t| *t != crate::models::Tier::Standard)
            .map(|t| t.as_str())
            .collect();
        if !tiers.is_empty() {
            let tiers: Vec<_> = tiers.into_iter().collect();
            total_cost = format!("{total_cost} at {}", tiers.join("/"));
        }
        match report.session_turns() {
            Some((id, turns)) => eprintln!(
                "peel: {images} image(s), {total_cost} · session {id} turn {turns} — continue with `peel edit {id} \"...\"`"
            ),
            None => eprintln!("peel: {images} image(s), {total_cost}"),
        }
    }
    let Some(failure) = report.failure() else {
        return Ok(());
    };
    let mut error = CliError::failed(failure.kind, failure.message);
    error.json_printed = args.json;
    if failure.cancelled {
        error.code = 130;
    }
    Err(error)
}
