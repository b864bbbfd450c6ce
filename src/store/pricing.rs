//! How a finished job was priced and who answered it: the tier that served it, whether the
//! price is the simulator's notional one, and the backend it was sent to.

use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// Records the backend a job is sent to (`gemini`, `vertex`, `openai`, `simulator`).
    pub fn set_job_backend(&self, job: i64, backend: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET backend = ?2 WHERE id = ?1",
                params![job, backend],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Records the tier that served a job and whether its cost is notional (simulated).
    pub fn set_job_pricing(&self, job: i64, tier: &str, simulated: bool) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET tier = ?2, cost_simulated = ?3 WHERE id = ?1",
                params![job, tier, simulated],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{JobFilter, JobRecord};
    use super::*;

    #[test]
    fn a_job_remembers_its_backend_tier_and_simulated_price() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let id = store
            .insert_job(&JobRecord {
                prompt: "a fox".into(),
                model: "m".into(),
                ..JobRecord::default()
            })
            .unwrap();
        store.set_job_backend(id, "simulator").unwrap();
        store.set_job_pricing(id, "flex", true).unwrap();
        let rows = store
            .jobs(&JobFilter {
                limit: 10,
                ..JobFilter::default()
            })
            .unwrap();
        assert_eq!(rows[0].tier.as_deref(), Some("flex"));
        assert!(rows[0].cost_simulated);
        assert_eq!(rows[0].backend.as_deref(), Some("simulator"));
    }
}
