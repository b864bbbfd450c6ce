//! The simulator's OAuth token endpoint (`POST /token`): the JWT-bearer grant a service
//! account makes (as `gcp_auth` sends it), short-lived bearer tokens, and the bearer check
//! Vertex AI paths use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::SimState;
use super::errors::SimError;

/// The grant type of a service account's signed JWT.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The scope Vertex AI needs (it covers Cloud Storage too).
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Cloud Storage's own scopes: those that may write, then the read-only one.
const STORAGE_WRITE: &[&str] = &[
    "https://www.googleapis.com/auth/devstorage.read_write",
    "https://www.googleapis.com/auth/devstorage.full_control",
];
const STORAGE_READ: &str = "https://www.googleapis.com/auth/devstorage.read_only";

/// Tokens issued so far, with when each expires and the scopes it was granted.
#[derive(Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, (Instant, String)>>,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token this simulator never issued.
    Unknown,
    /// A token past its lifetime.
    Expired,
    /// A token whose scopes do not cover the call.
    Scope,
}

impl Tokens {
    /// Issues a token that lives `lifetime`.
    fn issue(&self, lifetime: Duration, scopes: &str) -> String {
        let token = format!("ya29.peel-sim-{}", uuid::Uuid::now_v7().simple());
        if let Ok(mut issued) = self.issued.lock() {
            issued.insert(
                token.clone(),
                (Instant::now() + lifetime, scopes.to_string()),
            );
        }
        token
    }

    /// Checks a token from an `Authorization` header for Vertex AI (`cloud-platform`).
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let scopes = self.scopes(headers)?;
        if has(&scopes, CLOUD_PLATFORM) {
            Ok(())
        } else {
            Err(Refusal::Scope)
        }
    }

    /// Checks a token for a Cloud Storage call that reads or (`write`) writes.
    pub fn check_storage(&self, headers: &HeaderMap, write: bool) -> Result<(), Refusal> {
        let scopes = self.scopes(headers)?;
        let covered = has(&scopes, CLOUD_PLATFORM)
            || STORAGE_WRITE.iter().any(|s| has(&scopes, s))
            || (!write && has(&scopes, STORAGE_READ));
        if covered { Ok(()) } else { Err(Refusal::Scope) }
    }

    /// The scopes of a live token from an `Authorization` header.
    fn scopes(&self, headers: &HeaderMap) -> Result<String, Refusal> {
        let Some(token) = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(Refusal::Missing);
        };
        let issued = self.issued.lock().map_err(|_| Refusal::Unknown)?;
        match issued.get(token) {
            None => Err(Refusal::Unknown),
            Some((expiry, _)) if *expiry <= Instant::now() => Err(Refusal::Expired),
            Some((_, scopes)) => Ok(scopes.clone()),
        }
    }
}

fn has(scopes: &str, scope: &str) -> bool {
    scopes.split(' ').any(|s| s == scope)
}

/// `POST /token`: exchanges a service account's signed JWT for an access token.
pub async fn token(
    State(state): State<Arc<SimState>>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error("invalid_request", "The request body must be a form.");
    };
    let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
    if grant != JWT_BEARER {
        return oauth_error(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant}"),
        );
    }
    let Some(assertion) = form.get("assertion") else {
        return oauth_error("invalid_request", "Missing required parameter: assertion");
    };
    let claims = match read_jwt(assertion) {
        Ok(claims) => claims,
        Err(message) => return oauth_error("invalid_grant", &message),
    };
    if let Err(message) = check_claims(&claims, state.config.client_email.as_deref()) {
        return oauth_error("invalid_grant", &message);
    }
    let lifetime = state.config.token_lifetime;
    let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    let access_token = state.tokens.issue(lifetime, scopes);
    state.record(|s| s.token_grants += 1);
    Json(json!({
        "access_token": access_token,
        "expires_in": lifetime.as_secs().max(1),
        "token_type": "Bearer",
    }))
    .into_response()
}

/// An OAuth error answer (`{"error", "error_description"}`, 400).
fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn decode_segment(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Reads a JWT's claims after checking it has a JSON RS256 header and a signature.
fn read_jwt(jwt: &str) -> Result<Value, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("Invalid JWT: a JWT has three dot-separated parts.".into());
    };
    let header = decode_segment(header).ok_or("Invalid JWT: the header is not base64url JSON.")?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("Invalid JWT: the algorithm must be RS256.".into());
    }
    if signature.is_empty()
        || URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .is_err()
    {
        return Err("Invalid JWT Signature.".into());
    }
    decode_segment(claims).ok_or_else(|| "Invalid JWT: the claims are not base64url JSON.".into())
}

/// Checks issuer, scope, audience and times as Google's token endpoint does.
fn check_claims(claims: &Value, client_email: Option<&str>) -> Result<(), String> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    let iss = text("iss");
    if iss.is_empty() {
        return Err("Invalid JWT: iss is missing.".into());
    }
    if client_email.is_some_and(|expected| expected != iss) {
        return Err("Invalid grant: account not found".into());
    }
    let scope = text("scope");
    let known = has(scope, CLOUD_PLATFORM)
        || has(scope, STORAGE_READ)
        || STORAGE_WRITE.iter().any(|s| has(scope, s));
    if !known {
        return Err(format!(
            "Invalid JWT: the scope must include {CLOUD_PLATFORM} or a Cloud Storage scope."
        ));
    }
    if !text("aud").ends_with("/token") {
        return Err("Invalid JWT: the audience must be the token endpoint.".into());
    }
    let now = chrono::Utc::now().timestamp();
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    match (number("iat"), number("exp")) {
        (Some(iat), Some(exp)) if exp > now && iat <= now + 300 && exp - iat <= 3600 => Ok(()),
        _ => Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.".into()),
    }
}

impl SimError {
    /// 401 UNAUTHENTICATED as Vertex AI words it.
    pub fn unauthenticated(refusal: Refusal) -> Self {
        let (message, reason) = match refusal {
            Refusal::Missing => (
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "CREDENTIALS_MISSING",
            ),
            Refusal::Unknown => (
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "ACCESS_TOKEN_TYPE_UNSUPPORTED",
            ),
            Refusal::Expired => (
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "ACCESS_TOKEN_EXPIRED",
            ),
            Refusal::Scope => {
                let mut err = SimError::new(
                    403,
                    "PERMISSION_DENIED",
                    "Request had insufficient authentication scopes.",
                );
                err.details.push(json!({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": "aiplatform.googleapis.com"},
                }));
                return err;
            }
        };
        let mut err = SimError::new(401, "UNAUTHENTICATED", message);
        err.details.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": "aiplatform.googleapis.com"},
        }));
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Value) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.{}",
            enc(&json!({"alg": "RS256", "typ": "JWT"})),
            enc(&claims),
            URL_SAFE_NO_PAD.encode([1u8, 2, 3])
        )
    }

    fn claims(iss: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": iss, "scope": CLOUD_PLATFORM, "aud": "http://127.0.0.1:1/token", "iat": now, "exp": now + 3600})
    }

    #[test]
    fn well_formed_grants_pass_and_others_are_named() {
        let ok = read_jwt(&jwt(claims("sa@p.iam.gserviceaccount.com"))).unwrap();
        assert!(check_claims(&ok, Some("sa@p.iam.gserviceaccount.com")).is_ok());
        assert!(check_claims(&ok, None).is_ok());
        assert_eq!(
            check_claims(&ok, Some("other@p.iam.gserviceaccount.com")).unwrap_err(),
            "Invalid grant: account not found"
        );
        assert!(read_jwt("a.b").is_err());
        let mut old = claims("x");
        old["exp"] = json!(1);
        assert!(
            check_claims(&old, None)
                .unwrap_err()
                .contains("iat and exp")
        );
        let mut narrow = claims("x");
        narrow["scope"] = json!("https://www.googleapis.com/auth/devstorage.read_only");
        assert!(
            check_claims(&narrow, None).is_ok(),
            "a Cloud Storage scope is granted"
        );
        narrow["scope"] = json!("https://www.googleapis.com/auth/userinfo.email");
        assert!(check_claims(&narrow, None).is_err());
    }

    #[test]
    fn tokens_expire_and_unknown_ones_are_refused() {
        let tokens = Tokens::default();
        let live = tokens.issue(Duration::from_secs(60), CLOUD_PLATFORM);
        let dead = tokens.issue(Duration::ZERO, CLOUD_PLATFORM);
        let reader = tokens.issue(Duration::from_secs(60), STORAGE_READ);
        let header = |t: &str| {
            let mut h = HeaderMap::new();
            h.insert("authorization", format!("Bearer {t}").parse().unwrap());
            h
        };
        assert_eq!(tokens.check(&header(&live)), Ok(()));
        assert_eq!(tokens.check(&header(&dead)), Err(Refusal::Expired));
        assert_eq!(tokens.check(&header("forged")), Err(Refusal::Unknown));
        assert_eq!(tokens.check(&HeaderMap::new()), Err(Refusal::Missing));
        assert_eq!(
            tokens.check(&header(&reader)),
            Err(Refusal::Scope),
            "not for Vertex AI"
        );
        assert_eq!(tokens.check_storage(&header(&reader), false), Ok(()));
        assert_eq!(
            tokens.check_storage(&header(&reader), true),
            Err(Refusal::Scope)
        );
        assert_eq!(tokens.check_storage(&header(&live), true), Ok(()));
    }
}
