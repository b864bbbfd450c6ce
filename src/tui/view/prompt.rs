//! The Prompt pane: the editor, a live character count against the model's limit, and
//! an inline message under the text when a generation was refused.
//!
//! ┏▍Prompt ━━━━━━━━━━━━━━━━━━━━━━ 42 / 524,288 ┓
//! ┃a red fox in fresh snow, golden hour        ┃
//! ┃⚠ the prompt is empty; say what…            ┃
//! ┗━━━━━━━━━━━━ Ctrl+G generate · Ctrl+R history┛

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{Pane, draw_pane, hint_line};
use crate::tui::action::Action;
use crate::tui::state::{AppState, Focus};
use crate::tui::strings;
use crate::tui::theme::Theme;

/// Draws the Prompt pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Prompt;
    let count = state.prompt.char_count();
    let limit = state.prompt_limit();
    let count_style = if count > limit {
        theme.error()
    } else {
        theme.muted()
    };
    let count_text = if count > limit {
        format!("{} / {} — over the limit", group(count), group(limit))
    } else {
        format!("{} / {}", group(count), group(limit))
    };
    let keys = &state.keymap;
    let hint = hint_line(
        &[
            (
                keys.hint(Action::Generate),
                strings::describe(Action::Generate)
                    .split(' ')
                    .next()
                    .unwrap_or(""),
            ),
            (keys.hint(Action::HistorySearch), "history"),
            (keys.hint(Action::Help), "keys"),
        ],
        theme,
    );
    let pane = Pane {
        right: Some(Span::styled(count_text, count_style)),
        hint: Some(hint),
        ..Pane::new(strings::title::PROMPT, focused)
    };
    let inner = draw_pane(frame, area, pane, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut editor_area = inner;
    let notes = &state.prompt.notes;
    if state.prompt.message.is_none() && !notes.is_empty() && inner.height >= 4 {
        let lines = if inner.height >= 8 {
            notes.len().min(2)
        } else {
            1
        } as u16;
        editor_area.height -= lines;
        let area = Rect::new(inner.x, editor_area.bottom(), inner.width, lines);
        let more = notes.len().saturating_sub(lines as usize);
        let rows: Vec<Line> = notes
            .iter()
            .take(lines as usize)
            .enumerate()
            .map(|(i, note)| {
                let mut spans = vec![
                    Span::styled("✎ ", theme.warn()),
                    Span::styled(note.message.clone(), theme.muted()),
                ];
                if i + 1 == lines as usize && more > 0 {
                    spans.insert(1, Span::styled(format!("(+{more}) "), theme.warn()));
                }
                Line::from(spans)
            })
            .collect();
        frame.render_widget(Paragraph::new(rows), area);
    }
    if let Some(message) = &state.prompt.message {
        let lines = if inner.height >= 4 { 2 } else { 1 };
        if inner.height > lines {
            editor_area.height -= lines;
            let msg_area = Rect::new(inner.x, editor_area.bottom(), inner.width, lines);
            let text = Line::from(vec![
                Span::styled("⚠ ", theme.error()),
                Span::styled(message.as_str(), theme.error()),
            ]);
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), msg_area);
        }
    }
    frame.render_widget(&state.prompt.editor, editor_area);
}

/// 524288 → "524,288".
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(524_288), "524,288");
        assert_eq!(super::group(42), "42");
        assert_eq!(super::group(1000), "1,000");
    }
}
