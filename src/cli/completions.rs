//! `peel completions SHELL` and the completion protocol behind it.
//!
//! The script printed here is short: it registers a completion function that, at every Tab,
//! runs `COMPLETE=<shell> peel -- <the words typed>`. [`complete_from_env`] answers that
//! call at the top of `main`, so subcommands, flags and fixed values come from the same
//! `clap` definitions that parse the command line, and values that name something
//! (models, ratios, sizes, presets, anchors, sessions, runs, themes) come from the registry,
//! the config files and the store as they are now (`completers.rs`). Nothing is sent over
//! the network while completing.

use std::io::Write as _;

use clap::CommandFactory;
use clap_complete::env::{CompleteEnv, Shells};

use super::args::Cli;
use super::completers;
use super::error::CliError;
use crate::cli::args::{CompletionsArgs, ShellArg};

/// The environment variable that turns a run of peel into a completion request.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// The program the printed scripts complete, and run (from `PATH`) to get completions.
const PROGRAM: &str = "peel";

impl ShellArg {
    /// The shell's name as the completion protocol knows it (`COMPLETE=<name>`).
    pub fn protocol_name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Elvish => "elvish",
            Self::Powershell => "powershell",
        }
    }
}

/// The full command tree, with the value completers attached: what both parsing-for-
/// completion and the man pages read.
pub fn command() -> clap::Command {
    completers::attach(Cli::command())
}

/// Answers a completion request (`COMPLETE=<shell>` in the environment) and exits; returns
/// at once on an ordinary run. Call it first in `main`, before anything is printed.
pub fn complete_from_env() {
    CompleteEnv::with_factory(command)
        .var(COMPLETE_VAR)
        .bin(PROGRAM)
        .completer(PROGRAM)
        .complete();
}

/// Prints the registration script for `shell`.
pub fn run(args: CompletionsArgs) -> Result<(), CliError> {
    let mut script = Vec::new();
    write_script(args.shell, &mut script)
        .map_err(|e| CliError::failed("io", format!("cannot write the script: {e}")))?;
    std::io::stdout()
        .write_all(&script)
        .map_err(|e| CliError::failed("io", format!("cannot print the script: {e}")))
}

/// Writes the script that registers peel's completions in `shell`: the same text
/// `COMPLETE=<shell> peel` prints.
pub fn write_script(shell: ShellArg, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let shells = Shells::builtins();
    let Some(completer) = shells.completer(shell.protocol_name()) else {
        return Err(std::io::Error::other(format!(
            "no completion support for {}",
            shell.protocol_name()
        )));
    };
    completer.write_registration(COMPLETE_VAR, PROGRAM, PROGRAM, PROGRAM, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_shell_has_a_script_that_calls_peel_back() {
        for shell in ShellArg::value_variants() {
            let mut script = Vec::new();
            write_script(*shell, &mut script).expect("script");
            let script = String::from_utf8(script).expect("utf-8");
            let name = shell.protocol_name();
            assert!(
                script.contains(COMPLETE_VAR) && script.contains(name),
                "{name}: the script must run `{COMPLETE_VAR}={name} peel`:\n{script}"
            );
            assert!(script.contains(PROGRAM), "{name} script names peel");
        }
    }
}
