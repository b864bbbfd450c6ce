//! Checking every item of a batch file against the registry before anything runs, and
//! resolving its settings (item → item's preset → file `[defaults]` → their preset →
//! config `[defaults]` → registry; see `settings`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::anchors::{check_anchors, check_budget, roster_anchors};
use super::error::{BatchError, BatchIssue};
use super::file::{Origin, RawBatch, RawItem};
pub use super::item::BatchItem;
use super::settings::{ItemSettings, SettingIssue, SharedLayers, Source, resolve};
use crate::config::DefaultsSection;
use crate::imaging;
use crate::models::{ModelSpec, Registry};
use crate::settings::{Field, Grounding, SettingsLayer};
use crate::studio::output::slug;
use crate::studio::preset::PresetBook;
use crate::studio::roster::Anchor;

/// Longest item key.
pub const MAX_KEY_LEN: usize = 64;

/// Longest key derived from a prompt.
const DERIVED_KEY_LEN: usize = 32;

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

/// Digits of a run's file names when its highest index is `max`: a batch's `NNN`, a
/// story's `NN` (more when over 99).
pub fn run_index_width(run: &crate::store::RunRow, max: usize) -> usize {
    if run.is_story() {
        max.to_string().len().max(2)
    } else {
        index_width(max)
    }
}

/// What a batch file is checked and resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    /// Models, ratios, sizes.
    pub registry: &'a Registry,
    /// The config's `[defaults]`, the lowest layer.
    pub config: &'a DefaultsSection,
    /// Presets items and `[defaults]` may name.
    pub presets: &'a PresetBook,
    /// The roster `with` names are checked against (`None` skips that check).
    pub anchors: Option<&'a [Anchor]>,
}

/// Reads, parses and validates a batch file; any problem refuses the whole file.
pub fn load(path: &Path, checks: &Checks) -> Result<Batch, BatchError> {
    let raw = super::file::read(path)?;
    validate(raw, checks)
}

/// Validates a parsed file, collecting every problem.
pub fn validate(raw: RawBatch, checks: &Checks) -> Result<Batch, BatchError> {
    let mut issues = Vec::new();
    let (shared, shared_issues) = shared_layers(&raw, checks);
    issues.extend(shared_issues);
    let mut checked_refs: HashMap<PathBuf, Option<String>> = HashMap::new();
    let explicit: HashSet<&str> = raw
        .items
        .iter()
        .filter_map(|(i, _)| i.key.as_deref())
        .collect();
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
        let settings = resolve_reporting(item, &shared, checks.presets, &mut ctx);
        if let Some(resolved) =
            validate_item(item, key, &settings, &mut ctx, checks, &mut checked_refs)
        {
            items.push(resolved);
        }
    }
    if !issues.is_empty() {
        return Err(BatchError::new(&raw.path, issues));
    }
    let path = std::path::absolute(&raw.path).unwrap_or(raw.path);
    Ok(Batch { path, items })
}

/// Every item's settings stacked, without the registry's checks (for advice such as
/// `peel lint`); an unknown preset or unreadable value refuses the file as `validate` does.
pub fn resolve_settings(raw: &RawBatch, checks: &Checks) -> Result<Vec<ItemSettings>, BatchError> {
    let (shared, mut issues) = shared_layers(raw, checks);
    let mut resolved = Vec::with_capacity(raw.items.len());
    for (n, (item, origin)) in raw.items.iter().enumerate() {
        let mut ctx = ItemCtx {
            index: n + 1,
            key: item.key.clone(),
            origin,
            raw,
            issues: &mut issues,
        };
        resolved.push(resolve_reporting(item, &shared, checks.presets, &mut ctx));
    }
    if issues.is_empty() {
        Ok(resolved)
    } else {
        Err(BatchError::new(&raw.path, issues))
    }
}

/// The item's settings; problems (an unknown preset, say) go into `ctx`.
fn resolve_reporting(
    item: &RawItem,
    shared: &SharedLayers,
    presets: &PresetBook,
    ctx: &mut ItemCtx,
) -> ItemSettings {
    let (settings, problems) = resolve(item, shared, presets);
    for issue in problems {
        ctx.fail(issue.field, &issue.source, issue.message);
    }
    settings
}

/// The layers every item shares; problems in them are reported once, at `[defaults]`.
fn shared_layers(raw: &RawBatch, checks: &Checks) -> (SharedLayers, Vec<BatchIssue>) {
    let mut issues = Vec::new();
    let config = SettingsLayer::from_defaults(checks.config).unwrap_or_else(|e| {
        issues.push(BatchIssue::file(format!(
            "{e}; fix the config file (`peel config path`)"
        )));
        SettingsLayer::default()
    });
    let (shared, problems) = SharedLayers::new(&raw.defaults, checks.presets, config);
    issues.extend(problems.into_iter().map(|p| defaults_issue(raw, p)));
    (shared, issues)
}

fn defaults_issue(raw: &RawBatch, issue: SettingIssue) -> BatchIssue {
    BatchIssue::at(
        raw.default_lines.get(issue.field).copied(),
        issue.field,
        format!("in [defaults]: {}", issue.message),
    )
}

pub(super) struct ItemCtx<'a> {
    index: usize,
    key: Option<String>,
    origin: &'a Origin,
    raw: &'a RawBatch,
    issues: &'a mut Vec<BatchIssue>,
}

impl ItemCtx<'_> {
    /// Records a problem with `field`, pointing at the line of the layer that set it.
    pub(super) fn fail(&mut self, field: &str, source: &Source, message: impl Into<String>) {
        let mut message = message.into();
        let default_line = |name: &str| self.raw.default_lines.get(name).copied();
        let line = match source {
            Source::Item => self.origin.line_of(field),
            Source::ItemPreset(name) => {
                message.push_str(&format!(" (value from preset '{name}')"));
                self.origin.line_of("preset")
            }
            Source::Defaults => {
                message.push_str(" (value from [defaults])");
                default_line(field).or(self.origin.line)
            }
            Source::DefaultsPreset(name) => {
                message.push_str(&format!(" (value from preset '{name}' in [defaults])"));
                default_line("preset").or(self.origin.line)
            }
            Source::Config => {
                message.push_str(" (value from the config's [defaults])");
                self.origin.line
            }
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

/// Keys handed out so far; derived keys count up per base (`fox`, `fox-2`, …) without
/// rescanning, so a file of many similar prompts stays linear.
#[derive(Default)]
struct KeyBook {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl KeyBook {
    fn take(&mut self, item: &RawItem, explicit: &HashSet<&str>, ctx: &mut ItemCtx) -> String {
        if let Some(key) = &item.key {
            if let Err(why) = check_key(key) {
                ctx.fail("key", &Source::Item, why);
            } else if !self.used.insert(key.clone()) {
                ctx.fail(
                    "key",
                    &Source::Item,
                    format!("key '{key}' is used by an earlier item; keys must be unique"),
                );
            }
            return key.clone();
        }
        let prompt = item.prompt.as_deref().unwrap_or("");
        let mut base = slug(prompt);
        base.truncate(DERIVED_KEY_LEN);
        let base = base.trim_end_matches('-').to_string();
        let taken = |k: &str, used: &HashSet<String>| used.contains(k) || explicit.contains(k);
        let mut n = self.next_suffix.get(&base).copied().unwrap_or(1);
        let mut key = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        while taken(&key, &self.used) {
            n += 1;
            key = format!("{base}-{n}");
        }
        self.next_suffix.insert(base, n + 1);
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

fn validate_item(
    item: &RawItem,
    key: String,
    resolved: &ItemSettings,
    ctx: &mut ItemCtx,
    checks: &Checks,
    checked_refs: &mut HashMap<PathBuf, Option<String>>,
) -> Option<BatchItem> {
    let before = ctx.issues.len();
    let settings = &resolved.settings;
    let source = |field: Field| resolved.source(field);
    let prompt = item.prompt.as_deref().map(str::trim).unwrap_or("");
    if prompt.is_empty() {
        let why = if item.prompt.is_none() {
            "every item needs a prompt"
        } else {
            "the prompt is empty; say what the image should show"
        };
        ctx.fail("prompt", &Source::Item, why);
    }
    let model: &ModelSpec = match &settings.model {
        Some(name) => match checks.registry.resolve(name) {
            Ok(m) => m,
            Err(e) => {
                ctx.fail("model", &source(Field::Model), e.to_string());
                return None;
            }
        },
        None => checks.registry.default_spec(),
    };
    if prompt.len() > model.prompt_char_limit() {
        ctx.fail(
            "prompt",
            &Source::Item,
            format!(
                "the prompt is {} characters; {} takes about {} at most",
                prompt.len(),
                model.id,
                model.prompt_char_limit()
            ),
        );
    }
    let aspect = settings.aspect.clone();
    if let Some(a) = &aspect
        && let Err(e) = model.check_aspect(a)
    {
        ctx.fail("aspect", &source(Field::Aspect), e.to_string());
    }
    let size = match &settings.size {
        Some(s) => match model.size(s) {
            Ok(spec) => spec.name.clone(),
            Err(e) => {
                let e = crate::studio::spec::size_refusal(e, s, checks.registry);
                ctx.fail("size", &source(Field::Size), e.to_string());
                s.clone()
            }
        },
        None => model.default_size.clone(),
    };
    let thinking = settings.thinking.as_deref().map(str::to_ascii_lowercase);
    if let Some(t) = &thinking
        && let Err(e) = model.check_thinking(t)
    {
        ctx.fail("thinking", &source(Field::Thinking), e.to_string());
    }
    let grounding = settings.grounding.unwrap_or_default();
    let grounding_check = match grounding {
        Grounding::Off => Ok(()),
        Grounding::Web => model.check_grounding("web"),
        Grounding::Image => model.check_grounding("image"),
    };
    if let Err(e) = grounding_check {
        ctx.fail("grounding", &source(Field::Grounding), e.to_string());
    }
    let tier = settings.tier.unwrap_or_default();
    if let Err(e) = model.check_tier(tier) {
        ctx.fail("tier", &source(Field::Tier), e.to_string());
    }
    if let Err(e) = crate::settings::check_fallback(tier, settings.fallback) {
        ctx.fail("fallback", &source(Field::Fallback), e.to_string());
    }
    if let Err(e) = model.lifecycle().check_served(crate::models::today()) {
        ctx.fail("model", &source(Field::Model), e.to_string());
    }
    let seed = match settings.seed {
        Some(s) if !(0..=i32::MAX as i64).contains(&s) => {
            ctx.fail(
                "seed",
                &source(Field::Seed),
                format!("seed {s} is out of range; use 0 to {}", i32::MAX),
            );
            0
        }
        Some(s) => s,
        None => rand::random_range(0..i32::MAX as i64),
    };
    // Nothing said (`with` absent): the anchors in shot for this prompt, pinned or named;
    // `with = []` says none.
    let with = settings.with.clone().unwrap_or_else(|| {
        checks
            .anchors
            .map(|roster| crate::studio::shot::names_in_shot(roster, prompt))
            .unwrap_or_default()
    });
    let with_source = source(Field::With);
    check_anchors(&with, &with_source, ctx);
    let in_shot = roster_anchors(&with, &with_source, checks.anchors, ctx);
    let refs_source = match (&item.refs, &ctx.raw.defaults.refs) {
        (None, Some(_)) => Source::Defaults,
        _ => Source::Item,
    };
    let refs: Vec<PathBuf> = item
        .refs
        .as_ref()
        .or(ctx.raw.defaults.refs.as_ref())
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
                &refs_source,
                format!("reference image {}: {reason}", path.display()),
            );
        }
    }
    let sources = (&with_source, &refs_source);
    check_budget(model, &refs, &with, in_shot.as_deref(), sources, ctx);
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
        tier,
        fallback: settings.fallback,
        with,
        refs,
        safety: settings.safety.to_settings(),
        preset: resolved.preset.clone(),
        promoted_from: None,
        follows: None,
        previous_frame: None,
    })
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
