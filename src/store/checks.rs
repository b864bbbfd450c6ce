//! Consistency checks: every question put to a text model about one image and one anchor,
//! recorded before it is sent (it is billed) and completed with its score and cost.

use rusqlite::params;

use super::{Store, StoreError};

/// A check's id.
pub type CheckId = i64;

impl Store {
    /// Records a check about to be sent.
    pub fn start_check(
        &self,
        image: &str,
        anchor: &str,
        model: &str,
    ) -> Result<CheckId, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO checks (created_at, image, anchor, model, state) VALUES (?1, ?2, ?3, ?4, 'sending')",
            params![now(), image, anchor, model],
        )
        .map_err(|e| self.error(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Completes a check with the model's score, its note and what it cost.
    pub fn finish_check(
        &self,
        id: CheckId,
        score: u8,
        note: &str,
        cost_usd: f64,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE checks SET state = 'done', score = ?2, note = ?3, cost_usd = ?4, finished_at = ?5 WHERE id = ?1",
                params![id, score, note, cost_usd, now()],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Marks a check failed, with why.
    pub fn fail_check(&self, id: CheckId, error: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE checks SET state = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
                params![id, error, now()],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// What checks have cost in all, in USD.
    pub fn checks_spent(&self) -> Result<f64, StoreError> {
        self.lock()
            .query_row("SELECT COALESCE(SUM(cost_usd), 0) FROM checks", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(e))
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_recorded_before_it_is_sent_and_completed_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("peel.db")).unwrap();
        let id = store
            .start_check("/o/01_a.png", "Mira", "gemini-3.5-flash")
            .unwrap();
        let state: String = store
            .lock()
            .query_row("SELECT state FROM checks WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_eq!(state, "sending");
        store.finish_check(id, 42, "drifted", 0.002).unwrap();
        let other = store
            .start_check("/o/02_b.png", "Mira", "gemini-3.5-flash")
            .unwrap();
        store.fail_check(other, "quota").unwrap();
        let (state, score): (String, u8) = store
            .lock()
            .query_row("SELECT state, score FROM checks WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((state.as_str(), score), ("done", 42));
        assert!((store.checks_spent().unwrap() - 0.002).abs() < 1e-12);
    }
}
