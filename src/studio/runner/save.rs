//! Saving one answer: its images and sidecars (each once), its price, and its session turn.

use serde_json::json;

use super::{Finished, Studio};
use crate::api::outcome::Outcome;
use crate::models::{Lane, Tier};
use crate::store::NewTurn;
use crate::store::session_types::TurnId;
use crate::studio::error::StudioError;
use crate::studio::events::{JobId, Priced};
use crate::studio::output::{self, OutputNaming, SavedOutput};
use crate::studio::session;
use crate::studio::spec::{PreparedJob, SessionLink};
use crate::studio::{pricing, sidecar};

impl Studio {
    pub(super) fn save(
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
            priced: Priced {
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
}
