//! How far each running job of a `Studio` has got, so its work can be handed to another
//! process without anything being sent twice or saved twice: a job not yet sent is handed
//! over unsent, one the service gave an interaction id is handed over to be collected, and
//! one on the wire without an id (or being saved) is waited for.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use super::JobId;

/// Where a running job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Recorded, not sent: waiting for a slot, uploading references, or between retries
    /// of a request the service never accepted.
    Waiting,
    /// The create request is on the wire and the service has not named the interaction yet.
    Sending,
    /// The service named the interaction (stored): the answer can be collected by id.
    Created,
    /// A generateContent request is on the wire: only this process can get its answer.
    Posting,
    /// A generateContent job held back before sending because its work is being handed over.
    Parked,
    /// The answer is here and being saved.
    Saving,
}

impl Stage {
    /// True when the job may leave this process now: `unsent_too` also lets a job that
    /// was never sent go (the workbench's quit), else only jobs already created or parked.
    pub fn can_leave(self, unsent_too: bool) -> bool {
        match self {
            Stage::Created | Stage::Parked => true,
            Stage::Waiting => unsent_too,
            Stage::Sending | Stage::Posting | Stage::Saving => false,
        }
    }

    /// True when the service has the job (it is collected by id, never sent again).
    pub fn is_sent(self) -> bool {
        matches!(self, Stage::Created)
    }
}

/// The stage of every running job, with a channel that moves on each change.
#[derive(Debug)]
pub struct Stages {
    map: Mutex<HashMap<JobId, Stage>>,
    changed: watch::Sender<u64>,
}

impl Default for Stages {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            changed: watch::channel(0).0,
        }
    }
}

impl Stages {
    /// Sets a job's stage and wakes whoever waits on a change.
    pub fn set(&self, id: JobId, stage: Stage) {
        if let Ok(mut map) = self.map.lock() {
            map.insert(id, stage);
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// A job's stage (None once it left).
    pub fn get(&self, id: JobId) -> Option<Stage> {
        self.map.lock().ok().and_then(|m| m.get(&id).copied())
    }

    /// Forgets a job that ended or left.
    pub fn remove(&self, id: JobId) -> Option<Stage> {
        let stage = self.map.lock().ok().and_then(|mut m| m.remove(&id));
        self.changed.send_modify(|n| *n += 1);
        stage
    }

    /// A receiver that changes whenever a stage does.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Jobs still here.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when no job is here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_created_parked_or_unsent_jobs_may_leave() {
        assert!(Stage::Created.can_leave(false));
        assert!(Stage::Parked.can_leave(false));
        assert!(!Stage::Waiting.can_leave(false));
        assert!(Stage::Waiting.can_leave(true));
        for stage in [Stage::Sending, Stage::Posting, Stage::Saving] {
            assert!(!stage.can_leave(true), "{stage:?} is waited for");
        }
        assert!(Stage::Created.is_sent() && !Stage::Parked.is_sent());
    }

    #[tokio::test]
    async fn a_change_wakes_a_watcher() {
        let stages = Stages::default();
        let mut rx = stages.watch();
        stages.set(7, Stage::Sending);
        rx.changed().await.unwrap();
        assert_eq!(stages.get(7), Some(Stage::Sending));
        assert_eq!(stages.remove(7), Some(Stage::Sending));
        assert!(stages.is_empty());
    }
}
