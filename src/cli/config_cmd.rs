//! `peel config path|show|init`.

use super::args::Cli;
use super::args::{ConfigAction, ConfigArgs};
use super::error::CliError;
use crate::config::{Config, Env, Paths, Settings};
use crate::fsio::write_atomic;

/// Prints or creates the config file.
pub fn run(cli: &Cli, args: ConfigArgs) -> Result<(), CliError> {
    let paths = Paths::resolve(&Env::from_process());
    let file = cli.config.clone().unwrap_or_else(|| paths.config_file());
    match args.action {
        ConfigAction::Path => println!("{}", file.display()),
        ConfigAction::Show => {
            let settings =
                Settings::load_with(Env::from_process(), cli.config.as_deref(), cli.overrides())?;
            let shown = settings.config.redacted();
            let text = toml::to_string_pretty(&shown)
                .map_err(|e| CliError::failed("config", format!("cannot show the config: {e}")))?;
            if file.exists() {
                println!("# {}\n{text}", file.display());
            } else {
                println!(
                    "# {} does not exist: these are the built-in defaults. `peel config init` writes a commented starter file there.\n{text}",
                    file.display()
                );
            }
        }
        ConfigAction::Init { force } => {
            if file.exists() && !force {
                return Err(CliError::usage(format!(
                    "{} already exists; pass --force to replace it",
                    file.display()
                )));
            }
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::failed("disk", format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            write_atomic(&file, Config::starter_text().as_bytes())
                .map_err(|e| CliError::failed("disk", e.to_string()))?;
            println!("wrote {}", file.display());
        }
    }
    Ok(())
}
