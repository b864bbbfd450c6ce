//! The Jobs pane's list: every job of the session (and recent ones from the store),
//! reduced from `StudioEvent`s in one place; one row is a `job::JobItem`.

use std::collections::HashMap;
use std::time::Instant;

use super::job::{Failure, JobItem, Phase, Thinking, is_blocked};
use crate::store::JobRow;
use crate::store::session_types::TurnId;
use crate::studio::{JobId, StudioError, StudioEvent};

/// Jobs from earlier sessions loaded at start.
pub const PAST_JOBS: usize = 200;

/// Most jobs kept in the list; past this the oldest finished ones are dropped (they stay in the store).
pub const MAX_JOBS: usize = 5_000;

/// All jobs, oldest first; the view shows them newest first.
#[derive(Debug, Clone, Default)]
pub struct JobsState {
    items: Vec<JobItem>,
    index: HashMap<JobId, usize>,
    /// Selected row, counted from the newest (0 = newest).
    pub selected: usize,
    /// Cost of this session's jobs.
    pub session_spend: f64,
    /// True once a job's cost was the simulator's notional price.
    pub spend_simulated: bool,
    /// Batch item tags that arrived before their job did.
    tags: HashMap<JobId, String>,
}

impl JobsState {
    /// A list holding past jobs (`rows` newest first, as the store gives them).
    pub fn with_past(rows: &[JobRow]) -> Self {
        let mut s = Self::default();
        for row in rows.iter().rev() {
            s.push(JobItem::from_row(row));
        }
        s
    }

    fn push(&mut self, item: JobItem) {
        if self.items.len() >= MAX_JOBS {
            self.trim();
        }
        self.index.insert(item.id, self.items.len());
        self.items.push(item);
    }

    /// Drops the oldest tenth of finished jobs, keeping the selection on its job.
    fn trim(&mut self) {
        let selected = self.selected_job().map(|j| j.id);
        let mut budget = MAX_JOBS / 10;
        self.items.retain(|j| {
            let drop = budget > 0 && !j.phase.is_active() && Some(j.id) != selected;
            if drop {
                budget -= 1;
            }
            !drop
        });
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id, i))
            .collect();
        self.selected = 0;
        if let Some(id) = selected {
            self.select_id(id);
        }
    }

    /// Marks the jobs that recorded `session`'s turns (past jobs learn their turn this way).
    pub fn link_turns(&mut self, session: &crate::store::session_types::Session) {
        for turn in &session.turns {
            if let Some(&i) = turn.job_id.and_then(|id| self.index.get(&id)) {
                self.items[i].turn = Some((session.id.clone(), turn.id));
            }
        }
    }

    /// The job that recorded `turn` of `session`, if it is in the list.
    pub fn job_of_turn(&self, session: &str, turn: TurnId) -> Option<JobId> {
        self.items
            .iter()
            .find(|j| {
                j.turn
                    .as_ref()
                    .is_some_and(|(s, t)| s == session && *t == turn)
            })
            .map(|j| j.id)
    }

    /// Number of jobs.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no jobs.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The job at display row `row` (0 = newest).
    pub fn row(&self, row: usize) -> Option<&JobItem> {
        let len = self.items.len();
        (row < len).then(|| &self.items[len - 1 - row])
    }

    /// The selected job.
    pub fn selected_job(&self) -> Option<&JobItem> {
        self.row(self.selected)
    }

    /// A job by id.
    pub fn get(&self, id: JobId) -> Option<&JobItem> {
        self.index.get(&id).map(|&i| &self.items[i])
    }

    /// Jobs this process is still running (jobs elsewhere are not ours to wait for).
    /// Jobs running anywhere (here or in another process): their elapsed time ticks.
    pub fn running_anywhere(&self) -> usize {
        self.items.iter().filter(|j| j.phase.is_active()).count()
    }

    pub fn active(&self) -> usize {
        self.items
            .iter()
            .filter(|j| j.phase.is_active() && !j.elsewhere)
            .count()
    }

    /// Takes rows the store reports changed: jobs of other processes are added or
    /// updated in place (newcomers at the top, the selection kept on its job); this
    /// process's own jobs are left to its engine events.
    pub fn merge_rows(&mut self, rows: &[JobRow], now: Instant) {
        let selected_id = self.selected_job().map(|j| j.id);
        let mut added = false;
        for row in rows {
            if !row.is_elsewhere() {
                continue;
            }
            match self.index.get(&row.id) {
                Some(&i) => self.items[i].refresh(row, now),
                None => {
                    let mut item = JobItem::from_row_at(row, now);
                    item.elsewhere = true;
                    self.push(item);
                    added = true;
                }
            }
        }
        if added && let Some(id) = selected_id {
            self.select_id(id);
        }
    }

    /// The soonest retry among running jobs, with its reason.
    pub fn next_retry(&self) -> Option<(Instant, &str)> {
        self.items
            .iter()
            .filter_map(|j| match &j.phase {
                Phase::Retrying { until, reason, .. } => Some((*until, reason.as_str())),
                _ => None,
            })
            .min_by_key(|(until, _)| *until)
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_selection(&mut self, delta: isize) {
        if self.items.is_empty() {
            self.selected = 0;
            return;
        }
        let last = self.items.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    /// Marks job `id` as running batch item `tag` (now, or when it appears).
    pub fn tag(&mut self, id: JobId, tag: String) {
        match self.index.get(&id) {
            Some(&i) => self.items[i].tag = Some(tag),
            None => {
                self.tags.insert(id, tag);
            }
        }
    }

    /// Selects the job with `id`.
    pub fn select_id(&mut self, id: JobId) {
        if let Some(&i) = self.index.get(&id) {
            self.selected = self.items.len() - 1 - i;
        }
    }

    /// Applies one engine event; returns the job's id.
    pub fn apply(&mut self, event: StudioEvent, now: Instant) -> JobId {
        let id = event.job_id();
        if let StudioEvent::Queued(info) = &event {
            let selected_id = self.selected_job().map(|j| j.id);
            let tag = self.tags.remove(&id);
            self.push(JobItem {
                id,
                prompt: info.prompt.clone(),
                model: info.settings.model.clone(),
                aspect: info.settings.aspect.clone(),
                size: info.settings.size.clone(),
                seed: Some(info.settings.seed),
                pixels: info.settings.pixels,
                phase: Phase::Queued,
                queued_at: Some(now),
                elapsed: None,
                cost_usd: 0.0,
                cost_simulated: false,
                outputs: Vec::new(),
                failure: None,
                past: false,
                turn: None,
                tag,
                elsewhere: false,
                thinking: Thinking::default(),
            });
            if let Some(sel) = selected_id {
                self.select_id(sel);
            }
            return id;
        }
        let Some(&i) = self.index.get(&id) else {
            return id;
        };
        let job = &mut self.items[i];
        match event {
            StudioEvent::Queued(_) | StudioEvent::Sent { .. } | StudioEvent::Notice { .. } => {}
            StudioEvent::Thinking {
                headline, image, ..
            } => {
                if job.phase.is_active() {
                    job.thinking.headline = headline.or(job.thinking.headline.take());
                    job.thinking.image = image.or(job.thinking.image.take());
                }
            }
            StudioEvent::Sending { attempt, .. } => job.phase = Phase::Sending { attempt },
            StudioEvent::Retrying {
                next_attempt,
                delay,
                reason,
                ..
            } => {
                job.phase = Phase::Retrying {
                    next_attempt,
                    until: now + delay,
                    reason,
                }
            }
            StudioEvent::Done {
                outputs,
                cost_usd,
                elapsed,
                session,
                turn,
                priced,
                ..
            } => {
                job.phase = Phase::Done;
                job.turn = session.zip(turn);
                job.elapsed = Some(elapsed);
                job.cost_usd = cost_usd;
                job.cost_simulated = priced.simulated;
                self.spend_simulated |= priced.simulated;
                if let Some(last) = outputs.last() {
                    job.pixels = Some((last.width, last.height));
                }
                job.outputs = outputs.into_iter().map(|o| o.path).collect();
                self.session_spend += cost_usd;
            }
            StudioEvent::Failed { error, elapsed, .. } => {
                job.phase = if is_blocked(error.kind()) {
                    Phase::Blocked
                } else {
                    Phase::Failed
                };
                job.elapsed = Some(elapsed);
                job.failure = Some(failure(&error));
            }
            StudioEvent::Cancelled { .. } => {
                job.phase = Phase::Cancelled;
                job.elapsed = job.queued_at.map(|t| now.saturating_duration_since(t));
            }
            StudioEvent::HandedOver { .. } => {
                // Carried on by another peel process: followed through the store from now.
                job.elsewhere = true;
            }
        }
        if !job.phase.is_active() {
            job.thinking = Thinking::default();
        }
        id
    }
}

fn failure(error: &StudioError) -> Failure {
    Failure {
        kind: error.kind().to_string(),
        message: error.to_string(),
    }
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
