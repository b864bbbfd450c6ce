//! Jobs left waiting on a background interaction by a process that is gone: where their
//! images were to go (recorded before sending), and claiming one so that only one of the
//! peel processes sharing the store collects it.

use rusqlite::{OptionalExtension, params};

use super::owner::Owner;
use super::{Store, StoreError};

/// What a job was sent with: the service (and how) that collection must ask.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SentWith {
    /// "gemini", "vertex", "openai" or "simulator".
    pub backend: String,
    /// The base URL the request went to.
    pub base_url: String,
    /// "interactions" or "generate-content".
    pub transport: String,
}

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
    /// What it was sent with (None for jobs recorded before peel kept it).
    pub sent: Option<SentWith>,
    /// When it was first sent (RFC 3339), for the collected sidecar's timings.
    pub started_at: Option<String>,
    /// Attempts its sender made.
    pub attempts: u32,
    owner: (Option<i64>, Option<i64>),
}

impl Orphan {
    /// The process that owned it when it was listed.
    pub fn owner(&self) -> Option<Owner> {
        Owner::from_columns(self.owner.0, self.owner.1)
    }
}

/// The columns an orphan is read from.
const ORPHAN_COLUMNS: &str = "id, model, prompt, interaction_id, landing, owner_pid, owner_start,
    sent_backend, sent_base_url, sent_transport, started_at, attempts";

fn read_orphan(r: &rusqlite::Row<'_>) -> rusqlite::Result<Orphan> {
    let backend: Option<String> = r.get(7)?;
    let sent = match backend {
        Some(backend) => Some(SentWith {
            backend,
            base_url: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            transport: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Orphan {
        id: r.get(0)?,
        model: r.get(1)?,
        prompt: r.get(2)?,
        interaction: r.get(3)?,
        landing: r.get(4)?,
        owner: (r.get(5)?, r.get(6)?),
        sent,
        started_at: r.get(10)?,
        attempts: r.get::<_, i64>(11)?.max(0) as u32,
    })
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

    /// Records what a job is sent with and where its images go, before it is sent.
    pub fn set_job_route(
        &self,
        job: i64,
        sent: &SentWith,
        landing: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET sent_backend = ?2, sent_base_url = ?3, sent_transport = ?4,
                 landing = ?5 WHERE id = ?1",
                params![job, sent.backend, sent.base_url, sent.transport, landing],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Records the interaction a job was given, with everything collecting it needs (the
    /// service it is on and where its images go), in one statement: its own committed
    /// transaction, durable the moment it returns.
    pub fn record_interaction(
        &self,
        job: i64,
        interaction: &str,
        sent: &SentWith,
        landing: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                &format!(
                    "UPDATE jobs SET interaction_id = ?2, sent_backend = ?3, sent_base_url = ?4,
                     sent_transport = ?5, landing = ?6, rev = {} WHERE id = ?1",
                    super::jobs::NEXT_REV
                ),
                params![
                    job,
                    interaction,
                    sent.backend,
                    sent.base_url,
                    sent.transport,
                    landing
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Unfinished jobs with a background interaction whose owner is gone.
    pub fn orphans(&self) -> Result<Vec<Orphan>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {ORPHAN_COLUMNS} FROM jobs
                 WHERE interaction_id IS NOT NULL AND state IN ('queued', 'sending') ORDER BY id"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt.query_map([], read_orphan).map_err(|e| self.error(e))?;
        let all = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(all
            .into_iter()
            .filter(|o| !o.owner().is_some_and(|w| w.is_alive()))
            .collect())
    }

    /// One job as an orphan, whoever owns it (None when it has no interaction or has ended).
    pub fn orphan(&self, job: i64) -> Result<Option<Orphan>, StoreError> {
        self.lock()
            .query_row(
                &format!(
                    "SELECT {ORPHAN_COLUMNS} FROM jobs WHERE id = ?1
                     AND interaction_id IS NOT NULL AND state IN ('queued', 'sending')"
                ),
                params![job],
                read_orphan,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Notes why a job could not be saved without ending it: it stays collectable (its
    /// interaction is kept), so a later peel process saves it.
    pub fn note_job_problem(&self, job: i64, kind: &str, message: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                &format!(
                    "UPDATE jobs SET error_kind = ?2, error_message = ?3, rev = {} WHERE id = ?1",
                    super::jobs::NEXT_REV
                ),
                params![job, kind, message],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Takes an interrupted or failed job to be sent again, once across every process: true
    /// for the one caller that may send it again (the row then reads failed, "sent again").
    pub fn take_for_resend(&self, job: i64) -> Result<bool, StoreError> {
        let changed = self
            .lock()
            .execute(
                &format!(
                    "UPDATE jobs SET state = CASE WHEN state = 'done' THEN state ELSE 'failed' END,
                     error_kind = 'resent',
                     error_message = COALESCE(error_message || ' ', '') || '(sent again as a new job)',
                     finished_at = COALESCE(finished_at, ?2), rev = {}
                     WHERE id = ?1 AND state != 'done' AND COALESCE(error_kind, '') != 'resent'",
                    super::jobs::NEXT_REV
                ),
                params![job, chrono::Utc::now().to_rfc3339()],
            )
            .map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    /// Hands unsent jobs to another process: they stay queued under `to` (nothing else sends
    /// them meanwhile).
    pub fn transfer_jobs(&self, jobs: &[i64], to: Owner) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        for job in jobs {
            tx.execute(
                &format!(
                    "UPDATE jobs SET owner_pid = ?2, owner_start = ?3, rev = {} WHERE id = ?1
                     AND state IN ('queued', 'sending')",
                    super::jobs::NEXT_REV
                ),
                params![job, to.pid, to.started as i64],
            )
            .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))
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
        // A change every watcher hears (the row reads as the first owner's again).
        self.lock()
            .execute(
                &format!(
                    "UPDATE jobs SET owner_pid = ?2, owner_start = ?3, rev = {} WHERE id = ?1",
                    super::jobs::NEXT_REV
                ),
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
        assert!(
            store.take_for_resend(theirs).unwrap(),
            "one process sends it again"
        );
        assert!(!store.take_for_resend(theirs).unwrap(), "and only one");
        assert_eq!(store.job(theirs).unwrap().unwrap().state, "failed");
    }
}
