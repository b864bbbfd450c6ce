//! Reading an interaction's server-sent events: `SseDecoder` cuts the byte stream into
//! events, `Assembler` rebuilds the `Interaction` from `step.*` events (image data joined per
//! step until `step.stop`) and hands each thought summary out as it arrives.

use serde_json::{Value, json};

use super::interactions::{Block, Interaction, KnownBlock};

/// One thought summary as it streams in.
#[derive(Debug, Clone, PartialEq)]
pub enum Thought {
    /// A text summary (its first line is the headline).
    Text(String),
    /// An interim image the model drew while thinking (not billed).
    Image {
        /// e.g. `image/jpeg`.
        mime_type: String,
        /// The image bytes.
        data: Vec<u8>,
    },
}

impl Thought {
    /// The headline of a text summary: its first non-empty line, without markdown bold.
    pub fn headline(&self) -> Option<String> {
        let Self::Text(text) = self else {
            return None;
        };
        let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
        Some(line.trim_matches('*').trim().to_string())
    }
}

/// One SSE event: its `data:` lines joined, and its `id:` if any.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The event id (the token for resuming).
    pub id: Option<String>,
    /// The payload.
    pub data: String,
}

/// Cuts SSE bytes into events; lines may be megabytes long (base64 images).
#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    scanned: usize,
    data: Vec<String>,
    id: Option<String>,
}

impl SseDecoder {
    /// Feeds bytes; complete events are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        let mut from = self.scanned;
        while let Some(offset) = self.pending[from..].iter().position(|&b| b == b'\n') {
            let end = from + offset;
            let line = &self.pending[start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = String::from_utf8_lossy(line).into_owned();
            self.line(&line, out);
            start = end + 1;
            from = start;
        }
        self.pending.drain(..start);
        self.scanned = self.pending.len();
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                out.push(SseEvent {
                    id: self.id.take(),
                    data: std::mem::take(&mut self.data).join("\n"),
                });
            }
            return;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => self.data.push(value.to_string()),
            "id" => self.id = Some(value.to_string()),
            _ => {}
        }
    }
}

/// What one event meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// Nothing the caller needs.
    Nothing,
    /// The service gave the interaction its id.
    Created(String),
    /// A thought summary arrived.
    Thought(Thought),
    /// `data: [DONE]`: the stream is over.
    Done,
}

/// Rebuilds an interaction from its events.
#[derive(Debug, Default)]
pub struct Assembler {
    id: String,
    status: String,
    model: Option<String>,
    service_tier: Option<String>,
    steps: Vec<Value>,
    usage: Value,
    errors: Vec<Value>,
    last_event_id: Option<String>,
    done: bool,
}

impl Assembler {
    /// Starts from what is already known of the interaction.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_string(),
            ..Self::default()
        }
    }

    /// The interaction's id ("" until the service gave one).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The last event id seen (for resuming after a drop).
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// True once `[DONE]` arrived or the interaction reached an end.
    pub fn is_over(&self) -> bool {
        self.done || super::interactions::is_terminal(&self.status)
    }

    /// Applies one event.
    pub fn hear(&mut self, event: &SseEvent) -> Heard {
        if event.data.trim() == "[DONE]" {
            self.done = true;
            return Heard::Done;
        }
        let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
            return Heard::Nothing;
        };
        if let Some(id) = value["event_id"].as_str().or(event.id.as_deref()) {
            self.last_event_id = Some(id.to_string());
        }
        let index = value["index"].as_u64().map(|i| i as usize);
        match value["event_type"].as_str().unwrap_or("") {
            "interaction.created" => {
                self.take_interaction(&value["interaction"]);
                if !self.id.is_empty() {
                    return Heard::Created(self.id.clone());
                }
            }
            "interaction.status_update" => {
                if let Some(status) = value["status"].as_str() {
                    self.status = status.to_string();
                }
            }
            "interaction.completed" => {
                self.take_interaction(&value["interaction"]);
                if self.status.is_empty() || !super::interactions::is_terminal(&self.status) {
                    self.status = "completed".into();
                }
            }
            "step.start" => {
                if let Some(i) = index {
                    *self.step(i) = value["step"].clone();
                }
            }
            "step.delta" => {
                if let Some(i) = index {
                    return self.delta(i, &value["delta"]);
                }
            }
            "step.stop" => {
                if let Some(step) = index.and_then(|i| self.steps.get_mut(i)) {
                    close_images(step);
                }
            }
            "error" => {
                self.status = "failed".into();
                self.errors.push(value["error"].clone());
            }
            _ => {}
        }
        Heard::Nothing
    }

    /// The interaction as heard so far.
    pub fn interaction(&self) -> Interaction {
        let mut steps: Vec<Value> = self
            .steps
            .iter()
            .filter(|s| s.is_object())
            .cloned()
            .collect();
        steps.iter_mut().for_each(close_images);
        let value = json!({
            "id": self.id,
            "status": self.status,
            "model": self.model,
            "service_tier": self.service_tier,
            "steps": steps,
            "usage": self.usage,
            "errors": self.errors,
        });
        serde_json::from_value(value).unwrap_or_else(|_| Interaction {
            id: self.id.clone(),
            status: self.status.clone(),
            ..Interaction::default()
        })
    }

    fn take_interaction(&mut self, interaction: &Value) {
        if let Some(id) = interaction["id"].as_str() {
            self.id = id.to_string();
        }
        if let Some(status) = interaction["status"].as_str() {
            self.status = status.to_string();
        }
        if let Some(model) = interaction["model"].as_str() {
            self.model = Some(model.to_string());
        }
        if let Some(tier) = interaction["service_tier"].as_str() {
            self.service_tier = Some(tier.to_string());
        }
        if interaction["usage"].is_object() {
            self.usage = interaction["usage"].clone();
        }
        if let Some(errors) = interaction["errors"].as_array() {
            self.errors.extend(errors.iter().cloned());
        }
    }

    fn step(&mut self, index: usize) -> &mut Value {
        if self.steps.len() <= index {
            self.steps.resize(index + 1, Value::Null);
        }
        let step = &mut self.steps[index];
        if !step.is_object() {
            *step = json!({});
        }
        step
    }

    fn delta(&mut self, index: usize, delta: &Value) -> Heard {
        let step = self.step(index);
        match delta["type"].as_str().unwrap_or("") {
            "thought_signature" => {
                step["signature"] = delta["signature"].clone();
            }
            "thought_summary" => {
                let content = delta["content"].clone();
                push(step, "summary", content.clone());
                return match serde_json::from_value::<Block>(content) {
                    Ok(Block::Known(KnownBlock::Text { text })) => {
                        Heard::Thought(Thought::Text(text))
                    }
                    Ok(Block::Known(KnownBlock::Image {
                        data: Some(data),
                        mime_type,
                        ..
                    })) => Heard::Thought(Thought::Image {
                        mime_type: mime_type.unwrap_or_else(|| "image/png".into()),
                        data: data.0,
                    }),
                    _ => Heard::Nothing,
                };
            }
            "text" => {
                let text = delta["text"].as_str().unwrap_or("");
                match last_block(step, "text") {
                    Some(block) => append(&mut block["text"], text),
                    None => push(step, "content", json!({"type": "text", "text": text})),
                }
            }
            "image" => {
                let data = delta["data"].as_str().unwrap_or("");
                match last_block(step, "image") {
                    Some(block) if block["open"] == json!(true) && !starts_an_image(data) => {
                        append(&mut block["data"], data)
                    }
                    _ => {
                        let mut block = delta.clone();
                        block["open"] = json!(true);
                        push(step, "content", block);
                    }
                }
            }
            _ => {}
        }
        Heard::Nothing
    }
}

/// True when base64 `data` begins with a JPEG, PNG or WebP signature: a new image, not the
/// rest of the one before (several images may share a step; one image may be split).
fn starts_an_image(data: &str) -> bool {
    ["/9j/", "iVBORw0KGgo", "UklGR"]
        .iter()
        .any(|magic| data.starts_with(magic))
}

/// `step[key]` as an array, with `block` appended.
fn push(step: &mut Value, key: &str, block: Value) {
    if !step[key].is_array() {
        step[key] = json!([]);
    }
    if let Some(list) = step[key].as_array_mut() {
        list.push(block);
    }
}

/// The last content block of `step` when it has type `kind`.
fn last_block<'a>(step: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
    let block = step["content"].as_array_mut()?.last_mut()?;
    (block["type"] == kind).then_some(block)
}

fn append(target: &mut Value, more: &str) {
    let mut text = target.as_str().unwrap_or("").to_string();
    text.push_str(more);
    *target = Value::String(text);
}

/// Closes the step's open image blocks: `step.stop` ended their data.
fn close_images(step: &mut Value) {
    if let Some(content) = step["content"].as_array_mut() {
        for block in content {
            if let Some(object) = block.as_object_mut() {
                object.remove("open");
            }
        }
    }
}

#[cfg(test)]
#[path = "interactions_stream_tests.rs"]
mod tests;
