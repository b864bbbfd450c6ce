//! The command-line face: one file per subcommand, human or `--json` output.

pub mod args;
pub mod batch;
mod check_cmd;
mod completers;
pub mod completions;
mod config_cmd;
mod context;
mod detach_cmd;
mod doctor;
mod edit;
mod generate;
mod history;
mod layers;
mod lint_cmd;
mod man_cmd;
pub mod mcp_cmd;
mod models_cmd;
mod preset_cmd;
mod progress;
pub mod review_cmd;
mod roster_cmd;
mod session_cmd;
mod sim_cmd;
pub mod story_cmd;
pub mod view;
pub mod wait;

use std::process::ExitCode;

pub use args::{Cli, Command};
pub use context::Context;

use crate::studio::StudioError;

/// What `peel --version` prints after the name: the package version, and the commit in
/// parentheses when built from a git checkout (set by `build.rs`).
pub const VERSION: &str = env!("PEEL_VERSION");

/// A failure to report at the edge, with its exit code.
#[derive(Debug)]
pub struct CliError {
    /// Process exit code.
    pub code: u8,
    /// Short machine label.
    pub kind: String,
    /// What went wrong and what to do.
    pub message: String,
    /// The command already printed a JSON body that carries the error.
    pub json_printed: bool,
}

impl CliError {
    /// Exit code 2: the input was refused before anything ran.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            kind: "validation".into(),
            message: message.into(),
            json_printed: false,
        }
    }

    /// Exit code 1 (or the code of a run-stopping answer, see `stop_code`): something
    /// failed while running.
    pub fn failed(kind: impl Into<String>, message: impl Into<String>) -> Self {
        let kind = kind.into();
        Self {
            code: stop_code(&kind).unwrap_or(1),
            kind,
            message: message.into(),
            json_printed: false,
        }
    }
}

/// The exit codes of answers that stop a command or run (every later request would meet
/// the same): 4 prepaid credits exhausted, 5 the daily quota spent, 6 the model not found.
pub fn stop_code(kind: &str) -> Option<u8> {
    match kind {
        "payment_required" => Some(4),
        "quota_exceeded" => Some(5),
        "model_not_found" => Some(6),
        _ => None,
    }
}

impl From<StudioError> for CliError {
    fn from(e: StudioError) -> Self {
        let code = if matches!(e, StudioError::Validation(_)) {
            2
        } else {
            stop_code(e.kind()).unwrap_or(1)
        };
        Self {
            code,
            kind: e.kind().into(),
            message: e.to_string(),
            json_printed: false,
        }
    }
}

impl From<crate::error::ValidationError> for CliError {
    fn from(e: crate::error::ValidationError) -> Self {
        StudioError::from(e).into()
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        StudioError::from(e).into()
    }
}

/// Runs a subcommand and reports its error on stderr (and stdout as JSON when asked).
pub async fn run(cli: Cli, command: Command) -> ExitCode {
    let json = match &command {
        Command::Generate(a) => a.flags.json,
        Command::Edit(a) => a.flags.json,
        Command::Session(a) => a.action.json(),
        Command::Roster(a) => a.action.json(),
        Command::Models(a) => a.json,
        Command::History(a) => a.json,
        Command::Preset(a) => a.action.json(),
        Command::Lint(a) => a.json,
        Command::Doctor(a) => a.json,
        Command::Batch(a) => batch::wants_json(a),
        Command::Story(a) => a.lane.json,
        Command::Check(a) => a.json,
        Command::Wait(a) => a.json,
        _ => false,
    };
    let result = match command {
        Command::Generate(args) => generate::run(&cli, args).await,
        Command::Edit(args) => edit::run(&cli, args).await,
        Command::Session(args) => session_cmd::run(&cli, args),
        Command::Roster(args) => roster_cmd::run(&cli, args),
        Command::Models(args) => models_cmd::run(&cli, args).await,
        Command::History(args) => history::run(&cli, args).await,
        Command::Sim(args) => sim_cmd::run(args).await,
        Command::Config(args) => config_cmd::run(&cli, args),
        Command::Preset(args) => preset_cmd::run(&cli, args),
        Command::Lint(args) => lint_cmd::run(&cli, args),
        Command::Doctor(args) => doctor::run(&cli, args).await,
        Command::Batch(args) => batch::run(&cli, args).await,
        Command::Story(args) => story_cmd::run(&cli, args).await,
        Command::Check(args) => check_cmd::run(&cli, args).await,
        Command::View(args) => view::run(&cli, args),
        Command::Review(args) => review_cmd::run(&cli, args).await,
        Command::Mcp(args) => mcp_cmd::run(&cli, args).await,
        Command::Wait(args) => wait::run(&cli, args).await,
        Command::CarryOn => return detach_cmd::carry_on().await,
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json && !e.json_printed {
                let body = serde_json::json!({ "error": { "kind": e.kind, "message": e.message } });
                println!("{body}");
            }
            eprintln!("peel: error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
