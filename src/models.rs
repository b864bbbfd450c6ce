//! The capability registry: model ids, aliases, ratios, sizes, reference caps and prices,
//! read from `assets/models.toml` and optionally overridden by the user's own file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// The registry shipped with peel.
pub const SHIPPED_MODELS: &str = include_str!("../assets/models.toml");

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
}

/// A Gemini text model: what `peel check` asks, and what it costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextModelSpec {
    /// Canonical id, filled from the table key.
    #[serde(default)]
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Other names accepted.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Input context size in tokens.
    pub input_token_limit: u32,
    /// Input images one request may carry.
    pub max_images: u32,
    /// Tokens one input image counts for.
    pub image_input_tokens: u32,
    /// Prices in USD per million tokens.
    pub prices: TextPrices,
}

/// A text model's token prices in USD per million.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextPrices {
    /// Prompt tokens (text and images).
    pub input_per_million: f64,
    /// Output tokens, thinking included.
    pub output_per_million: f64,
}

impl TextModelSpec {
    /// Cost in USD of `input` prompt tokens and `output` answer tokens.
    pub fn cost(&self, input: u64, output: u64) -> f64 {
        (input as f64 * self.prices.input_per_million
            + output as f64 * self.prices.output_per_million)
            / 1e6
    }
}

/// What one model can do and what it costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Canonical id, filled from the table key.
    #[serde(default)]
    pub id: String,
    /// Human name ("Nano Banana 2").
    pub display_name: String,
    /// Other names accepted for this model.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Name of the pixel table in `[pixels]`.
    pub pixels: String,
    /// Aspect ratios the model accepts, as sent on the wire.
    pub aspect_ratios: Vec<String>,
    /// Size used when none is named.
    pub default_size: String,
    /// True when the model takes no `imageSize` and always renders one size.
    #[serde(default)]
    pub fixed_size: bool,
    /// Output sizes with their token counts and prices.
    pub sizes: Vec<SizeSpec>,
    /// Thinking levels the model accepts (empty: not configurable).
    #[serde(default)]
    pub thinking_levels: Vec<String>,
    /// Whether the model thinks (and can show thought summaries); unset: it does when it
    /// has thinking levels.
    #[serde(default)]
    pub thinks: Option<bool>,
    /// Google Search grounding kinds: "web", "image".
    #[serde(default)]
    pub grounding: Vec<String>,
    /// MIME type of the images the model returns.
    pub output_mime: String,
    /// Whether the Interactions API serves the model (default true).
    #[serde(default = "served_by_interactions")]
    pub interactions: bool,
    /// Input context size in tokens.
    pub input_token_limit: u32,
    /// Shutdown date announced by Google, if any (YYYY-MM-DD).
    #[serde(default)]
    pub shutdown: Option<String>,
    /// How many reference images of each kind the model takes.
    pub references: ReferenceCaps,
    /// Token prices in USD per million.
    pub prices: TokenPrices,
    /// Pixel sizes at scale 1.0, filled from the named pixel table.
    #[serde(default)]
    pub base_pixels: BTreeMap<String, [u32; 2]>,
}

fn served_by_interactions() -> bool {
    true
}

/// One output size of a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeSpec {
    /// Wire name: "512", "1K", "2K", "4K" (or a label for fixed-size models).
    pub name: String,
    /// Multiplier on the 1K pixel table.
    pub scale: f64,
    /// Output tokens billed per image.
    pub image_tokens: u32,
    /// Price of one image on the interactive lane.
    pub usd: f64,
    /// Price of one image on the Batch API lane.
    pub batch_usd: f64,
}

/// Reference-image caps.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCaps {
    /// Character images for consistency.
    pub characters: u32,
    /// High-fidelity object images.
    pub objects: u32,
    /// All images together.
    pub images: u32,
}

/// Token prices in USD per million tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenPrices {
    /// Prompt tokens (text and images).
    pub input_per_million: f64,
    /// Text and thinking output tokens.
    pub text_output_per_million: f64,
    /// Image output tokens.
    pub image_output_per_million: f64,
}

/// Which lane a request runs on, for pricing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Ordinary generateContent calls.
    Interactive,
    /// The Batch API, at half price.
    Batch,
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
}

impl Registry {
    /// The registry shipped with peel.
    pub fn shipped() -> Result<Self, ValidationError> {
        Self::from_sources(&[("assets/models.toml", SHIPPED_MODELS)])
    }

    /// The shipped registry with the user's file (if it exists) layered on top.
    pub fn load(user_file: Option<&Path>) -> Result<Self, ValidationError> {
        let Some(path) = user_file.filter(|p| p.exists()) else {
            return Self::shipped();
        };
        let text = std::fs::read_to_string(path).map_err(|e| ValidationError::Config {
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        let name = path.display().to_string();
        Self::from_sources(&[("assets/models.toml", SHIPPED_MODELS), (&name, &text)])
    }

    /// Builds a registry from TOML sources; later sources override earlier ones.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, ValidationError> {
        let mut pixels: BTreeMap<String, BTreeMap<String, [u32; 2]>> = BTreeMap::new();
        let mut models = BTreeMap::new();
        let mut default_model = None;
        let mut text_models = BTreeMap::new();
        let mut default_text_model = None;
        for (name, text) in sources {
            let file: RegistryFile = toml::from_str(text).map_err(|e| ValidationError::Config {
                message: format!("{name}: {e}"),
            })?;
            pixels.extend(file.pixels);
            models.extend(file.models);
            default_model = file.default_model.or(default_model);
            text_models.extend(file.text_models);
            default_text_model = file.default_text_model.or(default_text_model);
        }
        for (id, spec) in text_models.iter_mut() {
            spec.id = id.clone();
        }
        let default_text_model = default_text_model.unwrap_or_else(|| "gemini-3.5-flash".into());
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
        let default_model = default_model.unwrap_or_else(|| "gemini-3.1-flash-image".into());
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

    /// Models that accept `ratio`, for suggestions.
    pub fn models_allowing_ratio(&self, ratio: &str) -> Vec<&str> {
        self.models
            .values()
            .filter(|m| m.aspect_ratios.iter().any(|r| r == ratio))
            .map(|m| m.id.as_str())
            .collect()
    }
}

impl ModelSpec {
    /// Whether the model thinks (so thought summaries may be asked for).
    pub fn thinks(&self) -> bool {
        self.thinks.unwrap_or(!self.thinking_levels.is_empty())
    }

    /// Checks an aspect ratio, naming the allowed ones when it is refused.
    pub fn check_aspect(&self, ratio: &str) -> Result<(), ValidationError> {
        if self.aspect_ratios.iter().any(|r| r == ratio) {
            return Ok(());
        }
        Err(ValidationError::Unsupported {
            what: "aspect ratio",
            given: ratio.to_string(),
            model: self.id.clone(),
            allowed: self.aspect_ratios.clone(),
        })
    }

    /// Finds a size by its wire name; `1k` is refused like the service refuses it.
    pub fn size(&self, name: &str) -> Result<&SizeSpec, ValidationError> {
        if self.fixed_size && name != self.default_size {
            return Err(ValidationError::FixedSize {
                given: name.to_string(),
                model: self.id.clone(),
                size: self.default_size.clone(),
            });
        }
        self.sizes
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| ValidationError::Unsupported {
                what: "image size",
                given: name.to_string(),
                model: self.id.clone(),
                allowed: self.sizes.iter().map(|s| s.name.clone()).collect(),
            })
    }

    /// Checks a thinking level.
    pub fn check_thinking(&self, level: &str) -> Result<(), ValidationError> {
        if self
            .thinking_levels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(level))
        {
            return Ok(());
        }
        Err(ValidationError::Unsupported {
            what: "thinking level",
            given: level.to_string(),
            model: self.id.clone(),
            allowed: self.thinking_levels.clone(),
        })
    }

    /// Checks a grounding kind ("web" or "image").
    pub fn check_grounding(&self, kind: &str) -> Result<(), ValidationError> {
        if self.grounding.iter().any(|g| g == kind) {
            return Ok(());
        }
        Err(ValidationError::Unsupported {
            what: "grounding",
            given: kind.to_string(),
            model: self.id.clone(),
            allowed: self.grounding.clone(),
        })
    }

    /// Output pixel size for a ratio and size, if both are allowed.
    pub fn pixels(&self, ratio: &str, size: &str) -> Option<(u32, u32)> {
        let [w, h] = *self.base_pixels.get(ratio)?;
        let scale = self.sizes.iter().find(|s| s.name == size)?.scale;
        Some((
            (w as f64 * scale).round() as u32,
            (h as f64 * scale).round() as u32,
        ))
    }

    /// The size spec to use when the caller named none.
    pub fn default_size_spec(&self) -> &SizeSpec {
        self.sizes
            .iter()
            .find(|s| s.name == self.default_size)
            .unwrap_or(&self.sizes[0])
    }

    /// List price of one image at `size` on `lane` (size falls back to the default).
    pub fn image_price(&self, size: Option<&str>, lane: Lane) -> f64 {
        let spec = size
            .and_then(|n| self.sizes.iter().find(|s| s.name == n))
            .unwrap_or_else(|| self.default_size_spec());
        match lane {
            Lane::Interactive => spec.usd,
            Lane::Batch => spec.batch_usd,
        }
    }

    /// Cost of one response from its token counts.
    pub fn cost_from_usage(&self, usage: &UsageCounts, lane: Lane) -> f64 {
        let p = &self.prices;
        let per = |tokens: u64, rate: f64| tokens as f64 * rate / 1_000_000.0;
        let full = per(usage.prompt_tokens, p.input_per_million)
            + per(usage.image_output_tokens, p.image_output_per_million)
            + per(usage.text_output_tokens, p.text_output_per_million);
        match lane {
            Lane::Interactive => full,
            Lane::Batch => full / 2.0,
        }
    }

    /// Approximate prompt length limit in characters (four per token).
    pub fn prompt_char_limit(&self) -> usize {
        self.input_token_limit as usize * 4
    }
}

/// Token counts that drive cost, taken from a response's usage metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsageCounts {
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Image output tokens.
    pub image_output_tokens: u64,
    /// Text and thinking output tokens.
    pub text_output_tokens: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::shipped().expect("shipped registry parses")
    }

    #[test]
    fn resolves_ids_aliases_and_prefixes() {
        let r = registry();
        assert_eq!(
            r.resolve("nano-banana-2").unwrap().id,
            "gemini-3.1-flash-image"
        );
        assert_eq!(
            r.resolve("Nano-Banana-Pro").unwrap().id,
            "gemini-3-pro-image"
        );
        assert_eq!(
            r.resolve("models/gemini-3-pro-image").unwrap().id,
            "gemini-3-pro-image"
        );
        assert_eq!(r.default_spec().id, "gemini-3.1-flash-image");
        let err = r.resolve("gemini-9").unwrap_err().to_string();
        assert!(
            err.contains("gemini-9") && err.contains("peel models"),
            "{err}"
        );
    }

    #[test]
    fn pixel_sizes_match_the_published_tables() {
        let r = registry();
        let flash = r.resolve("gemini-3.1-flash-image").unwrap();
        assert_eq!(flash.pixels("1:1", "512"), Some((512, 512)));
        assert_eq!(flash.pixels("16:9", "512"), Some((688, 384)));
        assert_eq!(flash.pixels("16:9", "2K"), Some((2752, 1536)));
        assert_eq!(flash.pixels("16:9", "4K"), Some((5504, 3072)));
        assert_eq!(flash.pixels("8:1", "4K"), Some((12288, 1536)));
        let old = r.resolve("gemini-2.5-flash-image").unwrap();
        assert_eq!(old.pixels("16:9", "1MP"), Some((1344, 768)));
    }

    #[test]
    fn refuses_values_the_model_does_not_take() {
        let r = registry();
        let pro = r.resolve("gemini-3-pro-image").unwrap();
        let err = pro.check_aspect("8:1").unwrap_err().to_string();
        assert!(err.contains("8:1") && err.contains("16:9"), "{err}");
        assert!(pro.size("512").is_err());
        let err = r
            .resolve("gemini-3.1-flash-image")
            .unwrap()
            .size("1k")
            .unwrap_err()
            .to_string();
        assert!(err.contains("1k") && err.contains("1K"), "{err}");
        let old = r.resolve("gemini-2.5-flash-image").unwrap();
        assert!(
            old.size("2K")
                .unwrap_err()
                .to_string()
                .contains("fixed size")
        );
        assert!(pro.check_thinking("high").is_err());
        assert!(pro.check_grounding("image").is_err());
        assert!(
            r.resolve("gemini-3.1-flash-image")
                .unwrap()
                .check_grounding("image")
                .is_ok()
        );
    }

    #[test]
    fn user_file_overrides_and_adds_models() {
        let user = r#"
            [models."my-model"]
            display_name = "Mine"
            pixels = "gemini3"
            aspect_ratios = ["1:1"]
            default_size = "1K"
            output_mime = "image/png"
            input_token_limit = 1000
            references = { characters = 1, objects = 1, images = 2 }
            prices = { input_per_million = 1.0, text_output_per_million = 1.0, image_output_per_million = 1.0 }
            sizes = [{ name = "1K", scale = 1.0, image_tokens = 10, usd = 0.5, batch_usd = 0.25 }]
        "#;
        let r = Registry::from_sources(&[("shipped", SHIPPED_MODELS), ("user", user)]).unwrap();
        assert_eq!(
            r.resolve("my-model").unwrap().pixels("1:1", "1K"),
            Some((1024, 1024))
        );
        assert!(r.resolve("gemini-3-pro-image").is_ok());
        let bad = Registry::from_sources(&[("user", "[models.x]\ncolour = 1")]).unwrap_err();
        assert!(bad.to_string().contains("user"), "{bad}");
    }

    #[test]
    fn cost_follows_token_counts_and_lane() {
        let r = registry();
        let flash = r.resolve("gemini-3.1-flash-image").unwrap();
        let usage = UsageCounts {
            prompt_tokens: 0,
            image_output_tokens: 1120,
            text_output_tokens: 0,
        };
        let cost = flash.cost_from_usage(&usage, Lane::Interactive);
        assert!((cost - 0.0672).abs() < 1e-9, "{cost}");
        assert!((flash.cost_from_usage(&usage, Lane::Batch) - 0.0336).abs() < 1e-9);
        assert_eq!(flash.image_price(Some("4K"), Lane::Interactive), 0.151);
    }
}
