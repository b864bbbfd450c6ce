//! Cloud Storage's error envelope, `{"error":{"code","message","errors":[…]}}`, read into
//! typed errors that say what to fix (credentials, the bucket's role, the bucket itself).

use serde::Deserialize;

use super::error::ApiError;
use super::wire::ErrorBody;

/// The name used in messages.
const SERVICE: &str = "Cloud Storage";

#[derive(Deserialize)]
struct StorageEnvelope {
    error: StorageErrorBody,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StorageErrorBody {
    code: u16,
    message: String,
}

/// Reads Cloud Storage's `{"error":{"code","message","errors":[…]}}` into a typed error.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> ApiError {
    let Ok(envelope) = serde_json::from_slice::<StorageEnvelope>(body) else {
        return ApiError::unparsed(status, body);
    };
    let message = envelope.error.message.trim().to_string();
    let code = if envelope.error.code == 0 {
        status
    } else {
        envelope.error.code
    };
    match code {
        401 => ApiError::Unauthorized {
            service: SERVICE.into(),
            message,
            fix: "Cloud Storage takes the same credentials as Vertex AI: check GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`.".into(),
        },
        403 => ApiError::Unauthorized {
            service: SERVICE.into(),
            message,
            fix: "Grant the account the Storage Object Admin role (roles/storage.objectAdmin) on the bucket, or point `batch_bucket` under [vertex] (or --bucket) at a bucket it may write.".into(),
        },
        404 => ApiError::NotFound { message },
        _ => ApiError::from_body(
            status,
            ErrorBody {
                code,
                message,
                ..ErrorBody::default()
            },
            retry_after,
            "",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_what_to_fix() {
        let body = br#"{"error":{"code":403,"message":"x does not have storage.objects.create access","errors":[{"reason":"forbidden"}]}}"#;
        let e = classify(403, None, body).to_string();
        assert!(
            e.contains("roles/storage.objectAdmin") && e.contains("batch_bucket"),
            "{e}"
        );
        let body = br#"{"error":{"code":404,"message":"The specified bucket does not exist."}}"#;
        assert!(matches!(
            classify(404, None, body),
            ApiError::NotFound { .. }
        ));
        let body = br#"{"error":{"code":503,"message":"backend error"}}"#;
        assert!(classify(503, None, body).is_retryable());
    }
}
