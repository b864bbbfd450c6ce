//! peel: a terminal workbench for Google's Nano Banana image models.
#![deny(clippy::unwrap_used)]

pub mod api;
pub mod cli;
pub mod config;
pub mod error;
pub mod fsio;
pub mod hangup;
pub mod imaging;
pub mod mcp;
pub mod models;
pub mod open_enum;
pub mod review;
pub mod settings;
pub mod sim;
pub mod store;
pub mod studio;
pub mod terminal;
pub mod text;
pub mod tui;
