//! Batch runs and review from the workbench: the form that checks and starts a batch
//! file, the run's progress messages, stopping it, and opening the review grid.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};

use super::AppState;
use super::batch::{BatchForm, BatchProgress};
use super::overlay::Overlay;
use super::status::Level;
use crate::studio::batch::BatchPlan;
use crate::studio::batch::interactive::{BatchEvent, RunSummary};
use crate::tui::msg::Effect;
use crate::tui::strings;

/// Opens the batch form (refused while a run is going).
pub fn open_form(state: &mut AppState) {
    if let Some(run) = state.batch.as_ref().filter(|b| b.running()) {
        let text = strings::batch::still_running(run.run, run.done, run.total);
        state.status.say(Level::Warn, text);
        return;
    }
    state.overlay = Some(Overlay::Batch(BatchForm::new(
        &state.batch_file,
        state.home.clone(),
    )));
}

/// A key while the batch form is open.
pub fn on_form_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Batch(form)) = state.overlay.as_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => state.overlay = None,
        KeyCode::Enter if form.checking => {}
        KeyCode::Enter if form.path.text().trim().is_empty() => {
            form.error = Some(strings::batch::PATH_NEEDED.into());
        }
        KeyCode::Enter => {
            let file = form.file();
            state.batch_file = form.path.text().trim().to_string();
            if form.plan.is_some() {
                state.overlay = None;
                state.batch = Some(BatchProgress::starting());
                state
                    .status
                    .say(Level::Info, strings::batch::starting(&file));
                return vec![Effect::RunBatch(file)];
            }
            form.checking = true;
            form.error = None;
            return vec![Effect::PlanBatch(file)];
        }
        _ => {
            if form.path.handle(&key) {
                form.plan = None;
                form.error = None;
                form.checking = false;
            }
        }
    }
    vec![]
}

/// The checked file came back.
pub fn planned(state: &mut AppState, path: PathBuf, result: Result<BatchPlan, String>) {
    let Some(Overlay::Batch(form)) = state.overlay.as_mut() else {
        return;
    };
    if form.file() != path {
        return;
    }
    form.checking = false;
    match result {
        Ok(plan) => form.plan = Some(plan),
        Err(e) => form.error = Some(e),
    }
}

/// The lane reported.
pub fn progress(state: &mut AppState, event: BatchEvent) {
    if let BatchEvent::BudgetReached {
        spent_usd,
        budget_usd,
    } = &event
    {
        state.status.say(
            Level::Warn,
            strings::batch::budget_reached(*spent_usd, *budget_usd),
        );
    }
    if let BatchEvent::Notice { message } = &event {
        state.status.say(Level::Warn, message.clone());
    }
    let run = state.batch.get_or_insert_with(BatchProgress::starting);
    if let Some((job, tag)) = run.apply(&event) {
        state.jobs.tag(job, tag);
    }
    if let BatchEvent::Started { run, .. } = &event {
        state.other_runs.retain(|other| other.run != *run);
    }
}

/// The run ended, or could not start.
pub fn finished(state: &mut AppState, result: Result<RunSummary, String>) {
    match result {
        Ok(summary) => {
            let run = state.batch.get_or_insert_with(BatchProgress::starting);
            run.finish(&summary);
            let level = if summary.failed > 0 || summary.state != "done" {
                Level::Warn
            } else {
                Level::Ok
            };
            let text = strings::batch::finished(
                summary.run,
                summary.done,
                summary.total,
                &summary.dir,
                summary.state != "done",
            );
            state.status.say(level, text);
        }
        Err(e) => {
            if state.batch.as_ref().is_some_and(|b| b.run == 0) {
                state.batch = None;
            } else if let Some(run) = state.batch.as_mut() {
                run.ended = Some(strings::batch::STOPPED.into());
            }
            state.status.say(Level::Error, strings::batch::failed(&e));
        }
    }
}

/// Stops the run the selected job belongs to.
pub fn stop(state: &mut AppState) -> Vec<Effect> {
    match state.batch.as_ref().filter(|b| b.running()) {
        Some(run) => {
            state
                .status
                .say(Level::Warn, strings::batch::stopping(run.run));
            vec![Effect::StopBatch]
        }
        None => {
            state.status.say(Level::Warn, strings::batch::NOT_RUNNING);
            vec![]
        }
    }
}

/// Opens the review grid on the selected job's folder, else on the last batch run's.
pub fn review(state: &mut AppState) -> Vec<Effect> {
    let from_job = state
        .jobs
        .selected_job()
        .and_then(|j| j.image())
        .and_then(|p| p.parent())
        .map(PathBuf::from);
    let from_run = state
        .batch
        .as_ref()
        .map(|b| b.dir.clone())
        .filter(|d| !d.as_os_str().is_empty());
    match from_job.or(from_run) {
        Some(dir) => vec![Effect::Review(dir)],
        None => {
            state.status.say(Level::Warn, strings::NOTHING_TO_REVIEW);
            vec![]
        }
    }
}
