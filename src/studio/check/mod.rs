//! The consistency check (`peel check`, review's `C`): for each image and each anchor it
//! was made with, a Gemini text model compares the anchor's reference images with the
//! image and answers a 0–100 identity score and a one-line note. Each question is recorded
//! in the store before it is sent; the answers go into the image's sidecar and its
//! folder's `manifest.json` under `consistency`.

mod ask;
mod record;

use std::path::{Path, PathBuf};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;

pub use record::record;

use crate::api::client::GeminiClient;
use crate::config::CheckSection;
use crate::error::ValidationError;
use crate::imaging;
use crate::models::{Registry, TextModelSpec, Tier};
use crate::store::Store;
use crate::studio::StudioError;
use crate::studio::batch::queue::is_kept_version;
use crate::studio::consistency::{AnchorScore, Consistency};
use crate::studio::output::sidecar_path;
use crate::studio::roster::{Anchor, Roster};

/// Questions in flight at once.
const CONCURRENCY: usize = 4;

/// One image to check, with the anchors to check it against.
#[derive(Debug, Clone)]
pub struct Target {
    /// The image.
    pub image: PathBuf,
    /// Anchors from `--with` or its sidecar, each with reference images.
    pub anchors: Vec<Anchor>,
}

/// An image left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The image.
    pub path: PathBuf,
    /// Why it is not checked.
    pub why: String,
}

/// What a check will do and cost, known before anything is sent.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    /// The text model asked.
    pub model: TextModelSpec,
    /// Images with their anchors.
    pub targets: Vec<Target>,
    /// Images left out.
    pub skipped: Vec<Skipped>,
    /// Questions to ask (image × anchor).
    pub questions: usize,
    /// Estimated cost in USD.
    pub estimate_usd: f64,
    /// Scores below this are drifted.
    pub warn_below: u8,
    /// The service tier the questions are asked at.
    pub tier: Tier,
}

/// One image's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageCheck {
    /// The image.
    pub path: PathBuf,
    /// Scores per anchor (those that answered).
    pub anchors: Vec<AnchorScore>,
    /// What its questions cost, in USD.
    pub cost_usd: f64,
    /// Why a question failed, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The text model asked.
    pub model: String,
    /// Results in the order the images were given.
    pub images: Vec<ImageCheck>,
    /// Images left out, and why.
    pub skipped: Vec<Skipped>,
    /// Spent in USD.
    pub cost_usd: f64,
    /// What was estimated before anything was sent, in USD.
    pub estimate_usd: f64,
    /// The threshold images were judged against.
    pub warn_below: u8,
}

impl CheckReport {
    /// The images some anchor scored below `warn_below` in.
    pub fn drifted(&self) -> Vec<&PathBuf> {
        self.images
            .iter()
            .filter(|i| i.anchors.iter().any(|a| a.score < self.warn_below))
            .map(|i| &i.path)
            .collect()
    }

    /// The body of `peel check --json` (and of the MCP `check` tool).
    pub fn json(&self) -> serde_json::Value {
        let usd = |amount: f64| (amount * 1e6).round() / 1e6;
        serde_json::json!({
            "images": self.images,
            "cost_usd": usd(self.cost_usd),
            "estimate_usd": usd(self.estimate_usd),
            "model": self.model,
            "warn_below": self.warn_below,
            "drifted": self.drifted(),
            "skipped": self.skipped,
        })
    }
}

/// The images under `paths` (files, or folders: their images less `sheet.png` and
/// re-rolled versions) with their anchors (`with`, else each image's sidecar), the model
/// and the estimate. Unknown paths, unknown anchors and nothing to check are refused.
pub fn plan(
    store: &Store,
    registry: &Registry,
    config: &CheckSection,
    paths: &[PathBuf],
    with: Option<&[String]>,
) -> Result<CheckPlan, StudioError> {
    if config.warn_below > 100 {
        return Err(refused(format!(
            "[check] warn_below is {}; give a score from 0 to 100",
            config.warn_below
        )));
    }
    let model = match &config.model {
        Some(name) => registry.resolve_text(name)?,
        None => registry.default_text_spec(),
    }
    .clone();
    let roster = Roster::new(store.clone())
        .list()
        .map_err(|e| refused(e.to_string()))?;
    let named = match with {
        Some(names) => Some(anchors_named(&roster, names)?),
        None => None,
    };
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for image in images_under(paths)? {
        let anchors = match &named {
            Some(anchors) => Ok(anchors.clone()),
            None => sidecar_anchors(&image, &roster),
        };
        match anchors {
            Ok(anchors) if !anchors.is_empty() => targets.push(Target { image, anchors }),
            Ok(_) => skipped.push(Skipped {
                path: image,
                why: "its sidecar names no anchors; give --with NAMES".into(),
            }),
            Err(why) => skipped.push(Skipped { path: image, why }),
        }
    }
    let questions: usize = targets.iter().map(|t| t.anchors.len()).sum();
    if questions == 0 {
        let why = skipped
            .first()
            .map(|s| format!(" ({}: {})", s.path.display(), s.why))
            .unwrap_or_default();
        return Err(refused(format!(
            "nothing to check: no image has an anchor with reference images{why}"
        )));
    }
    let estimate_usd = targets
        .iter()
        .flat_map(|t| &t.anchors)
        .map(|a| ask::estimate(&model, a.refs.len()))
        .sum();
    Ok(CheckPlan {
        model,
        targets,
        skipped,
        questions,
        estimate_usd,
        warn_below: config.warn_below,
        tier: Tier::Standard,
    })
}

impl CheckPlan {
    /// The plan with its questions asked at `tier` (refused when the text model does not
    /// take it), its estimate priced at that tier.
    pub fn at_tier(mut self, tier: Tier) -> Result<Self, StudioError> {
        self.model.check_tier(tier)?;
        self.estimate_usd *= tier.estimate_factor() / self.tier.estimate_factor();
        self.tier = tier;
        Ok(self)
    }
}

/// The check asks a Gemini text model: an OpenAI-compatible gateway (images only) cannot.
pub fn usable_on(backend: &crate::studio::backend::BackendLabel) -> Result<(), StudioError> {
    if backend.as_str() == "openai" {
        return Err(refused(
            "the consistency check asks a Gemini text model, which an OpenAI-compatible gateway does not serve; use --backend gemini or vertex",
        ));
    }
    Ok(())
}

/// Asks every question of `plan` (a few at a time), records each in the store before it is
/// sent, writes each image's result into its sidecar and manifest, and reports each image
/// to `on_image` as it completes.
pub async fn run(
    client: &GeminiClient,
    store: &Store,
    plan: &CheckPlan,
    mut on_image: impl FnMut(&ImageCheck),
) -> Result<CheckReport, StudioError> {
    let mut waiting = plan.targets.iter().enumerate();
    let mut running = FuturesUnordered::new();
    let mut images: Vec<ImageCheck> = Vec::with_capacity(plan.targets.len());
    // Answers come in any order; they are reported in the plan's (frame) order.
    let mut early: std::collections::BTreeMap<usize, ImageCheck> =
        std::collections::BTreeMap::new();
    loop {
        while running.len() < CONCURRENCY {
            let Some((n, target)) = waiting.next() else {
                break;
            };
            running.push(check_nth(
                client,
                store,
                (&plan.model, plan.tier),
                n,
                target,
            ));
        }
        let Some((n, result)) = running.next().await else {
            break;
        };
        if !result.anchors.is_empty() {
            let consistency = Consistency {
                model: plan.model.id.clone(),
                anchors: result.anchors.clone(),
            };
            if let Err(e) = record(&result.path, &consistency) {
                tracing::warn!("recording the check of {}: {e}", result.path.display());
            }
        }
        early.insert(n, result);
        while let Some(next) = early.remove(&images.len()) {
            on_image(&next);
            images.push(next);
        }
    }
    let cost_usd = images.iter().map(|i| i.cost_usd).sum();
    Ok(CheckReport {
        model: plan.model.id.clone(),
        images,
        skipped: plan.skipped.clone(),
        cost_usd,
        estimate_usd: plan.estimate_usd,
        warn_below: plan.warn_below,
    })
}

/// Plans and runs the check of `files` against the anchors their sidecars name (what the
/// review grid's `C` does); a refusal is an error saying why.
pub async fn check_files(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    config: &CheckSection,
    files: &[PathBuf],
) -> Result<CheckReport, StudioError> {
    let plan = plan(store, registry, config, files, None)?;
    run(client, store, &plan, |_| {}).await
}

/// The text model asked, and the tier it is asked at.
type Judge<'a> = (&'a TextModelSpec, Tier);

async fn check_nth(
    client: &GeminiClient,
    store: &Store,
    judge: Judge<'_>,
    n: usize,
    target: &Target,
) -> (usize, ImageCheck) {
    (n, check_image(client, store, judge, target).await)
}

/// Asks about each anchor of one image in turn.
async fn check_image(
    client: &GeminiClient,
    store: &Store,
    judge: Judge<'_>,
    target: &Target,
) -> ImageCheck {
    let mut result = ImageCheck {
        path: target.image.clone(),
        anchors: Vec::new(),
        cost_usd: 0.0,
        error: None,
    };
    let image = match imaging::load_reference(&target.image) {
        Ok(r) => (r.mime.to_string(), r.bytes),
        Err(why) => {
            result.error = Some(format!("{}: {why}", target.image.display()));
            return result;
        }
    };
    for anchor in &target.anchors {
        match ask_one(client, store, judge, anchor, &target.image, image.clone()).await {
            Ok((score, note, cost)) => {
                result.cost_usd += cost;
                result.anchors.push(AnchorScore {
                    name: anchor.name.clone(),
                    score,
                    note,
                });
            }
            Err(why) => result.error = Some(format!("{}: {why}", anchor.name)),
        }
    }
    result
}

async fn ask_one(
    client: &GeminiClient,
    store: &Store,
    (model, tier): Judge<'_>,
    anchor: &Anchor,
    path: &Path,
    image: (String, Vec<u8>),
) -> Result<(u8, String, f64), String> {
    let mut references = Vec::with_capacity(anchor.refs.len());
    for reference in &anchor.refs {
        let loaded = imaging::load_reference(reference)
            .map_err(|why| format!("reference {}: {why}", reference.display()))?;
        references.push((loaded.mime.to_string(), loaded.bytes));
    }
    let mut request = ask::request(anchor, &references, image);
    request.service_tier = (tier != Tier::Standard).then(|| tier.as_str().to_string());
    let id = store
        .start_check(&path.display().to_string(), &anchor.name, &model.id)
        .map_err(|e| e.to_string())?;
    let answer = client
        .generate_content(&model.id, &request, |_| {})
        .await
        .map_err(|e| e.to_string())
        .and_then(|answer| ask::read_answer(&answer, model))
        .map(|(score, note, cost)| (score, note, cost * tier.charge_factor()));
    match answer {
        Ok((score, note, cost)) => {
            store
                .finish_check(id, score, &note, cost)
                .map_err(|e| e.to_string())?;
            Ok((score, note, cost))
        }
        Err(why) => {
            let _ = store.fail_check(id, &why);
            Err(why)
        }
    }
}

/// Image files under `paths`, in the order given (a folder's sorted); a missing path is
/// refused.
fn images_under(paths: &[PathBuf]) -> Result<Vec<PathBuf>, StudioError> {
    let mut images = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = imaging::thumbs::images_in(path)
                .map_err(|e| refused(format!("cannot read the folder {}: {e}", path.display())))?;
            images.extend(found.into_iter().filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                name != "sheet.png" && !is_kept_version(&name)
            }));
        } else if path.is_file() {
            images.push(path.clone());
        } else {
            return Err(refused(format!(
                "{} does not exist; give image files or a batch or story folder",
                path.display()
            )));
        }
    }
    Ok(images)
}

/// The roster's anchors named, each required to have reference images.
fn anchors_named(roster: &[Anchor], names: &[String]) -> Result<Vec<Anchor>, StudioError> {
    let mut found = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let Some(anchor) = roster.iter().find(|a| a.name.eq_ignore_ascii_case(name)) else {
            let known: Vec<&str> = roster.iter().map(|a| a.name.as_str()).collect();
            return Err(refused(format!(
                "no anchor is named '{name}'. The roster has: {}.",
                if known.is_empty() {
                    "nothing yet".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        if anchor.refs.is_empty() {
            return Err(refused(format!(
                "anchor '{}' has no reference images to compare with; add one with `peel roster promote IMAGE {}`",
                anchor.name, anchor.name
            )));
        }
        found.push(anchor.clone());
    }
    Ok(found)
}

/// The anchors an image's sidecar says it was made with (those with reference images).
fn sidecar_anchors(image: &Path, roster: &[Anchor]) -> Result<Vec<Anchor>, String> {
    let Ok(bytes) = std::fs::read(sidecar_path(image)) else {
        return Err("it has no sidecar naming its anchors; give --with NAMES".into());
    };
    let sidecar: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("its sidecar cannot be read ({e})"))?;
    let names: Vec<&str> = sidecar["anchors"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    let mut anchors = Vec::new();
    for name in names {
        match roster.iter().find(|a| a.name.eq_ignore_ascii_case(name)) {
            Some(anchor) if !anchor.refs.is_empty() => anchors.push(anchor.clone()),
            Some(_) => {}
            None => {
                return Err(format!(
                    "it was made with anchor '{name}', which is not in the roster now; give --with NAMES"
                ));
            }
        }
    }
    Ok(anchors)
}

fn refused(message: impl Into<String>) -> StudioError {
    StudioError::Validation(ValidationError::Invalid(message.into()))
}
