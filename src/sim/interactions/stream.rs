//! Server-sent events for an interaction: replays its event log from a point and follows it
//! until it finishes, then sends `data: [DONE]`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::sim::SimState;

/// Where a tail starts and whether the create stream's `truncated` fault applies.
#[derive(Debug, Clone)]
pub struct Tail {
    /// The interaction followed.
    pub id: String,
    /// Index of the first event to send.
    pub from: usize,
    /// Cut the stream off midway when the record says so (create streams, and the first
    /// stream that reaches the end of a background run).
    pub honour_cut: bool,
}

/// One SSE block for an event.
pub fn frame(event: &Value) -> String {
    let kind = event["event_type"].as_str().unwrap_or("message");
    let mut text = format!("event: {kind}\n");
    if let Some(id) = event["event_id"].as_str() {
        text.push_str(&format!("id: {id}\n"));
    }
    text.push_str(&format!("data: {event}\n\n"));
    text
}

/// The index after the event `last_event_id` names (0 when it is not found).
pub fn resume_index(events: &[Value], last_event_id: Option<&str>) -> usize {
    let Some(last) = last_event_id else {
        return 0;
    };
    events
        .iter()
        .position(|e| e["event_id"].as_str() == Some(last))
        .map_or(0, |i| i + 1)
}

enum Step {
    Send(String),
    Wait(tokio::sync::watch::Receiver<usize>),
    End(Option<String>),
}

/// An SSE response following `tail`.
pub fn respond(state: Arc<SimState>, tail: Tail) -> Response {
    let stream = futures::stream::unfold(
        (state, tail, false),
        |(state, mut tail, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let step = state
                    .interactions
                    .update(&tail.id, |r| {
                        if tail.from < r.events.len() {
                            let last = r.events.len();
                            let cut_at = (tail.honour_cut && r.cut).then(|| last - 1);
                            let mut text = String::new();
                            for (i, event) in r.events.iter().enumerate().skip(tail.from) {
                                if Some(i) == cut_at {
                                    let whole = frame(event);
                                    let half = whole.len() / 2;
                                    let cut = whole.get(..half).unwrap_or("").to_string();
                                    r.cut = false;
                                    tail.from = last;
                                    return Step::End(Some(text + &cut));
                                }
                                text.push_str(&frame(event));
                            }
                            tail.from = last;
                            Step::Send(text)
                        } else if r.finished {
                            if tail.honour_cut && r.cut {
                                Step::End(None)
                            } else {
                                Step::End(Some("data: [DONE]\n\n".to_string()))
                            }
                        } else {
                            Step::Wait(r.watch())
                        }
                    })
                    .unwrap_or(Step::End(None));
                match step {
                    Step::Send(text) => {
                        return Some((Ok::<_, std::io::Error>(text), (state, tail, false)));
                    }
                    Step::End(Some(text)) => return Some((Ok(text), (state, tail, true))),
                    Step::End(None) => return None,
                    Step::Wait(mut rx) => {
                        let seen = tail.from;
                        if *rx.borrow_and_update() > seen {
                            continue;
                        }
                        if rx.changed().await.is_err() {
                            return None;
                        }
                    }
                }
            }
        },
    );
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_carry_the_event_name_and_id_and_resume_after_the_last_seen() {
        let events = vec![
            json!({"event_type": "step.start", "event_id": "evt_1"}),
            json!({"event_type": "step.stop", "event_id": "evt_2"}),
        ];
        let text = frame(&events[0]);
        assert!(text.starts_with("event: step.start\nid: evt_1\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        assert_eq!(resume_index(&events, Some("evt_1")), 1);
        assert_eq!(resume_index(&events, None), 0);
        assert_eq!(resume_index(&events, Some("nope")), 0);
    }
}
