//! The models endpoints on `GeminiClient`: describe one model, or list every model the
//! backend serves (Gemini API pages, Vertex AI publisher models, a gateway's list).

use super::backend::Backend;
use super::client::GeminiClient;
use super::error::ApiError;
use super::http::{page_url, parse_json};
use super::openai;
use super::vertex::{PublisherModel, PublisherModelPage};
use super::wire::{ListModelsResponse, ModelInfo};

impl GeminiClient {
    /// Describes one model, or says it is not served (`ModelNotFound`).
    pub async fn get_model(&self, model: &str) -> Result<ModelInfo, ApiError> {
        if let Backend::OpenAi(target) = self.backend() {
            let name = target.models.get(model).map_or(model, String::as_str);
            let models = self.list_gateway_models().await?;
            return models.into_iter().find(|m| m.name == name).ok_or_else(|| {
                ApiError::ModelNotFound {
                    model: name.to_string(),
                    message: "the gateway's model list does not include it".into(),
                }
            });
        }
        let url = match self.backend() {
            Backend::Vertex(_) => self.url(&format!("publishers/google/models/{model}")),
            _ => self.model_url(model),
        };
        let body = self
            .with_retries(|| self.get(&url, model), |_, _, _| {})
            .await?;
        match self.backend() {
            Backend::Vertex(_) => {
                parse_json::<PublisherModel>(&body, 200, "model description").map(ModelInfo::from)
            }
            _ => parse_json::<ModelInfo>(&body, 200, "model description"),
        }
    }

    /// Lists every model the backend serves, following pages.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        match self.backend() {
            Backend::Gemini => self.list_gemini_models().await,
            Backend::Vertex(_) => self.list_publisher_models().await,
            Backend::OpenAi(_) => self.list_gateway_models().await,
        }
    }

    /// Vertex AI's Google publisher models (listed on `v1beta1` only).
    async fn list_publisher_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let base = format!(
            "{}/v1beta1/publishers/google/models?pageSize=1000",
            self.base_url().trim_end_matches('/')
        );
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = page_url(&base, token.as_deref());
            let body = self
                .with_retries(|| self.get(&url, ""), |_, _, _| {})
                .await?;
            let page: PublisherModelPage = parse_json(&body, 200, "model list")?;
            models.extend(page.publisher_models.into_iter().map(ModelInfo::from));
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(models),
            }
        }
    }

    async fn list_gemini_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = page_url(&self.url("models?pageSize=1000"), token.as_deref());
            let body = self
                .with_retries(|| self.get(&url, ""), |_, _, _| {})
                .await?;
            let page: ListModelsResponse = parse_json(&body, 200, "model list")?;
            models.extend(page.models);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(models),
            }
        }
    }

    /// An OpenAI-compatible gateway's models, retrying transient failures.
    async fn list_gateway_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let gateway = self.gateway();
        self.with_retries(|| openai::list_models(&gateway), |_, _, _| {})
            .await
    }
}
