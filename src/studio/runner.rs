//! The job runner: records jobs, sends them, saves their images, reports `StudioEvent`s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::backend::BackendLabel;
use super::blobs::Blobs;
use super::capability;
use super::error::StudioError;
use super::events::{JobId, JobInfo, StudioEvent};
use super::output::{self, SavedOutput};
use super::session::{self, TurnId};
use super::spec::{PreparedJob, SessionLink};
use super::stage::{Stage, Stages};
use super::transport;
use super::uploads;
use super::{collect, pricing, sidecar};
use crate::api::backend::Capabilities;
use crate::api::client::GeminiClient;
use crate::api::outcome::{self, Outcome};
use crate::config::Transport;
use crate::models::{Lane, Registry, Tier};
use crate::store::{JobRecord, JobUpdate, NewTurn, SentWith, Store};

/// Requests in flight at once unless configured otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How long a cancelled job waits for the service to confirm its interaction stopped.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

/// Failed jobs kept in memory so they can be retried.
const RETRY_MEMORY: usize = 256;

/// How a caller names a job's outputs; by default a slug of the prompt.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutputNaming {
    /// File stem to use instead of the prompt's slug (batches use `NNN_<key>`).
    pub stem: Option<String>,
    /// Extra fields added to every sidecar (e.g. the batch run and item).
    pub sidecar_extra: Option<serde_json::Value>,
}

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

    /// True while `hand_off` is in force.
    pub fn is_handing_off(&self) -> bool {
        self.inner
            .handing_now
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes the work back after a hand-off that could not happen (no detached process):
    /// jobs run here again, and `adopt` sends the unsent ones.
    pub fn keep_working_here(&self) {
        self.inner
            .handing_now
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops this process's part of every job so another process can carry it on: a job
    /// the service named an interaction for leaves (collect it; it is never cancelled on
    /// the service), one not sent yet leaves unsent (with `HandOffMode::Now`; else it is
    /// sent first), one whose request is on the wire without an id, or whose answer is
    /// being saved, is waited for. Returns once no job runs here, with those that left.
    pub async fn hand_off(&self, mode: HandOffMode) -> Vec<Handed> {
        self.inner.unsent_leave.store(
            mode == HandOffMode::Now,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.inner
            .handing_now
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.handing.cancel();
        let mut changed = self.inner.stages.watch();
        while self.active_jobs() > 0 {
            // A job leaves or ends by itself; the stage channel wakes us on every step.
            let _ = tokio::time::timeout(Duration::from_millis(200), changed.changed()).await;
        }
        std::mem::take(&mut *lock(&self.inner.handed))
    }

    /// Jobs handed over so far (kept until `hand_off` returns them).
    pub fn handed_count(&self) -> usize {
        lock(&self.inner.handed).len()
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

    /// Completes once the job may leave this process (a hand-off was asked for and its
    /// stage allows it); never otherwise.
    async fn released(&self, id: JobId) {
        self.inner.handing.cancelled().await;
        let mut changed = self.inner.stages.watch();
        loop {
            if !self.is_handing_off() {
                // The hand-off was called off: the job finishes here.
                std::future::pending::<()>().await;
            }
            let unsent_too = self
                .inner
                .unsent_leave
                .load(std::sync::atomic::Ordering::SeqCst);
            if self
                .inner
                .stages
                .get(id)
                .is_some_and(|s| s.can_leave(unsent_too))
            {
                return;
            }
            if changed.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    async fn run(
        &self,
        id: JobId,
        job: &PreparedJob,
        naming: OutputNaming,
    ) -> Result<Finished, StudioError> {
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| StudioError::Internal("the engine's request slots closed".into()))?;
        {
            // `stop` decides under these locks, so a request is never dropped on the wire.
            let running = lock(&self.inner.running);
            if running.get(&id).is_none_or(CancellationToken::is_cancelled) {
                return Err(StudioError::Internal(
                    "a cancelled job reached its slot".into(),
                ));
            }
            lock(&self.inner.sending).insert(id);
        }
        let started_at = chrono::Utc::now();
        let clock = Instant::now();
        self.inner
            .store
            .update_job(id, &JobUpdate::Started { attempt: 1 })?;
        self.emit(StudioEvent::Sending { id, attempt: 1 });
        let mut attempts = 1u32;
        let mut request = job.request.clone();
        let uploaded = uploads::offload(
            &self.inner.client,
            &self.inner.store,
            &mut request,
            self.inner.inline_budget,
        )
        .await?;
        let model = job.settings.model.as_str();
        let transport = transport::choose(
            &self.inner.client,
            &self.inner.registry,
            &self.inner.store,
            model,
        );
        if transport == Transport::GenerateContent && self.is_handing_off() {
            // Its answer could only come back here: it is sent by whoever carries it on.
            self.inner.stages.set(id, Stage::Parked);
            std::future::pending::<()>().await
        }
        let mut on_retry = |notice: crate::api::client::RetryNotice| {
            // A create or post that failed ended: until the next attempt passes the rate
            // limit, nothing is on the wire. (A retried poll of a created interaction keeps
            // it created: the service has it.)
            if matches!(
                self.inner.stages.get(id),
                Some(Stage::Sending | Stage::Posting)
            ) {
                self.inner.stages.set(id, Stage::Waiting);
            }
            attempts = notice.failed_attempt + 1;
            let _ = self
                .inner
                .store
                .update_job(id, &JobUpdate::Started { attempt: attempts });
            self.emit(StudioEvent::Retrying {
                id,
                next_attempt: attempts,
                delay: notice.delay,
                reason: notice.error.to_string(),
            });
        };
        let mut on_notice = |message: String| {
            if lock(&self.inner.said).insert(message.clone()) {
                self.emit(StudioEvent::Notice { id, message });
            }
        };
        let previous = job.session.as_ref().and_then(|link| {
            let turn = link.parent?;
            let store = &self.inner.store;
            store
                .turn_interaction(&link.session_id, turn)
                .ok()
                .flatten()
        });
        let route = transport::Route {
            transport,
            model,
            previous: previous.as_deref(),
            fallback: job.settings.fallback,
        };
        let pending_turn = collect::PendingTurn::of(job, &self.blobs())?;
        let landing = collect::Landing::of(id, job, &naming, self.inner.label.as_str())
            .with_turn(pending_turn)
            .to_json();
        let sent_with = |transport: Transport| SentWith {
            backend: self.inner.label.as_str().to_string(),
            base_url: self.inner.client.base_url().to_string(),
            transport: transport.as_str().to_string(),
        };
        self.inner
            .store
            .set_job_route(id, &sent_with(transport), &landing)?;
        // Until a request passes the rate limit the job was never sent (it may leave).
        let on_wire: Arc<dyn Fn() + Send + Sync> = {
            let studio = self.clone();
            Arc::new(move || {
                let next = match (transport, studio.inner.stages.get(id)) {
                    (Transport::GenerateContent, _) => Stage::Posting,
                    (_, Some(Stage::Posting)) => Stage::Posting,
                    _ => Stage::Sending,
                };
                studio.inner.stages.set(id, next);
            })
        };
        let created_with = sent_with(Transport::Interactions);
        let mut on_created = |interaction: &str| {
            // First of all: the id, where the images go and the service it is on, in one
            // committed statement, so a kill from here on loses nothing.
            let recorded =
                self.inner
                    .store
                    .record_interaction(id, interaction, &created_with, &landing);
            match recorded {
                Ok(()) => self.inner.stages.set(id, Stage::Created),
                Err(e) => tracing::error!("recording the interaction of job {id}: {e}"),
            }
        };
        let mut on_thought = |thought| {
            if let Some(event) = self.inner.thoughts.event(id, thought) {
                self.emit(event);
            }
        };
        let mut hooks = transport::Hooks {
            store: &self.inner.store,
            on_retry: &mut on_retry,
            notice: &mut on_notice,
            on_created: &mut on_created,
            on_thought: &mut on_thought,
        };
        let sending = transport::send(&self.inner.client, &mut hooks, route, &request);
        let sent = crate::api::client::with_wire_hook(on_wire, sending).await?;
        self.inner.stages.set(id, Stage::Saving);
        self.emit(StudioEvent::Sent {
            id,
            request_bytes: sent.request_bytes,
            interaction: sent.interaction.clone(),
        });
        let served = pricing::served_tier(sent.served_tier.as_deref(), job.settings.tier);
        let (response, sent_bytes, interaction) =
            (sent.response, sent.request_bytes, sent.interaction);
        let outcome = outcome::interpret(response)?;
        let timings = json!({
            "started_at": started_at.to_rfc3339(),
            "finished_at": chrono::Utc::now().to_rfc3339(),
            "elapsed_ms": clock.elapsed().as_millis() as u64,
            "attempts": attempts,
            "uploaded_files": uploaded,
            "request_bytes": sent_bytes,
            "interaction": interaction,
        });
        let studio = self.clone();
        let job_link = job.session.clone();
        let job = job.clone();
        let finished = tokio::task::spawn_blocking(move || {
            studio.save(id, &job, &naming, outcome, timings, served)
        })
        .await
        .map_err(|e| StudioError::Internal(format!("the task saving the image stopped: {e}")))??;
        if let (Some(turn), Some(interaction), Some(link)) = (finished.turn, &interaction, job_link)
        {
            self.inner
                .store
                .set_turn_interaction(&link.session_id, turn, interaction)?;
        }
        Ok(finished)
    }

    fn save(
        &self,
        id: JobId,
        job: &PreparedJob,
        naming: &OutputNaming,
        outcome: Outcome,
        timings: serde_json::Value,
        served: Tier,
    ) -> Result<Finished, StudioError> {
        let spec = self.inner.registry.resolve(&job.settings.model)?;
        let cost_usd = pricing::cost(
            spec,
            &outcome,
            &job.settings.size,
            Lane::Interactive,
            served,
        );
        let simulated = self.inner.client.answered_by_simulator();
        let priced = pricing::sidecar_fields(served, simulated);
        self.inner
            .store
            .set_job_pricing(id, served.as_str(), simulated)?;
        let stem = naming
            .stem
            .clone()
            .unwrap_or_else(|| output::slug(&job.prompt));
        let count = outcome.images.len();
        let asked = sidecar::asked(
            id,
            job,
            self.inner.label.as_str(),
            naming.sidecar_extra.as_ref(),
        );
        let mut outputs = Vec::with_capacity(count);
        for (index, image) in outcome.images.iter().enumerate() {
            let sidecar = |saved: &SavedOutput| {
                let answer = sidecar::answered(&outcome, cost_usd, saved, index);
                let more = json!({"thoughts": outcome.thoughts, "timings": timings});
                let answer = sidecar::merged(&answer, &priced);
                sidecar::merged(&sidecar::merged(&asked, &answer), &more)
            };
            let saved = output::save_image_once(
                &job.out_dir,
                &stem,
                &image.mime,
                &image.bytes,
                Some(&job.prompt),
                output::ImageOf { job: id, index },
                sidecar,
            );
            match saved {
                Ok(saved) => outputs.push(saved),
                Err(e) => {
                    for done in &outputs {
                        let _ = std::fs::remove_file(&done.path);
                        let _ = std::fs::remove_file(&done.sidecar);
                    }
                    return Err(e.into());
                }
            }
        }
        let turn = match &job.session {
            Some(link) => Some(self.record_turn(id, job, link, &outcome, &outputs)?),
            None => None,
        };
        Ok(Finished {
            outputs,
            cost_usd,
            priced: super::events::Priced {
                tier: served,
                simulated,
            },
            text: outcome.text,
            response_id: outcome.response_id,
            turn,
        })
    }

    /// Adds the answered turn to its session, images in the blob store, signatures verbatim.
    fn record_turn(
        &self,
        id: JobId,
        job: &PreparedJob,
        link: &SessionLink,
        outcome: &Outcome,
        outputs: &[SavedOutput],
    ) -> Result<TurnId, StudioError> {
        let blobs = self.blobs();
        let user = job.request.contents.last().cloned().unwrap_or_default();
        let user = session::store_content(&user, &[], &blobs)?;
        let model = outcome.model_turn.clone().unwrap_or_default();
        let model = session::store_content(&model, &outcome.images, &blobs)?;
        let paths: Vec<String> = outputs
            .iter()
            .map(|o| o.path.display().to_string())
            .collect();
        Ok(self.inner.store.insert_turn(&NewTurn {
            session: &link.session_id,
            parent: link.parent,
            instruction: &job.prompt,
            user: &user,
            model: &model,
            outputs: &paths,
            job_id: Some(id),
        })?)
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
