//! Edit sessions in the workbench: Ctrl+G starts or continues a session, selecting a
//! done job picks its turn, Alt+N starts afresh, Alt+←/→ step through turns.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::session::SessionState;
use super::update;
use crate::store::session_types::{Session, StoredContent, Turn, TurnId};
use crate::studio::StudioEvent;
use crate::tui::layout::Focus;
use crate::tui::msg::{Effect, Msg};
use crate::tui::testkit::{ctrl, done, key, queued, state, type_text};

fn alt(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::ALT))
}

fn turn(id: TurnId, parent: Option<TurnId>) -> Turn {
    Turn {
        id,
        parent,
        created_at: String::new(),
        instruction: format!("t{id}"),
        user: StoredContent::default(),
        model: StoredContent::default(),
        outputs: vec![],
        job_id: None,
    }
}

/// Session `s1`: 1 → 2 → 3, and a fork 1 → 4.
fn forked() -> Session {
    Session {
        id: "s1".into(),
        created_at: String::new(),
        title: "fox".into(),
        model: "gemini-3.1-flash-image".into(),
        head: Some(3),
        turns: vec![
            turn(1, None),
            turn(2, Some(1)),
            turn(3, Some(2)),
            turn(4, Some(1)),
        ],
    }
}

/// A done event for job `id` that recorded `turn` of session `s1`.
fn done_turn(id: i64, turn: TurnId) -> Msg {
    let StudioEvent::Done {
        id,
        outputs,
        cost_usd,
        elapsed,
        text,
        ..
    } = done(id, std::path::Path::new(&format!("/o/{id}.png")), 1.0)
    else {
        unreachable!("done() makes a Done event");
    };
    Msg::Studio(StudioEvent::Done {
        id,
        outputs,
        cost_usd,
        elapsed,
        text,
        session: Some("s1".into()),
        turn: Some(turn),
        priced: Default::default(),
    })
}

#[test]
fn the_first_ctrl_g_starts_a_session_and_the_next_continues_its_turn() {
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    let effects = update(&mut s, ctrl('g'));
    assert!(
        matches!(effects.as_slice(), [Effect::Generate(..)]),
        "{effects:?}"
    );
    update(&mut s, Msg::Studio(queued(1, "a red fox", 7)));
    let effects = update(&mut s, done_turn(1, 10));
    assert!(
        effects.contains(&Effect::LoadSession("s1".into())),
        "{effects:?}"
    );
    assert_eq!(s.session.continue_from(), Some(("s1".into(), 10)));
    update(&mut s, ctrl('l'));
    type_text(&mut s, "make it blue");
    let effects = update(&mut s, ctrl('g'));
    let [
        Effect::Continue {
            spec,
            session,
            parent,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (spec.prompt.as_str(), session.as_str(), *parent),
        ("make it blue", "s1", 10)
    );
}

#[test]
fn alt_n_starts_a_fresh_session() {
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "fox", 7)));
    update(&mut s, done_turn(1, 1));
    assert!(s.session.id.is_some());
    update(&mut s, alt(KeyCode::Char('n')));
    assert_eq!(s.session.continue_from(), None);
    update(&mut s, Msg::Studio(queued(2, "late", 7)));
    update(&mut s, done_turn(2, 2));
    assert_eq!(
        s.session.continue_from(),
        None,
        "a late turn of the left session does not pull it back"
    );
    type_text(&mut s, "a cat");
    let effects = update(&mut s, ctrl('g'));
    assert!(
        matches!(effects.as_slice(), [Effect::Generate(..)]),
        "{effects:?}"
    );
}

#[test]
fn selecting_an_older_done_job_forks_from_its_turn() {
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "fox", 7)));
    update(&mut s, done_turn(1, 1));
    update(&mut s, Msg::Studio(queued(2, "blue", 7)));
    update(&mut s, done_turn(2, 2));
    update(&mut s, Msg::SessionLoaded(Ok(forked())));
    assert_eq!(s.session.turn, Some(2));
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Focus::Jobs);
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(2));
    let effects = update(&mut s, key(KeyCode::Down));
    assert_eq!(s.session.turn, Some(1));
    assert!(
        effects.contains(&Effect::SetHead {
            session: "s1".into(),
            turn: 1
        }),
        "{effects:?}"
    );
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::BackTab));
    update(&mut s, key(KeyCode::BackTab));
    type_text(&mut s, "green");
    let effects = update(&mut s, ctrl('g'));
    assert!(
        matches!(effects.as_slice(), [Effect::Continue { parent: 1, .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_strip_and_caption_follow_the_chain_and_forks() {
    let mut session = SessionState::reopen(Some(forked()));
    assert_eq!(session.caption().as_deref(), Some("session s1 · turn 3"));
    assert_eq!(session.strip().as_deref(), Some("turns: 1 › 2 › [3]"));
    assert_eq!(session.back(), Some(2));
    assert_eq!(
        session.strip().as_deref(),
        Some("turns: 1 › [2]  (forks: 1)  (next: 1)")
    );
    assert_eq!(session.back(), Some(1));
    assert_eq!(session.back(), None, "a first turn has no parent");
    assert_eq!(session.forward(), Some(2));
    assert_eq!(session.forward(), Some(3));
    assert_eq!(session.forward(), None);
    session.clear();
    assert_eq!((session.caption(), session.strip()), (None, None));
}

#[test]
fn alt_arrows_step_turns_and_record_the_head() {
    let mut s = state(120, 40);
    s.session = SessionState::reopen(Some(forked()));
    let effects = update(&mut s, alt(KeyCode::Left));
    assert_eq!(
        effects,
        vec![Effect::SetHead {
            session: "s1".into(),
            turn: 2
        }]
    );
    update(&mut s, alt(KeyCode::Right));
    assert_eq!(s.session.turn, Some(3));
    assert!(update(&mut s, alt(KeyCode::Right)).is_empty());
    let said = s.status.message.clone().map(|(_, t)| t).unwrap_or_default();
    assert!(said.contains("no later turn"), "{said}");
}

#[test]
fn a_refused_continuation_shows_inline() {
    let mut s = state(120, 40);
    s.session = SessionState::reopen(Some(forked()));
    update(&mut s, key(KeyCode::F(2)));
    type_text(&mut s, "x");
    update(
        &mut s,
        Msg::Refused(
            "session s1 uses gemini-3.1-flash-image; a session cannot switch models".into(),
        ),
    );
    assert!(
        s.prompt
            .message
            .as_deref()
            .unwrap_or("")
            .contains("switch models")
    );
    update(&mut s, Msg::SessionLoaded(Err("gone".into())));
    assert_eq!(s.session.continue_from(), Some(("s1".into(), 3)));
}

#[test]
fn a_loaded_session_links_past_jobs_to_their_turns() {
    let mut s = state(120, 40);
    update(&mut s, Msg::Studio(queued(1, "fox", 7)));
    update(&mut s, Msg::Studio(queued(2, "blue", 7)));
    s.session = SessionState::reopen(Some(crate::tui::testkit::session(
        "s9",
        &[(1, None), (2, Some(1))],
    )));
    update(
        &mut s,
        Msg::SessionLoaded(Ok(crate::tui::testkit::session(
            "s9",
            &[(1, None), (2, Some(1))],
        ))),
    );
    assert_eq!(
        s.jobs.get(1).and_then(|j| j.turn.clone()),
        Some(("s9".into(), 1))
    );
    assert_eq!(s.session.continue_from(), Some(("s9".into(), 2)));
}

fn past_job(id: i64) -> crate::store::JobRow {
    crate::store::JobRow {
        id,
        created_at: String::new(),
        finished_at: None,
        state: "done".into(),
        prompt: format!("p{id}"),
        model: "gemini-3-pro-image".into(),
        aspect: None,
        size: None,
        seed: None,
        outputs: vec![format!("/o/{id}.png")],
        cost_usd: 0.0,
        attempts: 1,
        error_kind: None,
        error_message: None,
        response_id: None,
        elapsed_ms: None,
        tier: None,
        cost_simulated: false,
        backend: None,
        owner: None,
        rev: 0,
    }
}

/// A fresh workbench over a store whose latest session came from the CLI: a typed prompt
/// starts a new session (and says so) until the user picks one of that session's jobs.
#[test]
fn a_fresh_workbench_starts_a_new_session_until_one_is_chosen() {
    let fresh = state(120, 40);
    let mut session = crate::tui::testkit::session("s7", &[(1, None), (2, Some(1))]);
    session.head = Some(1);
    session.model = "gemini-3-pro-image".into();
    let mut s = super::AppState::new(super::Init {
        registry: fresh.registry.clone(),
        keymap: fresh.keymap.clone(),
        defaults: Default::default(),
        out_dir: "/out".into(),
        home: None,
        backend: String::new(),
        offline: true,
        history: vec![],
        past_jobs: vec![past_job(2), past_job(1)],
        anchors: vec![],
        session: Some(session),
        area: fresh.area,
        now: fresh.now,
        capabilities: fresh.capabilities,
        presets: vec![],
    });
    assert_eq!(
        s.settings.model, fresh.settings.model,
        "the config's model, not the old session's"
    );
    update(&mut s, Msg::Started);
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(2));
    assert_eq!(s.session.continue_from(), None, "nothing chosen yet");
    assert_eq!(s.session.next_words(), "new session");
    assert_eq!(
        s.session.describe("s7", 2),
        "session s7 · turn 2",
        "the selected job still names its own session"
    );
    crate::tui::testkit::type_text(&mut s, "a lighthouse at dusk");
    let effects = update(&mut s, ctrl('g'));
    assert!(
        matches!(effects.as_slice(), [Effect::Generate(..)]),
        "a new session, not turn 3 of s7: {effects:?}"
    );
    // Choosing a job of s7 chooses s7.
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.session.continue_from(), Some(("s7".into(), 2)));
    assert_eq!(s.session.next_words(), "continues session s7 · turn 3");
}

#[test]
fn ctrl_g_twice_before_the_first_answer_joins_one_session() {
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    let first = update(&mut s, ctrl('g'));
    let second = update(&mut s, ctrl('g'));
    let ([Effect::Generate(_, a)], [Effect::Generate(_, b)]) =
        (first.as_slice(), second.as_slice())
    else {
        panic!("{first:?} {second:?}");
    };
    assert_eq!(a, b, "the second first turn goes to the same session");
    update(
        &mut s,
        Msg::SessionStarted {
            token: *a,
            id: "s1".into(),
        },
    );
    assert_eq!(s.session.id.as_deref(), Some("s1"));
    assert_eq!(s.session.continue_from(), None, "no turn to continue yet");
    let third = update(&mut s, ctrl('g'));
    assert!(
        matches!(third.as_slice(), [Effect::Generate(_, c)] if c == a),
        "{third:?}"
    );
    update(&mut s, Msg::Studio(queued(1, "a red fox", 7)));
    update(&mut s, done_turn(1, 10));
    assert_eq!(s.session.continue_from(), Some(("s1".into(), 10)));
}

#[test]
fn alt_n_while_a_first_turn_is_pending_starts_another_session() {
    let mut s = state(120, 40);
    type_text(&mut s, "a red fox");
    let first = update(&mut s, ctrl('g'));
    update(&mut s, alt(KeyCode::Char('n')));
    let second = update(&mut s, ctrl('g'));
    let ([Effect::Generate(_, a)], [Effect::Generate(_, b)]) =
        (first.as_slice(), second.as_slice())
    else {
        panic!("{first:?} {second:?}");
    };
    assert_ne!(a, b);
    update(
        &mut s,
        Msg::SessionStarted {
            token: *a,
            id: "old".into(),
        },
    );
    assert_eq!(s.session.id, None, "the left session is not adopted");
    update(&mut s, Msg::Studio(queued(1, "a red fox", 7)));
    let effects = update(
        &mut s,
        Msg::Studio(crate::tui::testkit::done_turn(
            1,
            std::path::Path::new("/out/a.png"),
            "old",
            3,
        )),
    );
    assert!(
        !effects.contains(&Effect::LoadSession("old".into())),
        "{effects:?}"
    );
    assert_eq!(s.session.continue_from(), None);
}

#[test]
fn walking_turns_shows_each_turn_in_the_preview() {
    let mut s = state(120, 40);
    for (job, turn) in [(1, 1), (2, 2), (3, 3)] {
        update(&mut s, Msg::Studio(queued(job, "fox", 7)));
        update(&mut s, done_turn(job, turn));
    }
    update(&mut s, Msg::SessionLoaded(Ok(forked())));
    s.jobs.select_id(3);
    update(&mut s, Msg::Tick);
    let effects = update(&mut s, alt(KeyCode::Left));
    assert_eq!(s.session.turn, Some(2));
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(2));
    assert!(
        effects.contains(&Effect::LoadPreview(Some("/o/2.png".into()))),
        "{effects:?}"
    );
    update(&mut s, alt(KeyCode::Left));
    assert_eq!(s.jobs.selected_job().map(|j| j.id), Some(1));
    update(&mut s, alt(KeyCode::Right));
    assert_eq!(
        (s.session.turn, s.jobs.selected_job().map(|j| j.id)),
        (Some(2), Some(2)),
        "forward returns along the walked branch"
    );
}
