//! `--detach` for scripts and agents (hand the work to a detached peel process, print what
//! was started, return), and the hidden `peel carry-on` that detached process runs.

use std::io::Read;
use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use super::error::CliError;
use crate::config::{Env, Settings};
use crate::models::Registry;
use crate::store::Store;
use crate::store::owner::Owner;
use crate::studio::detach::{self, HandOff};
use crate::studio::report::Detached;
use crate::studio::{JobId, carrier};

/// Hands `handoff` to a detached peel process (when there is anything left to do) and
/// prints what was started: the jobs with their states and the run, as
/// `{"detached": true, "jobs": [{"id", "state"}], "run": ID or null}` with `--json`.
pub fn hand_over(
    store: &Store,
    handoff: HandOff,
    jobs: &[(JobId, &str)],
    run: Option<i64>,
    json: bool,
) -> Result<(), CliError> {
    let carrier = if handoff.is_empty() {
        None
    } else {
        Some(detach::spawn(handoff, store)?)
    };
    if json {
        println!("{}", Detached::json(jobs, run));
    } else {
        for (id, state) in jobs {
            println!("{id}\t{state}");
        }
        if let Some(run) = run {
            println!("run {run}");
        }
        let what = match (run, jobs.len()) {
            (Some(run), _) => format!("`peel wait --run {run}`"),
            (None, 0) => "`peel wait --all`".to_string(),
            (None, _) => {
                let ids: Vec<String> = jobs.iter().map(|(id, _)| id.to_string()).collect();
                format!("`peel wait {}`", ids.join(" "))
            }
        };
        match carrier {
            Some(owner) => eprintln!(
                "peel: detached: peel process {} saves the results (its log: {}); {what} waits for them",
                owner.pid,
                crate::hangup::log_path().display()
            ),
            None => eprintln!("peel: detached: nothing was left to carry on"),
        }
    }
    let failed = jobs
        .iter()
        .find(|(_, state)| matches!(*state, "failed" | "cancelled"));
    match failed {
        Some((id, state)) => Err(CliError {
            code: 1,
            kind: "failed".into(),
            message: format!("job {id} {state} before it could be handed over (`peel history`)"),
            json_printed: json,
        }),
        None => Ok(()),
    }
}

/// The detached process: reads its hand-off on stdin, moves its output to `peel.log`,
/// carries the work on, records how it ended and exits with that code.
pub async fn carry_on() -> std::process::ExitCode {
    let mut body = Vec::new();
    let read = std::io::stdin().read_to_end(&mut body);
    if let Err(e) = crate::hangup::detach_stdio() {
        tracing::error!("detached: could not move output to the log: {e}");
    }
    let handoff: HandOff = match read
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_slice(&body).map_err(|e| e.to_string()))
    {
        Ok(handoff) => handoff,
        Err(e) => {
            tracing::error!("detached: no hand-off to carry on ({e})");
            return std::process::ExitCode::from(2);
        }
    };
    let loaded = Settings::load_with(
        Env::from_process(),
        handoff.config.as_deref(),
        handoff.overrides,
    )
    .map_err(|e| e.to_string())
    .and_then(|settings| {
        let registry =
            Registry::load(Some(&settings.paths.models_file())).map_err(|e| e.to_string())?;
        let store = Store::open(&settings.paths.store_file()).map_err(|e| e.to_string())?;
        Ok((settings, registry, store))
    });
    let (settings, registry, store) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::error!("detached: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let stop = CancellationToken::new();
    watch_signals(stop.clone());
    let carried =
        carrier::carry_on(&settings, Arc::new(registry), store.clone(), handoff, stop).await;
    let code = carried.exit_code();
    if let Err(e) = store.end_carrier(Owner::current(), code) {
        tracing::error!("detached: recording the end: {e}");
    }
    std::process::ExitCode::from(code as u8)
}

/// SIGTERM or SIGINT stops the work (what is left stays collectable or resumable).
fn watch_signals(stop: CancellationToken) {
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        stop.cancel();
    });
}
