//! Where themes come from: the shipped TOML files and the user's `<config dir>/themes`,
//! parsed into a `Theme`, and the `Candidates` a theme choice may end on.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

use super::contrast::{self, Rgb, rgb};
use super::{Background, Theme, choice};

/// Themes built into the binary, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
];

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
