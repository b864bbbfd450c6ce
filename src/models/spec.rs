//! One image model's capabilities and prices, and how a cost is reckoned from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::lifecycle::{Lifecycle, Origin, Status};
use super::tier::Tier;
use crate::error::ValidationError;

/// How `price_source` starts on an entry whose prices were copied by `peel models add`.
pub const COPIED_PRICE_PREFIX: &str = "copied from ";

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
    /// Lifecycle as Google's pages state it.
    #[serde(default)]
    pub status: Status,
    /// When Google deprecated the model (YYYY-MM-DD).
    #[serde(default)]
    pub deprecated_on: Option<String>,
    /// Shutdown date announced by Google, if any (YYYY-MM-DD).
    #[serde(default, alias = "shutdown")]
    pub shutdown_on: Option<String>,
    /// The model to move to when this one is deprecated or shut down.
    #[serde(default)]
    pub successor: Option<String>,
    /// Service tiers the model takes ("standard", "flex", "priority").
    #[serde(default = "super::tier::standard_only")]
    pub tiers: Vec<String>,
    /// The thinking level the service uses when none is sent (for display).
    #[serde(default)]
    pub default_thinking: Option<String>,
    /// Where the prices come from ("copied from …" marks an unverified copy).
    #[serde(default)]
    pub price_source: Option<String>,
    /// Which file the entry came from (filled when the registry is read).
    #[serde(skip)]
    pub origin: Origin,
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

    /// List price of one image at `size` on `lane` at the standard tier (size falls back to
    /// the default).
    pub fn image_price(&self, size: Option<&str>, lane: Lane) -> f64 {
        self.image_price_at(size, lane, Tier::Standard)
    }

    /// Estimated price of one image at `size` on `lane` and `tier`, for estimates and budgets
    /// (priority is estimated at its ceiling, twice the standard price).
    pub fn image_price_at(&self, size: Option<&str>, lane: Lane, tier: Tier) -> f64 {
        let spec = size
            .and_then(|n| self.sizes.iter().find(|s| s.name == n))
            .unwrap_or_else(|| self.default_size_spec());
        match lane {
            Lane::Interactive => spec.usd * tier.estimate_factor(),
            Lane::Batch => spec.batch_usd,
        }
    }

    /// Cost of one response from its token counts at the standard tier.
    pub fn cost_from_usage(&self, usage: &UsageCounts, lane: Lane) -> f64 {
        self.cost_from_usage_at(usage, lane, Tier::Standard)
    }

    /// Cost of one response from its token counts, at the tier that served it.
    pub fn cost_from_usage_at(&self, usage: &UsageCounts, lane: Lane, served: Tier) -> f64 {
        let p = &self.prices;
        let per = |tokens: u64, rate: f64| tokens as f64 * rate / 1_000_000.0;
        let full = per(usage.prompt_tokens, p.input_per_million)
            + per(usage.image_output_tokens, p.image_output_per_million)
            + per(usage.text_output_tokens, p.text_output_per_million);
        match lane {
            Lane::Interactive => full * served.charge_factor(),
            Lane::Batch => full / 2.0,
        }
    }

    /// Checks that the model takes `tier`, naming the tiers it does take.
    pub fn check_tier(&self, tier: Tier) -> Result<(), ValidationError> {
        super::tier::check_tier(&self.id, &self.tiers, tier)
    }

    /// The model's lifecycle fields.
    pub fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle {
            id: &self.id,
            display_name: &self.display_name,
            status: self.status,
            deprecated_on: self.deprecated_on.as_deref(),
            shutdown_on: self.shutdown_on.as_deref(),
            successor: self.successor.as_deref(),
        }
    }

    /// Whether the prices were copied from another model rather than taken from a source.
    pub fn price_unverified(&self) -> bool {
        self.price_source
            .as_deref()
            .is_some_and(|s| s.starts_with(COPIED_PRICE_PREFIX))
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
