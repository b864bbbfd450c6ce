//! `gs://` URIs in Vertex AI requests (`fileData.fileUri`, online and in batch prediction
//! lines): read from the simulated buckets, so a reference image uploaded once is drawn like
//! an inline one, and a URI whose bucket or object does not exist is refused with 400
//! `INVALID_ARGUMENT` naming the URI, as Vertex AI refuses what it cannot fetch.

use std::collections::HashMap;

use serde_json::Value;

use super::ObjectStore;
use crate::sim::errors::SimError;
use crate::sim::inputs::ResolvedFile;
use crate::sim::schema::get;

/// `gs://BUCKET/NAME` split into bucket and object name (both non-empty).
fn split(uri: &str) -> Option<(&str, &str)> {
    let (bucket, name) = uri.strip_prefix("gs://")?.split_once('/')?;
    (!bucket.is_empty() && !name.is_empty()).then_some((bucket, name))
}

/// The `gs://` URIs of a generateContent body's `fileData` parts, in order.
fn uris(body: &Value) -> impl Iterator<Item = &str> {
    get(body, "contents")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| get(c, "parts").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| get(p, "file_data"))
        .filter_map(|f| get(f, "file_uri").and_then(Value::as_str))
        .filter(|u| u.starts_with("gs://"))
}

/// Reads every `gs://` object a Vertex AI request's `fileData` names, by URI; the first
/// one that cannot be read (no such bucket or object, or a malformed URI) refuses the
/// request.
pub fn read_all(
    store: &ObjectStore,
    body: &Value,
) -> Result<HashMap<String, ResolvedFile>, SimError> {
    let mut found = HashMap::new();
    for uri in uris(body) {
        if found.contains_key(uri) {
            continue;
        }
        let file = split(uri)
            .and_then(|(bucket, name)| store.object(bucket, name).ok().flatten())
            .and_then(|object| {
                let bytes = std::fs::read(&*object.path).ok()?;
                Some(ResolvedFile {
                    mime_type: object.content_type,
                    bytes,
                })
            })
            .ok_or_else(|| {
                SimError::invalid(format!(
                    "Cannot fetch content from the provided URL {uri}: the object does not exist, or the Vertex AI Service Agent cannot read it."
                ))
            })?;
        found.insert(uri.to_string(), file);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::storage::Declared;
    use serde_json::json;

    fn body(uri: &str) -> Value {
        json!({"contents": [{"role": "user", "parts": [
            {"text": "a cat"},
            {"fileData": {"fileUri": uri, "mimeType": "image/png"}},
            {"file_data": {"file_uri": "files/abc", "mime_type": "image/png"}},
        ]}]})
    }

    #[test]
    fn objects_are_read_and_missing_ones_refused_by_uri() {
        let store = ObjectStore::new(&["b".into()], &[]).unwrap();
        store
            .put_bytes(
                "b",
                "refs/a.png",
                "image/png",
                b"png bytes",
                &Declared::default(),
            )
            .unwrap();
        let read = read_all(&store, &body("gs://b/refs/a.png")).unwrap();
        assert_eq!(read.len(), 1, "only gs:// URIs are read");
        let file = &read["gs://b/refs/a.png"];
        assert_eq!(
            (file.mime_type.as_str(), &file.bytes[..]),
            ("image/png", &b"png bytes"[..])
        );
        for missing in [
            "gs://b/refs/none.png",
            "gs://nobucket/a.png",
            "gs://b",
            "gs://b/",
        ] {
            let refused = read_all(&store, &body(missing)).unwrap_err();
            assert_eq!(
                (refused.code, refused.status),
                (400, "INVALID_ARGUMENT"),
                "{missing}"
            );
            assert!(
                refused.message.contains(missing),
                "{missing}: {}",
                refused.message
            );
        }
    }
}
