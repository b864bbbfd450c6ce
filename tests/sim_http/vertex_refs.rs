//! Vertex AI reading `gs://` reference images from the simulator's own Cloud Storage (drawn
//! as the reference's swatch; a missing object or bucket refused with 400 naming the URI,
//! while the Gemini API still only counts such a URI), and batch prediction running a job's
//! lines a few at a time, each written as it finishes: out of input order.

use std::time::Duration;

use peel::sim::{Latency, SimConfig};
use serde_json::{Value, json};

use crate::common::{Answer, FLASH, KEY, body, config, png, post, sim};
use crate::storage::{CLOUD, finished_job, job_body, jobs_url, predictions, token};

/// The colour of `png(SEED)`, a solid image.
const SEED: u8 = 9;
const COLOUR: [u8; 3] = [SEED, 100, 200];

/// Uploads `bytes` as `gs://bkt/{name}`.
async fn put(base: &str, token: &str, name: &str, mime: &str, bytes: Vec<u8>) {
    let put = reqwest::Client::new()
        .post(format!(
            "{base}/upload/storage/v1/b/bkt/o?uploadType=media&name={name}"
        ))
        .bearer_auth(token)
        .header("content-type", mime)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
}

/// A generateContent body whose user turn names `uri` as a PNG.
fn with_ref(prompt: &str, uri: &str) -> Value {
    let mut b = body(prompt, json!({"imageConfig": {"imageSize": "512"}}));
    b["contents"][0]["parts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fileData": {"fileUri": uri, "mimeType": "image/png"}}));
    b
}

/// A Vertex AI generateContent with a bearer token.
async fn vertex(base: &str, token: &str, body: &Value) -> Answer {
    let answer = reqwest::Client::new()
        .post(format!(
            "{base}/v1/projects/p/locations/global/publishers/google/models/{FLASH}:generateContent"
        ))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    Answer {
        status: answer.status().as_u16(),
        headers: answer.headers().clone(),
        text: answer.text().await.unwrap(),
    }
}

/// The colour at the middle of the first reference swatch (top right; see `render.rs`).
fn swatch_colour(image: &[u8]) -> [u8; 3] {
    let image = image::load_from_memory(image).unwrap().into_rgb8();
    let (w, h) = image.dimensions();
    let short = w.min(h);
    let stripe = (short / 40).max(2);
    let (side, margin) = (stripe * 5, (short / 40).max(2));
    let (x, y) = (w - (side + margin) + side / 2, margin + side / 2);
    image.get_pixel(x, y).0
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12)
}

#[tokio::test]
async fn vertex_draws_a_gs_reference_from_the_buckets_and_refuses_a_missing_one() {
    let sim = sim(SimConfig {
        buckets: vec!["bkt".into()],
        ..config()
    })
    .await;
    let base = sim.base_url();
    let cloud = token(&base, CLOUD).await;
    put(&base, &cloud, "ref.png", "image/png", png(SEED)).await;

    let drawn = vertex(&base, &cloud, &with_ref("a fox", "gs://bkt/ref.png")).await;
    assert_eq!(drawn.status, 200, "{}", drawn.text);
    let images = drawn.images();
    assert_eq!(images.len(), 1, "{}", drawn.text);
    let seen = swatch_colour(&images[0].1);
    assert!(
        close(seen, COLOUR),
        "the reference's colour {COLOUR:?} is not drawn: {seen:?}"
    );
    let without = vertex(
        &base,
        &cloud,
        &body("a fox", json!({"imageConfig": {"imageSize": "512"}})),
    )
    .await;
    assert_eq!(without.status, 200, "{}", without.text);
    assert!(
        !close(swatch_colour(&without.images()[0].1), COLOUR),
        "the swatch is there without the reference"
    );

    for missing in ["gs://bkt/none.png", "gs://nobucket/ref.png"] {
        let refused = vertex(&base, &cloud, &with_ref("a fox", missing)).await;
        let (status, rpc, message) = refused.error();
        assert_eq!(
            (status, rpc.as_str()),
            (400, "INVALID_ARGUMENT"),
            "{}",
            refused.text
        );
        assert!(message.contains(missing), "{message}");
    }

    // The Gemini API does not read Cloud Storage: such a URI is counted, as before.
    let gemini = post(
        format!("{base}/v1beta/models/{FLASH}:generateContent"),
        Some(KEY),
        &with_ref("a fox", "gs://bkt/none.png").to_string(),
    )
    .await;
    assert_eq!(gemini.status, 200, "{}", gemini.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_prediction_lines_run_side_by_side_and_are_written_as_they_finish() {
    const LINE: Duration = Duration::from_millis(500);
    let sim = sim(SimConfig {
        buckets: vec!["bkt".into()],
        latency: Latency::Fixed(LINE),
        ..config()
    })
    .await;
    let base = sim.base_url();
    let cloud = token(&base, CLOUD).await;
    put(&base, &cloud, "refs/a.png", "image/png", png(SEED)).await;
    let line = |item: usize, uri: Option<&str>| {
        let mut request = match uri {
            Some(uri) => with_ref(&format!("kite {item}"), uri),
            None => body(
                &format!("kite {item}"),
                json!({"imageConfig": {"imageSize": "512"}}),
            ),
        };
        request["labels"] = json!({"peel_item": item.to_string()});
        json!({"request": request}).to_string()
    };
    // Line 2 is not JSON: refused at once, while the lines before it wait out the latency.
    let mut lines = vec![
        line(0, None),
        line(1, Some("gs://bkt/refs/a.png")),
        "not json".to_string(),
        line(3, Some("gs://bkt/refs/missing.png")),
    ];
    lines.extend((4..8).map(|i| line(i, None)));
    put(
        &base,
        &cloud,
        "in.jsonl",
        "application/jsonl",
        lines.join("\n").into_bytes(),
    )
    .await;
    let created: Value = reqwest::Client::new()
        .post(jobs_url(&base))
        .bearer_auth(&cloud)
        .json(&job_body("gs://bkt/in.jsonl", "gs://bkt/out", json!({})))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let name = created["name"].as_str().expect("a job").to_string();
    let job = finished_job(&base, &cloud, &name).await;
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
    assert_eq!(
        job["completionStats"],
        json!({"successfulCount": "6", "failedCount": "2", "incompleteCount": "0"})
    );
    let rows = predictions(&base, &cloud, &job).await;
    assert_eq!(rows.len(), 8, "{rows:?}");

    // Written as they finish: the malformed third line comes first.
    assert!(
        rows[0]["status"]
            .as_str()
            .unwrap()
            .starts_with("Bad Request: invalid JSON line"),
        "{rows:?}"
    );
    let mut items: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["request"]["labels"]["peel_item"].as_str())
        .collect();
    items.sort();
    assert_eq!(items, ["0", "1", "3", "4", "5", "6", "7"]);
    let by_item = |item: &str| {
        rows.iter()
            .find(|r| r["request"]["labels"]["peel_item"] == item)
            .unwrap()
    };
    assert_eq!(
        by_item("1")["status"],
        "",
        "a gs:// reference that exists is read"
    );
    let missing = by_item("3")["status"].as_str().unwrap();
    assert!(
        missing.starts_with("Bad Request: ") && missing.contains("gs://bkt/refs/missing.png"),
        "{missing}"
    );

    // A few at a time, not all at once: four at a time, the seven lines that wait span at
    // least two latencies (that they do not run one by one is shown by the line written
    // first above; an upper bound on the span would only measure the machine's load).
    let times: Vec<chrono::DateTime<chrono::Utc>> = rows
        .iter()
        .map(|r| r["processed_time"].as_str().unwrap().parse().unwrap())
        .collect();
    let span = (*times.iter().max().unwrap() - *times.iter().min().unwrap())
        .to_std()
        .unwrap();
    assert!(
        span >= LINE * 2 - Duration::from_millis(150),
        "{span:?}: more than four at once"
    );
    sim.shutdown().await;
}
