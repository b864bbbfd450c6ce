//! The simulator driven over real HTTP with plain reqwest, as any client would drive it.

mod batches;
mod common;
mod faults;
mod files;
mod generation;
mod interactions;
mod ix_errors;
mod robustness;
mod service;
mod signatures;
mod storage;
mod tiers;
mod validation;
mod vertex_refs;
