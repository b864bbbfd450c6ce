//! Reading a TOML batch file: its serde shapes, the same document read again for the
//! position of every table and field, and the whole-file read whose errors users see.

use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;

use super::error::{BatchError, BatchIssue};
use super::file::{FieldLines, LineIndex, RawItem, RawMatrix};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TomlFile {
    #[serde(default)]
    pub defaults: RawItem,
    #[serde(default)]
    pub item: Vec<RawItem>,
    #[serde(default)]
    pub matrix: Option<OneOrMany<RawMatrix>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(t) => vec![t],
            Self::Many(v) => v,
        }
    }
}

/// The same document read again for positions only.
#[derive(Deserialize, Default)]
pub(super) struct TomlSpans {
    #[serde(default)]
    pub defaults: Option<Spanned<FieldSpans>>,
    #[serde(default)]
    item: Vec<Spanned<FieldSpans>>,
}

/// Positions of a single `[matrix]` table.
#[derive(Deserialize, Default)]
struct OneMatrixSpans {
    #[serde(default)]
    matrix: Option<Spanned<FieldSpans>>,
}

/// Positions of `[[matrix]]` tables.
#[derive(Deserialize, Default)]
struct ManyMatrixSpans {
    #[serde(default)]
    matrix: Vec<Spanned<FieldSpans>>,
}

#[derive(Deserialize, Default)]
pub(super) struct FieldSpans {
    prompt: Option<Spanned<IgnoredAny>>,
    key: Option<Spanned<IgnoredAny>>,
    preset: Option<Spanned<IgnoredAny>>,
    model: Option<Spanned<IgnoredAny>>,
    aspect: Option<Spanned<IgnoredAny>>,
    size: Option<Spanned<IgnoredAny>>,
    seed: Option<Spanned<IgnoredAny>>,
    thinking: Option<Spanned<IgnoredAny>>,
    grounding: Option<Spanned<IgnoredAny>>,
    tier: Option<Spanned<IgnoredAny>>,
    fallback: Option<Spanned<IgnoredAny>>,
    with: Option<Spanned<IgnoredAny>>,
    refs: Option<Spanned<IgnoredAny>>,
}

impl FieldSpans {
    pub(super) fn lines(&self, lines: &LineIndex, base: usize) -> FieldLines {
        let fields = [
            ("prompt", &self.prompt),
            ("key", &self.key),
            ("preset", &self.preset),
            ("model", &self.model),
            ("aspect", &self.aspect),
            ("size", &self.size),
            ("seed", &self.seed),
            ("thinking", &self.thinking),
            ("grounding", &self.grounding),
            ("tier", &self.tier),
            ("fallback", &self.fallback),
            ("with", &self.with),
            ("refs", &self.refs),
        ];
        fields
            .into_iter()
            .filter_map(|(name, span)| {
                span.as_ref()
                    .map(|s| (name, lines.line_at(base + s.span().start)))
            })
            .collect()
    }
}

/// A TOML batch file as read, before matrices are expanded.
pub(super) struct ReadToml {
    pub defaults: RawItem,
    pub default_lines: FieldLines,
    /// Items with the line of their header and of each field.
    pub items: Vec<(RawItem, Option<usize>, FieldLines)>,
    pub matrices: Vec<(RawMatrix, Option<usize>, FieldLines)>,
}

/// The `[[item]]` tables of a piece of a file starting at byte `base`, with their lines.
pub(super) fn read_items(
    text: &str,
    base: usize,
    lines: &LineIndex,
) -> Option<Vec<(RawItem, Option<usize>, FieldLines)>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Items {
        item: Vec<RawItem>,
    }
    let items: Items = toml::from_str(text).ok()?;
    let spans: TomlSpans = toml::from_str(text).ok()?;
    Some(lined_items(items.item, &spans, base, lines))
}

/// Items parsed from a text starting at byte `base`, each with its header's line and its
/// fields' lines (from `spans`, the same text read for positions).
fn lined_items(
    items: Vec<RawItem>,
    spans: &TomlSpans,
    base: usize,
    lines: &LineIndex,
) -> Vec<(RawItem, Option<usize>, FieldLines)> {
    items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let span = spans.item.get(n);
            let line = span.map(|s| lines.line_at(base + s.span().start));
            let fields = span
                .map(|s| s.get_ref().lines(lines, base))
                .unwrap_or_default();
            (item, line, fields)
        })
        .collect()
}

impl ReadToml {
    /// The file read: `head` (defaults and matrices, parsed from `head_text` at the start of
    /// the file, with `spans` its positions) and `items` already lined.
    pub(super) fn assemble(
        head: TomlFile,
        spans: &TomlSpans,
        head_text: &str,
        lines: &LineIndex,
        items: Vec<(RawItem, Option<usize>, FieldLines)>,
    ) -> Self {
        Self {
            defaults: head.defaults,
            default_lines: spans
                .defaults
                .as_ref()
                .map(|d| d.get_ref().lines(lines, 0))
                .unwrap_or_default(),
            items,
            matrices: with_matrix_lines(head.matrix, head_text, lines),
        }
    }
}

/// The whole file parsed at once; its error is the one users see, at its line.
pub(super) fn read_whole(
    path: &Path,
    text: &str,
    lines: &LineIndex,
) -> Result<ReadToml, BatchError> {
    let mut file: TomlFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line_at(s.start));
        BatchError::single(
            path,
            BatchIssue {
                line,
                item: None,
                key: None,
                field: None,
                message: crate::error::toml_message(&e, text),
            },
        )
    })?;
    let spans: TomlSpans = toml::from_str(text).unwrap_or_default();
    let items = lined_items(std::mem::take(&mut file.item), &spans, 0, lines);
    Ok(ReadToml::assemble(file, &spans, text, lines, items))
}

/// Matrices with the line of their table and of each field.
pub(super) fn with_matrix_lines(
    matrix: Option<OneOrMany<RawMatrix>>,
    text: &str,
    lines: &LineIndex,
) -> Vec<(RawMatrix, Option<usize>, FieldLines)> {
    let matrices = matrix.map(OneOrMany::into_vec).unwrap_or_default();
    let spans = if matrices.is_empty() {
        Vec::new()
    } else {
        matrix_spans(text)
    };
    matrices
        .into_iter()
        .enumerate()
        .map(|(n, matrix)| {
            let span = spans.get(n);
            let line = span.map(|s| lines.line_at(s.span().start));
            let fields = span
                .map(|s| s.get_ref().lines(lines, 0))
                .unwrap_or_default();
            (matrix, line, fields)
        })
        .collect()
}

/// Positions of the `[matrix]` table or `[[matrix]]` tables.
fn matrix_spans(text: &str) -> Vec<Spanned<FieldSpans>> {
    match toml::from_str::<OneMatrixSpans>(text) {
        Ok(one) => one.matrix.into_iter().collect(),
        Err(_) => toml::from_str::<ManyMatrixSpans>(text)
            .map(|m| m.matrix)
            .unwrap_or_default(),
    }
}
