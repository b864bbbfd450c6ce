//! The Prompt pane: the editor, a live character count (with the model's limit once the
//! prompt nears it), the prompt checker's notes wrapped under the text, and an inline
//! message when a generation was refused.
//!
//! ┏▍Prompt ━━━━━━━━━━━━━━━━━━━━━━━━━━ 42 chars ┓
//! ┃a red fox in fresh snow, golden hour        ┃
//! ┃! the prompt is empty; say what…            ┃
//! ┗━━━━━━━━━━━━ Ctrl+G generate · Ctrl+R history┛

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use super::frame::{Pane, draw_pane, hint_line};
use crate::studio::lint;
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::action::Action;
use crate::tui::layout::Focus;
use crate::tui::state::AppState;
use crate::tui::strings;

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
    let count_text = counter(count, limit);
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
        let budget = if inner.height >= 8 { 3 } else { 1 };
        let width = inner.width as usize;
        let rows_of = |marker: &str, message: &str| {
            wrapped_rows(&format!("{}{marker}{message}", strings::NOTE_MARK), width)
        };
        let (mut shown, mut rows) = (0, 0);
        for note in notes {
            let needed = rows_of("", &note.message);
            if shown > 0 && rows + needed > budget {
                break;
            }
            rows += needed;
            shown += 1;
        }
        let more = notes.len() - shown;
        let marked: Vec<(String, &str)> = notes[..shown]
            .iter()
            .enumerate()
            .map(|(i, note)| {
                let marker = if i + 1 == shown && more > 0 {
                    format!("(+{more}) ")
                } else {
                    String::new()
                };
                (marker, note.message.as_str())
            })
            .collect();
        let needed: usize = marked.iter().map(|(m, text)| rows_of(m, text)).sum();
        // Wrapped when everything fits; otherwise one line a note, cut with an ellipsis.
        let wrap = needed <= budget;
        let rows = needed.min(budget) as u16;
        editor_area.height -= rows;
        let area = Rect::new(inner.x, editor_area.bottom(), inner.width, rows);
        let lines: Vec<Line> = marked
            .into_iter()
            .map(|(marker, message)| {
                let room = width.saturating_sub(2 + marker.width());
                let message = if wrap {
                    message.to_string()
                } else {
                    truncate(message, room)
                };
                Line::from(vec![
                    Span::styled(strings::NOTE_MARK, theme.warn()),
                    Span::styled(marker, theme.warn()),
                    Span::styled(message, theme.muted()),
                ])
            })
            .collect();
        let notes_view = Paragraph::new(lines);
        let notes_view = if wrap {
            notes_view.wrap(Wrap { trim: true })
        } else {
            notes_view
        };
        frame.render_widget(notes_view, area);
    }
    if let Some(message) = &state.prompt.message {
        let lines = if inner.height >= 4 { 2 } else { 1 };
        if inner.height > lines {
            editor_area.height -= lines;
            let msg_area = Rect::new(inner.x, editor_area.bottom(), inner.width, lines);
            let text = Line::from(vec![
                Span::styled(strings::WARN_MARK, theme.error()),
                Span::styled(message.as_str(), theme.error()),
            ]);
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), msg_area);
        }
    }
    frame.render_widget(&state.prompt.editor, editor_area);
    if state.prompt.editor.is_empty() && theme.color {
        // The placeholder is a hint: the theme's muted colour, not the editor's grey.
        frame.buffer_mut().set_style(
            editor_area,
            ratatui::style::Style::new().fg(theme.muted_color()),
        );
    }
}

/// "42 chars"; with the limit once the prompt nears it ("471,900 / 524,288"), and a
/// warning past it.
pub fn counter(count: usize, limit: usize) -> String {
    if count > limit {
        format!("{} / {} — over the limit", group(count), group(limit))
    } else if lint::near_limit(count, limit) {
        format!("{} / {}", group(count), group(limit))
    } else if count == 1 {
        "1 char".to_string()
    } else {
        format!("{} chars", group(count))
    }
}

/// Rows `text` takes when word-wrapped at `width` columns (at least one).
fn wrapped_rows(text: &str, width: usize) -> usize {
    if width == 0 {
        return 1;
    }
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let w = word.width();
        if used > 0 && used + 1 + w <= width {
            used += 1 + w;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        let extra = w.saturating_sub(1) / width;
        rows += extra;
        used = w - extra * width;
    }
    rows
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
    }

    #[test]
    fn the_counter_names_the_limit_only_near_it() {
        assert_eq!(super::counter(0, 524_288), "0 chars");
        assert_eq!(super::counter(1, 1000), "1 char");
        assert_eq!(super::counter(899, 1000), "899 chars");
        assert_eq!(super::counter(900, 1000), "900 / 1,000");
        assert_eq!(super::counter(1001, 1000), "1,001 / 1,000 — over the limit");
    }

    #[test]
    fn wrapped_rows_count_word_wrapping() {
        assert_eq!(super::wrapped_rows("", 10), 1);
        assert_eq!(super::wrapped_rows("abc def", 7), 1);
        assert_eq!(super::wrapped_rows("abc defg", 7), 2);
        assert_eq!(super::wrapped_rows("abcdefghijklmno", 5), 3);
        assert_eq!(super::group(1000), "1,000");
    }
}
