//! Collecting background interactions whose peel process went away: the job row holds the
//! interaction id (stored before waiting), so any later peel process can fetch the answer
//! and finish the job — saved, neither marked interrupted nor sent again.
//!
//! Only call this for jobs whose owner is gone (the store's owner/lease check decides);
//! a job still being waited on by a live process must be left to it.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::error::StudioError;
use super::output;
use crate::api::client::GeminiClient;
use crate::api::interactions::is_terminal;
use crate::api::outcome;
use crate::models::{Lane, Registry};
use crate::store::{JobUpdate, Store};

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
}

/// Collects one job that was waiting on `interaction`: fetches it and, if it has ended,
/// saves its images into `out_dir` and finishes the job row.
pub async fn collect_job(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    job: (i64, &str, &str, &str),
    out_dir: &Path,
) -> Result<Collected, StudioError> {
    let (id, model, prompt, interaction) = job;
    let state = client.get_interaction(interaction, model).await?;
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
    let cost_usd = registry
        .resolve(model)
        .map(|spec| spec.cost_from_usage(&outcome.usage, Lane::Interactive))
        .unwrap_or(0.0);
    let stem = output::slug(prompt);
    let mut outputs = Vec::new();
    for image in &outcome.images {
        let saved = output::save_image(
            out_dir,
            &stem,
            &image.mime,
            &image.bytes,
            Some(prompt),
            |saved| {
                json!({
                    "peel_version": env!("CARGO_PKG_VERSION"),
                    "job_id": id,
                    "prompt": prompt,
                    "model": model,
                    "interaction": interaction,
                    "collected": true,
                    "usage": outcome.usage_metadata,
                    "image": {"width": saved.width, "height": saved.height, "mime": saved.mime},
                })
            },
        )?;
        outputs.push(saved.path);
    }
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

/// Collects every unfinished job that has a background interaction (see the module docs
/// for when this may be called).
pub async fn collect_all(
    client: &GeminiClient,
    store: &Store,
    registry: &Registry,
    out_dir: &Path,
) -> Result<Vec<Collected>, StudioError> {
    let mut done = Vec::new();
    for (id, model, prompt, interaction) in store.jobs_with_interactions()? {
        let job = (id, model.as_str(), prompt.as_str(), interaction.as_str());
        match collect_job(client, store, registry, job, out_dir).await {
            Ok(collected) => done.push(collected),
            Err(e) => tracing::warn!("collecting job {id} ({interaction}): {e}"),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use super::*;
    use crate::api::client::{ClientOptions, RetryPolicy};
    use crate::config::{Secret, Transport};
    use crate::sim::{Latency, SimConfig};
    use crate::store::JobRecord;

    #[tokio::test]
    async fn a_job_left_waiting_on_a_background_interaction_is_saved_not_resent() {
        let registry = Registry::shipped().unwrap();
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let config = SimConfig {
            latency: Latency::Fixed(Duration::from_millis(300)),
            ..SimConfig::default()
        };
        let sim = crate::sim::start(config, registry.clone(), addr)
            .await
            .unwrap();
        let client = GeminiClient::new(ClientOptions {
            base_url: sim.base_url(),
            api_version: "v1beta".into(),
            key: Secret::new("k"),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            quota_project: None,
            transport: Transport::Interactions,
        })
        .unwrap();
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
        assert!(store.jobs_with_interactions().unwrap().is_empty());
        sim.shutdown().await;
    }
}
