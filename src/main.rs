//! The `peel` binary: parse the command line, set up logging, dispatch.
#![deny(clippy::unwrap_used)]

use std::process::ExitCode;

use clap::Parser;
use peel::cli::{self, Cli};
use peel::config::{Env, Paths};

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash peel -- …`) is answered and exits here.
    cli::completions::complete_from_env();
    let cli = Cli::parse();
    let _log = init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("peel: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match cli.command {
            None => peel::tui::run(&cli).await,
            Some(_) => {
                let mut cli = cli;
                let Some(command) = cli.command.take() else {
                    return ExitCode::FAILURE;
                };
                cli::run(cli, command).await
            }
        }
    })
}

/// Logs go to `peel.log` in the state directory; a terminal UI cannot log to stdout.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let paths = Paths::resolve(&Env::from_process());
    std::fs::create_dir_all(&paths.state_dir).ok()?;
    let appender = tracing_appender::rolling::never(&paths.state_dir, "peel.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("PEEL_LOG")
        .unwrap_or_else(|_| "peel=info".into());
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
