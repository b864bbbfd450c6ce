//! Interactions kept in a folder (the embedded simulator's, under peel's data folder), so
//! they outlive the process that ran them, as the real service's do: a later peel process
//! reads a finished one back (a session continues, a job is collected), and takes over one
//! whose simulator died mid-run, running it to its end. One JSON file per interaction,
//! written whole (temp file, rename); the running process is recorded in it so two
//! simulators never run one interaction at once.

use std::sync::Arc;

use serde_json::{Value, json};

use super::keep::{Saved, SavedTurn};
use super::run::{Finish, Turn};
use super::store::Record;
use crate::sim::SimState;
use crate::sim::errors::SimError;
use crate::sim::generate::Dialect;
use crate::sim::pipeline::{Job, admit};
use crate::store::owner::Owner;

/// Makes `id` known to this simulator if another one kept it: a finished interaction is
/// read back; one whose simulator died mid-run is taken over and run to its end here; one
/// still running elsewhere is read afresh on every look.
pub fn load_into(state: &Arc<SimState>, id: &str) {
    let Some(keep) = &state.keep else {
        return;
    };
    let known = state
        .interactions
        .with(|map| map.get(id).is_some_and(|r| !r.foreign))
        .unwrap_or(false);
    if known {
        return;
    }
    let Some(saved) = keep.load(id) else {
        return;
    };
    let owner = saved.owner_pid.map(|pid| Owner {
        pid,
        started: saved.owner_start.unwrap_or(0),
    });
    let turn = saved.turn.clone();
    let mut record = record_of(saved);
    match turn {
        None => {}
        Some(_) if owner.is_some_and(|o| o.is_alive() && !o.is_me()) => record.foreign = true,
        Some(turn) => {
            // Its simulator is gone: run it here, from the start.
            let id = record.id.clone();
            keep.save(&record, Some(&turn));
            state.interactions.replace(record);
            adopt(state, &id, &turn);
            return;
        }
    }
    state.interactions.replace(record);
}

/// Runs a taken-over turn to its end, as its first simulator would have: admitted again
/// (the model, the plan, the tier) and driven.
fn adopt(state: &Arc<SimState>, id: &str, saved: &SavedTurn) {
    let model = state
        .interactions
        .update(id, |r| r.model.clone())
        .unwrap_or_default();
    let Ok(body) = serde_json::to_vec(&saved.body) else {
        super::run::fail(state, id, &SimError::internal());
        return;
    };
    let (state, id, version, summaries) = (
        state.clone(),
        id.to_string(),
        saved.version.clone(),
        saved.summaries,
    );
    tracing::info!("simulator: taking over interaction {id}, whose simulator is gone");
    tokio::spawn(async move {
        let job = Job {
            dialect: &Dialect::Gemini,
            version: &version,
            model: &model,
            method: "createInteraction",
            image_count: None,
            deadline: None,
            interactions: true,
        };
        match admit(&state, &job, &body, Some(super::run::OUTPUT_MIME)).await {
            Ok(admitted) => super::spawn_drive(
                &state,
                Turn {
                    id,
                    admitted,
                    summaries,
                },
            ),
            Err(e) => super::run::fail(&state, &id, &e),
        }
    });
}

fn record_of(saved: Saved) -> Record {
    let mut record = Record::new(&saved.model, saved.previous, saved.input);
    record.id = saved.id;
    record.status = saved.status;
    record.created = saved.created;
    record.updated = saved.updated;
    record.steps = saved.steps;
    record.usage = saved.usage;
    record.errors = saved.errors;
    record.background = saved.background;
    if record.is_terminal() {
        for event in replay_events(&record) {
            record.push(event);
        }
        // Finished when it was kept: its own end time stays.
        let updated = record.updated.clone();
        record.finish();
        record.updated = updated;
    }
    record
}

/// The event log of a finished interaction read back: created, its steps, then the end.
fn replay_events(record: &Record) -> Vec<Value> {
    let summary = record.summary();
    let mut events = vec![
        json!({"event_type": "interaction.created", "interaction": summary}),
        json!({"event_type": "interaction.status_update", "interaction_id": record.id, "status": "in_progress"}),
    ];
    for (index, step) in record.steps.iter().enumerate() {
        let kind = step["type"].as_str().unwrap_or("model_output");
        events.push(json!({"event_type": "step.start", "index": index, "step": {"type": kind}}));
        if let Some(signature) = step["signature"].as_str() {
            events.push(json!({"event_type": "step.delta", "index": index,
                "delta": {"type": "thought_signature", "signature": signature}}));
        }
        for block in step["content"].as_array().into_iter().flatten() {
            events.push(json!({"event_type": "step.delta", "index": index, "delta": block}));
        }
        events.push(json!({"event_type": "step.stop", "index": index}));
    }
    for error in &record.errors {
        events.push(json!({"event_type": "error", "error": error}));
    }
    events.push(json!({"event_type": "interaction.completed", "interaction": summary}));
    events
}

/// True when a turn ended in a way that is kept (`Html` answers are not kept).
pub fn is_kept(finish: &Result<Finish, SimError>) -> bool {
    !matches!(finish, Ok(Finish::Html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::interactions::keep::{Keep, MAX_ON_DISK};
    use std::path::Path;

    #[test]
    fn only_plain_ids_name_files() {
        let keep = Keep::new(Path::new("/tmp/x"));
        assert!(keep.path("v1_abc-DEF_9").is_some());
        assert!(keep.path("../../etc/passwd").is_none());
        assert!(keep.path("").is_none());
    }

    #[test]
    fn a_finished_interaction_comes_back_with_its_steps_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let keep = Keep::new(dir.path());
        let mut record = Record::new("m", None, vec![json!({"type": "user_input"})]);
        record.status = "completed".into();
        record.steps = vec![
            json!({"type": "thought", "signature": "sig"}),
            json!({"type": "model_output", "content": [{"type": "image", "data": "AAAA"}]}),
        ];
        keep.save(&record, None);
        let back = record_of(keep.load(&record.id).unwrap());
        assert_eq!(back.id, record.id);
        assert_eq!(back.steps, record.steps);
        assert!(back.finished);
        let kinds: Vec<_> = back
            .events
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds.first().unwrap(), "interaction.created");
        assert_eq!(kinds.last().unwrap(), "interaction.completed");
        assert!(back.events.iter().any(|e| e["delta"]["data"] == "AAAA"));
        keep.remove(&record.id);
        assert!(keep.load(&record.id).is_none());
    }

    async fn sim(dir: &Path, latency_ms: u64) -> crate::sim::SimHandle {
        let config = crate::sim::SimConfig {
            latency: crate::sim::Latency::Fixed(std::time::Duration::from_millis(latency_ms)),
            keep_dir: Some(dir.to_path_buf()),
            ..crate::sim::SimConfig::default()
        };
        let registry = crate::models::Registry::shipped().unwrap();
        crate::sim::start(config, registry, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    async fn get(sim: &crate::sim::SimHandle, id: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}/v1beta/interactions/{id}", sim.base_url()))
            .header("x-goog-api-key", "k")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_interaction_whose_simulator_died_is_run_to_its_end_by_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let first = sim(dir.path(), 60_000).await;
        let created: Value = reqwest::Client::new()
            .post(format!("{}/v1beta/interactions", first.base_url()))
            .header("x-goog-api-key", "k")
            .json(
                &json!({"model": "gemini-3.1-flash-image", "input": "a fox at dawn",
                "background": true, "response_format": {"type": "image", "image_size": "512"}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        // Its process dies: the file names an owner that no longer runs.
        let keep = Keep::new(dir.path());
        let mut saved = keep.load(&id).expect("kept before the id was answered");
        assert!(
            saved.turn.is_some(),
            "kept with what running it again needs"
        );
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        saved.owner_pid = Some(gone.id());
        gone.wait().unwrap();
        std::fs::write(keep.path(&id).unwrap(), serde_json::to_vec(&saved).unwrap()).unwrap();

        let second = sim(dir.path(), 50).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let done = loop {
            let state = get(&second, &id).await;
            if state["status"] == "completed" {
                break state;
            }
            assert!(std::time::Instant::now() < deadline, "{state}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert!(
            done["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["type"] == "model_output")
        );
        // A third simulator reads the finished one back as it is.
        let third = sim(dir.path(), 50).await;
        assert_eq!(get(&third, &id).await["status"], "completed");
        for s in [first, second, third] {
            s.shutdown().await;
        }
    }

    #[test]
    fn pruning_keeps_running_interactions() {
        let dir = tempfile::tempdir().unwrap();
        let keep = Keep::new(dir.path());
        let running = Record::new("m", None, vec![]);
        let turn = SavedTurn {
            version: "v1beta".into(),
            body: json!({}),
            summaries: false,
        };
        keep.save(&running, Some(&turn));
        for _ in 0..MAX_ON_DISK + 3 {
            let mut done = Record::new("m", None, vec![]);
            done.status = "completed".into();
            keep.save(&done, None);
        }
        keep.prune();
        let left = std::fs::read_dir(dir.path().join("interactions"))
            .unwrap()
            .count();
        assert_eq!(left, MAX_ON_DISK);
        assert!(keep.load(&running.id).is_some(), "a running one stays");
    }
}
