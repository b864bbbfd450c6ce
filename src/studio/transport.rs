//! Which API a job goes by, and the fallbacks that keep the default transport from ever
//! failing where generateContent would not: a request interactions cannot carry goes by
//! generateContent (said once), and a model the service refuses on interactions is switched
//! to generateContent, remembered in the store, and the job retried there. A shed flex
//! request is retried within its window and may fall back to standard.

use std::time::Instant;

use crate::api::client::{GeminiClient, RetryNotice};
use crate::api::error::ApiError;
use crate::api::interactions_convert::{Unsupported, to_create};
use crate::api::interactions_stream::Thought;
use crate::api::wire::{GenerateContentRequest, GenerateContentResponse};
use crate::config::Transport;
use crate::models::{Registry, Tier};
use crate::store::Store;

/// What a sent request gave.
#[derive(Debug, Clone)]
pub struct SentRequest {
    /// The answer, in generateContent's shape whichever transport carried it.
    pub response: GenerateContentResponse,
    /// Bytes of the request body of the attempt that succeeded.
    pub request_bytes: usize,
    /// The interaction id (None on generateContent).
    pub interaction: Option<String>,
    /// The tier the service says served the request (the interaction's echo), if it said.
    pub served_tier: Option<String>,
}

/// The transport to use for `model`: the client's, unless the registry says interactions
/// do not serve the model or the store remembers the service refusing it.
pub fn choose(client: &GeminiClient, registry: &Registry, store: &Store, model: &str) -> Transport {
    if client.transport() != Transport::Interactions {
        return Transport::GenerateContent;
    }
    let served = registry.resolve(model).is_ok_and(|spec| spec.interactions);
    let refused = store
        .model_transport(model)
        .is_ok_and(|m| m.generate_content_reason.is_some());
    if served && !refused {
        Transport::Interactions
    } else {
        Transport::GenerateContent
    }
}

/// True when the service refuses the model or a field on the Interactions API: its
/// `unimplemented` code, or an `invalid_request` that says the feature is not supported here.
pub fn is_unsupported_here(error: &ApiError) -> bool {
    let message = match error {
        ApiError::Unimplemented { .. } => return true,
        ApiError::InvalidArgument { message } | ApiError::FailedPrecondition { message } => message,
        _ => return false,
    };
    let text = message.to_ascii_lowercase();
    text.contains("not supported") && (text.contains("interaction") || text.contains("field"))
}

/// True when the service no longer has the interaction a turn continues (expired, made
/// with `store:false`, or under another key): its `not_found` code. (`model_not_found`
/// is about the model only.)
pub fn is_lost_interaction(error: &ApiError) -> bool {
    matches!(error, ApiError::NotFound { .. })
}

/// Where a request starts from and how it is sent.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    /// The transport chosen for the model.
    pub transport: Transport,
    /// The model id.
    pub model: &'a str,
    /// The interaction the parent turn got, if any: only the new turn is then sent.
    pub previous: Option<&'a str>,
    /// The tier a shed flex request is re-sent at after its window, if any.
    pub fallback: Option<Tier>,
}

/// The store and the callbacks a send reports through.
pub struct Hooks<'a> {
    /// Where refusals are remembered.
    pub store: &'a Store,
    /// Hears each retry.
    pub on_retry: &'a mut (dyn FnMut(RetryNotice) + Send),
    /// Hears each fallback, to say once.
    pub notice: &'a mut (dyn FnMut(String) + Send),
    /// Hears an interaction's id as soon as the service gives it (before any waiting).
    pub on_created: &'a mut (dyn FnMut(&str) + Send),
    /// Hears each thought summary while the model thinks.
    pub on_thought: &'a mut (dyn FnMut(Thought) + Send),
}

/// Sends `request` by `route`. A flex request the service sheds (503) is retried with
/// backoff within the window from its first send; with a fallback, it is re-sent at standard
/// after the window, once any flex interaction it left is cancelled and confirmed unfinished
/// (a finished one is collected instead), so nothing is paid twice.
pub async fn send(
    client: &GeminiClient,
    hooks: &mut Hooks<'_>,
    route: Route<'_>,
    request: &GenerateContentRequest,
) -> Result<SentRequest, ApiError> {
    if request.service_tier.as_deref() != Some(Tier::Flex.as_str()) {
        return send_once(client, hooks, route, request).await;
    }
    let policy = client.retry_policy();
    let first_sent = Instant::now();
    let mut delay = policy.base_delay;
    let mut shed = 0u32;
    loop {
        let mut left: Option<String> = None;
        let result = {
            let heard = &mut *hooks.on_created;
            let mut track = |id: &str| {
                left = Some(id.to_string());
                heard(id)
            };
            let mut tracked = Hooks {
                store: hooks.store,
                on_retry: &mut *hooks.on_retry,
                notice: &mut *hooks.notice,
                on_created: &mut track,
                on_thought: &mut *hooks.on_thought,
            };
            send_once(client, &mut tracked, route, request).await
        };
        let error = match result {
            Err(error) if is_shed(&error) => error,
            other => return other,
        };
        shed += 1;
        if first_sent.elapsed() + delay < policy.flex_window {
            (hooks.on_retry)(RetryNotice {
                failed_attempt: shed,
                delay,
                error,
            });
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
            continue;
        }
        let window = policy.flex_window.as_secs();
        if route.fallback.is_none() {
            return Err(ApiError::Server {
                code: 503,
                status: "shed".into(),
                message: format!(
                    "the service shed this flex request for {window} s ({error}); try later, use --tier standard, or add --fallback standard"
                ),
            });
        }
        if let Some(id) = left
            && let Some(finished) = settle_flex(client, &id, route.model).await
        {
            return Ok(finished);
        }
        (hooks.notice)(format!(
            "the service shed flex requests for {window} s: re-sent at standard (--fallback standard)"
        ));
        let mut standard = request.clone();
        standard.service_tier = None;
        return send_once(client, hooks, route, &standard).await;
    }
}

/// True when the service shed a request (flex is sheddable: a 503 means shed).
fn is_shed(error: &ApiError) -> bool {
    matches!(error, ApiError::Server { code: 503, .. })
}

/// Cancels a flex interaction left behind and reads it back: its answer when it finished
/// after all (so it is kept, not paid for twice), else `None`.
async fn settle_flex(client: &GeminiClient, id: &str, model: &str) -> Option<SentRequest> {
    if let Err(e) = client.cancel_interaction(id, model).await {
        tracing::info!("cancelling shed flex interaction {id}: {e}");
    }
    let state = client.get_interaction(id, model).await.ok()?;
    if state.status != "completed" {
        return None;
    }
    let response = client.finished_answer(&state, model).ok()?;
    Some(SentRequest {
        response,
        request_bytes: 0,
        interaction: Some(state.id.clone()),
        served_tier: state.service_tier.clone(),
    })
}

/// Sends `request` by `route` once (with the client's own retries), falling back as the
/// module docs say; a lost `previous` interaction is replaced by the stored history, sent
/// statelessly once. Interactions run in the background unless the service refused that
/// for the model (then in the foreground, remembered).
async fn send_once(
    client: &GeminiClient,
    hooks: &mut Hooks<'_>,
    route: Route<'_>,
    request: &GenerateContentRequest,
) -> Result<SentRequest, ApiError> {
    let store = hooks.store;
    let Route {
        transport,
        model,
        previous,
        ..
    } = route;
    if transport == Transport::Interactions {
        if let Some(previous) = previous {
            match send_interaction(client, hooks, model, request, Some(previous)).await {
                Ok(Some(sent)) => return Ok(sent),
                Ok(None) => {}
                Err(e) if is_lost_interaction(&e) => (hooks.notice)(format!(
                    "the service no longer has interaction {previous} (expired, store:false or another key): sent the stored history instead"
                )),
                Err(e) => return Err(e),
            }
        }
        match to_create(model, request, None) {
            Err(Unsupported(what)) => (hooks.notice)(format!(
                "sending by generate-content: the Interactions API cannot carry {what}"
            )),
            Ok(_) => match send_interaction(client, hooks, model, request, None).await {
                Ok(Some(sent)) => return Ok(sent),
                Ok(None) => {}
                Err(e) if is_unsupported_here(&e) => {
                    let _ = store.remember_generate_content(model, &e.to_string());
                    (hooks.notice)(format!(
                        "{model} goes by generate-content from now on: the Interactions API refused it ({e})"
                    ));
                }
                Err(e) => return Err(e),
            },
        }
    }
    generate_content(client, model, request, hooks.on_retry).await
}

/// True when the service refuses `background:true` for the model or input.
pub fn is_background_refused(error: &ApiError) -> bool {
    match error {
        ApiError::InvalidArgument { message } | ApiError::FailedPrecondition { message } => {
            message.to_ascii_lowercase().contains("background")
        }
        _ => false,
    }
}

async fn send_interaction(
    client: &GeminiClient,
    hooks: &mut Hooks<'_>,
    model: &str,
    request: &GenerateContentRequest,
    previous: Option<&str>,
) -> Result<Option<SentRequest>, ApiError> {
    let Ok(mut create) = to_create(model, request, previous) else {
        return Ok(None);
    };
    let background = hooks
        .store
        .model_transport(model)
        .is_ok_and(|m| m.no_background_reason.is_none());
    create.background = background.then_some(true);
    // A foreground run streams its events, so its thoughts show as they come too.
    create.stream = (!background).then_some(true);
    let on_retry = &mut *hooks.on_retry;
    let on_created = &mut *hooks.on_created;
    let on_thought = &mut *hooks.on_thought;
    let first = client
        .create_interaction(
            &create,
            &mut *on_retry,
            |id| on_created(id),
            &mut *on_thought,
        )
        .await;
    let answer = match first {
        Err(e) if background && is_background_refused(&e) => {
            let _ = hooks.store.remember_no_background(model, &e.to_string());
            (hooks.notice)(format!(
                "{model} runs in the foreground from now on: the service refused a background run ({e})"
            ));
            create.background = None;
            create.stream = Some(true);
            client
                .create_interaction(
                    &create,
                    &mut *on_retry,
                    |id| on_created(id),
                    &mut *on_thought,
                )
                .await?
        }
        other => other?,
    };
    Ok(Some(SentRequest {
        response: answer.response,
        request_bytes: answer.request_bytes,
        interaction: Some(answer.interaction_id),
        served_tier: answer.service_tier,
    }))
}

async fn generate_content(
    client: &GeminiClient,
    model: &str,
    request: &GenerateContentRequest,
    on_retry: &mut (dyn FnMut(RetryNotice) + Send),
) -> Result<SentRequest, ApiError> {
    let request_bytes = serde_json::to_vec(request).map(|b| b.len()).unwrap_or(0);
    let response = client.generate_content(model, request, on_retry).await?;
    Ok(SentRequest {
        response,
        request_bytes,
        interaction: None,
        served_tier: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_naming_interactions_or_a_field_switch_transport() {
        let refusal = ApiError::InvalidArgument {
            message:
                "Model models/x is not supported by the Interactions API; use generateContent."
                    .into(),
        };
        assert!(is_unsupported_here(&refusal));
        let field = ApiError::InvalidArgument {
            message: "field safety_settings is not supported".into(),
        };
        assert!(is_unsupported_here(&field));
        let other = ApiError::InvalidArgument {
            message: "aspect ratio 7:3 is not valid".into(),
        };
        assert!(!is_unsupported_here(&other));
        let rate = ApiError::RateLimited {
            retry_after: None,
            message: "not supported interaction".into(),
        };
        assert!(!is_unsupported_here(&rate));
        let unimplemented = ApiError::Unimplemented {
            message: "image output".into(),
        };
        assert!(is_unsupported_here(&unimplemented));
    }

    #[test]
    fn only_not_found_means_the_interaction_is_gone() {
        let gone = ApiError::NotFound {
            message: "Interaction v1_x was not found.".into(),
        };
        assert!(is_lost_interaction(&gone));
        let model = ApiError::ModelNotFound {
            model: "m".into(),
            message: "interaction model m not found".into(),
        };
        assert!(!is_lost_interaction(&model));
    }
}
