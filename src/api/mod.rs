//! The wire: serde types, the HTTP client, typed errors, retries.

pub mod batch_wire;
pub mod batches;
pub mod client;
pub mod error;
pub mod files;
pub mod outcome;
pub mod wire;
