//! Runs prepared jobs to the end and gathers what each produced: the one report every
//! face renders (the CLI's `--json` body, the MCP tools' structured content).

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::{Value, json};

use crate::store::Store;
use crate::studio::backend::Connection;
use crate::studio::notices;
use crate::studio::output::SavedOutput;
use crate::studio::workspace::Workspace;
use crate::studio::{JobId, PreparedJob, Priced, Studio, StudioError, StudioEvent};

/// What one job ended with.
#[derive(Debug, Default)]
pub struct JobReport {
    /// The seed sent.
    pub seed: i64,
    /// Images and sidecars saved.
    pub outputs: Vec<SavedOutput>,
    /// What the job cost.
    pub cost_usd: f64,
    /// Why it failed, if it did.
    pub error: Option<StudioError>,
    /// True when it was cancelled.
    pub cancelled: bool,
    /// Text parts of the answer.
    pub text: Vec<String>,
    /// The session turn it made.
    pub turn: Option<i64>,
    /// Bytes of the request body of the attempt that succeeded.
    pub request_bytes: Option<usize>,
    /// The interaction id, when it went by the Interactions API.
    pub interaction: Option<String>,
    /// The tier that served it and whether its price is simulated.
    pub priced: Priced,
}

impl JobReport {
    /// Takes in a final event (others change nothing).
    pub fn apply(&mut self, event: StudioEvent) {
        match event {
            StudioEvent::Done {
                outputs,
                cost_usd,
                text,
                turn,
                priced,
                ..
            } => {
                self.outputs = outputs;
                self.cost_usd = cost_usd;
                self.text = text;
                self.turn = turn;
                self.priced = priced;
            }
            StudioEvent::Failed { error, .. } => self.error = Some(error),
            StudioEvent::Cancelled { .. } => self.cancelled = true,
            StudioEvent::Sent {
                request_bytes,
                interaction,
                ..
            } => {
                self.request_bytes = Some(request_bytes);
                self.interaction = interaction;
            }
            _ => {}
        }
    }
}

/// Every job of one run, with the session it went into.
#[derive(Debug)]
pub struct RunReport {
    /// "gemini", "vertex", "openai" or "simulator".
    pub backend: &'static str,
    /// The session the turns went into, when the backend keeps sessions.
    pub session: Option<String>,
    /// Each job by id.
    pub jobs: BTreeMap<JobId, JobReport>,
    /// What the user should hear once about the run (a deprecated model, say).
    pub notices: Vec<String>,
}

/// Why a run did not fully succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    /// Short machine label (the error kind, or "cancelled").
    pub kind: &'static str,
    /// The first error, or "N of M requests failed; first: …".
    pub message: String,
    /// True when the first failed job was cancelled.
    pub cancelled: bool,
}

impl RunReport {
    /// Total cost of every job.
    pub fn cost_usd(&self) -> f64 {
        self.jobs.values().map(|j| j.cost_usd).sum()
    }

    /// Every saved output, in job order.
    pub fn outputs(&self) -> impl Iterator<Item = &SavedOutput> {
        self.jobs.values().flat_map(|j| j.outputs.iter())
    }

    /// The session and its new turns ("2" or "2,3"), when the run added turns to one.
    pub fn session_turns(&self) -> Option<(&str, String)> {
        let turns: Vec<String> = self
            .jobs
            .values()
            .filter_map(|j| j.turn)
            .map(|t| t.to_string())
            .collect();
        let id = self.session.as_deref()?;
        (!turns.is_empty()).then(|| (id, turns.join(",")))
    }

    /// The `peel generate --json` body: outputs, jobs, cost, backend, session (and error).
    pub fn to_json(&self) -> Value {
        let session = self.session.as_deref();
        let outputs: Vec<Value> = self
            .jobs
            .iter()
            .flat_map(|(id, job)| {
                let share = job.cost_usd / job.outputs.len().max(1) as f64;
                job.outputs.iter().map(move |o| {
                    json!({
                        "path": o.path, "sidecar": o.sidecar, "width": o.width, "height": o.height,
                        "mime": o.mime, "bytes": o.bytes, "cost_usd": share, "job_id": id, "seed": job.seed,
                        "session": session, "turn": job.turn, "tier": job.priced.tier,
                        "cost_simulated": job.priced.simulated,
                        "request_bytes": job.request_bytes, "interaction": job.interaction,
                    })
                })
            })
            .collect();
        let jobs: Vec<Value> = self
            .jobs
            .iter()
            .map(|(id, job)| {
                let state = if job.cancelled { "cancelled" } else if job.error.is_some() { "failed" } else { "done" };
                let error = job.error.as_ref().map(|e| json!({ "kind": e.kind(), "message": e.to_string() }));
                json!({ "id": id, "state": state, "seed": job.seed, "turn": job.turn, "text": job.text, "error": error,
                    "tier": job.priced.tier, "request_bytes": job.request_bytes, "interaction": job.interaction })
            })
            .collect();
        let first = self.jobs.values().next();
        let simulated = self.jobs.values().any(|j| j.priced.simulated);
        let mut body = json!({
            "outputs": outputs, "jobs": jobs, "cost_usd": self.cost_usd(), "backend": self.backend,
            "cost_simulated": simulated, "notices": self.notices,
            "session": session,
            "request_bytes": first.and_then(|j| j.request_bytes),
            "interaction": first.and_then(|j| j.interaction.clone()),
        });
        let first_failed = self
            .jobs
            .values()
            .find(|j| j.error.is_some() || j.cancelled);
        if let Some(e) = first_failed.and_then(|j| j.error.as_ref()) {
            body["error"] = json!({ "kind": e.kind(), "message": e.to_string() });
        }
        body
    }

    /// The run's failure, if any job failed or was cancelled.
    pub fn failure(&self) -> Option<RunFailure> {
        let failed: Vec<&JobReport> = self
            .jobs
            .values()
            .filter(|j| j.error.is_some() || j.cancelled)
            .collect();
        let first = failed.first()?;
        let message = match &first.error {
            Some(e) if failed.len() == 1 => e.to_string(),
            Some(e) => format!(
                "{} of {} requests failed; first: {e}",
                failed.len(),
                self.jobs.len()
            ),
            None => "cancelled".to_string(),
        };
        Some(RunFailure {
            kind: first.error.as_ref().map_or("cancelled", |e| e.kind()),
            message,
            cancelled: first.cancelled,
        })
    }
}

/// What an interrupt does to the jobs still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Cancel every job at once (Ctrl-C).
    CancelAll,
    /// Cancel what can be cancelled without losing paid work and let a request already on
    /// the wire with nothing to cancel finish and be saved (`Studio::stop`); an MCP cancel.
    KeepPaidWork,
}

/// How often a polite stop looks again at jobs whose request is on the wire.
const STOP_RECHECK: std::time::Duration = std::time::Duration::from_millis(200);

/// Submits every job, reports each event to `on_event`, cancels them all when `interrupt`
/// completes, and returns once every job has ended.
pub async fn execute(
    ws: &Workspace,
    conn: &Connection,
    store: Store,
    jobs: Vec<PreparedJob>,
    session: Option<String>,
    on_event: impl FnMut(&StudioEvent),
    interrupt: impl Future<Output = ()>,
) -> Result<RunReport, StudioError> {
    let work = Work {
        ws,
        conn,
        store,
        jobs,
        session,
    };
    execute_with(work, on_event, interrupt, OnInterrupt::CancelAll).await
}

/// The jobs to run and where: what `execute_with` works on.
pub struct Work<'a> {
    /// The workspace (registry, settings).
    pub ws: &'a Workspace,
    /// The service connection.
    pub conn: &'a Connection,
    /// The store jobs are recorded in.
    pub store: Store,
    /// The prepared jobs.
    pub jobs: Vec<PreparedJob>,
    /// The session the jobs continue or start, for the report.
    pub session: Option<String>,
}

/// `execute`, with what `interrupt` does chosen by `on_interrupt`.
pub async fn execute_with(
    work: Work<'_>,
    mut on_event: impl FnMut(&StudioEvent),
    interrupt: impl Future<Output = ()>,
    on_interrupt: OnInterrupt,
) -> Result<RunReport, StudioError> {
    let Work {
        ws,
        conn,
        store,
        jobs,
        session,
    } = work;
    let (studio, mut events) = Studio::new(
        conn.client.clone(),
        ws.registry.clone(),
        store,
        conn.label.clone(),
        jobs.len(),
    );
    let studio = studio.with_inline_budget(ws.settings.inline_budget());
    let mut report = RunReport {
        backend: studio.backend().as_str(),
        session,
        jobs: BTreeMap::new(),
        notices: notices::model_notices(
            &ws.registry,
            jobs.iter().map(|j| j.settings.model.as_str()),
        ),
    };
    for job in jobs {
        let seed = job.settings.seed;
        let id = studio.submit(job)?;
        report.jobs.insert(
            id,
            JobReport {
                seed,
                ..JobReport::default()
            },
        );
    }
    let mut remaining = report.jobs.len();
    let mut interrupted = false;
    let mut unstopped: Vec<JobId> = Vec::new();
    let mut recheck = tokio::time::interval(STOP_RECHECK);
    tokio::pin!(interrupt);
    while remaining > 0 {
        let event = tokio::select! {
            event = events.recv() => event,
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                match on_interrupt {
                    OnInterrupt::CancelAll => {
                        for id in report.jobs.keys() {
                            studio.cancel(*id);
                        }
                    }
                    OnInterrupt::KeepPaidWork => {
                        unstopped = report.jobs.keys().copied().collect();
                        unstopped.retain(|id| !studio.stop(*id));
                    }
                }
                continue;
            }
            _ = recheck.tick(), if !unstopped.is_empty() => {
                unstopped.retain(|id| !studio.stop(*id));
                continue;
            }
        };
        let Some(event) = event else { break };
        if event.is_final() {
            remaining -= 1;
        }
        on_event(&event);
        if let Some(job) = report.jobs.get_mut(&event.job_id()) {
            job.apply(event);
        }
    }
    Ok(report)
}

/// What `--detach` leaves behind: each job's state when it was handed over.
#[derive(Debug)]
pub struct Detached {
    /// Each job and its state (`sending`: the service has it; `queued`: sent by the
    /// detached process; or how it already ended).
    pub jobs: Vec<(JobId, &'static str)>,
    /// The jobs handed over.
    pub handed: Vec<crate::studio::runner::Handed>,
}

impl Detached {
    /// The `--detach --json` body: `{"detached": true, "jobs": [{"id", "state"}], "run": …}`.
    pub fn json(jobs: &[(JobId, &str)], run: Option<i64>) -> Value {
        let jobs: Vec<Value> = jobs
            .iter()
            .map(|(id, state)| json!({"id": id, "state": state}))
            .collect();
        json!({"detached": true, "jobs": jobs, "run": run})
    }
}

/// Records and sends every job as usual, until the service named each one's interaction
/// (a job going by generateContent is held back unsent), then hands them over for another
/// process to finish; returns each job's state at that moment.
pub async fn execute_detached(
    ws: &Workspace,
    conn: &Connection,
    store: Store,
    jobs: Vec<PreparedJob>,
) -> Result<Detached, StudioError> {
    let (studio, mut events) = Studio::new(
        conn.client.clone(),
        ws.registry.clone(),
        store,
        conn.label.clone(),
        jobs.len().max(1),
    );
    let studio = studio.with_inline_budget(ws.settings.inline_budget());
    let mut states: BTreeMap<JobId, &'static str> = BTreeMap::new();
    for job in jobs {
        let id = studio.submit(job)?;
        states.insert(id, "queued");
    }
    let handed = studio
        .hand_off(crate::studio::runner::HandOffMode::SendFirst)
        .await;
    while let Ok(event) = events.try_recv() {
        let state = match event {
            StudioEvent::Done { .. } => "done",
            StudioEvent::Failed { .. } => "failed",
            StudioEvent::Cancelled { .. } => "cancelled",
            StudioEvent::HandedOver { sent: true, .. } => "sending",
            StudioEvent::HandedOver { sent: false, .. } => "queued",
            _ => continue,
        };
        states.insert(event.job_id(), state);
    }
    // The hand-off's own list decides for the jobs it took: a `HandedOver` event may still
    // be on its way when `hand_off` returns.
    for job in &handed {
        states.insert(job.id, if job.sent { "sending" } else { "queued" });
    }
    Ok(Detached {
        jobs: states.into_iter().collect(),
        handed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ValidationError;

    fn report(jobs: Vec<JobReport>) -> RunReport {
        RunReport {
            backend: "simulator",
            notices: Vec::new(),
            session: Some("s1".into()),
            jobs: jobs
                .into_iter()
                .enumerate()
                .map(|(i, j)| (i as i64 + 1, j))
                .collect(),
        }
    }

    fn output(name: &str) -> SavedOutput {
        SavedOutput {
            path: name.into(),
            sidecar: format!("{name}.json").into(),
            width: 1024,
            height: 1024,
            mime: "image/png".into(),
            bytes: 10,
        }
    }

    #[test]
    fn the_json_body_splits_a_jobs_cost_over_its_outputs() {
        let done = JobReport {
            seed: 3,
            outputs: vec![output("a.png"), output("b.png")],
            cost_usd: 0.1,
            turn: Some(1),
            ..JobReport::default()
        };
        let body = report(vec![done]).to_json();
        assert_eq!(body["outputs"].as_array().unwrap().len(), 2);
        assert!((body["outputs"][0]["cost_usd"].as_f64().unwrap() - 0.05).abs() < 1e-9);
        assert_eq!(body["session"], "s1");
        assert_eq!(body["outputs"][1]["turn"], 1);
        assert!(body.get("error").is_none());
        assert!(report(Vec::new()).failure().is_none());
    }

    #[test]
    fn a_failure_names_the_first_error_and_how_many_failed() {
        let failed = || JobReport {
            error: Some(ValidationError::Invalid("bad".into()).into()),
            ..JobReport::default()
        };
        let one = report(vec![failed(), JobReport::default()])
            .failure()
            .unwrap();
        assert_eq!(one.message, "bad");
        assert_eq!(one.kind, "validation");
        let two = report(vec![failed(), failed()]).failure().unwrap();
        assert_eq!(two.message, "2 of 2 requests failed; first: bad");
        let body = report(vec![failed()]).to_json();
        assert_eq!(body["error"]["message"], "bad");
        assert_eq!(body["jobs"][0]["state"], "failed");
    }
}
