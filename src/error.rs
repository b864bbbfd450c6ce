//! Errors found before anything is sent: bad settings, bad files, bad config.

use std::path::PathBuf;

use thiserror::Error;

/// A request or configuration refused before it reaches the network.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ValidationError {
    /// The model name matches no id or alias in the registry.
    #[error("unknown model '{given}'. Known models: {}. Run `peel models` to see what each allows.", known.join(", "))]
    UnknownModel { given: String, known: Vec<String> },

    /// A setting value the chosen model does not take.
    #[error(
        "{what} '{given}' is not supported by {model}. Allowed: {}.",
        fmt_allowed(allowed)
    )]
    Unsupported {
        what: &'static str,
        given: String,
        model: String,
        allowed: Vec<String>,
    },

    /// A size given to a model that renders one fixed size.
    #[error(
        "{model} renders a fixed size ({size}); it takes no image size, but '{given}' was given. Drop --size or choose another model."
    )]
    FixedSize {
        given: String,
        model: String,
        size: String,
    },

    /// A reference image that cannot be used.
    #[error("reference image {}: {reason}", path.display())]
    Reference { path: PathBuf, reason: String },

    /// Some other value that is out of range.
    #[error("{0}")]
    Invalid(String),

    /// The configuration or registry file is malformed.
    #[error("configuration: {message}")]
    Config { message: String },
}

fn fmt_allowed(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "none (this model does not offer the setting)".into()
    } else {
        allowed.join(", ")
    }
}

/// A TOML parse error's message, with the likely fix when a string value lacks its quotes
/// (`key = fox` reads as a broken boolean to the parser).
pub fn toml_message(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim().to_string();
    match error
        .span()
        .and_then(|span| unquoted_string_fix(text, span))
    {
        Some(fix) => format!("{message} (strings need quotes: {fix})"),
        None => message,
    }
}

/// `key = "word"` for a bare word at `span`, or `"word"` inside an array.
fn unquoted_string_fix(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let word = text.get(span.clone())?.trim();
    let bare = word.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && !word.contains(['"', '\'', '[', ']', '{', '}', '=', ',', '#'])
        && !matches!(word, "true" | "false" | "inf" | "nan");
    if !bare {
        return None;
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..span.start];
    if before.trim().is_empty() {
        // the word is a key (an unknown field, say), not a value missing its quotes
        return None;
    }
    match before.split_once('=') {
        Some((key, rest)) if rest.trim().is_empty() => Some(format!("{} = \"{word}\"", key.trim())),
        _ => Some(format!("\"{word}\"")),
    }
}

#[cfg(test)]
mod toml_tests {
    use super::toml_message;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        key: Option<String>,
        n: Option<i64>,
        tags: Option<Vec<String>>,
    }

    fn message(text: &str) -> String {
        let error = toml::from_str::<File>(text).expect_err("the text is not valid TOML");
        toml_message(&error, text)
    }

    #[test]
    fn a_bare_word_gets_the_quoted_fix() {
        assert_eq!(
            message("key = fox"),
            "invalid boolean, expected `false` (strings need quotes: key = \"fox\")"
        );
        assert!(
            message("n = 4\nkey = red fox # note")
                .ends_with("(strings need quotes: key = \"red fox\")")
        );
        assert!(message("tags = [a, \"b\"]").ends_with("(strings need quotes: \"a\")"));
    }

    #[test]
    fn quoted_values_parse() {
        let file: File = toml::from_str("key = \"fox\"\nn = 4\ntags = [\"a\"]").unwrap();
        assert_eq!(file.key.as_deref(), Some("fox"));
        assert_eq!(file.n, Some(4));
        assert_eq!(file.tags, Some(vec!["a".to_string()]));
    }

    #[test]
    fn other_mistakes_keep_the_parser_message() {
        assert_eq!(
            message("n = \"4\""),
            toml::from_str::<File>("n = \"4\"")
                .unwrap_err()
                .message()
                .trim()
        );
        assert!(!message("key = [1").contains("strings need quotes"));
        let unknown = message("colour = 1");
        assert!(
            unknown.contains("colour") && !unknown.contains("strings need quotes"),
            "{unknown}"
        );
    }
}
