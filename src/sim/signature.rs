//! Thought signatures: opaque base64 strings derived from a fixed server secret and the
//! part's content, so they survive a restart and any change to the content breaks them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::errors::SimError;
use super::schema::{decode_base64, get};

/// The fixed secret every simulator instance signs with.
const SECRET: &[u8] = b"peel-sim/thought-signature/v1/7f3a9c1e5b";

/// A marker so signatures look like opaque protobuf bytes, as the real ones do.
const PREFIX: &[u8] = &[0x0a, 0x24, 0x70, 0x65, 0x65, 0x6c];

/// What a signature covers.
#[derive(Debug, Clone, Copy)]
pub enum Signed<'a> {
    /// The bytes of an image part.
    Image(&'a [u8]),
    /// The text of a text part.
    Text(&'a str),
}

/// The signature for a part's content.
pub fn sign(content: Signed<'_>) -> String {
    let (kind, bytes): (&[u8], &[u8]) = match content {
        Signed::Image(b) => (b"image", b),
        Signed::Text(t) => (b"text", t.as_bytes()),
    };
    let mut hasher = Sha256::new();
    hasher.update(SECRET);
    hasher.update(kind);
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
    let digest = hasher.finalize();
    let mut raw = PREFIX.to_vec();
    raw.extend_from_slice(&digest);
    STANDARD.encode(raw)
}

/// True when `signature` is the one this server issued for `content`.
pub fn verify(signature: &str, content: Signed<'_>) -> bool {
    let Some(given) = decode_base64(signature) else {
        return false;
    };
    let Some(expected) = decode_base64(&sign(content)) else {
        return false;
    };
    given == expected
}

/// Checks every `model` turn of a request's `contents`: each non-thought inline image
/// must carry its signature, and any signature present must match its part.
pub fn check_history(contents: &[Value]) -> Result<(), SimError> {
    for (ci, content) in contents.iter().enumerate() {
        let role = get(content, "role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        if role != "model" {
            continue;
        }
        let parts = get(content, "parts")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (pi, part) in parts.iter().enumerate() {
            check_part(ci, pi, part)?;
        }
    }
    Ok(())
}

fn check_part(ci: usize, pi: usize, part: &Value) -> Result<(), SimError> {
    if get(part, "thought").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    let signature = get(part, "thought_signature").and_then(Value::as_str);
    if let Some(blob) = get(part, "inline_data") {
        let is_image = get(blob, "mime_type")
            .and_then(Value::as_str)
            .is_none_or(|m| m.starts_with("image/"));
        let bytes = get(blob, "data")
            .and_then(Value::as_str)
            .and_then(decode_base64)
            .unwrap_or_default();
        let Some(signature) = signature else {
            if !is_image {
                return Ok(());
            }
            return Err(SimError::invalid(format!(
                "Image part is missing a thought_signature in content position {}, part position {pi}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures#model-behavior for more details.",
                ci + 1
            )));
        };
        if !verify(signature, Signed::Image(&bytes)) {
            return Err(invalid_signature(ci));
        }
        return Ok(());
    }
    if let (Some(signature), Some(text)) = (signature, get(part, "text").and_then(Value::as_str))
        && !verify(signature, Signed::Text(text))
    {
        return Err(invalid_signature(ci));
    }
    Ok(())
}

fn invalid_signature(ci: usize) -> SimError {
    SimError::invalid(format!(
        "Unable to submit request because it has an invalid thought signature for content at index {ci}. Thought signatures must be passed back exactly as they were received, with the part they came with. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    #[test]
    fn signatures_are_stable_and_content_bound() {
        let a = sign(Signed::Image(b"abc"));
        assert_eq!(a, sign(Signed::Image(b"abc")));
        assert_ne!(a, sign(Signed::Image(b"abd")));
        assert_ne!(a, sign(Signed::Text("abc")));
        assert!(verify(&a, Signed::Image(b"abc")));
        assert!(!verify(&a, Signed::Image(b"xyz")));
        assert!(!verify("not base64!", Signed::Image(b"abc")));
    }

    #[test]
    fn history_needs_signed_model_images() {
        let img = b"png-bytes";
        let good = json!([
            {"role": "user", "parts": [{"text": "a fox"}, {"inlineData": {"mimeType": "image/png", "data": b64(b"ref")}}]},
            {"role": "model", "parts": [
                {"text": "thinking", "thought": true},
                {"text": "Here.", "thoughtSignature": sign(Signed::Text("Here."))},
                {"inline_data": {"mime_type": "image/png", "data": b64(img)}, "thought_signature": sign(Signed::Image(img))}]},
            {"role": "user", "parts": [{"text": "bluer"}]}
        ]);
        check_history(good.as_array().unwrap()).unwrap();

        let missing = json!([
            {"role": "user", "parts": [{"text": "a fox"}]},
            {"role": "model", "parts": [{"text": "Here."}, {"inlineData": {"mimeType": "image/png", "data": b64(img)}}]}
        ]);
        let err = check_history(missing.as_array().unwrap()).unwrap_err();
        assert!(err.message.starts_with(
            "Image part is missing a thought_signature in content position 2, part position 1."
        ));

        let altered = json!([
            {"role": "model", "parts": [{"inlineData": {"mimeType": "image/png", "data": b64(b"other")}, "thoughtSignature": sign(Signed::Image(img))}]}
        ]);
        let err = check_history(altered.as_array().unwrap()).unwrap_err();
        assert!(err.message.starts_with(
            "Unable to submit request because it has an invalid thought signature for content at index 0."
        ));
    }
}
