//! peel: a terminal workbench for Google's Nano Banana image models.
#![deny(clippy::unwrap_used)]

pub mod api;
pub mod config;
pub mod error;
pub mod models;
pub mod sim;
