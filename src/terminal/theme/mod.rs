//! Themes for every face that draws (the workbench and the review grid): shipped TOML
//! files (dark, light, high-contrast) and the user's own in `<config dir>/themes/*.toml`.
//! With `NO_COLOR`, styles keep only modifiers. Every colour pair a view draws is listed by
//! `Theme::pairs`, and the shipped themes are tested to read at WCAG AA (`contrast`).
//! `choice` picks the theme, asking the terminal's background for `auto`. This file holds
//! `Theme` and its `Background`; `load.rs` reads themes and the `Candidates` of a choice,
//! `styles.rs` gives the styles a face draws with, `checks.rs` the pairs and their contrast.

pub mod choice;
pub mod contrast;
mod fit;

mod checks;
mod load;
mod styles;

pub use checks::Pair;
pub use fit::fit_line;
pub use load::{Candidates, SHIPPED, names};

use ratatui::style::Color;
use serde::Deserialize;

use contrast::Rgb;

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
}

#[cfg(test)]
mod tests {
    use super::contrast::rgb;
    use super::*;
    use ratatui::style::{Modifier, Style};

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
