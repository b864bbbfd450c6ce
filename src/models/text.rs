//! Text models: what `peel check` asks for judgements, and what they cost.

use serde::{Deserialize, Serialize};

use super::lifecycle::{Lifecycle, Origin, Status};
use super::tier::Tier;
use crate::error::ValidationError;

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
    /// Where the prices come from.
    #[serde(default)]
    pub price_source: Option<String>,
    /// Service tiers the model takes ("standard", "flex", "priority").
    #[serde(default = "super::tier::standard_only")]
    pub tiers: Vec<String>,
    /// Which file the entry came from (filled when the registry is read).
    #[serde(skip)]
    pub origin: Origin,
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

    /// Cost in USD of `input` prompt tokens and `output` answer tokens.
    pub fn cost(&self, input: u64, output: u64) -> f64 {
        (input as f64 * self.prices.input_per_million
            + output as f64 * self.prices.output_per_million)
            / 1e6
    }
}
