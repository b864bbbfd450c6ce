//! Tests: the simulated generateContent.

use super::*;
use crate::sim::pipeline::realistic;

#[test]
fn bodies_must_be_json_objects() {
    assert!(parse_body(b"").unwrap().as_object().unwrap().is_empty());
    let err = parse_body(b"{\"contents\": [").unwrap_err();
    assert!(
        err.message.starts_with("Invalid JSON payload received."),
        "{}",
        err.message
    );
    let err = parse_body(b"[1]").unwrap_err();
    assert!(err.message.contains("Root element must be a message"));
}

#[test]
fn realistic_latency_grows_with_size() {
    for _ in 0..20 {
        let small = realistic(512, 512);
        assert!(small >= Duration::from_millis(500) && small <= Duration::from_millis(1500));
        let big = realistic(4096, 4096);
        assert!(big >= Duration::from_secs(3) && big <= Duration::from_secs(7));
    }
}

#[test]
fn stream_chunks_put_thoughts_first() {
    let answer = json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "t", "thought": true}, {"text": "a", "thoughtSignature": "s"}]},
        "finishReason": "STOP", "index": 0}], "usageMetadata": {"promptTokenCount": 3},
        "modelVersion": "m", "responseId": "r"});
    let chunks = stream_chunks(answer);
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        chunks[0]["candidates"][0]["content"]["parts"][0]["thought"],
        true
    );
    assert!(chunks[0]["candidates"][0].get("finishReason").is_none());
    assert_eq!(chunks[1]["candidates"][0]["finishReason"], "STOP");
}
