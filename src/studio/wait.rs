//! Waiting for work to be saved (`peel wait`): jobs, runs of every lane, or everything the
//! data folder has in flight. A job whose process died while the service ran it is asked
//! about on its own service (and collected: never sent again); a Batch API run is polled
//! and its results fetched once it succeeded; detached peel processes count as work in
//! flight while they run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::JobId;
use super::backend::{self, Connection};
use super::batch::queue::{find_run, is_locked};
use super::batch::remote;
use super::collect::{Collected, Collector, Recovery};
use super::error::StudioError;
use super::error::StudioError as Error;
use crate::config::Settings;
use crate::models::Registry;
use crate::store::{RunRow, Store};

/// How often a Batch API job is asked about at most.
const REMOTE_EVERY: Duration = Duration::from_secs(2);

/// Something waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A job.
    Job(JobId),
    /// A run (interactive, story, Batch API).
    Run(i64),
    /// The detached peel processes running now (`--all`).
    Carriers,
}

/// Where a target stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Saved (a run: every item).
    Saved(Value),
    /// Still on its way: what is happening.
    Running(String),
    /// Ended otherwise: its state (failed, interrupted, cancelled, stopped by its budget…).
    Ended(String, Value),
}

/// Looks at targets until they are saved or end; keeps the connections it opens.
pub struct Waiter {
    settings: Settings,
    registry: Arc<Registry>,
    store: Store,
    collector: Collector,
    remote: Option<Connection>,
    asked: HashMap<i64, Instant>,
}

impl Waiter {
    /// A waiter over the data folder's store.
    pub fn new(settings: &Settings, registry: Arc<Registry>, store: Store) -> Self {
        Self {
            collector: Collector::new(settings, registry.clone(), store.clone(), None),
            settings: settings.clone(),
            registry,
            store,
            remote: None,
            asked: HashMap::new(),
        }
    }

    /// The targets named: job ids and runs (by id, folder or Batch API name), or with
    /// `all` everything in flight. Unknown names are refused (nothing is waited for).
    pub fn targets(
        &self,
        jobs: &[String],
        runs: &[String],
        all: bool,
    ) -> Result<Vec<Target>, Error> {
        let refuse =
            |message: String| Error::Validation(crate::error::ValidationError::Invalid(message));
        if jobs.is_empty() && runs.is_empty() && !all {
            return Err(refuse(
                "name the jobs to wait for (`peel wait 12 13`), a run (`--run RUN`) or everything in flight (`--all`)".into(),
            ));
        }
        let mut targets = Vec::new();
        for text in jobs {
            let id = text.trim().trim_start_matches('#').parse::<JobId>().ok();
            match id.map(|id| self.store.job(id)).transpose()? {
                Some(Some(row)) => targets.push(Target::Job(row.id)),
                _ => {
                    return Err(refuse(format!(
                        "no job '{text}' in this data folder; `peel history` lists the jobs and their ids"
                    )));
                }
            }
        }
        for text in runs {
            match find_run(&self.store, text)? {
                Some(run) => targets.push(Target::Run(run.id)),
                None => {
                    return Err(refuse(format!(
                        "no run '{text}'; `peel batch list` shows the runs and their ids"
                    )));
                }
            }
        }
        if all {
            targets.extend(self.in_flight()?);
            targets.push(Target::Carriers);
        }
        targets.sort();
        targets.dedup();
        Ok(targets)
    }

    /// Every job and run the data folder has in flight now.
    fn in_flight(&self) -> Result<Vec<Target>, Error> {
        let mut targets: Vec<Target> = self
            .store
            .unfinished_jobs()?
            .into_iter()
            .map(Target::Job)
            .collect();
        targets.extend(self.store.orphans()?.into_iter().map(|o| Target::Job(o.id)));
        let locks = self.locks();
        for run in self.store.batch_runs(0)? {
            let local_running =
                run.runs_here() && run.state == "running" && is_locked(&locks, run.id);
            let remote_running = !run.runs_here()
                && matches!(run.state.as_str(), "submitting" | "submitted" | "finished");
            if local_running || remote_running {
                targets.push(Target::Run(run.id));
            }
        }
        for carrier in self.store.running_carriers()? {
            let ids = |key: &str| -> Vec<i64> {
                carrier.what[key]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default()
            };
            targets.extend(ids("jobs").into_iter().map(Target::Job));
            targets.extend(ids("runs").into_iter().map(Target::Run));
        }
        Ok(targets)
    }

    fn locks(&self) -> PathBuf {
        self.settings.paths.data_dir.join("locks")
    }

    /// Where `target` stands now (a job left on the service is asked about and collected).
    pub async fn look(&mut self, target: Target) -> Result<Status, StudioError> {
        match target {
            Target::Job(id) => self.job(id).await,
            Target::Run(id) => self.run(id).await,
            Target::Carriers => {
                let running = self.store.running_carriers()?;
                Ok(match running.len() {
                    0 => Status::Saved(json!({"carriers": 0})),
                    n => Status::Running(format!("{n} detached peel process(es) still working")),
                })
            }
        }
    }

    async fn job(&mut self, id: JobId) -> Result<Status, StudioError> {
        let Some(row) = self.store.job(id)? else {
            return Ok(Status::Ended("gone".into(), json!({"id": id})));
        };
        let body = |state: &str| json!({"id": id, "state": state, "outputs": row.outputs});
        match row.state.as_str() {
            "done" => return Ok(Status::Saved(body("done"))),
            "failed" | "cancelled" => {
                return Ok(Status::Ended(row.state.clone(), body(&row.state)));
            }
            "interrupted" => {}
            other => return Ok(Status::Running(other.to_string())),
        }
        // Its process is gone: the service may still have it (collected, never re-sent).
        if self.store.orphan(id)?.is_some() {
            let asked = self.collector.ask(id).await?;
            return Ok(match asked {
                Recovery::Asked(Collected::Saved { outputs, .. }) => {
                    Status::Saved(json!({"id": id, "state": "done", "outputs": outputs}))
                }
                Recovery::Asked(Collected::Running { .. }) | Recovery::Busy => {
                    Status::Running("on the service".into())
                }
                Recovery::Asked(Collected::Failed { .. }) | Recovery::NotSaved(_) => {
                    Status::Ended("failed".into(), body("failed"))
                }
                Recovery::Unreachable(missing) => {
                    Status::Ended(format!("interrupted ({missing})"), body("interrupted"))
                }
                _ => Status::Ended("interrupted".into(), body("interrupted")),
            });
        }
        let carried = self
            .store
            .running_carriers()?
            .iter()
            .any(|c| c.carries_job(id));
        Ok(if carried {
            Status::Running("handed to a detached peel process".into())
        } else {
            Status::Ended("interrupted".into(), body("interrupted"))
        })
    }

    async fn run(&mut self, id: i64) -> Result<Status, StudioError> {
        let Some(run) = self.store.batch_run(id)? else {
            return Ok(Status::Ended("gone".into(), json!({"id": id})));
        };
        let body = |run: &RunRow, state: &str| {
            json!({"id": run.id, "lane": run.lane, "state": state, "stop_reason": run.stop_reason,
                "dir": run.out_dir, "total": run.items, "done": run.done, "failed": run.failed})
        };
        if run.state == "done" {
            return Ok(Status::Saved(body(&run, "done")));
        }
        let carried = self
            .store
            .running_carriers()?
            .iter()
            .any(|c| c.carries_run(id));
        let progress = format!("{}/{} saved", run.done, run.items);
        if run.runs_here() {
            if run.state == "running" && (carried || is_locked(&self.locks(), id)) {
                return Ok(Status::Running(progress));
            }
            if carried {
                return Ok(Status::Running(format!(
                    "handed to a detached peel process, {progress}"
                )));
            }
            let state = match (run.state.as_str(), run.stop_reason.as_deref()) {
                ("running", _) => "interrupted".to_string(),
                (_, Some("budget")) => "stopped by its budget".to_string(),
                (_, Some("interrupted")) => "interrupted".to_string(),
                (state, Some(reason)) => format!("{state} ({reason})"),
                (state, None) => state.to_string(),
            };
            return Ok(Status::Ended(state.clone(), body(&run, &state)));
        }
        self.remote_run(run).await
    }

    /// A Batch API or Vertex batch run: asked about now and then; fetched once it ended.
    async fn remote_run(&mut self, run: RunRow) -> Result<Status, StudioError> {
        let id = run.id;
        let body = |run: &RunRow, state: &str| {
            json!({"id": run.id, "lane": run.lane, "state": state, "remote_state": run.remote_state,
                "dir": run.out_dir, "total": run.items, "done": run.done, "failed": run.failed})
        };
        match run.state.as_str() {
            "submitting" => return Ok(Status::Running("being submitted".into())),
            "submitted" | "finished" => {}
            state => return Ok(Status::Ended(state.to_string(), body(&run, state))),
        }
        let Some(name) = run.remote_name.clone() else {
            return Ok(Status::Running("being submitted".into()));
        };
        if self
            .asked
            .get(&id)
            .is_some_and(|t| t.elapsed() < REMOTE_EVERY)
        {
            return Ok(Status::Running(
                run.remote_state.clone().unwrap_or_default(),
            ));
        }
        self.asked.insert(id, Instant::now());
        if self.remote.is_none() {
            self.remote = Some(backend::connect(&self.settings, &self.registry).await?);
        }
        let Some(conn) = &self.remote else {
            return Ok(Status::Running("connecting".into()));
        };
        let op = remote::refresh(&conn.client, &self.store, Some(&run), &name).await?;
        if !op.is_finished() {
            return Ok(Status::Running(op.progress()));
        }
        let fetched =
            remote::fetch_results(&self.settings, conn, &self.registry, &self.store, &run, &op)
                .await;
        let run = self.store.batch_run(id)?.unwrap_or(run);
        Ok(match fetched {
            Ok(_) if run.state == "done" => Status::Saved(body(&run, "done")),
            Ok(_) => Status::Ended(
                format!("incomplete ({} failed)", run.failed),
                body(&run, "incomplete"),
            ),
            Err(e) => Status::Ended(e.to_string(), body(&run, &run.state)),
        })
    }

    /// Stops what it started.
    pub async fn shutdown(self) {
        self.collector.shutdown().await;
        if let Some(sim) = self.remote.and_then(|c| c.simulator) {
            sim.shutdown().await;
        }
    }
}
