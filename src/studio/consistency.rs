//! An image's consistency, as sidecars and manifests keep it: one 0–100 score per anchor
//! (`check/` asks for them; batch manifests and review read them).

use serde::{Deserialize, Serialize};

/// One anchor's score in one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorScore {
    /// The anchor's name.
    pub name: String,
    /// 0–100: how well the image keeps the anchor's identity.
    pub score: u8,
    /// One line: what changed, or that it matches.
    pub note: String,
}

/// An image's consistency, as sidecars and manifests keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consistency {
    /// The text model that judged.
    pub model: String,
    /// One score per anchor.
    pub anchors: Vec<AnchorScore>,
}

impl Consistency {
    /// The lowest score (what a badge shows).
    pub fn lowest(&self) -> Option<u8> {
        self.anchors.iter().map(|a| a.score).min()
    }

    /// True when some anchor scored below `warn_below`.
    pub fn drifted(&self, warn_below: u8) -> bool {
        self.lowest().is_some_and(|s| s < warn_below)
    }
}
