//! The Interactions API calls on `GeminiClient`: create (foreground or background), get,
//! cancel, and polling a background interaction to its end, each with `Api-Revision` and the
//! same retries and typed errors as generateContent.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::json;

use super::client::{GeminiClient, RetryNotice};
use super::error::ApiError;
use super::http::parse_answer;
use super::interactions::{API_REVISION, CreateInteraction, Interaction, is_terminal};
use super::interactions_convert::to_response;
use super::interactions_error;
use super::interactions_stream::{Assembler, Heard, SseDecoder, Thought};
use super::wire::GenerateContentResponse;

/// First wait between polls of a background interaction.
const POLL_FIRST: Duration = Duration::from_millis(100);

/// Longest wait between polls.
const POLL_MAX: Duration = Duration::from_millis(500);

/// Times a dropped event stream is reopened (from the last event seen) before polling.
const STREAM_TRIES: u32 = 3;

/// What a finished interaction gave, in the engine's shape.
#[derive(Debug, Clone)]
pub struct InteractionAnswer {
    /// The answer as a generateContent response.
    pub response: GenerateContentResponse,
    /// The interaction's id.
    pub interaction_id: String,
    /// Bytes of the request body of the attempt that succeeded.
    pub request_bytes: usize,
    /// The tier the interaction says served it.
    pub service_tier: Option<String>,
}

impl GeminiClient {
    fn interactions_url(&self, tail: &str) -> String {
        format!(
            "{}/{}/interactions{tail}",
            self.base_url().trim_end_matches('/'),
            self.api_version()
        )
    }

    async fn send_interactions(
        &self,
        builder: reqwest::RequestBuilder,
        model: &str,
    ) -> Result<Interaction, ApiError> {
        let sent = builder.header("Api-Revision", API_REVISION).send().await;
        let body = self
            .checked(sent, model)
            .await?
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        parse_answer(&body)
    }

    /// Creates an interaction and waits for its answer (following its event stream when
    /// `create.background`), retrying transient failures of the create call; `on_created`
    /// hears the id as soon as the service has given one, `on_thought` each thought summary.
    pub async fn create_interaction(
        &self,
        create: &CreateInteraction,
        mut on_retry: impl FnMut(RetryNotice) + Send,
        mut on_created: impl FnMut(&str) + Send,
        mut on_thought: impl FnMut(Thought) + Send,
    ) -> Result<InteractionAnswer, ApiError> {
        let model = create.model.as_str();
        let body = serde_json::to_vec(create).map_err(|e| ApiError::InvalidArgument {
            message: format!("cannot encode the request: {e}"),
        })?;
        let request_bytes = body.len();
        let url = self.interactions_url("");
        let on_created = std::sync::Mutex::new(&mut on_created);
        let on_retry = std::sync::Mutex::new(&mut on_retry);
        let report = |notice: RetryNotice| {
            if let Ok(mut hear) = on_retry.lock() {
                hear(notice);
            }
        };
        let on_thought = std::sync::Mutex::new(&mut on_thought);
        let think = |thought: Thought| {
            if let Ok(mut hear) = on_thought.lock() {
                hear(thought);
            }
        };
        // A background run that fails transiently (429, 503, …) ends as `failed`; the whole
        // create-and-wait is the attempt that is retried, as a generateContent call would be.
        let created = |id: &str| {
            if let Ok(mut hear) = on_created.lock() {
                hear(id);
            }
        };
        let call = || async {
            self.wait_for_rate_limit().await;
            let builder = self
                .http()
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            let interaction = if create.stream == Some(true) {
                self.create_streaming(builder, model, &report, &think, &created)
                    .await?
            } else {
                let started = self.send_interactions(builder, model).await?;
                created(&started.id);
                if is_terminal(&started.status) {
                    started
                } else {
                    let heard = Assembler::new(&started.id);
                    self.follow_interaction(heard, model, &report, &think)
                        .await?
                }
            };
            let response = answer_of(&interaction, model, |code, body| {
                self.classify(code, None, body, model)
            })?;
            Ok((response, interaction.id, interaction.service_tier))
        };
        let notify = |failed, delay, error: &ApiError| {
            report(RetryNotice {
                failed_attempt: failed,
                delay,
                error: error.clone(),
            })
        };
        let (response, interaction_id, service_tier) = self.with_retries(call, notify).await?;
        Ok(InteractionAnswer {
            response,
            interaction_id,
            request_bytes,
            service_tier,
        })
    }

    /// Reads an interaction (`GET …/interactions/{id}`), retrying transient failures.
    pub async fn get_interaction(&self, id: &str, model: &str) -> Result<Interaction, ApiError> {
        let url = self.interactions_url(&format!("/{id}"));
        let call = || self.send_interactions(self.http().get(&url), model);
        self.with_retries(call, |_, _, _| {}).await
    }

    /// Asks the service to stop a background interaction (it keeps billing otherwise).
    pub async fn cancel_interaction(&self, id: &str, model: &str) -> Result<Interaction, ApiError> {
        let url = self.interactions_url(&format!("/{id}/cancel"));
        self.send_interactions(self.http().post(&url), model).await
    }

    /// Polls a background interaction with backoff until it ends; returns its last state.
    pub async fn wait_interaction(&self, id: &str, model: &str) -> Result<Interaction, ApiError> {
        self.poll_interaction(id, model, &|_| {}).await
    }

    /// Sends a `stream: true` create and reads its events; a stream cut before the end is
    /// followed from the last event seen, like a background run.
    async fn create_streaming(
        &self,
        builder: reqwest::RequestBuilder,
        model: &str,
        report: &(dyn Fn(RetryNotice) + Sync),
        think: &(dyn Fn(Thought) + Sync),
        created: &(dyn Fn(&str) + Sync),
    ) -> Result<Interaction, ApiError> {
        let sent = builder
            .header("Api-Revision", API_REVISION)
            .header(ACCEPT, "text/event-stream")
            .send()
            .await;
        let response = self.checked(sent, model).await?;
        let mut heard = Assembler::new("");
        let drained = self
            .drain_events(response, &mut heard, think, created)
            .await;
        if heard.is_over() {
            return Ok(heard.interaction());
        }
        if heard.id().is_empty() {
            drained?;
            return Err(ApiError::BadResponse {
                status: 200,
                detail: "the event stream ended before the interaction was created".into(),
            });
        }
        self.follow_interaction(heard, model, report, think).await
    }

    /// Follows a running interaction's event stream to its end, handing out thoughts as they
    /// come; a dropped stream is reopened after the last event seen, and after
    /// `STREAM_TRIES` drops the interaction is polled instead.
    async fn follow_interaction(
        &self,
        mut heard: Assembler,
        model: &str,
        report: &(dyn Fn(RetryNotice) + Sync),
        think: &(dyn Fn(Thought) + Sync),
    ) -> Result<Interaction, ApiError> {
        let id = heard.id().to_string();
        for attempt in 1..=STREAM_TRIES {
            match self.read_events(&id, model, &mut heard, think).await {
                Ok(()) if heard.is_over() => return Ok(heard.interaction()),
                Ok(()) => tracing::debug!("the event stream of {id} ended early"),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => tracing::debug!("the event stream of {id} failed: {e}"),
            }
            if heard.last_event_id().is_none() {
                heard = Assembler::new(&id);
            }
            tokio::time::sleep(POLL_FIRST * attempt).await;
        }
        self.poll_interaction(&id, model, report).await
    }

    /// Reads `GET …/interactions/{id}?stream=true` (from after the last event `heard` has)
    /// until the stream ends.
    async fn read_events(
        &self,
        id: &str,
        model: &str,
        heard: &mut Assembler,
        think: &(dyn Fn(Thought) + Sync),
    ) -> Result<(), ApiError> {
        let mut query = vec![("stream", "true")];
        if let Some(last) = heard.last_event_id() {
            query.push(("last_event_id", last));
        }
        let url =
            reqwest::Url::parse_with_params(&self.interactions_url(&format!("/{id}")), &query)
                .map_err(|e| ApiError::InvalidArgument {
                    message: format!("cannot build the events address of {id}: {e}"),
                })?;
        let sent = self
            .http()
            .get(url)
            .header("Api-Revision", API_REVISION)
            .header(ACCEPT, "text/event-stream")
            .send()
            .await;
        let response = self.checked(sent, model).await?;
        self.drain_events(response, heard, think, &|_| {}).await
    }

    /// Reads an event stream into `heard` until it ends or says `[DONE]`.
    async fn drain_events(
        &self,
        mut response: reqwest::Response,
        heard: &mut Assembler,
        think: &(dyn Fn(Thought) + Sync),
        created: &(dyn Fn(&str) + Sync),
    ) -> Result<(), ApiError> {
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.transport_error(e)),
            };
            decoder.push(&chunk, &mut events);
            for event in events.drain(..) {
                match heard.hear(&event) {
                    Heard::Thought(thought) => think(thought),
                    Heard::Created(id) => created(&id),
                    Heard::Done => return Ok(()),
                    Heard::Nothing => {}
                }
            }
        }
    }

    /// Like `wait_interaction`, telling `report` about each poll that had to be retried.
    async fn poll_interaction(
        &self,
        id: &str,
        model: &str,
        report: &(dyn Fn(RetryNotice) + Sync),
    ) -> Result<Interaction, ApiError> {
        let url = self.interactions_url(&format!("/{id}"));
        let mut delay = POLL_FIRST;
        loop {
            tokio::time::sleep(delay).await;
            let read = || self.send_interactions(self.http().get(&url), model);
            let notify = |failed, delay, error: &ApiError| {
                report(RetryNotice {
                    failed_attempt: failed,
                    delay,
                    error: error.clone(),
                })
            };
            let interaction = self.with_retries(read, notify).await?;
            if is_terminal(&interaction.status) {
                return Ok(interaction);
            }
            delay = (delay * 2).min(POLL_MAX);
        }
    }

    /// The answer of an interaction that has ended, as `create_interaction` gives it.
    pub fn finished_answer(
        &self,
        interaction: &Interaction,
        model: &str,
    ) -> Result<GenerateContentResponse, ApiError> {
        answer_of(interaction, model, |code, body| {
            self.classify(code, None, body, model)
        })
    }
}

/// The generateContent answer of an ended interaction, or the typed error it stands for.
fn answer_of(
    interaction: &Interaction,
    model: &str,
    classify: impl Fn(u16, &[u8]) -> ApiError,
) -> Result<GenerateContentResponse, ApiError> {
    if let Some(response) = to_response(interaction) {
        return Ok(response);
    }
    match interaction.status.as_str() {
        "failed" => {
            let (code, message) = interaction
                .errors
                .first()
                .map(|e| (e.code_text(), e.message.clone()))
                .unwrap_or_else(|| ("unknown".into(), "the interaction failed".into()));
            Err(error_from_code(&code, &message, &classify))
        }
        "cancelled" => Err(ApiError::Http {
            code: 499,
            status: "CANCELLED".into(),
            message: format!("interaction {} was cancelled", interaction.id),
        }),
        other => Err(ApiError::Http {
            code: 200,
            status: other.to_ascii_uppercase(),
            message: format!(
                "interaction {} ended as '{other}' without an answer for {model}",
                interaction.id
            ),
        }),
    }
}

/// The typed error for a code carried in a 200 (`errors[]` or an SSE `error`): one of the
/// Interactions API's string codes, or an RPC status name.
pub fn error_from_code(
    code: &str,
    message: &str,
    classify: &impl Fn(u16, &[u8]) -> ApiError,
) -> ApiError {
    if interactions_error::is_interactions_code(code) {
        let body = json!({"error": {"code": code, "message": message}});
        return classify(
            interactions_error::documented_status(code),
            body.to_string().as_bytes(),
        );
    }
    let status = code.to_ascii_uppercase();
    let http = match status.as_str() {
        "RESOURCE_EXHAUSTED" => 429,
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" => 400,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        "UNAUTHENTICATED" => 401,
        _ => 500,
    };
    let body = json!({"error": {"code": http, "message": message, "status": status}});
    classify(http, body.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::http::classify_answer;

    fn classify(code: u16, body: &[u8]) -> ApiError {
        classify_answer(code, None, body, "m")
    }

    #[test]
    fn failed_interactions_become_the_same_typed_errors() {
        let failed = |code: &str| Interaction {
            id: "v1_x".into(),
            status: "failed".into(),
            errors: vec![super::super::interactions::InteractionErrorItem {
                code: json!(code),
                message: "quota exceeded".into(),
            }],
            ..Interaction::default()
        };
        let err = answer_of(&failed("resource_exhausted"), "m", classify).unwrap_err();
        assert!(matches!(err, ApiError::RateLimited { .. }), "{err:?}");
        let err = answer_of(&failed("internal"), "m", classify).unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        let err = answer_of(&failed("payment_required"), "m", classify).unwrap_err();
        assert!(
            matches!(err, ApiError::PaymentRequired { .. }) && !err.is_retryable(),
            "{err:?}"
        );
        let err = answer_of(&failed("quota_exceeded"), "m", classify).unwrap_err();
        assert!(matches!(err, ApiError::QuotaExceeded { .. }), "{err:?}");
        let cancelled = Interaction {
            status: "cancelled".into(),
            ..Interaction::default()
        };
        assert!(answer_of(&cancelled, "m", classify).is_err());
    }

    #[test]
    fn cut_off_bodies_are_retryable() {
        let err = parse_answer::<Interaction>(b"{\"id\": \"v1_").unwrap_err();
        assert!(err.is_retryable());
        assert!(err.to_string().contains("cut off"));
    }
}
