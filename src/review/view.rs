//! Drawing the review screen from state; never mutates it.
//!
//! ```text
//! ┌ review · batch_… · 37/500 · all ──────┬ Preview ───────────┐
//! │ ▓▓▓▓▓▓ ▓▓▓▓▓▓ ▓▓▓▓▓▓                   │                    │
//! │ 001 ★  002    003 ✗                   │      (image)       │
//! │ …                                     ├ Details ───────────┤
//! │                                       │ 037_fox.png ★ keep │
//! └───────────────────────────────────────┴────────────────────┘
//!  status · counts · keys
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_image::Image;
use ratatui_image::protocol::Protocol;
use unicode_width::UnicodeWidthStr;

use super::layout::ReviewLayout;
use super::loader::Loader;
use super::state::{Prompting, ReviewState};
use super::strings;
use super::tiles::Tile;
use crate::studio::batch::manifest::Mark;
use crate::terminal::theme::Theme;
use crate::text::truncate;

/// What the view needs besides the state.
pub struct ViewCtx<'a> {
    /// The folder's name.
    pub title: &'a str,
    /// Thumbnails.
    pub loader: &'a Loader,
    /// Current previews (one, or two when comparing).
    pub previews: &'a [Protocol],
    /// Where everything goes (the grid, or a story's strip).
    pub layout: &'a ReviewLayout,
    /// Colours.
    pub theme: &'a Theme,
}

/// A mark as a symbol and style.
fn badge(mark: Option<Mark>, theme: &Theme) -> (&'static str, Style) {
    match mark {
        Some(Mark::Star) => (strings::STAR, theme.warn().add_modifier(Modifier::BOLD)),
        Some(Mark::Keep) => (strings::KEEP, theme.ok().add_modifier(Modifier::BOLD)),
        Some(Mark::Reject) => (strings::REJECT, theme.error().add_modifier(Modifier::BOLD)),
        None => (" ", theme.text()),
    }
}

/// A score's style: ok when consistent, error when drifted.
fn score_style(score: u8, warn_below: u8, theme: &Theme) -> Style {
    let style = if score < warn_below {
        theme.error()
    } else {
        theme.ok()
    };
    style.add_modifier(Modifier::BOLD)
}

/// A check's lowest score as a coloured badge.
fn score_badge(tile: &Tile, warn_below: u8, theme: &Theme) -> Option<Span<'static>> {
    let consistency = tile.consistency.as_ref()?;
    let lowest = consistency.lowest()?;
    Some(Span::styled(
        format!(" {lowest:>3}"),
        score_style(lowest, warn_below, theme),
    ))
}

/// A tile's caption: its mark first, then the file name, the check's score and the pin,
/// all inside the tile's own columns, so a mark can never sit by a neighbour's name.
pub fn caption<'a>(
    tile: &Tile,
    (selected, pinned): (bool, bool),
    warn_below: u8,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let (symbol, mark_style) = badge(tile.mark, theme);
    let score = score_badge(tile, warn_below, theme);
    let pin = if pinned { strings::PIN } else { "" };
    let tail = score.as_ref().map_or(0, |s| s.width()) + pin.width();
    let room = width.saturating_sub(2 + tail);
    let name_style = if selected {
        theme.selection()
    } else {
        theme.text()
    };
    let mut spans = vec![
        Span::styled(symbol, mark_style),
        Span::raw(" "),
        Span::styled(truncate(&tile.file, room), name_style),
    ];
    spans.extend(score);
    if pinned {
        spans.push(Span::styled(pin, theme.info()));
    }
    Line::from(spans)
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &ReviewState, ctx: &ViewCtx) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let layout = ctx.layout;
    match state.comparing {
        Some((a, b)) => draw_compare(frame, state, ctx, area, (a, b)),
        None => {
            draw_grid(frame, state, ctx, layout);
            draw_preview(frame, state, ctx, layout);
        }
    }
    draw_status(frame, state, layout.status, ctx.theme);
    if state.showing_keys {
        draw_keys(frame, area, ctx.theme);
    }
}

fn draw_grid(frame: &mut Frame, state: &ReviewState, ctx: &ViewCtx, layout: &ReviewLayout) {
    let position = state.selected().map_or(0, |_| state.cursor + 1);
    let kind = if layout.strip { "story" } else { "review" };
    let title = format!(
        " {kind} · {} · {}/{} · {} ",
        ctx.title,
        position,
        state.shown.len(),
        state.filter.as_str()
    );
    frame.render_widget(themed_block(&title, ctx.theme), layout.grid);
    if state.shown.is_empty() {
        let inner = Rect {
            x: layout.grid.x + 2,
            y: layout.grid.y + 1,
            width: layout.grid.width.saturating_sub(4),
            height: 1,
        };
        frame.render_widget(
            Paragraph::new(Line::styled(strings::EMPTY, ctx.theme.muted())),
            inner,
        );
        return;
    }
    let (columns, rows) = layout.grid_shape();
    for row in 0..rows {
        for col in 0..columns {
            let pos = (state.top_row + row) * columns + col;
            let Some(&tile) = state.shown.get(pos) else {
                return;
            };
            let cell = layout.tile(col, row);
            let image_area = Rect {
                height: cell.height.saturating_sub(1),
                ..cell
            };
            match ctx.loader.thumb(tile) {
                Some(protocol) => frame.render_widget(Image::new(protocol), image_area),
                None => frame.render_widget(
                    Paragraph::new(Line::styled(strings::LOADING, ctx.theme.muted())),
                    image_area,
                ),
            }
            let t = &state.tiles[tile];
            let selected = pos == state.cursor;
            let pinned = state.pinned == Some(tile);
            let line = caption(
                t,
                (selected, pinned),
                state.warn_below,
                cell.width as usize,
                ctx.theme,
            );
            let caption_area = Rect {
                y: cell.y + cell.height.saturating_sub(1),
                height: 1,
                ..cell
            };
            frame.render_widget(Paragraph::new(line), caption_area);
        }
    }
}

fn draw_preview(frame: &mut Frame, state: &ReviewState, ctx: &ViewCtx, layout: &ReviewLayout) {
    if layout.preview.width == 0 {
        return;
    }
    let block = themed_block(&format!(" {} ", strings::PREVIEW), ctx.theme);
    let inner = block.inner(layout.preview);
    frame.render_widget(block, layout.preview);
    if let Some(protocol) = ctx.previews.first() {
        frame.render_widget(Image::new(protocol), inner);
    }
    let block = themed_block(&format!(" {} ", strings::DETAILS), ctx.theme);
    let inner = block.inner(layout.details);
    frame.render_widget(block, layout.details);
    let Some(tile) = state.selected() else { return };
    frame.render_widget(
        Paragraph::new(details(state, tile, ctx.theme)).wrap(Wrap { trim: true }),
        inner,
    );
}

/// A bordered box with a title, in the theme's colours.
fn themed_block<'a>(title: &str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(false))
        .title(Span::styled(title.to_string(), theme.title(false)))
}

fn details(state: &ReviewState, tile: usize, theme: &Theme) -> Vec<Line<'static>> {
    let t = &state.tiles[tile];
    let (symbol, style) = badge(t.mark, theme);
    let mark = t.mark.map_or("unmarked", Mark::as_str);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(t.file.clone(), theme.text().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
            Span::styled(format!("{symbol} {mark}"), style),
        ]),
        Line::from(Span::styled(t.settings.clone(), theme.muted())),
    ];
    if !t.outcome().is_empty() {
        lines.push(Line::from(Span::styled(
            t.outcome().to_string(),
            theme.muted(),
        )));
    }
    lines.push(Line::from(Span::styled(t.prompt.clone(), theme.text())));
    if let Some(consistency) = &t.consistency {
        lines.push(Line::from(Span::styled(
            format!("consistency ({})", consistency.model),
            theme.muted(),
        )));
        for anchor in &consistency.anchors {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} {:>3} ", anchor.name, anchor.score),
                    score_style(anchor.score, state.warn_below, theme),
                ),
                Span::styled(anchor.note.clone(), theme.text()),
            ]));
        }
    }
    lines
}

/// Rows under each image of the compare view: its model, tier, time and cost, then its
/// prompt, two rows each at most.
const COMPARE_CAPTION_ROWS: u16 = 4;

fn draw_compare(
    frame: &mut Frame,
    state: &ReviewState,
    ctx: &ViewCtx,
    area: Rect,
    (a, b): (usize, usize),
) {
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let half = body.width / 2;
    for (n, tile) in [a, b].into_iter().enumerate() {
        let rect = Rect {
            x: body.x + n as u16 * half,
            width: if n == 0 { half } else { body.width - half },
            ..body
        };
        let t = &state.tiles[tile];
        let (symbol, _) = badge(t.mark, ctx.theme);
        let block = themed_block(&format!(" {symbol} {} ", t.file), ctx.theme);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let image_area = Rect {
            height: inner.height.saturating_sub(COMPARE_CAPTION_ROWS),
            ..inner
        };
        if let Some(protocol) = ctx.previews.get(n) {
            frame.render_widget(Image::new(protocol), image_area);
        }
        let caption = Rect {
            y: inner.y + image_area.height,
            height: inner.height.min(COMPARE_CAPTION_ROWS),
            ..inner
        };
        let model = t.settings.split(" · ").next().unwrap_or_default();
        let facts = [model, t.outcome()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(facts, ctx.theme.muted()),
                Line::styled(t.prompt.clone(), ctx.theme.text()),
            ])
            .wrap(Wrap { trim: true }),
            caption,
        );
    }
}

/// The most used keys that fit in `width` columns, then `F1 keys`.
fn fit_hints(width: usize) -> String {
    let mut hints = String::new();
    for (key, word) in strings::KEYS {
        let next = format!("{key} {word} · ");
        if hints.width() + next.width() + strings::KEYS_HINT.width() > width {
            break;
        }
        hints.push_str(&next);
    }
    hints + strings::KEYS_HINT
}

/// Every key with what it does, over the middle of the screen.
fn draw_keys(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines: Vec<Line> = strings::KEYS
        .iter()
        .map(|(key, word)| {
            Line::from(vec![
                Span::styled(format!(" {key:>14} "), theme.accent()),
                Span::styled(*word, theme.text()),
            ])
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 44.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = themed_block(strings::KEYS_TITLE, theme);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| crate::terminal::theme::fit_line(l, popup.width.saturating_sub(2) as usize))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn draw_status(frame: &mut Frame, state: &ReviewState, area: Rect, theme: &Theme) {
    let line = match &state.input {
        Some((kind, text)) => {
            let prompt = match kind {
                Prompting::Edit => strings::EDIT_PROMPT,
                Prompting::Anchor => strings::ANCHOR_PROMPT,
                Prompting::Size => strings::SIZE_PROMPT,
            };
            Line::from(vec![
                Span::styled(prompt, theme.info()),
                Span::styled(format!("{text}▏"), theme.text()),
            ])
        }
        None => {
            let (stars, keeps, rejects) = state.tally();
            let tally = format!(
                "{}{stars} {}{keeps} {}{rejects} ",
                strings::STAR,
                strings::KEEP,
                strings::REJECT
            );
            let news = if state.status.is_empty() {
                String::new()
            } else {
                format!("{} · ", state.status)
            };
            let room = (area.width as usize).saturating_sub(tally.width() + news.width());
            let hints = if state.comparing.is_some() {
                strings::COMPARE_HINTS.to_string()
            } else {
                fit_hints(room)
            };
            let spans = vec![
                Span::styled(tally, theme.text().add_modifier(Modifier::BOLD)),
                Span::styled(news, theme.info()),
                Span::styled(hints, theme.muted()),
            ];
            crate::terminal::theme::fit_line(Line::from(spans), area.width as usize)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_keep_the_most_used_keys_then_f1() {
        let narrow = fit_hints(40);
        assert!(narrow.width() <= 40, "{narrow}");
        assert!(narrow.starts_with("←↓↑→/hjkl move · y keep"), "{narrow}");
        assert!(narrow.ends_with("F1 keys"), "{narrow}");
        assert!(!narrow.contains("reload"), "{narrow}");
        let wide = fit_hints(1000);
        assert!(
            strings::KEYS
                .iter()
                .all(|(k, w)| wide.contains(&format!("{k} {w}")))
        );
        assert_eq!(fit_hints(3), "F1 keys");
    }
}
