//! Strict request validation: the raw JSON is walked against a table of the fields the
//! service knows, so an unknown name, a bad enum or a wrong type is refused with the
//! service's own wording. camelCase and proto snake_case names are both accepted.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::errors::SimError;

/// The shape of one JSON value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A message with known fields; the `&str` is its proto type name (after the version).
    Obj(&'static str, &'static [Field]),
    /// A repeated field.
    List(&'static Ty),
    /// One value or a list of them (for spellings the docs disagree on).
    OneOrList(&'static Ty),
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// An int32/int64 (a JSON number or a numeric string).
    Int,
    /// A float (a JSON number or a numeric string).
    Num,
    /// Bytes as base64.
    Bytes,
    /// An enum: proto type name and allowed names (matched case-insensitively).
    Enum(&'static str, &'static [&'static str]),
    /// Anything (Struct, JSON schema, function arguments).
    Any,
    /// A field that exists only on Vertex AI: refused here.
    VertexOnly,
}

/// One known field: its proto (snake_case) name and type.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The proto name; its lowerCamelCase form is accepted too.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
}

/// A field entry, for the message tables.
pub const fn f(name: &'static str, ty: Ty) -> Field {
    Field { name, ty }
}

/// Converts a proto snake_case name to lowerCamelCase.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks `value` against `ty`; `version` ("v1beta") goes into type URLs of messages.
pub fn validate(value: &Value, ty: &Ty, version: &str) -> Result<(), SimError> {
    validate_in(value, ty, version, false)
}

/// Like `validate`; with `vertex` the Vertex-only fields are accepted.
pub fn validate_in(value: &Value, ty: &Ty, version: &str, vertex: bool) -> Result<(), SimError> {
    Walker { version, vertex }.walk(value, ty, "")
}

struct Walker<'a> {
    version: &'a str,
    vertex: bool,
}

impl Walker<'_> {
    fn type_url(&self, name: &str) -> String {
        format!(
            "type.googleapis.com/google.ai.generativelanguage.{}.{name}",
            self.version
        )
    }

    fn walk(&self, value: &Value, ty: &Ty, path: &str) -> Result<(), SimError> {
        if value.is_null() {
            return Ok(());
        }
        match *ty {
            Ty::Obj(name, fields) => self.object(value, name, fields, path),
            Ty::List(inner) => {
                let Value::Array(items) = value else {
                    return self.list_expected(value, inner, path);
                };
                for (i, item) in items.iter().enumerate() {
                    if item.is_array() {
                        return Err(unknown_name(
                            path,
                            "Proto field is repeating, cannot start list.",
                        ));
                    }
                    self.walk(item, inner, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            Ty::OneOrList(inner) => match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, inner, &format!("{path}[{i}]"))?;
                    }
                    Ok(())
                }
                _ => self.walk(value, inner, path),
            },
            Ty::Str => match value {
                Value::String(_) => Ok(()),
                _ => Err(invalid_value(path, "TYPE_STRING", value)),
            },
            Ty::Bool => match value {
                Value::Bool(_) => Ok(()),
                _ => Err(invalid_value(path, "TYPE_BOOL", value)),
            },
            Ty::Int => {
                let ok = match value {
                    Value::Number(n) => n.is_i64() || n.is_u64(),
                    Value::String(s) => s.trim().parse::<i64>().is_ok(),
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(invalid_value(path, "TYPE_INT32", value))
                }
            }
            Ty::Num => {
                let ok = match value {
                    Value::Number(_) => true,
                    Value::String(s) => s.trim().parse::<f64>().is_ok(),
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(invalid_value(path, "TYPE_FLOAT", value))
                }
            }
            Ty::Bytes => {
                let Value::String(s) = value else {
                    return Err(invalid_value(path, "TYPE_BYTES", value));
                };
                if decode_base64(s).is_some() {
                    return Ok(());
                }
                let shown: String = s.chars().take(40).collect();
                Err(SimError::bad_field(
                    path,
                    format!(
                        "Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\""
                    ),
                ))
            }
            Ty::Enum(name, allowed) => {
                let ok = match value {
                    Value::String(s) => allowed.iter().any(|a| a.eq_ignore_ascii_case(s)),
                    Value::Number(n) => n.as_u64().is_some_and(|i| (i as usize) < allowed.len()),
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(invalid_value(path, &self.type_url(name), value))
                }
            }
            Ty::Any => Ok(()),
            Ty::VertexOnly => Ok(()),
        }
    }

    fn object(
        &self,
        value: &Value,
        name: &str,
        fields: &[Field],
        path: &str,
    ) -> Result<(), SimError> {
        let Value::Object(map) = value else {
            if value.is_array() {
                return Err(unknown_name(
                    path,
                    "Proto field is not repeating, cannot start list.",
                ));
            }
            return Err(invalid_value(path, &self.type_url(name), value));
        };
        for (key, child) in map {
            let Some(field) = fields
                .iter()
                .find(|fd| fd.name == key || camel(fd.name) == *key)
            else {
                return Err(SimError::bad_field(
                    path,
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\"{}: Cannot find field.",
                        at(path)
                    ),
                ));
            };
            let child_path = if path.is_empty() {
                field.name.to_string()
            } else {
                format!("{path}.{}", field.name)
            };
            if matches!(field.ty, Ty::VertexOnly) && !self.vertex {
                return Err(SimError::bad_field(
                    &child_path,
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\"{}: Cannot find field. {key} is not supported in the Gemini API: it is only supported in Gemini Enterprise Agent Platform (Vertex AI) mode.",
                        at(path)
                    ),
                ));
            }
            // A Vertex-only field (e.g. `labels`, a map) takes whatever Vertex AI takes.
            if child.is_object()
                && !matches!(
                    field.ty,
                    Ty::Obj(..) | Ty::Any | Ty::List(_) | Ty::OneOrList(_) | Ty::VertexOnly
                )
            {
                return Err(SimError::bad_field(
                    path,
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\"{}: Proto field is not a message, cannot start object.",
                        at(path)
                    ),
                ));
            }
            if child.is_array() && !matches!(field.ty, Ty::List(_) | Ty::Any | Ty::OneOrList(_)) {
                return Err(SimError::bad_field(
                    path,
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\"{}: Proto field is not repeating, cannot start list.",
                        at(path)
                    ),
                ));
            }
            self.walk(child, &field.ty, &child_path)?;
        }
        Ok(())
    }

    fn list_expected(&self, value: &Value, inner: &Ty, path: &str) -> Result<(), SimError> {
        let type_name = match inner {
            Ty::Obj(name, _) | Ty::Enum(name, _) => self.type_url(name),
            Ty::Str => "TYPE_STRING".into(),
            _ => "TYPE_MESSAGE".into(),
        };
        Err(invalid_value(path, &type_name, value))
    }
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at '{path}'")
    }
}

fn unknown_name(path: &str, what: &str) -> SimError {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (parent, key),
        None => ("", path),
    };
    let key = key.split('[').next().unwrap_or(key);
    SimError::bad_field(
        parent,
        format!(
            "Invalid JSON payload received. Unknown name \"{}\"{}: {what}",
            camel(key),
            at(parent)
        ),
    )
}

fn invalid_value(path: &str, type_name: &str, value: &Value) -> SimError {
    let shown = match value {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    SimError::bad_field(
        path,
        format!("Invalid value at '{path}' ({type_name}), {shown}"),
    )
}

/// Decodes base64 the way proto JSON does: standard or URL-safe, padded or not.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// Looks up a field by its proto name in either casing.
pub fn get<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(name)
        .or_else(|| map.get(&camel(name)))
        .filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::messages::GENERATE_CONTENT_REQUEST;
    use serde_json::json;

    fn check(body: Value) -> Result<(), SimError> {
        validate(&body, &GENERATE_CONTENT_REQUEST, "v1beta")
    }

    #[test]
    fn accepts_both_casings_and_the_sdk_mix() {
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": "fox"},
                {"inline_data": {"mime_type": "image/png", "data": "AAEC"}}]}],
            "generationConfig": {"responseModalities": ["TEXT", "Image"],
                "thinkingConfig": {"include_thoughts": true, "thinking_level": "high"},
                "image_config": {"aspectRatio": "16:9", "imageSize": "2K"}, "seed": "42"},
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
            "tools": [{"googleSearch": {"searchTypes": {"webSearch": {}, "imageSearch": {}}}}]
        });
        check(body).unwrap();
    }

    #[test]
    fn unknown_names_are_reported_with_their_parent_path() {
        let err = check(json!({"generationConfig": {"foo": 1}})).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': Cannot find field."
        );
        assert_eq!(
            err.body()["error"]["details"][0]["fieldViolations"][0]["field"],
            "generation_config"
        );
        let top = check(json!({"prompt": "x"})).unwrap_err();
        assert_eq!(
            top.message,
            "Invalid JSON payload received. Unknown name \"prompt\": Cannot find field."
        );
        let deep = check(json!({"contents": [{"parts": [{"txt": "x"}]}]})).unwrap_err();
        assert!(
            deep.message.contains("at 'contents[0].parts[0]'"),
            "{}",
            deep.message
        );
    }

    #[test]
    fn bad_enums_name_the_path_type_and_value() {
        let err =
            check(json!({"generationConfig": {"responseModalities": ["PICTURE"]}})).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value at 'generation_config.response_modalities[0]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \"PICTURE\""
        );
        let level =
            check(json!({"generationConfig": {"thinkingConfig": {"thinkingLevel": "EXTREME"}}}))
                .unwrap_err();
        assert!(level.message.contains("thinking_config.thinking_level"));
        let cat = check(json!({"safetySettings": [{"category": "HARM_CATEGORY_IMAGE_HATE"}]}))
            .unwrap_err();
        assert!(
            cat.message.contains("safety_settings[0].category"),
            "{}",
            cat.message
        );
    }

    #[test]
    fn wrong_types_vertex_fields_and_bad_base64_are_refused() {
        let seed = check(json!({"generationConfig": {"seed": "abc"}})).unwrap_err();
        assert_eq!(
            seed.message,
            "Invalid value at 'generation_config.seed' (TYPE_INT32), \"abc\""
        );
        let vertex =
            check(json!({"generationConfig": {"imageConfig": {"personGeneration": "ALLOW_ALL"}}}))
                .unwrap_err();
        assert!(vertex.message.contains("personGeneration"));
        assert!(vertex.message.contains("not supported in the Gemini API"));
        let b64 =
            check(json!({"contents": [{"parts": [{"inlineData": {"data": "!!"}}]}]})).unwrap_err();
        assert!(
            b64.message.contains("Base64 decoding failed"),
            "{}",
            b64.message
        );
        let list = check(json!({"contents": {"parts": []}})).unwrap_err();
        assert!(list.message.contains("'contents'"), "{}", list.message);
        let not_list = check(json!({"generationConfig": []})).unwrap_err();
        assert!(
            not_list.message.contains("not repeating"),
            "{}",
            not_list.message
        );
    }

    #[test]
    fn camel_converts_proto_names() {
        assert_eq!(camel("response_modalities"), "responseModalities");
        assert_eq!(camel("text"), "text");
    }
}
