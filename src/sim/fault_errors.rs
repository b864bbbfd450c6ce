//! What an injected error fault answers: on generateContent, the refusal in Google's RPC
//! envelope as the Gemini API or Vertex AI words it; on the Interactions API, the same
//! refusal marked with its string code (rendered by `interactions/errors.rs`).

use serde_json::json;

use super::codes::ApiCode;
use super::errors::SimError;
use super::faults::FaultKind;
use super::generate::Dialect;
use super::oauth::Refusal;

/// Where a fault fires: which API and model, for the wording.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The API the request came in on (generateContent's Gemini API or Vertex AI).
    pub dialect: &'a Dialect,
    /// True on the Interactions API.
    pub interactions: bool,
    /// Canonical model id.
    pub model: &'a str,
    /// API version in the path.
    pub version: &'a str,
    /// Method name for 404 messages.
    pub method: &'a str,
}

/// The error a fault of `kind` answers at `site`, or `None` for faults that are not
/// error answers.
pub fn error_for(kind: FaultKind, site: &Site<'_>) -> Option<SimError> {
    let model = site.model;
    Some(match kind {
        FaultKind::RateLimit => SimError::rate_limited(model, 10, 2.0),
        FaultKind::FreeTier => match (site.interactions, site.dialect) {
            (true, _) => SimError::new(
                400,
                "FAILED_PRECONDITION",
                format!(
                    "Billing is not enabled for this project: models/{model} has no free tier. Enable billing in Google AI Studio, then retry."
                ),
            ),
            (false, Dialect::Gemini) => SimError::free_tier(model),
            (false, Dialect::Vertex { project }) => SimError::billing_disabled(project),
        },
        FaultKind::Internal => SimError::internal(),
        FaultKind::Unavailable => SimError::overloaded(),
        FaultKind::Shed => shed(),
        FaultKind::Api(code) => code_error(code, site),
        _ => return None,
    })
}

/// The 503 a shed flex request gets.
pub fn shed() -> SimError {
    SimError::new(
        503,
        "UNAVAILABLE",
        "The flex request was shed: there is no flex capacity right now because standard traffic is high. Retry later, or send the request at the standard tier.",
    )
}

fn code_error(code: ApiCode, site: &Site<'_>) -> SimError {
    let model = site.model;
    let vertex = match site.dialect {
        Dialect::Vertex { project } => Some(project.as_str()),
        Dialect::Gemini => None,
    };
    let plain = |message: &str| SimError::new(code.http(), code.rpc_status(), message);
    let err = match code {
        ApiCode::InvalidRequest => SimError::invalid("Request contains an invalid argument."),
        ApiCode::FailedPrecondition if site.interactions => SimError::new(
            400,
            "FAILED_PRECONDITION",
            "Precondition check failed: billing is not enabled for this project. Enable billing in Google AI Studio, then retry.",
        ),
        ApiCode::FailedPrecondition => SimError::new(
            400,
            "FAILED_PRECONDITION",
            "User location is not supported for the API use.",
        ),
        ApiCode::ParameterUnknown => SimError::bad_field(
            "",
            "Invalid JSON payload received. Unknown name \"sampling_mode\": Cannot find field.",
        ),
        // google.rpc OUT_OF_RANGE is HTTP 400 on generateContent; the Interactions API
        // documents 416.
        ApiCode::OutOfRange => SimError::new(
            if site.interactions { 416 } else { 400 },
            "OUT_OF_RANGE",
            "The requested range is out of bounds: max_output_tokens exceeds the model's limit.",
        ),
        ApiCode::Authentication if site.interactions => {
            plain("API key expired. Please renew the API key.")
        }
        ApiCode::Authentication => match vertex {
            Some(_) => SimError::unauthenticated(Refusal::Expired),
            None => key_expired(),
        },
        ApiCode::PaymentRequired => plain(
            "Your prepaid credits are exhausted. Add credits in Google AI Studio (Settings → Billing) to continue.",
        ),
        ApiCode::PermissionDenied => match vertex {
            Some(project) if !site.interactions => SimError::vertex_permission_denied(&format!(
                "projects/{project}/locations/global/publishers/google/models/{model}"
            )),
            _ => SimError::new(
                403,
                "PERMISSION_DENIED",
                format!("The caller does not have permission to use models/{model}."),
            ),
        },
        ApiCode::NotFound => SimError::not_found("Requested entity was not found."),
        ApiCode::ModelNotFound => match vertex {
            Some(project) if !site.interactions => {
                SimError::publisher_model_not_found(&vertex_resource(project, model))
            }
            _ => SimError::model_not_found(model, site.version, site.method),
        },
        ApiCode::AlreadyExists => plain("Requested entity already exists."),
        ApiCode::Aborted => {
            plain("The operation was aborted because of a concurrency conflict. Retry the request.")
        }
        ApiCode::RateLimitExceeded => SimError::rate_limited(model, 10, 2.0),
        ApiCode::TooManyRequests => {
            let mut err = plain(
                "Too many requests are in flight for this project. Back off and retry the request.",
            );
            err.retry_after = Some(1);
            err
        }
        ApiCode::QuotaExceeded => daily_quota(model),
        ApiCode::Cancelled => plain("The operation was cancelled."),
        ApiCode::ApiError => SimError::internal(),
        ApiCode::Unimplemented if site.interactions => plain(&format!(
            "This feature is not implemented for models/{model} on the Interactions API."
        )),
        ApiCode::Unimplemented => plain("Operation is not implemented, or supported, or enabled."),
        ApiCode::ServiceUnavailable => SimError::overloaded(),
        ApiCode::DeadlineExceeded => plain("Deadline expired before operation could complete."),
    };
    err.with_code(code)
}

fn vertex_resource(project: &str, model: &str) -> String {
    if project.is_empty() {
        format!("publishers/google/models/{model}")
    } else {
        format!("projects/{project}/locations/global/publishers/google/models/{model}")
    }
}

/// 400 for an expired key, as the Gemini API words it.
fn key_expired() -> SimError {
    let message = "API key expired. Please renew the API key.";
    let mut err = SimError::invalid(message);
    err.details = vec![json!({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_EXPIRED",
        "domain": "googleapis.com",
        "metadata": { "service": "generativelanguage.googleapis.com" },
    })];
    err
}

/// 429 for a spent daily quota: a per-day quota id and no retry delay.
fn daily_quota(model: &str) -> SimError {
    let metric = "generativelanguage.googleapis.com/generate_content_paid_tier_requests";
    let mut err = SimError::new(
        429,
        "RESOURCE_EXHAUSTED",
        format!(
            "You exceeded your current daily quota, please check your plan and billing details. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: {metric}, limit: 250, model: {model}\nThe quota resets daily."
        ),
    );
    err.details = vec![json!({
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{
            "quotaMetric": metric,
            "quotaId": "GenerateRequestsPerDayPerProjectPerModel",
            "quotaDimensions": { "location": "global", "model": model },
        }],
    })];
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::codes::ALL_CODES;

    fn site(interactions: bool, dialect: &Dialect) -> Site<'_> {
        Site {
            dialect,
            interactions,
            model: "gemini-nano-banana-2.1",
            version: "v1beta",
            method: "generateContent",
        }
    }

    #[test]
    fn every_code_answers_with_its_code_and_documented_status_on_interactions() {
        for code in ALL_CODES {
            let err = error_for(FaultKind::Api(code), &site(true, &Dialect::Gemini)).unwrap();
            assert_eq!(err.interactions_code(), code, "{code:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn generate_content_gets_google_s_rpc_equivalents() {
        let gemini = Dialect::Gemini;
        let at = site(false, &gemini);
        let daily = error_for(FaultKind::Api(ApiCode::QuotaExceeded), &at).unwrap();
        assert_eq!((daily.code, daily.status), (429, "RESOURCE_EXHAUSTED"));
        assert!(
            daily.body()["error"]["details"][0]["violations"][0]["quotaId"]
                .as_str()
                .unwrap()
                .contains("PerDay")
        );
        let range = error_for(FaultKind::Api(ApiCode::OutOfRange), &at).unwrap();
        assert_eq!((range.code, range.status), (400, "OUT_OF_RANGE"));
        let vertex = Dialect::Vertex {
            project: "p".into(),
        };
        let auth = error_for(
            FaultKind::Api(ApiCode::Authentication),
            &site(false, &vertex),
        )
        .unwrap();
        assert_eq!((auth.code, auth.status), (401, "UNAUTHENTICATED"));
        let gone = error_for(
            FaultKind::Api(ApiCode::ModelNotFound),
            &site(false, &vertex),
        )
        .unwrap();
        assert!(gone.message.contains("Publisher Model"), "{}", gone.message);
        assert!(error_for(FaultKind::Slow, &at).is_none());
    }
}
