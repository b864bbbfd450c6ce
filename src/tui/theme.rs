//! Themes: shipped TOML files (dark, light, high-contrast) and the user's own in
//! `<config dir>/themes/*.toml`. With `NO_COLOR`, styles keep only modifiers.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Themes built into the binary, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
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
        Ok(Self {
            name: name.to_string(),
            color: !no_color,
            text: c("text", &file.text)?,
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

/// Every theme's name: the shipped ones, then the user's in `<config_dir>/themes`.
pub fn names(config_dir: &Path) -> Vec<String> {
    let shipped = SHIPPED.iter().map(|(name, _)| name.to_string());
    let user = user_themes(config_dir).into_keys();
    let mut names: Vec<String> = shipped.collect();
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
