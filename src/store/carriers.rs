//! Detached peel processes carrying work after the process that started it returned the
//! shell (the workbench's quit answer `b`, `--detach`): who they are and what they carry,
//! so `peel wait` knows work is still on its way while they run.

use rusqlite::params;
use serde_json::Value;

use super::owner::Owner;
use super::{Store, StoreError};

/// A detached process, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    /// Its row.
    pub id: i64,
    /// The process.
    pub owner: Owner,
    /// What it carries: `{"jobs": [ids], "runs": [ids], "check": bool}`.
    pub what: Value,
    /// Its exit code once it ended.
    pub exit_code: Option<i64>,
}

impl Carrier {
    /// True while it runs.
    pub fn is_running(&self) -> bool {
        self.exit_code.is_none() && self.owner.is_alive()
    }

    /// True when it carries job `job`.
    pub fn carries_job(&self, job: i64) -> bool {
        ids(&self.what["jobs"]).contains(&job)
    }

    /// True when it carries run `run`.
    pub fn carries_run(&self, run: i64) -> bool {
        ids(&self.what["runs"]).contains(&run)
    }
}

fn ids(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

impl Store {
    /// Records a detached process and what it carries; returns its row.
    pub fn add_carrier(&self, owner: Owner, what: &Value) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO carriers (pid, started, created_at, what) VALUES (?1, ?2, ?3, ?4)",
            params![
                owner.pid,
                owner.started as i64,
                chrono::Utc::now().to_rfc3339(),
                what.to_string()
            ],
        )
        .map_err(|e| self.error(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Records how a detached process ended.
    pub fn end_carrier(&self, owner: Owner, exit_code: i32) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE carriers SET finished_at = ?3, exit_code = ?4
                 WHERE pid = ?1 AND started = ?2 AND finished_at IS NULL",
                params![
                    owner.pid,
                    owner.started as i64,
                    chrono::Utc::now().to_rfc3339(),
                    exit_code
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Detached processes still running.
    pub fn running_carriers(&self) -> Result<Vec<Carrier>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, pid, started, what, exit_code FROM carriers
                 WHERE finished_at IS NULL ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                let what: String = r.get(3)?;
                Ok(Carrier {
                    id: r.get(0)?,
                    owner: Owner {
                        pid: r.get::<_, i64>(1)?.max(0) as u32,
                        started: r.get::<_, i64>(2)?.max(0) as u64,
                    },
                    what: serde_json::from_str(&what).unwrap_or(Value::Null),
                    exit_code: r.get(4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        let all = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(all.into_iter().filter(Carrier::is_running).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carrier_runs_until_it_ends_or_dies() {
        let store = Store::in_memory().unwrap();
        let me = Owner::current();
        store
            .add_carrier(me, &serde_json::json!({"jobs": [3, 4], "runs": [7]}))
            .unwrap();
        let running = store.running_carriers().unwrap();
        assert_eq!(running.len(), 1);
        assert!(running[0].carries_job(4) && running[0].carries_run(7));
        assert!(!running[0].carries_job(7));
        store.end_carrier(me, 0).unwrap();
        assert!(store.running_carriers().unwrap().is_empty());
        let gone = Owner {
            pid: 2_147_483_600,
            started: 1,
        };
        store.add_carrier(gone, &serde_json::json!({})).unwrap();
        assert!(store.running_carriers().unwrap().is_empty(), "a dead one");
    }
}
