//! Sessions and their turns.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::session_types::{Session, StoredContent, Turn, TurnId};
use super::{Store, StoreError};

/// A session as listed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionSummary {
    /// Short id.
    pub id: String,
    /// RFC 3339 time.
    pub created_at: String,
    /// First instruction.
    pub title: String,
    /// Model id.
    pub model: String,
    /// Number of turns.
    pub turns: usize,
    /// The current turn.
    pub head: Option<TurnId>,
}

/// A turn to record.
#[derive(Debug, Clone)]
pub struct NewTurn<'a> {
    /// The session.
    pub session: &'a str,
    /// The turn it continues.
    pub parent: Option<TurnId>,
    /// Instruction text.
    pub instruction: &'a str,
    /// User content.
    pub user: &'a StoredContent,
    /// Model content.
    pub model: &'a StoredContent,
    /// Saved image paths.
    pub outputs: &'a [String],
    /// The job that produced it.
    pub job_id: Option<i64>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl Store {
    /// Creates a session and returns its new short id.
    pub fn create_session(&self, title: &str, model: &str) -> Result<String, StoreError> {
        let conn = self.lock();
        for _ in 0..8 {
            let id = format!("{:08x}", rand::random::<u32>());
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO sessions (id, created_at, title, model) VALUES (?1, ?2, ?3, ?4)",
                params![id, now(), title, model],
            );
            match inserted {
                Ok(1) => return Ok(id),
                Ok(_) => continue,
                Err(e) => return Err(self.error(e)),
            }
        }
        Err(StoreError {
            path: self.path.clone(),
            message: "could not find a free session id".into(),
        })
    }

    /// Records a turn and makes it the session's head; turns are numbered from 1 within
    /// their session (the number is the `TurnId` every face shows and takes).
    pub fn insert_turn(&self, turn: &NewTurn<'_>) -> Result<TurnId, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        let parent_row: Option<i64> = match turn.parent {
            Some(number) => Some(
                tx.query_row(
                    "SELECT id FROM turns WHERE session_id = ?1 AND number = ?2",
                    params![turn.session, number],
                    |r| r.get(0),
                )
                .map_err(|e| self.error(e))?,
            ),
            None => None,
        };
        let number: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM turns WHERE session_id = ?1",
                params![turn.session],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?;
        tx.execute(
            "INSERT INTO turns (session_id, parent_id, created_at, instruction, user_json, model_json, outputs_json, job_id, number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                turn.session,
                parent_row,
                now(),
                turn.instruction,
                to_json(turn.user),
                to_json(turn.model),
                to_json(&turn.outputs),
                turn.job_id,
                number
            ],
        )
        .map_err(|e| self.error(e))?;
        let row = tx.last_insert_rowid();
        tx.execute(
            "UPDATE sessions SET head_turn = ?2 WHERE id = ?1",
            params![turn.session, row],
        )
        .map_err(|e| self.error(e))?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(number)
    }

    /// Moves a session's head (undo, or choosing a branch) to the turn numbered `head`.
    pub fn set_session_head(&self, session: &str, head: Option<TurnId>) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE sessions SET head_turn =
                    (SELECT id FROM turns WHERE session_id = ?1 AND number = ?2) WHERE id = ?1",
                params![session, head],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The number of the turn `job` recorded, if it recorded one.
    pub fn turn_of_job(&self, job: i64) -> Result<Option<TurnId>, StoreError> {
        self.lock()
            .query_row(
                "SELECT number FROM turns WHERE job_id = ?1",
                params![job],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Finds a session id from a unique prefix.
    pub fn resolve_session(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT id FROM sessions WHERE id LIKE ?1 || '%' ORDER BY id LIMIT 5")
            .map_err(|e| self.error(e))?;
        let pattern: String = prefix.chars().filter(char::is_ascii_hexdigit).collect();
        let rows = stmt
            .query_map(params![pattern], |r| r.get(0))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<String>, _>>()
            .map_err(|e| self.error(e))
    }

    /// Loads a session with all its turns.
    pub fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let conn = self.lock();
        let head = conn
            .query_row(
                "SELECT id, created_at, title, model,
                    (SELECT number FROM turns WHERE turns.id = sessions.head_turn)
                 FROM sessions WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.error(e))?;
        let Some((id, created_at, title, model, head)) = head else {
            return Ok(None);
        };
        let mut stmt = conn
            .prepare(
                "SELECT t.number, (SELECT p.number FROM turns p WHERE p.id = t.parent_id),
                    t.created_at, t.instruction, t.user_json, t.model_json, t.outputs_json, t.job_id
                 FROM turns t WHERE t.session_id = ?1 ORDER BY t.number",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![id], |r| {
                let user: String = r.get(4)?;
                let model: String = r.get(5)?;
                let outputs: String = r.get(6)?;
                Ok(Turn {
                    id: r.get(0)?,
                    parent: r.get(1)?,
                    created_at: r.get(2)?,
                    instruction: r.get(3)?,
                    user: serde_json::from_str(&user).unwrap_or_default(),
                    model: serde_json::from_str(&model).unwrap_or_default(),
                    outputs: serde_json::from_str(&outputs).unwrap_or_default(),
                    job_id: r.get(7)?,
                })
            })
            .map_err(|e| self.error(e))?;
        let turns = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(Some(Session {
            id,
            created_at,
            title,
            model,
            head,
            turns,
        }))
    }

    /// Sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionSummary>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT s.id, s.created_at, s.title, s.model,
                        (SELECT number FROM turns h WHERE h.id = s.head_turn),
                        (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id)
                 FROM sessions s ORDER BY s.created_at DESC, s.rowid DESC",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SessionSummary {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    title: r.get(2)?,
                    model: r.get(3)?,
                    head: r.get(4)?,
                    turns: r.get::<_, i64>(5)?.max(0) as usize,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// Deletes a session and its turns; returns false when it did not exist.
    pub fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        tx.execute("DELETE FROM turns WHERE session_id = ?1", params![id])
            .map_err(|e| self.error(e))?;
        let n = tx
            .execute("DELETE FROM sessions WHERE id = ?1", params![id])
            .map_err(|e| self.error(e))?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::session_types::StoredPart;

    #[test]
    fn turns_persist_with_parents_and_head() {
        let store = Store::in_memory().unwrap();
        let id = store
            .create_session("a fox", "gemini-3.1-flash-image")
            .unwrap();
        let user = StoredContent {
            role: "user".into(),
            parts: vec![StoredPart {
                text: Some("a fox".into()),
                ..Default::default()
            }],
        };
        let model = StoredContent {
            role: "model".into(),
            parts: vec![StoredPart {
                thought_signature: Some("sig".into()),
                ..Default::default()
            }],
        };
        let new = |parent, instruction| NewTurn {
            session: &id,
            parent,
            instruction,
            user: &user,
            model: &model,
            outputs: &[],
            job_id: None,
        };
        let first = store.insert_turn(&new(None, "a fox")).unwrap();
        let second = store
            .insert_turn(&new(Some(first), "make it orange"))
            .unwrap();
        let fork = store
            .insert_turn(&new(Some(first), "make it blue"))
            .unwrap();
        let session = store.session(&id).unwrap().unwrap();
        assert_eq!(session.head, Some(fork));
        assert_eq!(session.turns.len(), 3);
        assert_eq!(session.turn(second).unwrap().parent, Some(first));
        assert_eq!(
            session.turn(first).unwrap().model.parts[0]
                .thought_signature
                .as_deref(),
            Some("sig")
        );
        assert_eq!(store.resolve_session(&id[..4]).unwrap(), vec![id.clone()]);
        assert_eq!(store.sessions().unwrap()[0].turns, 3);
        store.set_session_head(&id, Some(second)).unwrap();
        assert_eq!(store.session(&id).unwrap().unwrap().head, Some(second));
        assert!(store.delete_session(&id).unwrap());
        assert!(store.session(&id).unwrap().is_none());
    }

    #[test]
    fn turns_are_numbered_from_1_within_each_session() {
        let store = Store::in_memory().unwrap();
        let content = StoredContent::default();
        let mut sessions = Vec::new();
        for title in ["one", "two", "three"] {
            let id = store.create_session(title, "m").unwrap();
            let first = store
                .insert_turn(&NewTurn {
                    session: &id,
                    parent: None,
                    instruction: title,
                    user: &content,
                    model: &content,
                    outputs: &[],
                    job_id: Some(7),
                })
                .unwrap();
            assert_eq!(first, 1, "every session starts at turn 1");
            sessions.push(id);
        }
        let third = &sessions[2];
        let second = store
            .insert_turn(&NewTurn {
                session: third,
                parent: Some(1),
                instruction: "again",
                user: &content,
                model: &content,
                outputs: &[],
                job_id: None,
            })
            .unwrap();
        assert_eq!(second, 2);
        let session = store.session(third).unwrap().unwrap();
        let numbers: Vec<_> = session.turns.iter().map(|t| (t.id, t.parent)).collect();
        assert_eq!(numbers, vec![(1, None), (2, Some(1))]);
        assert_eq!(session.head, Some(2));
        store.set_session_head(third, Some(1)).unwrap();
        assert_eq!(store.session(third).unwrap().unwrap().head, Some(1));
        store.set_turn_interaction(third, 2, "v1_x").unwrap();
        assert_eq!(
            store.turn_interaction(third, 2).unwrap().as_deref(),
            Some("v1_x")
        );
        assert_eq!(store.turn_interaction(&sessions[0], 2).unwrap(), None);
    }
}
