//! The roster effects: an anchor added, edited, removed or pinned, and a job's image
//! promoted to an anchor reference; the roster is read back after each.

use std::path::PathBuf;

use super::Effects;
use super::outcome::Outcome;
use crate::studio::Roster;
use crate::tui::msg::{Msg, RosterOp, RosterResult};
use crate::tui::strings;

impl Effects {
    /// Applies a roster change and reports the roster as it is now.
    pub(super) fn change_roster(&self, op: RosterOp) {
        let result = roster_op(&self.roster, op);
        self.send(Msg::Roster(result));
    }

    /// Makes `image` a reference of the anchor `text` names (new or existing).
    pub(super) fn promote(&self, image: PathBuf, text: String) {
        let roster = self.roster.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = match crate::review::promote::promote(&roster, &image, &text) {
                Ok(done) => RosterResult {
                    result: roster.list().map_err(|e| e.to_string()),
                    focus: None,
                    done,
                },
                Err(e) => RosterResult {
                    result: Err(e),
                    focus: None,
                    done: String::new(),
                },
            };
            let _ = tx.send(Outcome::Msg(Msg::Roster(result)));
        });
    }
}

/// Applies a roster change and reads the roster back.
pub fn roster_op(roster: &Roster, op: RosterOp) -> RosterResult {
    let (result, focus, done) = match op {
        RosterOp::Add {
            kind,
            name,
            description,
            refs,
        } => {
            let r = roster.add(kind, &name, &description, refs);
            let done = strings::effects::anchor_added(kind, name.trim());
            (r.map(|a| a.name), Some(name.trim().to_string()), done)
        }
        RosterOp::Update { name, changes } => {
            let new_name = changes.name.clone().unwrap_or_else(|| name.clone());
            let r = roster.update(&name, changes).map(|a| a.name);
            (
                r,
                Some(new_name.trim().to_string()),
                strings::effects::anchor_saved(new_name.trim()),
            )
        }
        RosterOp::Remove { name } => {
            let r = roster.remove(&name).map(|a| a.name);
            (r, None, strings::effects::anchor_removed(&name))
        }
        RosterOp::ShotExactly { names } => {
            let result = roster.list().and_then(|anchors| {
                for anchor in anchors {
                    let wanted = names.iter().any(|n| n.eq_ignore_ascii_case(&anchor.name));
                    if wanted != anchor.pinned {
                        roster.set_pinned(&anchor.name, wanted)?;
                    }
                }
                Ok(String::new())
            });
            (result, None, String::new())
        }
        RosterOp::SetPinned { name, pinned } => {
            let r = roster.set_pinned(&name, pinned).map(|a| a.name);
            let text = if pinned {
                strings::effects::anchor_pinned(&name)
            } else {
                strings::effects::anchor_unpinned(&name)
            };
            (r, Some(name.clone()), text)
        }
    };
    let result = result
        .and_then(|_| roster.list())
        .map_err(|e| e.to_string());
    RosterResult {
        result,
        focus,
        done,
    }
}
