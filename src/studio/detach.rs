//! Handing work to a detached peel process, so the one that started it can return the
//! shell at once (the workbench's quit answer `b`, `--detach`) and nothing is sent twice:
//!
//! - jobs the service named an interaction for stay as they are; once their process exits
//!   they are orphans, and the detached process collects them from their own service;
//! - jobs never sent are given to the detached process (their rows change owner before it
//!   starts), which sends them under the same ids;
//! - batch and story runs are resumed there (items on the service collected, not re-sent);
//! - a consistency check is run there.
//!
//! The detached process is `peel carry-on`, in its own session (no controlling terminal),
//! with its output appended to `peel.log`; it reads the hand-off as JSON on stdin, waits for
//! the process that started it to exit, does the work, records how it ended (the
//! `carriers` table, which `peel wait` reads) and exits non-zero if anything failed; its
//! side is `carrier.rs`.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::JobId;
use super::batch::interactive::LaneOptions;
use super::error::StudioError;
use super::output::OutputNaming;
use super::runner::Handed;
use super::spec::PreparedJob;
use crate::config::Overrides;
use crate::store::Store;
use crate::store::owner::Owner;

/// The hidden subcommand a detached process runs.
pub const SUBCOMMAND: &str = "carry-on";

/// A job never sent, given to the detached process to send under its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unsent {
    /// The job (its row is recorded already).
    pub id: JobId,
    /// The request as prepared.
    pub job: PreparedJob,
    /// How its outputs are named.
    pub naming: OutputNaming,
}

/// A run to resume there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandedRun {
    /// The run.
    pub id: i64,
    /// Its limits.
    pub options: LaneOptions,
}

/// A consistency check to run there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckWork {
    /// Images or folders.
    pub paths: Vec<PathBuf>,
    /// Anchors to check against (default: each sidecar's).
    pub with: Option<Vec<String>>,
    /// The service tier the text model is asked at (default: standard).
    #[serde(default)]
    pub tier: Option<crate::models::Tier>,
}

/// Everything handed to a detached process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HandOff {
    /// The global flags the work was started with (passed on as values).
    pub config: Option<PathBuf>,
    /// `--offline`, `--backend`, `--transport`.
    pub overrides: Overrides,
    /// Jobs never sent: sent there under their ids.
    pub send: Vec<Unsent>,
    /// Jobs the service has: collected there.
    pub collect: Vec<JobId>,
    /// Runs resumed there.
    pub runs: Vec<HandedRun>,
    /// A check run there.
    pub check: Option<CheckWork>,
    /// The process that handed it over (filled in by `spawn`).
    pub parent: Option<(u32, u64)>,
}

impl HandOff {
    /// A hand-off carrying the global flags given.
    pub fn new(config: Option<PathBuf>, overrides: Overrides) -> Self {
        Self {
            config,
            overrides,
            ..Self::default()
        }
    }

    /// Adds the jobs a studio handed over.
    pub fn with_jobs(mut self, handed: Vec<Handed>) -> Self {
        for job in handed {
            if job.sent {
                self.collect.push(job.id);
            } else {
                self.send.push(Unsent {
                    id: job.id,
                    job: job.job,
                    naming: job.naming,
                });
            }
        }
        self
    }

    /// True when there is nothing to carry on.
    pub fn is_empty(&self) -> bool {
        self.send.is_empty()
            && self.collect.is_empty()
            && self.runs.is_empty()
            && self.check.is_none()
    }

    /// Every job it carries (sent or not).
    pub fn jobs(&self) -> Vec<JobId> {
        let mut jobs: Vec<JobId> = self.send.iter().map(|u| u.id).collect();
        jobs.extend(&self.collect);
        jobs.sort_unstable();
        jobs
    }

    /// What the `carriers` table records.
    fn what(&self) -> serde_json::Value {
        let runs: Vec<i64> = self.runs.iter().map(|r| r.id).collect();
        json!({"jobs": self.jobs(), "runs": runs, "check": self.check.is_some()})
    }
}

/// Starts `peel carry-on` in its own session with its output in `peel.log`, gives it the
/// unsent jobs (their rows change owner first), records it, and hands it the work.
pub fn spawn(mut handoff: HandOff, store: &Store) -> Result<Owner, StudioError> {
    let me = Owner::current();
    handoff.parent = Some((me.pid, me.started));
    let failed = |what: &str, e: std::io::Error| {
        StudioError::Spawn(format!(
            "cannot start a detached peel process ({what}: {e}); nothing was handed over"
        ))
    };
    let exe = std::env::current_exe().map_err(|e| failed("finding peel", e))?;
    let log_path = crate::hangup::log_path();
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| failed("the log folder", e))?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| failed("opening peel.log", e))?;
    let err_log = log.try_clone().map_err(|e| failed("opening peel.log", e))?;
    let mut command = Command::new(exe);
    command
        .arg(SUBCOMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(err_log));
    // SAFETY: setsid is async-signal-safe; it only makes the child a session leader, so it
    // has no controlling terminal and no hangup of ours reaches it.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| failed("spawning", e))?;
    let owner = Owner::of_pid(child.id()).unwrap_or(Owner {
        pid: child.id(),
        started: 0,
    });
    // Ownership moves before it starts: the jobs read as running there (nothing else sends
    // or collects them meanwhile).
    let given = store
        .transfer_jobs(&handoff.jobs(), owner)
        .and_then(|()| store.add_carrier(owner, &handoff.what()));
    let body = serde_json::to_vec(&handoff).unwrap_or_default();
    let sent = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(&body))
        .unwrap_or(Ok(()));
    if let Err(e) = given {
        let _ = child.kill();
        return Err(e.into());
    }
    sent.map_err(|e| failed("handing over", e))?;
    tracing::info!(
        "handed {} job(s), {} run(s){} to detached peel process {}",
        handoff.jobs().len(),
        handoff.runs.len(),
        if handoff.check.is_some() {
            " and a check"
        } else {
            ""
        },
        owner.pid
    );
    Ok(owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_off_says_what_it_carries() {
        let mut handoff = HandOff::new(None, Overrides::default());
        assert!(handoff.is_empty());
        handoff.collect = vec![5, 2];
        handoff.runs.push(HandedRun {
            id: 9,
            options: LaneOptions {
                concurrency: 1,
                rpm: 10,
                budget: None,
                tier: Some(crate::models::Tier::Flex),
                fallback: None,
            },
        });
        assert_eq!(handoff.jobs(), vec![2, 5]);
        assert_eq!(handoff.what()["runs"], json!([9]));
        let back: HandOff = serde_json::from_slice(&serde_json::to_vec(&handoff).unwrap()).unwrap();
        assert_eq!(back.collect, vec![5, 2]);
        assert_eq!(
            back.runs[0].options.tier,
            Some(crate::models::Tier::Flex),
            "the run's tier goes with it"
        );
    }
}
