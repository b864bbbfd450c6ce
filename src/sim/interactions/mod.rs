//! The Interactions API (`Api-Revision: 2026-05-20`) on `/{v1|v1beta}/interactions`:
//! create (sync, `background`, `stream`), get (with `stream` and `last_event_id`), cancel
//! and delete. A turn is checked strictly (`request`), chained onto the stored timeline of
//! its `previous_interaction_id`, run through the same generate path as generateContent
//! (`run`, so rate limits, faults and latency apply alike) and kept (`store`) for later
//! turns, polls and stream replays (`stream`). Its errors use the Interactions API's own
//! envelope and string codes (`errors`), not generateContent's.

mod errors;
mod keep;
mod persist;
mod request;
mod run;
mod settings;
mod store;
mod stream;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

pub use keep::Keep;
pub use store::InteractionStore;

use super::SimState;
use super::call::Call;
use super::errors::{SimError, html_bad_gateway};
use super::faults::FaultKind;
use super::generate::{Dialect, deadline, find_model, parse_body, truncated};
use super::pipeline::{Job, admit};
use super::tiers;
use errors::{Refusal, gate};
use run::{Finish, Turn};
use store::Record;
use stream::Tail;

/// The schema revision served.
pub const API_REVISION: &str = "2026-05-20";

/// Revisions Google has retired.
const RETIRED_REVISIONS: &[&str] = &["2026-05-07"];

/// `POST /{version}/interactions`.
pub async fn create(State(state): State<Arc<SimState>>, call: Call, body: Bytes) -> Response {
    state.record(|s| s.gemini_requests += 1);
    let logged = state.keep_request(call.uri.path(), &body);
    if let Some(refusal) = gate(&state, &call) {
        return refusal;
    }
    let version = &call.version;
    let resp = match start(&state, version, &call.headers, &body, logged).await {
        Ok(resp) => resp,
        Err(e) => Refusal(e).into_response(),
    };
    tracing::info!("POST /{version}/interactions -> {}", resp.status().as_u16());
    resp
}

async fn start(
    state: &Arc<SimState>,
    version: &str,
    headers: &HeaderMap,
    body: &[u8],
    logged: Option<u64>,
) -> Result<Response, SimError> {
    check_revision(state, headers)?;
    let value = parse_body(body)?;
    let req = request::check(&value)?;
    let spec = find_model(state, &req.model, version, "createInteraction")?;
    if !spec.interactions || state.config.faults.has_standing(FaultKind::NoInteractions) {
        return Err(SimError::invalid(format!(
            "Model models/{} is not supported by the Interactions API; use generateContent.",
            spec.id
        )));
    }
    if req.background && state.config.faults.has_standing(FaultKind::NoBackground) {
        return Err(SimError::invalid(format!(
            "background=true is not supported for model models/{}.",
            spec.id
        )));
    }
    if let Some(previous) = &req.previous {
        load_chain(state, previous);
    }
    let mut steps = match &req.previous {
        Some(previous) => state.interactions.timeline(previous).ok_or_else(|| {
            SimError::not_found(format!(
                "Interaction {previous} was not found. It may have expired or been created with store=false."
            ))
        })?,
        None => Vec::new(),
    };
    steps.extend(req.input_steps.iter().cloned());
    let mut gc = req.settings.clone();
    settings::check_for_model(&gc, spec)?;
    if let Some(asked) = &req.tier {
        let tier = tiers::of_interaction(asked, spec)?;
        gc.insert("serviceTier".into(), json!(tier.as_str()));
    }
    gc.insert(
        "contents".into(),
        Value::Array(request::contents_of(&steps)?),
    );
    let gc = serde_json::to_vec(&Value::Object(gc)).map_err(|_| SimError::internal())?;
    let job = Job {
        dialect: &Dialect::Gemini,
        version,
        model: &req.model,
        method: "createInteraction",
        image_count: None,
        deadline: deadline(headers),
        interactions: true,
    };
    let admitted = admit(state, &job, &gc, Some(run::OUTPUT_MIME)).await?;
    let mut record = Record::new(&req.model, req.previous.clone(), req.input_steps.clone());
    record.stored = req.store;
    record.background = req.background;
    record.tier = admitted.tier.as_str().to_string();
    let id = record.id.clone();
    state.note_request(logged, &id);
    let turn = Turn {
        id: id.clone(),
        admitted,
        summaries: req.summaries,
    };
    if req.background || req.stream {
        if let Some(keep) = state.keep.as_ref().filter(|_| record.stored) {
            // On disk before anyone hears the id: a later simulator can run it to its end.
            let saved = keep::SavedTurn {
                version: version.to_string(),
                body: serde_json::from_slice(&gc).unwrap_or_default(),
                summaries: req.summaries,
            };
            keep.save(&record, Some(&saved));
        }
        state.interactions.insert(record);
        spawn_drive(state, turn);
        if req.stream {
            let tail = Tail {
                id,
                from: 0,
                honour_cut: true,
            };
            return Ok(stream::respond(state.clone(), tail));
        }
        let body = state
            .interactions
            .update(&id, |r| r.summary())
            .unwrap_or_default();
        return Ok(Json(body).into_response());
    }
    state.interactions.insert(record);
    let finish = run::drive(state.clone(), turn).await;
    let resource = state.interactions.with(|map| {
        let keep = map.get(&id).is_some_and(|r| r.stored) && finish.is_ok();
        let resource = map.get(&id).map(|r| r.resource(false));
        if !keep || !persist::is_kept(&finish) {
            map.remove(&id);
        }
        resource
    });
    if (finish.is_err() || !persist::is_kept(&finish))
        && let Some(keep) = &state.keep
    {
        keep.remove(&id);
    }
    let resource = resource.flatten().unwrap_or_default();
    match finish? {
        Finish::Done => Ok(Json(resource).into_response()),
        Finish::Truncated => Ok(truncated(&resource)),
        Finish::Html => Ok(html_bad_gateway()),
    }
}

/// Runs `turn` in the background (a background or streamed create, or one taken over from
/// a simulator that died), failing it when the run fails.
fn spawn_drive(state: &Arc<SimState>, turn: Turn) {
    let id = turn.id.clone();
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        let id = turn.id.clone();
        match run::drive(task_state.clone(), turn).await {
            Ok(Finish::Html) => run::fail(&task_state, &id, &SimError::internal()),
            Ok(_) => {}
            Err(e) => run::fail(&task_state, &id, &e),
        }
    });
    state
        .interactions
        .update(&id, |r| r.abort = Some(task.abort_handle()));
}

/// Writes an interaction that just ended to the keep folder (when the simulator has one).
pub fn keep_finished(state: &SimState, id: &str) {
    let Some(keep) = &state.keep else {
        return;
    };
    state.interactions.update(id, |r| {
        if r.stored && r.finished && !r.foreign {
            keep.save(r, None);
        }
    });
}

/// Reads back, from the keep folder, `id` and the interactions it continues.
fn load_chain(state: &Arc<SimState>, id: &str) {
    let mut next = Some(id.to_string());
    let mut hops = 0;
    while let Some(current) = next.take() {
        persist::load_into(state, &current);
        next = state
            .interactions
            .update(&current, |r| r.previous.clone())
            .flatten();
        hops += 1;
        if hops > 10_000 {
            return;
        }
    }
}

fn check_revision(state: &SimState, headers: &HeaderMap) -> Result<(), SimError> {
    let revision = headers
        .get("api-revision")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    state.record(|s| {
        s.interactions_requests += 1;
        s.last_api_revision = revision.map(str::to_string);
    });
    match revision {
        None => Ok(()),
        Some(API_REVISION) => Ok(()),
        Some(r) if RETIRED_REVISIONS.contains(&r) => Err(SimError::invalid(format!(
            "Api-Revision {r} is no longer supported; use {API_REVISION}."
        ))),
        Some(r) => Err(SimError::invalid(format!(
            "Unknown Api-Revision \"{r}\"; use {API_REVISION}."
        ))),
    }
}

fn not_found(id: &str) -> SimError {
    SimError::not_found(format!("Interaction {id} was not found."))
}

/// `GET /{version}/interactions/{id}` (`?stream=true[&last_event_id=…]` for events).
pub async fn get(State(state): State<Arc<SimState>>, call: Call) -> Response {
    if let Some(refusal) = gate(&state, &call) {
        return refusal;
    }
    let id = &call.name;
    read(&state, id, &call.params, &call.headers).unwrap_or_else(|e| Refusal(e).into_response())
}

fn read(
    state: &Arc<SimState>,
    id: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, SimError> {
    check_revision(state, headers)?;
    let flag = |name: &str| -> Result<Option<bool>, SimError> {
        match params.get(name).map(String::as_str) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(SimError::bad_field(
                name,
                format!("Invalid value for {name}: \"{other}\" (use true or false)."),
            )),
        }
    };
    persist::load_into(state, id);
    let streaming = flag("stream")?.unwrap_or(false);
    let include_input = flag("include_input")?.unwrap_or(true);
    let last = params.get("last_event_id").map(String::as_str);
    let found = state
        .interactions
        .update(id, |r| {
            // The `truncated` fault of a background run cuts its first finished read.
            let cut = !streaming && r.background && r.cut && r.is_terminal();
            if cut {
                r.cut = false;
            }
            r.stored.then(|| {
                (
                    r.resource(include_input),
                    stream::resume_index(&r.events, last),
                    cut,
                    r.background,
                )
            })
        })
        .flatten();
    let Some((resource, from, cut, background)) = found else {
        return Err(not_found(id));
    };
    if cut {
        return Ok(truncated(&resource));
    }
    if streaming {
        let tail = Tail {
            id: id.to_string(),
            from,
            honour_cut: background,
        };
        return Ok(stream::respond(state.clone(), tail));
    }
    Ok(Json(resource).into_response())
}

/// `DELETE /{version}/interactions/{id}`.
pub async fn delete(State(state): State<Arc<SimState>>, call: Call) -> Response {
    if let Some(refusal) = gate(&state, &call) {
        return refusal;
    }
    let id = &call.name;
    persist::load_into(&state, id);
    let removed = state
        .interactions
        .with(|map| match map.get(id) {
            Some(r) if r.stored => map.remove(id),
            _ => None,
        })
        .flatten();
    match removed {
        Some(record) => {
            if let Some(abort) = &record.abort {
                abort.abort();
            }
            if let Some(keep) = &state.keep {
                keep.remove(id);
            }
            Json(json!({})).into_response()
        }
        None => Refusal(not_found(id)).into_response(),
    }
}

/// `POST /{version}/interactions/{id}/cancel`.
pub async fn cancel(State(state): State<Arc<SimState>>, call: Call) -> Response {
    if let Some(refusal) = gate(&state, &call) {
        return refusal;
    }
    let id = &call.name;
    persist::load_into(&state, id);
    let result = state.interactions.update(id, |r| {
        if !r.stored {
            return Err(not_found(&r.id));
        }
        if !r.background {
            return Err(SimError::new(
                400,
                "FAILED_PRECONDITION",
                "Only background interactions can be cancelled.",
            ));
        }
        if !r.is_terminal() {
            if let Some(abort) = r.abort.take() {
                abort.abort();
            }
            r.status = "cancelled".into();
            r.push(json!({"event_type": "interaction.status_update", "interaction_id": r.id, "status": "cancelled"}));
            r.finish();
        }
        Ok(r.resource(false))
    });
    keep_finished(&state, id);
    match result {
        Some(Ok(body)) => Json(body).into_response(),
        Some(Err(e)) => Refusal(e).into_response(),
        None => Refusal(not_found(id)).into_response(),
    }
}
