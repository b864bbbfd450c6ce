//! The tools' input: serde structs whose doc comments become each tool's JSON schema.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::settings::{SettingTexts, parse_with};
use crate::studio::request::GenRequest;

/// Generation settings shared by `generate` and `edit`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GenSettings {
    /// Model id or alias (the `models` tool lists them). Default: the configured one.
    pub model: Option<String>,
    /// Aspect ratio, e.g. "16:9", as the model allows.
    pub aspect: Option<String>,
    /// Image size: "512", "1K", "2K" or "4K", as the model allows (the `models` tool says which).
    pub size: Option<String>,
    /// Seed; with count > 1 each request uses seed+1, seed+2, … (see `seed_mode`).
    pub seed: Option<i64>,
    /// How seeds go across `count` requests: "random" (no seed), "fixed" (all use `seed`) or
    /// "increment" (seed, seed+1, …; the default).
    pub seed_mode: Option<String>,
    /// Safety thresholds as "CATEGORY=THRESHOLD", e.g. "harassment=block_only_high" or
    /// "HARM_CATEGORY_HATE_SPEECH=OFF"; a bad one is refused with the allowed values.
    #[serde(default)]
    pub safety: Vec<String>,
    /// Who may appear in images: "allow_all", "allow_adult" or "allow_none" (Vertex AI only;
    /// refused on other backends).
    pub person_generation: Option<String>,
    /// Reference image files (png, jpeg or webp).
    #[serde(default)]
    pub refs: Vec<String>,
    /// Roster anchors to put in shot, by name (see `roster_list`).
    #[serde(default)]
    pub with: Vec<String>,
    /// A named preset to start from; settings given here override it.
    pub preset: Option<String>,
    /// Thinking level, as the model allows (the `models` tool lists each model's levels,
    /// e.g. "minimal", "medium", "high").
    pub thinking: Option<String>,
    /// Google Search grounding: "off", "web" or "image".
    pub grounding: Option<String>,
    /// Service tier: "standard", "flex" (half price, minutes of latency) or "priority"
    /// (a premium, seconds).
    pub tier: Option<String>,
    /// With tier "flex": "standard" re-sends a request the service shed after its window
    /// instead of failing.
    pub fallback: Option<String>,
    /// Output folder. Default: peel-out/ in the server's working directory.
    pub out: Option<String>,
}

impl GenSettings {
    /// The engine's request for these settings.
    pub fn request(&self) -> GenRequest {
        GenRequest {
            settings: SettingTexts::from(self),
            preset: self.preset.clone(),
            refs: self.refs.iter().map(PathBuf::from).collect(),
            person_generation: self.person_generation.clone(),
        }
    }
}

impl From<&GenSettings> for SettingTexts {
    fn from(settings: &GenSettings) -> Self {
        SettingTexts {
            model: settings.model.clone(),
            aspect: settings.aspect.clone(),
            size: settings.size.clone(),
            seed: settings.seed,
            seed_mode: settings.seed_mode.clone(),
            safety: settings.safety.clone(),
            thinking: settings.thinking.clone(),
            grounding: settings.grounding.clone(),
            tier: settings.tier.clone(),
            fallback: settings.fallback.clone(),
            with: (!settings.with.is_empty()).then(|| parse_with(&settings.with)),
        }
    }
}

/// `generate`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GenerateParams {
    /// What the image should show.
    pub prompt: String,
    /// Number of requests to run concurrently (default 1).
    pub count: Option<u32>,
    /// Generation settings.
    #[serde(flatten)]
    pub settings: GenSettings,
}

/// `edit`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EditParams {
    /// The session id (or a unique prefix) from `generate` or `history`. Give this or
    /// `image_path`.
    pub session: Option<String>,
    /// An image file to start a new session from: the instruction is applied to it (as
    /// `peel edit IMAGE_PATH` does). Give this or `session`.
    pub image_path: Option<String>,
    /// What to change, e.g. "make the sky more orange".
    pub instruction: String,
    /// Continue from this turn instead of the latest (forks a new branch).
    pub from: Option<i64>,
    /// Generation settings.
    #[serde(flatten)]
    pub settings: GenSettings,
}

/// `session_show`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SessionParams {
    /// The session id or a unique prefix.
    pub session: String,
}

/// `roster_add`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RosterAddParams {
    /// "character" (at most five) or "object".
    pub kind: String,
    /// The anchor's name, as used in prompts and in `with`.
    pub name: String,
    /// Visual identifiers restated in every shot ("orange puffer jacket, natural hair").
    #[serde(default)]
    pub description: String,
    /// Reference image files (png, jpeg or webp).
    #[serde(default)]
    pub refs: Vec<String>,
}

/// `lint`
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct LintParams {
    /// A prompt to check.
    pub prompt: Option<String>,
    /// Or a file: a text file holding a prompt, or a batch file (.toml or .jsonl).
    pub file: Option<String>,
    /// Anchors in shot, by name.
    #[serde(default)]
    pub with: Vec<String>,
    /// Model whose prompt length limit applies.
    pub model: Option<String>,
}

/// `history`
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HistoryParams {
    /// Only jobs whose prompt or model contains this text.
    pub search: Option<String>,
    /// At most this many jobs, newest first (default 50).
    pub limit: Option<usize>,
}

/// `batch_plan`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct BatchPlanParams {
    /// The batch file (.toml or .jsonl).
    pub file: String,
    /// Requests per minute to plan for (default: the config's).
    pub rpm: Option<u32>,
    /// Requests in flight at once (default: the config's).
    pub concurrency: Option<usize>,
}

/// `batch_submit`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct BatchSubmitParams {
    /// The batch file (.toml or .jsonl); it must use one model.
    pub file: String,
    /// Upload the requests as a JSONL file even when they fit inline.
    #[serde(default)]
    pub via_file: bool,
    /// Folder in which the run's batch_YYYYmmdd_HHMMSS/ folder is made (default: peel-out/).
    pub out: Option<String>,
}

/// `batch_status`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct BatchNameParams {
    /// "batches/ID", "ID", or the run id `batch_submit` returned.
    pub name: String,
}

/// `batch_fetch`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct BatchFetchParams {
    /// "batches/ID", "ID", or the run id `batch_submit` returned.
    pub name: String,
}

/// `story`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct StoryParams {
    /// The story file (.toml): `[defaults]`, then `[[frame]]` tables in order.
    pub file: String,
    /// Folder the story's folder is made in (default: peel-out/).
    pub out: Option<String>,
    /// Service tier for every frame (over the file's): "standard", "flex" or "priority".
    pub tier: Option<String>,
}

/// `check`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CheckParams {
    /// Image files, or batch or story folders.
    pub paths: Vec<String>,
    /// Anchors to check every image against (default: those each image's sidecar names).
    pub with: Option<Vec<String>>,
    /// Service tier of the questions: "standard", "flex" or "priority".
    pub tier: Option<String>,
}
