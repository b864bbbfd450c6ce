//! One batch item as validated and resolved: what is queued, stored, sent and planned.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::models::{Lane, Registry, Tier};
use crate::settings::Grounding;
use crate::settings::SafetySetting;
use crate::settings::SeedMode;
use crate::store::Store;
use crate::studio::StudioError;
use crate::studio::compose::Subject;
use crate::studio::roster::Roster;
use crate::studio::shot::subjects_named;
use crate::studio::spec::GenerateSpec;

/// One item, validated and fully resolved: what is queued and sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItem {
    /// 1-based position in the file (matrix items after `[[item]]`s).
    pub index: usize,
    /// Unique key: output names and Batch API metadata.
    pub key: String,
    /// The prompt.
    pub prompt: String,
    /// Canonical model id.
    pub model: String,
    /// Aspect ratio (None: the model's default).
    pub aspect: Option<String>,
    /// Size name.
    pub size: String,
    /// Seed, resolved once so a resumed run sends the same request.
    pub seed: i64,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Grounding.
    pub grounding: Grounding,
    /// Service tier.
    #[serde(default)]
    pub tier: Tier,
    /// The tier a shed flex request falls back to after its window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Tier>,
    /// Anchor names from the roster, put in shot with their reference images.
    #[serde(default)]
    pub with: Vec<String>,
    /// Reference images, absolute.
    #[serde(default)]
    pub refs: Vec<PathBuf>,
    /// Safety thresholds (from a preset and the config's `[defaults] safety`).
    #[serde(default)]
    pub safety: Vec<SafetySetting>,
    /// The preset in force (the item's, else the file `[defaults]`'s), recorded in sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// For an item of a promoted run: the image it re-renders bigger (its sidecars link it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_from: Option<PathBuf>,
    /// For a story frame after the first: the index of the frame before it, whose final
    /// image this frame carries as a labelled reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<usize>,
    /// For a promoted story frame: the draft story's previous frame, carried as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_frame: Option<PathBuf>,
}

impl BatchItem {
    /// `NNN_<key>`, zero-padded to `width` digits.
    pub fn file_stem(&self, width: usize) -> String {
        format!("{:0width$}_{}", self.index, self.key)
    }

    /// The engine request for this item, writing into `out_dir`, with `subjects` in shot.
    pub fn to_spec(&self, out_dir: &Path, subjects: Vec<Subject>) -> GenerateSpec {
        GenerateSpec {
            prompt: self.prompt.clone(),
            model: Some(self.model.clone()),
            aspect: self.aspect.clone(),
            size: Some(self.size.clone()),
            seed: Some(self.seed),
            seed_mode: SeedMode::Fixed,
            safety: self.safety.clone(),
            preset: self.preset.clone(),
            refs: self.refs.clone(),
            thinking: self.thinking.clone(),
            grounding: self.grounding,
            tier: self.tier,
            fallback: self.fallback,
            count: 1,
            out_dir: out_dir.to_path_buf(),
            subjects,
            previous_frame: None,
        }
    }

    /// The engine request, with the `with` anchors read from the roster in `store`.
    pub fn spec_with_roster(
        &self,
        out_dir: &Path,
        store: &Store,
    ) -> Result<GenerateSpec, StudioError> {
        let subjects = if self.with.is_empty() {
            Vec::new()
        } else {
            subjects_named(&Roster::new(store.clone()), &self.with)?
        };
        Ok(self.to_spec(out_dir, subjects))
    }

    /// The engine request for this item of run `run`: its anchors from the roster and, for
    /// a story frame, the frame before it (refused while that frame has no image).
    pub fn spec_in_run(
        &self,
        out_dir: &Path,
        store: &Store,
        run: i64,
    ) -> Result<GenerateSpec, StudioError> {
        let mut spec = self.spec_with_roster(out_dir, store)?;
        spec.previous_frame = self.previous_frame.clone();
        if let Some(before) = self.follows {
            let frame = store
                .batch_item(run, before)?
                .filter(|row| row.state == "done")
                .and_then(|row| row.files.first().map(|f| out_dir.join(f)));
            let Some(frame) = frame else {
                return Err(StudioError::NotReady(format!(
                    "frame {before} has no image yet, and frame {} carries it; `peel batch resume {run}` makes frame {before} first",
                    self.index
                )));
            };
            spec.previous_frame = Some(frame);
        }
        Ok(spec)
    }

    /// Estimated price of this item's image on `lane`, at its tier on the interactive lane.
    pub fn price(&self, registry: &Registry, lane: Lane) -> f64 {
        self.price_at(registry, lane, self.tier)
    }

    /// Estimated price of this item's image on `lane` at `tier` (for plans that compare).
    pub fn price_at(&self, registry: &Registry, lane: Lane, tier: Tier) -> f64 {
        registry
            .resolve(&self.model)
            .map(|m| m.image_price_at(Some(&self.size), lane, tier))
            .unwrap_or(0.0)
    }
}
