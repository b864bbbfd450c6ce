//! What every face loads before it works: settings, the model registry, the store, presets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Env, Overrides, Settings};
use crate::error::ValidationError;
use crate::models::Registry;
use crate::store::{Store, StoreError};
use crate::studio::preset::PresetBook;

/// Settings, registry and config file for one command or one server.
pub struct Workspace {
    /// Resolved settings.
    pub settings: Settings,
    /// The model registry.
    pub registry: Arc<Registry>,
    /// The user's config file (`--config`, else `config.toml` in the config directory).
    pub config_file: PathBuf,
    /// The `--config` given, if any (passed on as a value to detached processes).
    pub config_flag: Option<PathBuf>,
    /// The global flags given (`--offline`, `--backend`, `--transport`).
    pub overrides: Overrides,
}

impl Workspace {
    /// Loads config and registry; refuses with the file named when either is malformed.
    pub fn open(
        env: Env,
        config: Option<&Path>,
        overrides: Overrides,
    ) -> Result<Self, ValidationError> {
        let settings = Settings::load_with(env, config, overrides)?;
        let registry = Registry::load(Some(&settings.paths.models_file()))?;
        let config_file = config
            .map(Path::to_path_buf)
            .unwrap_or_else(|| settings.paths.config_file());
        Ok(Self {
            settings,
            registry: Arc::new(registry),
            config_file,
            config_flag: config.map(Path::to_path_buf),
            overrides,
        })
    }

    /// A hand-off to a detached peel process, carrying this command's global flags.
    pub fn hand_off(&self) -> crate::studio::detach::HandOff {
        crate::studio::detach::HandOff::new(self.config_flag.clone(), self.overrides)
    }

    /// Opens the store in the data directory.
    pub fn store(&self) -> Result<Store, StoreError> {
        Store::open(&self.settings.paths.store_file())
    }

    /// User presets with the project's `peel.toml` (searched from the working directory) over them.
    pub fn presets(&self) -> Result<PresetBook, ValidationError> {
        PresetBook::load(
            &self.settings.config,
            &self.config_file,
            self.settings.env.cwd.as_deref(),
        )
    }

    /// The presets a file (a batch file) may name: the project's `peel.toml` is the one
    /// nearest the file, else the one nearest the working directory.
    pub fn presets_for(&self, file: &Path) -> Result<PresetBook, ValidationError> {
        PresetBook::load_for_file(
            &self.settings.config,
            &self.config_file,
            file,
            self.settings.env.cwd.as_deref(),
        )
    }
}
