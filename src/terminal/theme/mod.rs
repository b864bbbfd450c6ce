//! Themes for every face that draws (the workbench and the review grid): shipped TOML
//! files (dark, light, high-contrast) and the user's own in `<config dir>/themes/*.toml`.
//! With `NO_COLOR`, styles keep only modifiers. Every colour pair a view draws is listed by
//! `Theme::pairs`, and the shipped themes are tested to read at WCAG AA (`contrast`).
//! `choice` picks the theme, asking the terminal's background for `auto`.

pub mod choice;
pub mod contrast;
mod fit;

pub use fit::fit_line;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use contrast::{Rgb, SECONDARY_MIN, TEXT_MIN, ratio, rgb};

/// Themes built into the binary, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
];

/// The terminal background a theme is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    /// Light text on a dark background.
    Dark,
    /// Dark text on a light background.
    Light,
}

impl Background {
    /// The terminal default backgrounds a theme of this kind is checked against: pure, and
    /// the common off-shade (VS Code's #1e1e1e, a light grey #f0f0f0).
    pub fn checked_against(self) -> [Rgb; 2] {
        match self {
            Background::Dark => [(0x00, 0x00, 0x00), (0x1e, 0x1e, 0x1e)],
            Background::Light => [(0xff, 0xff, 0xff), (0xf0, 0xf0, 0xf0)],
        }
    }
}

/// One foreground drawn on one background somewhere in the faces, with the ratio it needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Where it is drawn, e.g. "selected row".
    pub role: &'static str,
    /// The text colour.
    pub fg: Color,
    /// The background (`Reset`: the terminal's own).
    pub bg: Color,
    /// The least contrast it needs (4.5 text, 3 secondary).
    pub min: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// "dark" or "light"; when absent, read from the text colour.
    background: Option<Background>,
    text: String,
    muted: String,
    accent: String,
    border: String,
    border_focus: String,
    title: String,
    selection_fg: String,
    selection_bg: String,
    ok: String,
    warn: String,
    error: String,
    info: String,
    status_bg: String,
    offline_fg: String,
    offline_bg: String,
}

/// Resolved colours for every role the views use.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    /// False under `NO_COLOR`: only modifiers are used.
    pub color: bool,
    /// The background the theme is made for.
    pub background: Background,
    text: Color,
    muted: Color,
    accent: Color,
    border: Color,
    border_focus: Color,
    title: Color,
    selection_fg: Color,
    selection_bg: Color,
    ok: Color,
    warn: Color,
    error: Color,
    info: Color,
    status_bg: Color,
    offline_fg: Color,
    offline_bg: Color,
}

impl Theme {
    /// Loads `name` from the shipped themes or `<config_dir>/themes`; `no_color` strips colours.
    pub fn load(name: &str, config_dir: &Path, no_color: bool) -> Result<Self, String> {
        let user = user_themes(config_dir);
        let text = match user.get(name) {
            Some(text) => text.clone(),
            None => match SHIPPED.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => (*text).to_string(),
                None => {
                    let mut names: Vec<String> =
                        SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
                    names.extend(
                        user.keys()
                            .filter(|k| !names.contains(k))
                            .cloned()
                            .collect::<Vec<_>>(),
                    );
                    return Err(format!(
                        "unknown theme '{name}'. Available: {}. Add your own as {}/themes/<name>.toml.",
                        names.join(", "),
                        config_dir.display()
                    ));
                }
            },
        };
        Self::parse(name, &text, no_color)
    }

    /// Parses a theme file's text.
    pub fn parse(name: &str, text: &str, no_color: bool) -> Result<Self, String> {
        let file: ThemeFile = toml::from_str(text)
            .map_err(|e| format!("theme '{name}': {}", e.to_string().trim()))?;
        let c = |field: &str, value: &str| {
            Color::from_str(value.trim())
                .map_err(|_| format!("theme '{name}': {field} = \"{value}\" is not a colour"))
        };
        let text = c("text", &file.text)?;
        let background =
            file.background
                .unwrap_or_else(|| match rgb(text).map(contrast::luminance) {
                    Some(l) if l < 0.5 => Background::Light,
                    _ => Background::Dark,
                });
        Ok(Self {
            name: name.to_string(),
            color: !no_color,
            background,
            text,
            muted: c("muted", &file.muted)?,
            accent: c("accent", &file.accent)?,
            border: c("border", &file.border)?,
            border_focus: c("border_focus", &file.border_focus)?,
            title: c("title", &file.title)?,
            selection_fg: c("selection_fg", &file.selection_fg)?,
            selection_bg: c("selection_bg", &file.selection_bg)?,
            ok: c("ok", &file.ok)?,
            warn: c("warn", &file.warn)?,
            error: c("error", &file.error)?,
            info: c("info", &file.info)?,
            status_bg: c("status_bg", &file.status_bg)?,
            offline_fg: c("offline_fg", &file.offline_fg)?,
            offline_bg: c("offline_bg", &file.offline_bg)?,
        })
    }

    /// The shipped dark theme (for tests and fallbacks).
    pub fn dark() -> Self {
        Self::parse("dark", SHIPPED[0].1, false).unwrap_or_else(|_| Self::plain())
    }

    /// A colourless theme.
    pub fn plain() -> Self {
        Self {
            name: "plain".into(),
            color: false,
            background: Background::Dark,
            text: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            border: Color::Reset,
            border_focus: Color::Reset,
            title: Color::Reset,
            selection_fg: Color::Reset,
            selection_bg: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            error: Color::Reset,
            info: Color::Reset,
            status_bg: Color::Reset,
            offline_fg: Color::Reset,
            offline_bg: Color::Reset,
        }
    }

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

impl Theme {
    /// Every colour pair the faces draw, with the contrast each needs. Text on the
    /// terminal's own background is listed once with `bg = Reset`.
    pub fn pairs(&self) -> Vec<Pair> {
        let pair = |role, fg, bg, min| Pair { role, fg, bg, min };
        let reset = Color::Reset;
        let mut pairs = vec![
            pair("text", self.text, reset, TEXT_MIN),
            pair("pane title", self.title, reset, TEXT_MIN),
            pair("focused pane title", self.border_focus, reset, TEXT_MIN),
            pair("accent (keys, values)", self.accent, reset, TEXT_MIN),
            pair("ok (done, backend)", self.ok, reset, TEXT_MIN),
            pair("warn", self.warn, reset, TEXT_MIN),
            pair("error", self.error, reset, TEXT_MIN),
            pair("info (running)", self.info, reset, TEXT_MIN),
            pair("muted (hints, timings)", self.muted, reset, SECONDARY_MIN),
            pair(
                "selected row",
                self.selection_fg,
                self.selection_bg,
                TEXT_MIN,
            ),
            pair("offline banner", self.offline_fg, self.offline_bg, TEXT_MIN),
        ];
        for (role, fg, min) in [
            ("status bar text", self.text, TEXT_MIN),
            ("status bar ok", self.ok, TEXT_MIN),
            ("status bar warn", self.warn, TEXT_MIN),
            ("status bar error", self.error, TEXT_MIN),
            ("status bar hint", self.muted, SECONDARY_MIN),
        ] {
            pairs.push(pair(role, fg, self.status_bg, min));
        }
        pairs
    }

    /// The lowest contrast of `pair`, over the backgrounds the theme is checked against
    /// when it is drawn on the terminal's own; None when a colour is the terminal's default.
    pub fn lowest_ratio(&self, fg: Color, bg: Color) -> Option<f64> {
        let fg = rgb(fg)?;
        match rgb(bg) {
            Some(bg) => Some(ratio(fg, bg)),
            None => self
                .background
                .checked_against()
                .iter()
                .map(|bg| ratio(fg, *bg))
                .reduce(f64::min),
        }
    }

    /// Every drawn character in `buffer` whose colours read below what it needs (secondary
    /// text, in the muted colour, needs 3:1; the rest 4.5:1), as `(x, y) 'c' ratio`. Frame
    /// lines and image blocks are not text and are skipped, as are cells in `skip`.
    pub fn unreadable(&self, buffer: &Buffer, skip: &[ratatui::layout::Rect]) -> Vec<String> {
        let mut found = Vec::new();
        if !self.color {
            return found;
        }
        let area = buffer.area;
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                if skip.iter().any(|r| r.contains((x, y).into())) {
                    continue;
                }
                let Some(cell) = buffer.cell((x, y)) else {
                    continue;
                };
                let symbol = cell.symbol();
                let Some(c) = symbol.chars().next() else {
                    continue;
                };
                if c.is_whitespace() || is_drawing(c) {
                    continue;
                }
                let (fg, bg) = if cell.modifier.contains(Modifier::REVERSED) {
                    (cell.bg, cell.fg)
                } else {
                    (cell.fg, cell.bg)
                };
                let Some(lowest) = self.lowest_ratio(fg, bg) else {
                    continue;
                };
                let min = if fg == self.muted {
                    SECONDARY_MIN
                } else {
                    TEXT_MIN
                };
                if lowest < min || cell.modifier.contains(Modifier::DIM) {
                    found.push(format!("({x}, {y}) '{symbol}' {lowest:.2}:1 < {min}"));
                }
            }
        }
        found
    }
}

/// Box drawing, block elements and the focus bar: lines and images, not text.
fn is_drawing(c: char) -> bool {
    matches!(c, '\u{2500}'..='\u{259f}')
}

/// The themes a choice may end on, loaded before the terminal is taken (so a broken theme
/// file is reported plainly): the named one, or dark and light for `auto`.
pub struct Candidates {
    choice: choice::ThemeChoice,
    themes: Vec<Theme>,
    no_color: bool,
}

impl Candidates {
    /// Loads what `choice` may need from the shipped themes and `<config_dir>/themes`.
    pub fn load(
        choice: choice::ThemeChoice,
        config_dir: &Path,
        no_color: bool,
    ) -> Result<Self, String> {
        let names: Vec<String> = match &choice {
            choice::ThemeChoice::Auto => vec!["dark".into(), "light".into()],
            choice::ThemeChoice::Named { name, .. } => vec![name.clone()],
        };
        let themes = names
            .iter()
            .map(|n| Theme::load(n, config_dir, no_color))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            choice,
            themes,
            no_color,
        })
    }

    /// True when the terminal's background must be asked.
    pub fn asks_terminal(&self) -> bool {
        self.choice.asks_terminal()
    }

    /// The theme for what the terminal said, and the line saying which and why.
    pub fn pick(self, background: Option<Rgb>, colorfgbg: Option<&str>) -> (Theme, String) {
        let picked = choice::pick(&self.choice, background, colorfgbg);
        let mut line = picked.line();
        if self.no_color {
            line.push_str("; NO_COLOR is set, so only bold, dim and reverse are used");
        }
        let theme = self
            .themes
            .into_iter()
            .find(|t| t.name == picked.name)
            .unwrap_or_else(Theme::dark);
        (theme, line)
    }
}

/// Every theme's name: the shipped ones, then the user's in `<config_dir>/themes`.
pub fn names(config_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = SHIPPED.iter().map(|(name, _)| name.to_string()).collect();
    let user = user_themes(config_dir).into_keys();
    names.extend(user.filter(|name| !SHIPPED.iter().any(|(s, _)| s == name)));
    names
}

/// `<config_dir>/themes/*.toml`, by file stem.
fn user_themes(config_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(config_dir.join("themes")) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml")
            && let (Some(stem), Ok(text)) = (path.file_stem(), std::fs::read_to_string(&path))
        {
            out.insert(stem.to_string_lossy().to_string(), text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_themes_parse() {
        let dir = tempfile::tempdir().unwrap();
        for (name, _) in SHIPPED {
            let theme = Theme::load(name, dir.path(), false).unwrap();
            assert!(theme.color);
        }
    }

    #[test]
    fn unknown_themes_list_the_available_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(dir.path().join("themes/mine.toml"), SHIPPED[1].1).unwrap();
        assert_eq!(Theme::load("mine", dir.path(), false).unwrap().name, "mine");
        let err = Theme::load("neon", dir.path(), false).unwrap_err();
        assert!(
            err.contains("neon") && err.contains("dark, light, high-contrast, mine"),
            "{err}"
        );
        std::fs::write(dir.path().join("themes/bad.toml"), "text = \"nope\"").unwrap();
        assert!(Theme::load("bad", dir.path(), false).is_err());
    }

    /// Every pair each shipped theme draws, with its lowest ratio (on the terminal's
    /// default backgrounds for its kind), against what it needs.
    fn shortfalls(theme: &Theme) -> Vec<String> {
        theme
            .pairs()
            .into_iter()
            .filter_map(|p| {
                let lowest = theme.lowest_ratio(p.fg, p.bg)?;
                (lowest < p.min).then(|| {
                    format!(
                        "{}: {} {:?} on {:?} is {lowest:.2}:1, needs {}",
                        theme.name, p.role, p.fg, p.bg, p.min
                    )
                })
            })
            .collect()
    }

    #[test]
    fn every_shipped_theme_reads_at_wcag_aa() {
        let dir = tempfile::tempdir().unwrap();
        for (name, _) in SHIPPED {
            let theme = Theme::load(name, dir.path(), false).unwrap();
            assert_eq!(theme.pairs().len(), 16, "every pair is listed");
            assert!(
                theme.pairs().iter().all(|p| rgb(p.fg).is_some()),
                "{name}: every text colour is a real colour"
            );
            let short = shortfalls(&theme);
            assert!(short.is_empty(), "{}", short.join("\n"));
        }
        let kinds: Vec<Background> = SHIPPED
            .iter()
            .map(|(n, _)| Theme::load(n, dir.path(), false).unwrap().background)
            .collect();
        assert_eq!(
            kinds,
            [Background::Dark, Background::Light, Background::Dark]
        );
    }

    #[test]
    fn a_theme_that_does_not_read_is_caught() {
        // The selected row: light grey text on the yellow selection.
        let bad = SHIPPED[0]
            .1
            .replace("selection_fg = \"#1d2026\"", "selection_fg = \"#d7dae0\"");
        let theme = Theme::parse("bad", &bad, false).unwrap();
        let short = shortfalls(&theme);
        assert_eq!(short.len(), 1, "{short:?}");
        assert!(
            short[0].contains("selected row") && short[0].contains("1.16:1"),
            "{short:?}"
        );
        // A user theme without `background` is read from its text colour.
        let light = SHIPPED[1].1.replace("background = \"light\"\n", "");
        assert_eq!(
            Theme::parse("mine", &light, false).unwrap().background,
            Background::Light
        );
    }

    #[test]
    fn selected_rows_take_the_selection_colours_whatever_their_spans_say() {
        use ratatui::text::{Line, Span};
        let theme = Theme::dark();
        let line = Line::from(vec![
            Span::styled("✓ done", theme.ok()),
            Span::styled(" 1K", theme.muted()),
        ]);
        let selected = theme.select_line(line, 12, true);
        assert_eq!(selected.width(), 12);
        for span in &selected.spans {
            assert_eq!(span.style.fg, Some(theme.selection_fg), "{span:?}");
            assert_eq!(span.style.bg, Some(theme.selection_bg), "{span:?}");
        }
        let plain = Theme::plain();
        let row = plain.select_line(Line::raw("x"), 3, true);
        assert!(row.spans[0].style.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load("dark", dir.path(), true).unwrap();
        assert_eq!(theme.text(), Style::new());
        assert_eq!(
            theme.selection(),
            Style::new().add_modifier(Modifier::REVERSED)
        );
        assert!(theme.border(true).add_modifier.contains(Modifier::BOLD));
        assert_eq!(theme.border(true).fg, None);
    }
}
