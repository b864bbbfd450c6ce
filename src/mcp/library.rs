//! The tools that read or change what peel keeps: sessions, the roster, models, lint, history.

use std::path::PathBuf;

use rmcp::model::CallToolResult;
use serde_json::json;

use super::PeelServer;
use super::params::{HistoryParams, LintParams, RosterAddParams, SessionParams};
use super::reply::{self, ToolResult};
use crate::store::JobFilter;
use crate::studio::lint::entries::{self, Input};
use crate::studio::{Roster, StudioError, request, roster_input};

/// Jobs `history` lists when no limit is given (as `peel history`).
const HISTORY_LIMIT: usize = 50;

impl PeelServer {
    fn refuse(&self, message: impl Into<String>) -> CallToolResult {
        reply::refusal(message, self.offline())
    }

    fn fail(&self, error: impl Into<StudioError>) -> CallToolResult {
        reply::failed(&error.into(), self.offline())
    }

    /// `{"session": …}`, as `peel session show --json`.
    pub(super) fn show_session(&self, params: SessionParams) -> ToolResult {
        let store = self.ws().store().map_err(|e| self.fail(e))?;
        let id = request::resolve_session(&store, &params.session).map_err(|e| self.fail(e))?;
        let Some(session) = store.session(&id).map_err(|e| self.fail(e))? else {
            return Err(self.refuse(format!("session {id} disappeared")));
        };
        let summary = format!(
            "session {} · {} · {} turn(s), head {}",
            session.id,
            session.model,
            session.turns.len(),
            session.head.map_or("none".into(), |h| h.to_string())
        );
        Ok(reply::body(
            Some(summary),
            json!({ "session": session }),
            self.offline(),
        ))
    }

    /// `{"anchors": […]}`, as `peel roster list --json`.
    pub(super) fn list_roster(&self) -> ToolResult {
        let roster = Roster::new(self.ws().store().map_err(|e| self.fail(e))?);
        let anchors = roster.list().map_err(|e| self.refuse(e.to_string()))?;
        let summary = format!("{} anchor(s)", anchors.len());
        Ok(reply::body(
            Some(summary),
            json!({ "anchors": anchors }),
            self.offline(),
        ))
    }

    /// Adds an anchor after checking its kind and reference images, as `peel roster add`.
    pub(super) fn add_anchor(&self, params: RosterAddParams) -> ToolResult {
        let kind = roster_input::parse_kind(&params.kind).map_err(|e| self.fail(e))?;
        let refs: Vec<PathBuf> = params.refs.iter().map(PathBuf::from).collect();
        let refs = roster_input::checked_refs(&refs).map_err(|e| self.fail(e))?;
        let roster = Roster::new(self.ws().store().map_err(|e| self.fail(e))?);
        let anchor = roster
            .add(kind, &params.name, &params.description, refs)
            .map_err(|e| self.refuse(e.to_string()))?;
        let summary = format!(
            "added {} '{}' ({} reference image(s)); put it in shot with \"with\": [\"{}\"]",
            anchor.kind,
            anchor.name,
            anchor.refs.len(),
            anchor.name
        );
        Ok(reply::body(
            Some(summary),
            json!({ "anchor": anchor }),
            self.offline(),
        ))
    }

    /// The registry, as `peel models --json`.
    pub(super) fn list_models(&self) -> ToolResult {
        let registry = &self.ws().registry;
        let models: Vec<_> = registry.models.values().collect();
        let summary = format!(
            "{} model(s); default {}",
            models.len(),
            registry.default_model
        );
        Ok(reply::body(
            Some(summary),
            json!({ "default": registry.default_model, "models": models }),
            self.offline(),
        ))
    }

    /// Lint notes for a prompt or a file, as `peel lint --json`.
    pub(super) fn lint_notes(&self, params: LintParams) -> ToolResult {
        let input = match (&params.prompt, &params.file) {
            (Some(prompt), None) => Input::Text(entries::single("prompt", prompt.clone())),
            (None, Some(file)) => entries::classify(file).map_err(|e| self.fail(e))?,
            _ => return Err(self.refuse("give either prompt or file (not both)")),
        };
        let ws = self.ws();
        let found = entries::entries_of(ws, input).map_err(|e| self.fail(e))?;
        let results = entries::lint_entries(ws, found, &params.with, params.model.as_deref());
        let total: usize = results.iter().map(|(_, n)| n.len()).sum();
        let mut lines = vec![format!(
            "{total} note(s) in {} prompt(s) (advice only; nothing is blocked)",
            results.len()
        )];
        for (entry, notes) in &results {
            for note in notes {
                lines.push(format!("{}: {}: {}", entry.label, note.rule, note.message));
            }
        }
        let items: Vec<_> = results
            .iter()
            .map(|(e, notes)| {
                json!({ "label": e.label, "line": e.line, "key": e.key, "prompt": e.prompt, "notes": notes })
            })
            .collect();
        Ok(reply::body(
            Some(lines.join("\n")),
            json!({ "items": items, "notes": total }),
            self.offline(),
        ))
    }

    /// Past jobs, newest first, as `peel history --json`: jobs a dead peel process left on
    /// the service are asked about (and collected) first, never sent again.
    pub(super) async fn list_history(&self, params: HistoryParams) -> ToolResult {
        let store = self.ws().store().map_err(|e| self.fail(e))?;
        let settings = &self.ws().settings;
        let collected =
            crate::studio::collect::collect_orphans(settings, &self.ws().registry, &store).await;
        let said = match collected {
            Ok(report) => report.lines(),
            Err(e) => vec![format!("jobs left on the service were not collected: {e}")],
        };
        let jobs = store
            .jobs(&JobFilter {
                search: params.search,
                limit: params.limit.unwrap_or(HISTORY_LIMIT),
            })
            .map_err(|e| self.fail(e))?;
        let mut summary = format!("{} job(s), newest first", jobs.len());
        for line in said {
            summary.push_str(&format!("; {line}"));
        }
        Ok(reply::body(
            Some(summary),
            json!({ "jobs": jobs }),
            self.offline(),
        ))
    }
}
