//! Multi-turn edit sessions: a tree of turns kept verbatim (thought parts, text, images,
//! every thought signature) and replayed exactly on the next turn.

use super::blobs::Blobs;
use crate::api::outcome::ImageOutput;
use crate::api::wire::{Base64Data, Blob, Content, Part};
use crate::fsio::OutputError;
use crate::store::session_types::{BlobRef, StoredContent, StoredPart, Turn};

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
}
