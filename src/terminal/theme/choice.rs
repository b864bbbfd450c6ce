//! Which theme to draw with: a name given by `--theme` or the config, or `auto`, which reads
//! the terminal's background colour (OSC 11, asked by the start-up probe), else `COLORFGBG`,
//! else takes the dark theme.

use super::contrast::{Rgb, luminance};

/// The value that asks the terminal.
pub const AUTO: &str = "auto";

/// Luminance from which a background counts as light (between #767676 and #777777 grey,
/// where black and white text have the same contrast).
const LIGHT_FROM: f64 = 0.179;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Pick light or dark from the terminal's background.
    Auto,
    /// This theme, whatever the terminal; `from` names where the choice came from.
    Named { name: String, from: &'static str },
}

impl ThemeChoice {
    /// `--theme` wins over the config's `[tui] theme`; `auto` in either asks the terminal.
    pub fn from_flag_or_config(flag: Option<&str>, config: &str) -> Self {
        let (value, from) = match flag {
            Some(flag) => (flag, "--theme"),
            None => (config, "[tui] theme"),
        };
        let value = value.trim();
        if value.eq_ignore_ascii_case(AUTO) || value.is_empty() {
            Self::Auto
        } else {
            Self::Named {
                name: value.to_string(),
                from,
            }
        }
    }

    /// True when the terminal must be asked for its background.
    pub fn asks_terminal(&self) -> bool {
        matches!(self, Self::Auto)
    }
}

/// The theme picked and why, e.g. `theme: light (the terminal's background is #ffffff)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    /// The theme's name.
    pub name: String,
    /// Why, in words.
    pub reason: String,
}

impl Picked {
    /// The line F1 and `peel doctor` show.
    pub fn line(&self) -> String {
        format!("theme: {} ({})", self.name, self.reason)
    }
}

/// Resolves `choice` with what the terminal said: its background (OSC 11), and the
/// `COLORFGBG` variable some terminals set (`"15;0"`: light text on black).
pub fn pick(choice: &ThemeChoice, background: Option<Rgb>, colorfgbg: Option<&str>) -> Picked {
    let picked = |name: &str, reason: String| Picked {
        name: name.to_string(),
        reason,
    };
    match choice {
        ThemeChoice::Named { name, from } => picked(name, format!("set by {from}")),
        ThemeChoice::Auto => {
            if let Some(bg) = background {
                let (r, g, b) = bg;
                return picked(
                    kind_name(is_light(bg)),
                    format!("auto: the terminal's background is #{r:02x}{g:02x}{b:02x}"),
                );
            }
            if let Some((value, light)) = colorfgbg.and_then(|v| from_colorfgbg(v).map(|l| (v, l)))
            {
                return picked(
                    kind_name(light),
                    format!("auto: COLORFGBG={value}; the terminal did not say its background"),
                );
            }
            picked(
                "dark",
                "auto: the terminal did not say its background; set --theme light or [tui] theme on a light one".into(),
            )
        }
    }
}

fn kind_name(light: bool) -> &'static str {
    if light { "light" } else { "dark" }
}

/// True for a background dark text reads better on.
pub fn is_light(bg: Rgb) -> bool {
    luminance(bg) > LIGHT_FROM
}

/// `COLORFGBG` is `fg;bg` (sometimes `fg;default;bg`) in the 16 basic colour indexes; the
/// background is light when it is 7 (light grey) or 9–15 except 8.
fn from_colorfgbg(value: &str) -> Option<bool> {
    let bg: u8 = value.rsplit(';').next()?.trim().parse().ok()?;
    match bg {
        7 | 9..=15 => Some(true),
        0..=6 | 8 => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_config_and_auto_asks() {
        assert_eq!(
            ThemeChoice::from_flag_or_config(None, "auto"),
            ThemeChoice::Auto
        );
        assert_eq!(
            ThemeChoice::from_flag_or_config(Some("light"), "auto"),
            ThemeChoice::Named {
                name: "light".into(),
                from: "--theme"
            }
        );
        assert!(ThemeChoice::from_flag_or_config(Some("AUTO"), "dark").asks_terminal());
        let named = ThemeChoice::from_flag_or_config(None, "high-contrast");
        assert!(!named.asks_terminal());
        assert_eq!(
            pick(&named, Some((255, 255, 255)), None).line(),
            "theme: high-contrast (set by [tui] theme)"
        );
    }

    #[test]
    fn the_background_decides_then_colorfgbg_then_dark() {
        let auto = ThemeChoice::Auto;
        let white = pick(&auto, Some((0xff, 0xff, 0xff)), Some("15;0"));
        assert_eq!(
            white.line(),
            "theme: light (auto: the terminal's background is #ffffff)"
        );
        assert_eq!(pick(&auto, Some((0x1e, 0x1e, 0x1e)), None).name, "dark");
        assert_eq!(pick(&auto, Some((0xf0, 0xf0, 0xf0)), None).name, "light");
        // Solarized light's base3 and dark's base03.
        assert_eq!(pick(&auto, Some((0xfd, 0xf6, 0xe3)), None).name, "light");
        assert_eq!(pick(&auto, Some((0x00, 0x2b, 0x36)), None).name, "dark");
        let fgbg = pick(&auto, None, Some("0;15"));
        assert_eq!(fgbg.name, "light");
        assert!(fgbg.reason.contains("COLORFGBG=0;15"), "{}", fgbg.reason);
        assert_eq!(pick(&auto, None, Some("15;default;0")).name, "dark");
        let nothing = pick(&auto, None, Some("nonsense"));
        assert_eq!(nothing.name, "dark");
        assert!(nothing.reason.contains("did not say"), "{}", nothing.reason);
    }
}
