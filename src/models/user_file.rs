//! The user's own `models.toml`: `peel models add ID --like KNOWN` writes an entry copying a
//! known model's capabilities (so a model released tomorrow is usable the same day) and
//! `peel models rm ID` takes one out. Comments and order in the file stay (toml_edit); the
//! result is checked to load before it replaces the file.

use std::collections::BTreeMap;
use std::path::Path;

use toml_edit::DocumentMut;

use super::spec::COPIED_PRICE_PREFIX;
use super::{Origin, Registry, SHIPPED_MODELS};
use crate::error::ValidationError;
use crate::fsio::write_atomic;

/// What `add_like` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The new id.
    pub id: String,
    /// The known model it copies.
    pub like: String,
    /// `models` or `text_models`.
    pub table: &'static str,
}

/// Fields of a known entry that describe that model, not the copy.
const NOT_COPIED: &[&str] = &[
    "id",
    "origin",
    "base_pixels",
    "aliases",
    "status",
    "deprecated_on",
    "shutdown_on",
    "successor",
    "price_source",
];

/// Writes `[models."ID"]` (or `[text_models."ID"]`) into the user's file at `path`, copying
/// the capabilities of `like`; the price is marked as copied, so it reads as unverified.
pub fn add_like(
    path: &Path,
    registry: &Registry,
    id: &str,
    like: &str,
    name: Option<&str>,
) -> Result<Added, ValidationError> {
    let id = id.trim();
    check_id(id)?;
    if registry.resolve(id).is_ok() || registry.resolve_text(id).is_ok() {
        return Err(ValidationError::Invalid(format!(
            "a model named '{id}' already exists (see `peel models`). Pick another id, or `peel models rm {id}` first if it is yours."
        )));
    }
    let (table_name, known_id, mut entry) = if let Ok(spec) = registry.resolve(like) {
        ("models", spec.id.clone(), to_table(spec)?)
    } else if let Ok(spec) = registry.resolve_text(like) {
        ("text_models", spec.id.clone(), to_table(spec)?)
    } else {
        let mut known: Vec<&str> = registry.models.keys().map(String::as_str).collect();
        known.extend(registry.text_models.keys().map(String::as_str));
        return Err(ValidationError::Invalid(format!(
            "--like names no known model: '{like}'. Known models: {}.",
            known.join(", ")
        )));
    };
    for field in NOT_COPIED {
        entry.remove(*field);
    }
    entry.insert(
        "display_name".into(),
        toml::Value::String(name.map_or_else(|| id.to_string(), str::to_string)),
    );
    entry.insert(
        "price_source".into(),
        toml::Value::String(format!("{COPIED_PRICE_PREFIX}{known_id}")),
    );
    let wrapper = BTreeMap::from([(table_name, BTreeMap::from([(id.to_string(), entry)]))]);
    let addition = toml::to_string(&wrapper).map_err(|e| config_error(path, &e.to_string()))?;
    let before = read_or_empty(path)?;
    let mut text = before.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\n# Added by `peel models add {id} --like {known_id}`: capabilities and prices copied (unverified).\n"
    ));
    text.push_str(&addition);
    save_checked(path, &text)?;
    Ok(Added {
        id: id.to_string(),
        like: known_id,
        table: table_name,
    })
}

/// Removes the user's entry `id`; a model only the shipped registry has is refused.
pub fn remove(path: &Path, registry: &Registry, id: &str) -> Result<&'static str, ValidationError> {
    let id = id.trim();
    let text = read_or_empty(path)?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| config_error(path, e.to_string().trim()))?;
    for table_name in ["models", "text_models"] {
        let removed = doc
            .get_mut(table_name)
            .and_then(|t| t.as_table_like_mut())
            .and_then(|t| t.remove(id))
            .is_some();
        if removed {
            save_checked(path, &doc.to_string())?;
            return Ok(table_name);
        }
    }
    let shipped = registry
        .models
        .get(id)
        .map(|m| m.origin)
        .or_else(|| registry.text_models.get(id).map(|m| m.origin));
    Err(ValidationError::Invalid(match shipped {
        Some(Origin::Shipped) => format!(
            "{id} ships with peel and cannot be removed; only entries in your models.toml ({}) can.",
            path.display()
        ),
        _ => format!(
            "your models.toml ({}) has no entry '{id}'. `peel models` marks your entries with [yours].",
            path.display()
        ),
    }))
}

fn check_id(id: &str) -> Result<(), ValidationError> {
    let fine = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if fine {
        return Ok(());
    }
    Err(ValidationError::Invalid(format!(
        "'{id}' is not a model id: use the id the service lists (letters, digits, '-', '.', '_'), as `peel models --remote` shows it."
    )))
}

fn to_table<T: serde::Serialize>(spec: &T) -> Result<toml::Table, ValidationError> {
    toml::Table::try_from(spec).map_err(|e| ValidationError::Config {
        message: format!("cannot copy the model entry: {e}"),
    })
}

fn read_or_empty(path: &Path) -> Result<String, ValidationError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(config_error(path, &format!("cannot read it: {e}"))),
    }
}

/// Writes `text` only when the registry it makes loads.
fn save_checked(path: &Path, text: &str) -> Result<(), ValidationError> {
    let name = path.display().to_string();
    Registry::from_sources(&[("assets/models.toml", SHIPPED_MODELS), (&name, text)])?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_error(path, &format!("cannot create its folder: {e}")))?;
    }
    write_atomic(path, text.as_bytes()).map_err(|e| config_error(path, &e.to_string()))
}

fn config_error(path: &Path, message: &str) -> ValidationError {
    ValidationError::Config {
        message: format!("{}: {message}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_model_loads_with_an_unverified_price_and_can_be_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        std::fs::write(&path, "# my models\n").unwrap();
        let shipped = Registry::shipped().unwrap();
        let added = add_like(
            &path,
            &shipped,
            "gemini-nano-banana-3",
            "nano-banana-2.1",
            Some("NB3"),
        )
        .unwrap();
        assert_eq!(added.like, "gemini-nano-banana-2.1");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my models\n"), "{text}");
        let loaded = Registry::load(Some(&path)).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let copy = loaded.resolve("gemini-nano-banana-3").unwrap();
        let known = loaded.resolve("gemini-nano-banana-2.1").unwrap();
        assert_eq!(copy.display_name, "NB3");
        assert_eq!(copy.origin, Origin::User);
        assert!(copy.price_unverified());
        assert_eq!(copy.thinking_levels, known.thinking_levels);
        assert_eq!(copy.aspect_ratios, known.aspect_ratios);
        assert_eq!(copy.pixels("16:9", "2K"), known.pixels("16:9", "2K"));
        assert!(copy.aliases.is_empty() && copy.successor.is_none());

        let again = add_like(
            &path,
            &loaded,
            "gemini-nano-banana-3",
            "nano-banana-2.1",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(again.contains("already exists"), "{again}");
        let shipped_rm = remove(&path, &loaded, "gemini-3-pro-image")
            .unwrap_err()
            .to_string();
        assert!(shipped_rm.contains("ships with peel"), "{shipped_rm}");
        add_like(
            &path,
            &loaded,
            "gemini-nano-banana-3-pro",
            "nano-banana-pro",
            None,
        )
        .unwrap();
        let both = Registry::load(Some(&path)).unwrap();
        assert_eq!(
            remove(&path, &both, "gemini-nano-banana-3-pro").unwrap(),
            "models"
        );
        let one = Registry::load(Some(&path)).unwrap();
        assert!(one.resolve("gemini-nano-banana-3-pro").is_err());
        assert!(one.resolve("gemini-nano-banana-3").is_ok());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# my models"), "{text}");
    }

    #[test]
    fn an_unknown_like_or_a_bad_id_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        let shipped = Registry::shipped().unwrap();
        let err = add_like(&path, &shipped, "new-one", "gemini-9", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("gemini-9") && err.contains("gemini-3-pro-image"),
            "{err}"
        );
        assert!(add_like(&path, &shipped, "bad id!", "nano-banana-2.1", None).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn a_text_model_is_copied_into_text_models() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        let shipped = Registry::shipped().unwrap();
        let added = add_like(&path, &shipped, "gemini-4-flash", "gemini-3.6-flash", None).unwrap();
        assert_eq!(added.table, "text_models");
        let loaded = Registry::load(Some(&path)).unwrap();
        assert!(loaded.resolve_text("gemini-4-flash").is_ok());
    }
}
