//! The overlays' shared pieces: a centred popup box with its title, and a one-line text
//! input drawn with its cursor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::state::input::LineInput;

/// Clears a `width`×`height` box centred in `area`, draws its thick border and title, and
/// returns the inside.
pub(super) fn popup(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    theme: &Theme,
) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(2)).max(1);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.border(true))
        .title(Line::from(vec![
            Span::styled("▍", theme.title(true)),
            Span::styled(title.to_string(), theme.title(true)),
            Span::raw(" "),
        ]))
        .style(theme.text());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

/// The input's text cut to `width`; when active, scrolled so the cursor shows.
pub(super) fn input_line<'a>(
    input: &LineInput,
    active: bool,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let text = input.text();
    if !active {
        return Line::styled(truncate(text, width), theme.text());
    }
    let chars: Vec<char> = text.chars().collect();
    let cursor = input.cursor().min(chars.len());
    let start = cursor.saturating_sub(width.saturating_sub(1));
    let before: String = chars[start..cursor].iter().collect();
    let at: String = chars.get(cursor).map_or(" ".into(), |c| c.to_string());
    let after: String = chars
        .iter()
        .skip(cursor + 1)
        .take(width.saturating_sub(before.chars().count() + 1))
        .collect();
    Line::from(vec![
        Span::styled(before, theme.text()),
        Span::styled(at, theme.selection()),
        Span::styled(after, theme.text()),
    ])
}
