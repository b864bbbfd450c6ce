//! Rendered text: words meant to appear in the image should be quoted, and each quoted
//! element kept to about five words.

use super::LintNote;
use super::scan::{Word, next_char, opens_quote, quoted_segments};

/// Most words per text element Nano Banana renders reliably.
pub const MAX_TEXT_WORDS: usize = 5;

/// Longest excerpt of the prompt quoted back in a note.
const EXCERPT_CHARS: usize = 40;

/// Things that carry text: "a sign that reads …".
const CARRIERS: &[&str] = &[
    "sign",
    "signs",
    "signage",
    "banner",
    "poster",
    "caption",
    "title",
    "headline",
    "heading",
    "subtitle",
    "label",
    "shirt",
    "tshirt",
    "mug",
    "card",
    "logo",
    "sticker",
    "billboard",
    "plaque",
    "cover",
    "screen",
    "text",
    "lettering",
    "slogan",
    "tagline",
    "menu",
    "badge",
    "neon",
    "placard",
    "marquee",
    "chalkboard",
    "blackboard",
    "whiteboard",
    "note",
    "letter",
    "board",
    "storefront",
    "tattoo",
    "stamp",
    "scoreboard",
    "button",
    "bubble",
];

/// Verbs that introduce the words on a carrier.
const VERBS: &[&str] = &[
    "says", "say", "saying", "said", "reads", "read", "reading", "spells", "spell", "spelling",
];

/// Participles that introduce a name or label: "a book titled …".
const NAMING: &[&str] = &[
    "titled",
    "entitled",
    "captioned",
    "labeled",
    "labelled",
    "lettered",
    "inscribed",
];

/// Labels that introduce text after "with [the]" or before a colon.
const LABELS: &[&str] = &[
    "text",
    "words",
    "word",
    "caption",
    "title",
    "headline",
    "slogan",
    "tagline",
    "lettering",
];

/// Notes where text to render follows a cue ("says", "titled", "text:") without quotes.
pub fn quote_text(prompt: &str, words: &[Word]) -> Vec<LintNote> {
    (0..words.len())
        .filter_map(|i| cue(prompt, words, i).map(|cue| (i, cue)))
        .filter_map(|(i, cue)| unquoted_note(prompt, words, &words[i], cue))
        .collect()
}

/// Where rendered text should start after a cue, and whether that cue is weak (then only
/// a capitalised word or a number after it counts as text: "with the text OPEN").
#[derive(Debug, Clone, Copy)]
struct Cue {
    at: usize,
    weak: bool,
}

/// If word `i` is a cue for rendered text, where that text should start.
fn cue(prompt: &str, words: &[Word], i: usize) -> Option<Cue> {
    let strong = |at| Cue { at, weak: false };
    let weak = |at| Cue { at, weak: true };
    let word = &words[i];
    let joined = |a: &Word, b: &Word| prompt[a.end..b.start].trim().is_empty();
    if word.is_any(VERBS) && i > 0 {
        let prev = &words[i - 1];
        let direct = prev.is_any(CARRIERS) && joined(prev, word);
        let relative = i > 1
            && prev.is_any(&["that", "which"])
            && words[i - 2].is_any(CARRIERS)
            && joined(&words[i - 2], prev)
            && joined(prev, word);
        return (direct || relative).then(|| strong(word.end));
    }
    if word.is_any(NAMING) {
        let next = words.get(i + 1)?;
        return joined(word, next).then(|| weak(word.end));
    }
    if word.is("with") {
        let mut j = i + 1;
        if words.get(j).is_some_and(|w| w.is("the")) {
            j += 1;
        }
        let label = words.get(j)?;
        let label_ok = label.is_any(LABELS) && joined(&words[j - 1], label);
        return (joined(word, &words[i + 1]) && label_ok).then(|| weak(label.end));
    }
    if word.is_any(LABELS) {
        let (at, c) = next_char(prompt, word.end)?;
        return (c == ':').then(|| strong(at + 1));
    }
    None
}

fn unquoted_note(prompt: &str, words: &[Word], word: &Word, cue: Cue) -> Option<LintNote> {
    let mut at = cue.at;
    loop {
        let (i, c) = next_char(prompt, at)?;
        if opens_quote(prompt, i, c) {
            return None;
        }
        if matches!(c, ':' | '-' | '\u{2013}' | '\u{2014}') {
            at = i + c.len_utf8();
            continue;
        }
        let capital = c.is_uppercase() || c.is_ascii_digit();
        if !c.is_alphanumeric() || (cue.weak && !capital) {
            return None;
        }
        at = i;
        break;
    }
    let following: Vec<&Word> = words
        .iter()
        .filter(|w| w.start >= at)
        .take(MAX_TEXT_WORDS + 1)
        .scan(at, |end, w| {
            let gap = &prompt[*end..w.start];
            if gap
                .chars()
                .any(|c| matches!(c, '.' | ',' | ';' | '!' | '?' | '\n' | '('))
            {
                return None;
            }
            *end = w.end;
            Some(w)
        })
        .collect();
    let last = following.last()?;
    let shown = following.get(following.len().min(MAX_TEXT_WORDS) - 1)?;
    let more = if following.len() > MAX_TEXT_WORDS {
        "…"
    } else {
        ""
    };
    let text = &prompt[at..shown.end];
    Some(LintNote::new(
        "quote-text",
        format!(
            "put the words to render in quotes, e.g. {} \"{text}{more}\", so the model spells them exactly",
            word.text
        ),
        Some(word.start..last.end),
    ))
}

/// Words near a quote that show it is text to render rather than, say, a quoted title of
/// a style reference: "a sign saying …", "… lettering".
const RENDER_HINTS: &[&str] = &["written", "printed", "words", "word", "lettering", "text"];

/// How many words before a quote are searched for a hint that it is rendered.
const HINT_WINDOW: usize = 4;

/// True when words near the quoted `range` say it is text to render.
fn is_rendered(prompt: &str, words: &[Word], range: &std::ops::Range<usize>) -> bool {
    let cue = |w: &Word| {
        w.is_any(CARRIERS)
            || w.is_any(VERBS)
            || w.is_any(NAMING)
            || w.is_any(LABELS)
            || w.is_any(RENDER_HINTS)
    };
    let before = words
        .iter()
        .rev()
        .filter(|w| w.end <= range.start)
        .take(HINT_WINDOW)
        .take_while(|w| {
            !prompt[w.end..range.start]
                .chars()
                .any(|c| matches!(c, '.' | '!' | '?' | ';' | '\n'))
        })
        .any(cue);
    let after = words
        .iter()
        .find(|w| w.start > range.end)
        .filter(|w| {
            prompt[range.end..w.start]
                .chars()
                .all(|c| !c.is_alphanumeric() && !matches!(c, '.' | ',' | ';'))
        })
        .is_some_and(cue);
    before || after
}

/// Notes for quoted text elements (to render) longer than about five words.
pub fn long_text(prompt: &str, words: &[Word]) -> Vec<LintNote> {
    quoted_segments(prompt)
        .into_iter()
        .filter(|range| is_rendered(prompt, words, range))
        .filter_map(|range| {
            let content = &prompt[range.clone()];
            let count = content.split_whitespace().count();
            (count > MAX_TEXT_WORDS).then(|| {
                LintNote::new(
                    "long-text",
                    format!(
                        "\"{}\" is {count} words; text renders reliably up to about {MAX_TEXT_WORDS} words per element, so shorten it or split it into separate elements",
                        excerpt(content)
                    ),
                    Some(range),
                )
            })
        })
        .collect()
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}
