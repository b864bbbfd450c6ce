//! PLACEHOLDER: the workbench arrives with the TUI branch.

use std::process::ExitCode;

/// Opens the workbench.
pub async fn run(_cli: &crate::cli::Cli) -> ExitCode {
    eprintln!("peel: the workbench is not built yet; try `peel generate \"a red fox\"`");
    ExitCode::from(2)
}
