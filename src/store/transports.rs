//! What peel learned about each model on the Interactions API: that the service refused
//! the model (go by generateContent) or refused `background` (run in the foreground), so
//! later jobs do not pay the extra round trip; and which interaction answered a session turn.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// What is remembered for one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTransport {
    /// Why the model goes by generateContent, if it does.
    pub generate_content_reason: Option<String>,
    /// Why background runs are not used for the model, if they are not.
    pub no_background_reason: Option<String>,
}

impl Store {
    /// What is remembered about `model` (nothing for a model never refused).
    pub fn model_transport(&self, model: &str) -> Result<ModelTransport, StoreError> {
        self.lock()
            .query_row(
                "SELECT generate_content_reason, no_background_reason FROM model_transports WHERE model = ?1",
                params![model],
                |r| {
                    Ok(ModelTransport {
                        generate_content_reason: r.get(0)?,
                        no_background_reason: r.get(1)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.error(e))
    }

    /// Remembers that the service refused `model` on the Interactions API.
    pub fn remember_generate_content(&self, model: &str, reason: &str) -> Result<(), StoreError> {
        self.upsert_transport(model, "generate_content_reason", reason)
    }

    /// Remembers that the service refused `background` for `model`.
    pub fn remember_no_background(&self, model: &str, reason: &str) -> Result<(), StoreError> {
        self.upsert_transport(model, "no_background_reason", reason)
    }

    /// Records the interaction that answered turn `turn` of `session` (the next turn
    /// continues it).
    pub fn set_turn_interaction(
        &self,
        session: &str,
        turn: i64,
        interaction: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE turns SET interaction_id = ?3 WHERE session_id = ?1 AND number = ?2",
                params![session, turn, interaction],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The interaction that answered turn `turn` of `session`, if it went by the
    /// Interactions API.
    pub fn turn_interaction(&self, session: &str, turn: i64) -> Result<Option<String>, StoreError> {
        self.lock()
            .query_row(
                "SELECT interaction_id FROM turns WHERE session_id = ?1 AND number = ?2",
                params![session, turn],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// Records the background interaction a job waits on, before waiting (so another
    /// process can collect it if this one dies).
    pub fn set_job_interaction(&self, job: i64, interaction: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE jobs SET interaction_id = ?2 WHERE id = ?1",
                params![job, interaction],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The interaction a job was sent as, if any.
    pub fn job_interaction(&self, job: i64) -> Result<Option<String>, StoreError> {
        self.lock()
            .query_row(
                "SELECT interaction_id FROM jobs WHERE id = ?1",
                params![job],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// Unfinished jobs (queued or running) that have a background interaction on the
    /// server: `(job id, model, prompt, interaction id)`, oldest first.
    pub fn jobs_with_interactions(&self) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, model, prompt, interaction_id FROM jobs
                 WHERE interaction_id IS NOT NULL AND state IN ('queued', 'sending') ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    fn upsert_transport(&self, model: &str, column: &str, reason: &str) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO model_transports (model, {column}, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(model) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at"
        );
        let now = chrono::Utc::now().to_rfc3339();
        self.lock()
            .execute(&sql, params![model, reason, now])
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_remembered_per_model_and_survive_each_other() {
        let store = Store::in_memory().unwrap();
        assert_eq!(
            store.model_transport("m").unwrap(),
            ModelTransport::default()
        );
        store.remember_no_background("m", "refused").unwrap();
        store.remember_generate_content("m", "unsupported").unwrap();
        let got = store.model_transport("m").unwrap();
        assert_eq!(got.no_background_reason.as_deref(), Some("refused"));
        assert_eq!(got.generate_content_reason.as_deref(), Some("unsupported"));
        assert_eq!(
            store.model_transport("other").unwrap(),
            ModelTransport::default()
        );
    }
}
