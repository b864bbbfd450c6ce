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
use super::transport;
use super::uploads;
use super::{collect, pricing, sidecar};
use crate::api::backend::Capabilities;
use crate::api::client::GeminiClient;
use crate::api::outcome::{self, Outcome};
use crate::models::{Lane, Registry, Tier};
use crate::store::{JobRecord, JobUpdate, NewTurn, Store};

/// Requests in flight at once unless configured otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How long a cancelled job waits for the service to confirm its interaction stopped.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

/// Failed jobs kept in memory so they can be retried.
const RETRY_MEMORY: usize = 256;

/// How a caller names a job's outputs; by default a slug of the prompt.
#[derive(Debug, Clone, Default, PartialEq)]
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
    retryable: Mutex<HashMap<JobId, PreparedJob>>,
    inline_budget: usize,
    said: Mutex<std::collections::HashSet<String>>,
    thoughts: super::thoughts::Thoughts,
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
            retryable: Mutex::new(HashMap::new()),
            inline_budget: uploads::DEFAULT_INLINE_BUDGET,
            said: Mutex::new(std::collections::HashSet::new()),
            thoughts: super::thoughts::Thoughts::default(),
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
        self.emit(StudioEvent::Queued(JobInfo {
            id,
            prompt: job.prompt.clone(),
            settings: job.settings.clone(),
        }));
        let studio = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = tokio::select! {
                _ = token.cancelled() => None,
                result = studio.run(id, &job, naming) => Some(result),
            };
            if result.is_none() {
                studio.cancel_on_server(id, &job.settings.model).await;
            }
            lock(&studio.inner.running).remove(&id);
            let elapsed = started.elapsed();
            studio.finish(id, job, result, elapsed);
            studio.inner.thoughts.forget(id);
        });
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
            .map_err(|_| StudioError::Simulator("engine stopped".into()))?;
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
        let mut on_retry = |notice: crate::api::client::RetryNotice| {
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
        let previous = job
            .session
            .as_ref()
            .and_then(|link| link.parent)
            .and_then(|turn| self.inner.store.turn_interaction(turn).ok().flatten());
        let route = transport::Route {
            transport,
            model,
            previous: previous.as_deref(),
            fallback: job.settings.fallback,
        };
        let landing = collect::Landing::of(id, job, &naming, self.inner.label.as_str()).to_json();
        let mut on_created = |interaction: &str| {
            let store = &self.inner.store;
            let recorded = store
                .set_job_landing(id, &landing)
                .and_then(|()| store.set_job_interaction(id, interaction));
            if let Err(e) = recorded {
                tracing::error!("recording the interaction of job {id}: {e}");
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
        let sent = transport::send(&self.inner.client, &mut hooks, route, &request).await?;
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
        let job = job.clone();
        let finished = tokio::task::spawn_blocking(move || {
            studio.save(id, &job, &naming, outcome, timings, served)
        })
        .await
        .map_err(|e| StudioError::Simulator(format!("saving task failed: {e}")))??;
        if let (Some(turn), Some(interaction)) = (finished.turn, &interaction) {
            self.inner.store.set_turn_interaction(turn, interaction)?;
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
            let saved = output::save_image(
                &job.out_dir,
                &stem,
                &image.mime,
                &image.bytes,
                Some(&job.prompt),
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
                let update = JobUpdate::Failed {
                    kind: error.kind().into(),
                    message: error.to_string(),
                    elapsed_ms,
                };
                if let Err(e) = store.update_job(id, &update) {
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
