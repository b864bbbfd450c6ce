//! Settings written as prose: an aspect ratio or an image size in the prompt text does not
//! change the output; the model takes them only from the request's settings.

use super::LintNote;
use super::scan::Word;

/// Ratios people write in prompts; any `a:b` directly before "aspect", "ratio" or "format" counts too.
const RATIOS: &[&str] = &[
    "1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1", "9:16", "16:9",
    "21:9", "9:21",
];

/// Words before a number pair that make it a time ("at 9:16").
const TIME_BEFORE: &[&str] = &[
    "at", "until", "till", "around", "by", "from", "before", "after", "since", "to",
];

/// Words after a number pair that make it a time ("9:16 pm").
const TIME_AFTER: &[&str] = &["am", "pm", "a", "p", "o", "h", "hrs", "hours", "clock"];

/// Words after "4K" that make it an object, not an output size ("a 4K TV").
const SIZE_OBJECTS: &[&str] = &[
    "tv",
    "tvs",
    "television",
    "monitor",
    "monitors",
    "screen",
    "screens",
    "display",
    "displays",
    "camera",
    "cameras",
    "video",
    "run",
    "race",
    "gold",
];

/// Video heights written as "1080p".
const VIDEO_HEIGHTS: &[&str] = &["480", "720", "1080", "1440", "2160", "4320"];

fn is_digits(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Notes for aspect ratios written in the prompt.
pub fn ratios(prompt: &str, words: &[Word]) -> Vec<LintNote> {
    let mut notes: Vec<LintNote> = words
        .windows(2)
        .enumerate()
        .filter_map(|(i, pair)| ratio_at(prompt, words, i, &pair[0], &pair[1]))
        .collect();
    if notes.is_empty() {
        notes.extend(phrase(words));
    }
    notes
}

fn ratio_at(prompt: &str, words: &[Word], i: usize, a: &Word, b: &Word) -> Option<LintNote> {
    if !is_digits(a.text, 1..=2) || !is_digits(b.text, 1..=2) || &prompt[a.end..b.start] != ":" {
        return None;
    }
    let before = prompt[..a.start].chars().next_back();
    let after = prompt[b.end..].chars().next();
    if before.is_some_and(|c| c == ':' || c == '.') || after.is_some_and(|c| c == ':') {
        return None;
    }
    if i > 0 && words[i - 1].is_any(TIME_BEFORE) {
        return None;
    }
    let next = words.get(i + 2);
    if next.is_some_and(|w| w.is_any(TIME_AFTER)) {
        return None;
    }
    let ratio = &prompt[a.start..b.end];
    let named = next.is_some_and(|w| w.is_any(&["aspect", "ratio", "format"]));
    if !RATIOS.contains(&ratio) && !named {
        return None;
    }
    Some(LintNote::new(
        "ratio-in-prompt",
        format!(
            "\"{ratio}\" in the prompt does not set the image's shape (the model ignores it); set the aspect ratio instead (--aspect {ratio})"
        ),
        Some(a.start..b.end),
    ))
}

fn phrase(words: &[Word]) -> Option<LintNote> {
    let pair = words
        .windows(2)
        .find(|p| p[0].is("aspect") && p[1].is("ratio"))?;
    Some(LintNote::new(
        "ratio-in-prompt",
        "an aspect ratio described in the prompt does not set the image's shape; set the aspect ratio instead (--aspect)",
        Some(pair[0].start..pair[1].end),
    ))
}

/// Notes for image sizes and resolutions written in the prompt.
pub fn sizes(prompt: &str, words: &[Word]) -> Vec<LintNote> {
    words
        .iter()
        .enumerate()
        .filter_map(|(i, word)| {
            let end = size_end(prompt, words, i)?;
            let text = &prompt[word.start..end];
            Some(LintNote::new(
                "size-in-prompt",
                format!(
                    "\"{text}\" in the prompt does not set the output size (the model ignores it); set the image size instead (--size: 512, 1K, 2K or 4K, as the model allows)"
                ),
                Some(word.start..end),
            ))
        })
        .collect()
}

/// If a size starts at word `i`, the byte offset where it ends.
fn size_end(prompt: &str, words: &[Word], i: usize) -> Option<usize> {
    let word = &words[i];
    let lower = word.text.to_ascii_lowercase();
    let next = words.get(i + 1);
    let joined = |w: &Word| prompt[word.end..w.start].trim().is_empty();
    if let Some(digit) = lower.strip_suffix('k')
        && matches!(digit, "1" | "2" | "4" | "8")
    {
        let object = next.is_some_and(|w| w.is_any(SIZE_OBJECTS) && joined(w));
        return (!object).then_some(word.end);
    }
    if let Some(height) = lower.strip_suffix('p')
        && VIDEO_HEIGHTS.contains(&height)
    {
        return Some(word.end);
    }
    if let Some(number) = lower.strip_suffix("px")
        && is_digits(number, 2..=5)
    {
        return Some(word.end);
    }
    if let Some((w, h)) = lower.split_once('x')
        && is_digits(w, 3..=5)
        && is_digits(h, 3..=5)
    {
        return Some(word.end);
    }
    if !is_digits(word.text, 3..=5) {
        return None;
    }
    let next = next.filter(|w| joined(w) || prompt[word.end..w.start].trim() == "×")?;
    if next.is_any(&["px", "pixels"]) {
        return Some(next.end);
    }
    if prompt[word.end..next.start].trim() == "×" && is_digits(next.text, 3..=5) {
        return Some(next.end);
    }
    let third = words.get(i + 2)?;
    let spaced = next.is("x")
        && joined(next)
        && prompt[next.end..third.start].trim().is_empty()
        && is_digits(third.text, 3..=5);
    spaced.then_some(third.end)
}
