//! Batch file errors: every problem names the file, the line or item, and the field.

use std::fmt;
use std::path::{Path, PathBuf};

/// Problems listed in one error message before "and N more".
const SHOWN_ISSUES: usize = 20;

/// One problem in a batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchIssue {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based item number, when the problem is in an item.
    pub item: Option<usize>,
    /// The item's key, when it has one.
    pub key: Option<String>,
    /// The field at fault (`aspect`, `refs`, …).
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl BatchIssue {
    /// A problem with the file as a whole.
    pub fn file(message: impl Into<String>) -> Self {
        Self {
            line: None,
            item: None,
            key: None,
            field: None,
            message: message.into(),
        }
    }

    /// A problem at a line with a field ("" for none).
    pub fn at(line: Option<usize>, field: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            item: None,
            key: None,
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
        }
    }
}

/// A batch file that cannot run; nothing has been sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BatchError {
    /// The file.
    pub file: PathBuf,
    /// Every problem found, in file order.
    pub issues: Vec<BatchIssue>,
    /// What one entry of the file is called in messages: "item", or "frame" in a story.
    pub entry: &'static str,
}

impl BatchError {
    /// An error with several problems.
    pub fn new(file: &Path, issues: Vec<BatchIssue>) -> Self {
        Self {
            file: file.to_path_buf(),
            issues,
            entry: "item",
        }
    }

    /// The same problems, told of a story's frames.
    pub fn in_frames(self) -> Self {
        Self {
            entry: "frame",
            ..self
        }
    }

    /// An error with one problem.
    pub fn single(file: &Path, issue: BatchIssue) -> Self {
        Self::new(file, vec![issue])
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        if self.issues.len() > 1 {
            writeln!(
                f,
                "{file} has {} problems; nothing was run:",
                self.issues.len()
            )?;
        }
        for (n, issue) in self.issues.iter().take(SHOWN_ISSUES).enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{file}")?;
            if let Some(line) = issue.line {
                write!(f, ":{line}")?;
            }
            write!(f, ":")?;
            if let Some(item) = issue.item {
                write!(f, " {} {item}", self.entry)?;
                if let Some(key) = &issue.key {
                    write!(f, " ({key})")?;
                }
                write!(f, ",")?;
            }
            if let Some(field) = &issue.field {
                write!(f, " field `{field}`:")?;
            }
            write!(f, " {}", issue.message)?;
        }
        if self.issues.len() > SHOWN_ISSUES {
            write!(f, "\n… and {} more", self.issues.len() - SHOWN_ISSUES)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_file_line_item_and_field() {
        let e = BatchError::single(
            Path::new("b.toml"),
            BatchIssue {
                line: Some(12),
                item: Some(3),
                key: Some("fox".into()),
                field: Some("aspect".into()),
                message: "bad".into(),
            },
        );
        assert_eq!(
            e.to_string(),
            "b.toml:12: item 3 (fox), field `aspect`: bad"
        );
        let many = BatchError::new(
            Path::new("b.toml"),
            (0..25).map(|_| BatchIssue::file("x")).collect(),
        );
        let text = many.to_string();
        assert!(text.starts_with("b.toml has 25 problems"), "{text}");
        assert!(text.ends_with("and 5 more"), "{text}");
    }
}
