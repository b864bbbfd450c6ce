//! Tests: reading an interaction request strictly.

use super::*;

#[test]
fn a_string_input_becomes_one_user_turn_with_image_settings() {
    let req = check(&json!({"model": "gemini-3.1-flash-image", "input": "a fox",
        "response_format": {"type": "image", "aspect_ratio": "16:9", "image_size": "2K"},
        "generation_config": {"seed": 7, "thinking_level": "high", "thinking_summaries": "auto"}}))
    .unwrap();
    assert_eq!(req.input_steps[0]["type"], "user_input");
    let gc = &req.settings["generationConfig"];
    assert_eq!(gc["imageConfig"]["aspectRatio"], "16:9");
    assert_eq!(gc["thinkingConfig"]["thinkingLevel"], "HIGH");
    assert_eq!(gc["responseModalities"], json!(["IMAGE"]));
    assert!(req.summaries && req.store && !req.background);
}

#[test]
fn unknown_fields_uppercase_enums_and_incoherent_flags_are_refused() {
    let base = |extra: Value| {
        let mut body = json!({"model": "m", "input": "x"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        check(&body)
    };
    let err = base(json!({"generationConfig": {}})).unwrap_err();
    assert!(
        err.message.contains("Unknown name \"generationConfig\""),
        "{}",
        err.message
    );
    assert!(base(json!({"generation_config": {"thinking_level": "HIGH"}})).is_err());
    assert!(base(json!({"store": false, "background": true})).is_err());
    assert!(base(json!({"store": false, "previous_interaction_id": "v1_x"})).is_err());
    assert!(base(json!({"response_format": {"type": "image", "mime_type": "image/png"}})).is_err());
}

#[test]
fn history_needs_the_signature_that_came_with_each_image() {
    let image = b"not really a jpeg".to_vec();
    let data = STANDARD.encode(&image);
    let good = turn_signature(Some(&image), "");
    let steps = |sig: &str| {
        vec![
            json!({"type": "user_input", "content": [{"type": "text", "text": "a fox"}]}),
            json!({"type": "thought", "signature": sig}),
            json!({"type": "model_output", "content": [{"type": "image", "mime_type": "image/jpeg", "data": data}]}),
            json!({"type": "user_input", "content": [{"type": "text", "text": "at night"}]}),
        ]
    };
    let contents = contents_of(&steps(&good)).unwrap();
    assert_eq!(contents.len(), 3);
    assert_eq!(contents[1]["role"], "model");
    let err = contents_of(&steps("AAAA")).unwrap_err();
    assert!(err.message.contains("Corrupted thought signature"));
    let mut missing = steps(&good);
    missing.remove(1);
    assert!(contents_of(&missing).is_err());
}
