//! The wire: serde types, the HTTP client (Gemini API, Vertex AI, OpenAI-compatible
//! gateways), typed errors, retries.

pub mod backend;
pub mod batch_wire;
pub mod batches;
pub mod client;
pub mod error;
pub mod files;
pub mod http;
pub mod interactions;
pub mod interactions_call;
pub mod interactions_convert;
pub mod interactions_error;
pub mod interactions_stream;
pub mod models_call;
pub mod openai;
pub mod outcome;
pub mod prediction_jobs;
pub mod storage;
pub mod storage_error;
pub mod storage_uri;
pub mod vertex;
pub mod wire;
