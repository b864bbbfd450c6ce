//! Writing a preset into `config.toml` or `peel.toml` without disturbing the rest of the
//! file: comments, order and formatting stay (toml_edit); the write is temp-then-rename.

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use super::{PresetSource, ProjectFile, check};
use crate::config::Config;
use crate::error::ValidationError;
use crate::fsio::write_atomic;
use crate::settings::SettingsLayer;

/// What `save_preset` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The file written.
    pub file: PathBuf,
    /// True when a preset of that name was replaced (`force`).
    pub replaced: bool,
    /// True when the file did not exist before.
    pub created: bool,
}

/// Adds (or with `force`, replaces) `[presets.NAME]` in `file`; refuses an existing name
/// without `force`, and refuses to write anything the file's parser would then reject.
pub fn save_preset(
    file: &Path,
    kind: PresetSource,
    name: &str,
    settings: &SettingsLayer,
    force: bool,
) -> Result<SaveOutcome, ValidationError> {
    check(name, settings).map_err(ValidationError::Invalid)?;
    if settings.is_empty() {
        return Err(ValidationError::Invalid(format!(
            "preset '{name}' would set nothing; give at least one setting, e.g. --model, --aspect, --size or --safety"
        )));
    }
    let (text, created) = match std::fs::read_to_string(file) {
        Ok(text) => (text, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), true),
        Err(e) => return Err(config_error(file, format!("cannot read it: {e}"))),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| config_error(file, e.to_string().trim().into()))?;
    let replaced = insert(&mut doc, file, name, settings, force)?;
    let new_text = doc.to_string();
    match kind {
        PresetSource::User => Config::parse(&new_text, file).map(drop)?,
        PresetSource::Project => ProjectFile::parse(&new_text, file).map(drop)?,
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_error(dir, format!("cannot create the folder: {e}")))?;
    }
    write_atomic(file, new_text.as_bytes())
        .map_err(|e| config_error(file, format!("cannot write it: {}", e.message)))?;
    Ok(SaveOutcome {
        file: file.to_path_buf(),
        replaced,
        created,
    })
}

fn config_error(file: &Path, message: String) -> ValidationError {
    ValidationError::Config {
        message: format!("{}: {message}", file.display()),
    }
}

fn insert(
    doc: &mut DocumentMut,
    file: &Path,
    name: &str,
    settings: &SettingsLayer,
    force: bool,
) -> Result<bool, ValidationError> {
    let presets = doc.entry("presets").or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    let Some(presets) = presets.as_table_like_mut() else {
        return Err(config_error(
            file,
            "`presets` is not a table; fix it by hand, then save again".into(),
        ));
    };
    let replaced = presets.contains_key(name);
    if replaced && !force {
        return Err(ValidationError::Invalid(format!(
            "preset '{name}' already exists in {}; add --force to replace it",
            file.display()
        )));
    }
    presets.insert(name, Item::Table(table_for(settings)));
    Ok(replaced)
}

fn table_for(settings: &SettingsLayer) -> Table {
    let mut table = Table::new();
    let strings = [
        ("model", &settings.model),
        ("aspect", &settings.aspect),
        ("size", &settings.size),
        ("thinking", &settings.thinking),
    ];
    for (key, text) in strings {
        if let Some(text) = text {
            table.insert(key, value(text.as_str()));
        }
    }
    if let Some(grounding) = settings.grounding {
        table.insert("grounding", value(grounding.as_str()));
    }
    if let Some(mode) = settings.seed_mode {
        table.insert("seed_mode", value(mode.as_str()));
    }
    if let Some(seed) = settings.seed {
        table.insert("seed", value(seed));
    }
    if !settings.safety.is_empty() {
        let mut safety = InlineTable::new();
        for (category, threshold) in settings.safety.to_friendly() {
            safety.insert(category.as_str(), threshold.into());
        }
        table.insert("safety", value(safety));
    }
    if let Some(with) = &settings.with {
        let names: Array = with.iter().map(String::as_str).collect();
        table.insert("with", value(names));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SafetyMap;
    use crate::settings::SeedMode;

    fn hero() -> SettingsLayer {
        SettingsLayer {
            model: Some("nano-banana-pro".into()),
            aspect: Some("4:5".into()),
            seed_mode: Some(SeedMode::Fixed),
            seed: Some(7),
            safety: SafetyMap::parse_all(&["harassment=block_only_high"]).unwrap(),
            with: Some(vec!["Mira".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn keeps_comments_and_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let original = "# my settings\n[retry]\nattempts = 3 # keep it low\n\n[presets.old]\nsize = \"2K\" # big\n";
        std::fs::write(&file, original).unwrap();
        let outcome = save_preset(&file, PresetSource::User, "hero", &hero(), false).unwrap();
        assert!(!outcome.replaced && !outcome.created);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with(original), "{text}");
        assert!(text.contains("[presets.hero]"), "{text}");
        assert!(
            text.contains("safety = { harassment = \"block_only_high\" }"),
            "{text}"
        );
        let config = Config::parse(&text, &file).unwrap();
        assert_eq!(config.presets["hero"], hero());
        assert_eq!(config.retry.attempts, 3);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("peel.toml");
        save_preset(&file, PresetSource::Project, "hero", &hero(), false).unwrap();
        let before = std::fs::read_to_string(&file).unwrap();
        let small = SettingsLayer {
            size: Some("512".into()),
            ..Default::default()
        };
        let err = save_preset(&file, PresetSource::Project, "hero", &small, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
        let outcome = save_preset(&file, PresetSource::Project, "hero", &small, true).unwrap();
        assert!(outcome.replaced);
        let project = ProjectFile::load(&file).unwrap();
        assert_eq!(project.presets["hero"], small);
    }

    #[test]
    fn refuses_bad_names_empty_presets_and_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let bad = |name: &str, s: &SettingsLayer| {
            save_preset(&file, PresetSource::User, name, s, false)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("my preset", &hero()).contains("letters, digits"));
        assert!(bad("empty", &SettingsLayer::default()).contains("would set nothing"));
        assert!(!file.exists());
        std::fs::write(&file, "[retry\n").unwrap();
        assert!(bad("hero", &hero()).contains("config.toml"));
        std::fs::write(&file, "presets = 3\n").unwrap();
        assert!(bad("hero", &hero()).contains("not a table"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "presets = 3\n");
    }
}
