//! The status bar: backend, last message.

/// How a message should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral news.
    Info,
    /// Something worked.
    Ok,
    /// Worth a look.
    Warn,
    /// Something failed.
    Error,
}

/// The status bar's state.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusState {
    /// The backend in words.
    pub backend: String,
    /// True when the offline simulator answers.
    pub offline: bool,
    /// The last message.
    pub message: Option<(Level, String)>,
}

impl StatusState {
    /// A status bar for a backend.
    pub fn new(backend: String, offline: bool) -> Self {
        Self {
            backend,
            offline,
            message: None,
        }
    }

    /// Sets the last message.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }
}
