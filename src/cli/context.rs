//! What every subcommand loads: the engine's [`Workspace`], from the command line's flags.

use super::args::Cli;
use super::error::CliError;
use crate::config::Env;
pub use crate::studio::workspace::Workspace as Context;

impl Context {
    /// Loads config and registry for a command; refuses with the file named when either is malformed.
    pub fn load(cli: &Cli) -> Result<Self, CliError> {
        let ctx = Self::open(Env::from_process(), cli.config.as_deref(), cli.overrides())?;
        for warning in &ctx.registry.warnings {
            eprintln!("peel: warning: {warning}");
        }
        Ok(ctx)
    }
}
