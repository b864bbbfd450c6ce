//! What a conversation is made of: contents, their parts (text, inline bytes, file
//! references, thoughts with their signatures), and base64 bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Raw bytes that travel as standard base64; decoded exactly once when parsed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Base64Data(pub Vec<u8>);

impl std::fmt::Debug for Base64Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Data({} bytes)", self.0.len())
    }
}

impl Serialize for Base64Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Base64Data;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Base64Data, E> {
                BASE64
                    .decode(v)
                    .map(Base64Data)
                    .map_err(|e| E::custom(format!("invalid base64 data: {e}")))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// "user" or "model".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The turn's parts, in order.
    #[serde(default)]
    pub parts: Vec<Part>,
}

/// One piece of a turn: text, an inline image, a file reference, possibly a thought.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Bytes sent inline.
    #[serde(
        default,
        alias = "inline_data",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline_data: Option<Blob>,
    /// A reference to an uploaded file or URL.
    #[serde(default, alias = "file_data", skip_serializing_if = "Option::is_none")]
    pub file_data: Option<FileData>,
    /// True for the model's thinking (text or interim images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// Opaque signature that must be sent back exactly as received.
    #[serde(
        default,
        alias = "thought_signature",
        skip_serializing_if = "Option::is_none"
    )]
    pub thought_signature: Option<String>,
}

impl Part {
    /// A plain text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// An inline image part.
    pub fn image(mime_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            inline_data: Some(Blob {
                mime_type: mime_type.into(),
                data: Base64Data(bytes),
            }),
            ..Self::default()
        }
    }

    /// True when this part is part of the model's thinking.
    pub fn is_thought(&self) -> bool {
        self.thought == Some(true)
    }
}

/// Inline bytes with their MIME type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// e.g. "image/png".
    #[serde(default, alias = "mime_type")]
    pub mime_type: String,
    /// The decoded bytes.
    #[serde(default)]
    pub data: Base64Data,
}

/// A reference to a file by URI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    /// e.g. "image/png".
    #[serde(default, alias = "mime_type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Files API URI or a URL.
    #[serde(default, alias = "file_uri")]
    pub file_uri: String,
}
