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
mod error;
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
pub use error::{CliError, stop_code};

/// What `peel --version` prints after the name: the package version, and the commit in
/// parentheses when built from a git checkout (set by `build.rs`).
pub const VERSION: &str = env!("PEEL_VERSION");

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
