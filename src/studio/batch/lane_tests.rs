//! The interactive lane as an engine API, against the in-process simulator.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::file::{Format, parse};
use super::interactive::{self, BatchEvent, InteractiveLane, LaneOptions};
use super::queue::create_run;
use super::tests::validate_plain;
use crate::config::{DefaultsSection, OfflineReason};
use crate::sim;
use crate::store::Store;
use crate::studio::StudioEvent;
use crate::studio::backend::BackendLabel;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_reach_the_jobs_channel_and_the_budget_holds() {
    let config = sim::SimConfig {
        latency: sim::Latency::Fixed(Duration::ZERO),
        ..sim::SimConfig::default()
    };
    let (registry, handle, client) =
        crate::studio::testkit::sim_and_client(config, crate::config::Transport::default()).await;
    let out = tempfile::tempdir().unwrap();
    let text = "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n[[item]]\nprompt = \"a\"\n[[item]]\nprompt = \"b\"\n[[item]]\nprompt = \"c\"\n[[item]]\nprompt = \"d\"\n";
    let raw = parse(Path::new("b.toml"), text, Format::Toml).unwrap();
    let batch = validate_plain(raw, &registry, &DefaultsSection::default()).unwrap();
    let store = Store::in_memory().unwrap();
    let (run, dir) =
        create_run(&store, &batch, out.path(), "interactive", "running", None).unwrap();
    let (forward, mut jobs) = mpsc::unbounded_channel();
    let lane = InteractiveLane {
        client,
        registry: Arc::new(registry),
        store: store.clone(),
        label: BackendLabel::Simulator {
            reason: OfflineReason::Forced,
        },
        forward: Some(forward),
    };
    let options = LaneOptions {
        tier: None,
        fallback: None,
        concurrency: 2,
        rpm: 6000,
        budget: Some(0.1),
    };
    let mut seen = Vec::new();
    let summary = interactive::run(&lane, run, options, CancellationToken::new(), |e| {
        seen.push(e)
    })
    .await
    .unwrap();
    // 512 images cost $0.045 each at list price: two fit in $0.10, a third would not.
    assert_eq!((summary.done, summary.pending), (2, 2));
    assert_eq!(summary.stop_reason.as_deref(), Some("budget"));
    assert!(
        seen.iter()
            .any(|e| matches!(e, BatchEvent::BudgetReached { .. }))
    );
    let mut queued = 0;
    let mut done = 0;
    while let Ok(event) = jobs.try_recv() {
        match event {
            StudioEvent::Queued(_) => queued += 1,
            StudioEvent::Done { .. } => done += 1,
            _ => {}
        }
    }
    assert_eq!(
        (queued, done),
        (2, 2),
        "the Jobs pane sees every started item"
    );
    let options = LaneOptions {
        budget: None,
        ..options
    };
    let summary = interactive::run(&lane, run, options, CancellationToken::new(), |_| {})
        .await
        .unwrap();
    assert_eq!((summary.done, summary.state.as_str()), (4, "done"));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        10,
        "4 images, 4 sidecars, manifest and its lock file"
    );
    handle.shutdown().await;
}
