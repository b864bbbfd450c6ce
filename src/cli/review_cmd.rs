//! `peel review DIR`: the review grid; `e` hands over to `peel edit`, `r` re-runs an item
//! and `P` promotes the picks through the engine in the background.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use tokio::sync::mpsc;

use super::args::Cli;
use super::args::Command;
use super::args::ImageProtocolArg;
use super::context::Context;
use super::error::CliError;
use crate::cli::args::ReviewArgs;
use crate::review::{self, RerunDone, ReviewExit, ReviewOptions};
use crate::store::{RunRow, Store};
use crate::studio::backend;
use crate::studio::batch::interactive::{InteractiveLane, LaneOptions};
use crate::studio::batch::manifest::Mark;
use crate::studio::batch::promote;
use crate::studio::batch::queue::find_run;
use crate::studio::batch::rerun::rerun;
use crate::studio::check::{self, CheckReport};

/// Opens the review screen on DIR.
pub async fn run(cli: &Cli, args: ReviewArgs) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        // Refused before anything touches the terminal.
        return Err(CliError::usage(crate::tui::strings::NO_TERMINAL));
    }
    let ctx = Context::load(cli)?;
    if !args.dir.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a folder; give a batch folder (see `peel batch list`)",
            args.dir.display()
        )));
    }
    let protocol = match cli.image_protocol {
        Some(ImageProtocolArg::Auto) => "auto".to_string(),
        Some(ImageProtocolArg::Kitty) => "kitty".into(),
        Some(ImageProtocolArg::Sixel) => "sixel".into(),
        Some(ImageProtocolArg::Iterm2) => "iterm2".into(),
        Some(ImageProtocolArg::Halfblocks) => "halfblocks".into(),
        None => ctx.settings.config.tui.image_protocol.clone(),
    };
    let store = ctx.store()?;
    let store_for_roster = store.clone();
    let run = find_run(&store, &args.dir.display().to_string())?;
    let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let (picks_tx, picks_rx) = mpsc::unbounded_channel();
    let (promoted_tx, promoted_rx) = mpsc::unbounded_channel();
    let promoter = run.clone().map(|run| {
        tokio::spawn(promote_worker(
            ctx_clone(&ctx),
            store.clone(),
            run,
            picks_rx,
            promoted_tx,
        ))
    });
    let (check_tx, check_rx) = mpsc::unbounded_channel();
    let (checked_tx, checked_rx) = mpsc::unbounded_channel();
    let checker = tokio::spawn(check_worker(
        ctx_clone(&ctx),
        store.clone(),
        check_rx,
        checked_tx,
    ));
    let worker =
        run.map(|run| tokio::spawn(rerun_worker(ctx_clone(&ctx), store, run, jobs_rx, done_tx)));
    let look = review::Look {
        themes: crate::terminal::theme::Candidates::load(
            crate::terminal::theme::choice::ThemeChoice::from_flag_or_config(
                cli.theme.as_deref(),
                &ctx.settings.config.tui.theme,
            ),
            &ctx.settings.paths.config_dir,
            ctx.settings.env.no_color,
        )
        .map_err(CliError::usage)?,
        colorfgbg: ctx.settings.env.colorfgbg.clone(),
        in_tmux: ctx.settings.env.in_tmux,
    };
    let exit = review::run(
        ReviewOptions {
            dir: args.dir.clone(),
            thumbs_dir: ctx.settings.paths.data_dir.join("thumbs"),
            image_protocol: protocol,
            roster: Some(crate::studio::roster::Roster::new(store_for_roster)),
            reruns: worker.as_ref().map(|_| (jobs_tx, done_rx)),
            promotions: promoter.as_ref().map(|_| (picks_tx, promoted_rx)),
            checks: Some((check_tx, checked_rx)),
            warn_below: ctx.settings.config.check.warn_below,
        },
        look,
    )
    .await
    .map_err(|e| CliError::failed("review", e))?;
    for task in [worker, promoter, Some(checker)].into_iter().flatten() {
        task.abort();
    }
    match exit {
        ReviewExit::Quit => Ok(()),
        ReviewExit::Edit { path, instruction } => edit_from(cli, &path, &instruction).await,
    }
}

/// Hands over to `peel edit IMAGE INSTRUCTION`, the global flags passed on as they were
/// given (`--config`, `--offline`, `--backend`, `--transport`).
async fn edit_from(cli: &Cli, image: &Path, instruction: &str) -> Result<(), CliError> {
    eprintln!("peel: edit from {}: {instruction}", image.display());
    let args = edit_args(image, instruction)?;
    super::edit::run(cli, args).await
}

/// The arguments of `peel edit IMAGE INSTRUCTION` (no flags of its own).
fn edit_args(image: &Path, instruction: &str) -> Result<super::args::EditArgs, CliError> {
    let argv = [
        "peel".to_string(),
        "edit".into(),
        "--".into(),
        image.display().to_string(),
        instruction.to_string(),
    ];
    let mut parsed = Cli::try_parse_from(argv).map_err(|e| CliError::usage(e.to_string()))?;
    match parsed.command.take() {
        Some(Command::Edit(args)) => Ok(args),
        _ => Err(CliError::usage("could not start the edit")),
    }
}

struct WorkerCtx {
    settings: crate::config::Settings,
    registry: Arc<crate::models::Registry>,
}

fn ctx_clone(ctx: &Context) -> WorkerCtx {
    WorkerCtx {
        settings: ctx.settings.clone(),
        registry: ctx.registry.clone(),
    }
}

/// A lane on the configured backend, connected on first use and kept for the worker's life
/// (dropping the connection stops an embedded simulator).
async fn connect_lane(
    ctx: &WorkerCtx,
    store: &Store,
    connected: &mut Option<(backend::Connection, InteractiveLane)>,
) -> Result<InteractiveLane, String> {
    if connected.is_none() {
        let conn = backend::connect(&ctx.settings, &ctx.registry)
            .await
            .map_err(|e| format!("cannot reach the backend ({e}); `peel doctor` checks it"))?;
        let lane = InteractiveLane {
            client: conn.client.clone(),
            registry: ctx.registry.clone(),
            store: store.clone(),
            label: conn.label.clone(),
            forward: None,
        };
        *connected = Some((conn, lane));
    }
    connected
        .as_ref()
        .map(|(_, lane)| lane.clone())
        .ok_or_else(|| "cannot reach the backend".to_string())
}

/// Re-runs items one at a time with a fresh seed; the new image joins the item's files.
async fn rerun_worker(
    ctx: WorkerCtx,
    store: Store,
    run: RunRow,
    mut jobs: mpsc::UnboundedReceiver<usize>,
    done: mpsc::UnboundedSender<RerunDone>,
) {
    let mut connected = None;
    while let Some(index) = jobs.recv().await {
        let result = match connect_lane(&ctx, &store, &mut connected).await {
            Ok(lane) => rerun(&lane, &run, index).await,
            Err(e) => Err(e),
        };
        if done.send(RerunDone { index, result }).is_err() {
            return;
        }
    }
}

/// Checks the images sent, one set at a time, on a connection made on first use.
async fn check_worker(
    ctx: WorkerCtx,
    store: Store,
    mut files: mpsc::UnboundedReceiver<Vec<PathBuf>>,
    done: mpsc::UnboundedSender<Result<CheckReport, String>>,
) {
    let mut connected = None;
    while let Some(files) = files.recv().await {
        let result = match connect_lane(&ctx, &store, &mut connected).await {
            Ok(lane) => check::check_files(
                &lane.client,
                &store,
                &ctx.registry,
                &ctx.settings.config.check,
                &files,
            )
            .await
            .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Promotes the picks (starred, else kept) to the size asked for, one request at a time.
async fn promote_worker(
    ctx: WorkerCtx,
    store: Store,
    run: RunRow,
    mut picks: mpsc::UnboundedReceiver<(Mark, String)>,
    done: mpsc::UnboundedSender<Result<String, String>>,
) {
    let mut connected = None;
    let batch = &ctx.settings.config.batch;
    let options = LaneOptions {
        tier: None,
        fallback: None,
        concurrency: batch.concurrency.max(1),
        rpm: batch.rpm.max(1),
        budget: None,
    };
    while let Some((mark, size)) = picks.recv().await {
        let result = match connect_lane(&ctx, &store, &mut connected).await {
            Ok(lane) => promote::promote_marked(&lane, &run, mark, &size, options)
                .await
                .map(|dir| dir.display().to_string())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_from_review_takes_the_image_and_instruction_as_values() {
        let args = edit_args(Path::new("/tmp/a --b.png"), "--make it blue").unwrap();
        assert_eq!(args.target, "/tmp/a --b.png");
        assert_eq!(args.instruction, "--make it blue");
    }
}
