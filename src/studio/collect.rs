//! Collecting background interactions whose peel process went away: the job row holds the
//! interaction id (stored before waiting), so any later peel process can fetch the answer
//! and finish the job — saved, neither marked interrupted nor sent again.
//!
//! Only call this for jobs whose owner is gone (the store's owner/lease check decides);
//! a job still being waited on by a live process must be left to it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::StudioError;
use super::runner::OutputNaming;
use super::spec::PreparedJob;
use super::{JobId, backend, output, pricing, sidecar};
use crate::api::client::GeminiClient;
use crate::api::error::ApiError;
use crate::api::interactions::is_terminal;
use crate::api::outcome;
use crate::config::Settings;
use crate::models::{Lane, Registry};
use crate::store::{JobUpdate, Orphan, Store};

/// Where a job's images go, recorded with the job before it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landing {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The file stem (the prompt's slug, or a batch item's `NNN_<key>`).
    pub stem: String,
    /// The sidecar fields known before sending.
    pub sidecar: Value,
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
        }
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

/// Collects one orphan: fetches its interaction and, if it has ended, saves its images
/// where the job meant to and finishes the job row.
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
            return Ok(Collected::Lost { job: id });
        }
        Err(e) => return Err(e.into()),
    };
    if !is_terminal(&state.status) {
        return Ok(Collected::Running { job: id });
    }
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
                    elapsed_ms: 0,
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
    let mut outputs = Vec::new();
    for (index, image) in outcome.images.iter().enumerate() {
        let saved = output::save_image(
            &landing.out_dir,
            &landing.stem,
            &image.mime,
            &image.bytes,
            Some(&orphan.prompt),
            |saved| {
                let answer = sidecar::answered(&outcome, cost_usd, saved, index);
                let answer = sidecar::merged(&answer, &priced);
                let more = json!({"interaction": interaction, "collected": true});
                sidecar::merged(&sidecar::merged(&landing.sidecar, &answer), &more)
            },
        )?;
        outputs.push(saved.path);
    }
    store.set_job_pricing(id, served.as_str(), simulated)?;
    store.update_job(
        id,
        &JobUpdate::Done {
            outputs: outputs.iter().map(|p| p.display().to_string()).collect(),
            cost_usd,
            response_id: Some(interaction.to_string()),
            elapsed_ms: 0,
        },
    )?;
    Ok(Collected::Saved { job: id, outputs })
}

/// True when the service says the interaction does not exist (expired, another key, or a
/// simulator that went away with its process).
fn is_gone(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::NotFound { .. }
            | ApiError::ModelNotFound { .. }
            | ApiError::Http { code: 404, .. }
    )
}

/// Collects every orphan of the store (jobs whose process died while their background
/// interaction ran), each claimed while it is collected so two processes never save one
/// job twice; one still running is left for a later collection.
pub async fn collect_all(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    fallback_dir: &Path,
) -> Result<Vec<Collected>, StudioError> {
    let mut done = Vec::new();
    for orphan in store.orphans()? {
        if !store.claim_orphan(&orphan)? {
            continue;
        }
        let collected = collect_job(client, store, registry, &orphan, fallback_dir).await;
        // The job keeps its first owner: it was that process's work (and a face watching the
        // store shows it as another process's job).
        store.release_orphan(&orphan)?;
        match collected {
            Ok(collected) => done.push(collected),
            Err(e) => tracing::warn!("collecting job {} ({}): {e}", orphan.id, orphan.interaction),
        }
    }
    Ok(done)
}

/// Collects the store's orphans over a connection to the configured backend (made only
/// when there are orphans); images without a recorded landing go to the output folder.
pub async fn collect_orphans(
    settings: &Settings,
    registry: &Registry,
    store: &Store,
) -> Result<Vec<Collected>, StudioError> {
    if store.orphans()?.is_empty() {
        return Ok(Vec::new());
    }
    let conn = backend::connect(settings, registry).await?;
    let fallback = settings.output_dir(None);
    let collected = collect_all(&conn.client, store, registry, &fallback).await;
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    collected
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
mod tests {

    use std::time::Duration;

    use super::*;

    use crate::config::Transport;
    use crate::sim::{Latency, SimConfig};
    use crate::store::JobRecord;

    #[tokio::test]
    async fn a_job_left_waiting_on_a_background_interaction_is_saved_not_resent() {
        let config = SimConfig {
            latency: Latency::Fixed(Duration::from_millis(300)),
            ..SimConfig::default()
        };
        let (registry, sim, client) =
            crate::studio::testkit::sim_and_client(config, Transport::Interactions).await;
        let store = Store::in_memory().unwrap();
        let model = "gemini-3.1-flash-image";
        let job = store
            .insert_job(&JobRecord {
                prompt: "a fox at dawn".into(),
                model: model.into(),
                aspect: None,
                size: Some("512".into()),
                seed: None,
                request_json: "{}".into(),
            })
            .unwrap();
        store
            .update_job(job, &JobUpdate::Started { attempt: 1 })
            .unwrap();
        // The process that sent it recorded the id, then died before the answer came.
        let started: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/v1beta/interactions", sim.base_url()))
            .header("x-goog-api-key", "k")
            .json(
                &json!({"model": model, "input": "a fox at dawn", "background": true,
                "response_format": {"type": "image", "image_size": "512"}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let interaction = started["id"].as_str().unwrap();
        store.set_job_interaction(job, interaction).unwrap();
        assert!(store.orphans().unwrap().is_empty(), "its sender still runs");
        store.kill_owner_for_tests(job);
        let out = tempfile::tempdir().unwrap();

        let early = collect_all(&client, &store, &registry, out.path())
            .await
            .unwrap();
        assert_eq!(early, vec![Collected::Running { job }]);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let later = collect_all(&client, &store, &registry, out.path())
            .await
            .unwrap();
        let [Collected::Saved { outputs, .. }] = later.as_slice() else {
            panic!("{later:?}");
        };
        assert_eq!(outputs.len(), 1);
        assert!(outputs[0].exists() && outputs[0].extension().unwrap() == "jpg");
        let row = store.job(job).unwrap().unwrap();
        assert_eq!(row.state, "done");
        assert_eq!(row.attempts, 1, "collected, not sent again");
        assert!(store.orphans().unwrap().is_empty());
        sim.shutdown().await;
    }
}
