//! Which service a client speaks to (and what a gateway needs: model names, pixel sizes),
//! and what each can do: faces read `Capabilities` to disable a feature with a one-line
//! reason, and the engine refuses unsupported requests before sending them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::vertex::VertexTarget;
use crate::config::BackendKind;
use crate::error::ValidationError;
use crate::models::Registry;

/// The service behind a client, with what it needs beyond the base URL and key.
#[derive(Clone)]
pub enum Backend {
    /// The Gemini API (or the simulator): `{base}/{version}/models/{model}:…`, key in `x-goog-api-key`.
    Gemini,
    /// Vertex AI: publisher-model paths with a bearer token, or express mode with a key.
    Vertex(Arc<VertexTarget>),
    /// An OpenAI-compatible gateway: `/v1/images/generations` and `/v1/images/edits`.
    OpenAi(Arc<OpenAiTarget>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Gemini => f.write_str("Gemini"),
            Self::Vertex(t) => f.debug_tuple("Vertex").field(t).finish(),
            Self::OpenAi(t) => f.debug_tuple("OpenAi").field(t).finish(),
        }
    }
}

impl Backend {
    /// Which kind of service this is.
    pub fn kind(&self) -> BackendKind {
        match self {
            Self::Gemini => BackendKind::Gemini,
            Self::Vertex(_) => BackendKind::Vertex,
            Self::OpenAi(_) => BackendKind::OpenAi,
        }
    }

    /// What this service can do.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities::of(self.kind())
    }
}

/// Gateway specifics: model names and the registry used to turn ratios into pixel sizes.
#[derive(Clone)]
pub struct OpenAiTarget {
    /// The model registry (pixel sizes per ratio and size).
    pub registry: Arc<Registry>,
    /// peel model id → the gateway's model name.
    pub models: BTreeMap<String, String>,
}

impl std::fmt::Debug for OpenAiTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiTarget")
            .field("models", &self.models)
            .finish_non_exhaustive()
    }
}

/// A feature some backends lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Multi-turn edit sessions (history with thought signatures).
    Sessions,
    /// Choosing a thinking level.
    Thinking,
    /// Google Search grounding.
    Grounding,
    /// The Batch API lane (`peel batch submit` on the Gemini API).
    BatchApi,
    /// Vertex AI batch prediction (`peel --backend vertex batch submit`).
    VertexBatch,
    /// The Files API (large reference images uploaded once).
    FilesApi,
    /// `imageConfig.personGeneration`.
    PersonGeneration,
    /// Per-category safety thresholds.
    SafetySettings,
    /// Service tiers other than standard (`flex`, `priority`).
    ServiceTiers,
}

/// What one backend supports; a face disables the rest with `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// The backend these describe.
    pub backend: BackendKind,
    /// Multi-turn sessions (`peel edit SESSION`).
    pub supports_sessions: bool,
    /// Thinking levels.
    pub supports_thinking: bool,
    /// Google Search grounding.
    pub supports_grounding: bool,
    /// The Batch API lane.
    pub supports_batch_api: bool,
    /// Vertex AI batch prediction.
    pub supports_vertex_batch: bool,
    /// The Files API.
    pub supports_files_api: bool,
    /// `--person-generation` (Vertex AI only).
    pub supports_person_generation: bool,
    /// Safety settings.
    pub supports_safety_settings: bool,
    /// Service tiers other than standard.
    pub supports_service_tiers: bool,
}

impl Capabilities {
    /// The capabilities of a kind of backend.
    pub fn of(backend: BackendKind) -> Self {
        let google = backend != BackendKind::OpenAi;
        Self {
            backend,
            supports_sessions: google,
            supports_thinking: google,
            supports_grounding: google,
            supports_batch_api: backend == BackendKind::Gemini,
            supports_vertex_batch: backend == BackendKind::Vertex,
            supports_files_api: backend == BackendKind::Gemini,
            supports_person_generation: backend == BackendKind::Vertex,
            supports_safety_settings: google,
            supports_service_tiers: google,
        }
    }

    /// Whether `feature` is available.
    pub fn supports(&self, feature: Feature) -> bool {
        match feature {
            Feature::Sessions => self.supports_sessions,
            Feature::Thinking => self.supports_thinking,
            Feature::Grounding => self.supports_grounding,
            Feature::BatchApi => self.supports_batch_api,
            Feature::VertexBatch => self.supports_vertex_batch,
            Feature::FilesApi => self.supports_files_api,
            Feature::PersonGeneration => self.supports_person_generation,
            Feature::SafetySettings => self.supports_safety_settings,
            Feature::ServiceTiers => self.supports_service_tiers,
        }
    }

    /// One line saying why `feature` is unavailable and what to do; `None` when it is available.
    pub fn reason(&self, feature: Feature) -> Option<&'static str> {
        if self.supports(feature) {
            return None;
        }
        let gateway = self.backend == BackendKind::OpenAi;
        Some(match feature {
            Feature::Sessions => {
                "multi-turn sessions need the Gemini API or Vertex AI: the OpenAI-compatible gateway does text-to-image and single-step edits only (edit an image file instead: `peel edit IMAGE \"...\"`)"
            }
            Feature::Thinking => {
                "thinking levels need the Gemini API or Vertex AI: the OpenAI-compatible gateway has no thinking setting"
            }
            Feature::Grounding => {
                "Search grounding needs the Gemini API or Vertex AI: the OpenAI-compatible gateway has no grounding"
            }
            Feature::BatchApi if gateway => {
                "the Batch API lane is Gemini-API-only: run the batch on the interactive lane instead (`peel batch run FILE`)"
            }
            Feature::BatchApi => {
                "the Batch API lane is Gemini-API-only: on Vertex AI, batches run through Vertex AI batch prediction (`peel --backend vertex batch submit FILE --bucket gs://BUCKET/PREFIX`), or on the interactive lane (`peel batch run FILE`)"
            }
            Feature::VertexBatch => {
                "Vertex AI batch prediction needs the Vertex AI backend (`--backend vertex` with a project): on the Gemini API, `peel batch submit FILE` uses the Batch API"
            }
            Feature::FilesApi => {
                "the Files API is Gemini-API-only: images travel inline in the request instead"
            }
            Feature::PersonGeneration if gateway => {
                "--person-generation is a Vertex AI option: the OpenAI-compatible gateway does not take it; drop the flag"
            }
            Feature::PersonGeneration => {
                "--person-generation is a Vertex AI option that the Gemini API refuses: drop the flag, or use --backend vertex"
            }
            Feature::SafetySettings => {
                "safety settings need the Gemini API or Vertex AI: the OpenAI-compatible gateway does not take them"
            }
            Feature::ServiceTiers => {
                "service tiers (flex, priority) need the Gemini API or Vertex AI: the OpenAI-compatible gateway takes only standard; drop --tier or use --tier standard"
            }
        })
    }

    /// `Ok` when `feature` is available, otherwise the refusal to show before sending.
    pub fn require(&self, feature: Feature) -> Result<(), ValidationError> {
        match self.reason(feature) {
            None => Ok(()),
            Some(reason) => Err(ValidationError::Invalid(reason.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_says_what_it_lacks() {
        let gemini = Capabilities::of(BackendKind::Gemini);
        assert!(gemini.supports_batch_api && gemini.supports_files_api);
        assert!(
            gemini
                .reason(Feature::PersonGeneration)
                .unwrap()
                .contains("--backend vertex")
        );
        let vertex = Capabilities::of(BackendKind::Vertex);
        assert!(vertex.supports_sessions && vertex.supports_person_generation);
        let batch = vertex.require(Feature::BatchApi).unwrap_err().to_string();
        assert!(batch.contains("Gemini-API-only") && batch.contains("peel batch run"));
        assert!(batch.contains("--backend vertex batch submit"), "{batch}");
        assert!(vertex.supports(Feature::VertexBatch));
        assert!(
            gemini
                .reason(Feature::VertexBatch)
                .unwrap()
                .contains("--backend vertex")
        );
        assert!(vertex.reason(Feature::FilesApi).is_some());
        let openai = Capabilities::of(BackendKind::OpenAi);
        for feature in [
            Feature::Sessions,
            Feature::Thinking,
            Feature::Grounding,
            Feature::BatchApi,
            Feature::VertexBatch,
            Feature::PersonGeneration,
            Feature::ServiceTiers,
        ] {
            let reason = openai.reason(feature).unwrap();
            assert!(!reason.contains('\n'), "one line: {reason}");
        }
    }
}
