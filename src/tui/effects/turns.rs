//! The effects that send or outline a turn: a first turn (creating its session once), a
//! continuation of a session, and the request preview that sends nothing.

use super::Effects;
use super::outcome::Outcome;
use crate::store::session_types::TurnId;
use crate::studio::blobs::Blobs;
use crate::studio::spec::SessionLink;
use crate::studio::{Roster, outline, shot, spec};
use crate::tui::msg::Msg;
use crate::tui::strings;

impl Effects {
    /// Sends a first turn: of a new session, or of the session already started under
    /// `token` (the user pressed generate again before the first answer came).
    pub(super) fn first_turn(&self, mut spec: spec::GenerateSpec, token: u64) {
        let studio = self.studio.clone();
        let registry = self.registry.clone();
        let roster = self.roster.clone();
        let sessions = self.sessions.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let refused = |e: String| {
                let _ = tx.send(Outcome::Msg(Msg::Refused(e)));
            };
            if let Err(e) = put_in_shot(&roster, &mut spec) {
                return refused(e);
            }
            let mut jobs = match spec::prepare(&spec, &registry) {
                Ok(jobs) => jobs,
                Err(e) => return refused(e.to_string()),
            };
            let model = jobs
                .first()
                .map(|j| j.settings.model.clone())
                .unwrap_or_default();
            let id = {
                let mut known = sessions.lock().unwrap_or_else(|e| e.into_inner());
                match known.get(&token) {
                    Some((id, session_model)) if *session_model == model => id.clone(),
                    _ => match studio
                        .store()
                        .create_session(&session_title(&spec.prompt), &model)
                    {
                        Ok(id) => {
                            known.insert(token, (id.clone(), model.clone()));
                            id
                        }
                        Err(e) => return refused(e.to_string()),
                    },
                }
            };
            let _ = tx.send(Outcome::Msg(Msg::SessionStarted {
                token,
                id: id.clone(),
            }));
            for job in &mut jobs {
                job.session = Some(SessionLink {
                    session_id: id.clone(),
                    parent: None,
                });
            }
            for job in jobs {
                if let Err(e) = studio.submit(job) {
                    refused(e.to_string());
                }
            }
        });
    }

    /// Builds the request the next generation would send and describes it; sends nothing.
    pub(super) fn compose(
        &self,
        mut spec: spec::GenerateSpec,
        continues: Option<(String, TurnId)>,
    ) {
        let store = self.studio.store().clone();
        let registry = self.registry.clone();
        let roster = self.roster.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = (|| {
                put_in_shot(&roster, &mut spec)?;
                let job = match continues {
                    Some((session, parent)) => {
                        let loaded = store
                            .session(&session)
                            .map_err(|e| e.to_string())?
                            .ok_or_else(|| strings::effects::session_gone(&session))?;
                        let blobs = Blobs::new(store.blob_dir());
                        spec::prepare_edit(&spec, &registry, &loaded, parent, &blobs)
                            .map_err(|e| e.to_string())?
                    }
                    None => spec::prepare(&spec, &registry)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .next()
                        .ok_or(strings::effects::NO_REQUEST)?,
                };
                Ok(outline::outline(&job, spec.seed.is_none()))
            })();
            let _ = tx.send(Outcome::Msg(Msg::Composed(result)));
        });
    }

    /// Sends the prompt as an edit instruction continuing `parent` of `session`.
    pub(super) fn continue_session(
        &self,
        mut spec: spec::GenerateSpec,
        session: String,
        parent: TurnId,
    ) {
        let studio = self.studio.clone();
        let registry = self.registry.clone();
        let roster = self.roster.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let refused = |e: String| {
                let _ = tx.send(Outcome::Msg(Msg::Refused(e)));
            };
            if let Err(e) = put_in_shot(&roster, &mut spec) {
                return refused(e);
            }
            let store = studio.store();
            let loaded = match store.session(&session) {
                Ok(Some(s)) => s,
                Ok(None) => return refused(strings::effects::session_gone(&session)),
                Err(e) => return refused(e.to_string()),
            };
            let blobs = Blobs::new(store.blob_dir());
            match spec::prepare_edit(&spec, &registry, &loaded, parent, &blobs) {
                Ok(job) => {
                    if let Err(e) = studio.submit(job) {
                        refused(e.to_string());
                    }
                }
                Err(e) => refused(e.to_string()),
            }
        });
    }
}

/// Loads the roster's anchors in shot into the spec (the workbench's `--with`).
fn put_in_shot(roster: &Roster, spec: &mut spec::GenerateSpec) -> Result<(), String> {
    spec.subjects = shot::subjects_in_shot(roster, &spec.prompt).map_err(|e| e.to_string())?;
    Ok(())
}

/// A session title from the first line of a prompt.
fn session_title(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or_default().trim();
    line.chars().take(80).collect()
}
