//! Interactions the simulator keeps: their timeline, status and the log of SSE events a
//! stream or a later `GET ?stream=true` replays, with a watch channel to wake tailers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// Statuses after which an interaction no longer changes.
pub const TERMINAL: &[&str] = &[
    "completed",
    "failed",
    "cancelled",
    "incomplete",
    "budget_exceeded",
];

/// One interaction.
#[derive(Debug)]
pub struct Record {
    /// Opaque id, `v1_…`.
    pub id: String,
    /// Model id as sent.
    pub model: String,
    /// Current status.
    pub status: String,
    /// Creation time, `YYYY-MM-DDThh:mm:ssZ`.
    pub created: String,
    /// Last change.
    pub updated: String,
    /// The interaction it continues.
    pub previous: Option<String>,
    /// This turn's input steps.
    pub input: Vec<Value>,
    /// The model's steps once done.
    pub steps: Vec<Value>,
    /// Token usage once done.
    pub usage: Option<Value>,
    /// Errors of a failed interaction.
    pub errors: Vec<Value>,
    /// False for `store:false`: never retrievable or continued.
    pub stored: bool,
    /// Created with `background:true`.
    pub background: bool,
    /// SSE events so far, each with its `event_id`.
    pub events: Vec<Value>,
    /// No more events will come.
    pub finished: bool,
    /// Cut the create stream off midway (the `truncated` fault).
    pub cut: bool,
    /// Stops the background work on cancel.
    pub abort: Option<AbortHandle>,
    /// Read from another live simulator's file: shown as it was, re-read on every look.
    pub foreign: bool,
    /// The service tier serving it, echoed as `service_tier`.
    pub tier: String,
    /// About how many bytes it holds once finished (its input, steps and events).
    weight: usize,
    changed: Arc<watch::Sender<usize>>,
}

impl Record {
    /// A fresh `in_progress` interaction.
    pub fn new(model: &str, previous: Option<String>, input: Vec<Value>) -> Self {
        let now = timestamp();
        Self {
            id: new_id(),
            model: model.to_string(),
            status: "in_progress".into(),
            created: now.clone(),
            updated: now,
            previous,
            input,
            steps: Vec::new(),
            usage: None,
            errors: Vec::new(),
            stored: true,
            background: false,
            events: Vec::new(),
            finished: false,
            cut: false,
            abort: None,
            foreign: false,
            tier: "standard".into(),
            weight: 0,
            changed: Arc::new(watch::channel(0).0),
        }
    }

    /// True once the status is terminal.
    pub fn is_terminal(&self) -> bool {
        TERMINAL.contains(&self.status.as_str())
    }

    /// The `Interaction` resource; `timeline` adds this turn's input before the model steps.
    pub fn resource(&self, timeline: bool) -> Value {
        let mut body = json!({
            "id": self.id,
            "object": "interaction",
            "status": self.status,
            "model": self.model,
            "created": self.created,
            "updated": self.updated,
            "service_tier": self.tier,
        });
        let mut steps = Vec::new();
        if timeline {
            steps.extend(self.input.iter().cloned());
        }
        steps.extend(self.steps.iter().cloned());
        if !steps.is_empty() {
            body["steps"] = Value::Array(steps);
        }
        if let Some(usage) = &self.usage {
            body["usage"] = usage.clone();
        }
        if !self.errors.is_empty() {
            body["errors"] = Value::Array(self.errors.clone());
        }
        if let Some(previous) = &self.previous {
            body["previous_interaction_id"] = json!(previous);
        }
        body
    }

    /// The short form streams carry in `interaction.created` / `interaction.completed`.
    pub fn summary(&self) -> Value {
        let mut body = self.resource(false);
        if let Some(map) = body.as_object_mut() {
            map.remove("steps");
        }
        body
    }

    /// Appends an event (giving it the next `event_id`) and wakes tailers.
    pub fn push(&mut self, mut event: Value) {
        let id = format!("evt_{}", self.events.len() + 1);
        event["event_id"] = json!(id);
        self.events.push(event);
        self.changed.send_replace(self.events.len());
    }

    /// Marks the event log complete and wakes tailers.
    pub fn finish(&mut self) {
        self.finished = true;
        self.updated = timestamp();
        let size = |values: &[Value]| {
            values
                .iter()
                .map(|v| serde_json::to_vec(v).map_or(0, |b| b.len()))
                .sum::<usize>()
        };
        self.weight = size(&self.input) + size(&self.steps) + size(&self.events);
        self.changed.send_replace(self.events.len());
    }

    /// A receiver that changes whenever an event is pushed or the log finishes.
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.changed.subscribe()
    }
}

/// Finished interactions kept at most; past this the oldest finished ones are dropped and
/// read as expired (404), as the service's retention makes them. Each holds its images, so
/// an unbounded store would grow by hundreds of KB a request in a long `peel sim`.
pub const MAX_KEPT: usize = 2_000;

/// Bytes of finished interactions kept at most (the embedded simulator lives inside a
/// user's peel: a long batch run must not fill its memory with answered images).
pub const MAX_KEPT_BYTES: usize = 64 * 1024 * 1024;

/// Every interaction, by id.
#[derive(Debug, Default)]
pub struct InteractionStore {
    records: Mutex<HashMap<String, Record>>,
    order: Mutex<std::collections::VecDeque<String>>,
}

impl InteractionStore {
    /// Keeps a new interaction, dropping the oldest finished ones past `MAX_KEPT`.
    pub fn insert(&self, record: Record) {
        let (Ok(mut map), Ok(mut order)) = (self.records.lock(), self.order.lock()) else {
            return;
        };
        order.push_back(record.id.clone());
        map.insert(record.id.clone(), record);
        let mut weight: usize = map.values().map(|r| r.weight).sum();
        let mut skipped = 0;
        while (map.len() > MAX_KEPT || weight > MAX_KEPT_BYTES) && skipped < order.len() {
            let Some(oldest) = order.pop_front() else {
                break;
            };
            match map.get(&oldest) {
                Some(r) if !r.is_terminal() => {
                    order.push_back(oldest);
                    skipped += 1;
                }
                Some(_) => {
                    if let Some(gone) = map.remove(&oldest) {
                        weight = weight.saturating_sub(gone.weight);
                    }
                }
                None => {}
            }
        }
        if order.len() > 2 * MAX_KEPT {
            order.retain(|id| map.contains_key(id));
        }
    }

    /// Keeps `record`, replacing one with its id (a copy read back from disk).
    pub fn replace(&self, record: Record) {
        let replaced = self
            .with(|map| match map.get_mut(&record.id) {
                Some(old) => {
                    *old = record;
                    None
                }
                None => Some(record),
            })
            .flatten();
        if let Some(record) = replaced {
            self.insert(record);
        }
    }

    /// Runs `f` over the whole map.
    pub fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Record>) -> T) -> Option<T> {
        self.records.lock().ok().map(|mut map| f(&mut map))
    }

    /// Runs `f` over one record, if it exists.
    pub fn update<T>(&self, id: &str, f: impl FnOnce(&mut Record) -> T) -> Option<T> {
        self.with(|map| map.get_mut(id).map(f)).flatten()
    }

    /// The stored timeline ending with `id` (oldest first): each turn's input and model
    /// steps. `None` when `id` (or an ancestor) is unknown, not stored or not completed.
    pub fn timeline(&self, id: &str) -> Option<Vec<Value>> {
        self.with(|map| {
            let mut chain = Vec::new();
            let mut next = Some(id.to_string());
            while let Some(current) = next {
                let record = map.get(&current).filter(|r| r.stored)?;
                if record.status != "completed" {
                    return None;
                }
                chain.push(record);
                next = record.previous.clone();
                if chain.len() > 10_000 {
                    return None;
                }
            }
            let mut steps = Vec::new();
            for record in chain.iter().rev() {
                steps.extend(record.input.iter().cloned());
                steps.extend(record.steps.iter().cloned());
            }
            Some(steps)
        })
        .flatten()
    }
}

/// A fresh interaction id: `v1_` and about 70 URL-safe characters.
pub fn new_id() -> String {
    let bytes: [u8; 52] = rand::random();
    format!("v1_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Now, in whole seconds with `Z`.
pub fn timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_newest_finished_interactions_are_kept() {
        let store = InteractionStore::default();
        let running = Record::new("m", None, vec![]);
        let running_id = running.id.clone();
        store.insert(running);
        let mut first = None;
        for _ in 0..MAX_KEPT + 10 {
            let mut r = Record::new("m", None, vec![]);
            r.status = "completed".into();
            first.get_or_insert(r.id.clone());
            store.insert(r);
        }
        let (len, has_first, has_running) = store
            .with(|m| {
                (
                    m.len(),
                    m.contains_key(first.as_deref().unwrap_or("")),
                    m.contains_key(&running_id),
                )
            })
            .unwrap();
        assert_eq!(len, MAX_KEPT);
        assert!(!has_first, "the oldest finished one went");
        assert!(has_running, "a running one is never dropped");
    }

    #[test]
    fn finished_interactions_are_kept_within_a_byte_budget() {
        let store = InteractionStore::default();
        let image = "A".repeat(1024 * 1024);
        for _ in 0..100 {
            let mut r = Record::new("m", None, vec![]);
            r.status = "completed".into();
            r.steps
                .push(json!({ "type": "model_output", "content": [{ "data": image }] }));
            r.finish();
            store.insert(r);
        }
        let (count, bytes) = store
            .with(|m| (m.len(), m.values().map(|r| r.weight).sum::<usize>()))
            .unwrap();
        assert!(bytes <= MAX_KEPT_BYTES + 1024 * 1024 + 4096, "{bytes}");
        assert!(
            (60..=65).contains(&count),
            "about 64 one-MB answers kept: {count}"
        );
    }

    use super::*;

    #[test]
    fn a_timeline_follows_previous_ids_and_stops_at_unstored_turns() {
        let store = InteractionStore::default();
        let mut first = Record::new("m", None, vec![json!({"type": "user_input", "n": 1})]);
        first.status = "completed".into();
        first.steps = vec![json!({"type": "model_output", "n": 1})];
        let first_id = first.id.clone();
        let mut second = Record::new("m", Some(first_id.clone()), vec![json!({"n": 2})]);
        second.status = "completed".into();
        let second_id = second.id.clone();
        store.with(|map| {
            map.insert(first_id.clone(), first);
            map.insert(second_id.clone(), second);
        });
        let steps = store.timeline(&second_id).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[2]["n"], 2);
        store.update(&first_id, |r| r.stored = false);
        assert!(store.timeline(&second_id).is_none());
        assert!(store.timeline("v1_nope").is_none());
        assert!(new_id().len() > 70);
    }
}
