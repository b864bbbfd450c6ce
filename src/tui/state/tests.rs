//! Pure `update()` tests: keys and events in, state and effects out.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::overlay::{FormField, Overlay};
use super::update;
use crate::studio::{AnchorKind, StudioError, StudioEvent};
use crate::tui::layout::Focus;
use crate::tui::msg::{Effect, Msg, RosterOp, RosterResult};
use crate::tui::testkit::{ctrl, done, key, queued, state, type_text};

#[test]
fn typing_then_ctrl_g_asks_to_generate_with_the_settings() {
    let mut s = state(120, 40);
    assert_eq!(s.focus, Focus::Prompt);
    assert!(type_text(&mut s, "a red fox?").is_empty());
    assert_eq!(s.prompt.text(), "a red fox?");
    assert!(s.overlay.is_none(), "? types in the editor");
    update(&mut s, key(KeyCode::F(3)));
    let effects = update(&mut s, ctrl('g'));
    let [Effect::Generate(spec, _)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(spec.prompt, "a red fox?");
    assert_eq!(spec.model.as_deref(), Some("gemini-nano-banana-2.1"));
    assert_eq!(spec.aspect.as_deref(), Some("1:1"));
    assert_eq!((spec.seed, spec.count), (None, 1));
    assert_eq!(s.prompt.history, vec!["a red fox?"]);
}

#[test]
fn a_gateway_refuses_thinking_and_grounding_with_a_reason() {
    use crate::api::backend::Capabilities;
    use crate::config::BackendKind;
    let mut s = state(120, 40);
    s.capabilities = Capabilities::of(BackendKind::OpenAi);
    update(&mut s, key(KeyCode::F(6)));
    assert_eq!(s.settings.thinking, None);
    let said = s.status.message.clone().map(|(_, t)| t).unwrap_or_default();
    assert!(said.contains("thinking") && !said.contains('\n'), "{said}");
    update(&mut s, key(KeyCode::F(7)));
    let said = s.status.message.clone().map(|(_, t)| t).unwrap_or_default();
    assert!(said.contains("grounding"), "{said}");
    let mut vertex = state(120, 40);
    vertex.capabilities = Capabilities::of(BackendKind::Vertex);
    update(&mut vertex, key(KeyCode::F(6)));
    assert!(vertex.settings.thinking.is_some(), "Vertex AI thinks");
}

#[test]
fn an_empty_prompt_is_refused_inline() {
    let mut s = state(80, 24);
    assert!(update(&mut s, ctrl('g')).is_empty());
    assert!(s.prompt.message.as_deref().unwrap_or("").contains("empty"));
    type_text(&mut s, "x");
    assert_eq!(s.prompt.message, None);
    update(
        &mut s,
        Msg::Refused("aspect ratio '7:3' is not supported".into()),
    );
    assert!(s.prompt.message.as_deref().unwrap_or("").contains("7:3"));
}

#[test]
fn focus_moves_with_tab_and_help_opens_with_f1_or_question_mark() {
    let mut s = state(120, 40);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Focus::Jobs);
    update(&mut s, key(KeyCode::Char('?')));
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    update(&mut s, key(KeyCode::Esc));
    assert!(s.overlay.is_none());
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Focus::Prompt);
    update(&mut s, key(KeyCode::F(1)));
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn quitting_asks_first_while_jobs_run() {
    let mut s = state(120, 40);
    assert_eq!(update(&mut s, ctrl('q')), vec![Effect::Quit]);
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "fox", 5)));
    assert!(update(&mut s, ctrl('q')).is_empty());
    assert!(matches!(
        s.overlay,
        Some(Overlay::ConfirmQuit { running: 1 })
    ));
    update(&mut s, key(KeyCode::Char('n')));
    assert!(s.overlay.is_none() && !s.quitting);
    update(&mut s, ctrl('q'));
    assert_eq!(update(&mut s, key(KeyCode::Char('y'))), vec![Effect::Quit]);
    assert!(s.quitting && !s.leave_running);
}

#[test]
fn quit_answer_b_leaves_the_jobs_running() {
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "fox", 5)));
    update(&mut s, ctrl('q'));
    assert_eq!(update(&mut s, key(KeyCode::Char('b'))), vec![Effect::Quit]);
    assert!(s.quitting && s.leave_running && s.overlay.is_none());
}

#[test]
fn jobs_are_followed_previewed_cancelled_and_retried() {
    let mut s = state(120, 40);
    type_text(&mut s, "fox");
    update(&mut s, ctrl('g'));
    update(&mut s, Msg::Studio(queued(1, "fox", 5)));
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(1));
    assert!(s.wants_tick());
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(
        update(&mut s, key(KeyCode::Char('c'))),
        vec![Effect::Cancel(1)]
    );
    let effects = update(&mut s, Msg::Studio(done(1, "/out/fox.png".as_ref(), 2.0)));
    assert_eq!(
        effects,
        vec![Effect::LoadPreview(Some("/out/fox.png".into()))]
    );
    assert!(!s.wants_tick());
    update(&mut s, Msg::Studio(queued(2, "cat", 6)));
    update(&mut s, key(KeyCode::Up));
    update(
        &mut s,
        Msg::Studio(StudioEvent::Failed {
            id: 2,
            error: StudioError::Simulator("boom".into()),
            elapsed: Duration::from_secs(1),
        }),
    );
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(2));
    assert_eq!(
        update(&mut s, key(KeyCode::Char('r'))),
        vec![Effect::Retry(2)]
    );
    update(&mut s, key(KeyCode::Char('e')));
    assert!(matches!(s.overlay, Some(Overlay::Details { job: 2, .. })));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::ALT))
        ),
        vec![Effect::Copy {
            what: "image path",
            text: "/out/fox.png".into()
        }]
    );
}

#[test]
fn settings_cycle_and_seed_modes_shape_the_request() {
    let mut s = state(120, 40);
    type_text(&mut s, "fox");
    update(&mut s, key(KeyCode::F(4)));
    update(&mut s, key(KeyCode::F(5)));
    update(&mut s, key(KeyCode::F(5)));
    s.settings.seed = 41;
    let seeds: Vec<Option<i64>> = (0..2)
        .flat_map(|_| update(&mut s, ctrl('g')))
        .map(|e| match e {
            Effect::Generate(spec, _) => {
                assert_eq!(spec.size.as_deref(), Some("2K"));
                spec.seed
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seeds, vec![Some(41), Some(42)]);
    update(&mut s, key(KeyCode::F(2)));
    assert_ne!(s.settings.model, "gemini-3.1-flash-image");
}

#[test]
fn history_is_recalled_and_searched() {
    let mut s = state(120, 40);
    s.prompt.remember("a red fox");
    s.prompt.remember("a blue whale");
    update(&mut s, ctrl('p'));
    assert_eq!(s.prompt.text(), "a blue whale");
    update(&mut s, ctrl('p'));
    assert_eq!(s.prompt.text(), "a red fox");
    update(&mut s, ctrl('r'));
    type_text(&mut s, "whale");
    let Some(Overlay::History(search)) = &s.overlay else {
        panic!("history search should be open");
    };
    assert_eq!(search.matches.len(), 1);
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.prompt.text(), "a blue whale");
    assert!(s.overlay.is_none());
}

#[test]
fn undo_redo_and_paste() {
    let mut s = state(120, 40);
    type_text(&mut s, "abc");
    update(&mut s, ctrl('z'));
    update(&mut s, ctrl('z'));
    assert_eq!(s.prompt.text(), "a");
    update(&mut s, ctrl('y'));
    update(&mut s, ctrl('y'));
    assert_eq!(s.prompt.text(), "abc");
    update(&mut s, Msg::Paste(" def\r\nghi".into()));
    assert_eq!(s.prompt.text(), "abc def\nghi");
    update(&mut s, Msg::Paste("/home/me/cat.png".into()));
    assert_eq!(
        s.settings.refs,
        vec![std::path::PathBuf::from("/home/me/cat.png")]
    );
    assert_eq!(s.prompt.text(), "abc def\nghi");
}

#[test]
fn anchors_are_added_through_the_form() {
    let mut s = state(120, 40);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Focus::Anchors);
    update(&mut s, key(KeyCode::Char('a')));
    type_text(&mut s, "Mira");
    update(&mut s, key(KeyCode::Tab));
    let Some(Overlay::AnchorForm(form)) = &s.overlay else {
        panic!("form should be open");
    };
    assert_eq!(form.field, FormField::Kind);
    update(&mut s, key(KeyCode::Tab));
    type_text(&mut s, "red scarf");
    update(&mut s, key(KeyCode::Tab));
    type_text(&mut s, "/r/a.png; /r/b.png");
    let effects = update(&mut s, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Roster(RosterOp::Add {
            kind: AnchorKind::Character,
            name: "Mira".into(),
            description: "red scarf".into(),
            refs: vec!["/r/a.png".into(), "/r/b.png".into()],
        })]
    );
    update(
        &mut s,
        Msg::Roster(RosterResult {
            result: Err("the roster already has 5 characters".into()),
            focus: None,
            done: String::new(),
        }),
    );
    let Some(Overlay::AnchorForm(form)) = &s.overlay else {
        panic!("a refused form stays open");
    };
    assert!(form.error.as_deref().unwrap_or("").contains("5 characters"));
    update(
        &mut s,
        Msg::Roster(RosterResult {
            result: Ok(vec![]),
            focus: None,
            done: "added".into(),
        }),
    );
    assert!(s.overlay.is_none());
}

#[test]
fn mouse_clicks_focus_and_select() {
    let mut s = state(120, 40);
    for id in 1..=3 {
        update(&mut s, Msg::Studio(queued(id, "x", 1)));
    }
    let layout = s.layout();
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut s, click(layout.jobs.x + 3, layout.jobs.y + 3));
    assert_eq!(s.focus, Focus::Jobs);
    assert_eq!(s.jobs.selected, 2);
    update(&mut s, click(layout.preview.x + 3, layout.preview.y + 3));
    assert_eq!(s.focus, Focus::Preview);
}

#[test]
fn prompt_notes_follow_the_text_as_it_is_typed() {
    let mut s = state(120, 40);
    assert!(
        s.prompt.notes.is_empty(),
        "an empty editor has nothing to say"
    );
    type_text(&mut s, "fox");
    assert_eq!(
        s.prompt.notes.iter().map(|n| n.rule).collect::<Vec<_>>(),
        ["too-short"]
    );
    type_text(&mut s, " on a poster, 16:9, in 4K");
    let rules: Vec<&str> = s.prompt.notes.iter().map(|n| n.rule).collect();
    assert!(rules.contains(&"ratio-in-prompt"), "{rules:?}");
    assert!(rules.contains(&"size-in-prompt"), "{rules:?}");
    assert!(!rules.contains(&"too-short"), "{rules:?}");
    update(&mut s, ctrl('l'));
    assert!(s.prompt.notes.is_empty());
}

#[test]
fn the_fields_form_composes_into_the_editor() {
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox in snow");
    update(&mut s, ctrl('t'));
    let Some(Overlay::Fields(form)) = &s.overlay else {
        panic!("{:?}", s.overlay);
    };
    assert_eq!(form.inputs[0].text(), "a red fox in snow");
    update(&mut s, key(KeyCode::Tab));
    type_text(&mut s, "watercolor");
    for _ in 0..3 {
        update(&mut s, key(KeyCode::Tab));
    }
    type_text(&mut s, "WINTER");
    update(&mut s, key(KeyCode::Enter));
    assert!(s.overlay.is_none());
    assert_eq!(
        s.prompt.text(),
        "a red fox in snow. Style: watercolor. Text: \"WINTER\""
    );
    update(&mut s, ctrl('t'));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(
        s.prompt.text(),
        "a red fox in snow. Style: watercolor. Text: \"WINTER\"",
        "Esc leaves the prompt alone"
    );
}

#[test]
fn the_request_overlay_sends_on_enter() {
    use crate::studio::outline::RequestOutline;
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    let effects = update(&mut s, key(KeyCode::F(9)));
    let [Effect::ComposeRequest { spec, continues }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!((spec.prompt.as_str(), continues), ("a red fox", &None));
    assert!(s.prompt.history.is_empty(), "showing is not sending");
    let outline = RequestOutline {
        settings: "gemini-3.1-flash-image".into(),
        anchors: vec![],
        replayed: vec![],
        parts: vec![],
        images: 0,
        inline_bytes: 0,
    };
    update(&mut s, Msg::Composed(Ok(outline)));
    assert!(matches!(s.overlay, Some(Overlay::Request { .. })));
    let effects = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::Generate(..)]),
        "{effects:?}"
    );
    assert!(s.overlay.is_none());
    update(&mut s, key(KeyCode::F(9)));
    update(&mut s, Msg::Composed(Err("over budget".into())));
    assert!(matches!(
        s.overlay,
        Some(Overlay::Request {
            outline: Err(_),
            ..
        })
    ));
    assert!(
        update(&mut s, key(KeyCode::Enter)).is_empty(),
        "a refused request is not sent"
    );
    assert!(s.overlay.is_none(), "Enter closes it");
}

#[test]
fn a_request_preview_of_something_else_is_never_shown_or_sent() {
    use crate::studio::outline::RequestOutline;
    let outline = || RequestOutline {
        settings: String::new(),
        anchors: vec![],
        replayed: vec![],
        parts: vec![],
        images: 0,
        inline_bytes: 0,
    };
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    update(&mut s, key(KeyCode::F(9)));
    update(&mut s, ctrl('g'));
    update(&mut s, Msg::Composed(Ok(outline())));
    assert!(
        s.overlay.is_none(),
        "sent before the preview came: it is dropped"
    );

    update(&mut s, key(KeyCode::F(9)));
    type_text(&mut s, "!");
    update(&mut s, Msg::Composed(Ok(outline())));
    assert!(s.overlay.is_none(), "the prompt changed while composing");

    update(&mut s, key(KeyCode::F(9)));
    update(&mut s, Msg::Composed(Ok(outline())));
    assert!(matches!(s.overlay, Some(Overlay::Request { .. })));
    update(&mut s, Msg::Paste("and a hat".into()));
    assert_eq!(
        s.prompt.text(),
        "a red fox!",
        "paste does not reach the editor behind"
    );
    s.settings.aspect = Some("16:9".into());
    let effects = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::ComposeRequest { .. }]),
        "a changed setting is shown again, not sent: {effects:?}"
    );
}

#[test]
fn quitting_during_a_batch_run_asks_even_between_items() {
    use crate::tui::state::batch::BatchProgress;
    let mut s = state(120, 40);
    s.batch = Some(BatchProgress::starting());
    let effects = update(&mut s, ctrl('q'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(
        s.overlay,
        Some(Overlay::ConfirmQuit { running: 1 })
    ));
    update(&mut s, key(KeyCode::Char('n')));
    if let Some(run) = s.batch.as_mut() {
        run.ended = Some("done".into());
    }
    assert_eq!(update(&mut s, ctrl('q')), vec![Effect::Quit]);
}

#[test]
fn runs_of_other_processes_show_in_the_jobs_title_but_not_our_own() {
    use crate::tui::msg::OtherRun;
    use crate::tui::state::batch::BatchProgress;
    let mut s = state(120, 40);
    s.batch = Some(BatchProgress {
        run: 3,
        ..BatchProgress::starting()
    });
    let other = |run| OtherRun {
        run,
        done: 12,
        failed: 1,
        total: 40,
    };
    update(&mut s, Msg::OtherRuns(vec![other(3), other(9)]));
    assert_eq!(s.other_runs, vec![other(9)]);
    s.batch = None;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let (mut slot, mut resizes) = crate::tui::testkit::slot();
    crate::tui::testkit::draw(&mut terminal, &s, &mut slot, &mut resizes);
    let screen = format!("{:?}", terminal.backend());
    assert!(
        screen.contains("batch 9 elsewhere 12/40 (1 failed)"),
        "{screen}"
    );
    update(&mut s, Msg::OtherRuns(vec![]));
    assert!(s.other_runs.is_empty());
}

#[test]
fn batch_jobs_are_listed_without_moving_the_users_selection_or_seed() {
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    update(&mut s, ctrl('g'));
    let seed_before = s.settings.seed;
    update(&mut s, Msg::BatchJob(queued(50, "batch item", 987_654)));
    assert_eq!(s.jobs.len(), 1, "the batch job is listed");
    assert_eq!(
        s.settings.seed, seed_before,
        "a batch item's seed is not taken"
    );
    update(&mut s, Msg::Studio(queued(51, "a red fox", 5)));
    assert_eq!(
        s.jobs.selected_job().map(|j| j.id),
        Some(51),
        "the user's own job is the one followed"
    );
}

#[test]
fn a_pin_that_cannot_be_decoded_stops_comparing() {
    use crate::tui::state::preview::Pinned;
    let mut s = state(120, 40);
    s.compare = Some(Pinned {
        job: 1,
        path: "/gone.png".into(),
    });
    update(
        &mut s,
        Msg::PinFailed("cannot compare with /gone.png: missing".into()),
    );
    assert_eq!(s.compare, None);
    assert!(s.prompt.message.is_none(), "not a prompt problem");
}

#[test]
fn the_quit_question_reads_right() {
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "a red fox", 5)));
    update(&mut s, ctrl('q'));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let (mut slot, mut resizes) = crate::tui::testkit::slot();
    crate::tui::testkit::draw(&mut terminal, &s, &mut slot, &mut resizes);
    let screen = format!("{:?}", terminal.backend());
    assert!(
        screen.contains("1 job is still running. Quit anyway?"),
        "{screen}"
    );
    assert!(
        screen.contains("b: leave them running in the background"),
        "{screen}"
    );
}

#[test]
fn r_sends_an_interrupted_job_again_as_it_was_once_the_service_says_it_is_gone() {
    let mut s = state(120, 40);
    let row = crate::store::JobRow {
        id: 77,
        state: "interrupted".into(),
        prompt: "a lighthouse at dusk".into(),
        model: "gemini-3.1-flash-image".into(),
        size: Some("1K".into()),
        aspect: Some("16:9".into()),
        seed: Some(4242),
        owner: Some(crate::store::owner::Owner { pid: 1, started: 1 }),
        ..Default::default()
    };
    s.jobs.merge_rows(&[row], s.now);
    s.focus = Focus::Jobs;
    assert_eq!(
        update(&mut s, key(KeyCode::Char('r'))),
        vec![Effect::Recover(77)]
    );
    let effects = update(
        &mut s,
        Msg::Recovered {
            id: 77,
            recovery: Ok(crate::studio::collect::Recovery::NeverCreated),
        },
    );
    let [Effect::Generate(spec, _)] = effects.as_slice() else {
        panic!("expected one generation, got {effects:?}");
    };
    assert_eq!(spec.prompt, "a lighthouse at dusk");
    assert_eq!(spec.aspect.as_deref(), Some("16:9"));
    assert_eq!(spec.seed, Some(4242));
}

#[test]
fn r_on_an_interrupted_job_asks_the_service_and_sends_again_only_when_told_to() {
    use crate::store::JobRow;
    use crate::store::owner::Owner;
    use crate::studio::collect::{Collected, Recovery};
    let mut s = state(120, 40);
    let dead = Owner {
        pid: 2_147_483_600,
        started: 1,
    };
    let row = JobRow {
        id: 7,
        state: "interrupted".into(),
        prompt: "a kite".into(),
        model: "gemini-3.1-flash-image".into(),
        owner: Some(dead),
        ..JobRow::default()
    };
    update(&mut s, Msg::JobsChanged(vec![row]));
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(7));
    assert_eq!(
        update(&mut s, key(KeyCode::Char('r'))),
        vec![Effect::Recover(7)],
        "asked first, nothing sent"
    );
    let still = Recovery::Asked(Collected::Running { job: 7 });
    let effects = update(
        &mut s,
        Msg::Recovered {
            id: 7,
            recovery: Ok(still),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        s.status
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("still running on the service")
    );
    let gone = Recovery::Asked(Collected::Lost { job: 7 });
    let effects = update(
        &mut s,
        Msg::Recovered {
            id: 7,
            recovery: Ok(gone),
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Generate(spec, _) if spec.prompt == "a kite")),
        "sent again as it was: {effects:?}"
    );
    assert!(
        s.status
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("no longer has job #7")
    );
    let unreachable = Recovery::Unreachable(crate::studio::collect::Unreachable {
        service: "the Gemini API (x)".into(),
        set: "GEMINI_API_KEY".into(),
        jobs: 1,
    });
    let effects = update(
        &mut s,
        Msg::Recovered {
            id: 7,
            recovery: Ok(unreachable),
        },
    );
    assert!(effects.is_empty());
    assert!(
        s.status
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("set GEMINI_API_KEY")
    );
}

#[test]
fn the_start_asks_for_the_selected_jobs_image_before_any_key() {
    let past = crate::store::JobRow {
        id: 4,
        state: "done".into(),
        prompt: "a lighthouse".into(),
        model: "gemini-3.1-flash-image".into(),
        outputs: vec!["/o/4.png".into()],
        attempts: 1,
        ..Default::default()
    };
    let mut s = crate::tui::testkit::state_with_past(120, 40, vec![past]);
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(4));
    let effects = update(&mut s, Msg::Started);
    assert!(
        effects.contains(&Effect::LoadPreview(Some("/o/4.png".into()))),
        "{effects:?}"
    );
    assert_eq!(s.preview.status, super::preview::PreviewStatus::Loading);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SetHead { .. })),
        "the first selection is no choice of turn"
    );
}
