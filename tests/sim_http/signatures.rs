//! Thought signatures: round trips, missing, altered and swapped, across restarts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use peel::api::error::ApiError;
use peel::sim::SimHandle;
use serde_json::{Value, json};

use crate::common::*;

/// The first turn's answer and the contents to send for a follow-up.
async fn first_turn(sim: &SimHandle) -> (Value, Vec<u8>) {
    let answer = generate(
        sim,
        FLASH,
        &body(
            "a green meadow",
            json!({"seed": 5, "imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    let v = answer.json();
    let image = answer.images().remove(0).1;
    (v["candidates"][0]["content"].clone(), image)
}

fn follow_up(model_turn: Value) -> Value {
    json!({
        "contents": [
            {"role": "user", "parts": [{"text": "a green meadow"}]},
            model_turn,
            {"role": "user", "parts": [{"text": "make it night"}]}
        ],
        "generationConfig": {"seed": 5, "imageConfig": {"imageSize": "512"}}
    })
}

#[tokio::test]
async fn thought_signatures_round_trip_and_are_enforced() {
    let sim = sim(config()).await;
    let (model_turn, first_image) = first_turn(&sim).await;

    let ok = generate(&sim, FLASH, &follow_up(model_turn.clone())).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let edited = ok.images().remove(0).1;
    assert_ne!(edited, first_image);
    let fresh = generate(
        &sim,
        FLASH,
        &body(
            "make it night",
            json!({"seed": 5, "imageConfig": {"imageSize": "512"}}),
        ),
    )
    .await
    .images()
    .remove(0)
    .1;
    assert_ne!(edited, fresh, "an edit should build on the earlier image");
    if let Ok(dir) = std::env::var("PEEL_SIM_DUMP") {
        std::fs::write(format!("{dir}/turn1.png"), &first_image).unwrap();
        std::fs::write(format!("{dir}/turn2.png"), &edited).unwrap();
    }

    let mut missing = model_turn.clone();
    missing["parts"][1]
        .as_object_mut()
        .unwrap()
        .remove("thoughtSignature");
    let answer = generate(&sim, FLASH, &follow_up(missing)).await;
    assert_error(
        &answer,
        400,
        "INVALID_ARGUMENT",
        "Image part is missing a thought_signature in content position 2, part position 1.",
    );
    assert!(matches!(answer.classify(), ApiError::BadSignature { .. }));

    let mut altered = model_turn.clone();
    altered["parts"][1]["thoughtSignature"] = json!(STANDARD.encode(b"forged signature bytes"));
    let answer = generate(&sim, FLASH, &follow_up(altered)).await;
    assert_error(
        &answer,
        400,
        "INVALID_ARGUMENT",
        "Unable to submit request because it has an invalid thought signature for content at index 1.",
    );
    assert!(matches!(answer.classify(), ApiError::BadSignature { .. }));

    let mut swapped = model_turn.clone();
    swapped["parts"][1]["inlineData"]["data"] = json!(STANDARD.encode(&fresh));
    let answer = generate(&sim, FLASH, &follow_up(swapped)).await;
    assert_eq!(
        answer.status, 400,
        "a signature for other bytes must not pass"
    );

    let user_image = json!({"contents": [{"role": "user", "parts": [
        {"text": "edit this"}, {"inlineData": {"mimeType": "image/png", "data": STANDARD.encode(&first_image)}}]}],
        "generationConfig": {"imageConfig": {"imageSize": "512"}}});
    assert_eq!(generate(&sim, FLASH, &user_image).await.status, 200);
    sim.shutdown().await;

    let restarted = self::sim(config()).await;
    assert_eq!(
        generate(&restarted, FLASH, &follow_up(model_turn))
            .await
            .status,
        200
    );
    restarted.shutdown().await;
}
