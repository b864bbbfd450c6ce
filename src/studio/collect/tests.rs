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
