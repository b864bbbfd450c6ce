//! The simulator's Cloud Storage and Vertex AI batch prediction, over raw HTTP: uploads of
//! each kind checked against independently computed CRC32C and MD5, a resumable upload
//! picked up after a status query, listing and paging, the errors GCS answers, credentials
//! (or none in emulator mode); jobs refused for unknown fields and bad labels, listed by
//! label, failed part-way by the `batch-job-fail` fault with the finished lines written.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use md5::Digest as _;
use peel::sim::{FaultSpec, SimConfig, SimHandle};
use serde_json::{Value, json};

use crate::common::{config, sim};

/// GETs `url` (with a bearer token if given) and reads the answer as JSON.
async fn get_json(url: String, token: Option<&str>) -> Value {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn crc(bytes: &[u8]) -> String {
    STANDARD.encode(crc32c::crc32c(bytes).to_be_bytes())
}

fn md5(bytes: &[u8]) -> String {
    STANDARD.encode(md5::Md5::digest(bytes))
}

async fn emulator() -> SimHandle {
    sim(SimConfig {
        storage_emulator: true,
        buckets: vec!["bkt".into()],
        ..config()
    })
    .await
}

#[tokio::test]
async fn a_resumable_upload_is_picked_up_where_the_service_says_it_stopped() {
    let sim = emulator().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let start = http
        .post(format!(
            "{base}/upload/storage/v1/b/bkt/o?uploadType=resumable&name=runs/7/input.jsonl"
        ))
        .header("x-upload-content-type", "application/jsonl")
        .json(&json!({"name": "runs/7/input.jsonl", "crc32c": crc(&bytes)}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    let session = start.headers()["location"].to_str().unwrap().to_string();
    assert!(session.contains("upload_id="), "{session}");
    let first = http
        .put(&session)
        .header("content-range", format!("bytes 0-262143/{}", bytes.len()))
        .body(bytes[..262_144].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 308);
    // The client "died"; a new one asks how far the session got.
    let status = http
        .put(&session)
        .header("content-range", format!("bytes */{}", bytes.len()))
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 308);
    assert_eq!(status.headers()["range"], "bytes=0-262143");
    let rest = http
        .put(&session)
        .header(
            "content-range",
            format!("bytes 262144-{}/{}", bytes.len() - 1, bytes.len()),
        )
        .body(bytes[262_144..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 200);
    let object: Value = rest.json().await.unwrap();
    assert_eq!(object["size"], bytes.len().to_string());
    assert_eq!(object["crc32c"], crc(&bytes));
    assert_eq!(object["md5Hash"], md5(&bytes));
    let read = http
        .get(format!(
            "{base}/storage/v1/b/bkt/o/runs%2F7%2Finput.jsonl?alt=media"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(read.bytes().await.unwrap().to_vec(), bytes);
    let again = http
        .get(format!(
            "{base}/download/storage/v1/b/bkt/o/runs%2F7%2Finput.jsonl?alt=media"
        ))
        .header("range", "bytes=699990-")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 206);
    assert_eq!(again.bytes().await.unwrap().to_vec(), bytes[699_990..]);
}

#[tokio::test]
async fn objects_list_page_and_delete_and_errors_read_as_gcs_writes_them() {
    let sim = emulator().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    for name in ["a/1.txt", "a/2.txt", "b/3.txt"] {
        let put = http
            .post(format!(
                "{base}/upload/storage/v1/b/bkt/o?uploadType=media&name={name}"
            ))
            .header("content-type", "text/plain")
            .body(name.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
    }
    let wrong = http
        .post(format!(
            "{base}/upload/storage/v1/b/bkt/o?uploadType=media&name=c.txt"
        ))
        .header("x-goog-hash", format!("crc32c={}", crc(b"other")))
        .body("text")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong.status(),
        400,
        "a checksum that does not match is refused"
    );
    let page: Value = get_json(
        format!("{base}/storage/v1/b/bkt/o?prefix=a/&maxResults=1"),
        None,
    )
    .await;
    assert_eq!(page["items"][0]["name"], "a/1.txt");
    let token = page["nextPageToken"].as_str().unwrap();
    let next: Value = get_json(
        format!("{base}/storage/v1/b/bkt/o?prefix=a/&maxResults=1&pageToken={token}"),
        None,
    )
    .await;
    assert_eq!(next["items"][0]["name"], "a/2.txt");
    assert!(next.get("nextPageToken").is_none());
    let none: Value = get_json(format!("{base}/storage/v1/b/bkt/o?prefix=zzz/"), None).await;
    assert!(
        none.get("items").is_none(),
        "an empty list has no items: {none}"
    );
    let deleted = http
        .delete(format!("{base}/storage/v1/b/bkt/o/b%2F3.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = http
        .get(format!("{base}/storage/v1/b/bkt/o/b%2F3.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["message"], "No such object: bkt/b/3.txt");
    assert_eq!(body["error"]["errors"][0]["reason"], "notFound");
    let bucket = http
        .get(format!("{base}/storage/v1/b/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bucket.status(), 404);
}

/// A bearer token from the simulator's `/token` (the simulator checks the JWT's claims).
pub async fn token(base: &str, scope: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = format!(
        "{}.{}.{}",
        part(json!({"alg": "RS256", "typ": "JWT"})),
        part(json!({"iss": "t@p.iam.gserviceaccount.com", "scope": scope,
                    "aud": format!("{base}/token"), "iat": now, "exp": now + 600})),
        URL_SAFE_NO_PAD.encode(b"signature")
    );
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={jwt}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

pub const CLOUD: &str = "https://www.googleapis.com/auth/cloud-platform";

#[tokio::test]
async fn credentials_are_required_unless_the_simulator_is_an_emulator() {
    let sim = sim(SimConfig {
        buckets: vec!["bkt".into()],
        read_only_buckets: vec!["locked".into()],
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let anonymous = http
        .get(format!("{base}/storage/v1/b/bkt"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["reason"], "required");
    let cloud = token(&base, CLOUD).await;
    let ok = http
        .get(format!("{base}/storage/v1/b/bkt"))
        .bearer_auth(&cloud)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let locked = http
        .post(format!(
            "{base}/upload/storage/v1/b/locked/o?uploadType=media&name=x"
        ))
        .bearer_auth(&cloud)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 403);
    let reader = token(
        &base,
        "https://www.googleapis.com/auth/devstorage.read_only",
    )
    .await;
    let write = http
        .post(format!(
            "{base}/upload/storage/v1/b/bkt/o?uploadType=media&name=x"
        ))
        .bearer_auth(&reader)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403, "a read-only token cannot write");
    let vertex = http
        .get(format!(
            "{base}/v1/projects/p/locations/global/batchPredictionJobs"
        ))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(vertex.status(), 403, "nor call Vertex AI");
}

/// Waits (up to a minute) for job `name` to leave PENDING and RUNNING; the job then.
pub async fn finished_job(base: &str, token: &str, name: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = get_json(format!("{base}/v1/{name}"), Some(token)).await;
        if job["state"] != "JOB_STATE_PENDING" && job["state"] != "JOB_STATE_RUNNING" {
            return job;
        }
        assert!(Instant::now() < deadline, "{job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The rows of a finished job's `predictions.jsonl` in bucket `bkt`, in the order written.
pub async fn predictions(base: &str, token: &str, job: &Value) -> Vec<Value> {
    let dir = job["outputInfo"]["gcsOutputDirectory"].as_str().unwrap();
    let prefix = dir.strip_prefix("gs://bkt/").unwrap();
    let object = format!("{prefix}/predictions.jsonl").replace('/', "%2F");
    let text = reqwest::Client::new()
        .get(format!("{base}/storage/v1/b/bkt/o/{object}?alt=media"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn jobs_url(base: &str) -> String {
    format!("{base}/v1/projects/p/locations/global/batchPredictionJobs")
}

pub fn job_body(input: &str, output: &str, labels: Value) -> Value {
    json!({
        "displayName": "t",
        "model": "publishers/google/models/gemini-3.1-flash-image",
        "inputConfig": {"instancesFormat": "jsonl", "gcsSource": {"uris": [input]}},
        "outputConfig": {"predictionsFormat": "jsonl", "gcsDestination": {"outputUriPrefix": output}},
        "labels": labels,
    })
}

#[tokio::test]
async fn batch_prediction_jobs_are_strict_listed_by_label_and_fail_part_way_on_the_fault() {
    let sim = sim(SimConfig {
        buckets: vec!["bkt".into()],
        faults: FaultSpec::parse("batch-job-fail:1").unwrap(),
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let cloud = token(&base, CLOUD).await;
    let lines: String = (1..=4)
        .map(|i| {
            json!({"request": {"contents": [{"role": "user", "parts": [{"text": format!("kite {i}")}]}],
                               "labels": {"peel_item": i.to_string()}}})
            .to_string()
                + "\n"
        })
        .collect();
    let put = http
        .post(format!(
            "{base}/upload/storage/v1/b/bkt/o?uploadType=media&name=in.jsonl"
        ))
        .bearer_auth(&cloud)
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let mut unknown = job_body("gs://bkt/in.jsonl", "gs://bkt/out", json!({}));
    unknown["priority"] = json!(1);
    let refused = http
        .post(jobs_url(&base))
        .bearer_auth(&cloud)
        .json(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Unknown name \\\"priority\\\"")
    );
    let bad_label = job_body(
        "gs://bkt/in.jsonl",
        "gs://bkt/out",
        json!({"peel_run": "Run7"}),
    );
    let refused = http
        .post(jobs_url(&base))
        .bearer_auth(&cloud)
        .json(&bad_label)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let missing = job_body("gs://bkt/none.jsonl", "gs://bkt/out", json!({}));
    let refused = http
        .post(jobs_url(&base))
        .bearer_auth(&cloud)
        .json(&missing)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);

    let body = job_body(
        "gs://bkt/in.jsonl",
        "gs://bkt/out",
        json!({"peel_run": "7"}),
    );
    let created: Value = http
        .post(jobs_url(&base))
        .bearer_auth(&cloud)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["state"], "JOB_STATE_PENDING");
    let name = created["name"].as_str().unwrap().to_string();
    let listed: Value = get_json(
        format!("{}?filter=labels.peel_run%3D%227%22", jobs_url(&base)),
        Some(&cloud),
    )
    .await;
    assert_eq!(listed["batchPredictionJobs"][0]["name"], name.as_str());
    let other: Value = get_json(
        format!("{}?filter=labels.peel_run%3D%228%22", jobs_url(&base)),
        Some(&cloud),
    )
    .await;
    assert!(other.get("batchPredictionJobs").is_none(), "{other}");

    let job = finished_job(&base, &cloud, &name).await;
    assert_eq!(job["state"], "JOB_STATE_FAILED", "{job}");
    assert_eq!(job["error"]["code"], 13);
    assert_eq!(job["completionStats"]["successfulCount"], "2");
    assert_eq!(job["completionStats"]["incompleteCount"], "2");
    let rows = predictions(&base, &cloud, &job).await;
    assert_eq!(rows.len(), 2);
    // Lines are written as they finish, in any order: they are matched by label.
    let mut items: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["request"]["labels"]["peel_item"].as_str())
        .collect();
    items.sort();
    assert_eq!(items, ["1", "2"], "the first half of the lines ran");
    for row in &rows {
        assert_eq!(row["status"], "");
        assert!(row["response"]["candidates"][0]["content"]["parts"].is_array());
    }
    let cancel = http
        .post(format!("{base}/v1/{name}:cancel"))
        .bearer_auth(&cloud)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 400, "a finished job cannot be cancelled");
}
