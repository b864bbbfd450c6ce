//! What the model shows while it thinks: each thought summary becomes a `Thinking` event,
//! its interim images written to a folder of this process (removed when it ends) so the
//! faces can draw them before the final image.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::events::{JobId, StudioEvent};
use crate::api::interactions_stream::Thought;

/// Where interim images go.
#[derive(Debug, Default)]
pub struct Thoughts {
    dir: OnceLock<Option<tempfile::TempDir>>,
    written: AtomicUsize,
    kept: Mutex<HashMap<JobId, Vec<PathBuf>>>,
}

impl Thoughts {
    /// The event for `thought` of job `id`; None when an interim image cannot be kept.
    pub fn event(&self, id: JobId, thought: Thought) -> Option<StudioEvent> {
        match thought {
            Thought::Text(_) => Some(StudioEvent::Thinking {
                id,
                headline: thought.headline(),
                image: None,
            }),
            Thought::Image { mime_type, data } => {
                let path = self.keep(id, &mime_type, &data)?;
                Some(StudioEvent::Thinking {
                    id,
                    headline: None,
                    image: Some(path),
                })
            }
        }
    }

    /// Removes a finished job's interim images (the final image has replaced them).
    pub fn forget(&self, id: JobId) {
        let paths = self.kept.lock().ok().and_then(|mut kept| kept.remove(&id));
        for path in paths.unwrap_or_default() {
            let _ = std::fs::remove_file(path);
        }
    }

    fn keep(&self, id: JobId, mime_type: &str, data: &[u8]) -> Option<PathBuf> {
        let dir = self
            .dir
            .get_or_init(|| {
                tempfile::Builder::new()
                    .prefix("peel-thoughts-")
                    .tempdir()
                    .ok()
            })
            .as_ref()?;
        let n = self.written.fetch_add(1, Ordering::Relaxed);
        let ext = crate::imaging::extension_for(mime_type);
        let path = dir.path().join(format!("job{id}-thought{n}.{ext}"));
        match crate::fsio::write_atomic(&path, data) {
            Ok(()) => {
                if let Ok(mut kept) = self.kept.lock() {
                    kept.entry(id).or_default().push(path.clone());
                }
                Some(path)
            }
            Err(e) => {
                tracing::warn!("keeping a thought image of job {id}: {}", e.message);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_and_interim_images_become_events() {
        let thoughts = Thoughts::default();
        let text = thoughts.event(3, Thought::Text("**Placing the fox**\nleft third".into()));
        assert_eq!(
            text,
            Some(StudioEvent::Thinking {
                id: 3,
                headline: Some("Placing the fox".into()),
                image: None
            })
        );
        let Some(StudioEvent::Thinking {
            image: Some(path), ..
        }) = thoughts.event(
            3,
            Thought::Image {
                mime_type: "image/jpeg".into(),
                data: vec![1, 2, 3],
            },
        )
        else {
            panic!("no image event");
        };
        assert_eq!(std::fs::read(&path).unwrap(), vec![1, 2, 3]);
        assert_eq!(path.extension().unwrap(), "jpg");
        thoughts.forget(4);
        assert!(path.exists(), "another job's images stay");
        thoughts.forget(3);
        assert!(!path.exists(), "a finished job's interim images go");
        let again = thoughts.event(
            5,
            Thought::Image {
                mime_type: "image/png".into(),
                data: vec![7],
            },
        );
        let Some(StudioEvent::Thinking {
            image: Some(kept), ..
        }) = again
        else {
            panic!("no image event");
        };
        drop(thoughts);
        assert!(!kept.exists(), "the folder goes with the engine");
    }
}

#[cfg(test)]
mod engine_tests {

    use std::sync::Arc;
    use std::time::Duration;

    use crate::config::{OfflineReason, Transport};

    use crate::sim;
    use crate::store::Store;
    use crate::studio::backend::BackendLabel;
    use crate::studio::{GenerateSpec, Studio, StudioEvent, spec};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_running_job_shows_its_thoughts_before_the_final_image() {
        thoughts_come_before_the_image("").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_foreground_job_streams_its_thoughts_too() {
        thoughts_come_before_the_image("no-background").await;
    }

    async fn thoughts_come_before_the_image(faults: &str) {
        let config = sim::SimConfig {
            latency: sim::Latency::Fixed(Duration::from_millis(800)),
            faults: sim::FaultSpec::parse(faults).unwrap(),
            ..sim::SimConfig::default()
        };
        let (registry, handle, client) =
            crate::studio::testkit::sim_and_client(config, Transport::Interactions).await;
        let out = tempfile::tempdir().unwrap();
        let spec = GenerateSpec {
            prompt: "a lighthouse on a cliff at dusk".into(),
            model: Some("gemini-3-pro-image".into()),
            size: Some("1K".into()),
            count: 1,
            out_dir: out.path().to_path_buf(),
            ..GenerateSpec::default()
        };
        let job = spec::prepare(&spec, &registry).unwrap().remove(0);
        let label = BackendLabel::Simulator {
            reason: OfflineReason::Forced,
        };
        let (studio, mut events) = Studio::new(
            client,
            Arc::new(registry),
            Store::in_memory().unwrap(),
            label,
            1,
        );
        studio.submit(job).unwrap();
        let mut headline_first = None;
        let mut interim = Vec::new();
        let final_image = loop {
            match events.recv().await.expect("the engine ended early") {
                StudioEvent::Thinking {
                    headline, image, ..
                } => {
                    if let Some(headline) = headline {
                        headline_first.get_or_insert((headline, interim.len()));
                    }
                    if let Some(path) = image {
                        let bytes = std::fs::read(&path).expect("interim image on disk");
                        assert!(image::load_from_memory(&bytes).is_ok(), "a real image");
                        interim.push(path);
                    }
                }
                StudioEvent::Done { outputs, .. } => break outputs[0].path.clone(),
                StudioEvent::Failed { error, .. } => panic!("{error}"),
                _ => {}
            }
        };
        let (headline, images_before) = headline_first.expect("a thought headline");
        assert!(!headline.is_empty());
        assert_eq!(
            images_before, 0,
            "the headline comes before any interim image"
        );
        assert!(!interim.is_empty(), "the Pro model shows an interim image");
        assert!(final_image.exists());
        assert!(
            interim.iter().all(|p| !p.starts_with(out.path())),
            "kept out of the output folder"
        );
        drop(studio);
        handle.shutdown().await;
    }
}
