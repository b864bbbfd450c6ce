//! Handing a studio's jobs to another process: each job leaves when its stage allows it
//! (`Stage::can_leave`), and the studio waits until none runs here.

use std::time::Duration;

use super::{HandOffMode, Handed, Studio, lock};
use crate::studio::events::JobId;

impl Studio {
    /// True while `hand_off` is in force.
    pub fn is_handing_off(&self) -> bool {
        self.inner
            .handing_now
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes the work back after a hand-off that could not happen (no detached process):
    /// jobs run here again, and `adopt` sends the unsent ones.
    pub fn keep_working_here(&self) {
        self.inner
            .handing_now
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops this process's part of every job so another process can carry it on: a job
    /// the service named an interaction for leaves (collect it; it is never cancelled on
    /// the service), one not sent yet leaves unsent (with `HandOffMode::Now`; else it is
    /// sent first), one whose request is on the wire without an id, or whose answer is
    /// being saved, is waited for. Returns once no job runs here, with those that left.
    pub async fn hand_off(&self, mode: HandOffMode) -> Vec<Handed> {
        self.inner.unsent_leave.store(
            mode == HandOffMode::Now,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.inner
            .handing_now
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.handing.cancel();
        let mut changed = self.inner.stages.watch();
        while self.active_jobs() > 0 {
            // A job leaves or ends by itself; the stage channel wakes us on every step.
            let _ = tokio::time::timeout(Duration::from_millis(200), changed.changed()).await;
        }
        std::mem::take(&mut *lock(&self.inner.handed))
    }

    /// Jobs handed over so far (kept until `hand_off` returns them).
    pub fn handed_count(&self) -> usize {
        lock(&self.inner.handed).len()
    }

    /// Completes once the job may leave this process (a hand-off was asked for and its
    /// stage allows it); never otherwise.
    pub(super) async fn released(&self, id: JobId) {
        self.inner.handing.cancelled().await;
        let mut changed = self.inner.stages.watch();
        loop {
            if !self.is_handing_off() {
                // The hand-off was called off: the job finishes here.
                std::future::pending::<()>().await;
            }
            let unsent_too = self
                .inner
                .unsent_leave
                .load(std::sync::atomic::Ordering::SeqCst);
            if self
                .inner
                .stages
                .get(id)
                .is_some_and(|s| s.can_leave(unsent_too))
            {
                return;
            }
            if changed.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
