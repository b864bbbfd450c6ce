//! The styles a face draws with: a `Theme`'s colours per role (text, borders, titles,
//! states, the status bar), the selected row, and modifiers only under `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

use super::Theme;

impl Theme {
    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// The muted colour itself (for patching drawn cells).
    pub fn muted_color(&self) -> Color {
        self.muted
    }

    /// Ordinary text.
    pub fn text(&self) -> Style {
        self.fg(self.text)
    }

    /// Secondary text: hints, captions.
    pub fn muted(&self) -> Style {
        if self.color {
            self.fg(self.muted)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// Emphasis: values in the settings line, counters.
    pub fn accent(&self) -> Style {
        if self.color {
            self.fg(self.accent)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// A pane border; focused borders are bold (and coloured).
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => self.fg(self.border_focus).add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.fg(self.border),
        }
    }

    /// A pane title.
    pub fn title(&self, focused: bool) -> Style {
        let style = if focused {
            self.fg(self.border_focus)
        } else {
            self.fg(self.title)
        };
        style.add_modifier(Modifier::BOLD)
    }

    /// The selected row of a list.
    pub fn selection(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.selection_fg)
                .bg(self.selection_bg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The selected row, unfocused: the same colours without bold.
    pub fn selection_dim(&self) -> Style {
        self.selection().remove_modifier(Modifier::BOLD)
    }

    /// `line` as a selected row: every span takes the selection's colours (a span's own
    /// colour would be drawn on the selection background, where it may not read), keeping
    /// its modifiers; padded with the selection to `width` columns.
    pub fn select_line<'a>(
        &self,
        line: ratatui::text::Line<'a>,
        width: usize,
        focused: bool,
    ) -> ratatui::text::Line<'a> {
        let style = if focused {
            self.selection()
        } else {
            self.selection_dim()
        };
        let pad = width.saturating_sub(line.width());
        let mut spans: Vec<ratatui::text::Span<'a>> = line
            .spans
            .into_iter()
            .map(|span| {
                let style = if self.color {
                    span.style.patch(style).fg(self.selection_fg)
                } else {
                    span.style.patch(style)
                };
                span.style(style)
            })
            .collect();
        if pad > 0 {
            spans.push(ratatui::text::Span::styled(" ".repeat(pad), style));
        }
        ratatui::text::Line::from(spans).style(style)
    }

    /// Success.
    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }

    /// Warnings: retries, budget nearly full.
    pub fn warn(&self) -> Style {
        if self.color {
            self.fg(self.warn)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// Errors.
    pub fn error(&self) -> Style {
        if self.color {
            self.fg(self.error)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// Work in progress.
    pub fn info(&self) -> Style {
        self.fg(self.info)
    }

    /// The status bar background.
    pub fn status(&self) -> Style {
        if self.color {
            Style::new().fg(self.text).bg(self.status_bg)
        } else {
            Style::new()
        }
    }

    /// The loud offline banner.
    pub fn offline(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.offline_fg)
                .bg(self.offline_bg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}
