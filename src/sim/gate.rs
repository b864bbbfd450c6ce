//! What every handler shares, apart from the router: the API versions served, the API-key
//! check and gate, and list paging (`pageSize`, opaque `pageToken`s, `nextPageToken`).

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::SimState;
use super::errors::{SimError, html_not_found};

/// Query parameters of a request.
pub type Params = Query<HashMap<String, String>>;

/// True for the API versions the service answers on.
pub fn known_version(version: &str) -> bool {
    matches!(version, "v1" | "v1beta")
}

/// Checks the API key from the `x-goog-api-key` header or the `key` query parameter.
pub fn authorize(
    state: &SimState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(), SimError> {
    let header = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let query = params
        .get("key")
        .map(|k| k.trim())
        .filter(|k| !k.is_empty());
    let Some(given) = header.or(query) else {
        return Err(SimError::missing_key());
    };
    match &state.config.key {
        Some(expected) if expected != given => Err(SimError::invalid_key()),
        _ => Ok(()),
    }
}

/// Runs the version and key checks every endpoint shares; `Some` is the refusal to send.
pub fn gate(
    state: &SimState,
    version: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Option<Response> {
    if !known_version(version) {
        return Some(html_not_found(uri.path()));
    }
    authorize(state, headers, params)
        .err()
        .map(IntoResponse::into_response)
}

/// Reads `pageSize` (default `default`, at most 1000) and the offset in `pageToken`.
pub fn page_params(
    params: &HashMap<String, String>,
    default: usize,
) -> Result<(usize, usize), SimError> {
    let size = match params.get("pageSize").or_else(|| params.get("page_size")) {
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| SimError::invalid(format!("Invalid value for page_size: \"{s}\"")))?,
        None => 0,
    };
    if size < 0 {
        return Err(SimError::invalid("page_size must not be negative."));
    }
    let size = if size == 0 {
        default
    } else {
        (size as usize).min(1000)
    };
    let offset = match params
        .get("pageToken")
        .or_else(|| params.get("page_token"))
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        Some(token) => decode_page_token(token).ok_or_else(|| {
            SimError::invalid(
                "Invalid page token. Use a nextPageToken returned by a previous list call.",
            )
        })?,
        None => 0,
    };
    Ok((size, offset))
}

/// One page of a list response: `{key: [...], "nextPageToken": …}`. The service leaves an
/// empty list out for files and batches (`keep_empty` false) but not for models.
pub fn page_body<T>(
    key: &str,
    all: &[T],
    (size, offset): (usize, usize),
    keep_empty: bool,
    render: impl Fn(&T) -> Value,
) -> Value {
    let page: Vec<Value> = all.iter().skip(offset).take(size).map(render).collect();
    let mut body = json!({});
    if keep_empty || !page.is_empty() {
        body[key] = Value::Array(page);
    }
    if offset + size < all.len() {
        body["nextPageToken"] = json!(page_token(offset + size));
    }
    body
}

/// An opaque token for the page starting at `offset`.
pub fn page_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("peel-sim:{offset}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix("peel-sim:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_garbage_is_refused() {
        let mut params = HashMap::new();
        params.insert("pageSize".to_string(), "2".to_string());
        params.insert("pageToken".to_string(), page_token(4));
        assert_eq!(page_params(&params, 50).unwrap(), (2, 4));
        params.insert("pageToken".to_string(), "zzz".to_string());
        assert!(page_params(&params, 50).is_err());
        assert_eq!(page_params(&HashMap::new(), 50).unwrap(), (50, 0));
    }
}
