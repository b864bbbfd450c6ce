//! Sending one job: a request slot, references offloaded, the transport chosen, the job's
//! route and landing recorded before the request leaves, every stage reported on the way.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Finished, Studio, lock};
use crate::api::outcome;
use crate::config::Transport;
use crate::store::{JobUpdate, SentWith};
use crate::studio::collect;
use crate::studio::error::StudioError;
use crate::studio::events::{JobId, StudioEvent};
use crate::studio::output::OutputNaming;
use crate::studio::spec::PreparedJob;
use crate::studio::stage::Stage;
use crate::studio::{pricing, transport, uploads};

impl Studio {
    pub(super) async fn run(
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
}
