//! The wire: serde types, the HTTP client, typed errors, retries.

pub mod error;
pub mod wire;
