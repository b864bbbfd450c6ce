//! The remote lanes (the Gemini Batch API, Vertex AI batch prediction): `submit`,
//! `status`, `wait`, `fetch`, `cancel`, `list --remote`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use super::{Cli, CliError, Context, load};
use crate::api::batch_wire::{BatchOperation, BatchState};
use crate::cli::args::batch::{FetchArgs, NameArgs, SubmitArgs};
use crate::config::BackendChoice;
use crate::store::{RunRow, Store};
use crate::studio::backend::{self, Connection};
use crate::studio::batch::manifest::MANIFEST;
use crate::studio::batch::queue::make_run_dir;
use crate::studio::batch::vertex as vertex_lane;
use crate::studio::batch::{lookup, remote, submitted};

/// `peel batch submit FILE [--via-file] [--bucket gs://…] [--wait]`
pub async fn submit(cli: &Cli, args: SubmitArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    if matches!(ctx.settings.backend, BackendChoice::Vertex(_)) {
        return super::vertex::submit(&ctx, args).await;
    }
    if args.bucket.is_some() {
        return Err(CliError::usage(
            "--bucket is for Vertex AI batch prediction (`peel --backend vertex batch submit FILE --bucket gs://BUCKET/PREFIX`); the Gemini Batch API takes the file itself",
        ));
    }
    backend::capabilities(&ctx.settings).require(crate::api::backend::Feature::BatchApi)?;
    let batch = load(&ctx, &args.file)?;
    submitted::standard_tier_only(&batch)?;
    let store = ctx.store()?;
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    if conn.label.is_simulator() && !args.wait {
        return Err(CliError::usage(format!(
            "{}; its Batch API forgets jobs when peel exits. Add --wait to submit, wait and fetch in one go, or run `peel sim` and point GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY at it.",
            backend::OFFLINE_BANNER
        )));
    }
    let parent = ctx.settings.output_dir(args.out.as_deref());
    let sent = remote::submit(
        &conn.client,
        &ctx.registry,
        &store,
        &batch,
        &parent,
        args.via_file,
    )
    .await?;
    let result = after_submit(&ctx, &conn, &store, &sent, args.wait, args.json).await;
    shutdown(conn).await;
    result
}

/// Says what a submit sent, then (with `--wait`) waits for the job and fetches it.
pub(super) async fn after_submit(
    ctx: &Context,
    conn: &Connection,
    store: &Store,
    sent: &submitted::Submitted,
    wait: bool,
    json_out: bool,
) -> Result<(), CliError> {
    if !json_out {
        println!("{}", sent.name);
        eprintln!(
            "peel: submitted {} as run {}: {} requests {} ({:.1} MB), {}",
            sent.name,
            sent.run,
            sent.requests,
            match sent.mode {
                submitted::InputMode::Inline => "inline",
                submitted::InputMode::File => "in an uploaded JSONL file",
                submitted::InputMode::Cloud => "in a JSONL object in Cloud Storage",
            },
            sent.bytes as f64 / 1e6,
            sent.state
        );
    }
    if !wait {
        if json_out {
            println!("{}", lookup::submitted_json(sent));
        } else {
            eprintln!(
                "peel: `peel batch wait {}` then `peel batch fetch {}`",
                sent.run, sent.run
            );
        }
        return Ok(());
    }
    let Some(run) = store.batch_run(sent.run)? else {
        return Err(CliError::failed("store", "the run vanished from the store"));
    };
    let op = wait_loud(ctx, conn, store, Some(&run), &sent.name, json_out).await?;
    fetch_into(ctx, conn, store, &run, &op, None, json_out).await
}

/// `peel batch status NAME`
pub async fn status(cli: &Cli, args: NameArgs) -> Result<(), CliError> {
    let (ctx, store, run, name) = resolve(cli, &args.name)?;
    let conn = connect(&ctx, run.as_ref()).await?;
    let op = remote::refresh(&conn.client, &store, run.as_ref(), &name).await?;
    print_status(&op, run.as_ref(), remote::lane_of(&conn.client), args.json);
    shutdown(conn).await;
    Ok(())
}

/// `peel batch wait NAME`
pub async fn wait(cli: &Cli, args: NameArgs) -> Result<(), CliError> {
    let (ctx, store, run, name) = resolve(cli, &args.name)?;
    let conn = connect(&ctx, run.as_ref()).await?;
    let op = wait_loud(&ctx, &conn, &store, run.as_ref(), &name, args.json).await?;
    print_status(&op, run.as_ref(), remote::lane_of(&conn.client), args.json);
    shutdown(conn).await;
    match op.state() {
        BatchState::Succeeded => Ok(()),
        state => Err(CliError {
            code: 1,
            kind: "batch".into(),
            message: format!("{name} ended {}", state.as_str()),
            json_printed: args.json,
        }),
    }
}

/// `peel batch fetch NAME [--out DIR]`
pub async fn fetch(cli: &Cli, args: FetchArgs) -> Result<(), CliError> {
    let (ctx, store, run, name) = resolve(cli, &args.name)?;
    let Some(run) = run else {
        return Err(CliError::usage(format!(
            "{name} is not tracked in this store, so peel does not know its items; fetch it from the machine that submitted it"
        )));
    };
    let conn = connect(&ctx, Some(&run)).await?;
    let op = remote::refresh(&conn.client, &store, Some(&run), &name).await?;
    let result = fetch_into(
        &ctx,
        &conn,
        &store,
        &run,
        &op,
        args.out.as_deref(),
        args.json,
    )
    .await;
    shutdown(conn).await;
    result
}

/// `peel batch cancel NAME`
pub async fn cancel(cli: &Cli, args: NameArgs) -> Result<(), CliError> {
    let (ctx, store, run, name) = resolve(cli, &args.name)?;
    let conn = connect(&ctx, run.as_ref()).await?;
    remote::cancel(&conn.client, &name).await?;
    let op = remote::refresh(&conn.client, &store, run.as_ref(), &name).await?;
    if let Some(run) = &run {
        store.set_batch_run_state(run.id, "cancelled", Some("cancelled by the user"))?;
        crate::studio::batch::manifest_stream::write_manifest(
            &store,
            run.id,
            Path::new(&run.out_dir),
        );
    }
    print_status(&op, run.as_ref(), remote::lane_of(&conn.client), args.json);
    shutdown(conn).await;
    Ok(())
}

/// `peel batch list --remote`
pub async fn list(cli: &Cli, json_out: bool) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let conn = connect(&ctx, None).await?;
    let lane = remote::lane_of(&conn.client);
    let ops = list_remote(&conn, &store).await?;
    let mut rows = Vec::new();
    for op in &ops {
        let run = store.batch_run_by_remote(&op.name)?;
        rows.push(lookup::status_json(op, run.as_ref(), lane));
    }
    if json_out {
        println!("{}", json!({ "batches": rows }));
    } else if rows.is_empty() {
        eprintln!("peel: the service has no batch jobs for these credentials");
    } else {
        for r in &rows {
            let run = r["run"]
                .as_i64()
                .map_or("not tracked here".to_string(), |id| format!("run {id}"));
            println!(
                "{:<40} {:<10} {:>5}/{:<5} {run}",
                r["name"].as_str().unwrap_or(""),
                r["state"].as_str().unwrap_or(""),
                r["stats"]["successful"],
                r["stats"]["requests"],
            );
        }
    }
    shutdown(conn).await;
    Ok(())
}

/// Finds the run and the remote name for NAME (a run id, folder, `batches/…` or bare id).
fn resolve(cli: &Cli, text: &str) -> Result<(Context, Store, Option<RunRow>, String), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let (run, name) = lookup::find_remote(&store, text).map_err(super::refused)?;
    Ok((ctx, store, run, name))
}

/// The jobs the service lists: Batch API jobs, or the project's batch prediction jobs.
async fn list_remote(conn: &Connection, store: &Store) -> Result<Vec<BatchOperation>, CliError> {
    let studio = crate::studio::StudioError::from;
    if remote::lane_of(&conn.client) != vertex_lane::LANE {
        return Ok(conn.client.list_batches().await.map_err(studio)?);
    }
    let jobs = conn.client.list_prediction_jobs("").await.map_err(studio)?;
    let mut ops = Vec::with_capacity(jobs.len());
    for job in jobs {
        let items = store.batch_run_by_remote(&job.name)?.map_or(0, |r| r.items);
        ops.push(job.as_operation(items as u64));
    }
    Ok(ops)
}

/// Connects for a remote job: never the embedded simulator, and the service the run was
/// submitted to (a Vertex batch needs Vertex AI, a Batch API job the Gemini API).
async fn connect(ctx: &Context, run: Option<&RunRow>) -> Result<Connection, CliError> {
    let vertex = matches!(ctx.settings.backend, BackendChoice::Vertex(_));
    if let Some(run) = run {
        let wants_vertex = run.lane == vertex_lane::LANE;
        if wants_vertex != vertex {
            return Err(CliError::usage(if wants_vertex {
                format!(
                    "run {} runs on Vertex AI batch prediction: add --backend vertex (with the project and credentials it was submitted with)",
                    run.id
                )
            } else {
                format!(
                    "run {} went to the Gemini Batch API: drop --backend vertex (and GOOGLE_GENAI_USE_VERTEXAI) to follow it",
                    run.id
                )
            }));
        }
    }
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    if conn.label.is_simulator() {
        shutdown(conn).await;
        return Err(CliError::usage(format!(
            "{}; it keeps no Batch API jobs between runs of peel. Run `peel sim` and point GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY at it, or use `peel batch submit --wait`.",
            backend::OFFLINE_BANNER
        )));
    }
    Ok(conn)
}

async fn shutdown(conn: Connection) {
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
}

async fn wait_loud(
    ctx: &Context,
    conn: &Connection,
    store: &Store,
    run: Option<&RunRow>,
    name: &str,
    json_out: bool,
) -> Result<BatchOperation, CliError> {
    let max = Duration::from_secs(ctx.settings.config.batch.max_poll_secs.max(1));
    let op = remote::wait(&conn.client, store, run, name, max, |op, next| {
        if !json_out {
            let s = op.stats();
            eprintln!(
                "peel: {name}: {} · {}/{} done, {} failed · next check in {:.1} s",
                op.state().as_str(),
                s.successful_request_count,
                s.request_count,
                s.failed_request_count,
                next.as_secs_f64()
            );
        }
    })
    .await?;
    Ok(op)
}

async fn fetch_into(
    ctx: &Context,
    conn: &Connection,
    store: &Store,
    run: &RunRow,
    op: &BatchOperation,
    out: Option<&Path>,
    json_out: bool,
) -> Result<(), CliError> {
    let run = relocate(store, run, out)?;
    let fetched =
        remote::fetch_results(&ctx.settings, conn, &ctx.registry, store, &run, op).await?;
    let dir = PathBuf::from(&run.out_dir);
    if json_out {
        println!("{}", lookup::fetched_json(&run, op, &fetched));
    } else {
        println!("{}", dir.display());
        eprintln!(
            "peel: {}: {} saved, {} already saved, {} failed ({} results) · ${:.3} at batch prices",
            op.name,
            fetched.saved,
            fetched.already,
            fetched.failed,
            fetched.source,
            fetched.cost_usd
        );
    }
    if fetched.failed > 0 {
        return Err(CliError {
            code: 1,
            kind: "batch_item".into(),
            message: format!(
                "{} item(s) failed; their errors are in {}",
                fetched.failed,
                dir.join(MANIFEST).display()
            ),
            json_printed: json_out,
        });
    }
    Ok(())
}

/// With `--out DIR`, makes the run's folder under DIR if nothing was saved yet.
fn relocate(store: &Store, run: &RunRow, out: Option<&Path>) -> Result<RunRow, CliError> {
    let Some(parent) = out else {
        return Ok(run.clone());
    };
    let current = Path::new(&run.out_dir);
    let same_parent = std::path::absolute(parent).ok().as_deref() == current.parent();
    if same_parent {
        return Ok(run.clone());
    }
    if run.done > 0 {
        return Err(CliError::usage(format!(
            "run {} already saved images in {}; fetch again without --out",
            run.id, run.out_dir
        )));
    }
    let dir = make_run_dir(parent).map_err(crate::studio::StudioError::from)?;
    store.set_batch_out_dir(run.id, &dir.display().to_string())?;
    let _ = std::fs::remove_file(current.join(MANIFEST));
    let _ = std::fs::remove_dir(current);
    Ok(store.batch_run(run.id)?.unwrap_or_else(|| run.clone()))
}

fn print_status(op: &BatchOperation, run: Option<&RunRow>, lane: &str, json_out: bool) {
    if json_out {
        println!("{}", lookup::status_json(op, run, lane));
        return;
    }
    let run = run.map(|r| format!(" (run {})", r.id)).unwrap_or_default();
    println!("{}{run}: {}", op.name, op.progress());
}
