//! Who owns a job while it runs, and the one decision about jobs whose owner is gone.
//!
//! A running job's row records its owner: the pid and the process start time (Linux
//! `/proc/<pid>/stat` field 22, in clock ticks since boot), so a pid reused by another
//! process never passes for the owner. Every reader of the store settles a job's state
//! through [`settle`]; the stored row is never rewritten by a reader.

use std::sync::OnceLock;

/// A process that owns jobs: pid plus start time, unique for the machine's uptime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// Process id.
    pub pid: u32,
    /// Start time of the process in clock ticks since boot (0 where /proc is missing).
    pub started: u64,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        static CURRENT: OnceLock<Owner> = OnceLock::new();
        *CURRENT.get_or_init(|| {
            let pid = std::process::id();
            Owner {
                pid,
                started: start_time(pid).unwrap_or(0),
            }
        })
    }

    /// The running process `pid` (None when it does not exist).
    pub fn of_pid(pid: u32) -> Option<Owner> {
        Some(Owner {
            pid,
            started: start_time(pid)?,
        })
    }

    /// Rebuilds an owner from its stored columns (None when the row has none).
    pub fn from_columns(pid: Option<i64>, started: Option<i64>) -> Option<Owner> {
        Some(Owner {
            pid: u32::try_from(pid?).ok()?,
            started: u64::try_from(started.unwrap_or(0)).ok()?,
        })
    }

    /// True while the process is running: the pid exists and started when recorded.
    pub fn is_alive(&self) -> bool {
        if *self == Owner::current() {
            return true;
        }
        match start_time(self.pid) {
            Some(started) => self.started == 0 || started == self.started,
            None => false,
        }
    }

    /// True when this is the running process.
    pub fn is_me(&self) -> bool {
        *self == Owner::current()
    }
}

/// What the store knows about a job when deciding what its state really is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lease<'a> {
    /// The stored state (`queued`, `sending`, `done`, …).
    pub state: &'a str,
    /// The process that last claimed the job, if recorded.
    pub owner: Option<Owner>,
}

/// The state stored while a job may still be worked on by its owner.
pub fn is_in_flight(state: &str) -> bool {
    matches!(state, "queued" | "sending")
}

/// The state a reader reports for a job: an in-flight job whose owner is gone (or was
/// never recorded) is `interrupted`; anything else is as stored. `alive` answers whether
/// an owner still runs (injected so the decision is testable).
pub fn settle<'a>(lease: Lease<'a>, alive: impl Fn(&Owner) -> bool) -> &'a str {
    if !is_in_flight(lease.state) {
        return lease.state;
    }
    match lease.owner {
        Some(owner) if alive(&owner) => lease.state,
        _ => "interrupted",
    }
}

/// A process's start time (`/proc/<pid>/stat` field 22), or None when it does not exist.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// Field 22 of a `/proc/<pid>/stat` line; the command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`.
fn parse_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After the name come field 3 (state) onwards; field 22 is the 20th of them.
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(state: &str, owner: Option<Owner>) -> Lease<'_> {
        Lease { state, owner }
    }

    const SOMEONE: Owner = Owner {
        pid: 4242,
        started: 99,
    };

    #[test]
    fn an_in_flight_job_of_a_dead_owner_is_interrupted() {
        assert_eq!(
            settle(lease("sending", Some(SOMEONE)), |_| false),
            "interrupted"
        );
        assert_eq!(
            settle(lease("queued", Some(SOMEONE)), |_| false),
            "interrupted"
        );
        assert_eq!(settle(lease("sending", None), |_| true), "interrupted");
    }

    #[test]
    fn a_live_owner_keeps_its_job_and_finished_jobs_stay_as_stored() {
        assert_eq!(settle(lease("sending", Some(SOMEONE)), |_| true), "sending");
        for state in ["done", "failed", "cancelled"] {
            assert_eq!(settle(lease(state, Some(SOMEONE)), |_| false), state);
            assert_eq!(settle(lease(state, None), |_| false), state);
        }
    }

    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not() {
        let me = Owner::current();
        assert!(me.started > 0, "start time read from /proc");
        assert!(me.is_alive() && me.is_me());
        let reused = Owner {
            pid: me.pid,
            started: me.started + 1,
        };
        assert!(!reused.is_alive(), "same pid, other start time");
        assert!(!reused.is_me());
    }

    #[test]
    fn a_finished_process_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let started = start_time(pid).unwrap_or(1);
        child.wait().unwrap();
        assert!(!Owner { pid, started }.is_alive());
    }

    #[test]
    fn start_time_is_field_22_even_with_odd_command_names() {
        let stat =
            "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 777 1000 50";
        assert_eq!(parse_start_time(stat), Some(777));
        assert_eq!(parse_start_time("garbage"), None);
    }

    #[test]
    fn owners_come_back_from_their_columns() {
        assert_eq!(Owner::from_columns(None, Some(5)), None);
        assert_eq!(
            Owner::from_columns(Some(12), Some(34)),
            Some(Owner {
                pid: 12,
                started: 34
            })
        );
        assert_eq!(Owner::from_columns(Some(-1), Some(34)), None);
    }
}
