//! Collecting against the in-process simulator.

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
    let sent = SentWith {
        backend: "gemini".into(),
        base_url: client.base_url().to_string(),
        transport: "interactions".into(),
    };
    store
        .record_interaction(job, interaction, &sent, "{}")
        .unwrap();
    assert!(store.orphans().unwrap().is_empty(), "its sender still runs");
    store.kill_owner_for_tests(job);
    let out = tempfile::tempdir().unwrap();

    let label = BackendLabel::Gemini {
        host: "127.0.0.1".into(),
    };
    let early = collect_all(&client, &label, &store, &registry, out.path())
        .await
        .unwrap();
    assert_eq!(early, vec![Collected::Running { job }]);
    let later = saved_within(&client, &label, &store, &registry, out.path()).await;
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

/// Collects until something is saved (the simulator's latency passes), at most 30 s.
async fn saved_within(
    client: &GeminiClient,
    label: &BackendLabel,
    store: &Store,
    registry: &Registry,
    out: &Path,
) -> Vec<Collected> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let round = collect_all(client, label, store, registry, out)
            .await
            .unwrap();
        if round.iter().any(|c| matches!(c, Collected::Saved { .. })) {
            return round;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never saved: {round:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_job_sent_to_another_service_is_left_for_it_not_forgotten() {
    let (registry, sim, client) =
        crate::studio::testkit::sim_and_client(SimConfig::default(), Transport::Interactions).await;
    let store = Store::in_memory().unwrap();
    let job = store
        .insert_job(&JobRecord {
            prompt: "elsewhere".into(),
            model: "gemini-3.1-flash-image".into(),
            aspect: None,
            size: None,
            seed: None,
            request_json: "{}".into(),
        })
        .unwrap();
    store
        .update_job(job, &JobUpdate::Started { attempt: 1 })
        .unwrap();
    let sent = SentWith {
        backend: "gemini".into(),
        base_url: "https://generativelanguage.googleapis.com".into(),
        transport: "interactions".into(),
    };
    store
        .record_interaction(job, "v1_on_the_real_service", &sent, "{}")
        .unwrap();
    store.kill_owner_for_tests(job);
    // This client talks to a simulator: it must not ask it (it would say "not found").
    let label = BackendLabel::Simulator {
        reason: crate::config::OfflineReason::NoKey,
    };
    let out = tempfile::tempdir().unwrap();
    let round = collect_all(&client, &label, &store, &registry, out.path())
        .await
        .unwrap();
    assert!(round.is_empty(), "{round:?}");
    let orphans = store.orphans().unwrap();
    assert_eq!(orphans.len(), 1, "still collectable by its own service");
    assert_eq!(orphans[0].interaction, "v1_on_the_real_service");
    assert_eq!(sim.stats().interactions_requests, 0, "nothing asked here");
    sim.shutdown().await;
}
