//! The prompt checker: short, specific advice on habits that make Nano Banana output
//! reliable. Pure and fast enough to run on every keystroke; notes never block a request.

pub mod entries;
mod scan;
mod settings_text;
mod text;

use std::ops::Range;

use serde::Serialize;

pub use scan::{Word, quoted_segments, words};

/// Share of the model's prompt limit from which the length note fires.
pub const NEAR_LIMIT_PERCENT: usize = 90;

/// Every rule id with what it checks, in the order notes are reported.
pub const RULES: [(&str, &str); 8] = [
    ("too-short", "the prompt is empty or a single word"),
    (
        "quote-text",
        "text meant to appear in the image is not in quotes",
    ),
    (
        "long-text",
        "a quoted text element has more than about five words",
    ),
    (
        "ratio-in-prompt",
        "an aspect ratio written in the prompt (the model ignores it; use the setting)",
    ),
    (
        "size-in-prompt",
        "an image size or resolution written in the prompt (the model ignores it; use the setting)",
    ),
    (
        "length",
        "the prompt is near or past the model's length limit",
    ),
    (
        "anchor-not-in-shot",
        "an anchor from the roster is named in the prompt but not in shot",
    ),
    (
        "anchor-not-named",
        "an anchor in shot is never named in the prompt",
    ),
];

/// What the checker looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintInput<'a> {
    /// The prompt text.
    pub prompt: &'a str,
    /// The model's prompt limit in characters (`ModelSpec::prompt_char_limit`); None skips the check.
    pub char_limit: Option<usize>,
    /// Every anchor name in the roster (in shot or not).
    pub roster: &'a [String],
    /// Names of the anchors in shot.
    pub in_shot: &'a [String],
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintNote {
    /// Stable rule id, e.g. "quote-text".
    pub rule: &'static str,
    /// What to change, in one sentence.
    pub message: String,
    /// Byte range in the prompt the note is about, if any.
    pub span: Option<Range<usize>>,
}

impl LintNote {
    fn new(rule: &'static str, message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Self {
            rule,
            message: message.into(),
            span,
        }
    }
}

/// Checks a prompt; an empty result means nothing to say.
pub fn lint(input: &LintInput) -> Vec<LintNote> {
    let prompt = input.prompt;
    let words = words(prompt);
    if let Some(note) = too_short(&words) {
        return vec![note];
    }
    let mut notes = Vec::new();
    notes.extend(text::quote_text(prompt, &words));
    notes.extend(text::long_text(prompt, &words));
    notes.extend(settings_text::ratios(prompt, &words));
    notes.extend(settings_text::sizes(prompt, &words));
    notes.extend(length(prompt, input.char_limit));
    notes.extend(anchors(&words, input.roster, input.in_shot));
    notes
}

fn too_short(words: &[Word]) -> Option<LintNote> {
    match words {
        [] => Some(LintNote::new(
            "too-short",
            "the prompt is empty; describe the subject, the setting and the style",
            None,
        )),
        [one] => Some(LintNote::new(
            "too-short",
            format!(
                "\"{}\" alone leaves everything to chance; add the setting, style, lighting or composition you want",
                one.text
            ),
            Some(one.start..one.end),
        )),
        _ => None,
    }
}

/// Whether `chars` is near enough to `limit` for the length note (and a face showing the limit).
pub fn near_limit(chars: usize, limit: usize) -> bool {
    chars * 100 >= limit * NEAR_LIMIT_PERCENT
}

fn length(prompt: &str, limit: Option<usize>) -> Option<LintNote> {
    let limit = limit.filter(|l| *l > 0)?;
    let chars = prompt.chars().count();
    if chars > limit {
        return Some(LintNote::new(
            "length",
            format!(
                "the prompt is {chars} characters, past this model's limit of about {limit}; cut it down"
            ),
            None,
        ));
    }
    near_limit(chars, limit).then(|| {
        LintNote::new(
            "length",
            format!(
                "the prompt is {chars} characters, near this model's limit of about {limit}; anchors and edits add more"
            ),
            None,
        )
    })
}

/// The names in `roster` that `prompt` names, as the checker finds them: whole words,
/// ignoring case, except that a capitalised name must be written capitalised (so "Bolt"
/// is not named by "a lightning bolt"). In roster order.
pub fn named<'a>(prompt: &str, roster: &'a [String]) -> Vec<&'a str> {
    let words = words(prompt);
    roster
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty() && scan::find_name(&words, n, true).is_some())
        .collect()
}

fn anchors(words: &[Word], roster: &[String], in_shot: &[String]) -> Vec<LintNote> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut notes = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for name in roster.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if seen.iter().any(|s| same(s, name)) || in_shot.iter().any(|s| same(s, name)) {
            continue;
        }
        seen.push(name);
        if let Some(span) = scan::find_name(words, name, true) {
            notes.push(LintNote::new(
                "anchor-not-in-shot",
                format!(
                    "{name} is named in the prompt but not in shot, so their reference images are not sent; put {name} in shot (--with {name}) or rename them in the text"
                ),
                Some(span),
            ));
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for name in in_shot.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if seen.iter().any(|s| same(s, name)) {
            continue;
        }
        seen.push(name);
        if scan::find_name(words, name, false).is_none() {
            notes.push(LintNote::new(
                "anchor-not-named",
                format!(
                    "{name} is in shot but the prompt never names them; say what {name} is doing and where"
                ),
                None,
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests;
