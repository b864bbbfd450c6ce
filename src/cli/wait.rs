//! `peel wait [JOB…] [--run RUN] [--all] [--timeout SECS] [--json]`: blocks until the jobs
//! (and runs) are saved (exit 0); one that ends failed, interrupted, cancelled or stopped by
//! its budget ends the wait (exit 1, with its state); `--timeout` ends it with exit 124 and
//! what is still running; a job or run that does not exist is refused (exit 2).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::args::Cli;
use super::context::Context;
use super::error::CliError;
use crate::cli::args::WaitArgs;
use crate::studio::wait::{Status, Target, Waiter};

/// Exit code when `--timeout` ran out.
pub const EXIT_TIMEOUT: u8 = 124;

/// Pause between two looks.
const POLL: Duration = Duration::from_millis(250);

fn name(target: Target) -> String {
    match target {
        Target::Job(id) => format!("job {id}"),
        Target::Run(id) => format!("run {id}"),
        Target::Carriers => "detached peel processes".into(),
    }
}

/// Waits, then reports each target.
pub async fn run(cli: &Cli, args: WaitArgs) -> Result<(), CliError> {
    if args.timeout.is_some_and(|t| !t.is_finite() || t < 0.0) {
        return Err(CliError::usage(
            "--timeout takes a number of seconds, e.g. 30 or 0.5",
        ));
    }
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let mut waiter = Waiter::new(&ctx.settings, ctx.registry.clone(), store);
    let targets = waiter.targets(&args.jobs, &args.runs, args.all)?;
    let deadline = args
        .timeout
        .map(|t| Instant::now() + Duration::from_secs_f64(t));
    let mut left = targets.clone();
    let mut saved: Vec<(Target, Value)> = Vec::new();
    let mut running: Vec<(Target, String)> = Vec::new();
    let ended = loop {
        running.clear();
        let mut still = Vec::new();
        let mut ended = None;
        for target in left {
            match waiter.look(target).await {
                Ok(Status::Saved(body)) => saved.push((target, body)),
                Ok(Status::Running(what)) => {
                    running.push((target, what));
                    still.push(target);
                }
                Ok(Status::Ended(state, body)) => {
                    ended = Some((target, state, body));
                    break;
                }
                Err(e) => {
                    tracing::warn!("peel wait: looking at {}: {e}", name(target));
                    running.push((target, e.to_string()));
                    still.push(target);
                }
            }
        }
        left = still;
        if ended.is_some() || left.is_empty() {
            break ended;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break None;
        }
        let pause = deadline.map_or(POLL, |d| {
            POLL.min(d.saturating_duration_since(Instant::now()))
        });
        tokio::time::sleep(pause).await;
    };
    waiter.shutdown().await;
    report(&args, &saved, &running, ended)
}

fn report(
    args: &WaitArgs,
    saved: &[(Target, Value)],
    running: &[(Target, String)],
    ended: Option<(Target, String, Value)>,
) -> Result<(), CliError> {
    let timed_out = ended.is_none() && !running.is_empty();
    if args.json {
        let bodies = |kind: fn(Target) -> bool| -> Vec<Value> {
            saved
                .iter()
                .filter(|(t, _)| kind(*t))
                .map(|(_, b)| b.clone())
                .chain(
                    ended
                        .iter()
                        .filter(|(t, ..)| kind(*t))
                        .map(|(_, _, b)| b.clone()),
                )
                .collect()
        };
        let waiting: Vec<Value> = running
            .iter()
            .map(|(t, what)| json!({"target": name(*t), "doing": what}))
            .collect();
        let body = json!({
            "jobs": bodies(|t| matches!(t, Target::Job(_))),
            "runs": bodies(|t| matches!(t, Target::Run(_))),
            "ended": ended.as_ref().map(|(t, state, _)| json!({"target": name(*t), "state": state})),
            "still_running": waiting,
            "timed_out": timed_out,
        });
        println!("{body}");
    } else {
        for (target, body) in saved {
            let outputs: Vec<&str> = body["outputs"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match (target, outputs.is_empty()) {
                (Target::Job(_), false) => {
                    for path in outputs {
                        println!("{path}");
                    }
                }
                (Target::Run(_), _) => println!("{}", body["dir"].as_str().unwrap_or_default()),
                _ => {}
            }
            if !matches!(target, Target::Carriers) {
                eprintln!("peel: {} saved", name(*target));
            }
        }
    }
    if let Some((target, state, _)) = ended {
        return Err(CliError {
            code: 1,
            kind: "ended".into(),
            message: format!("{} ended {state}", name(target)),
            json_printed: args.json,
        });
    }
    if timed_out {
        let what: Vec<String> = running
            .iter()
            .map(|(t, doing)| format!("{} ({doing})", name(*t)))
            .collect();
        return Err(CliError {
            code: EXIT_TIMEOUT,
            kind: "timeout".into(),
            message: format!("timed out; still running: {}", what.join(", ")),
            json_printed: args.json,
        });
    }
    Ok(())
}
