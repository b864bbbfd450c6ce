//! Scanning helpers for the checker: words with byte offsets, quoted segments, names.

use std::ops::Range;

/// A run of letters and digits, with its byte range in the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as written.
    pub text: &'a str,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Word<'_> {
    /// True when the word equals `other`, ignoring ASCII case.
    pub fn is(&self, other: &str) -> bool {
        self.text.eq_ignore_ascii_case(other)
    }

    /// True when the word is one of `options`, ignoring ASCII case.
    pub fn is_any(&self, options: &[&str]) -> bool {
        options.iter().any(|o| self.is(o))
    }
}

/// The prompt's words: maximal runs of alphanumeric characters.
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                found.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        found.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    found
}

/// Opening quote characters and their closers.
const QUOTES: [(char, char); 6] = [
    ('"', '"'),
    ('\u{201C}', '\u{201D}'),
    ('\u{201E}', '\u{201C}'),
    ('\u{00AB}', '\u{00BB}'),
    ('\u{2018}', '\u{2019}'),
    ('\'', '\''),
];

/// True when `c` can open a quote at byte `at` (apostrophes inside words cannot).
pub fn opens_quote(text: &str, at: usize, c: char) -> bool {
    if !QUOTES.iter().any(|(open, _)| *open == c) {
        return false;
    }
    if !matches!(c, '\'' | '\u{2018}') {
        return true;
    }
    let before = text[..at].chars().next_back();
    let after = text[at + c.len_utf8()..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && after.is_some_and(|a| !a.is_whitespace())
}

/// The contents (without the quote marks) of every closed quoted segment.
pub fn quoted_segments(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some((at, open)) = text[from..]
        .char_indices()
        .map(|(i, c)| (i + from, c))
        .find(|(i, c)| opens_quote(text, *i, *c))
    {
        let inner = at + open.len_utf8();
        let close = QUOTES
            .iter()
            .find(|(o, _)| *o == open)
            .map_or(open, |(_, c)| *c);
        let end = text[inner..]
            .char_indices()
            .map(|(i, c)| (i + inner, c))
            .find(|(i, c)| *c == close && closes_quote(text, *i, *c));
        let Some((end, _)) = end else {
            from = inner;
            continue;
        };
        found.push(inner..end);
        from = end + close.len_utf8();
    }
    found
}

fn closes_quote(text: &str, at: usize, c: char) -> bool {
    if !matches!(c, '\'' | '\u{2019}') {
        return true;
    }
    let after = text[at + c.len_utf8()..].chars().next();
    !after.is_some_and(char::is_alphanumeric)
}

/// Where `name` (one or more words) first appears as whole words, ignoring case. With
/// `strict`, a capitalised name must appear capitalised, so an anchor called "Bolt" is not
/// found in "a lightning bolt".
pub fn find_name(words: &[Word], name: &str, strict: bool) -> Option<Range<usize>> {
    let parts = self::words(name);
    let first = parts.first()?;
    let capitalised = strict && first.text.chars().next().is_some_and(char::is_uppercase);
    words.windows(parts.len()).find_map(|window| {
        let matches = window.iter().zip(&parts).all(|(w, p)| w.is(p.text));
        let cased = !capitalised
            || window[0]
                .text
                .chars()
                .next()
                .is_some_and(char::is_uppercase);
        (matches && cased).then(|| window[0].start..window[window.len() - 1].end)
    })
}

/// The first non-whitespace character at or after byte `from`, with its offset.
pub fn next_char(text: &str, from: usize) -> Option<(usize, char)> {
    text[from..]
        .char_indices()
        .map(|(i, c)| (i + from, c))
        .find(|(_, c)| !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_offsets() {
        let w = words("a café, 16:9!");
        let texts: Vec<&str> = w.iter().map(|w| w.text).collect();
        assert_eq!(texts, ["a", "café", "16", "9"]);
        assert_eq!(&"a café, 16:9!"[w[1].start..w[1].end], "café");
    }

    #[test]
    fn quotes_pair_up_and_apostrophes_do_not_open_them() {
        let text = "Mira's sign says 'OPEN' and “SALE” and \"late\" and it's fine";
        let segments: Vec<&str> = quoted_segments(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(segments, ["OPEN", "SALE", "late"]);
        assert!(quoted_segments("an \"unclosed quote").is_empty());
        assert!(quoted_segments("the dogs' bowls and the cats' toys").is_empty());
        let curly = "the sign reads ‘Joe’s Diner’ today";
        let segments: Vec<&str> = quoted_segments(curly)
            .into_iter()
            .map(|r| &curly[r])
            .collect();
        assert_eq!(segments, ["Joe’s Diner"]);
    }

    #[test]
    fn names_match_whole_words_and_respect_capitals() {
        let prompt = "Mira's bike beside a lightning bolt, Old Tom waving";
        let w = words(prompt);
        assert_eq!(find_name(&w, "Mira", true), Some(0..4));
        assert_eq!(find_name(&w, "mira", true), Some(0..4));
        assert_eq!(find_name(&w, "Bolt", true), None);
        assert_eq!(find_name(&w, "Bolt", false), Some(31..35));
        assert!(find_name(&w, "old tom", true).is_some());
        assert_eq!(find_name(&w, "Tomas", false), None);
        assert_eq!(find_name(&w, "  ", false), None);
    }
}
