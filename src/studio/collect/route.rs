//! Asking each job's own service: a job records the backend, base URL and transport it was
//! sent with, and collection connects to exactly that (the Gemini API at its base URL with
//! the configured key, Vertex AI, or the embedded simulator, whose interactions live in the
//! data folder). Without the credentials for that service it says how many jobs wait there
//! and what to set, and never asks another service (which would answer "not found" for an
//! interaction that still exists).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Collected, claim_and_collect, collect_logged, serves, summary};
use crate::api::client::GeminiClient;
use crate::config::{BackendChoice, Settings};
use crate::models::Registry;
use crate::sim::SimHandle;
use crate::store::{SentWith, Store};
use crate::studio::StudioError;
use crate::studio::backend::{self, BackendLabel};

/// Jobs waiting on a service this process has no credentials for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The service, as said to the user ("the Gemini API (host)").
    pub service: String,
    /// What to set to reach it.
    pub set: String,
    /// How many jobs wait there.
    pub jobs: usize,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} job(s) wait on {}: set {} to collect them",
            self.jobs, self.service, self.set
        )
    }
}

/// What one round of collection did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectReport {
    /// Each orphan asked about.
    pub collected: Vec<Collected>,
    /// Services that could not be asked, with how many jobs wait on each.
    pub unreachable: Vec<Unreachable>,
}

impl CollectReport {
    /// Lines for the faces: what was collected, and what waits on a service out of reach.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = summary(&self.collected).into_iter().collect();
        lines.extend(self.unreachable.iter().map(ToString::to_string));
        lines
    }

    /// Jobs still running on their service.
    pub fn running(&self) -> usize {
        self.collected
            .iter()
            .filter(|c| matches!(c, Collected::Running { .. }))
            .count()
    }
}

/// What asking the service about one interrupted job found.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovery {
    /// Asked: saved, failed there, still running, or gone from the service.
    Asked(Collected),
    /// The job never got an interaction id: the service cannot be asked about it.
    NeverCreated,
    /// Another live process owns it (it is being sent or collected there).
    Busy,
    /// Its service cannot be reached from here (no credentials).
    Unreachable(Unreachable),
    /// Another process already sent it again.
    AlreadyResent,
    /// The service answered but the images could not be saved (it stays collectable).
    NotSaved(String),
}

impl Recovery {
    /// True when the caller (alone) should send the job again: the service said it failed
    /// or is gone, or it never got an interaction.
    pub fn send_again(&self) -> bool {
        matches!(
            self,
            Recovery::Asked(Collected::Failed { .. } | Collected::Lost { .. })
                | Recovery::NeverCreated
        )
    }
}

/// A connection this collector opened, kept between rounds.
enum Opened {
    Client(GeminiClient),
    Embedded(GeminiClient, SimHandle),
    Missing(Unreachable),
}

/// Collects orphans, each from the service it was sent to; keeps the connections it opens
/// (an embedded simulator among them) until `shutdown`.
pub struct Collector {
    settings: Settings,
    registry: Arc<Registry>,
    store: Store,
    fallback: PathBuf,
    current: Option<(GeminiClient, BackendLabel)>,
    opened: HashMap<(String, String), Opened>,
}

impl Collector {
    /// A collector for `store`; `current` is the caller's own connection, reused for the
    /// jobs sent the same way.
    pub fn new(
        settings: &Settings,
        registry: Arc<Registry>,
        store: Store,
        current: Option<(GeminiClient, BackendLabel)>,
    ) -> Self {
        Self {
            fallback: settings.output_dir(None),
            settings: settings.clone(),
            registry,
            store,
            current,
            opened: HashMap::new(),
        }
    }

    /// One round: every orphan of the store is claimed and asked about on its own service.
    pub async fn collect_all(&mut self) -> Result<CollectReport, StudioError> {
        let mut report = CollectReport::default();
        let mut missing: Vec<Unreachable> = Vec::new();
        for orphan in self.store.orphans()? {
            let client = match self.client_for(orphan.sent.as_ref()).await {
                Ok(client) => client,
                Err(mut unreachable) => {
                    match missing
                        .iter_mut()
                        .find(|m| m.service == unreachable.service)
                    {
                        Some(m) => m.jobs += 1,
                        None => {
                            unreachable.jobs = 1;
                            missing.push(unreachable);
                        }
                    }
                    continue;
                }
            };
            let collected = collect_logged(
                &client,
                &self.store,
                &self.registry,
                &orphan,
                &self.fallback,
            )
            .await;
            report.collected.extend(collected);
        }
        report.unreachable = missing;
        Ok(report)
    }

    /// Asks the service about one interrupted job (the `r` key, `peel wait`): collects it
    /// if the service has it; says which of the other cases it is.
    pub async fn recover(&mut self, job: i64) -> Result<Recovery, StudioError> {
        let recovery = self.ask(job).await?;
        // Sending again is decided once across every process sharing the store.
        if recovery.send_again() && !self.store.take_for_resend(job)? {
            return Ok(Recovery::AlreadyResent);
        }
        Ok(recovery)
    }

    /// Asks the service about one job without ever sending it again (`peel wait`, a
    /// detached process): collects it if the service has it.
    pub async fn ask(&mut self, job: i64) -> Result<Recovery, StudioError> {
        let Some(orphan) = self.store.orphan(job)? else {
            // Ended meanwhile (collected by another process), or never named an interaction.
            return Ok(match self.store.job(job)? {
                Some(row) if row.state == "done" => Recovery::Asked(Collected::Saved {
                    job,
                    outputs: row.outputs.iter().map(PathBuf::from).collect(),
                }),
                Some(row) if row.error_kind.as_deref() == Some("resent") => Recovery::AlreadyResent,
                Some(row) if row.error_kind.as_deref() == Some(super::LOST) => {
                    Recovery::Asked(Collected::Lost { job })
                }
                Some(row) if row.state == "failed" => Recovery::Asked(Collected::Failed {
                    job,
                    message: row.error_message.unwrap_or_default(),
                }),
                Some(row) if row.state == "cancelled" => Recovery::Asked(Collected::Lost { job }),
                Some(row) if row.owner.is_some_and(|o| o.is_alive() && !o.is_me()) => {
                    Recovery::Busy
                }
                _ => Recovery::NeverCreated,
            });
        };
        if orphan.owner().is_some_and(|o| o.is_alive() && !o.is_me()) {
            return Ok(Recovery::Busy);
        }
        let client = match self.client_for(orphan.sent.as_ref()).await {
            Ok(client) => client,
            Err(mut unreachable) => {
                unreachable.jobs = 1;
                return Ok(Recovery::Unreachable(unreachable));
            }
        };
        let collected = claim_and_collect(
            &client,
            &self.store,
            &self.registry,
            &orphan,
            &self.fallback,
        )
        .await;
        Ok(match collected {
            Ok(Some(collected)) => Recovery::Asked(collected),
            Ok(None) => Recovery::Busy,
            Err(e) => Recovery::NotSaved(e.to_string()),
        })
    }

    /// The client for jobs sent with `sent`, or what is missing to reach that service.
    async fn client_for(&mut self, sent: Option<&SentWith>) -> Result<GeminiClient, Unreachable> {
        let (backend, base_url) = match sent {
            Some(s) => (s.backend.as_str(), s.base_url.as_str()),
            None => ("", ""),
        };
        if let Some((client, label)) = &self.current
            && serves(label, client, sent)
        {
            return Ok(client.clone());
        }
        let key = (backend.to_string(), base_url.to_string());
        if !self.opened.contains_key(&key) {
            let opened = self.open(backend, base_url).await;
            self.opened.insert(key.clone(), opened);
        }
        match self.opened.get(&key) {
            Some(Opened::Client(client) | Opened::Embedded(client, _)) => Ok(client.clone()),
            Some(Opened::Missing(missing)) => Err(missing.clone()),
            None => Err(unreachable(backend, base_url)),
        }
    }

    async fn open(&self, backend: &str, base_url: &str) -> Opened {
        let settings = &self.settings;
        let failed = |e: StudioError| {
            tracing::warn!("connecting to collect jobs sent to {backend} ({base_url}): {e}");
            Opened::Missing(unreachable(backend, base_url))
        };
        match backend {
            "simulator" => match backend::embedded(settings, &self.registry).await {
                Ok((client, handle)) => Opened::Embedded(client, handle),
                Err(e) => failed(e),
            },
            "gemini" => match backend::gemini_client_for(settings, base_url) {
                Ok(Some(client)) => Opened::Client(client),
                Ok(None) => Opened::Missing(unreachable(backend, base_url)),
                Err(e) => failed(e),
            },
            "vertex" if matches!(settings.backend, BackendChoice::Vertex(_)) => {
                match backend::connect(settings, &self.registry).await {
                    Ok(conn) => Opened::Client(conn.client),
                    Err(e) => failed(e),
                }
            }
            "" if matches!(settings.backend, BackendChoice::EmbeddedSimulator { .. }) => {
                Opened::Missing(unreachable("gemini", crate::config::DEFAULT_BASE_URL))
            }
            "" => match backend::connect(settings, &self.registry).await {
                Ok(conn) => match conn.simulator {
                    Some(handle) => Opened::Embedded(conn.client, handle),
                    None => Opened::Client(conn.client),
                },
                Err(e) => failed(e),
            },
            _ => Opened::Missing(unreachable(backend, base_url)),
        }
    }

    /// Stops the simulators this collector started.
    pub async fn shutdown(self) {
        for (_, opened) in self.opened {
            if let Opened::Embedded(_, handle) = opened {
                handle.shutdown().await;
            }
        }
    }
}

/// What is missing to reach `backend` at `base_url`.
fn unreachable(backend: &str, base_url: &str) -> Unreachable {
    let (service, set) = match backend {
        "gemini" => (
            format!("the Gemini API ({})", backend::host(base_url)),
            "GEMINI_API_KEY (or GOOGLE_API_KEY)",
        ),
        "vertex" => (
            "Vertex AI".to_string(),
            "GOOGLE_GENAI_USE_VERTEXAI=true and GOOGLE_CLOUD_PROJECT (or pass --backend vertex)",
        ),
        "openai" => (
            format!(
                "the OpenAI-compatible gateway ({})",
                backend::host(base_url)
            ),
            "`api_key` and `base_url` under [openai] in the config",
        ),
        "simulator" => (
            "the embedded simulator".to_string(),
            "a writable data folder (PEEL_DATA_DIR)",
        ),
        _ => (
            "the configured service".to_string(),
            "GEMINI_API_KEY (or GOOGLE_API_KEY)",
        ),
    };
    Unreachable {
        service,
        set: set.to_string(),
        jobs: 0,
    }
}

/// Collects the store's orphans, each from its own service (connections made only when
/// there are orphans); images without a recorded landing go to the output folder.
pub async fn collect_orphans(
    settings: &Settings,
    registry: &Registry,
    store: &Store,
) -> Result<CollectReport, StudioError> {
    if store.orphans()?.is_empty() {
        return Ok(CollectReport::default());
    }
    let mut collector = Collector::new(settings, Arc::new(registry.clone()), store.clone(), None);
    let report = collector.collect_all().await;
    collector.shutdown().await;
    report
}
