//! What every subcommand loads: settings, the registry, the store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Cli, CliError};
use crate::config::{Env, Settings};
use crate::models::Registry;
use crate::store::Store;
use crate::studio::preset::PresetBook;

/// Settings and registry for one command.
pub struct Context {
    /// Resolved settings.
    pub settings: Settings,
    /// The model registry.
    pub registry: Arc<Registry>,
    /// The user's config file (`--config`, else `config.toml` in the config directory).
    pub config_file: PathBuf,
}

impl Context {
    /// Loads config and registry; refuses with the file named when either is malformed.
    pub fn load(cli: &Cli) -> Result<Self, CliError> {
        let mut settings =
            Settings::load_with(Env::from_process(), cli.config.as_deref(), cli.overrides())?;
        if let Some(transport) = cli.transport {
            settings.config.api.transport = Some(transport);
        }
        let registry = Registry::load(Some(&settings.paths.models_file()))?;
        let config_file = cli
            .config
            .clone()
            .unwrap_or_else(|| settings.paths.config_file());
        Ok(Self {
            settings,
            registry: Arc::new(registry),
            config_file,
        })
    }

    /// Opens the store in the data directory.
    pub fn store(&self) -> Result<Store, CliError> {
        Ok(Store::open(&self.settings.paths.store_file())?)
    }

    /// User presets with the project's `peel.toml` (searched from the working directory) over them.
    pub fn presets(&self) -> Result<PresetBook, CliError> {
        Ok(PresetBook::load(
            &self.settings.config,
            &self.config_file,
            self.settings.env.cwd.as_deref(),
        )?)
    }

    /// The presets a file (a batch file) may name: the project's `peel.toml` is the one
    /// nearest the file, else the one nearest the working directory.
    pub fn presets_for(&self, file: &Path) -> Result<PresetBook, CliError> {
        Ok(PresetBook::load_for_file(
            &self.settings.config,
            &self.config_file,
            file,
            self.settings.env.cwd.as_deref(),
        )?)
    }
}
