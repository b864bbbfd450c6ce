//! The pickers' keys and what their choices do: promote an image to an anchor, apply a
//! preset (or leave it), save the settings as a preset.

use crossterm::event::{KeyCode, KeyEvent};

use super::AppState;
use super::overlay::Overlay;
use super::picker::{Choice, Entry, Picker, PickerPurpose};
use super::settings::SettingsState;
use super::status::Level;
use crate::settings::SettingsLayer;
use crate::studio::preset::PresetSource;
use crate::tui::msg::{Effect, RosterOp};
use crate::tui::strings;

/// Opens "promote to anchor" for the selected job's image.
pub fn open_promote(state: &mut AppState) {
    let Some(image) = state.jobs.selected_job().and_then(|j| j.image()).cloned() else {
        state.status.say(Level::Warn, strings::NO_IMAGE_TO_PROMOTE);
        return;
    };
    let entries = state
        .anchors
        .anchors
        .iter()
        .map(|a| Entry {
            name: a.name.clone(),
            detail: strings::anchor_detail(a.kind.as_str(), a.refs.len()),
        })
        .collect();
    state.overlay = Some(Overlay::Picker(Picker::new(
        PickerPurpose::Promote { image },
        entries,
        None,
    )));
}

/// Opens the preset picker.
pub fn open_presets(state: &mut AppState) {
    let entries = state
        .presets
        .iter()
        .map(|p| Entry {
            name: p.name.clone(),
            detail: strings::preset_detail(p.source.as_str(), &p.settings.summary()),
        })
        .collect();
    let current = state.settings.preset.clone();
    state.overlay = Some(Overlay::Picker(Picker::new(
        PickerPurpose::Preset,
        entries,
        current,
    )));
}

/// A key while a picker is open.
pub fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Picker(picker)) = state.overlay.as_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => state.overlay = None,
        KeyCode::Up => picker.step(-1),
        KeyCode::Down => picker.step(1),
        KeyCode::PageUp => picker.step(-10),
        KeyCode::PageDown => picker.step(10),
        KeyCode::Enter => {
            let purpose = picker.purpose.clone();
            let Some(choice) = picker.choice() else {
                picker.error = Some(strings::NOTHING_TO_PICK.into());
                return vec![];
            };
            return pick(state, purpose, choice);
        }
        _ => {
            if picker.query.handle(&key) {
                picker.refiltered();
            }
        }
    }
    vec![]
}

fn pick(state: &mut AppState, purpose: PickerPurpose, choice: Choice) -> Vec<Effect> {
    match (purpose, choice) {
        (PickerPurpose::Promote { image }, Choice::Existing(name)) => {
            vec![Effect::Promote { image, text: name }]
        }
        (PickerPurpose::Promote { image }, Choice::NewAnchor(kind, name)) => {
            vec![Effect::Promote {
                image,
                text: format!("{} {name}", kind.as_str()),
            }]
        }
        (PickerPurpose::Preset, Choice::Existing(name)) => {
            state.overlay = None;
            apply_preset(state, &name)
        }
        (PickerPurpose::Preset, Choice::NoPreset) => {
            state.overlay = None;
            let refs = std::mem::take(&mut state.settings.refs);
            let mut settings =
                SettingsState::new(&state.registry, &state.defaults).within(&state.capabilities);
            if let Some(session) = state
                .session
                .loaded
                .as_ref()
                .filter(|_| state.session.id.is_some())
            {
                // The edit session keeps its model: signatures belong to it.
                settings.use_model(&state.registry, &session.model);
            }
            settings.refs = refs;
            state.settings = settings;
            state.status.say(Level::Info, strings::NO_PRESET_CHOSEN);
            vec![]
        }
        (PickerPurpose::Preset, Choice::SavePreset(name)) => {
            let existing = state
                .presets
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name.trim()));
            if let Some(project) = existing.filter(|p| p.source == PresetSource::Project) {
                let text = strings::preset_in_project(&project.name, &project.file);
                if let Some(Overlay::Picker(picker)) = state.overlay.as_mut() {
                    picker.error = Some(text);
                }
                return vec![];
            }
            let layer = state.settings.as_layer(state.anchors.pinned());
            vec![Effect::SavePreset {
                name: existing.map_or(name, |p| p.name.clone()),
                layer,
                replace: existing.is_some(),
            }]
        }
        _ => vec![],
    }
}

/// Puts preset `name` on the settings line (over `[defaults]`), keeps attached references,
/// and puts exactly the preset's anchors in shot when it names any.
pub fn apply_preset(state: &mut AppState, name: &str) -> Vec<Effect> {
    let Some(preset) = state.presets.iter().find(|p| p.name == name).cloned() else {
        state.status.say(Level::Warn, strings::no_such_preset(name));
        return vec![];
    };
    let defaults = SettingsLayer::from_defaults(&state.defaults).unwrap_or_default();
    let stacked = SettingsLayer::stack(&[&preset.settings, &defaults]);
    let refs = std::mem::take(&mut state.settings.refs);
    let mut settings =
        SettingsState::from_layer(&state.registry, &stacked).within(&state.capabilities);
    settings.refs = refs;
    settings.preset = Some(preset.name.clone());
    state.settings = settings;
    let mut effects = vec![];
    let mut said = strings::preset_applied(&preset.name, &preset.settings.summary());
    if let Some(with) = &preset.settings.with {
        let known: Vec<String> = with
            .iter()
            .filter(|n| {
                state
                    .anchors
                    .anchors
                    .iter()
                    .any(|a| a.name.eq_ignore_ascii_case(n))
            })
            .cloned()
            .collect();
        let missing: Vec<&String> = with.iter().filter(|n| !known.contains(n)).collect();
        if !missing.is_empty() {
            said = strings::preset_anchors_missing(&preset.name, &missing);
        }
        effects.push(Effect::Roster(RosterOp::ShotExactly { names: known }));
    }
    state.status.say(Level::Info, said);
    effects
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crossterm::event::KeyCode;

    use super::*;
    use crate::settings::{Field, SeedMode};
    use crate::studio::preset::Preset;
    use crate::studio::{Anchor, AnchorKind};
    use crate::tui::state::update;
    use crate::tui::testkit::{key, state, type_text};

    fn hero() -> Preset {
        Preset {
            name: "product-hero".into(),
            settings: SettingsLayer {
                model: Some("nano-banana-pro".into()),
                aspect: Some("4:5".into()),
                size: Some("2K".into()),
                seed_mode: Some(SeedMode::Fixed),
                seed: Some(77),
                with: Some(vec!["Mira".into()]),
                ..SettingsLayer::default()
            },
            source: PresetSource::Project,
            file: PathBuf::from("peel.toml"),
        }
    }

    fn anchor(name: &str, in_shot: bool) -> Anchor {
        Anchor {
            name: name.into(),
            kind: AnchorKind::Character,
            description: String::new(),
            refs: vec![],
            pinned: in_shot,
            id: 0,
        }
    }

    #[test]
    fn picking_a_preset_sets_the_line_and_changes_show_as_departures() {
        let mut s = state(120, 40);
        s.presets = vec![hero()];
        s.anchors.anchors = vec![anchor("Mira", false), anchor("Bo", true)];
        update(&mut s, key(KeyCode::F(10)));
        assert!(matches!(s.overlay, Some(Overlay::Picker(_))));
        let effects = update(&mut s, key(KeyCode::Enter));
        assert!(s.overlay.is_none());
        assert_eq!(s.settings.model, "gemini-3-pro-image");
        assert_eq!(s.settings.aspect.as_deref(), Some("4:5"));
        assert_eq!((s.settings.size.as_str(), s.settings.seed), ("2K", 77));
        assert_eq!(
            effects,
            vec![Effect::Roster(RosterOp::ShotExactly {
                names: vec!["Mira".into()]
            })]
        );
        s.anchors.anchors = vec![anchor("Mira", true), anchor("Bo", false)];
        assert_eq!(
            s.preset_departures(),
            Some(("product-hero", vec![])),
            "nothing departs right after picking"
        );
        update(&mut s, key(KeyCode::F(3)));
        update(&mut s, key(KeyCode::F(4)));
        let (name, fields) = s.preset_departures().unwrap();
        assert_eq!(
            (name, fields),
            ("product-hero", vec![Field::Aspect, Field::Size])
        );
    }

    #[test]
    fn no_preset_goes_back_to_defaults_and_keeps_references() {
        let mut s = state(120, 40);
        s.presets = vec![hero()];
        apply_preset(&mut s, "product-hero");
        s.settings.refs.push(PathBuf::from("/a.png"));
        update(&mut s, key(KeyCode::F(10)));
        update(&mut s, key(KeyCode::Down));
        update(&mut s, key(KeyCode::Enter));
        assert_eq!(s.settings.preset, None);
        assert_eq!(s.settings.model, "gemini-nano-banana-2.1");
        assert_eq!(s.settings.refs, vec![PathBuf::from("/a.png")]);
    }

    #[test]
    fn saving_asks_for_the_settings_and_anchors_in_shot() {
        let mut s = state(120, 40);
        s.anchors.anchors = vec![anchor("Mira", true)];
        update(&mut s, key(KeyCode::F(3)));
        update(&mut s, key(KeyCode::F(10)));
        type_text(&mut s, "wide");
        let effects = update(&mut s, key(KeyCode::Enter));
        let [
            Effect::SavePreset {
                name,
                layer,
                replace,
            },
        ] = effects.as_slice()
        else {
            panic!("{effects:?}");
        };
        assert_eq!((name.as_str(), *replace), ("wide", false));
        assert_eq!(layer.aspect.as_deref(), Some("1:1"));
        assert_eq!(layer.with, Some(vec!["Mira".to_string()]));
    }

    #[test]
    fn a_project_preset_is_not_shadowed_from_the_workbench() {
        let mut s = state(120, 40);
        s.presets = vec![hero()];
        update(&mut s, key(KeyCode::F(10)));
        type_text(&mut s, "Product-Hero");
        update(&mut s, key(KeyCode::Down));
        let effects = update(&mut s, key(KeyCode::Enter));
        assert!(effects.is_empty(), "{effects:?}");
        let Some(Overlay::Picker(picker)) = &s.overlay else {
            panic!("{:?}", s.overlay);
        };
        let error = picker.error.clone().unwrap_or_default();
        assert!(
            error.contains("peel.toml") && error.contains("--project"),
            "{error}"
        );
        s.presets[0].source = PresetSource::User;
        let effects = update(&mut s, key(KeyCode::Enter));
        assert!(
            matches!(effects.as_slice(), [Effect::SavePreset { name, replace: true, .. }] if name == "product-hero"),
            "{effects:?}"
        );
    }

    #[test]
    fn promote_needs_an_image_and_sends_the_choice() {
        let mut s = state(120, 40);
        s.focus = crate::tui::layout::Focus::Jobs;
        update(&mut s, key(KeyCode::Char('a')));
        assert!(s.overlay.is_none());
        let said = s.status.message.clone().map(|(_, t)| t).unwrap_or_default();
        assert!(said.contains("no image"), "{said}");
        let path = PathBuf::from("/out/fox.png");
        update(
            &mut s,
            crate::tui::msg::Msg::Studio(crate::tui::testkit::queued(1, "fox", 7)),
        );
        update(
            &mut s,
            crate::tui::msg::Msg::Studio(crate::tui::testkit::done(1, &path, 1.0)),
        );
        s.anchors.anchors = vec![anchor("Mira", false)];
        update(&mut s, key(KeyCode::Char('a')));
        type_text(&mut s, "object Mug");
        let effects = update(&mut s, key(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Promote {
                image: path,
                text: "object Mug".into()
            }]
        );
    }
}
