//! The Preview pane: the selected job's image drawn inline (kitty, sixel, iTerm2 or
//! halfblocks), with a caption; a running job's progress; a failed job's full reason.
//!
//! ┌ Preview #12 ───────────────────────┐
//! │          ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀          │
//! │          ▀▀▀▀ (image) ▀▀▀          │
//! │ NB 2 · 1K 1024×1024 · seed 42 · 3.2s · $0.067 │
//! │ …/peel-out/a-red-fox.png           │
//! └────────────────────────────────────┘

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_image::protocol::StatefulProtocol;
use ratatui_image::thread::{ResizeRequest, ThreadProtocol};
use ratatui_image::{Resize, StatefulImage};
use tokio::sync::mpsc::UnboundedSender;

use super::frame::{Pane, draw_pane, hint_line};
use super::jobs::phase_words;
use crate::terminal::theme::Theme;
use crate::text::{truncate, truncate_left};
use crate::tui::action::Action;
use crate::tui::layout::Focus;
use crate::tui::state::AppState;
use crate::tui::state::job::{JobItem, Phase};
use crate::tui::state::preview::PreviewStatus;
use crate::tui::state::settings::short_model_name;
use crate::tui::strings;

/// Rows under the image for the caption (more in tall panes).
const CAPTION_ROWS: u16 = 2;
/// From this inner height the caption may take a third row.
const TALL_FROM: u16 = 12;

/// From this inner height the pane gives its top row to the edit session line.
const SESSION_LINE_FROM: u16 = 5;

/// `session <id> · turn <n>` and the turn strip of the shown job's session, when that is
/// the current one (the one Ctrl+G continues): two rows when `roomy`, else one. A job of
/// no session, or of another, shows none (its title names its session).
pub fn session_lines(state: &AppState, roomy: bool) -> Vec<String> {
    let shown = state.jobs.selected_job().and_then(|j| j.turn.as_ref());
    let current = state.session.id.as_deref();
    if shown.is_none_or(|(id, _)| Some(id.as_str()) != current) {
        return vec![];
    }
    let Some(caption) = state.session.caption() else {
        return vec![];
    };
    match state.session.strip() {
        Some(strip) if roomy => vec![caption, strip],
        Some(strip) => vec![format!("{caption} · {strip}")],
        None => vec![caption],
    }
}

/// The one decoded image the workbench holds, ready to draw (view-local state).
pub struct ImageSlot {
    path: Option<PathBuf>,
    protocol: Option<ThreadProtocol>,
    /// The image pinned for side-by-side compare (resized while drawing: it changes
    /// size only when the pane does).
    pinned: Option<(PathBuf, StatefulProtocol)>,
    tx: UnboundedSender<ResizeRequest>,
}

impl ImageSlot {
    /// An empty slot whose resize requests go to `tx`.
    pub fn new(tx: UnboundedSender<ResizeRequest>) -> Self {
        Self {
            path: None,
            protocol: None,
            pinned: None,
            tx,
        }
    }

    /// Holds the image pinned for compare (None drops it).
    pub fn set_pinned(
        &mut self,
        image: Option<(PathBuf, ratatui_image::protocol::StatefulProtocol)>,
    ) {
        self.pinned = image;
    }

    /// Holds `image` (already wrapped for the terminal's protocol) for `path`, dropping the last one.
    pub fn set(&mut self, path: PathBuf, image: ratatui_image::protocol::StatefulProtocol) {
        self.path = Some(path);
        self.protocol = Some(ThreadProtocol::new(self.tx.clone(), Some(image)));
    }

    /// Drops the held image.
    pub fn clear(&mut self) {
        self.path = None;
        self.protocol = None;
    }

    /// The image's path.
    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }

    /// True for sixel and iTerm2 images, which the terminal paints over cells; they are
    /// hidden while a dialog is open so they never cover it.
    pub fn paints_over_cells(&self) -> bool {
        use ratatui_image::protocol::StatefulProtocolType as P;
        self.protocol
            .as_ref()
            .and_then(|p| p.protocol_type())
            .is_some_and(|t| matches!(t, P::Sixel(_) | P::ITerm2(_)))
    }

    /// Hands a finished resize back; false when it was stale.
    pub fn resized(&mut self, response: ratatui_image::thread::ResizeResponse) -> bool {
        self.protocol
            .as_mut()
            .is_some_and(|p| p.update_resized_protocol(response))
    }
}

/// Draws the Preview pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, slot: &mut ImageSlot) {
    let focused = state.focus == Focus::Preview;
    let job = state.jobs.selected_job();
    let keys = &state.keymap;
    let hint = hint_line(
        &[
            (keys.hint(Action::CopyPath), "copy path"),
            (keys.hint(Action::ShowDetails), "details"),
        ],
        theme,
    );
    // The title names the job shown and its own session; the right side says what Ctrl+G
    // will do (continue the chosen session, or start a new one).
    let badge = job.map(|j| {
        let text = match &j.turn {
            Some((session, turn)) => {
                format!("#{} · {}", j.id, state.session.describe(session, *turn))
            }
            None => format!("#{}", j.id),
        };
        Span::styled(text, theme.muted())
    });
    let next = format!(
        "{}: {}",
        keys.hint(Action::Generate),
        state.session.next_words()
    );
    let title_room = (area.width as usize).saturating_sub(
        strings::title::PREVIEW.chars().count() + badge.as_ref().map_or(0, |b| b.width() + 1) + 8,
    );
    let in_title = next.chars().count() <= title_room;
    let pane = Pane {
        badge,
        right: in_title.then(|| Span::styled(next.clone(), theme.info())),
        hint: Some(hint),
        ..Pane::new(strings::title::PREVIEW, focused)
    };
    let mut inner = draw_pane(frame, area, pane, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if inner.height >= SESSION_LINE_FROM {
        let width = inner.width as usize;
        let mut lines: Vec<Line> = session_lines(state, inner.height >= TALL_FROM)
            .into_iter()
            .map(|text| Line::styled(truncate(&text, width), theme.muted()))
            .collect();
        if !in_title && inner.height >= TALL_FROM {
            // No room in the title: what Ctrl+G will do takes a row of its own.
            lines.push(Line::styled(truncate(&next, width), theme.info()));
        }
        let rows = lines.len() as u16;
        frame.render_widget(
            Paragraph::new(lines),
            Rect {
                height: rows,
                ..inner
            },
        );
        inner.y += rows;
        inner.height -= rows;
    }
    let Some(job) = job else {
        centered(
            frame,
            inner,
            vec![Line::styled(strings::PREVIEW_EMPTY, theme.muted())],
        );
        return;
    };
    match &job.phase {
        Phase::Done => draw_done(frame, inner, state, theme, slot, job),
        Phase::Failed | Phase::Blocked => draw_failure(frame, inner, state, theme, job),
        _ => {
            let (glyph, label, style) = phase_words(job, state.now, theme);
            let elapsed = job
                .elapsed_at(state.now)
                .map(|d| format!("  {:.1}s", d.as_secs_f64()))
                .unwrap_or_default();
            let mut lines = vec![Line::from(vec![
                Span::styled(format!("{glyph} {label}"), style),
                Span::styled(elapsed, theme.muted()),
            ])];
            if let Phase::Retrying { reason, .. } = &job.phase {
                lines.push(Line::raw(""));
                lines.push(Line::styled(reason.clone(), theme.warn()));
            }
            if let Some(headline) = &job.thinking.headline {
                let text = format!("{}{headline}", strings::THINKING);
                lines.push(Line::styled(
                    truncate(&text, inner.width as usize),
                    theme.accent(),
                ));
            }
            let rows = lines.len() as u16;
            if job.thinking.image.is_none() || inner.height <= rows + 2 {
                centered(frame, inner, lines);
                return;
            }
            let image_area = Rect::new(inner.x, inner.y, inner.width, inner.height - rows);
            let caption = Rect::new(inner.x, image_area.bottom(), inner.width, rows);
            draw_interim(frame, image_area, state, theme, slot);
            let lines: Vec<Line> = lines
                .into_iter()
                .map(|l| crate::terminal::theme::fit_line(l, caption.width as usize))
                .collect();
            frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), caption);
        }
    }
}

/// A running job's latest interim thought image, once decoded.
fn draw_interim(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    slot: &mut ImageSlot,
) {
    let ready = matches!(state.preview.status, PreviewStatus::Ready { .. })
        && slot.path.is_some()
        && slot.path == state.preview.path;
    if !ready {
        let text = vec![Line::styled(strings::PREVIEW_LOADING, theme.muted())];
        centered(frame, area, text);
    } else if !(state.overlay.is_some() && slot.paints_over_cells())
        && let Some(protocol) = slot.protocol.as_mut()
    {
        draw_image(frame, area, protocol);
    }
}

fn draw_done(
    frame: &mut Frame,
    inner: Rect,
    state: &AppState,
    theme: &Theme,
    slot: &mut ImageSlot,
    job: &JobItem,
) {
    let rows = if inner.height >= TALL_FROM {
        CAPTION_ROWS + 1
    } else {
        CAPTION_ROWS
    };
    let caption_rows = rows.min(inner.height.saturating_sub(1));
    let image_area = Rect::new(inner.x, inner.y, inner.width, inner.height - caption_rows);
    let caption_area = Rect::new(inner.x, image_area.bottom(), inner.width, caption_rows);
    draw_caption(frame, caption_area, state, theme, job);
    let ready = matches!(state.preview.status, PreviewStatus::Ready { .. })
        && slot.path.is_some()
        && slot.path == state.preview.path;
    match &state.preview.status {
        PreviewStatus::Failed(e) => {
            let text = vec![Line::styled(e.clone(), theme.error())];
            centered(frame, image_area, text);
        }
        _ if !ready => {
            centered(
                frame,
                image_area,
                vec![Line::styled(strings::PREVIEW_LOADING, theme.muted())],
            );
        }
        _ if state.overlay.is_some() && slot.paints_over_cells() => {}
        _ => {
            let pinned = state
                .compare
                .as_ref()
                .filter(|pin| pin.job != job.id && image_area.width >= 20);
            let Some(pin) = pinned else {
                if let Some(protocol) = slot.protocol.as_mut() {
                    draw_image(frame, image_area, protocol);
                }
                return;
            };
            let half = image_area.width / 2;
            let left = Rect::new(image_area.x, image_area.y, half, image_area.height);
            let right = Rect::new(
                image_area.x + half,
                image_area.y,
                image_area.width - half,
                image_area.height,
            );
            let mut label = |area: Rect, text: String| {
                let row = Rect::new(area.x, area.y, area.width, 1);
                frame.render_widget(
                    Paragraph::new(crate::terminal::theme::fit_line(
                        Line::styled(text, theme.accent()).alignment(Alignment::Center),
                        row.width as usize,
                    )),
                    row,
                );
                Rect::new(
                    area.x,
                    area.y + 1,
                    area.width,
                    area.height.saturating_sub(1),
                )
            };
            let left_img = label(left, format!("A #{} (pinned)", pin.job));
            let right_img = label(right, format!("B #{}", job.id));
            match slot.pinned.as_mut().filter(|(path, _)| *path == pin.path) {
                Some((_, protocol)) => {
                    let resize = Resize::Fit(None);
                    let size = protocol
                        .size_for(resize.clone(), Size::new(left_img.width, left_img.height));
                    let target = centred_rect(left_img, size);
                    frame.render_stateful_widget(
                        StatefulImage::default().resize(resize),
                        target,
                        protocol,
                    );
                }
                None => centered(
                    frame,
                    left_img,
                    vec![Line::styled(strings::PREVIEW_LOADING, theme.muted())],
                ),
            }
            if let Some(protocol) = slot.protocol.as_mut() {
                draw_image(frame, right_img, protocol);
            }
        }
    }
}

/// Draws an image fitted and centred in `area`.
fn draw_image(frame: &mut Frame, area: Rect, protocol: &mut ThreadProtocol) {
    let resize = Resize::Fit(None);
    let size = protocol
        .size_for(resize.clone(), Size::new(area.width, area.height))
        .unwrap_or(Size::new(area.width, area.height));
    let target = centred_rect(area, size);
    frame.render_stateful_widget(StatefulImage::default().resize(resize), target, protocol);
}

/// A `size` box centred in `area` (clipped to it).
fn centred_rect(area: Rect, size: Size) -> Rect {
    Rect::new(
        area.x + area.width.saturating_sub(size.width) / 2,
        area.y + area.height.saturating_sub(size.height) / 2,
        size.width.min(area.width),
        size.height.min(area.height),
    )
}

fn draw_caption(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, job: &JobItem) {
    if area.height == 0 {
        return;
    }
    let model = state
        .registry
        .resolve(&job.model)
        .map(short_model_name)
        .unwrap_or_else(|_| job.model.clone());
    let mut parts = vec![model, job.size.clone()];
    if let Some((w, h)) = job.pixels {
        parts.push(format!("{w}×{h}"));
    }
    if let Some(seed) = job.seed {
        parts.push(format!("seed {seed}"));
    }
    if let Some(d) = job.elapsed {
        parts.push(format!("{:.1}s", d.as_secs_f64()));
    }
    parts.push(format!("${:.3}", job.cost_usd));
    let width = area.width as usize;
    let path = job
        .image()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let rows = area.height as usize;
    let mut lines = flow_caption(&parts, &path, width, rows);
    if lines.is_none() && job.pixels.is_some() {
        parts.remove(2);
        lines = flow_caption(&parts, &path, width, rows);
    }
    let lines = lines.unwrap_or_else(|| {
        let mut all = vec![truncate(&parts.join(" · "), width)];
        if rows > 1 {
            all.push(truncate_left(&path, width.saturating_sub(2)));
        }
        all
    });
    let count = lines.len();
    let lines: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let style = if i + 1 == count && rows > 1 {
                theme.muted()
            } else {
                theme.accent()
            };
            Line::styled(text, style).alignment(Alignment::Center)
        })
        .collect();
    let top = area.height.saturating_sub(count as u16);
    let area = Rect::new(area.x, area.y + top, area.width, area.height - top);
    frame.render_widget(Paragraph::new(lines), area);
}

/// Flows caption parts into the rows above the path line; None when they do not all fit.
fn flow_caption(parts: &[String], path: &str, width: usize, rows: usize) -> Option<Vec<String>> {
    const SEP: &str = " · ";
    let text_rows = rows.saturating_sub(1).max(1);
    let mut lines: Vec<String> = vec![String::new()];
    for part in parts {
        let current = lines.last_mut()?;
        let needed = current.chars().count() + SEP.chars().count() + part.chars().count();
        if current.is_empty() {
            current.push_str(part);
        } else if needed <= width {
            current.push_str(SEP);
            current.push_str(part);
        } else if lines.len() < text_rows {
            lines.push(part.clone());
        } else {
            return None;
        }
    }
    if lines.iter().any(|l| l.chars().count() > width) {
        return None;
    }
    if rows > 1 {
        lines.push(truncate_left(path, width.saturating_sub(2)));
    }
    Some(lines)
}

fn draw_failure(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, job: &JobItem) {
    let (glyph, label, style) = phase_words(job, state.now, theme);
    let message = job
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    let keys = &state.keymap;
    let lines = vec![
        Line::styled(format!("{glyph} {label}"), style),
        Line::raw(""),
        Line::styled(message, theme.text()),
        Line::raw(""),
        Line::from(vec![
            Span::styled(keys.hint(Action::RetryJob), theme.accent()),
            Span::styled(" retry · ", theme.muted()),
            Span::styled(keys.hint(Action::ReusePrompt), theme.accent()),
            Span::styled(" edit the prompt", theme.muted()),
        ]),
    ];
    let area = area.inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn centered(frame: &mut Frame, area: Rect, lines: Vec<Line>) {
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| l.alignment(Alignment::Center))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, area.height - (y - area.y)),
    );
}
