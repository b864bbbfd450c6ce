//! The images a request brings: inline bytes, Files API URIs resolved to their bytes, on
//! Vertex AI `gs://` objects read from the simulated Cloud Storage, and URLs the simulator
//! counts but cannot fetch (it is offline).

use serde_json::Value;

use super::errors::SimError;
use super::schema::{decode_base64, get};

/// Image MIME types accepted as input.
const INPUT_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
];

/// A file referenced by `fileData.fileUri`, as the Files API (or, for Vertex AI's `gs://`
/// URIs, the simulated Cloud Storage) knows it.
#[derive(Debug, Clone)]
pub struct ResolvedFile {
    /// Its MIME type.
    pub mime_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The image bytes of a part (empty for a URL the simulator cannot fetch), if it is an image.
pub fn part_image(
    part: &Value,
    ci: usize,
    pi: usize,
    lookup: &dyn Fn(&str) -> Option<ResolvedFile>,
) -> Result<Option<Vec<u8>>, SimError> {
    if let Some(blob) = get(part, "inline_data") {
        let mime = get(blob, "mime_type").and_then(Value::as_str).unwrap_or("");
        if mime.is_empty() {
            return Err(SimError::invalid(format!(
                "* GenerateContentRequest.contents[{ci}].parts[{pi}].inline_data.mime_type: mime_type is not specified\n"
            )));
        }
        let mime = mime.to_ascii_lowercase();
        if !mime.starts_with("image/") {
            return Ok(None);
        }
        if !INPUT_IMAGE_TYPES.contains(&mime.as_str()) {
            return Err(SimError::invalid(format!("Unsupported MIME type: {mime}")));
        }
        let bytes = get(blob, "data")
            .and_then(Value::as_str)
            .and_then(decode_base64)
            .unwrap_or_default();
        if bytes.is_empty() {
            return Err(SimError::invalid(format!(
                "* GenerateContentRequest.contents[{ci}].parts[{pi}].inline_data.data: data is empty\n"
            )));
        }
        return Ok(Some(bytes));
    }
    let Some(file) = get(part, "file_data") else {
        return Ok(None);
    };
    let uri = get(file, "file_uri").and_then(Value::as_str).unwrap_or("");
    if uri.is_empty() {
        return Err(SimError::invalid(format!(
            "* GenerateContentRequest.contents[{ci}].parts[{pi}].file_data.file_uri: file_uri is not specified\n"
        )));
    }
    let declared = get(file, "mime_type").and_then(Value::as_str).unwrap_or("");
    let known_scheme = ["files/", "https://", "http://", "gs://"]
        .iter()
        .any(|p| uri.starts_with(p));
    if !known_scheme || uri == "files/" {
        return Err(SimError::invalid(format!(
            "* GenerateContentRequest.contents[{ci}].parts[{pi}].file_data.file_uri: Unsupported file uri: {uri}\n"
        )));
    }
    if let Some(id) = files_api_id(uri) {
        let Some(found) = lookup(&id) else {
            return Err(SimError::new(
                403,
                "PERMISSION_DENIED",
                format!("You do not have permission to access the File {id} or it may not exist."),
            ));
        };
        if !found.mime_type.starts_with("image/") {
            return Ok(None);
        }
        return Ok(Some(found.bytes));
    }
    if uri.starts_with("gs://")
        && let Some(found) = lookup(uri)
    {
        // A Vertex AI request's object, read from the simulated Cloud Storage.
        let image = declared.starts_with("image/") || found.mime_type.starts_with("image/");
        return Ok(image.then_some(found.bytes));
    }
    // A public URL, a GCS object on the Gemini API or a video link: counted, not fetched.
    Ok(declared.starts_with("image/").then(Vec::new))
}

/// The file id in a Files API URI (`…/v1beta/files/abc` or `files/abc`).
pub fn files_api_id(uri: &str) -> Option<String> {
    let rest = if let Some(rest) = uri.strip_prefix("files/") {
        rest
    } else if uri.starts_with("http://") || uri.starts_with("https://") {
        let (_, rest) = uri.split_once("/files/")?;
        let host_path = uri.split("/files/").next().unwrap_or("");
        if !(host_path.ends_with("/v1beta") || host_path.ends_with("/v1")) {
            return None;
        }
        rest
    } else {
        return None;
    };
    let id = rest.split(['?', '#', ':', '/']).next().unwrap_or("");
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_api_ids_are_recognised() {
        assert_eq!(files_api_id("files/abc").as_deref(), Some("abc"));
        assert_eq!(
            files_api_id("http://127.0.0.1:9/v1beta/files/xyz-1").as_deref(),
            Some("xyz-1")
        );
        assert_eq!(files_api_id("https://example.com/cat.png"), None);
        assert_eq!(files_api_id("gs://bucket/files/x"), None);
    }
}
