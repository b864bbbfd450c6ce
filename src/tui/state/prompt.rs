//! The prompt editor: the text area, prompt history and the inline message under it.

use ratatui::style::{Modifier, Style};
use ratatui_textarea::{TextArea, WrapMode};

use std::hash::{DefaultHasher, Hash, Hasher};

use super::super::strings;
use crate::studio::lint::{LintInput, LintNote, lint};

/// Most prompts kept in history.
pub const MAX_HISTORY: usize = 500;

/// The editor and its history.
#[derive(Debug, Clone)]
pub struct PromptState {
    /// The text area.
    pub editor: TextArea<'static>,
    /// Earlier prompts, oldest first, without duplicates.
    pub history: Vec<String>,
    /// Which history entry is shown while recalling (index into `history`).
    pub recall: Option<usize>,
    /// The text that was being written before recalling began.
    draft: Option<String>,
    /// A message about the prompt (validation), shown under it.
    pub message: Option<String>,
    /// Prompt-craft advice on the text as it stands (never blocks sending).
    pub notes: Vec<LintNote>,
    /// What the notes were computed from (text, model, anchors), hashed.
    linted: Option<u64>,
}

impl PromptState {
    /// An empty editor with `history` (oldest first).
    pub fn new(history: Vec<String>) -> Self {
        let mut s = Self {
            editor: new_editor(Vec::new()),
            history: Vec::new(),
            recall: None,
            draft: None,
            message: None,
            notes: Vec::new(),
            linted: None,
        };
        for prompt in history {
            s.remember(&prompt);
        }
        s
    }

    /// The prompt text.
    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// Characters in the prompt.
    pub fn char_count(&self) -> usize {
        self.editor
            .lines()
            .iter()
            .map(|l| l.chars().count())
            .sum::<usize>()
            + self.editor.lines().len().saturating_sub(1)
    }

    /// Replaces the text (undoable).
    pub fn set_text(&mut self, text: &str) {
        self.editor.select_all();
        self.editor.cut();
        self.editor.insert_str(text);
    }

    /// Shows or hides the editor's cursor.
    pub fn set_focused(&mut self, focused: bool) {
        let style = if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        self.editor.set_cursor_style(style);
    }

    /// Re-checks the prompt when it, the model's limit or the anchors changed.
    pub fn relint(&mut self, char_limit: usize, roster: &[String], in_shot: &[String]) {
        let mut hasher = DefaultHasher::new();
        self.editor.lines().hash(&mut hasher);
        (char_limit, roster, in_shot).hash(&mut hasher);
        let key = hasher.finish();
        if self.linted == Some(key) {
            return;
        }
        self.linted = Some(key);
        let text = self.text();
        self.notes = if text.trim().is_empty() {
            Vec::new()
        } else {
            lint(&LintInput {
                prompt: &text,
                char_limit: Some(char_limit),
                roster,
                in_shot,
            })
        };
    }

    /// Adds a prompt to history (moving a repeat to the end).
    pub fn remember(&mut self, prompt: &str) {
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return;
        }
        self.history.retain(|p| p != prompt);
        self.history.push(prompt.to_string());
        if self.history.len() > MAX_HISTORY {
            let extra = self.history.len() - MAX_HISTORY;
            self.history.drain(..extra);
        }
        self.recall = None;
        self.draft = None;
    }

    /// Shows the previous history entry; false when there is none.
    pub fn recall_prev(&mut self) -> bool {
        if self.history.is_empty() {
            return false;
        }
        let index = match self.recall {
            None => {
                self.draft = Some(self.text());
                self.history.len() - 1
            }
            Some(0) => return false,
            Some(i) => i - 1,
        };
        self.show_recalled(index);
        true
    }

    /// Shows the next history entry, or the draft after the newest; false at the end.
    pub fn recall_next(&mut self) -> bool {
        let Some(i) = self.recall else {
            return false;
        };
        if i + 1 < self.history.len() {
            self.show_recalled(i + 1);
        } else {
            let draft = self.draft.take().unwrap_or_default();
            self.set_text(&draft);
            self.recall = None;
        }
        true
    }

    fn show_recalled(&mut self, index: usize) {
        let text = self.history[index].clone();
        self.set_text(&text);
        self.recall = Some(index);
    }

    /// History entries containing `query` (case-insensitive), newest first.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let query = query.to_lowercase();
        self.history
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, p)| query.is_empty() || p.to_lowercase().contains(&query))
            .map(|(i, _)| i)
            .collect()
    }
}

fn new_editor(lines: Vec<String>) -> TextArea<'static> {
    let mut editor = TextArea::new(lines);
    editor.set_wrap_mode(WrapMode::WordOrGlyph);
    editor.set_cursor_line_style(Style::new());
    editor.set_placeholder_text(strings::PROMPT_PLACEHOLDER);
    editor.set_max_histories(200);
    editor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_recalls_and_restores_the_draft() {
        let mut p = PromptState::new(vec!["a fox".into(), "a cat".into(), "a fox".into()]);
        assert_eq!(p.history, vec!["a cat", "a fox"]);
        p.set_text("draft");
        assert!(p.recall_prev());
        assert_eq!(p.text(), "a fox");
        assert!(p.recall_prev());
        assert_eq!(p.text(), "a cat");
        assert!(!p.recall_prev());
        assert!(p.recall_next());
        assert!(p.recall_next());
        assert_eq!(p.text(), "draft");
        assert!(!p.recall_next());
        assert_eq!(p.search("FOX"), vec![1]);
        assert_eq!(p.search(""), vec![1, 0]);
    }

    #[test]
    fn counts_characters_across_lines() {
        let mut p = PromptState::new(vec![]);
        p.set_text("héllo\nworld");
        assert_eq!(p.char_count(), 11);
        p.editor.undo();
        assert_eq!(p.text(), "");
    }
}
