//! Watching the jobs table for changes made by any process on the same store.
//!
//! A dedicated connection asks `PRAGMA data_version` first: it moves only when another
//! connection committed, so an idle poll is one pragma. When it moved, only the rows whose
//! change counter (`rev`) passed the last one seen are read. Jobs in flight elsewhere are
//! also re-checked for a dead owner, which changes what they read as without any write.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};

use super::jobs::{JobRow, SELECT, read_row};
use super::owner::{Owner, is_in_flight};
use super::{Store, StoreError};

/// How long a read waits for a writer before giving up for this poll.
const BUSY: Duration = Duration::from_secs(2);
/// Most rows read in one poll; the rest come on the next.
const BATCH: usize = 5_000;

/// A read-only view of the jobs table that reports what changed since the last look.
pub struct JobWatch {
    conn: Connection,
    path: String,
    data_version: Option<i64>,
    rev: i64,
    /// Jobs seen in flight under another owner, re-checked each poll.
    watched: HashMap<i64, Owner>,
}

impl std::fmt::Debug for JobWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobWatch")
            .field("path", &self.path)
            .field("rev", &self.rev)
            .finish()
    }
}

impl JobWatch {
    /// Opens a watch on `store` starting after every change already made (None for an
    /// in-memory store, which no other process can change).
    pub fn open(store: &Store) -> Result<Option<Self>, StoreError> {
        if store.path == ":memory:" {
            return Ok(None);
        }
        let error = |e: rusqlite::Error| StoreError {
            path: store.path.clone(),
            message: e.to_string(),
        };
        let conn = Connection::open_with_flags(
            Path::new(&store.path),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(error)?;
        conn.busy_timeout(BUSY).map_err(error)?;
        let rev = conn
            .query_row("SELECT COALESCE(MAX(rev), 0) FROM jobs", [], |r| r.get(0))
            .map_err(error)?;
        let mut watch = Self {
            conn,
            path: store.path.clone(),
            data_version: None,
            rev,
            watched: HashMap::new(),
        };
        watch.data_version = Some(watch.data_version().map_err(error)?);
        watch.watch_running().map_err(error)?;
        Ok(Some(watch))
    }

    fn data_version(&self) -> rusqlite::Result<i64> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
    }

    /// Rows changed since the last poll, oldest change first, plus jobs elsewhere whose
    /// owner died since (now reading `interrupted`). Empty when nothing changed.
    pub fn poll(&mut self) -> Result<Vec<JobRow>, StoreError> {
        let path = self.path.clone();
        let error = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut rows = self.orphans().map_err(error)?;
        let version = self.data_version().map_err(error)?;
        if self.data_version != Some(version) {
            let changed = self.changed().map_err(error)?;
            // A full batch may leave more behind: look again next time.
            self.data_version = (changed.len() < BATCH).then_some(version);
            rows.retain(|dead| changed.iter().all(|row| row.id != dead.id));
            rows.extend(changed);
        }
        for row in &rows {
            match row.owner {
                Some(owner) if !owner.is_me() && is_in_flight(&row.state) => {
                    self.watched.insert(row.id, owner);
                }
                _ => {
                    self.watched.remove(&row.id);
                }
            }
        }
        Ok(rows)
    }

    /// Starts watching the jobs other processes are running right now.
    fn watch_running(&mut self) -> rusqlite::Result<()> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT} WHERE state IN ('queued', 'sending')"))?;
        let rows = stmt
            .query_map([], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        for row in rows {
            if let Some(owner) = row.owner
                && !owner.is_me()
                && is_in_flight(&row.state)
            {
                self.watched.insert(row.id, owner);
            }
        }
        Ok(())
    }

    fn changed(&mut self) -> rusqlite::Result<Vec<JobRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE rev > ?1 ORDER BY rev LIMIT ?2"))?;
        let rows = stmt
            .query_map(params![self.rev, BATCH as i64], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some(last) = rows.last() {
            self.rev = last.rev;
        }
        Ok(rows)
    }

    /// Watched jobs whose owner is gone, read again.
    fn orphans(&mut self) -> rusqlite::Result<Vec<JobRow>> {
        let dead: Vec<i64> = self
            .watched
            .iter()
            .filter(|(_, owner)| !owner.is_alive())
            .map(|(id, _)| *id)
            .collect();
        let mut rows = Vec::with_capacity(dead.len());
        for id in dead {
            self.watched.remove(&id);
            let mut stmt = self
                .conn
                .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
            if let Some(row) = stmt.query_map(params![id], read_row)?.next() {
                rows.push(row?);
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobRecord, JobUpdate};

    fn record(prompt: &str) -> JobRecord {
        JobRecord {
            prompt: prompt.into(),
            model: "gemini-3.1-flash-image".into(),
            aspect: None,
            size: Some("1K".into()),
            seed: Some(1),
            request_json: "{}".into(),
        }
    }

    #[test]
    fn a_watch_sees_only_what_changed_since_its_last_look() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("peel.db")).unwrap();
        let before = store.insert_job(&record("before")).unwrap();
        let mut watch = JobWatch::open(&store).unwrap().unwrap();
        assert!(watch.poll().unwrap().is_empty(), "nothing new yet");

        let other = Store::open(&dir.path().join("peel.db")).unwrap();
        let fresh = other.insert_job(&record("fresh")).unwrap();
        other
            .update_job(fresh, &JobUpdate::Started { attempt: 1 })
            .unwrap();
        let seen = watch.poll().unwrap();
        assert_eq!(seen.len(), 1, "one row, however many writes");
        assert_eq!((seen[0].id, seen[0].state.as_str()), (fresh, "sending"));
        assert!(
            watch.poll().unwrap().is_empty(),
            "idle polls report nothing"
        );

        other.update_job(before, &JobUpdate::Cancelled).unwrap();
        let seen = watch.poll().unwrap();
        assert_eq!(states(&seen), vec![(before, "cancelled")]);
    }

    fn states(seen: &[JobRow]) -> Vec<(i64, &str)> {
        seen.iter().map(|r| (r.id, r.state.as_str())).collect()
    }

    #[test]
    fn a_job_elsewhere_turns_interrupted_when_its_owner_dies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("peel.db")).unwrap();
        let mut watch = JobWatch::open(&store).unwrap().unwrap();
        let id = store.insert_job(&record("theirs")).unwrap();
        store
            .update_job(id, &JobUpdate::Started { attempt: 1 })
            .unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i64;
        let started = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let started: i64 = started[started.rfind(')').unwrap() + 1..]
            .split_whitespace()
            .nth(19)
            .unwrap()
            .parse()
            .unwrap();
        store
            .lock()
            .execute(
                "UPDATE jobs SET owner_pid = ?2, owner_start = ?3, rev = rev + 100 WHERE id = ?1",
                params![id, pid, started],
            )
            .unwrap();
        let seen = watch.poll().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].state, "sending", "its owner still runs");
        assert!(seen[0].is_elsewhere());
        assert!(watch.poll().unwrap().is_empty());

        child.kill().unwrap();
        child.wait().unwrap();
        let seen = watch.poll().unwrap();
        assert_eq!(states(&seen), vec![(id, "interrupted")]);
        assert!(watch.poll().unwrap().is_empty(), "reported once");
    }

    #[test]
    fn a_job_running_elsewhere_before_the_watch_opened_is_watched_too() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("peel.db")).unwrap();
        let id = store.insert_job(&record("theirs")).unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i64;
        store
            .lock()
            .execute(
                "UPDATE jobs SET state = 'sending', owner_pid = ?2, owner_start = 0 WHERE id = ?1",
                params![id, pid],
            )
            .unwrap();
        let mut watch = JobWatch::open(&store).unwrap().unwrap();
        assert!(watch.poll().unwrap().is_empty());
        child.kill().unwrap();
        child.wait().unwrap();
        let seen = watch.poll().unwrap();
        assert_eq!(states(&seen), vec![(id, "interrupted")]);
    }

    #[test]
    fn an_in_memory_store_has_no_watch() {
        let store = Store::in_memory().unwrap();
        assert!(JobWatch::open(&store).unwrap().is_none());
    }
}
