//! Jobs left waiting on a background interaction by a process that is gone: where their
//! images were to go (recorded before sending), and claiming one so that only one of the
//! peel processes sharing the store collects it.

use rusqlite::params;

use super::owner::Owner;
use super::{Store, StoreError};

/// A job whose owner died while its background interaction ran on the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphan {
    /// The job.
    pub id: i64,
    /// Model id.
    pub model: String,
    /// The prompt.
    pub prompt: String,
    /// The interaction it waits on.
    pub interaction: String,
    /// Where its images go (JSON written by the engine), if recorded.
    pub landing: Option<String>,
    owner: (Option<i64>, Option<i64>),
}

impl Store {
    /// Records where a job's images go, so another process can save them for it.
    pub fn set_job_landing(&self, job: i64, landing: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET landing = ?2 WHERE id = ?1",
                params![job, landing],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Unfinished jobs with a background interaction whose owner is gone.
    pub fn orphans(&self) -> Result<Vec<Orphan>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, model, prompt, interaction_id, landing, owner_pid, owner_start FROM jobs
                 WHERE interaction_id IS NOT NULL AND state IN ('queued', 'sending') ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Orphan {
                    id: r.get(0)?,
                    model: r.get(1)?,
                    prompt: r.get(2)?,
                    interaction: r.get(3)?,
                    landing: r.get(4)?,
                    owner: (r.get(5)?, r.get(6)?),
                })
            })
            .map_err(|e| self.error(e))?;
        let all = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(all
            .into_iter()
            .filter(|o| !Owner::from_columns(o.owner.0, o.owner.1).is_some_and(|w| w.is_alive()))
            .collect())
    }

    /// Makes this process the owner of `orphan` unless another process claimed it first.
    pub fn claim_orphan(&self, orphan: &Orphan) -> Result<bool, StoreError> {
        let me = Owner::current();
        let changed = self
            .lock()
            .execute(
                "UPDATE jobs SET owner_pid = ?2, owner_start = ?3
                 WHERE id = ?1 AND owner_pid IS ?4 AND owner_start IS ?5
                   AND state IN ('queued', 'sending')",
                params![
                    orphan.id,
                    me.pid,
                    me.started as i64,
                    orphan.owner.0,
                    orphan.owner.1
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    /// Gives a claimed orphan back (its interaction still runs: a later process collects it).
    pub fn release_orphan(&self, orphan: &Orphan) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET owner_pid = ?2, owner_start = ?3 WHERE id = ?1",
                params![orphan.id, orphan.owner.0, orphan.owner.1],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Forgets a job's interaction (the service no longer has it): it stays interrupted.
    pub fn forget_interaction(&self, job: i64) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET interaction_id = NULL WHERE id = ?1",
                params![job],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
impl Store {
    /// Makes a job's owner a process that does not exist, as if its sender had died.
    pub(crate) fn kill_owner_for_tests(&self, job: i64) {
        self.lock()
            .execute(
                "UPDATE jobs SET owner_pid = 2147483600, owner_start = 1 WHERE id = ?1",
                params![job],
            )
            .expect("a dead owner");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobRecord, JobUpdate};

    fn job(store: &Store, prompt: &str) -> i64 {
        let id = store
            .insert_job(&JobRecord {
                prompt: prompt.into(),
                model: "m".into(),
                aspect: None,
                size: None,
                seed: None,
                request_json: "{}".into(),
            })
            .unwrap();
        store
            .update_job(id, &JobUpdate::Started { attempt: 1 })
            .unwrap();
        store
            .set_job_interaction(id, &format!("v1_{prompt}"))
            .unwrap();
        id
    }

    #[test]
    fn only_jobs_of_dead_owners_are_orphans_and_one_process_claims_each() {
        let store = Store::in_memory().unwrap();
        let mine = job(&store, "mine");
        let theirs = job(&store, "theirs");
        store.set_job_landing(theirs, "{\"stem\":\"x\"}").unwrap();
        store.kill_owner_for_tests(theirs);
        let orphans = store.orphans().unwrap();
        assert_eq!(orphans.len(), 1, "a live owner's job is left to it");
        assert!(orphans.iter().all(|o| o.id != mine));
        let orphan = &orphans[0];
        assert_eq!(
            (orphan.id, orphan.interaction.as_str()),
            (theirs, "v1_theirs")
        );
        assert_eq!(orphan.landing.as_deref(), Some("{\"stem\":\"x\"}"));
        assert!(store.claim_orphan(orphan).unwrap());
        assert!(!store.claim_orphan(orphan).unwrap(), "claimed once");
        assert!(
            store.orphans().unwrap().is_empty(),
            "now owned by a live process"
        );
        store.release_orphan(orphan).unwrap();
        assert_eq!(store.orphans().unwrap().len(), 1);
        store.forget_interaction(theirs).unwrap();
        assert!(store.orphans().unwrap().is_empty());
    }
}
