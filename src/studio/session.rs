//! Multi-turn edit sessions: a tree of turns kept verbatim (thought parts, text, images,
//! every thought signature) and replayed exactly on the next turn.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::blobs::{BlobRef, Blobs};
use super::output::OutputError;
use crate::api::outcome::ImageOutput;
use crate::api::wire::{Base64Data, Blob, Content, FileData, Part};

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

/// Stores a content's images as blobs; `finals` supplies bytes moved out of final image parts.
pub fn store_content(
    content: &Content,
    finals: &[ImageOutput],
    blobs: &Blobs,
) -> Result<StoredContent, OutputError> {
    let mut parts = Vec::with_capacity(content.parts.len());
    for (index, part) in content.parts.iter().enumerate() {
        let image = match &part.inline_data {
            None => None,
            Some(blob) if !blob.data.0.is_empty() => {
                Some(blobs.put(&blob.mime_type, &blob.data.0)?)
            }
            Some(blob) => match finals.iter().find(|f| f.part_index == index) {
                Some(fin) => Some(blobs.put(&fin.mime, &fin.bytes)?),
                None => Some(blobs.put(&blob.mime_type, &[])?),
            },
        };
        parts.push(StoredPart {
            text: part.text.clone(),
            thought: part.thought,
            thought_signature: part.thought_signature.clone(),
            image,
            file_data: part.file_data.clone(),
        });
    }
    Ok(StoredContent {
        role: content.role.clone().unwrap_or_else(|| "user".into()),
        parts,
    })
}

/// Rebuilds a wire content, reading image bytes back from the blob store.
pub fn load_content(content: &StoredContent, blobs: &Blobs) -> Result<Content, OutputError> {
    let mut parts = Vec::with_capacity(content.parts.len());
    for part in &content.parts {
        let inline_data = match &part.image {
            Some(blob) => Some(Blob {
                mime_type: blob.mime.clone(),
                data: Base64Data(blobs.get(blob)?),
            }),
            None => None,
        };
        parts.push(Part {
            text: part.text.clone(),
            inline_data,
            file_data: part.file_data.clone(),
            thought: part.thought,
            thought_signature: part.thought_signature.clone(),
        });
    }
    Ok(Content {
        role: Some(content.role.clone()),
        parts,
    })
}

/// The conversation to send for continuing after `chain`: user, model, user, model, …
pub fn replay(chain: &[&Turn], blobs: &Blobs) -> Result<Vec<Content>, OutputError> {
    let mut contents = Vec::with_capacity(chain.len() * 2 + 1);
    for turn in chain {
        contents.push(load_content(&turn.user, blobs)?);
        contents.push(load_content(&turn.model, blobs)?);
    }
    Ok(contents)
}

/// The final (non-thought) images of a stored model answer.
pub fn final_images(content: &StoredContent) -> Vec<&BlobRef> {
    content
        .parts
        .iter()
        .filter(|p| p.thought != Some(true))
        .filter_map(|p| p.image.as_ref())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_round_trip_byte_for_byte_through_the_blob_store() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().to_path_buf());
        let model = Content {
            role: Some("model".into()),
            parts: vec![
                Part {
                    text: Some("thinking".into()),
                    thought: Some(true),
                    ..Part::default()
                },
                Part {
                    thought: Some(true),
                    ..Part::image("image/png", vec![9, 9])
                },
                Part {
                    text: Some("done".into()),
                    thought_signature: Some("sigA".into()),
                    ..Part::default()
                },
                Part {
                    thought_signature: Some("sigB".into()),
                    ..Part::image("image/png", vec![])
                },
            ],
        };
        let finals = vec![ImageOutput {
            mime: "image/png".into(),
            bytes: vec![1, 2, 3],
            signature: None,
            part_index: 3,
        }];
        let stored = store_content(&model, &finals, &blobs).unwrap();
        let back = load_content(&stored, &blobs).unwrap();
        assert_eq!(
            back.parts[1].inline_data.as_ref().unwrap().data.0,
            vec![9, 9]
        );
        assert_eq!(
            back.parts[3].inline_data.as_ref().unwrap().data.0,
            vec![1, 2, 3]
        );
        assert_eq!(back.parts[3].thought_signature.as_deref(), Some("sigB"));
        assert_eq!(back.parts[2].thought_signature.as_deref(), Some("sigA"));
        assert_eq!(final_images(&stored).len(), 1);
    }

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
