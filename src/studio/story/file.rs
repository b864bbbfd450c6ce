//! Reading a story file: `[defaults]` (every batch default) and `[[frame]]` tables in
//! order, checked like a batch file (anchors against the roster, settings against the
//! registry) plus the image budget once the previous frame is counted. Every problem names
//! the file, the line and the frame.

use std::path::Path;

use crate::studio::batch::file::{Format, parse};
use crate::studio::batch::validate::validate;
use crate::studio::batch::{Batch, BatchError, BatchIssue, Checks};

/// Most frames one story may have.
pub const MAX_FRAMES: usize = 999;

/// True when `path` is a story file: a TOML file whose first entry table is `[[frame]]`
/// (read line by line up to that table, so a big batch file costs one line's worth).
pub fn is_story_file(path: &Path) -> bool {
    use std::io::BufRead;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !is_toml {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
        match table_header(&line).as_str() {
            "[[frame]]" => return true,
            "[[item]]" | "[matrix]" | "[[matrix]]" => return false,
            _ => {}
        }
    }
    false
}

/// Reads, parses and validates a story file; any problem refuses it before any request.
/// Frame k (k ≥ 2) is marked to carry frame k−1.
pub fn load(path: &Path, checks: &Checks) -> Result<Batch, BatchError> {
    let refuse = |issue: BatchIssue| BatchError::single(path, issue).in_frames();
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !is_toml {
        return Err(refuse(BatchIssue::file(
            "a story file is TOML and must end in .toml ([defaults], then [[frame]] tables)",
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(BatchIssue::file(format!(
            "cannot read the file: {e}. Check the path."
        )))
    })?;
    let (items_text, frames) = frames_as_items(&text).map_err(refuse)?;
    if frames == 0 {
        return Err(refuse(BatchIssue::file(
            "the story has no frames; add [[frame]] tables, each with a prompt",
        )));
    }
    if frames > MAX_FRAMES {
        return Err(refuse(BatchIssue::file(format!(
            "the story has {frames} frames; at most {MAX_FRAMES} fit in one story. Split it."
        ))));
    }
    let raw = parse(path, &items_text, Format::Toml).map_err(BatchError::in_frames)?;
    let frame_lines: Vec<Option<usize>> = raw.items.iter().map(|(_, o)| o.line).collect();
    let mut story = validate(raw, checks).map_err(BatchError::in_frames)?;
    let issues = previous_frame_budget(&story, checks, &frame_lines);
    if !issues.is_empty() {
        return Err(BatchError::new(path, issues).in_frames());
    }
    for item in story.items.iter_mut().skip(1) {
        item.follows = Some(item.index - 1);
    }
    Ok(story)
}

/// The text with each `[[frame]]` header read as a batch `[[item]]` (same lines, so every
/// error keeps its line), and how many frames there are. `[[item]]` and `[matrix]` tables
/// are refused: a story's frames are written out in order.
fn frames_as_items(text: &str) -> Result<(String, usize), BatchIssue> {
    let mut out = String::with_capacity(text.len());
    let mut frames = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let header = table_header(line);
        match header.as_str() {
            "[[frame]]" => {
                frames += 1;
                out.push_str(&line.replacen("frame", "item", 1));
                continue;
            }
            "[[item]]" | "[matrix]" | "[[matrix]]" => {
                return Err(BatchIssue::at(
                    Some(n + 1),
                    "",
                    format!(
                        "{header} belongs in a batch file; a story is made of [[frame]] tables, in order"
                    ),
                ));
            }
            _ => out.push_str(line),
        }
    }
    Ok((out, frames))
}

/// A line as a table header would read: comment cut, blanks removed (`[[ frame ]] # x` →
/// `[[frame]]`).
fn table_header(line: &str) -> String {
    line.split('#')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Frames after the first carry one more image (the previous frame): each must still fit
/// the model's image cap with its references and its anchors' images.
fn previous_frame_budget(
    story: &Batch,
    checks: &Checks,
    frame_lines: &[Option<usize>],
) -> Vec<BatchIssue> {
    let mut issues = Vec::new();
    for item in story.items.iter().skip(1) {
        let Ok(model) = checks.registry.resolve(&item.model) else {
            continue;
        };
        let anchor_images: usize = checks
            .anchors
            .unwrap_or_default()
            .iter()
            .filter(|a| {
                item.with
                    .iter()
                    .any(|w| w.trim().eq_ignore_ascii_case(&a.name))
            })
            .map(|a| a.refs.len())
            .sum();
        let images = item.refs.len() + anchor_images + 1;
        if images > model.references.images as usize {
            issues.push(BatchIssue {
                line: frame_lines.get(item.index - 1).copied().flatten(),
                item: Some(item.index),
                key: Some(item.key.clone()),
                field: Some("with".into()),
                message: format!(
                    "{images} reference images with the previous frame ({} refs, {anchor_images} of anchors, 1 previous frame), but {} takes at most {}; take an anchor or a reference out of this frame",
                    item.refs.len(),
                    model.id,
                    model.references.images
                ),
            });
        }
    }
    issues
}
