//! Google error envelopes (`{"error":{code,message,status,details}}`) as the service sends them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::codes::ApiCode;

/// One failing answer: HTTP status, RPC status name, message, typed details and headers.
#[derive(Debug, Clone)]
pub struct SimError {
    /// HTTP status code.
    pub code: u16,
    /// RPC status, e.g. `INVALID_ARGUMENT`.
    pub status: &'static str,
    /// Human message.
    pub message: String,
    /// `@type`-tagged details.
    pub details: Vec<Value>,
    /// Seconds for a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// The Interactions API's code for this error when its RPC status alone does not say
    /// it (`model_not_found`, `parameter_unknown`, `authentication`, …); the Interactions
    /// endpoints answer with it, generateContent ignores it.
    pub api_code: Option<ApiCode>,
}

const HELP_URL: &str = "https://ai.google.dev/gemini-api/docs/rate-limits";

impl SimError {
    /// A bare error with no details.
    pub fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            api_code: None,
        }
    }

    /// The same error, marked with the Interactions API's `code`.
    pub fn with_code(mut self, code: ApiCode) -> Self {
        self.api_code = Some(code);
        self
    }

    /// The Interactions API's code for this error.
    pub fn interactions_code(&self) -> ApiCode {
        self.api_code
            .unwrap_or_else(|| ApiCode::from_rpc(self.status))
    }

    /// 400 INVALID_ARGUMENT with a plain message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    /// 400 INVALID_ARGUMENT carrying a `google.rpc.BadRequest` field violation.
    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut violation = json!({ "description": message });
        if !field.is_empty() {
            violation["field"] = json!(field);
        }
        let mut err = Self::invalid(message);
        err.details.push(json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [violation],
        }));
        err
    }

    /// 400 for a key the service does not know.
    pub fn invalid_key() -> Self {
        let message = "API key not valid. Please pass a valid API key.";
        let mut err = Self::invalid(message);
        err.details = vec![
            json!({
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": { "service": "generativelanguage.googleapis.com" },
            }),
            json!({
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            }),
        ];
        err.with_code(ApiCode::Authentication)
    }

    /// 403 for a call that carries no key at all.
    pub fn missing_key() -> Self {
        Self::new(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        )
        .with_code(ApiCode::Authentication)
    }

    /// 404 for a model the service does not serve.
    pub fn model_not_found(model: &str, version: &str, method: &str) -> Self {
        let name = if model.starts_with("models/") {
            model.to_string()
        } else {
            format!("models/{model}")
        };
        Self::new(
            404,
            "NOT_FOUND",
            format!(
                "{name} is not found for API version {version}, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods."
            ),
        )
        .with_code(ApiCode::ModelNotFound)
    }

    /// 404 for any other missing resource (file, batch).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }

    /// An ordinary per-minute 429 that clears after `wait_secs`.
    pub fn rate_limited(model: &str, limit: u32, wait_secs: f64) -> Self {
        let whole = wait_secs.ceil().max(1.0) as u64;
        let mut err = Self::new(
            429,
            "RESOURCE_EXHAUSTED",
            format!(
                "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: {HELP_URL}. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_paid_tier_requests, limit: {limit}, model: {model}\nPlease retry in {wait_secs:.6}s."
            ),
        );
        err.details = vec![
            quota_failure(
                "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
                "GenerateRequestsPerMinutePerProjectPerModel",
                model,
            ),
            help_detail(),
            json!({
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": format!("{whole}s"),
            }),
        ];
        err.retry_after = Some(whole);
        err
    }

    /// The billing-gated 429: the project has no free quota for an image model.
    pub fn free_tier(model: &str) -> Self {
        let metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests";
        let mut err = Self::new(
            429,
            "RESOURCE_EXHAUSTED",
            format!(
                "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: {HELP_URL}. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: {metric}, limit: 0, model: {model}\nPlease retry in 38.618326853s."
            ),
        );
        err.details = vec![
            quota_failure(
                metric,
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                model,
            ),
            help_detail(),
            json!({
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": "38s",
            }),
        ];
        err
    }

    /// 500 INTERNAL as the service words it.
    pub fn internal() -> Self {
        Self::new(
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        )
    }

    /// 503 UNAVAILABLE: the model is overloaded.
    pub fn overloaded() -> Self {
        Self::new(
            503,
            "UNAVAILABLE",
            "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.",
        )
    }

    /// The JSON envelope of this error.
    pub fn body(&self) -> Value {
        let mut error = json!({
            "code": self.code,
            "message": self.message,
            "status": self.status,
        });
        if !self.details.is_empty() {
            error["details"] = Value::Array(self.details.clone());
        }
        json!({ "error": error })
    }
}

fn quota_failure(metric: &str, quota_id: &str, model: &str) -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{
            "quotaMetric": metric,
            "quotaId": quota_id,
            "quotaDimensions": { "location": "global", "model": model },
        }],
    })
}

fn help_detail() -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [{ "description": "Learn more about Gemini API quotas", "url": HELP_URL }],
    })
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string_pretty(&self.body()).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, value);
        }
        resp
    }
}

/// The HTML page Google's front end serves for a path it does not know.
pub fn html_not_found(path: &str) -> Response {
    let path: String = path
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '&' | '"'))
        .collect();
    let page = format!(
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>{path}</code> was not found on this server.  <ins>That’s all we know.</ins>\n"
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        page,
    )
        .into_response()
}

/// The HTML page a broken gateway answers with (502).
pub fn html_bad_gateway() -> Response {
    let page = "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n  <p><b>502.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n";
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ApiError;
    use crate::api::http::classify_answer;

    fn classify(err: &SimError) -> ApiError {
        let body = serde_json::to_vec(&err.body()).unwrap();
        let header = err.retry_after.map(|s| s.to_string());
        classify_answer(err.code, header.as_deref(), &body, "gemini-3.1-flash-image")
    }

    #[test]
    fn envelopes_classify_like_the_real_service() {
        assert!(matches!(
            classify(&SimError::invalid_key()),
            ApiError::InvalidKey { .. }
        ));
        assert_eq!(classify(&SimError::missing_key()), ApiError::MissingKey);
        assert!(matches!(
            classify(&SimError::free_tier("gemini-3.1-flash-image")),
            ApiError::BillingRequired { .. }
        ));
        let limited = classify(&SimError::rate_limited("m", 5, 1.2));
        assert_eq!(
            limited.retry_after(),
            Some(std::time::Duration::from_secs(2))
        );
        assert!(matches!(
            classify(&SimError::model_not_found("x", "v1beta", "generateContent")),
            ApiError::ModelNotFound { .. }
        ));
        assert!(matches!(
            classify(&SimError::overloaded()),
            ApiError::Server { code: 503, .. }
        ));
    }

    #[test]
    fn bad_field_carries_a_field_violation() {
        let err = SimError::bad_field("generation_config", "nope");
        let body = err.body();
        assert_eq!(
            body["error"]["details"][0]["fieldViolations"][0]["field"],
            "generation_config"
        );
        let top = SimError::bad_field("", "nope").body();
        assert!(
            top["error"]["details"][0]["fieldViolations"][0]
                .get("field")
                .is_none()
        );
    }
}
