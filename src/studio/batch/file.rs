//! Reading batch files as written: TOML (`[defaults]`, `[[item]]`, `[matrix]`) or JSONL
//! (one item object a line, optionally a `{"defaults": {…}}` line; blank lines and lines
//! starting with `#` are skipped), with the line each
//! item and field came from. Nothing here knows the registry; `validate` does that.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{BatchError, BatchIssue};
use crate::settings::SettingTexts;

/// Most items one file may expand to.
pub const MAX_ITEMS: usize = 100_000;

/// One item as written. `[defaults]` has the same shape (the settings every item shares
/// unless it says otherwise), where `prompt` and `key` are refused: they name one item.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    /// What the image should show.
    pub prompt: Option<String>,
    /// Name used in output files and Batch API metadata.
    pub key: Option<String>,
    /// A named preset (`[presets.NAME]`) under the item's own fields.
    pub preset: Option<String>,
    /// Model id or alias.
    pub model: Option<String>,
    /// Aspect ratio.
    pub aspect: Option<String>,
    /// Image size.
    pub size: Option<String>,
    /// Seed.
    pub seed: Option<i64>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Grounding: off, web or image.
    pub grounding: Option<String>,
    /// Service tier: standard, flex or priority.
    pub tier: Option<String>,
    /// The tier a shed flex request is re-sent at after its window: standard.
    pub fallback: Option<String>,
    /// Anchor names from the roster.
    pub with: Option<Vec<String>>,
    /// Reference images, relative to the batch file.
    pub refs: Option<Vec<String>>,
}

impl From<&RawItem> for SettingTexts {
    fn from(item: &RawItem) -> Self {
        SettingTexts {
            model: item.model.clone(),
            aspect: item.aspect.clone(),
            size: item.size.clone(),
            seed: item.seed,
            thinking: item.thinking.clone(),
            grounding: item.grounding.clone(),
            tier: item.tier.clone(),
            fallback: item.fallback.clone(),
            with: item.with.clone(),
            ..SettingTexts::default()
        }
    }
}

/// A template expanded over every combination of its variables.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatrix {
    /// Prompt template with `{name}` placeholders (`{{` and `}}` for literal braces).
    pub prompt: String,
    /// Key template; defaults to the values joined with `-`.
    pub key: Option<String>,
    /// Variable name to its values; a variable named like a setting (`model`, `size`,
    /// `aspect`, `thinking`, `tier`, `seed`) sets that setting for each combination.
    #[serde(deserialize_with = "scalar_lists")]
    pub vars: BTreeMap<String, Vec<String>>,
    /// A named preset for every item of the matrix.
    pub preset: Option<String>,
    /// Model id or alias.
    pub model: Option<String>,
    /// Aspect ratio.
    pub aspect: Option<String>,
    /// Image size.
    pub size: Option<String>,
    /// Seed.
    pub seed: Option<i64>,
    /// Thinking level.
    pub thinking: Option<String>,
    /// Grounding.
    pub grounding: Option<String>,
    /// Service tier.
    pub tier: Option<String>,
    /// The tier a shed flex request falls back to.
    pub fallback: Option<String>,
    /// Anchor names.
    pub with: Option<Vec<String>>,
    /// Reference images.
    pub refs: Option<Vec<String>>,
}

/// A matrix variable's values as text: strings, or numbers (`seed = [1, 2]`).
fn scalar_lists<'de, D>(deserializer: D) -> Result<BTreeMap<String, Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Number(i64),
    }
    let raw = BTreeMap::<String, Vec<Scalar>>::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|(name, values)| {
            let values = values
                .into_iter()
                .map(|v| match v {
                    Scalar::Text(t) => t,
                    Scalar::Number(n) => n.to_string(),
                })
                .collect();
            (name, values)
        })
        .collect())
}

/// The line of each field an item or `[defaults]` sets, by field name.
pub type FieldLines = BTreeMap<&'static str, usize>;

/// Where an item came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// 1-based line of the item (its `[[item]]` header, JSONL line or `[matrix]` table).
    pub line: Option<usize>,
    /// Lines of individual fields (TOML only).
    pub field_lines: FieldLines,
    /// For matrix items: the variable values, e.g. "style=ink, angle=side".
    pub combination: Option<String>,
}

impl Origin {
    /// The line of `field`, else the item's line.
    pub fn line_of(&self, field: &str) -> Option<usize> {
        self.field_lines.get(field).copied().or(self.line)
    }
}

/// A parsed file: defaults and items in file order, matrix items last.
#[derive(Debug, Clone)]
pub struct RawBatch {
    /// The file read.
    pub path: PathBuf,
    /// Folder that relative `refs` are resolved against.
    pub base_dir: PathBuf,
    /// `[defaults]` (never a prompt or key).
    pub defaults: RawItem,
    /// Lines of default fields.
    pub default_lines: FieldLines,
    /// Items with their origins.
    pub items: Vec<(RawItem, Origin)>,
}

/// The file formats peel reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.jsonl` / `.ndjson`
    Jsonl,
}

impl Format {
    /// Chooses by extension; anything else is refused with the accepted ones named.
    pub fn of(path: &Path) -> Result<Self, BatchError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("toml") => Ok(Self::Toml),
            Some("jsonl") | Some("ndjson") => Ok(Self::Jsonl),
            _ => Err(BatchError::single(
                path,
                BatchIssue::file("the batch file must end in .toml or .jsonl"),
            )),
        }
    }
}

/// Reads and parses a batch file (no registry checks yet).
pub fn read(path: &Path) -> Result<RawBatch, BatchError> {
    let format = Format::of(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        BatchError::single(
            path,
            BatchIssue::file(format!("cannot read the file: {e}. Check the path.")),
        )
    })?;
    parse(path, &text, format)
}

/// Parses batch text in `format`; `path` names it in errors and anchors relative refs.
pub fn parse(path: &Path, text: &str, format: Format) -> Result<RawBatch, BatchError> {
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut batch = RawBatch {
        path: path.to_path_buf(),
        base_dir,
        defaults: RawItem::default(),
        default_lines: BTreeMap::new(),
        items: Vec::new(),
    };
    match format {
        Format::Toml => parse_toml(&mut batch, text)?,
        Format::Jsonl => parse_jsonl(&mut batch, text)?,
    }
    refuse_item_fields_in_defaults(&batch)?;
    if batch.items.is_empty() {
        return Err(BatchError::single(
            path,
            BatchIssue::file(
                "the file has no items; add [[item]] entries with a prompt, or a [matrix]",
            ),
        ));
    }
    if batch.items.len() > MAX_ITEMS {
        return Err(BatchError::single(
            path,
            BatchIssue::file(format!(
                "the file expands to {} items; at most {MAX_ITEMS} fit in one batch. Split it.",
                batch.items.len()
            )),
        ));
    }
    Ok(batch)
}

/// `[defaults]` shares the item's shape; a prompt or key there is refused at its line.
fn refuse_item_fields_in_defaults(batch: &RawBatch) -> Result<(), BatchError> {
    let set = [
        ("prompt", batch.defaults.prompt.is_some()),
        ("key", batch.defaults.key.is_some()),
    ];
    let issues: Vec<BatchIssue> = set
        .into_iter()
        .filter(|(_, is_set)| *is_set)
        .map(|(field, _)| {
            BatchIssue::at(
                batch.default_lines.get(field).copied(),
                field,
                format!("`{field}` names one item and cannot be a default; move it into an item"),
            )
        })
        .collect();
    if issues.is_empty() {
        Ok(())
    } else {
        Err(BatchError::new(&batch.path, issues))
    }
}

/// Where each line of a text starts, so a byte offset finds its line in O(log n).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text` in one pass.
    pub fn new(text: &str) -> Self {
        let newlines = text.bytes().enumerate().filter(|(_, b)| *b == b'\n');
        let starts = std::iter::once(0).chain(newlines.map(|(i, _)| i + 1));
        Self {
            starts: starts.collect(),
        }
    }

    /// 1-based line number of a byte offset (offsets past the end are on the last line).
    pub fn line_at(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset).max(1)
    }
}

/// 1-based line number of a byte offset.
pub fn line_at(text: &str, offset: usize) -> usize {
    LineIndex::new(text).line_at(offset.min(text.len()))
}

fn parse_toml(batch: &mut RawBatch, text: &str) -> Result<(), BatchError> {
    let lines = LineIndex::new(text);
    let read = match super::toml_chunks::read(text, &lines) {
        Some(read) => read,
        None => super::toml_read::read_whole(&batch.path, text, &lines)?,
    };
    batch.defaults = read.defaults;
    batch.default_lines = read.default_lines;
    for (item, line, field_lines) in read.items {
        let origin = Origin {
            line,
            field_lines,
            combination: None,
        };
        batch.items.push((item, origin));
    }
    for (matrix, matrix_line, field_lines) in read.matrices {
        let expanded = super::matrix::expand(&matrix).map_err(|message| {
            BatchError::single(&batch.path, BatchIssue::at(matrix_line, "matrix", message))
        })?;
        if batch.items.len() + expanded.len() > MAX_ITEMS {
            return Err(BatchError::single(
                &batch.path,
                BatchIssue::at(
                    matrix_line,
                    "matrix",
                    format!("the matrix expands past {MAX_ITEMS} items; split the file"),
                ),
            ));
        }
        for (item, combination) in expanded {
            let origin = Origin {
                line: matrix_line,
                field_lines: field_lines.clone(),
                combination: Some(combination),
            };
            batch.items.push((item, origin));
        }
    }
    Ok(())
}

/// The fields an item (and, less `prompt` and `key`, `[defaults]`) takes, by name.
const ITEM_FIELDS: [&str; 11] = [
    "prompt",
    "key",
    "preset",
    "model",
    "aspect",
    "size",
    "seed",
    "thinking",
    "grounding",
    "with",
    "refs",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsLine {
    defaults: RawItem,
}

fn parse_jsonl(batch: &mut RawBatch, text: &str) -> Result<(), BatchError> {
    let mut issues = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(trimmed) {
            Ok(v) => v,
            Err(e) => {
                issues.push(BatchIssue::at(
                    Some(number),
                    "",
                    format!("not valid JSON ({e})"),
                ));
                continue;
            }
        };
        if value.get("defaults").is_some() {
            if !batch.items.is_empty() {
                issues.push(BatchIssue::at(
                    Some(number),
                    "defaults",
                    "the defaults line must come before the first item",
                ));
                continue;
            }
            let fields: Vec<&'static str> = value
                .get("defaults")
                .and_then(serde_json::Value::as_object)
                .map(|o| {
                    ITEM_FIELDS
                        .into_iter()
                        .filter(|f| o.contains_key(*f))
                        .collect()
                })
                .unwrap_or_default();
            match serde_json::from_value::<DefaultsLine>(value) {
                Ok(d) => {
                    batch.defaults = d.defaults;
                    batch.default_lines = fields.into_iter().map(|f| (f, number)).collect();
                }
                Err(e) => issues.push(BatchIssue::at(Some(number), "defaults", e.to_string())),
            }
            continue;
        }
        match serde_json::from_value::<RawItem>(value) {
            Ok(item) => batch.items.push((
                item,
                Origin {
                    line: Some(number),
                    field_lines: BTreeMap::new(),
                    combination: None,
                },
            )),
            Err(e) => issues.push(BatchIssue {
                line: Some(number),
                item: Some(batch.items.len() + issues.len() + 1),
                key: None,
                field: None,
                message: e.to_string(),
            }),
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(BatchError::new(&batch.path, issues))
    }
}
