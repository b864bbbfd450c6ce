//! Checking every item of a batch file against the registry before anything runs, and
//! resolving defaults (item → file `[defaults]` → config `[defaults]` → registry).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::anchors::{check_anchors, check_budget, roster_anchors};
use super::error::{BatchError, BatchIssue};
use super::file::{Origin, RawBatch, RawItem};
use crate::api::wire::SafetySetting;
use crate::config::DefaultsSection;
use crate::imaging;
use crate::models::{Lane, ModelSpec, Registry};
use crate::store::Store;
use crate::studio::StudioError;
use crate::studio::compose::Subject;
use crate::studio::output::slug;
use crate::studio::roster::{Anchor, Roster};
use crate::studio::seed::SeedMode;
use crate::studio::shot::subjects_named;
use crate::studio::spec::{GenerateSpec, Grounding};

/// Longest item key.
pub const MAX_KEY_LEN: usize = 64;

/// Longest key derived from a prompt.
const DERIVED_KEY_LEN: usize = 32;

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
    /// Anchor names from the roster, put in shot with their reference images.
    #[serde(default)]
    pub with: Vec<String>,
    /// Reference images, absolute.
    #[serde(default)]
    pub refs: Vec<PathBuf>,
    /// Safety thresholds (from the config's `[defaults] safety`).
    #[serde(default)]
    pub safety: Vec<SafetySetting>,
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
            preset: None,
            refs: self.refs.clone(),
            thinking: self.thinking.clone(),
            grounding: self.grounding,
            count: 1,
            out_dir: out_dir.to_path_buf(),
            subjects,
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

    /// List price of this item's image on `lane`.
    pub fn price(&self, registry: &Registry, lane: Lane) -> f64 {
        registry
            .resolve(&self.model)
            .map(|m| m.image_price(Some(&self.size), lane))
            .unwrap_or(0.0)
    }
}

/// A validated batch file.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The file, absolute.
    pub path: PathBuf,
    /// Items in order.
    pub items: Vec<BatchItem>,
}

impl Batch {
    /// Digits used for `NNN` (at least three).
    pub fn index_width(&self) -> usize {
        index_width(self.items.len())
    }
}

/// Digits used for `NNN` with `count` items (at least three).
pub fn index_width(count: usize) -> usize {
    count.to_string().len().max(3)
}

/// Reads, parses and validates a batch file against the registry and the roster (`anchors`;
/// `None` skips the roster check); any problem refuses the whole file.
pub fn load(
    path: &Path,
    registry: &Registry,
    config: &DefaultsSection,
    anchors: Option<&[Anchor]>,
) -> Result<Batch, BatchError> {
    let raw = super::file::read(path)?;
    validate_with_roster(raw, registry, config, anchors)
}

/// Validates a parsed file without a roster check, collecting every problem.
pub fn validate(
    raw: RawBatch,
    registry: &Registry,
    config: &DefaultsSection,
) -> Result<Batch, BatchError> {
    validate_with_roster(raw, registry, config, None)
}

/// Validates a parsed file, `with` names checked against `anchors` when given.
pub fn validate_with_roster(
    raw: RawBatch,
    registry: &Registry,
    config: &DefaultsSection,
    anchors: Option<&[Anchor]>,
) -> Result<Batch, BatchError> {
    let mut issues = Vec::new();
    let mut checked_refs: HashMap<PathBuf, Option<String>> = HashMap::new();
    let explicit: Vec<Option<String>> = raw.items.iter().map(|(i, _)| i.key.clone()).collect();
    let mut keys = KeyBook::default();
    let mut items = Vec::with_capacity(raw.items.len());
    for (n, (item, origin)) in raw.items.iter().enumerate() {
        let mut ctx = ItemCtx {
            index: n + 1,
            key: item.key.clone(),
            origin,
            raw: &raw,
            issues: &mut issues,
        };
        let key = keys.take(item, &explicit, &mut ctx);
        let checks = Checks {
            registry,
            config,
            anchors,
        };
        if let Some(resolved) = validate_item(item, key, &mut ctx, &checks, &mut checked_refs) {
            items.push(resolved);
        }
    }
    if !issues.is_empty() {
        return Err(BatchError::new(&raw.path, issues));
    }
    let path = std::path::absolute(&raw.path).unwrap_or(raw.path);
    Ok(Batch { path, items })
}

pub(super) struct ItemCtx<'a> {
    index: usize,
    key: Option<String>,
    origin: &'a Origin,
    raw: &'a RawBatch,
    issues: &'a mut Vec<BatchIssue>,
}

impl ItemCtx<'_> {
    /// Records a problem with `field`; a value that came from `[defaults]` points there.
    pub(super) fn fail(&mut self, field: &str, from_default: bool, message: impl Into<String>) {
        let mut message = message.into();
        let line = if from_default {
            message.push_str(" (value from [defaults])");
            self.raw
                .default_lines
                .get(field)
                .copied()
                .or(self.origin.line)
        } else {
            self.origin.line_of(field)
        };
        if let Some(combination) = &self.origin.combination {
            message.push_str(&format!(" [matrix: {combination}]"));
        }
        self.issues.push(BatchIssue {
            line,
            item: Some(self.index),
            key: self.key.clone(),
            field: Some(field.to_string()),
            message,
        });
    }
}

#[derive(Default)]
struct KeyBook {
    used: HashSet<String>,
}

impl KeyBook {
    fn take(&mut self, item: &RawItem, explicit: &[Option<String>], ctx: &mut ItemCtx) -> String {
        if let Some(key) = &item.key {
            if let Err(why) = check_key(key) {
                ctx.fail("key", false, why);
            } else if !self.used.insert(key.clone()) {
                ctx.fail(
                    "key",
                    false,
                    format!("key '{key}' is used by an earlier item; keys must be unique"),
                );
            }
            return key.clone();
        }
        let prompt = item.prompt.as_deref().unwrap_or("");
        let mut base = slug(prompt);
        base.truncate(DERIVED_KEY_LEN);
        let base = base.trim_end_matches('-').to_string();
        let taken = |k: &str, used: &HashSet<String>| {
            used.contains(k) || explicit.iter().flatten().any(|e| e == k)
        };
        let mut key = base.clone();
        let mut n = 2;
        while taken(&key, &self.used) {
            key = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(key.clone());
        ctx.key = Some(key.clone());
        key
    }
}

/// Keys become file names and Batch API metadata: letters, digits, `.`, `_`, `-`.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(format!("key must be 1 to {MAX_KEY_LEN} characters"));
    }
    let ok = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !key.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "key '{key}' may hold only letters, digits, '.', '_' and '-' (and not start with '.'), because it becomes part of a file name"
        ))
    }
}

/// What items are checked against.
struct Checks<'a> {
    registry: &'a Registry,
    config: &'a DefaultsSection,
    anchors: Option<&'a [Anchor]>,
}

fn validate_item(
    item: &RawItem,
    key: String,
    ctx: &mut ItemCtx,
    checks: &Checks,
    checked_refs: &mut HashMap<PathBuf, Option<String>>,
) -> Option<BatchItem> {
    let (registry, config) = (checks.registry, checks.config);
    let before = ctx.issues.len();
    let d = &ctx.raw.defaults;
    let prompt = item.prompt.as_deref().map(str::trim).unwrap_or("");
    if prompt.is_empty() {
        let why = if item.prompt.is_none() {
            "every item needs a prompt"
        } else {
            "the prompt is empty; say what the image should show"
        };
        ctx.fail("prompt", false, why);
    }
    let (model_name, model_default) = pick(&item.model, &d.model, &config.model);
    let model: &ModelSpec = match model_name {
        Some(name) => match registry.resolve(&name) {
            Ok(m) => m,
            Err(e) => {
                ctx.fail("model", model_default, e.to_string());
                return None;
            }
        },
        None => registry.default_spec(),
    };
    if prompt.len() > model.prompt_char_limit() {
        ctx.fail(
            "prompt",
            false,
            format!(
                "the prompt is {} characters; {} takes about {} at most",
                prompt.len(),
                model.id,
                model.prompt_char_limit()
            ),
        );
    }
    let (aspect, aspect_default) = pick(&item.aspect, &d.aspect, &config.aspect);
    if let Some(a) = &aspect
        && let Err(e) = model.check_aspect(a)
    {
        ctx.fail("aspect", aspect_default, e.to_string());
    }
    let (size, size_default) = pick(&item.size, &d.size, &config.size);
    let size = match size {
        Some(s) => match model.size(&s) {
            Ok(spec) => spec.name.clone(),
            Err(e) => {
                ctx.fail("size", size_default, e.to_string());
                s
            }
        },
        None => model.default_size.clone(),
    };
    let (thinking, thinking_default) = pick(&item.thinking, &d.thinking, &config.thinking);
    let thinking = thinking.map(|t| t.to_ascii_lowercase());
    if let Some(t) = &thinking
        && let Err(e) = model.check_thinking(t)
    {
        ctx.fail("thinking", thinking_default, e.to_string());
    }
    let (grounding, grounding_default) = pick(&item.grounding, &d.grounding, &config.grounding);
    let grounding = match grounding.as_deref().map(Grounding::parse).transpose() {
        Ok(g) => g.unwrap_or_default(),
        Err(e) => {
            ctx.fail("grounding", grounding_default, e.to_string());
            Grounding::Off
        }
    };
    let grounding_check = match grounding {
        Grounding::Off => Ok(()),
        Grounding::Web => model.check_grounding("web"),
        Grounding::Image => model.check_grounding("image"),
    };
    if let Err(e) = grounding_check {
        ctx.fail("grounding", grounding_default, e.to_string());
    }
    let seed_default = item.seed.is_none() && d.seed.is_some();
    let seed = match item.seed.or(d.seed) {
        Some(s) if !(0..=i32::MAX as i64).contains(&s) => {
            ctx.fail(
                "seed",
                seed_default,
                format!("seed {s} is out of range; use 0 to {}", i32::MAX),
            );
            0
        }
        Some(s) => s,
        None => rand::random_range(0..i32::MAX as i64),
    };
    let with_default = item.with.is_none() && d.with.is_some();
    let with = item
        .with
        .clone()
        .or_else(|| d.with.clone())
        .unwrap_or_default();
    check_anchors(&with, with_default, ctx);
    let in_shot = roster_anchors(&with, with_default, checks.anchors, ctx);
    let refs_default = item.refs.is_none() && d.refs.is_some();
    let refs: Vec<PathBuf> = item
        .refs
        .as_ref()
        .or(d.refs.as_ref())
        .map(|list| {
            list.iter()
                .map(|r| resolve_ref(&ctx.raw.base_dir, r))
                .collect()
        })
        .unwrap_or_default();
    for path in &refs {
        let verdict = checked_refs
            .entry(path.clone())
            .or_insert_with(|| imaging::load_reference(path).err());
        if let Some(reason) = verdict.clone() {
            ctx.fail(
                "refs",
                refs_default,
                format!("reference image {}: {reason}", path.display()),
            );
        }
    }
    check_budget(model, &refs, &with, in_shot.as_deref(), refs_default, ctx);
    if ctx.issues.len() > before {
        return None;
    }
    Some(BatchItem {
        index: ctx.index,
        key,
        prompt: prompt.to_string(),
        model: model.id.clone(),
        aspect,
        size,
        seed,
        thinking,
        grounding,
        with,
        refs,
        safety: config.safety.to_settings(),
    })
}

/// The first value set: the item's, the file's default, the config's. The flag says
/// whether it came from the file's `[defaults]` (for error locations).
fn pick(
    item: &Option<String>,
    file: &Option<String>,
    config: &Option<String>,
) -> (Option<String>, bool) {
    match (item, file) {
        (Some(v), _) => (Some(v.clone()), false),
        (None, Some(v)) => (Some(v.clone()), true),
        (None, None) => (config.clone(), false),
    }
}

fn resolve_ref(base: &Path, name: &str) -> PathBuf {
    let path = Path::new(name);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    std::path::absolute(&joined).unwrap_or(joined)
}
