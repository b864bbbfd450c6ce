//! Vertex AI: publisher-model URLs, bearer tokens from Application Default Credentials
//! (through `gcp_auth`, which caches them and refreshes them before they expire), express
//! mode with an API key, and Vertex's own error shapes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gcp_auth::{CustomServiceAccount, TokenProvider};
use reqwest::header::HeaderValue;
use serde::Deserialize;

use super::error::{ApiError, detail_field};
use super::http::error_chain;
use super::wire::{ErrorEnvelope, ModelInfo};

/// The OAuth scope Vertex AI needs.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The service name used in messages.
const SERVICE: &str = "Vertex AI";

/// Longest wait for a token endpoint (gcp_auth sets no timeout of its own).
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// How requests to Vertex AI are authorized.
#[derive(Clone)]
pub enum VertexCredential {
    /// Express mode: the key is the client's `x-goog-api-key` header; paths carry no project.
    ApiKey,
    /// A bearer token per request, from a cached, self-refreshing provider.
    Token {
        /// The token source.
        provider: Arc<dyn TokenProvider>,
        /// Where the credentials came from, for messages ("service account x@y").
        source: String,
    },
}

/// Where Vertex AI requests go and how they are authorized.
#[derive(Clone)]
pub struct VertexTarget {
    /// Project id (unused in express mode).
    pub project: String,
    /// Location, e.g. `global`.
    pub location: String,
    /// How requests are authorized.
    pub credential: VertexCredential,
}

impl std::fmt::Debug for VertexTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credential = match &self.credential {
            VertexCredential::ApiKey => "api key (redacted)".to_string(),
            VertexCredential::Token { source, .. } => format!("token from {source}"),
        };
        f.debug_struct("VertexTarget")
            .field("project", &self.project)
            .field("location", &self.location)
            .field("credential", &credential)
            .finish()
    }
}

/// A token provider for a service-account key file, with the project it names.
pub fn service_account(path: &Path) -> Result<(Arc<dyn TokenProvider>, Option<String>), ApiError> {
    if !path.is_file() {
        return Err(ApiError::Credentials {
            message: format!(
                "the service-account key file {} does not exist",
                path.display()
            ),
        });
    }
    let account = CustomServiceAccount::from_file(path).map_err(|e| ApiError::Credentials {
        message: format!(
            "{} is not a usable service-account key ({})",
            path.display(),
            error_chain(&e)
        ),
    })?;
    let project = account.project_id().map(str::to_string);
    Ok((Arc::new(account), project))
}

/// The Application Default Credentials provider (gcloud ADC file, metadata server, gcloud).
pub async fn application_default() -> Result<(Arc<dyn TokenProvider>, Option<String>), ApiError> {
    let provider = gcp_auth::provider()
        .await
        .map_err(|e| ApiError::Credentials {
            message: format!(
                "no Application Default Credentials were found ({})",
                error_chain(&e)
            ),
        })?;
    let project = provider.project_id().await.ok().map(|p| p.to_string());
    Ok((provider, project))
}

impl VertexTarget {
    /// True in express mode (API key, project-less paths).
    pub fn is_express(&self) -> bool {
        matches!(self.credential, VertexCredential::ApiKey)
    }

    /// The model's resource path: with project and location, or project-less in express mode.
    pub fn model_path(&self, model: &str) -> String {
        if self.is_express() {
            format!("publishers/google/models/{model}")
        } else {
            format!(
                "projects/{}/locations/{}/publishers/google/models/{model}",
                self.project, self.location
            )
        }
    }

    /// `Authorization: Bearer …` for one request (a cached token unless it is about to expire).
    pub async fn authorization(&self) -> Result<Option<HeaderValue>, ApiError> {
        let VertexCredential::Token { provider, .. } = &self.credential else {
            return Ok(None);
        };
        let token = tokio::time::timeout(TOKEN_TIMEOUT, provider.token(&[CLOUD_PLATFORM_SCOPE]))
            .await
            .map_err(|_| ApiError::Credentials {
                message: format!(
                    "the token endpoint did not answer within {} s",
                    TOKEN_TIMEOUT.as_secs()
                ),
            })?
            .map_err(|e| ApiError::Credentials {
                message: error_chain(&e),
            })?;
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.as_str())).map_err(|_| {
                ApiError::Credentials {
                    message: "the token endpoint returned a token that cannot be sent in a header"
                        .into(),
                }
            })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// What to do when Vertex AI refuses the credentials.
    fn credential_fix(&self) -> String {
        match &self.credential {
            VertexCredential::ApiKey => "Check the Vertex API key (`api_key` under [vertex], or GOOGLE_API_KEY); create one in the Google Cloud console under Vertex AI → Settings → API keys.".to_string(),
            VertexCredential::Token { source, .. } => format!(
                "The access token from {source} was refused: check GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`."
            ),
        }
    }

    /// Classifies an error answer from Vertex AI.
    pub fn classify(
        &self,
        status: u16,
        retry_after: Option<&str>,
        body: &[u8],
        model: &str,
    ) -> ApiError {
        let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) else {
            return ApiError::unparsed(status, body);
        };
        let error = envelope.error;
        let code = if error.code == 0 { status } else { error.code };
        let message = error.message.trim().to_string();
        let reason = detail_field(&error.details, "google.rpc.ErrorInfo", "reason");
        let billing = reason.as_deref() == Some("BILLING_DISABLED")
            || (code == 403 && message.to_ascii_lowercase().contains("billing"));
        let key_invalid =
            reason.as_deref() == Some("API_KEY_INVALID") || message.contains("API key not valid");
        let unauthorized = |fix: String| ApiError::Unauthorized {
            service: SERVICE.into(),
            message: message.clone(),
            fix,
        };
        match code {
            _ if billing => ApiError::BillingRequired {
                model: model.to_string(),
                fix: self.billing_fix(),
            },
            401 => unauthorized(self.credential_fix()),
            400 | 403 if key_invalid => unauthorized(self.credential_fix()),
            403 => unauthorized(format!(
                "Grant the account the Vertex AI User role (roles/aiplatform.user) on project {} and enable the Vertex AI API (aiplatform.googleapis.com).",
                self.project_label()
            )),
            _ => match ApiError::from_body(status, error, retry_after, model) {
                ApiError::BillingRequired { model, .. } => ApiError::BillingRequired {
                    model,
                    fix: self.billing_fix(),
                },
                other => other,
            },
        }
    }

    fn project_label(&self) -> &str {
        if self.project.is_empty() {
            "(the key's project)"
        } else {
            &self.project
        }
    }

    fn billing_fix(&self) -> String {
        if self.project.is_empty() {
            return "Enable billing on the Google Cloud project that owns the Vertex API key (console.cloud.google.com → Billing).".to_string();
        }
        format!(
            "Link a billing account to project {} at https://console.cloud.google.com/billing/linkedaccount?project={}, then try again.",
            self.project, self.project
        )
    }
}

/// A publisher model as Vertex AI describes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublisherModel {
    /// `publishers/google/models/{id}`.
    #[serde(default)]
    pub name: String,
    /// Version id.
    #[serde(default)]
    pub version_id: Option<String>,
    /// GA, PUBLIC_PREVIEW, …
    #[serde(default)]
    pub launch_stage: Option<String>,
}

/// One page of `publishers/google/models`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublisherModelPage {
    /// The models.
    #[serde(default)]
    pub publisher_models: Vec<PublisherModel>,
    /// Token for the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
}

impl From<PublisherModel> for ModelInfo {
    fn from(m: PublisherModel) -> Self {
        ModelInfo {
            name: m.name,
            version: m.version_id,
            description: m.launch_stage.map(|s| format!("launch stage {s}")),
            supported_generation_methods: vec!["generateContent".into()],
            ..ModelInfo::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(credential: VertexCredential) -> VertexTarget {
        VertexTarget {
            project: "demo".into(),
            location: "global".into(),
            credential,
        }
    }

    #[test]
    fn paths_carry_the_project_unless_express() {
        let express = target(VertexCredential::ApiKey);
        assert_eq!(
            express.model_path("m"),
            "publishers/google/models/m",
            "express mode has no project"
        );
        let (provider, _) = fake_provider();
        let full = target(VertexCredential::Token {
            provider,
            source: "test".into(),
        });
        assert_eq!(
            full.model_path("gemini-3.1-flash-image"),
            "projects/demo/locations/global/publishers/google/models/gemini-3.1-flash-image"
        );
        assert!(!format!("{full:?}").contains("Bearer"));
    }

    #[test]
    fn vertex_errors_say_what_to_fix() {
        let t = target(VertexCredential::ApiKey);
        let classify = |status: u16, body: &str| t.classify(status, None, body.as_bytes(), "m");
        let unauth = classify(
            401,
            r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#,
        );
        assert_eq!(unauth.kind(), "unauthorized");
        assert!(unauth.to_string().contains("Vertex API key"), "{unauth}");
        let billing = classify(
            403,
            r#"{"error":{"code":403,"message":"This API method requires billing to be enabled.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BILLING_DISABLED"}]}}"#,
        );
        assert_eq!(billing.kind(), "billing_required");
        assert!(!billing.is_retryable());
        let denied = classify(
            403,
            r#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#,
        );
        assert!(denied.to_string().contains("roles/aiplatform.user"));
        let busy = classify(
            429,
            r#"{"error":{"code":429,"message":"Resource exhausted.","status":"RESOURCE_EXHAUSTED"}}"#,
        );
        assert!(busy.is_retryable());
    }

    fn fake_provider() -> (Arc<dyn TokenProvider>, Option<String>) {
        struct Never;
        #[async_trait::async_trait]
        impl TokenProvider for Never {
            async fn token(&self, _: &[&str]) -> Result<Arc<gcp_auth::Token>, gcp_auth::Error> {
                Err(gcp_auth::Error::Str("no token in unit tests"))
            }
            async fn project_id(&self) -> Result<Arc<str>, gcp_auth::Error> {
                Err(gcp_auth::Error::Str("none"))
            }
        }
        (Arc::new(Never), None)
    }
}
