//! Keys to actions, and what each action does to the state.

use crate::api::backend::Feature;
use crossterm::event::KeyEvent;

use super::AppState;
use super::job::Phase;
use super::overlay::{AnchorForm, Overlay};
use super::status::Level;
use crate::studio::{AnchorKind, GenerateSpec};
use crate::tui::action::{Action, Scope};
use crate::tui::keymap::KeyChord;
use crate::tui::layout::Focus;
use crate::tui::msg::{Effect, RosterOp};
use crate::tui::strings;

/// Rows a page key moves.
pub(super) const PAGE_ROWS: isize = 10;

/// Handles one key press with no overlay open (`update` sends overlay keys to
/// `overlay_keys`).
pub fn on_key(state: &mut AppState, key: KeyEvent, chord: KeyChord) -> Vec<Effect> {
    let typing = state.focus == Focus::Prompt && chord.is_text();
    if !typing && let Some(action) = state.keymap.get(Scope::Global, &chord) {
        return act(state, action);
    }
    let scopes: &[Scope] = match state.focus {
        Focus::Prompt => &[Scope::Prompt],
        Focus::Jobs | Focus::Preview => &[Scope::Jobs, Scope::List],
        Focus::Anchors => &[Scope::Anchors, Scope::List],
    };
    for scope in scopes {
        if let Some(action) = state.keymap.get(*scope, &chord) {
            return act(state, action);
        }
    }
    if state.focus == Focus::Prompt && state.prompt.editor.input(key) {
        state.prompt.message = None;
        state.prompt.recall = None;
    }
    vec![]
}

/// Moves focus to `focus`.
pub fn set_focus(state: &mut AppState, focus: Focus) {
    state.focus = focus;
    state.prompt.set_focused(focus == Focus::Prompt);
}

/// Carries out an action in the current focus.
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    use Action::*;
    let model = state.settings.spec(&state.registry).clone();
    match action {
        Generate => return generate(state),
        ShowRequest => return show_request(state),
        PickPreset => super::choose::open_presets(state),
        RunBatch => super::runs::open_form(state),
        Review => return super::runs::review(state),
        Compare => return compare(state),
        PromoteAnchor => super::choose::open_promote(state),
        NewSession => {
            state.session.clear();
            state.status.say(Level::Info, strings::NEW_SESSION);
        }
        TurnBack | TurnForward => return step_turn(state, action == TurnBack),
        FocusNext => set_focus(state, state.focus.step(true)),
        FocusPrev => set_focus(state, state.focus.step(false)),
        Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Quit => {
            let mut running = state.jobs.active();
            if state.batch.as_ref().is_some_and(|b| b.running()) {
                // Between two items of a rate-limited run nothing is in flight, yet it runs.
                running = running.max(1);
            }
            if running == 0 {
                state.quitting = true;
                return vec![Effect::Quit];
            }
            state.overlay = Some(Overlay::ConfirmQuit { running });
        }
        Close => {}
        CopyPrompt => {
            let text = state.prompt.text();
            if text.trim().is_empty() {
                state.status.say(Level::Warn, strings::NOTHING_TO_COPY);
            } else {
                return vec![Effect::Copy {
                    what: strings::copied::PROMPT,
                    text,
                }];
            }
        }
        CopyPath => match state.jobs.selected_job().and_then(|j| j.image()) {
            Some(path) => {
                return vec![Effect::Copy {
                    what: strings::copied::IMAGE_PATH,
                    text: path.display().to_string(),
                }];
            }
            None => state.status.say(Level::Warn, strings::NO_IMAGE_PATH),
        },
        PasteImage => return vec![Effect::PasteImage],
        ClearRefs => {
            let n = state.settings.refs.len();
            state.settings.refs.clear();
            state.status.say(Level::Info, strings::refs_dropped(n));
        }
        CycleModel => {
            state.settings.cycle_model(&state.registry);
            let spec = state.settings.spec(&state.registry);
            let text = strings::model_chosen(&spec.display_name, &spec.id);
            state.status.say(Level::Info, text);
        }
        CycleAspect => refuse_if(
            state,
            model.aspect_ratios.is_empty(),
            strings::choice::ASPECT,
            |s| s.settings.cycle_aspect(&model),
        ),
        CycleSize => refuse_if(
            state,
            model.fixed_size || model.sizes.len() < 2,
            strings::choice::SIZE,
            |s| s.settings.cycle_size(&model),
        ),
        CycleSeed => state.settings.cycle_seed(),
        RerollSeed => state.settings.reroll_seed(),
        CycleThinking if unsupported(state, Feature::Thinking) => {}
        CycleThinking => refuse_if(
            state,
            model.thinking_levels.is_empty(),
            strings::choice::THINKING,
            |s| s.settings.cycle_thinking(&model),
        ),
        CycleTier if unsupported(state, Feature::ServiceTiers) => {}
        CycleTier => refuse_if(state, model.tiers.len() < 2, strings::choice::TIER, |s| {
            s.settings.cycle_tier(&model)
        }),
        CycleGrounding if unsupported(state, Feature::Grounding) => {}
        CycleGrounding => refuse_if(
            state,
            model.grounding.is_empty(),
            strings::choice::GROUNDING,
            |s| s.settings.cycle_grounding(&model),
        ),
        Undo => {
            state.prompt.editor.undo();
        }
        Redo => {
            state.prompt.editor.redo();
        }
        HistoryPrev => {
            if !state.prompt.recall_prev() {
                let text = if state.prompt.history.is_empty() {
                    strings::NO_HISTORY
                } else {
                    strings::OLDEST_PROMPT
                };
                state.status.say(Level::Info, text);
            }
        }
        HistoryNext => {
            state.prompt.recall_next();
        }
        HistorySearch => {
            if state.prompt.history.is_empty() {
                state.status.say(Level::Info, strings::NO_HISTORY);
            } else {
                let matches = state.prompt.search("");
                state.overlay = Some(Overlay::History(super::overlay::HistorySearch {
                    matches,
                    ..Default::default()
                }));
            }
        }
        PromptFields => {
            let form = super::fields::FieldsForm::from_prompt(&state.prompt.text());
            state.overlay = Some(Overlay::Fields(form));
        }
        ClearPrompt => {
            state.prompt.set_text("");
            state.prompt.message = None;
        }
        Up | Down | PageUp | PageDown | First | Last => move_list(state, action),
        Confirm => match state.focus {
            Focus::Anchors => return act(state, EditAnchor),
            _ => return act(state, ShowDetails),
        },
        CancelJob
            if state
                .jobs
                .selected_job()
                .is_some_and(|j| j.tag.is_some() && j.phase.is_active()) =>
        {
            return super::runs::stop(state);
        }
        RetryJob
            if state
                .jobs
                .selected_job()
                .is_some_and(|j| j.tag.is_some() && !j.phase.is_active()) =>
        {
            state.status.say(Level::Warn, strings::RETRY_BATCH_ITEM);
        }
        CancelJob => match state.jobs.selected_job() {
            Some(job) if job.phase.is_active() => return vec![Effect::Cancel(job.id)],
            _ => state.status.say(Level::Warn, strings::NOT_RUNNING),
        },
        RetryJob => match state.jobs.selected_job() {
            Some(job) if job.phase == Phase::Interrupted => {
                // The service may still have it: ask first, send again only if it says so.
                let id = job.id;
                state.status.say(Level::Info, strings::asking_service(id));
                return vec![Effect::Recover(id)];
            }
            Some(job) if matches!(job.phase, Phase::Failed | Phase::Blocked) && !job.past => {
                state.follow_new = true;
                return vec![Effect::Retry(job.id)];
            }
            Some(job) if matches!(job.phase, Phase::Failed | Phase::Blocked) => {
                state.status.say(Level::Warn, strings::RETRY_PAST_JOB);
            }
            _ => state.status.say(Level::Warn, strings::NOT_FAILED),
        },
        ShowDetails => {
            if let Some(job) = state.jobs.selected_job() {
                state.overlay = Some(Overlay::Details {
                    job: job.id,
                    scroll: 0,
                });
            }
        }
        ReusePrompt => {
            if let Some(job) = state.jobs.selected_job().cloned() {
                state.prompt.set_text(&job.prompt);
                if state.registry.resolve(&job.model).is_ok() {
                    state.settings.model = job.model.clone();
                    state.settings.aspect = job.aspect.clone();
                    state.settings.size = job.size.clone();
                    let spec = state.settings.spec(&state.registry).clone();
                    state.settings.clamp(&spec);
                }
                let mut text = strings::reused(job.id);
                if let Some(seed) = job.seed {
                    state.settings.seed = seed;
                    state.settings.seed_mode = super::settings::SeedMode::Fixed;
                    text = strings::reused_with_seed(&text, seed);
                }
                set_focus(state, Focus::Prompt);
                state.status.say(Level::Info, text);
            }
        }
        AddCharacter => {
            state.overlay = Some(Overlay::AnchorForm(AnchorForm::add(AnchorKind::Character)))
        }
        AddObject => state.overlay = Some(Overlay::AnchorForm(AnchorForm::add(AnchorKind::Object))),
        EditAnchor => {
            if let Some(anchor) = state.anchors.selected_anchor() {
                state.overlay = Some(Overlay::AnchorForm(AnchorForm::edit(anchor)));
            }
        }
        RemoveAnchor => {
            if let Some(anchor) = state.anchors.selected_anchor() {
                state.overlay = Some(Overlay::ConfirmRemove {
                    name: anchor.name.clone(),
                });
            }
        }
        ToggleInShot => {
            if let Some(anchor) = state.anchors.selected_anchor() {
                return vec![Effect::Roster(RosterOp::SetPinned {
                    name: anchor.name.clone(),
                    pinned: !anchor.pinned,
                })];
            }
        }
    }
    vec![]
}

/// Says why the backend lacks `feature`; true when it does.
fn unsupported(state: &mut AppState, feature: Feature) -> bool {
    let Some(reason) = state.capabilities.reason(feature) else {
        return false;
    };
    state.status.say(Level::Warn, reason);
    true
}

fn refuse_if(
    state: &mut AppState,
    refused: bool,
    what: &str,
    apply: impl FnOnce(&mut AppState) -> bool,
) {
    if refused {
        let model = state.settings.spec(&state.registry).display_name.clone();
        state
            .status
            .say(Level::Warn, strings::no_choice_of(&model, what));
        return;
    }
    apply(state);
}

fn move_list(state: &mut AppState, action: Action) {
    let delta = match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -PAGE_ROWS,
        Action::PageDown => PAGE_ROWS,
        Action::First => isize::MIN / 2,
        _ => isize::MAX / 2,
    };
    match state.focus {
        Focus::Anchors => state.anchors.move_selection(delta),
        _ => state.jobs.move_selection(delta),
    }
}

/// The prompt, or None with an inline message when it is empty.
fn prompt_or_refuse(state: &mut AppState) -> Option<String> {
    let prompt = state.prompt.text();
    if prompt.trim().is_empty() {
        state.prompt.message = Some(strings::EMPTY_PROMPT.into());
        state.status.say(Level::Warn, strings::EMPTY_PROMPT);
        return None;
    }
    Some(prompt)
}

fn generate(state: &mut AppState) -> Vec<Effect> {
    let Some(prompt) = prompt_or_refuse(state) else {
        return vec![];
    };
    state.requested = None;
    let seed = state.settings.take_seed();
    let spec = next_spec(state, prompt.clone(), seed);
    state.prompt.remember(&prompt);
    state.prompt.message = None;
    state.follow_new = true;
    state.status.say(Level::Info, strings::SENDING);
    match state.session.continue_from() {
        Some((session, parent)) => vec![Effect::Continue {
            spec,
            session,
            parent,
        }],
        None => vec![Effect::Generate(spec, state.session.fresh_token())],
    }
}

/// The spec the next generation sends: the prompt with the settings line's values.
/// Anchors in shot are added where the roster is read.
fn next_spec(state: &AppState, prompt: String, seed: Option<i64>) -> GenerateSpec {
    let s = &state.settings;
    GenerateSpec {
        prompt,
        model: Some(s.model.clone()),
        aspect: s.aspect.clone(),
        size: Some(s.size.clone()),
        seed,
        seed_mode: if seed.is_some() {
            crate::settings::SeedMode::Fixed
        } else {
            crate::settings::SeedMode::Random
        },
        refs: s.refs.clone(),
        thinking: s.thinking.clone(),
        grounding: s.grounding,
        tier: s.tier,
        fallback: None,
        safety: s.safety.clone(),
        preset: s.preset.clone(),
        count: 1,
        out_dir: state.out_dir.clone(),
        subjects: Vec::new(),
        previous_frame: None,
    }
}

/// Asks for the request the next generation would send, to show it before sending.
fn show_request(state: &mut AppState) -> Vec<Effect> {
    let Some(prompt) = prompt_or_refuse(state) else {
        return vec![];
    };
    let seed = state.settings.peek_seed();
    let spec = next_spec(state, prompt, seed);
    state.requested = Some(state.request_key());
    state.status.say(Level::Info, strings::COMPOSING);
    vec![Effect::ComposeRequest {
        spec,
        continues: state.session.continue_from(),
    }]
}

/// Pins the selected image for side-by-side compare, or stops comparing.
fn compare(state: &mut AppState) -> Vec<Effect> {
    if let Some(pin) = state.compare.take() {
        state
            .status
            .say(Level::Info, strings::compare_stopped(pin.job));
        return vec![Effect::LoadPinned(None)];
    }
    let Some((job, path)) = state
        .jobs
        .selected_job()
        .and_then(|j| Some((j.id, j.image()?.clone())))
    else {
        state.status.say(Level::Warn, strings::NO_IMAGE_TO_COMPARE);
        return vec![];
    };
    state.compare = Some(super::preview::Pinned {
        job,
        path: path.clone(),
    });
    state
        .status
        .say(Level::Info, strings::pinned_for_compare(job));
    vec![Effect::LoadPinned(Some(path))]
}

/// Steps the edit session back to the parent turn or forward again.
fn step_turn(state: &mut AppState, back: bool) -> Vec<Effect> {
    let moved = if back {
        state.session.back()
    } else {
        state.session.forward()
    };
    let (Some(turn), Some(session)) = (moved, state.session.id.clone()) else {
        let text = if back {
            strings::NO_PARENT_TURN
        } else {
            strings::NO_NEXT_TURN
        };
        state.status.say(Level::Warn, text);
        return vec![];
    };
    if let Some(caption) = state.session.caption() {
        state.status.say(Level::Info, strings::now_at(&caption));
    }
    if let Some(job) = state.jobs.job_of_turn(&session, turn) {
        state.jobs.select_id(job);
    }
    vec![Effect::SetHead { session, turn }]
}

/// Sends an interrupted job again as it was (its owner is gone and the service said it
/// failed, lost it, or never had it).
pub(super) fn resend(state: &mut AppState, id: crate::studio::JobId) -> Vec<Effect> {
    state.jobs.select_id(id);
    if state.jobs.selected_job().is_none_or(|j| j.id != id) {
        return vec![];
    }
    act(state, Action::ReusePrompt);
    state.follow_new = true;
    generate(state)
}
