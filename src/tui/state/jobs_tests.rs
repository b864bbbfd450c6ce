//! The Jobs pane's list: events, bounds, jobs of other processes, selection.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::api::outcome::OutcomeError;
use crate::settings::Grounding;
use crate::studio::output::SavedOutput;
use crate::studio::{JobInfo, ResolvedSettings};

pub(crate) fn queued(id: JobId, prompt: &str) -> StudioEvent {
    StudioEvent::Queued(JobInfo {
        id,
        prompt: prompt.into(),
        settings: ResolvedSettings {
            model: "gemini-3.1-flash-image".into(),
            aspect: None,
            size: "1K".into(),
            seed: 7,
            thinking: None,
            grounding: Grounding::Off,
            tier: Default::default(),
            fallback: None,
            pixels: None,
            safety: vec![],
            preset: None,
        },
    })
}

#[test]
fn events_move_a_job_through_its_states() {
    let t0 = Instant::now();
    let mut jobs = JobsState::default();
    jobs.apply(queued(1, "fox"), t0);
    jobs.apply(queued(2, "cat"), t0);
    assert_eq!(jobs.row(0).unwrap().id, 2);
    assert_eq!(jobs.active(), 2);
    jobs.apply(StudioEvent::Sending { id: 1, attempt: 1 }, t0);
    jobs.apply(
        StudioEvent::Retrying {
            id: 1,
            next_attempt: 2,
            delay: Duration::from_secs(4),
            reason: "rate limited".into(),
        },
        t0,
    );
    assert_eq!(jobs.next_retry().unwrap().0, t0 + Duration::from_secs(4));
    jobs.apply(
        StudioEvent::Done {
            id: 1,
            outputs: vec![SavedOutput {
                path: "/o/fox.png".into(),
                sidecar: "/o/fox.png.json".into(),
                width: 1024,
                height: 1024,
                mime: "image/png".into(),
                bytes: 10,
            }],
            cost_usd: 0.067,
            elapsed: Duration::from_secs(3),
            text: vec![],
            session: None,
            turn: None,
            priced: Default::default(),
        },
        t0,
    );
    let fox = jobs.get(1).unwrap();
    assert_eq!(fox.phase, Phase::Done);
    assert_eq!(fox.image().unwrap(), &PathBuf::from("/o/fox.png"));
    assert!((jobs.session_spend - 0.067).abs() < 1e-9);
    jobs.apply(
        StudioEvent::Failed {
            id: 2,
            error: StudioError::Outcome(OutcomeError::ImageBlocked {
                reason: "IMAGE_SAFETY".into(),
                text: None,
            }),
            elapsed: Duration::from_secs(1),
        },
        t0,
    );
    let cat = jobs.get(2).unwrap();
    assert_eq!(cat.phase, Phase::Blocked);
    assert!(cat.failure.as_ref().unwrap().message.contains("safety"));
    assert_eq!(jobs.active(), 0);
}

#[test]
fn the_list_is_bounded() {
    let t0 = Instant::now();
    let mut jobs = JobsState::default();
    for id in 0..(MAX_JOBS as i64 + 10) {
        jobs.apply(queued(id, "x"), t0);
        jobs.apply(StudioEvent::Cancelled { id }, t0);
        jobs.selected = 0;
    }
    assert!(jobs.len() <= MAX_JOBS);
    assert_eq!(jobs.row(0).map(|j| j.id), Some(MAX_JOBS as i64 + 9));
    assert!(jobs.get(0).is_none());
}

fn row(id: JobId, state: &str, owner: Option<crate::store::owner::Owner>) -> JobRow {
    JobRow {
        id,
        state: state.into(),
        prompt: format!("job {id}"),
        model: "gemini-3.1-flash-image".into(),
        outputs: if state == "done" {
            vec![format!("/o/{id}.png")]
        } else {
            vec![]
        },
        attempts: 1,
        owner,
        ..JobRow::default()
    }
}

#[test]
fn jobs_elsewhere_join_and_change_in_place_and_ours_are_left_to_events() {
    use crate::store::owner::Owner;
    let other = Some(Owner { pid: 1, started: 1 });
    let me = Some(Owner::current());
    let t0 = Instant::now();
    let mut jobs = JobsState::default();
    jobs.apply(queued(1, "mine"), t0);
    jobs.move_selection(0);
    jobs.merge_rows(&[row(1, "done", me), row(2, "sending", other)], t0);
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs.get(1).unwrap().phase, Phase::Queued, "our events rule");
    let theirs = jobs.get(2).unwrap();
    assert!(theirs.elsewhere);
    assert_eq!(theirs.phase, Phase::Sending { attempt: 1 });
    assert_eq!(jobs.selected_job().unwrap().id, 1, "selection kept");
    assert_eq!(jobs.active(), 1, "only our own job is ours to wait for");

    jobs.merge_rows(&[row(2, "done", other)], t0);
    assert_eq!(jobs.len(), 2, "updated in place, not added again");
    let theirs = jobs.get(2).unwrap();
    assert_eq!(theirs.phase, Phase::Done);
    assert_eq!(theirs.image(), Some(&PathBuf::from("/o/2.png")));
    jobs.merge_rows(&[row(3, "interrupted", other)], t0);
    assert_eq!(jobs.get(3).unwrap().phase, Phase::Interrupted);
    assert_eq!(jobs.row(0).unwrap().id, 3, "newcomers on top");
}

#[test]
fn selection_stays_on_its_job_when_new_ones_arrive() {
    let t0 = Instant::now();
    let mut jobs = JobsState::default();
    jobs.apply(queued(1, "a"), t0);
    jobs.apply(queued(2, "b"), t0);
    jobs.move_selection(1);
    assert_eq!(jobs.selected_job().unwrap().id, 1);
    jobs.apply(queued(3, "c"), t0);
    assert_eq!(jobs.selected_job().unwrap().id, 1);
    jobs.move_selection(-10);
    assert_eq!(jobs.selected_job().unwrap().id, 3);
}

#[test]
fn a_job_elsewhere_ticks_from_when_it_was_recorded() {
    use crate::store::owner::Owner;
    let other = Some(Owner { pid: 1, started: 1 });
    let t0 = Instant::now();
    let mut started = row(4, "sending", other);
    started.created_at = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let mut jobs = JobsState::default();
    jobs.merge_rows(&[started], t0);
    let theirs = jobs.get(4).unwrap();
    let elapsed = theirs.elapsed_at(t0).unwrap();
    assert!(
        (4..=6).contains(&elapsed.as_secs()),
        "counted from its start: {elapsed:?}"
    );
    let later = theirs.elapsed_at(t0 + Duration::from_secs(2)).unwrap();
    assert!(later > elapsed, "it ticks");
    assert_eq!(jobs.running_anywhere(), 1);
    assert_eq!(jobs.active(), 0, "not ours to wait for on quit");
}
