//! Tests of `interactions_stream.rs`: SSE events decoded however the bytes are cut, and an
//! interaction rebuilt from its `step.*` events.

use serde_json::json;

use super::*;
use crate::api::interactions::{KnownStep, Step};

fn block(value: serde_json::Value) -> String {
    format!(
        "event: {}\ndata: {value}\n\n",
        value["event_type"].as_str().unwrap_or("")
    )
}

fn events(text: &str, cut_every: usize) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::default();
    let mut out = Vec::new();
    for piece in text.as_bytes().chunks(cut_every) {
        decoder.push(piece, &mut out);
    }
    out
}

#[test]
fn events_come_out_whole_however_the_bytes_are_cut() {
    let text =
        "event: step.delta\r\nid: e7\r\ndata: {\"a\":1}\r\n\r\n: comment\n\ndata: [DONE]\n\n";
    for cut in [1, 2, 5, 64] {
        let got = events(text, cut);
        assert_eq!(
            got,
            vec![
                SseEvent {
                    id: Some("e7".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    id: None,
                    data: "[DONE]".into()
                },
            ],
            "cut every {cut} bytes"
        );
    }
}

#[test]
fn an_image_stream_rebuilds_the_interaction_and_hands_out_thoughts() {
    let thought_png = encode(&[9, 8, 7]);
    let text = [
        block(json!({"event_type": "interaction.created", "event_id": "e1",
            "interaction": {"id": "v1_a", "status": "in_progress", "model": "gemini-3-pro-image"}})),
        block(json!({"event_type": "step.start", "index": 0, "step": {"type": "thought"}})),
        block(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "**Framing the lighthouse**\n\nI place it left."}}})),
        block(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "image", "mime_type": "image/png", "data": thought_png}}})),
        block(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "thought_signature", "signature": "c2ln"}})),
        block(json!({"event_type": "step.stop", "index": 0})),
        block(json!({"event_type": "step.start", "index": 1, "step": {"type": "model_output"}})),
        // One image split over two deltas: the halves are joined before decoding.
        block(json!({"event_type": "step.delta", "index": 1,
            "delta": {"type": "image", "mime_type": "image/jpeg", "data": "AAE"}})),
        block(json!({"event_type": "step.delta", "index": 1,
            "delta": {"type": "image", "mime_type": "image/jpeg", "data": "CAw=="}})),
        block(json!({"event_type": "step.stop", "index": 1})),
        block(json!({"event_type": "interaction.completed", "event_id": "e9",
            "interaction": {"id": "v1_a", "status": "completed", "usage": {"total_tokens": 12}}})),
        "data: [DONE]\n\n".to_string(),
    ]
    .concat();
    let mut heard = Assembler::new("");
    let mut thoughts = Vec::new();
    let mut created = None;
    let mut done = false;
    for event in events(&text, 7) {
        match heard.hear(&event) {
            Heard::Thought(t) => thoughts.push(t),
            Heard::Created(id) => created = Some(id),
            Heard::Done => done = true,
            Heard::Nothing => {}
        }
    }
    assert!(done && heard.is_over());
    assert_eq!(created.as_deref(), Some("v1_a"));
    assert_eq!(heard.last_event_id(), Some("e9"));
    assert_eq!(thoughts.len(), 2);
    assert_eq!(
        thoughts[0].headline().as_deref(),
        Some("Framing the lighthouse")
    );
    assert_eq!(
        thoughts[1],
        Thought::Image {
            mime_type: "image/png".into(),
            data: vec![9, 8, 7]
        }
    );
    let interaction = heard.interaction();
    assert_eq!(interaction.status, "completed");
    assert_eq!(interaction.usage.unwrap().total_tokens, Some(12));
    let Step::Known(KnownStep::Thought { signature, summary }) = &interaction.steps[0] else {
        panic!("{:?}", interaction.steps[0]);
    };
    assert_eq!(signature.as_deref(), Some("c2ln"));
    assert_eq!(summary.len(), 2);
    let Step::Known(KnownStep::ModelOutput { content, .. }) = &interaction.steps[1] else {
        panic!("{:?}", interaction.steps[1]);
    };
    let Block::Known(KnownBlock::Image { data, .. }) = &content[0] else {
        panic!("{content:?}");
    };
    assert_eq!(data.as_ref().unwrap().0, vec![0, 1, 2, 3]);
}

#[test]
fn several_whole_images_in_one_step_stay_apart() {
    let jpeg = encode(&[0xFF, 0xD8, 0xFF, 0xE0, 1]);
    let png = encode(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 2]);
    let text = [
        block(json!({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})),
        block(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "image", "mime_type": "image/jpeg", "data": jpeg}})),
        block(json!({"event_type": "step.delta", "index": 0,
            "delta": {"type": "image", "mime_type": "image/png", "data": png}})),
        block(json!({"event_type": "step.stop", "index": 0})),
    ]
    .concat();
    let mut heard = Assembler::new("v1_d");
    for event in events(&text, 10) {
        heard.hear(&event);
    }
    let interaction = heard.interaction();
    let Step::Known(KnownStep::ModelOutput { content, .. }) = &interaction.steps[0] else {
        panic!("{:?}", interaction.steps);
    };
    assert_eq!(content.len(), 2);
}

#[test]
fn an_error_event_fails_the_interaction() {
    let mut heard = Assembler::new("v1_b");
    let text = block(json!({"event_type": "error",
        "error": {"code": "resource_exhausted", "message": "quota exceeded"}}));
    for event in events(&text, 100) {
        heard.hear(&event);
    }
    assert!(heard.is_over());
    let interaction = heard.interaction();
    assert_eq!(interaction.status, "failed");
    assert_eq!(interaction.errors[0].code_text(), "resource_exhausted");
}

#[test]
fn a_stream_cut_before_the_end_is_not_over() {
    let text = block(
        json!({"event_type": "step.start", "index": 0, "event_id": "e3",
        "step": {"type": "thought"}}),
    );
    let mut heard = Assembler::new("v1_c");
    for event in events(&text, 100) {
        heard.hear(&event);
    }
    assert!(!heard.is_over());
    assert_eq!(heard.last_event_id(), Some("e3"));
}

fn encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
