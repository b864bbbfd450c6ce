//! Hostile and mutated bodies: every one gets a 200 or a proper 4xx envelope, and the server keeps serving.

use serde_json::{Value, json};

use crate::common::*;

async fn send(client: &reqwest::Client, url: &str, body: Vec<u8>) -> (u16, String) {
    let resp = client
        .post(url)
        .header("x-goog-api-key", "k")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server must answer, not drop the connection");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

fn head(text: &str) -> String {
    text.chars().take(300).collect()
}

fn assert_sane(status: u16, text: &str, what: &str) {
    assert!(
        status == 200 || (400..500).contains(&status),
        "{what}: HTTP {status}: {}",
        head(text)
    );
    let v: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}: {}", head(text)));
    if status != 200 {
        assert_eq!(v["error"]["code"], status, "{what}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }
}

/// Every path to a value inside `v`, as a list of keys and indices.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(json!(k));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(json!(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[Value], new: Value) {
    let mut cur = v;
    for step in path {
        cur = match step {
            Value::String(k) => &mut cur[k.as_str()],
            Value::Number(i) => &mut cur[i.as_u64().unwrap() as usize],
            _ => unreachable!(),
        };
    }
    *cur = new;
}

#[tokio::test]
async fn every_mutation_of_a_valid_body_is_answered_sanely() {
    let sim = sim(config()).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/v1beta/models/gemini-3.1-flash-image:generateContent",
        sim.base_url()
    );
    let valid = json!({
        "contents": [
            {"role": "user", "parts": [{"text": "a fox"}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]},
            {"role": "model", "parts": [{"text": "ok", "thought": true}]},
            {"role": "user", "parts": [{"text": "bluer"}, {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a.png"}}]}
        ],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": "1:1", "imageSize": "512"},
            "thinkingConfig": {"includeThoughts": true, "thinkingLevel": "HIGH"},
            "seed": 3, "temperature": 1.0, "candidateCount": 1
        },
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        "tools": [{"googleSearch": {"searchTypes": {"webSearch": {}}}}],
        "systemInstruction": {"parts": [{"text": "be brief"}]}
    });
    let (status, text) = send(&client, &url, valid.to_string().into_bytes()).await;
    assert_eq!(status, 200, "{text}");
    let mut all = Vec::new();
    paths(&valid, &mut Vec::new(), &mut all);
    let replacements = [
        Value::Null,
        json!(0),
        json!(-1),
        json!(1e300),
        json!("x"),
        json!("AAAA"),
        json!([]),
        json!({}),
        json!(true),
        json!([[1]]),
    ];
    let mut refused = 0;
    for path in all.iter().filter(|p| !p.is_empty()) {
        for new in &replacements {
            let mut body = valid.clone();
            replace(&mut body, path, new.clone());
            let (status, text) = send(&client, &url, body.to_string().into_bytes()).await;
            assert_sane(status, &text, &format!("{path:?} = {new}"));
            refused += usize::from(status != 200);
        }
    }
    assert!(
        refused > 50,
        "mutations should mostly be refused, only {refused} were"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn garbage_bodies_are_refused_without_harm() {
    let sim = sim(config()).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/v1beta/models/gemini-3.1-flash-image:generateContent",
        sim.base_url()
    );
    let deep = "[".repeat(5000) + &"]".repeat(5000);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        deep.into_bytes(),
        br#"{"contents": [{"parts": [{}]}]}"#.to_vec(),
        br#"{"contents": [{"role": "robot", "parts": [{"text": "x"}]}]}"#.to_vec(),
        br#"{"contents": [{"role": "model", "parts": [{"inlineData": {"mimeType": "image/png"}}]}]}"#.to_vec(),
        br#"{"contents": [{"parts": [{"inlineData": {"mimeType": "image/gif", "data": "AAAA"}}]}]}"#.to_vec(),
        br#"{"contents": [{"parts": [{"fileData": {"fileUri": "files/"}}]}]}"#.to_vec(),
        br#"{"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"responseFormat": [{"image": 5}]}}"#.to_vec(),
        br#"{"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"candidateCount": 4}}"#.to_vec(),
        br#"{"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"temperature": "NaN"}}"#.to_vec(),
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
        let (status, text) = send(&client, &url, body).await;
        assert_eq!(status / 100, 4, "{shown}: {status} {}", head(&text));
        assert_sane(status, &text, &shown);
    }
    let (status, _) = send(&client, &url, br#"{"contents": [{"parts": [{"text": "still alive"}]}], "generationConfig": {"imageConfig": {"imageSize": "512"}}}"#.to_vec()).await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}
