//! The shapes a stored session is made of: turns kept verbatim (thought parts, text, image
//! references, every thought signature), as the store reads and writes them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::wire::FileData;

/// A stored image, named by the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// MIME type.
    pub mime: String,
}

/// A turn's id (its row in the store).
pub type TurnId = i64;

/// One part as stored: like the wire part, but image bytes live in the blob store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPart {
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// True for the model's thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// The signature exactly as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought_signature: Option<String>,
    /// An image, by hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<BlobRef>,
    /// A file reference, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data: Option<FileData>,
}

/// A turn's content as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredContent {
    /// "user" or "model".
    pub role: String,
    /// Parts in order.
    pub parts: Vec<StoredPart>,
}

/// One user message and the model's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn {
    /// Turn id.
    pub id: TurnId,
    /// The turn it continues (None for a first turn).
    pub parent: Option<TurnId>,
    /// RFC 3339 time.
    pub created_at: String,
    /// The user's instruction text.
    pub instruction: String,
    /// The user's content.
    pub user: StoredContent,
    /// The model's answer, verbatim.
    pub model: StoredContent,
    /// Saved output images of this turn.
    pub outputs: Vec<PathBuf>,
    /// The job that produced it.
    pub job_id: Option<i64>,
}

/// A session and all its turns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Short id.
    pub id: String,
    /// RFC 3339 time.
    pub created_at: String,
    /// First instruction, for lists.
    pub title: String,
    /// The model every turn uses (signatures are per model).
    pub model: String,
    /// The turn new edits continue from.
    pub head: Option<TurnId>,
    /// All turns, oldest first.
    pub turns: Vec<Turn>,
}

impl Session {
    /// A turn by id.
    pub fn turn(&self, id: TurnId) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id == id)
    }

    /// The turns from the first one down to `id`, in order.
    pub fn chain(&self, id: TurnId) -> Vec<&Turn> {
        let mut chain = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            let Some(turn) = self.turn(current) else {
                break;
            };
            chain.push(turn);
            next = turn.parent;
            if chain.len() > self.turns.len() {
                break;
            }
        }
        chain.reverse();
        chain
    }

    /// Turns that continue `id`.
    pub fn children(&self, id: Option<TurnId>) -> Vec<&Turn> {
        self.turns.iter().filter(|t| t.parent == id).collect()
    }

    /// Depth of a turn (1 for a first turn).
    pub fn depth(&self, id: TurnId) -> usize {
        self.chain(id).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(id: TurnId, parent: Option<TurnId>) -> Turn {
        Turn {
            id,
            parent,
            created_at: String::new(),
            instruction: format!("t{id}"),
            user: StoredContent::default(),
            model: StoredContent::default(),
            outputs: vec![],
            job_id: None,
        }
    }

    #[test]
    fn chains_follow_parents_across_forks() {
        let session = Session {
            id: "s".into(),
            created_at: String::new(),
            title: String::new(),
            model: "m".into(),
            head: Some(4),
            turns: vec![
                turn(1, None),
                turn(2, Some(1)),
                turn(3, Some(2)),
                turn(4, Some(1)),
            ],
        };
        let ids = |v: Vec<&Turn>| v.iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(ids(session.chain(3)), vec![1, 2, 3]);
        assert_eq!(ids(session.chain(4)), vec![1, 4]);
        assert_eq!(ids(session.children(Some(1))), vec![2, 4]);
        assert_eq!(session.depth(3), 3);
    }
}
