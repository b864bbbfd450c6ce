//! The job runner: records jobs, sends them, saves their images, reports `StudioEvent`s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

mod hand_off;
mod save;
mod send;

use super::backend::BackendLabel;
use super::blobs::Blobs;
use super::capability;
use super::error::StudioError;
use super::events::{JobId, JobInfo, StudioEvent};
use super::output::{OutputNaming, SavedOutput};
use super::spec::PreparedJob;
use super::stage::{Stage, Stages};
use super::uploads;
use crate::api::backend::Capabilities;
use crate::api::client::GeminiClient;
use crate::models::Registry;
use crate::store::session_types::TurnId;
use crate::store::{JobRecord, JobUpdate, Store};

/// Requests in flight at once unless configured otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How long a cancelled job waits for the service to confirm its interaction stopped.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

/// Failed jobs kept in memory so they can be retried.
const RETRY_MEMORY: usize = 256;

/// The engine: one per process, shared by whichever face is running.
#[derive(Clone)]
pub struct Studio {
    inner: Arc<Inner>,
}

struct Inner {
    client: GeminiClient,
    registry: Arc<Registry>,
    store: Store,
    label: BackendLabel,
    events: mpsc::UnboundedSender<StudioEvent>,
    slots: Arc<Semaphore>,
    running: Mutex<HashMap<JobId, CancellationToken>>,
    /// Jobs past their slot: their request may be on the wire (see `stop`).
    sending: Mutex<std::collections::HashSet<JobId>>,
    retryable: Mutex<HashMap<JobId, PreparedJob>>,
    inline_budget: usize,
    said: Mutex<std::collections::HashSet<String>>,
    thoughts: super::thoughts::Thoughts,
    stages: Stages,
    handing: CancellationToken,
    handing_now: std::sync::atomic::AtomicBool,
    unsent_leave: std::sync::atomic::AtomicBool,
    handed: Mutex<Vec<Handed>>,
}

/// How much of a studio's work leaves when it is handed to another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffMode {
    /// Everything not on the wire leaves now, sent or not (the workbench's quit answer `b`).
    Now,
    /// Each job is sent first and leaves once the service named its interaction; a
    /// generateContent job leaves unsent (`--detach`).
    SendFirst,
}

/// A job this studio handed over instead of finishing.
#[derive(Debug, Clone)]
pub struct Handed {
    /// The job.
    pub id: JobId,
    /// True when the service has it (collect it by its interaction); false when it was
    /// never sent (send it).
    pub sent: bool,
    /// The job as prepared.
    pub job: PreparedJob,
    /// How its outputs are named.
    pub naming: OutputNaming,
}

/// How a job's task ended.
enum Ending {
    Cancelled,
    HandedOver,
    Ran(Result<Finished, StudioError>),
}

/// What a finished job produced.
#[derive(Debug, Clone)]
struct Finished {
    outputs: Vec<SavedOutput>,
    cost_usd: f64,
    priced: super::events::Priced,
    text: Vec<String>,
    response_id: Option<String>,
    turn: Option<TurnId>,
}

impl Studio {
    /// Builds the engine; events arrive on the returned receiver.
    pub fn new(
        client: GeminiClient,
        registry: Arc<Registry>,
        store: Store,
        label: BackendLabel,
        concurrency: usize,
    ) -> (Self, mpsc::UnboundedReceiver<StudioEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        let inner = Inner {
            client,
            registry,
            store,
            label,
            events,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Mutex::new(HashMap::new()),
            sending: Mutex::new(std::collections::HashSet::new()),
            retryable: Mutex::new(HashMap::new()),
            inline_budget: uploads::DEFAULT_INLINE_BUDGET,
            said: Mutex::new(std::collections::HashSet::new()),
            thoughts: super::thoughts::Thoughts::default(),
            stages: Stages::default(),
            handing: CancellationToken::new(),
            handing_now: std::sync::atomic::AtomicBool::new(false),
            unsent_leave: std::sync::atomic::AtomicBool::new(false),
            handed: Mutex::new(Vec::new()),
        };
        (
            Self {
                inner: Arc::new(inner),
            },
            rx,
        )
    }

    /// The registry in use.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The store in use.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The session image store.
    pub fn blobs(&self) -> Blobs {
        Blobs::new(self.inner.store.blob_dir())
    }

    /// Which backend answers.
    pub fn backend(&self) -> &BackendLabel {
        &self.inner.label
    }

    /// What the backend can do; faces disable the rest with `Capabilities::reason`.
    pub fn capabilities(&self) -> Capabilities {
        self.inner.client.capabilities()
    }

    /// Sets how many inline bytes a request may carry before images go through the Files API.
    /// Call right after `new`, before the studio is shared.
    pub fn with_inline_budget(mut self, bytes: usize) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.inline_budget = bytes;
        }
        self
    }

    /// Records a prepared job, starts it, and returns its id at once; a job the backend
    /// cannot run is refused first.
    pub fn submit(&self, job: PreparedJob) -> Result<JobId, StudioError> {
        self.submit_named(job, OutputNaming::default())
    }

    /// Like `submit`, with the outputs named and labelled by the caller.
    pub fn submit_named(
        &self,
        job: PreparedJob,
        naming: OutputNaming,
    ) -> Result<JobId, StudioError> {
        capability::check_job(&job, &self.capabilities())?;
        let id = self.inner.store.insert_job(&JobRecord {
            prompt: job.prompt.clone(),
            model: job.settings.model.clone(),
            aspect: job.settings.aspect.clone(),
            size: Some(job.settings.size.clone()),
            seed: Some(job.settings.seed),
            request_json: job.request_summary_json(),
        })?;
        self.inner
            .store
            .set_job_backend(id, self.inner.label.as_str())?;
        self.start(id, job, naming);
        Ok(id)
    }

    /// Runs a job recorded (and handed over) by another process under its own id: the
    /// job becomes this process's and is sent from the start. Only for jobs never sent.
    pub fn adopt(&self, id: JobId, job: PreparedJob, naming: OutputNaming) {
        self.start(id, job, naming);
    }

    /// Runs a failed job again under a new id.
    pub fn retry(&self, id: JobId) -> Option<Result<JobId, StudioError>> {
        let job = lock(&self.inner.retryable).get(&id).cloned()?;
        Some(self.submit(job))
    }

    /// Cancels a queued or running job; returns false if it was not running.
    pub fn cancel(&self, id: JobId) -> bool {
        match lock(&self.inner.running).get(&id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops a job without throwing away paid work: one not yet sent is cancelled, one whose
    /// interaction the service named is cancelled there; one whose request is on the wire
    /// with nothing to cancel (generateContent, or before the interaction is named) is left
    /// to finish and be saved. Returns true when the job was cancelled or has ended.
    pub fn stop(&self, id: JobId) -> bool {
        // Asked before the locks: an interaction, once named, stays named, so a stale "not
        // yet" only leaves the job to the caller's next look.
        let named = matches!(self.inner.store.job_interaction(id), Ok(Some(_)));
        let running = lock(&self.inner.running);
        let Some(token) = running.get(&id) else {
            return true;
        };
        let sending = lock(&self.inner.sending);
        if !sending.contains(&id) || named {
            token.cancel();
            return true;
        }
        false
    }

    /// Cancels every queued or running job.
    pub fn cancel_all(&self) {
        for token in lock(&self.inner.running).values() {
            token.cancel();
        }
    }

    /// Number of jobs queued or running.
    pub fn active_jobs(&self) -> usize {
        lock(&self.inner.running).len()
    }

    fn start(&self, id: JobId, job: PreparedJob, naming: OutputNaming) {
        let token = CancellationToken::new();
        lock(&self.inner.running).insert(id, token.clone());
        self.inner.stages.set(id, Stage::Waiting);
        self.emit(StudioEvent::Queued(JobInfo {
            id,
            prompt: job.prompt.clone(),
            settings: job.settings.clone(),
        }));
        let studio = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let ending = tokio::select! {
                _ = token.cancelled() => Ending::Cancelled,
                () = studio.released(id) => Ending::HandedOver,
                result = studio.run(id, &job, naming.clone()) => Ending::Ran(result),
            };
            let stage = studio.inner.stages.get(id);
            let result = match ending {
                Ending::HandedOver => {
                    let sent = stage.is_some_and(Stage::is_sent);
                    lock(&studio.inner.handed).push(Handed {
                        id,
                        sent,
                        job,
                        naming,
                    });
                    lock(&studio.inner.running).remove(&id);
                    lock(&studio.inner.sending).remove(&id);
                    studio.inner.stages.remove(id);
                    studio.inner.thoughts.forget(id);
                    studio.emit(StudioEvent::HandedOver { id, sent });
                    return;
                }
                Ending::Cancelled => None,
                Ending::Ran(result) => Some(result),
            };
            if result.is_none() {
                studio.cancel_on_server(id, &job.settings.model).await;
            }
            lock(&studio.inner.running).remove(&id);
            lock(&studio.inner.sending).remove(&id);
            let elapsed = started.elapsed();
            studio.finish(id, job, result, elapsed);
            studio.inner.stages.remove(id);
            studio.inner.thoughts.forget(id);
        });
    }

    fn finish(
        &self,
        id: JobId,
        job: PreparedJob,
        result: Option<Result<Finished, StudioError>>,
        elapsed: Duration,
    ) {
        let elapsed_ms = elapsed.as_millis() as u64;
        let store = &self.inner.store;
        match result {
            None => {
                let _ = store.update_job(id, &JobUpdate::Cancelled);
                self.emit(StudioEvent::Cancelled { id });
            }
            Some(Ok(done)) => {
                let paths = done
                    .outputs
                    .iter()
                    .map(|o| o.path.display().to_string())
                    .collect();
                let update = JobUpdate::Done {
                    outputs: paths,
                    cost_usd: done.cost_usd,
                    response_id: done.response_id.clone(),
                    elapsed_ms,
                };
                if let Err(e) = store.update_job(id, &update) {
                    tracing::error!("recording job {id}: {e}");
                }
                self.emit(StudioEvent::Done {
                    id,
                    outputs: done.outputs,
                    cost_usd: done.cost_usd,
                    elapsed,
                    text: done.text,
                    session: job.session.map(|s| s.session_id),
                    turn: done.turn,
                    priced: done.priced,
                });
            }
            Some(Err(error)) => {
                let collectable = matches!(error, StudioError::Output(_))
                    && store.job_interaction(id).ok().flatten().is_some();
                let recorded = if collectable {
                    // Paid for and still on the service: the failure is noted and the job
                    // stays collectable, so a later peel process saves it once it can.
                    store.note_job_problem(id, error.kind(), &error.to_string())
                } else {
                    store.update_job(
                        id,
                        &JobUpdate::Failed {
                            kind: error.kind().into(),
                            message: error.to_string(),
                            elapsed_ms,
                        },
                    )
                };
                if let Err(e) = recorded {
                    tracing::error!("recording job {id}: {e}");
                }
                let mut retryable = lock(&self.inner.retryable);
                if retryable.len() >= RETRY_MEMORY
                    && let Some(oldest) = retryable.keys().min().copied()
                {
                    retryable.remove(&oldest);
                }
                retryable.insert(id, job);
                drop(retryable);
                self.emit(StudioEvent::Failed { id, error, elapsed });
            }
        }
    }

    /// Stops the background interaction a cancelled job was waiting on: an abandoned one
    /// keeps running (and billing) on the server.
    async fn cancel_on_server(&self, id: JobId, model: &str) {
        let Ok(Some(interaction)) = self.inner.store.job_interaction(id) else {
            return;
        };
        let cancel = self.inner.client.cancel_interaction(&interaction, model);
        match tokio::time::timeout(CANCEL_WAIT, cancel).await {
            Ok(Ok(_)) => tracing::info!("cancelled interaction {interaction} of job {id}"),
            Ok(Err(e)) => tracing::warn!("cancelling interaction {interaction}: {e}"),
            Err(_) => tracing::warn!("cancelling interaction {interaction}: no answer"),
        }
    }

    fn emit(&self, event: StudioEvent) {
        let _ = self.inner.events.send(event);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
