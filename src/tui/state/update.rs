//! The reducer: one message in, state changed, effects out. No I/O here.

use std::path::Path;

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEventKind};

use super::AppState;
use super::overlay::Overlay;
use super::status::Level;
use super::{keys, overlay_keys};
use crate::studio::StudioEvent;
use crate::tui::clipboard::CopyRoute;
use crate::tui::keymap::KeyChord;
use crate::tui::layout::AppLayout;
use crate::tui::layout::Focus;
use crate::tui::msg::{Effect, Msg};
use crate::tui::strings;

/// Rows the mouse wheel moves a list.
const WHEEL_ROWS: isize = 3;

/// Says once per workbench that a model in use is deprecated, naming its successor.
fn notice_model_once(state: &mut AppState, model: &str) {
    if !state.noticed_models.insert(model.to_string()) {
        return;
    }
    if let Some(notice) = state
        .registry
        .lifecycle_of(model)
        .and_then(|l| l.notice(crate::models::today()))
    {
        state.status.say(Level::Warn, notice);
    }
}

/// Applies `msg` to `state` and returns the work to do.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut effects = match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => on_paste(state, &text),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
        Msg::Resize { width, height } => {
            state.area = ratatui::layout::Rect::new(0, 0, width, height);
            vec![]
        }
        Msg::Tick | Msg::Started => vec![],
        Msg::Studio(event) => {
            if let StudioEvent::Queued(info) = &event {
                state.settings.note_seed(info.settings.seed);
                notice_model_once(state, &info.settings.model);
            }
            let id = state.jobs.apply(event, state.now);
            let mut effects = vec![];
            if let Some(job) = state.jobs.get(id)
                && !job.past
                && let Some((session, turn)) = job.turn.clone()
                && state.session.adopt_finished(&session, turn).is_some()
            {
                effects.push(Effect::LoadSession(session));
            }
            if let Some(job) = state.jobs.get(id)
                && !job.past
            {
                if let Some(f) = &job.failure
                    && !job.phase.is_active()
                {
                    let level = Level::Error;
                    let text = strings::job_failed(id, &f.kind);
                    state.status.say(level, text);
                } else if job.phase == super::job::Phase::Done {
                    let text = strings::job_done(id, job.elapsed.map_or(0.0, |d| d.as_secs_f64()));
                    state.status.say(Level::Ok, text);
                }
            }
            if state.follow_new
                && state
                    .jobs
                    .get(id)
                    .is_some_and(|j| j.phase == super::job::Phase::Queued)
            {
                state.jobs.select_id(id);
                state.follow_new = false;
            }
            effects
        }
        Msg::Refused(reason) => {
            state.follow_new = false;
            state.prompt.message = Some(reason.clone());
            state.status.say(Level::Error, reason);
            vec![]
        }
        Msg::PreviewLoaded { path, result } => {
            if let Err(e) = &result
                && state.preview.path.as_ref() == Some(&path)
            {
                state
                    .status
                    .say(Level::Error, strings::cannot_show(&path, e));
            }
            state.preview.loaded(&path, result);
            vec![]
        }
        Msg::Roster(r) => {
            match r.result {
                Ok(list) => {
                    state.anchors.replace(list, r.focus.as_deref());
                    if matches!(
                        state.overlay,
                        Some(
                            Overlay::AnchorForm(_)
                                | Overlay::ConfirmRemove { .. }
                                | Overlay::Picker(_)
                        )
                    ) {
                        state.overlay = None;
                    }
                    if !r.done.is_empty() {
                        state.status.say(Level::Ok, r.done);
                    }
                }
                Err(e) => match &mut state.overlay {
                    Some(Overlay::AnchorForm(form)) => form.error = Some(e),
                    Some(Overlay::Picker(picker)) => picker.error = Some(e),
                    _ => {
                        state.overlay = None;
                        state.status.say(Level::Error, e);
                    }
                },
            }
            vec![]
        }
        Msg::Copied { what, result } => {
            match result {
                Ok(CopyRoute::System) => state
                    .status
                    .say(Level::Ok, strings::copied::to_system(what)),
                Ok(CopyRoute::Terminal) => state
                    .status
                    .say(Level::Ok, strings::copied::via_terminal(what)),
                Err(e) => state.status.say(Level::Error, strings::copied::failed(&e)),
            }
            vec![]
        }
        Msg::SessionLoaded(result) => {
            match result {
                Ok(session) => {
                    state.jobs.link_turns(&session);
                    state.session.loaded(session);
                }
                Err(e) => state.status.say(Level::Warn, e),
            }
            vec![]
        }
        Msg::Composed(outline) => {
            let current = state.requested.as_ref() == Some(&state.request_key());
            if current && state.overlay.is_none() {
                state.status.say(Level::Info, strings::NOTHING_SENT_YET);
                state.overlay = Some(Overlay::Request { outline, scroll: 0 });
            }
            vec![]
        }
        Msg::Collected(line) => {
            state.status.say(Level::Ok, line);
            vec![]
        }
        Msg::Recovered { id, recovery } => {
            use crate::studio::collect::{Collected, Recovery};
            let send_again = recovery.as_ref().is_ok_and(Recovery::send_again);
            let level = match &recovery {
                Ok(Recovery::Asked(Collected::Saved { .. })) => Level::Ok,
                Ok(Recovery::Unreachable(_)) | Err(_) => Level::Error,
                _ if send_again => Level::Warn,
                _ => Level::Info,
            };
            let line = crate::tui::strings::recovered(id, &recovery);
            let effects = if send_again {
                super::keys::resend(state, id)
            } else {
                vec![]
            };
            state.status.say(level, line);
            effects
        }
        Msg::Spent(cost_usd) => {
            state.jobs.session_spend += cost_usd;
            vec![]
        }
        Msg::PinFailed(reason) => {
            state.compare = None;
            state.status.say(Level::Error, reason);
            vec![]
        }
        Msg::BatchJob(event) => {
            state.jobs.apply(event, state.now);
            vec![]
        }
        Msg::BatchPlanned { path, result } => {
            super::runs::planned(state, path, result);
            vec![]
        }
        Msg::Batch(event) => {
            super::runs::progress(state, event);
            vec![]
        }
        Msg::BatchFinished(result) => {
            super::runs::finished(state, result);
            vec![]
        }
        Msg::ReviewEnded(result) => super::review::review_ended(state, result),
        Msg::JobsChanged(rows) => {
            state.jobs.merge_rows(&rows, state.now);
            vec![]
        }
        Msg::OtherRuns(mut runs) => {
            let own = state.batch.as_ref().map(|b| b.run);
            runs.retain(|r| Some(r.run) != own);
            state.other_runs = runs;
            vec![]
        }
        Msg::PresetSaved(result) => {
            match result {
                Ok(preset) => {
                    let text = strings::preset_saved(&preset.name, &preset.file);
                    state.settings.preset = Some(preset.name.clone());
                    state.presets.retain(|p| p.name != preset.name);
                    state.presets.push(preset);
                    state.presets.sort_by(|a, b| a.name.cmp(&b.name));
                    if matches!(state.overlay, Some(Overlay::Picker(_))) {
                        state.overlay = None;
                    }
                    state.status.say(Level::Ok, text);
                }
                Err(e) => match &mut state.overlay {
                    Some(Overlay::Picker(picker)) => picker.error = Some(e),
                    _ => state.status.say(Level::Error, e),
                },
            }
            vec![]
        }
        Msg::SessionStarted { token, id } => {
            state.session.started(token, &id);
            vec![]
        }
        Msg::ImagePasted(result) => {
            match result {
                Ok(path) => attach_ref(state, &path),
                Err(e) => state.status.say(Level::Warn, e),
            }
            vec![]
        }
    };
    effects.extend(follow_selection(state));
    keep_visible(state);
    relint(state);
    effects
}

/// Keeps the prompt's craft notes in step with the text, model and anchors.
fn relint(state: &mut AppState) {
    let limit = state.prompt_limit();
    let roster = state.anchors.names();
    let in_shot = state.anchors.in_shot(&state.prompt.text());
    state.prompt.relint(limit, &roster, &in_shot);
}

/// Attaches a reference image to the next generation.
pub(super) fn attach_ref(state: &mut AppState, path: &Path) {
    let cap = state.settings.spec(&state.registry).references.images as usize;
    if state.settings.refs.len() >= cap {
        state.status.say(Level::Warn, strings::too_many_refs(cap));
        return;
    }
    state.settings.refs.push(path.to_path_buf());
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    state.status.say(
        Level::Ok,
        strings::ref_attached(&name, state.settings.refs.len()),
    );
}

/// Handles one key press: an open overlay takes it, else the focused pane.
fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let Some(chord) = KeyChord::from_event(&key) else {
        return vec![];
    };
    if state.overlay.is_some() {
        return overlay_keys::on_overlay_key(state, key, chord);
    }
    keys::on_key(state, key, chord)
}

fn on_paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    if let Some(Overlay::AnchorForm(form)) = &mut state.overlay {
        if let Some(input) = form.input_mut() {
            input.insert_str(text);
        }
        return vec![];
    }
    if let Some(Overlay::Batch(form)) = &mut state.overlay {
        form.path.insert_str(text.trim());
        form.plan = None;
        form.error = None;
        form.checking = false;
        return vec![];
    }
    if let Some(Overlay::Fields(form)) = &mut state.overlay {
        form.input_mut().insert_str(text);
        return vec![];
    }
    if let Some(Overlay::Picker(picker)) = &mut state.overlay {
        picker.query.insert_str(text);
        picker.refiltered();
        return vec![];
    }
    if let Some(Overlay::History(search)) = &mut state.overlay {
        search.query.insert_str(text);
        search.matches = state.prompt.search(search.query.text());
        search.selected = 0;
        return vec![];
    }
    if state.overlay.is_some() {
        // Help, details, questions and the request preview take no text.
        return vec![];
    }
    let trimmed = text.trim().trim_matches(['\'', '"']);
    let looks_like_image = !trimmed.contains('\n')
        && [".png", ".jpg", ".jpeg", ".webp"]
            .iter()
            .any(|ext| trimmed.to_ascii_lowercase().ends_with(ext));
    if looks_like_image && Path::new(trimmed).is_absolute() {
        attach_ref(state, Path::new(trimmed));
        return vec![];
    }
    if state.focus != Focus::Prompt {
        state.focus = Focus::Prompt;
        state.prompt.set_focused(true);
    }
    state
        .prompt
        .editor
        .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
    state.prompt.message = None;
    vec![]
}

fn on_mouse(state: &mut AppState, mouse: crossterm::event::MouseEvent) -> Vec<Effect> {
    if state.overlay.is_some() {
        return vec![];
    }
    let layout = state.layout();
    let Some(pane) = layout.hit(mouse.column, mouse.row) else {
        return vec![];
    };
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            keys::set_focus(state, pane);
            let rect = match pane {
                Focus::Jobs => layout.jobs,
                Focus::Anchors => layout.anchors,
                _ => return vec![],
            };
            let row = mouse.row.saturating_sub(rect.y + 1) as usize;
            if mouse.row > rect.y && mouse.row + 1 < rect.bottom() {
                match pane {
                    Focus::Jobs if state.jobs_offset + row < state.jobs.len() => {
                        state.jobs.selected = state.jobs_offset + row;
                    }
                    Focus::Anchors if state.anchors_offset + row < state.anchors.anchors.len() => {
                        state.anchors.selected = state.anchors_offset + row;
                    }
                    _ => {}
                }
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if mouse.kind == MouseEventKind::ScrollDown {
                WHEEL_ROWS
            } else {
                -WHEEL_ROWS
            };
            match pane {
                Focus::Jobs | Focus::Preview => state.jobs.move_selection(delta),
                Focus::Anchors => state.anchors.move_selection(delta),
                Focus::Prompt => {}
            }
        }
        _ => {}
    }
    vec![]
}

/// Asks for the selected job's image when it changed; a done job's session turn
/// becomes the current one (so the next generation continues or forks from it).
fn follow_selection(state: &mut AppState) -> Vec<Effect> {
    let (job, path, turn) = match state.jobs.selected_job() {
        Some(j) => (Some(j.id), j.image().cloned(), j.turn.clone()),
        None => (None, None, None),
    };
    let moved = state.preview.job != job;
    let mut effects = vec![];
    if state.preview.want(job, path.clone()) {
        effects.push(Effect::LoadPreview(path));
    }
    if moved
        && let Some((session, turn)) = turn
        && state.session.turn != Some(turn)
    {
        if state.session.adopt(&session, turn) {
            effects.push(Effect::LoadSession(session.clone()));
        }
        effects.push(Effect::SetHead { session, turn });
    }
    effects
}

/// Scrolls lists so their selection is visible.
fn keep_visible(state: &mut AppState) {
    let layout = state.layout();
    state.jobs_offset = scrolled(
        state.jobs.selected,
        state.jobs_offset,
        AppLayout::list_rows(layout.jobs),
    );
    state.anchors_offset = scrolled(
        state.anchors.selected,
        state.anchors_offset,
        AppLayout::list_rows(layout.anchors).saturating_sub(1),
    );
}

/// The first visible row that keeps `selected` within `rows` rows from `offset`.
pub fn scrolled(selected: usize, offset: usize, rows: usize) -> usize {
    if rows == 0 {
        return selected;
    }
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}
