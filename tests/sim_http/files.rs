//! The Files API: resumable uploads, metadata, use by URI, deletion.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Client;
use serde_json::json;

use reqwest::Method;

use crate::common::*;

#[tokio::test]
async fn files_upload_get_list_use_and_delete() {
    let sim = sim_with_batch_step(Duration::from_millis(50)).await;
    let bytes = png(10);
    let file = upload(&sim, &bytes, "image/png", "ref-1").await;
    let name = file["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("files/"));
    assert_eq!(file["displayName"], "ref-1");
    assert_eq!(file["mimeType"], "image/png");
    assert_eq!(file["sizeBytes"], bytes.len().to_string());
    assert_eq!(file["state"], "ACTIVE");
    assert_eq!(file["source"], "UPLOADED");
    let created =
        chrono::DateTime::parse_from_rfc3339(file["createTime"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(file["expirationTime"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::hours(48));
    let uri = file["uri"].as_str().unwrap().to_string();

    let (status, got) = v1beta(&sim, Method::GET, &name, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], name.as_str());
    let (_, listed) = v1beta(&sim, Method::GET, "files", None).await;
    assert_eq!(listed["files"].as_array().unwrap().len(), 1);

    let body = json!({"contents": [{"role": "user", "parts": [
        {"text": "use the reference"}, {"fileData": {"mimeType": "image/png", "fileUri": uri}}]}],
        "generationConfig": {"imageConfig": {"imageSize": "512"}}});
    let (status, answer) = v1beta(
        &sim,
        Method::POST,
        "models/gemini-3.1-flash-image:generateContent",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let image = answer["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["inlineData"]["data"].as_str())
        .unwrap();
    let decoded = image::load_from_memory(&STANDARD.decode(image).unwrap()).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (1376 / 2, 768 / 2),
        "2:1 reference → closest ratio 16:9"
    );
    assert_eq!(
        answer["usageMetadata"]["promptTokensDetails"][1]["modality"],
        "IMAGE"
    );

    let (status, _) = v1beta(
        &sim,
        Method::GET,
        format!("{name}:download?alt=media"),
        None,
    )
    .await;
    assert_eq!(status, 400, "uploaded files cannot be downloaded");

    let (status, _) = v1beta(&sim, Method::DELETE, &name, None).await;
    assert_eq!(status, 200);
    let (status, gone) = v1beta(&sim, Method::GET, &name, None).await;
    assert_eq!(status, 403, "{gone}");
    let (status, err) = v1beta(
        &sim,
        Method::POST,
        "models/gemini-3.1-flash-image:generateContent",
        Some(body),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("may not exist")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn uploads_check_offsets_and_sizes() {
    let sim = sim_with_batch_step(Duration::from_millis(50)).await;
    let client = Client::new();
    let start = client
        .post(format!("{}/upload/v1beta/files", sim.base_url()))
        .header("x-goog-api-key", KEY)
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .header("x-goog-upload-header-content-length", "10")
        .send()
        .await
        .unwrap();
    let url = start.headers()["x-goog-upload-url"]
        .to_str()
        .unwrap()
        .to_string();
    let wrong_offset = client
        .post(&url)
        .header("x-goog-upload-command", "upload")
        .header("x-goog-upload-offset", "5")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_offset.status(), 400);
    let short = client
        .post(&url)
        .header("x-goog-upload-command", "upload, finalize")
        .header("x-goog-upload-offset", "0")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400, "3 bytes where 10 were declared");
    let no_key = client
        .post(format!("{}/upload/v1beta/files", sim.base_url()))
        .header("x-goog-upload-protocol", "resumable")
        .header("x-goog-upload-command", "start")
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 403);
    sim.shutdown().await;
}
