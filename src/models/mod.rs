//! The capability registry: model ids, aliases, ratios, sizes, reference caps, prices,
//! service tiers and lifecycle (status, deprecation, shutdown, successor), read from
//! `assets/models.toml` and optionally extended by the user's own file.

mod lifecycle;
mod spec;
mod text;
mod tier;
pub mod user_file;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, toml_message};

pub use lifecycle::{Lifecycle, Origin, Status, parse_date, today};
pub use spec::{
    COPIED_PRICE_PREFIX, Lane, ModelSpec, ReferenceCaps, SizeSpec, TokenPrices, UsageCounts,
};
pub use text::{TextModelSpec, TextPrices};
pub use tier::{ALL_TIERS, Tier};

/// The registry shipped with peel.
pub const SHIPPED_MODELS: &str = include_str!("../../assets/models.toml");

/// Every model peel knows about, keyed by canonical id.
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    /// The model used when none is named.
    pub default_model: String,
    /// Models by canonical id.
    pub models: BTreeMap<String, ModelSpec>,
    /// Text models peel asks for judgements (`peel check`), by canonical id.
    pub text_models: BTreeMap<String, TextModelSpec>,
    /// The text model used when none is configured.
    pub default_text_model: String,
    /// The MIME type of images on the Interactions API, whatever the model.
    pub interactions_output_mime: String,
    /// What was wrong with the user's file, when it was set aside (faces show these once).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    default_model: Option<String>,
    #[serde(default)]
    pixels: BTreeMap<String, BTreeMap<String, [u32; 2]>>,
    #[serde(default)]
    models: BTreeMap<String, ModelSpec>,
    #[serde(default)]
    default_text_model: Option<String>,
    #[serde(default)]
    text_models: BTreeMap<String, TextModelSpec>,
    #[serde(default)]
    interactions_output_mime: Option<String>,
}

impl Registry {
    /// The registry shipped with peel.
    pub fn shipped() -> Result<Self, ValidationError> {
        Self::from_sources(&[("assets/models.toml", SHIPPED_MODELS)])
    }

    /// The shipped registry with the user's file (if it exists) layered on top. A user file
    /// that cannot be read or used leaves the shipped registry in charge, with a warning
    /// naming the file, line and field (see `warnings`).
    pub fn load(user_file: Option<&Path>) -> Result<Self, ValidationError> {
        let Some(path) = user_file.filter(|p| p.exists()) else {
            return Self::shipped();
        };
        let name = path.display().to_string();
        let layered = std::fs::read_to_string(path)
            .map_err(|e| ValidationError::Config {
                message: format!("cannot read {name}: {e}"),
            })
            .and_then(|text| {
                Self::from_sources(&[("assets/models.toml", SHIPPED_MODELS), (&name, &text)])
            });
        match layered {
            Ok(registry) => Ok(registry),
            Err(error) => {
                let mut shipped = Self::shipped()?;
                shipped.warnings.push(format!(
                    "{error}. Your models.toml was ignored: peel uses its shipped models until the file is fixed."
                ));
                Ok(shipped)
            }
        }
    }

    /// Builds a registry from TOML sources; later sources override earlier ones.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, ValidationError> {
        let mut pixels: BTreeMap<String, BTreeMap<String, [u32; 2]>> = BTreeMap::new();
        let mut models = BTreeMap::new();
        let mut default_model = None;
        let mut text_models = BTreeMap::new();
        let mut default_text_model = None;
        let mut interactions_output_mime = None;
        for (index, (name, text)) in sources.iter().enumerate() {
            let file: RegistryFile = toml::from_str(text).map_err(|e| ValidationError::Config {
                message: format!("{name}{}: {}", line_of(&e, text), toml_message(&e, text)),
            })?;
            let origin = if index == 0 {
                Origin::Shipped
            } else {
                Origin::User
            };
            pixels.extend(file.pixels);
            models.extend(file.models.into_iter().map(|(id, mut spec)| {
                spec.origin = origin;
                (id, spec)
            }));
            default_model = file.default_model.or(default_model);
            text_models.extend(file.text_models.into_iter().map(|(id, mut spec)| {
                spec.origin = origin;
                (id, spec)
            }));
            default_text_model = file.default_text_model.or(default_text_model);
            interactions_output_mime = file.interactions_output_mime.or(interactions_output_mime);
        }
        for (id, spec) in text_models.iter_mut() {
            spec.id = id.clone();
        }
        let Some(default_text_model) = default_text_model else {
            return Err(ValidationError::Config {
                message: "the registry names no default_text_model".into(),
            });
        };
        if !text_models.contains_key(&default_text_model) {
            return Err(ValidationError::Config {
                message: format!(
                    "default_text_model {default_text_model} is not among the [text_models]"
                ),
            });
        }
        for (id, spec) in models.iter_mut() {
            spec.id = id.clone();
            let Some(table) = pixels.get(&spec.pixels) else {
                return Err(ValidationError::Config {
                    message: format!(
                        "model {id} names pixel table '{}', which does not exist",
                        spec.pixels
                    ),
                });
            };
            spec.base_pixels = table.clone();
            if let Some(missing) = spec.aspect_ratios.iter().find(|r| !table.contains_key(*r)) {
                return Err(ValidationError::Config {
                    message: format!(
                        "model {id} allows ratio {missing}, which pixel table '{}' lacks",
                        spec.pixels
                    ),
                });
            }
            if !spec.sizes.iter().any(|s| s.name == spec.default_size) {
                return Err(ValidationError::Config {
                    message: format!(
                        "model {id}: default_size {} is not among its sizes",
                        spec.default_size
                    ),
                });
            }
        }
        let Some(default_model) = default_model else {
            return Err(ValidationError::Config {
                message: "the registry names no default_model".into(),
            });
        };
        if !models.contains_key(&default_model) {
            return Err(ValidationError::Config {
                message: format!("default_model {default_model} is not in the registry"),
            });
        }
        Ok(Self {
            default_model,
            models,
            text_models,
            default_text_model,
            interactions_output_mime: interactions_output_mime
                .unwrap_or_else(|| "image/jpeg".into()),
            warnings: Vec::new(),
        })
    }

    /// Finds a text model by id, alias or `models/`-prefixed id; an image model or an
    /// unknown name is refused with the text models listed.
    pub fn resolve_text(&self, name: &str) -> Result<&TextModelSpec, ValidationError> {
        let name = name.trim().strip_prefix("models/").unwrap_or(name.trim());
        let found = self.text_models.get(name).or_else(|| {
            self.text_models
                .values()
                .find(|m| m.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
        });
        if let Some(spec) = found {
            return Ok(spec);
        }
        let known: Vec<&str> = self.text_models.keys().map(String::as_str).collect();
        let why = if self.resolve(name).is_ok() {
            format!("{name} makes images; the check needs a text model")
        } else {
            format!("no text model is named '{name}'")
        };
        Err(ValidationError::Invalid(format!(
            "{why}. Text models: {}. Set `[check] model` or add one under [text_models] in models.toml.",
            known.join(", ")
        )))
    }

    /// The text model used when none is configured.
    pub fn default_text_spec(&self) -> &TextModelSpec {
        self.text_models
            .get(&self.default_text_model)
            .or_else(|| self.text_models.values().next())
            .expect("the registry is checked to hold its default text model")
    }

    /// Finds a model by id, alias, or `models/`-prefixed id.
    pub fn resolve(&self, name: &str) -> Result<&ModelSpec, ValidationError> {
        let name = name.trim().strip_prefix("models/").unwrap_or(name.trim());
        if let Some(spec) = self.models.get(name) {
            return Ok(spec);
        }
        self.models
            .values()
            .find(|m| m.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
            .ok_or_else(|| ValidationError::UnknownModel {
                given: name.to_string(),
                known: self.models.keys().cloned().collect(),
            })
    }

    /// The default model's spec.
    pub fn default_spec(&self) -> &ModelSpec {
        self.models
            .get(&self.default_model)
            .or_else(|| self.models.values().next())
            .expect("registry validated to contain its default model")
    }

    /// The lifecycle of the image or text model named `id` (by id or alias), if known.
    pub fn lifecycle_of(&self, name: &str) -> Option<Lifecycle<'_>> {
        if let Ok(spec) = self.resolve(name) {
            return Some(spec.lifecycle());
        }
        self.resolve_text(name).ok().map(TextModelSpec::lifecycle)
    }

    /// Models that render `size`, for suggestions.
    pub fn models_allowing_size(&self, size: &str) -> Vec<&str> {
        self.models
            .values()
            .filter(|m| m.sizes.iter().any(|s| s.name == size))
            .map(|m| m.id.as_str())
            .collect()
    }

    /// Models that accept `ratio`, for suggestions.
    pub fn models_allowing_ratio(&self, ratio: &str) -> Vec<&str> {
        self.models
            .values()
            .filter(|m| m.aspect_ratios.iter().any(|r| r == ratio))
            .map(|m| m.id.as_str())
            .collect()
    }
}

/// " (line N)" for a TOML error with a position in `text`.
fn line_of(error: &toml::de::Error, text: &str) -> String {
    error
        .span()
        .map(|span| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!(":{line}")
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
