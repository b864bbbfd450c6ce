//! Named presets: `[presets.NAME]` tables in the user's `config.toml` and in a project's
//! `peel.toml` (found in the working directory or an ancestor). A project preset replaces a
//! user preset of the same name.
//!
//! Every setting resolves as: explicit flag > preset > `[defaults]` > registry default.
//! Faces build one `SettingsLayer` per source and call `SettingsLayer::stack`:
//! - CLI and TUI: `[flags, preset, defaults]`;
//! - batch files: `[item, item's preset, file defaults, file defaults' preset, config defaults]`.

mod layer;
mod save;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use save::{SaveOutcome, save_preset};

use crate::config::Config;
use crate::error::ValidationError;
use crate::settings::{SeedMode, SettingsLayer};

/// The project file's name.
pub const PROJECT_FILE: &str = "peel.toml";

/// Which file a preset comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetSource {
    /// The user's `config.toml`.
    User,
    /// A project's `peel.toml`.
    Project,
}

impl PresetSource {
    /// "user" or "project".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Project => "project",
        }
    }
}

/// A named preset and where it was defined.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Its name.
    pub name: String,
    /// What it sets.
    pub settings: SettingsLayer,
    /// User or project.
    pub source: PresetSource,
    /// The file that defines it.
    pub file: PathBuf,
}

/// A project's `peel.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectFile {
    /// `[presets.NAME]`
    pub presets: BTreeMap<String, SettingsLayer>,
}

impl ProjectFile {
    /// Parses a project file's text; unknown keys are refused with file and key named.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ValidationError> {
        toml::from_str(text).map_err(|e| ValidationError::Config {
            message: format!("{}: {}", origin.display(), e.to_string().trim()),
        })
    }

    /// Reads and parses a project file.
    pub fn load(path: &Path) -> Result<Self, ValidationError> {
        let text = std::fs::read_to_string(path).map_err(|e| ValidationError::Config {
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::parse(&text, path)
    }
}

/// The nearest `peel.toml` in `start` or one of its ancestors.
pub fn find_project_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(PROJECT_FILE))
        .find(|candidate| candidate.is_file())
}

/// Every preset in force: user presets with project presets laid over them by name.
#[derive(Debug, Clone, Default)]
pub struct PresetBook {
    presets: BTreeMap<String, Preset>,
    shadowed: BTreeMap<String, Preset>,
    project_file: Option<PathBuf>,
}

impl PresetBook {
    /// Builds the book from the user's config (read from `user_file`) and the project file
    /// found from `start_dir`, if any.
    pub fn load(
        config: &Config,
        user_file: &Path,
        start_dir: Option<&Path>,
    ) -> Result<Self, ValidationError> {
        let project = match start_dir.and_then(find_project_file) {
            Some(path) => Some((ProjectFile::load(&path)?, path)),
            None => None,
        };
        Self::from_parts(&config.presets, user_file, project)
    }

    /// The book a batch file sees: the `peel.toml` nearest the file, else the one nearest
    /// `cwd`, over the user's presets.
    pub fn load_for_file(
        config: &Config,
        user_file: &Path,
        file: &Path,
        cwd: Option<&Path>,
    ) -> Result<Self, ValidationError> {
        let near_file = std::path::absolute(file)
            .ok()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .filter(|dir| find_project_file(dir).is_some());
        Self::load(config, user_file, near_file.as_deref().or(cwd))
    }

    /// Builds the book from already parsed user presets and an optional project file.
    pub fn from_parts(
        user: &BTreeMap<String, SettingsLayer>,
        user_file: &Path,
        project: Option<(ProjectFile, PathBuf)>,
    ) -> Result<Self, ValidationError> {
        let mut book = Self::default();
        for (name, settings) in user {
            book.insert(name, settings, PresetSource::User, user_file)?;
        }
        if let Some((file, path)) = project {
            for (name, settings) in &file.presets {
                book.insert(name, settings, PresetSource::Project, &path)?;
            }
            book.project_file = Some(path);
        }
        Ok(book)
    }

    fn insert(
        &mut self,
        name: &str,
        settings: &SettingsLayer,
        source: PresetSource,
        file: &Path,
    ) -> Result<(), ValidationError> {
        check(name, settings).map_err(|e| ValidationError::Config {
            message: format!("{}: [presets.{name}]: {e}", file.display()),
        })?;
        let preset = Preset {
            name: name.to_string(),
            settings: settings.clone(),
            source,
            file: file.to_path_buf(),
        };
        if let Some(old) = self.presets.insert(name.to_string(), preset) {
            self.shadowed.insert(name.to_string(), old);
        }
        Ok(())
    }

    /// The preset called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Preset> {
        self.presets.get(name.trim())
    }

    /// The preset called `name`, or an error listing the presets there are.
    pub fn require(&self, name: &str) -> Result<&Preset, ValidationError> {
        self.get(name).ok_or_else(|| {
            ValidationError::Invalid(format!("unknown preset '{}'. {}", name.trim(), self.hint()))
        })
    }

    fn hint(&self) -> String {
        if self.presets.is_empty() {
            return "No presets are defined; add a [presets.NAME] table to config.toml or peel.toml, \
                    or save one with `peel preset save NAME --model … --aspect …`."
                .into();
        }
        let names: Vec<String> = self
            .presets
            .values()
            .map(|p| format!("{} ({})", p.name, p.source.as_str()))
            .collect();
        format!("Available presets: {}.", names.join(", "))
    }

    /// The user preset a project preset of the same name replaces, if any.
    pub fn shadowed(&self, name: &str) -> Option<&Preset> {
        self.shadowed.get(name)
    }

    /// Presets in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.presets.values()
    }

    /// The project file in force, if one was found.
    pub fn project_file(&self) -> Option<&Path> {
        self.project_file.as_deref()
    }
}

/// Refuses a preset name that cannot be a bare TOML key, or settings that contradict.
pub fn check(name: &str, settings: &SettingsLayer) -> Result<(), String> {
    check_name(name)?;
    if settings.seed_mode == Some(SeedMode::Random)
        && let Some(seed) = settings.seed
    {
        return Err(format!(
            "seed_mode = \"random\" takes no seed, but seed = {seed}; use \"fixed\" or \"increment\""
        ));
    }
    Ok(())
}

/// Refuses names other than letters, digits, `-` and `_`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return Ok(());
    }
    Err(format!(
        "preset name '{name}' must be 1–64 letters, digits, '-' or '_' (e.g. product-hero)"
    ))
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;
