//! What every subcommand loads: settings, the registry, the store.

use std::sync::Arc;

use super::{Cli, CliError};
use crate::config::{Env, Settings};
use crate::models::Registry;
use crate::store::Store;

/// Settings and registry for one command.
pub struct Context {
    /// Resolved settings.
    pub settings: Settings,
    /// The model registry.
    pub registry: Arc<Registry>,
}

impl Context {
    /// Loads config and registry; refuses with the file named when either is malformed.
    pub fn load(cli: &Cli) -> Result<Self, CliError> {
        let settings =
            Settings::load_with(Env::from_process(), cli.config.as_deref(), cli.overrides())?;
        let registry = Registry::load(Some(&settings.paths.models_file()))?;
        Ok(Self {
            settings,
            registry: Arc::new(registry),
        })
    }

    /// Opens the store in the data directory.
    pub fn store(&self) -> Result<Store, CliError> {
        Ok(Store::open(&self.settings.paths.store_file())?)
    }
}
