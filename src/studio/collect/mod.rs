//! Collecting background interactions whose peel process went away: the job row holds the
//! interaction id, the service it is on and where its images go (all stored in one
//! statement the moment the service named the interaction), so any later peel process can
//! fetch the answer from that service and finish the job — saved (once, however often it
//! is collected), never sent again.
//!
//! Only call this for jobs whose owner is gone (the store's owner/lease check decides);
//! a job still being waited on by a live process must be left to it. `route` picks the
//! service each job was sent to; `Collector` keeps those connections between rounds.

mod route;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use route::{CollectReport, Collector, Recovery, Unreachable, collect_orphans};

use super::blobs::Blobs;
use super::error::StudioError;
use super::output::OutputNaming;
use super::session;
use super::spec::PreparedJob;
use super::{JobId, output, pricing, sidecar};
use crate::api::client::GeminiClient;
use crate::api::error::ApiError;
use crate::api::interactions::is_terminal;
use crate::api::outcome;
use crate::models::{Lane, Registry};
use crate::store::session_types::{StoredContent, TurnId};
use crate::store::{JobUpdate, NewTurn, Orphan, SentWith, Store};
use crate::studio::backend::BackendLabel;

/// The session turn a job adds once answered, kept with its landing so a collector can
/// record it too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingTurn {
    /// The session.
    pub session: String,
    /// The turn it continues (its number in the session).
    pub parent: Option<TurnId>,
    /// The instruction.
    pub instruction: String,
    /// The user's content as stored (images in the blob store).
    pub user: StoredContent,
}

impl PendingTurn {
    /// The turn `job` adds, if it belongs to a session (its reference images go into the
    /// blob store now).
    pub fn of(job: &PreparedJob, blobs: &Blobs) -> Result<Option<Self>, StudioError> {
        let Some(link) = &job.session else {
            return Ok(None);
        };
        let user = job.request.contents.last().cloned().unwrap_or_default();
        Ok(Some(Self {
            session: link.session_id.clone(),
            parent: link.parent,
            instruction: job.prompt.clone(),
            user: session::store_content(&user, &[], blobs)?,
        }))
    }
}

/// Where a job's images go, recorded with the job before it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landing {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The file stem (the prompt's slug, or a batch item's `NNN_<key>`).
    pub stem: String,
    /// The sidecar fields known before sending.
    pub sidecar: Value,
    /// The session turn it adds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<PendingTurn>,
}

impl Landing {
    /// Where `job`'s images go, named as the engine would name them.
    pub fn of(id: JobId, job: &PreparedJob, naming: &OutputNaming, backend: &str) -> Self {
        Self {
            out_dir: job.out_dir.clone(),
            stem: naming
                .stem
                .clone()
                .unwrap_or_else(|| output::slug(&job.prompt)),
            sidecar: sidecar::asked(id, job, backend, naming.sidecar_extra.as_ref()),
            turn: None,
        }
    }

    /// With the session turn the job adds.
    pub fn with_turn(mut self, turn: Option<PendingTurn>) -> Self {
        self.turn = turn;
        self
    }

    /// As stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Where an orphan's images go: as recorded, else `fallback_dir` named by its prompt.
    fn of_orphan(orphan: &Orphan, fallback_dir: &Path) -> Self {
        orphan
            .landing
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| Self {
                out_dir: fallback_dir.to_path_buf(),
                stem: output::slug(&orphan.prompt),
                sidecar: json!({
                    "peel_version": env!("CARGO_PKG_VERSION"),
                    "job_id": orphan.id,
                    "prompt": orphan.prompt,
                    "model": orphan.model,
                }),
                turn: None,
            })
    }
}

/// What collecting one job did.
#[derive(Debug, Clone, PartialEq)]
pub enum Collected {
    /// The interaction had finished: its images are saved and the job is done.
    Saved {
        /// The job.
        job: i64,
        /// The saved images.
        outputs: Vec<PathBuf>,
    },
    /// The interaction ended without an image (failed, cancelled, blocked): the job failed.
    Failed {
        /// The job.
        job: i64,
        /// Why.
        message: String,
    },
    /// Still running on the server: left for a later collection.
    Running {
        /// The job.
        job: i64,
    },
    /// The service no longer has the interaction: the job stays interrupted.
    Lost {
        /// The job.
        job: i64,
    },
}

impl Collected {
    /// The job this is about.
    pub fn job(&self) -> i64 {
        match self {
            Self::Saved { job, .. }
            | Self::Failed { job, .. }
            | Self::Running { job }
            | Self::Lost { job } => *job,
        }
    }
}

/// Collects one orphan from `client` (the service it was sent to): fetches its
/// interaction and, if it has ended, saves its images where the job meant to (each once),
/// records its session turn and finishes the job row with its real timings.
pub async fn collect_job(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    orphan: &Orphan,
    fallback_dir: &Path,
) -> Result<Collected, StudioError> {
    let (id, model, interaction) = (
        orphan.id,
        orphan.model.as_str(),
        orphan.interaction.as_str(),
    );
    let state = match client.get_interaction(interaction, model).await {
        Ok(state) => state,
        Err(e) if is_gone(&e) => {
            store.forget_interaction(id)?;
            let why = format!("the service no longer has interaction {interaction}");
            store.note_job_problem(id, LOST, &why)?;
            return Ok(Collected::Lost { job: id });
        }
        Err(e) => return Err(e.into()),
    };
    if !is_terminal(&state.status) {
        return Ok(Collected::Running { job: id });
    }
    let clock = Timings::of(orphan, state.updated.as_deref());
    let answer = client
        .finished_answer(&state, model)
        .map_err(StudioError::from)
        .and_then(|r| outcome::interpret(r).map_err(StudioError::from));
    let outcome = match answer {
        Ok(outcome) => outcome,
        Err(error) => {
            store.update_job(
                id,
                &JobUpdate::Failed {
                    kind: error.kind().into(),
                    message: error.to_string(),
                    elapsed_ms: clock.elapsed_ms,
                },
            )?;
            return Ok(Collected::Failed {
                job: id,
                message: error.to_string(),
            });
        }
    };
    let landing = Landing::of_orphan(orphan, fallback_dir);
    let asked = landing.sidecar["tier"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let served = pricing::served_tier(state.service_tier.as_deref(), asked);
    let size = landing.sidecar["size"].as_str().unwrap_or_default();
    let cost_usd = registry
        .resolve(model)
        .map(|spec| pricing::cost(spec, &outcome, size, Lane::Interactive, served))
        .unwrap_or(0.0);
    let simulated = client.answered_by_simulator();
    let priced = pricing::sidecar_fields(served, simulated);
    let timings = clock.json(orphan.attempts, interaction);
    let mut outputs = Vec::new();
    for (index, image) in outcome.images.iter().enumerate() {
        let saved = output::save_image_once(
            &landing.out_dir,
            &landing.stem,
            &image.mime,
            &image.bytes,
            Some(&orphan.prompt),
            output::ImageOf { job: id, index },
            |saved| {
                let answer = sidecar::answered(&outcome, cost_usd, saved, index);
                let answer = sidecar::merged(&answer, &priced);
                let more = json!({"interaction": interaction, "collected": true,
                    "thoughts": outcome.thoughts, "timings": timings});
                sidecar::merged(&sidecar::merged(&landing.sidecar, &answer), &more)
            },
        );
        match saved {
            Ok(saved) => outputs.push(saved),
            Err(e) => {
                let error = StudioError::from(e);
                // Still on the service: noted, and left for a later collection.
                store.note_job_problem(id, error.kind(), &error.to_string())?;
                return Err(error);
            }
        }
    }
    store.set_job_pricing(id, served.as_str(), simulated)?;
    if let Some(turn) = &landing.turn {
        record_turn(store, id, turn, &outcome, &outputs, interaction)?;
    }
    store.update_job(
        id,
        &JobUpdate::Done {
            outputs: outputs
                .iter()
                .map(|o| o.path.display().to_string())
                .collect(),
            cost_usd,
            response_id: Some(interaction.to_string()),
            elapsed_ms: clock.elapsed_ms,
        },
    )?;
    Ok(Collected::Saved {
        job: id,
        outputs: outputs.into_iter().map(|o| o.path).collect(),
    })
}

/// Adds a collected job's answer to its session, once (a turn already recorded for the
/// job is kept).
fn record_turn(
    store: &Store,
    job: i64,
    turn: &PendingTurn,
    outcome: &outcome::Outcome,
    outputs: &[output::SavedOutput],
    interaction: &str,
) -> Result<(), StudioError> {
    if store.turn_of_job(job)?.is_some() {
        return Ok(());
    }
    let blobs = Blobs::new(store.blob_dir());
    let model = outcome.model_turn.clone().unwrap_or_default();
    let model = session::store_content(&model, &outcome.images, &blobs)?;
    let paths: Vec<String> = outputs
        .iter()
        .map(|o| o.path.display().to_string())
        .collect();
    let number = store.insert_turn(&NewTurn {
        session: &turn.session,
        parent: turn.parent,
        instruction: &turn.instruction,
        user: &turn.user,
        model: &model,
        outputs: &paths,
        job_id: Some(job),
    })?;
    store.set_turn_interaction(&turn.session, number, interaction)?;
    Ok(())
}

/// A collected job's real times: sent when its row says, ended when the service says.
struct Timings {
    started_at: Option<String>,
    finished_at: String,
    elapsed_ms: u64,
}

impl Timings {
    fn of(orphan: &Orphan, ended: Option<&str>) -> Self {
        let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
        let finished = ended
            .and_then(parse)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(chrono::Utc::now);
        let started = orphan.started_at.as_deref().and_then(parse);
        let elapsed_ms = started
            .map(|s| {
                (finished - s.with_timezone(&chrono::Utc))
                    .num_milliseconds()
                    .max(0) as u64
            })
            .unwrap_or(0);
        Self {
            started_at: orphan.started_at.clone(),
            finished_at: finished.to_rfc3339(),
            elapsed_ms,
        }
    }

    fn json(&self, attempts: u32, interaction: &str) -> Value {
        json!({
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "elapsed_ms": self.elapsed_ms,
            "attempts": attempts.max(1),
            "interaction": interaction,
            "collected": true,
        })
    }
}

/// The error kind of a job whose interaction the service no longer has.
pub const LOST: &str = "lost";

/// True when the service says the interaction does not exist (expired, or another key).
fn is_gone(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::NotFound { .. }
            | ApiError::ModelNotFound { .. }
            | ApiError::Http { code: 404, .. }
    )
}

/// Collects every orphan of the store that was sent to the service `client` talks to
/// (`label`), each claimed while it is collected so two processes never save one job
/// twice; one still running is left for a later collection, and one sent elsewhere is
/// left for a `Collector` that can reach its service.
pub async fn collect_all(
    client: &GeminiClient,
    label: &BackendLabel,
    store: &Store,
    registry: &Registry,
    fallback_dir: &Path,
) -> Result<Vec<Collected>, StudioError> {
    let mut done = Vec::new();
    for orphan in store.orphans()? {
        if !serves(label, client, orphan.sent.as_ref()) {
            continue;
        }
        if let Some(collected) =
            collect_logged(client, store, registry, &orphan, fallback_dir).await
        {
            done.push(collected);
        }
    }
    Ok(done)
}

/// True when `client` (a connection to `label`) is the service a job sent with `sent`
/// went to. A job recorded before peel kept its service is asked of the configured
/// service, never of the embedded simulator (which would call it gone).
pub fn serves(label: &BackendLabel, client: &GeminiClient, sent: Option<&SentWith>) -> bool {
    let Some(sent) = sent else {
        return !label.is_simulator();
    };
    match sent.backend.as_str() {
        "simulator" => label.is_simulator(),
        "gemini" => {
            matches!(label, BackendLabel::Gemini { .. }) && client.base_url() == sent.base_url
        }
        other => label.as_str() == other,
    }
}

/// Claims `orphan`, collects it and gives the claim back; None when another process
/// claimed it first. An error (the service unreachable, a full disk) leaves it
/// collectable.
async fn claim_and_collect(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    orphan: &Orphan,
    fallback_dir: &Path,
) -> Result<Option<Collected>, StudioError> {
    if !store.claim_orphan(orphan)? {
        return Ok(None);
    }
    let collected = collect_job(client, store, registry, orphan, fallback_dir).await;
    // The job keeps its first owner: it was that process's work (and a face watching the
    // store shows it as another process's job).
    store.release_orphan(orphan)?;
    collected.map(Some)
}

/// Like `claim_and_collect`, logging an error (the job stays collectable).
async fn collect_logged(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    orphan: &Orphan,
    fallback_dir: &Path,
) -> Option<Collected> {
    match claim_and_collect(client, store, registry, orphan, fallback_dir).await {
        Ok(collected) => collected,
        Err(e) => {
            tracing::warn!("collecting job {} ({}): {e}", orphan.id, orphan.interaction);
            None
        }
    }
}

/// One line saying what a collection did, for the faces (None when nothing changed).
pub fn summary(collected: &[Collected]) -> Option<String> {
    let saved = collected
        .iter()
        .filter(|c| matches!(c, Collected::Saved { .. }))
        .count();
    let failed = collected
        .iter()
        .filter(|c| matches!(c, Collected::Failed { .. }))
        .count();
    if saved + failed == 0 {
        return None;
    }
    let mut text = format!(
        "collected {saved} job(s) a peel process that is gone had left running on the service"
    );
    if failed > 0 {
        text.push_str(&format!(" ({failed} had failed there)"));
    }
    Some(text)
}

#[cfg(test)]
mod tests;
