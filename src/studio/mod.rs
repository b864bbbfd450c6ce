//! The engine: prompt composition, job runner, outputs, cost. Never prints or draws.

pub mod backend;
pub mod batch;
pub mod blobs;
pub mod capability;
pub mod carrier;
pub mod check;
pub mod collect;
pub mod compose;
pub mod consistency;
pub mod detach;
pub mod doctor;
pub mod error;
pub mod events;
pub mod lint;
pub mod notices;
pub mod outline;
pub mod output;
pub mod preset;
pub mod pricing;
pub mod prompt_fields;
pub mod report;
pub mod request;
pub mod roster;
pub mod roster_input;
pub mod runner;
pub mod session;
pub mod shot;
pub mod sidecar;
pub mod spec;
pub mod stage;
pub mod story;
#[cfg(test)]
pub mod testkit;
pub mod thoughts;
pub mod transport;
pub mod uploads;
pub mod wait;
pub mod workspace;

pub use error::StudioError;
pub use events::{JobId, JobInfo, Priced, StudioEvent};
pub use roster::{Anchor, AnchorKind, Budget, Roster, RosterError};
pub use runner::Studio;
pub use spec::{GenerateSpec, PreparedJob, ResolvedSettings};
