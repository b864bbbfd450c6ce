//! Serde types mirroring the Gemini REST API (v1beta) one to one.
//!
//! camelCase goes out; on the way in every field is optional, snake_case aliases are
//! accepted, unknown fields are ignored and unknown enum strings are kept verbatim.
//! `parts` is what conversations are made of, `request` what peel sends, `response` what
//! comes back; every type is reachable as `api::wire::Name`.

mod enums;
mod parts;
mod request;
mod response;

pub use enums::*;
pub use parts::*;
pub use request::*;
pub use response::*;

#[cfg(test)]
mod tests;
