//! `peel batch …`: plan, run and resume on the interactive lane, and the Batch API lane.

mod list;
mod plan;
mod remote;
pub(crate) mod run;
mod vertex;

use crate::cli::args::batch::{BatchAction, BatchArgs};

use super::args::Cli;
use super::context::Context;
use super::error::CliError;
use crate::studio::batch::Batch;
use crate::studio::batch::lookup::{self, LookupError};

/// Whether the action prints JSON (errors then go to stdout as JSON too).
pub fn wants_json(args: &BatchArgs) -> bool {
    match &args.action {
        BatchAction::Plan(a) => a.json,
        BatchAction::Run(a) => a.lane.json,
        BatchAction::Resume(a) => a.lane.json,
        BatchAction::List(a) => a.json,
        BatchAction::Submit(a) => a.json,
        BatchAction::Status(a) | BatchAction::Wait(a) | BatchAction::Cancel(a) => a.json,
        BatchAction::Fetch(a) => a.json,
        BatchAction::Promote(a) => a.lane.json,
    }
}

/// Runs a `peel batch` action.
pub async fn run(cli: &Cli, args: BatchArgs) -> Result<(), CliError> {
    match args.action {
        BatchAction::Plan(a) => plan::run(cli, a),
        BatchAction::Run(a) => run::run(cli, a).await,
        BatchAction::Resume(a) => run::resume(cli, a).await,
        BatchAction::List(a) if a.remote => remote::list(cli, a.json).await,
        BatchAction::List(a) => list::run(cli, &a),
        BatchAction::Submit(a) => remote::submit(cli, a).await,
        BatchAction::Status(a) => remote::status(cli, a).await,
        BatchAction::Wait(a) => remote::wait(cli, a).await,
        BatchAction::Fetch(a) => remote::fetch(cli, a).await,
        BatchAction::Cancel(a) => remote::cancel(cli, a).await,
        BatchAction::Promote(a) => run::promote(cli, a).await,
    }
}

/// Loads and validates a batch file with the config's defaults, the presets in force and
/// the roster.
fn load(ctx: &Context, file: &std::path::Path) -> Result<Batch, CliError> {
    lookup::load_checked(ctx, file).map_err(refused)
}

/// A lookup failure: a refusal exits 2, a store failure 1.
fn refused(e: LookupError) -> CliError {
    match e {
        LookupError::Refused(message) => CliError::usage(message),
        LookupError::Failed(e) => e.into(),
    }
}
