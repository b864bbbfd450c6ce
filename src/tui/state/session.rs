//! The current edit session: which session and turn Ctrl+G continues, and the chain
//! of turns the Preview pane's turn strip shows.

use crate::store::session_types::{Session, TurnId};
use crate::tui::strings;

/// The session Ctrl+G continues (none: the next generation starts one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionState {
    /// The session's id.
    pub id: Option<String>,
    /// The turn the next edit continues from.
    pub turn: Option<TurnId>,
    /// The session as last read from the store.
    pub loaded: Option<Session>,
    /// Turns stepped back from, newest last (for stepping forward again).
    redo: Vec<TurnId>,
    /// The session left with "new session": its late results do not pull it back.
    left: Option<String>,
    /// A session asked for but not answered yet: further generations join it as
    /// sibling first turns instead of starting more sessions.
    pending: Option<u64>,
    /// The last pending-session token handed out.
    tokens: u64,
}

impl SessionState {
    /// A fresh workbench: the most recent session (made here or by the CLI) is known, so
    /// its jobs can say which turn they are, but it is not continued: a prompt typed into
    /// the empty editor starts a new session unless the user chooses one (by selecting one
    /// of its jobs, or stepping its turns).
    pub fn known(session: Option<Session>) -> Self {
        Self {
            loaded: session,
            ..Self::default()
        }
    }

    /// Starts on a session read from the store, at its head (continued by Ctrl+G).
    pub fn reopen(session: Option<Session>) -> Self {
        match session {
            Some(s) => Self {
                id: Some(s.id.clone()),
                turn: s.head,
                loaded: Some(s),
                redo: Vec::new(),
                left: None,
                pending: None,
                tokens: 0,
            },
            None => Self::default(),
        }
    }

    /// Makes `turn` of session `id` the current one; true when the session must be (re)read.
    pub fn adopt(&mut self, id: &str, turn: TurnId) -> bool {
        if self.id.as_deref() != Some(id) || self.turn != Some(turn) {
            self.redo.clear();
        }
        self.pending = None;
        self.id = Some(id.to_string());
        self.turn = Some(turn);
        !self
            .loaded
            .as_ref()
            .is_some_and(|s| s.id == id && s.turn(turn).is_some())
    }

    /// Like `adopt` for a job that just finished, unless it belongs to the session the
    /// user left with "new session". None when it was not adopted.
    pub fn adopt_finished(&mut self, id: &str, turn: TurnId) -> Option<bool> {
        if self.left.as_deref() == Some(id) {
            return None;
        }
        Some(self.adopt(id, turn))
    }

    /// Keeps a session read from the store if it is still the current one.
    pub fn loaded(&mut self, session: Session) {
        if self.id.as_deref() == Some(session.id.as_str()) {
            if self.turn.is_none() {
                self.turn = session.head;
            }
            self.loaded = Some(session);
        }
    }

    /// Forgets the session: the next generation starts a new one.
    pub fn clear(&mut self) {
        let left = self.id.take().or(self.left.take());
        *self = Self {
            left,
            tokens: self.tokens,
            ..Self::default()
        };
    }

    /// The token of the session the next first turn belongs to: the pending one, or a new one.
    pub fn fresh_token(&mut self) -> u64 {
        if let Some(token) = self.pending {
            return token;
        }
        self.tokens += 1;
        self.pending = Some(self.tokens);
        self.tokens
    }

    /// The store created the session for `token`. Adopted while still wanted; a session
    /// left with "new session" meanwhile is remembered so its results stay away.
    pub fn started(&mut self, token: u64, id: &str) {
        if self.pending == Some(token) {
            if self.id.is_none() {
                self.id = Some(id.to_string());
            }
        } else if self.id.as_deref() != Some(id) {
            self.left = Some(id.to_string());
        }
    }

    /// The session id and turn to continue from, when there is one.
    pub fn continue_from(&self) -> Option<(String, TurnId)> {
        Some((self.id.clone()?, self.turn?))
    }

    /// The current turn's position in its chain (1 for a first turn).
    pub fn depth(&self) -> Option<usize> {
        let (s, turn) = (self.current_session()?, self.turn?);
        Some(s.depth(turn)).filter(|d| *d > 0)
    }

    fn current_session(&self) -> Option<&Session> {
        self.loaded
            .as_ref()
            .filter(|s| Some(s.id.as_str()) == self.id.as_deref())
    }

    /// `session <id> · turn <n>` for turn `turn` of session `id` (the turn's number when that
    /// session has been read).
    pub fn describe(&self, id: &str, turn: TurnId) -> String {
        let depth = self
            .loaded
            .as_ref()
            .filter(|s| s.id == id)
            .map(|s| s.depth(turn))
            .filter(|d| *d > 0);
        strings::session::turn(id, depth)
    }

    /// What the next generation does, in words: `new session`, or `continues session <id>
    /// · turn <n>` (the turn it will make).
    pub fn next_words(&self) -> String {
        match (&self.id, self.turn) {
            (Some(id), Some(_)) => strings::session::continues(id, self.depth().map(|n| n + 1)),
            (Some(id), None) => strings::session::joins(id),
            // A first turn still pending is the new session the next one joins.
            (None, _) => strings::session::NEXT_NEW.into(),
        }
    }

    /// `session <id> · turn <n>` for the Preview caption.
    pub fn caption(&self) -> Option<String> {
        let id = self.id.as_deref()?;
        Some(strings::session::turn(id, self.depth()))
    }

    /// The turn strip: `turns: 1 › 2 › [3]  (fork: 4)`, numbered by depth, with the
    /// current turn's other branches (siblings) as forks.
    pub fn strip(&self) -> Option<String> {
        let (s, turn) = (self.current_session()?, self.turn?);
        let chain = s.chain(turn);
        if chain.is_empty() {
            return None;
        }
        let parent = chain.last().and_then(|t| t.parent);
        let forks = s.children(parent).len().saturating_sub(1);
        let next = s.children(Some(turn)).len();
        Some(strings::session::strip(chain.len(), forks, next))
    }

    /// Steps to the parent turn (undo); returns the new turn.
    pub fn back(&mut self) -> Option<TurnId> {
        let turn = self.turn?;
        let parent = self.current_session()?.turn(turn)?.parent?;
        self.redo.push(turn);
        self.turn = Some(parent);
        Some(parent)
    }

    /// Steps forward again: to the turn stepped back from, or the only (else newest) child.
    pub fn forward(&mut self) -> Option<TurnId> {
        let turn = self.turn?;
        let next = match self.redo.pop() {
            Some(t) => t,
            None => self.current_session()?.children(Some(turn)).last()?.id,
        };
        self.turn = Some(next);
        Some(next)
    }
}
