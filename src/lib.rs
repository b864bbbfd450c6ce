//! peel: a terminal workbench for Google's Nano Banana image models.
#![deny(clippy::unwrap_used)]

pub mod api;
pub mod cli;
pub mod config;
pub mod error;
pub mod hangup;
pub mod imaging;
pub mod models;
pub mod review;
pub mod sim;
pub mod store;
pub mod studio;
pub mod tui;
