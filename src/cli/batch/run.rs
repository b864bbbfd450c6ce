//! `peel batch run FILE`, `peel batch resume RUN` and `peel batch promote DIR`: the
//! interactive lane with a progress bar (done / failed / retrying, images per minute,
//! spend, ETA).

use std::collections::HashSet;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Cli, CliError, Context, load};
use crate::api::backend::Feature;
use crate::cli::args::batch::{LaneArgs, MarkArg, PromoteArgs, ResumeArgs, RunArgs};
use crate::models::Tier;
use crate::settings::{check_fallback, parse_fallback, parse_tier};
use crate::store::Store;
use crate::studio::backend;
use crate::studio::batch::interactive::{
    self, BatchEvent, InteractiveLane, LaneOptions, RunSummary,
};
use crate::studio::batch::manifest::Mark;
use crate::studio::batch::promote::{self, Pick};
use crate::studio::batch::queue::{self, lock_run};

/// Exit code when the budget stopped the run before every item started.
pub const EXIT_BUDGET: u8 = 3;

/// Shortest gap between two printed retry lines (the bar counts every retry).
const RETRY_LINE_EVERY: Duration = Duration::from_secs(2);

/// Validates the file, records a new run and runs it.
pub async fn run(cli: &Cli, args: RunArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let batch = load(&ctx, &args.file)?;
    let options = options(&ctx, &args.lane, None)?;
    let store = ctx.store()?;
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    let parent = ctx.settings.output_dir(args.out.as_deref());
    let (run_id, _dir) = queue::create_run(
        &store,
        &batch,
        &parent,
        "interactive",
        "running",
        options.budget,
    )?;
    // The store holds the items now; the run reads each when it starts.
    drop(batch);
    if args.lane.detach {
        return detach_run(&ctx, &store, run_id, options, args.lane.json);
    }
    let lock = lock_run(&ctx.settings.paths.data_dir.join("locks"), run_id)?;
    run_to_end(&ctx, store, conn, run_id, lock, options, args.lane.json).await
}

/// Finishes an interrupted or stopped run: saved items are never requested again.
pub async fn resume(cli: &Cli, args: ResumeArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let Some(run) = queue::find_run(&store, &args.run)? else {
        return Err(CliError::usage(format!(
            "no batch run '{}'. `peel batch list` shows the runs and their ids.",
            args.run
        )));
    };
    if run.lane == crate::studio::batch::vertex::LANE {
        return super::vertex::resume(&ctx, store, run, args.lane.json).await;
    }
    if !run.runs_here() {
        return Err(CliError::usage(format!(
            "run {} went to the Batch API; use `peel batch wait {}` and `peel batch fetch {}`",
            run.id, run.id, run.id
        )));
    }
    let lock = lock_run(&ctx.settings.paths.data_dir.join("locks"), run.id)?;
    let options = options(&ctx, &args.lane, run.budget_usd)?;
    if args.lane.budget.is_some() {
        store.set_batch_budget(run.id, options.budget)?;
    }
    if args.lane.detach {
        drop(lock);
        return detach_run(&ctx, &store, run.id, options, args.lane.json);
    }
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    run_to_end(&ctx, store, conn, run.id, lock, options, args.lane.json).await
}

/// Re-renders chosen items of a run at a bigger size as a new run beside it.
pub async fn promote(cli: &Cli, args: PromoteArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let Some(run) = queue::find_run(&store, &args.dir)? else {
        return Err(CliError::usage(format!(
            "no batch run '{}'. `peel batch list` shows the runs and their folders.",
            args.dir
        )));
    };
    let pick = match args.marked {
        Some(MarkArg::Keep) => Pick::Marked(Mark::Keep),
        Some(MarkArg::Star) => Pick::Marked(Mark::Star),
        None => Pick::Items(args.items.clone()),
    };
    let options = options(&ctx, &args.lane, None)?;
    let (run_id, _dir) = promote::create(&store, &ctx.registry, &run, &pick, &args.size)?;
    if args.lane.detach {
        return detach_run(&ctx, &store, run_id, options, args.lane.json);
    }
    let lock = lock_run(&ctx.settings.paths.data_dir.join("locks"), run_id)?;
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    run_to_end(&ctx, store, conn, run_id, lock, options, args.lane.json).await
}

/// Hands recorded run `run_id` to a detached peel process and says so (`--detach`).
pub(crate) fn detach_run(
    ctx: &Context,
    store: &Store,
    run_id: i64,
    options: LaneOptions,
    json: bool,
) -> Result<(), CliError> {
    let mut handoff = ctx.hand_off();
    handoff.runs.push(crate::studio::detach::HandedRun {
        id: run_id,
        options,
    });
    super::super::detach_cmd::hand_over(store, handoff, &[], Some(run_id), json)
}

/// Runs recorded run `run_id` on `conn` until it ends or stops, then reports it; `lock`
/// (the run's lock file) is held until then.
async fn run_to_end(
    ctx: &Context,
    store: Store,
    conn: backend::Connection,
    run_id: i64,
    lock: impl Sized,
    options: LaneOptions,
    json: bool,
) -> Result<(), CliError> {
    let label = conn.label.as_str().to_string();
    let summary = run_lane(ctx, store, conn, run_id, lock, options, json).await?;
    report(summary, &label, json)
}

/// Runs recorded run `run_id` on `conn` with a progress bar until it ends or stops; `lock`
/// is held until then.
pub(crate) async fn run_lane(
    ctx: &Context,
    store: Store,
    conn: backend::Connection,
    run_id: i64,
    lock: impl Sized,
    options: LaneOptions,
    json: bool,
) -> Result<RunSummary, CliError> {
    if conn.label.is_simulator() && !json {
        eprintln!("peel: {}", backend::OFFLINE_BANNER);
    }
    let lane = InteractiveLane {
        client: conn.client.clone(),
        registry: ctx.registry.clone(),
        store,
        label: conn.label.clone(),
        forward: None,
    };
    let result = drive(&lane, run_id, options, json).await;
    drop(lock);
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    result
}

pub(crate) fn options(
    ctx: &Context,
    args: &LaneArgs,
    budget: Option<f64>,
) -> Result<LaneOptions, CliError> {
    let cfg = &ctx.settings.config.batch;
    let options = LaneOptions {
        concurrency: args.concurrency.unwrap_or(cfg.concurrency),
        rpm: args.rpm.unwrap_or(cfg.rpm),
        budget: args.budget.or(budget),
        tier: args.tier.as_deref().map(parse_tier).transpose()?,
        fallback: args.fallback.as_deref().map(parse_fallback).transpose()?,
    };
    if let Some(tier) = options.tier {
        check_fallback(tier, options.fallback)?;
    }
    if options.tier.is_some_and(|t| t != Tier::Standard) {
        backend::capabilities(&ctx.settings).require(Feature::ServiceTiers)?;
    }
    if options.concurrency == 0 || options.rpm == 0 {
        return Err(CliError::usage(
            "--concurrency and --rpm must be at least 1",
        ));
    }
    if options.budget.is_some_and(|b| !b.is_finite() || b < 0.0) {
        return Err(CliError::usage(
            "--budget must be a positive amount in USD, e.g. 5 or 12.50",
        ));
    }
    Ok(options)
}

async fn drive(
    lane: &InteractiveLane,
    run_id: i64,
    options: LaneOptions,
    json: bool,
) -> Result<RunSummary, CliError> {
    crate::hangup::finish_on_hangup("batch run");
    let stop = CancellationToken::new();
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.cancel();
            }
        })
    };
    let mut view = ProgressView::new(json);
    let result = interactive::run(lane, run_id, options, stop, |event| view.apply(event)).await;
    watcher.abort();
    view.finish();
    Ok(result?)
}

/// The progress bar's state.
struct ProgressView {
    bar: ProgressBar,
    json: bool,
    done: usize,
    failed: usize,
    retrying: HashSet<usize>,
    spent: f64,
    started: std::time::Instant,
    done_here: usize,
    last_retry_line: Option<std::time::Instant>,
    quiet_retries: usize,
}

impl ProgressView {
    fn new(json: bool) -> Self {
        let bar = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Self {
            bar,
            json,
            done: 0,
            failed: 0,
            retrying: HashSet::new(),
            spent: 0.0,
            started: std::time::Instant::now(),
            done_here: 0,
            last_retry_line: None,
            quiet_retries: 0,
        }
    }

    fn apply(&mut self, event: BatchEvent) {
        match event {
            BatchEvent::Started {
                run,
                dir,
                total,
                done,
                recovered,
                spent_usd,
            } => {
                self.bar.set_length(total as u64);
                self.bar.set_position(done as u64);
                self.done = done;
                self.spent = spent_usd;
                self.say(format!("run {run} → {}", dir.display()));
                if recovered > 0 {
                    self.say(format!(
                        "{recovered} item(s) were already saved on disk; they will not be requested again"
                    ));
                }
            }
            BatchEvent::ItemRetrying {
                index,
                key,
                attempt,
                delay,
                reason,
            } => {
                self.retrying.insert(index);
                let due = self
                    .last_retry_line
                    .is_none_or(|t| t.elapsed() >= RETRY_LINE_EVERY);
                if due {
                    let more = match std::mem::take(&mut self.quiet_retries) {
                        0 => String::new(),
                        n => format!(" (+{n} more retries)"),
                    };
                    self.say(format!(
                        "  {index} {key}: retrying in {:.1} s (attempt {attempt}) — {reason}{more}",
                        delay.as_secs_f64()
                    ));
                    self.last_retry_line = Some(std::time::Instant::now());
                } else {
                    self.quiet_retries += 1;
                }
            }
            BatchEvent::ItemDone {
                index, cost_usd, ..
            } => {
                self.retrying.remove(&index);
                self.done += 1;
                self.done_here += 1;
                self.spent += cost_usd;
                self.bar.inc(1);
            }
            BatchEvent::ItemFailed { index, key, error } => {
                self.retrying.remove(&index);
                self.failed += 1;
                self.bar.inc(1);
                self.bar
                    .println(format!("  {index} {key}: failed: {error}"));
            }
            BatchEvent::BudgetReached {
                spent_usd,
                budget_usd,
            } => {
                self.say(format!(
                    "budget ${budget_usd:.2} reached (${spent_usd:.3} spent); no new items start"
                ));
            }
            BatchEvent::Stopped { index, key, error } => {
                self.retrying.remove(&index);
                self.say(format!(
                    "{index} {key}: {error} — no new items start (the item stays pending)"
                ));
            }
            BatchEvent::Notice { message } => self.say(format!("notice: {message}")),
            BatchEvent::ItemStarted { .. } => {}
        }
        let minutes = self.started.elapsed().as_secs_f64() / 60.0;
        let rate = if minutes > 0.0 {
            self.done_here as f64 / minutes
        } else {
            0.0
        };
        let left = self
            .bar
            .length()
            .unwrap_or(0)
            .saturating_sub(self.bar.position());
        let eta = if rate > 0.0 {
            format!(
                "ETA {}",
                crate::studio::batch::plan::human_duration(Duration::from_secs_f64(
                    left as f64 / rate * 60.0
                ))
            )
        } else {
            "ETA –".into()
        };
        self.bar.set_message(format!(
            "✓ {} ✗ {} ↻ {} · {:.1} img/min · ${:.3} · {eta}",
            self.done,
            self.failed,
            self.retrying.len(),
            rate,
            self.spent
        ));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// A line above the bar; plain stderr when the bar is hidden (not a terminal), and
    /// nothing with `--json`.
    fn say(&self, line: String) {
        if self.json {
            return;
        }
        if self.bar.is_hidden() {
            eprintln!("peel: {}", line.trim_start());
        } else {
            self.bar.println(line);
        }
    }
}

fn report(summary: RunSummary, backend: &str, json: bool) -> Result<(), CliError> {
    let manifest = summary.dir.join(crate::studio::batch::manifest::MANIFEST);
    if json {
        let body = json!({
            "run": summary.run, "dir": summary.dir, "manifest": manifest, "state": summary.state,
            "stop_reason": summary.stop_reason, "total": summary.total, "done": summary.done,
            "failed": summary.failed, "pending": summary.pending,
            "spent_usd": (summary.spent_usd * 1e6).round() / 1e6, "retries": summary.retries,
            "elapsed_s": summary.elapsed.as_secs_f64(), "backend": backend,
            "notices": summary.notices,
        });
        println!("{body}");
    } else {
        println!("{}", summary.dir.display());
        eprintln!(
            "peel: run {}: {}/{} done, {} failed, {} not started · ${:.3} · {:.1} s",
            summary.run,
            summary.done,
            summary.total,
            summary.failed,
            summary.pending,
            summary.spent_usd,
            summary.elapsed.as_secs_f64()
        );
    }
    let resume = format!("`peel batch resume {}`", summary.run);
    if let Some(stop) = &summary.stopped_by {
        let mut error = CliError::failed(
            stop.kind(),
            format!(
                "{stop} The run stopped with {} item(s) not done (every later item would meet the same answer); {resume} continues it.",
                summary.pending
            ),
        );
        error.json_printed = json;
        return Err(error);
    }
    let error = match summary.stop_reason.as_deref() {
        None => return Ok(()),
        Some("budget") => CliError {
            code: EXIT_BUDGET,
            kind: "budget".into(),
            message: format!(
                "stopped at the budget with {} item(s) not started; {resume} --budget USD continues",
                summary.pending
            ),
            json_printed: json,
        },
        Some("interrupted") => CliError {
            code: 130,
            kind: "interrupted".into(),
            message: format!("interrupted; {resume} finishes the run"),
            json_printed: json,
        },
        Some(reason) => CliError {
            code: 1,
            kind: "failed".into(),
            message: format!("{reason} (see manifest.json for why); {resume} tries them again"),
            json_printed: json,
        },
    };
    Err(error)
}
