//! Key chords, the default bindings, and `[tui.keys]` overrides.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Scope};

/// One key with its modifiers, normalised so parsing and terminal events compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCodeOrd,
    /// Ctrl, Alt (Shift only for non-character keys).
    pub mods: u8,
}

/// A `KeyCode` subset that can be ordered and hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    /// A character (case kept).
    Char(char),
    /// A function key.
    F(u8),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift+Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Insert.
    Insert,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
}

const CTRL: u8 = 1;
const ALT: u8 = 2;
const SHIFT: u8 = 4;

impl KeyChord {
    /// The chord a terminal key event stands for, if it is one peel can bind.
    pub fn from_event(key: &KeyEvent) -> Option<Self> {
        let code = match key.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        let m = key.modifiers;
        let mut mods = 0;
        if m.contains(KeyModifiers::CONTROL) {
            mods |= CTRL;
        }
        if m.contains(KeyModifiers::ALT) {
            mods |= ALT;
        }
        let shift_counts = !matches!(code, KeyCodeOrd::Char(_) | KeyCodeOrd::BackTab);
        if shift_counts && m.contains(KeyModifiers::SHIFT) {
            mods |= SHIFT;
        }
        let code = match code {
            KeyCodeOrd::Char(c) if mods & CTRL != 0 => KeyCodeOrd::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Some(Self { code, mods })
    }

    /// Parses "ctrl-g", "shift-tab", "f1", "?", "alt-c", "enter", "space", "pgdn", …
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "'{text}' is not a key; write e.g. ctrl-g, alt-c, shift-tab, f2, enter, space or a single character"
            )
        };
        let mut mods = 0;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, bit) = if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                (5, CTRL)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (4, ALT)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (6, SHIFT)
            } else {
                break;
            };
            if rest.len() <= prefix {
                break;
            }
            mods |= bit;
            rest = &rest[prefix..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" if mods & SHIFT != 0 => {
                mods &= !SHIFT;
                KeyCodeOrd::BackTab
            }
            "tab" => KeyCodeOrd::Tab,
            "backtab" => KeyCodeOrd::BackTab,
            "backspace" => KeyCodeOrd::Backspace,
            "delete" | "del" => KeyCodeOrd::Delete,
            "insert" | "ins" => KeyCodeOrd::Insert,
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "pageup" | "pgup" => KeyCodeOrd::PageUp,
            "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
            "space" => KeyCodeOrd::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => {
                let n: u8 = f[1..].parse().map_err(|_| bad())?;
                if !(1..=24).contains(&n) {
                    return Err(bad());
                }
                KeyCodeOrd::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return Err(bad());
                };
                if mods & SHIFT != 0 {
                    mods &= !SHIFT;
                    KeyCodeOrd::Char(c.to_ascii_uppercase())
                } else if mods & CTRL != 0 {
                    KeyCodeOrd::Char(c.to_ascii_lowercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
        };
        Ok(Self { code, mods })
    }

    /// True for a character typed without Ctrl or Alt (text for the editor).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && self.mods & (CTRL | ALT) == 0
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods & CTRL != 0 {
            f.write_str("Ctrl+")?;
        }
        if self.mods & ALT != 0 {
            f.write_str("Alt+")?;
        }
        if self.mods & SHIFT != 0 {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) if self.mods & (CTRL | ALT) != 0 => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("Shift+Tab"),
            KeyCodeOrd::Backspace => f.write_str("Backspace"),
            KeyCodeOrd::Delete => f.write_str("Del"),
            KeyCodeOrd::Insert => f.write_str("Ins"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
            KeyCodeOrd::PageUp => f.write_str("PgUp"),
            KeyCodeOrd::PageDown => f.write_str("PgDn"),
        }
    }
}

/// The default chords of an action.
pub fn default_keys(action: Action) -> &'static [&'static str] {
    use Action::*;
    match action {
        Generate => &["ctrl-g"],
        ShowRequest => &["f9", "alt-r"],
        NewSession => &["alt-n"],
        TurnBack => &["alt-left"],
        TurnForward => &["alt-right"],
        FocusNext => &["tab"],
        FocusPrev => &["shift-tab"],
        Help => &["f1", "?"],
        Quit => &["ctrl-q"],
        Close => &["esc"],
        CopyPrompt => &["alt-c"],
        CopyPath => &["alt-p"],
        PasteImage => &["alt-v"],
        ClearRefs => &["alt-x"],
        CycleModel => &["f2"],
        CycleAspect => &["f3"],
        CycleSize => &["f4"],
        CycleSeed => &["f5"],
        CycleThinking => &["f6"],
        CycleGrounding => &["f7"],
        CycleTier => &["f12", "alt-t"],
        RerollSeed => &["f8"],
        PickPreset => &["f10", "alt-s"],
        RunBatch => &["ctrl-o"],
        Undo => &["ctrl-z"],
        Redo => &["ctrl-y"],
        HistoryPrev => &["ctrl-p", "alt-up"],
        HistoryNext => &["ctrl-n", "alt-down"],
        HistorySearch => &["ctrl-r"],
        ClearPrompt => &["ctrl-l"],
        PromptFields => &["ctrl-t"],
        Up => &["up", "k"],
        Down => &["down", "j"],
        PageUp => &["pgup"],
        PageDown => &["pgdn"],
        First => &["home", "g"],
        Last => &["end", "G"],
        Confirm => &["enter"],
        CancelJob => &["c", "delete"],
        RetryJob => &["r"],
        ShowDetails => &["e"],
        ReusePrompt => &["p"],
        PromoteAnchor => &["a"],
        Review => &["R"],
        Compare => &["v"],
        AddCharacter => &["a"],
        AddObject => &["o"],
        EditAnchor => &["e"],
        RemoveAnchor => &["d", "delete"],
        ToggleInShot => &["space", "x"],
    }
}

/// Bindings from chords to actions, per scope.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<(Scope, KeyChord), Action>,
    keys: BTreeMap<Action, Vec<KeyChord>>,
}

impl Keymap {
    /// The default bindings.
    pub fn defaults() -> Self {
        Self::with_overrides(&BTreeMap::new()).unwrap_or_else(|_| Self::empty())
    }

    fn empty() -> Self {
        Self {
            bindings: BTreeMap::new(),
            keys: BTreeMap::new(),
        }
    }

    /// Defaults with `[tui.keys]` applied; unknown actions, bad keys and clashes are refused.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut keys: BTreeMap<Action, Vec<KeyChord>> = BTreeMap::new();
        for action in Action::ALL {
            let chords = default_keys(*action)
                .iter()
                .map(|k| KeyChord::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            keys.insert(*action, chords);
        }
        let mut overridden: BTreeMap<(Scope, KeyChord), Action> = BTreeMap::new();
        for (name, value) in overrides {
            let Some(action) = Action::from_name(name) else {
                let known: Vec<String> = Action::ALL.iter().map(|a| a.name()).collect();
                return Err(format!(
                    "[tui.keys]: '{name}' is not an action. Actions: {}",
                    known.join(", ")
                ));
            };
            let mut chords = Vec::new();
            for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if part.eq_ignore_ascii_case("none") {
                    continue;
                }
                let chord = KeyChord::parse(part).map_err(|e| format!("[tui.keys] {name}: {e}"))?;
                if let Some(other) = overridden.insert((action.scope(), chord), action)
                    && other != action
                {
                    return Err(format!(
                        "[tui.keys]: {chord} is bound to both {} and {name}; give one of them another key",
                        other.name()
                    ));
                }
                chords.push(chord);
            }
            keys.insert(action, chords);
        }
        let mut bindings = BTreeMap::new();
        for (action, chords) in &keys {
            for chord in chords {
                let key = (action.scope(), *chord);
                match overridden.get(&key) {
                    Some(owner) if owner != action => {}
                    _ => {
                        bindings.entry(key).or_insert(*action);
                    }
                }
            }
        }
        for (action, chords) in keys.iter_mut() {
            chords.retain(|c| bindings.get(&(action.scope(), *c)) == Some(action));
        }
        Ok(Self { bindings, keys })
    }

    /// The action bound to `chord` in `scope`.
    pub fn get(&self, scope: Scope, chord: &KeyChord) -> Option<Action> {
        self.bindings.get(&(scope, *chord)).copied()
    }

    /// The chords bound to an action.
    pub fn keys(&self, action: Action) -> &[KeyChord] {
        self.keys.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The action's keys for display ("F1 / ?"), or "unbound".
    pub fn describe(&self, action: Action) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "unbound".into();
        }
        keys.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// The first key of an action, for short hints.
    pub fn hint(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| "—".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn event(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn parsed_chords_match_terminal_events() {
        let pairs = [
            ("ctrl-g", event(KeyCode::Char('g'), KeyModifiers::CONTROL)),
            ("Ctrl+G", event(KeyCode::Char('g'), KeyModifiers::CONTROL)),
            ("shift-tab", event(KeyCode::BackTab, KeyModifiers::SHIFT)),
            ("f1", event(KeyCode::F(1), KeyModifiers::NONE)),
            ("?", event(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            ("G", event(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            ("alt-c", event(KeyCode::Char('c'), KeyModifiers::ALT)),
            ("space", event(KeyCode::Char(' '), KeyModifiers::NONE)),
            ("alt-up", event(KeyCode::Up, KeyModifiers::ALT)),
        ];
        for (text, ev) in pairs {
            assert_eq!(
                KeyChord::parse(text).unwrap(),
                KeyChord::from_event(&ev).unwrap(),
                "{text}"
            );
        }
        assert!(KeyChord::parse("ctrl-").is_err());
        assert!(KeyChord::parse("hyper-x").unwrap_err().contains("hyper-x"));
        assert!(KeyChord::parse("f99").is_err());
        assert_eq!(KeyChord::parse("ctrl-g").unwrap().to_string(), "Ctrl+G");
    }

    #[test]
    fn defaults_bind_the_documented_keys() {
        let map = Keymap::defaults();
        let chord = |s| KeyChord::parse(s).unwrap();
        assert_eq!(
            map.get(Scope::Global, &chord("ctrl-g")),
            Some(Action::Generate)
        );
        assert_eq!(map.get(Scope::Global, &chord("f1")), Some(Action::Help));
        assert_eq!(map.get(Scope::Global, &chord("?")), Some(Action::Help));
        assert_eq!(map.get(Scope::Global, &chord("ctrl-q")), Some(Action::Quit));
        assert_eq!(
            map.get(Scope::Global, &chord("tab")),
            Some(Action::FocusNext)
        );
        assert_eq!(
            map.get(Scope::Global, &chord("shift-tab")),
            Some(Action::FocusPrev)
        );
        assert_eq!(map.describe(Action::Help), "F1 / ?");
    }

    #[test]
    fn overrides_replace_defaults_and_bad_ones_are_refused() {
        let mut o = BTreeMap::new();
        o.insert("generate".to_string(), "f5, ctrl-enter".to_string());
        let map = Keymap::with_overrides(&o).unwrap();
        let chord = |s| KeyChord::parse(s).unwrap();
        assert_eq!(map.get(Scope::Global, &chord("f5")), Some(Action::Generate));
        assert_eq!(map.get(Scope::Global, &chord("ctrl-g")), None);
        assert!(!map.keys(Action::CycleSeed).contains(&chord("f5")));
        o.insert("generat".to_string(), "f9".to_string());
        let err = Keymap::with_overrides(&o).unwrap_err();
        assert!(err.contains("'generat' is not an action"), "{err}");
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), "ctrl-kk".to_string());
        assert!(Keymap::with_overrides(&o).unwrap_err().contains("ctrl-kk"));
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), "f9".to_string());
        o.insert("help".to_string(), "f9".to_string());
        assert!(Keymap::with_overrides(&o).unwrap_err().contains("both"));
    }
}
