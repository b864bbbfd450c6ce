//! Saving a batch job's results: per-item errors and missing results land in the store
//! and the manifest.

use super::*;
use crate::store::NewRun;
use base64::Engine as _;

fn png() -> String {
    let mut out = Vec::new();
    image::RgbImage::new(3, 2)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(out)
}

fn item(index: usize, key: &str) -> BatchItem {
    BatchItem {
        index,
        key: key.into(),
        prompt: format!("prompt {key}"),
        model: "gemini-3.1-flash-image".into(),
        aspect: None,
        size: "1K".into(),
        seed: 1,
        thinking: None,
        grounding: Default::default(),
        tier: Default::default(),
        fallback: None,
        with: vec![],
        refs: vec![],
        safety: vec![],
        preset: None,
        promoted_from: None,
        follows: None,
        previous_frame: None,
    }
}

#[test]
fn per_item_errors_and_missing_results_land_in_the_store_and_manifest() {
    let registry = Registry::shipped().unwrap();
    let store = Store::in_memory().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let items = [item(1, "fox"), item(2, "owl"), item(3, "elk")];
    let id = store
        .create_batch_run(&NewRun {
            lane: "batch-api",
            state: "submitted",
            source: "b.toml",
            out_dir: &dir.path().display().to_string(),
            budget_usd: None,
            items: items
                .iter()
                .map(|i| (i.index, i.key.clone(), serde_json::to_string(i).unwrap()))
                .collect(),
        })
        .unwrap();
    let run = store.batch_run(id).unwrap().unwrap();
    let mut saver = Saver::new(&registry, &store, &run, BATCH_API).unwrap();
    let response: GenerateContentResponse = serde_json::from_value(json!({
        "candidates": [{"content": {"role": "model", "parts": [
            {"inlineData": {"mimeType": "image/png", "data": png()}}]}, "finishReason": "STOP"}],
        "usageMetadata": {"candidatesTokenCount": 1120,
                          "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1120}]}
    }))
    .unwrap();
    saver
        .take(Answer {
            key: Some("fox".into()),
            response: Some(response),
            error: None,
        })
        .unwrap();
    saver
        .take(Answer {
            key: Some("owl".into()),
            response: None,
            error: Some(RpcStatus {
                code: 3,
                message: "bad request".into(),
            }),
        })
        .unwrap();
    saver.missing().unwrap();
    assert_eq!((saver.fetched.saved, saver.fetched.failed), (1, 2));
    assert!(
        (saver.fetched.cost_usd - 0.0336).abs() < 1e-9,
        "batch price is half"
    );
    let rows = store.batch_items(id).unwrap();
    assert_eq!(rows[0].files, vec!["001_fox.png"]);
    assert_eq!(rows[1].state, "failed");
    assert!(
        rows[1]
            .error_message
            .as_deref()
            .unwrap()
            .contains("bad request")
    );
    assert!(
        rows[2]
            .error_message
            .as_deref()
            .unwrap()
            .contains("no result")
    );
    write_manifest(&store, id, dir.path());
    let manifest = crate::studio::batch::manifest::Manifest::read(dir.path()).unwrap();
    assert_eq!(manifest.items[1].error.as_ref().unwrap().kind, "batch_item");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("001_fox.png.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["batch"]["lane"], "batch-api");
}
