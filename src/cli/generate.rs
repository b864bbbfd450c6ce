//! `peel generate`: prompt in, images and sidecars out.

use std::collections::BTreeMap;

use serde_json::json;

use super::args::{GenFlags, GenerateArgs};
use super::{Cli, CliError, Context, layers};
use crate::store::Store;
use crate::studio::capability::{self, PersonGeneration};
use crate::studio::spec::SessionLink;
use crate::studio::{
    GenerateSpec, JobId, PreparedJob, Studio, StudioError, StudioEvent, backend, spec,
};
use crate::studio::{Roster, shot};

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
    if !backend::capabilities(&ctx.settings).supports_sessions {
        return Ok(None);
    }
    let Some(first) = jobs.first() else {
        return Ok(None);
    };
    let session = store.create_session(&title(prompt), &first.settings.model)?;
    for job in jobs.iter_mut() {
        job.session = Some(SessionLink {
            session_id: session.clone(),
            parent: None,
        });
    }
    Ok(Some(session))
}

/// Applies flags that depend on the backend (`--person-generation`) and refuses, before
/// anything is sent, what the configured backend cannot do.
pub fn apply_backend_flags(
    ctx: &Context,
    jobs: &mut [PreparedJob],
    flags: &GenFlags,
) -> Result<(), CliError> {
    if let Some(text) = &flags.person_generation {
        let value = PersonGeneration::parse(text)?;
        for job in jobs.iter_mut() {
            capability::set_person_generation(job, value);
        }
    }
    let caps = backend::capabilities(&ctx.settings);
    let explicit = capability::Explicit {
        thinking: flags.thinking.is_some(),
        grounding: flags.grounding.is_some(),
        safety: !flags.safety.is_empty(),
    };
    let mut notes: Vec<&str> = Vec::new();
    for job in jobs.iter_mut() {
        for note in capability::drop_inherited(job, &caps, explicit) {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        capability::check_job(job, &caps)?;
    }
    for note in notes {
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
    let settings = layers::resolve(ctx, flags)?;
    let mut spec = GenerateSpec {
        prompt: prompt.to_string(),
        refs: flags.refs.clone(),
        count,
        out_dir: ctx.settings.output_dir(flags.out.as_deref()),
        preset: flags.preset.clone(),
        ..GenerateSpec::default()
    };
    settings.apply_to(&mut spec);
    spec.subjects = anchors_in_shot(ctx, settings.with.as_deref().unwrap_or_default())
        .map_err(|e| layers::explain(ctx, flags, e))?;
    Ok(spec)
}

/// Loads the anchors named by `--with` from the roster.
fn anchors_in_shot(
    ctx: &Context,
    with: &[String],
) -> Result<Vec<crate::studio::compose::Subject>, CliError> {
    let names = shot::parse_with(with);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let roster = Roster::new(ctx.store()?);
    Ok(shot::subjects_named(&roster, &names)?)
}

/// A session title from the first line of a prompt.
pub fn title(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or_default().trim();
    line.chars().take(80).collect()
}

/// Connects, runs prepared jobs, reports progress on stderr and results on stdout.
pub async fn execute(
    ctx: &Context,
    store: Store,
    jobs: Vec<PreparedJob>,
    flags: &GenFlags,
    session: Option<String>,
) -> Result<(), CliError> {
    if let Some(first) = jobs.first() {
        warn_if_retired(ctx, &first.settings.model);
    }
    if let Some(warning) = backend::location_warning(&ctx.settings) {
        eprintln!("peel: warning: {warning}");
    }
    crate::hangup::finish_on_hangup("generate");
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    if conn.label.is_simulator() {
        eprintln!("peel: {}", backend::OFFLINE_BANNER);
    }
    let (studio, mut events) = Studio::new(
        conn.client.clone(),
        ctx.registry.clone(),
        store,
        conn.label.clone(),
        jobs.len(),
    );
    let studio = studio.with_inline_budget(ctx.settings.inline_budget());
    let mut pending: BTreeMap<JobId, JobReport> = BTreeMap::new();
    for job in jobs {
        let seed = job.settings.seed;
        let id = studio.submit(job)?;
        pending.insert(
            id,
            JobReport {
                seed,
                ..JobReport::default()
            },
        );
    }
    let mut remaining = pending.len();
    let mut interrupted = false;
    while remaining > 0 {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                eprintln!("peel: interrupted — cancelling");
                for id in pending.keys() {
                    studio.cancel(*id);
                }
                continue;
            }
        };
        let Some(event) = event else { break };
        if event.is_final() {
            remaining -= 1;
        }
        report_progress(&event, flags.json, pending.len() > 1);
        if let Some(report) = pending.get_mut(&event.job_id()) {
            report.apply(event);
        }
    }
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    finish(
        flags,
        studio.backend().as_str(),
        session.as_deref(),
        &pending,
    )
}

#[derive(Debug, Default)]
struct JobReport {
    seed: i64,
    outputs: Vec<crate::studio::output::SavedOutput>,
    cost_usd: f64,
    error: Option<StudioError>,
    cancelled: bool,
    text: Vec<String>,
    turn: Option<i64>,
}

impl JobReport {
    fn apply(&mut self, event: StudioEvent) {
        match event {
            StudioEvent::Done {
                outputs,
                cost_usd,
                text,
                turn,
                ..
            } => {
                self.outputs = outputs;
                self.cost_usd = cost_usd;
                self.text = text;
                self.turn = turn;
            }
            StudioEvent::Failed { error, .. } => self.error = Some(error),
            StudioEvent::Cancelled { .. } => self.cancelled = true,
            _ => {}
        }
    }
}

fn report_progress(event: &StudioEvent, json: bool, many: bool) {
    if json {
        return;
    }
    let prefix = if many {
        format!("job {}: ", event.job_id())
    } else {
        String::new()
    };
    match event {
        StudioEvent::Retrying {
            delay,
            next_attempt,
            reason,
            ..
        } => eprintln!(
            "peel: {prefix}retrying in {:.1} s (attempt {next_attempt}) — {reason}",
            delay.as_secs_f64()
        ),
        StudioEvent::Failed { error, .. } => eprintln!("peel: {prefix}failed: {error}"),
        _ => {}
    }
}

fn finish(
    args: &GenFlags,
    backend: &str,
    session: Option<&str>,
    jobs: &BTreeMap<JobId, JobReport>,
) -> Result<(), CliError> {
    let total_cost: f64 = jobs.values().map(|j| j.cost_usd).sum();
    let failures: Vec<(&JobId, &JobReport)> = jobs
        .iter()
        .filter(|(_, j)| j.error.is_some() || j.cancelled)
        .collect();
    if args.json {
        let outputs: Vec<_> = jobs
            .iter()
            .flat_map(|(id, job)| {
                let share = job.cost_usd / job.outputs.len().max(1) as f64;
                job.outputs.iter().map(move |o| {
                    json!({
                        "path": o.path, "sidecar": o.sidecar, "width": o.width, "height": o.height,
                        "mime": o.mime, "bytes": o.bytes, "cost_usd": share, "job_id": id, "seed": job.seed,
                        "session": session, "turn": job.turn,
                    })
                })
            })
            .collect();
        let job_list: Vec<_> = jobs
            .iter()
            .map(|(id, job)| {
                let state = if job.cancelled { "cancelled" } else if job.error.is_some() { "failed" } else { "done" };
                let error = job.error.as_ref().map(|e| json!({ "kind": e.kind(), "message": e.to_string() }));
                json!({ "id": id, "state": state, "seed": job.seed, "turn": job.turn, "text": job.text, "error": error })
            })
            .collect();
        let mut body = json!({
            "outputs": outputs, "jobs": job_list, "cost_usd": total_cost, "backend": backend, "session": session,
        });
        if let Some((_, first)) = failures.first()
            && let Some(e) = &first.error
        {
            body["error"] = json!({ "kind": e.kind(), "message": e.to_string() });
        }
        println!("{body}");
    } else {
        for job in jobs.values() {
            for output in &job.outputs {
                println!("{}", output.path.display());
            }
        }
        let images: usize = jobs.values().map(|j| j.outputs.len()).sum();
        let turns: Vec<String> = jobs
            .values()
            .filter_map(|j| j.turn)
            .map(|t| t.to_string())
            .collect();
        match session {
            Some(id) if !turns.is_empty() => eprintln!(
                "peel: {images} image(s), ${total_cost:.3} · session {id} turn {} — continue with `peel edit {id} \"...\"`",
                turns.join(",")
            ),
            _ => eprintln!("peel: {images} image(s), ${total_cost:.3}"),
        }
    }
    let Some((_, first)) = failures.first() else {
        return Ok(());
    };
    let summary = match &first.error {
        Some(e) if failures.len() == 1 => e.to_string(),
        Some(e) => format!(
            "{} of {} requests failed; first: {e}",
            failures.len(),
            jobs.len()
        ),
        None => "cancelled".to_string(),
    };
    let kind = first.error.as_ref().map_or("cancelled", |e| e.kind());
    let mut error = CliError::failed(kind, summary);
    error.json_printed = args.json;
    if first.cancelled {
        error.code = 130;
    }
    Err(error)
}

fn warn_if_retired(ctx: &Context, model: &str) {
    let Ok(spec) = ctx.registry.resolve(model) else {
        return;
    };
    if let Some(date) = &spec.shutdown
        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .is_ok_and(|d| d <= chrono::Utc::now().date_naive())
    {
        eprintln!(
            "peel: warning: Google announced {model} would shut down on {date}; if it answers 404, pick another model (`peel models`)."
        );
    }
}
