//! Everything a key can do. Names are the ones `[tui.keys]` uses (`generate = "ctrl-g"`).

use serde::Deserialize;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Anywhere (plain characters still go to the editor when it has focus).
    Global,
    /// The prompt editor.
    Prompt,
    /// Lists: the Jobs and Anchors panes.
    List,
    /// The Jobs pane (and the Preview pane, which shows its selection).
    Jobs,
    /// The Anchors pane.
    Anchors,
}

/// A user intent, bound to keys by the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send the prompt with the current settings (continuing the current edit session).
    Generate,
    /// Show the request the next generation would send (text and images), without sending.
    ShowRequest,
    /// Start a fresh edit session with the next generation.
    NewSession,
    /// Step the edit session back to the parent turn.
    TurnBack,
    /// Step the edit session forward again.
    TurnForward,
    /// Move focus to the next pane.
    FocusNext,
    /// Move focus to the previous pane.
    FocusPrev,
    /// Show or hide the list of key bindings.
    Help,
    /// Quit (asks first while jobs are running).
    Quit,
    /// Close an overlay or cancel a form.
    Close,
    /// Copy the prompt to the clipboard.
    CopyPrompt,
    /// Copy the selected job's image path to the clipboard.
    CopyPath,
    /// Attach the clipboard's image as a reference.
    PasteImage,
    /// Drop the attached reference images.
    ClearRefs,
    /// Next model.
    CycleModel,
    /// Next aspect ratio the model allows.
    CycleAspect,
    /// Next image size the model allows.
    CycleSize,
    /// Seed mode: random, fixed, increment.
    CycleSeed,
    /// Pick a new fixed seed.
    RerollSeed,
    /// Next thinking level the model allows.
    CycleThinking,
    /// Next grounding the model allows.
    CycleGrounding,
    /// Next service tier the model takes: standard, flex, priority.
    CycleTier,
    /// Pick a preset for the settings line (or save the settings as one).
    PickPreset,
    /// Run a batch file; its items appear in the Jobs pane.
    RunBatch,
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Recall the previous prompt from history.
    HistoryPrev,
    /// Recall the next prompt from history.
    HistoryNext,
    /// Search prompt history.
    HistorySearch,
    /// Clear the prompt.
    ClearPrompt,
    /// Write the prompt as fields: subject, style, composition, lighting, text.
    PromptFields,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Move the selection a page up.
    PageUp,
    /// Move the selection a page down.
    PageDown,
    /// Select the first row.
    First,
    /// Select the last row.
    Last,
    /// Cancel the selected running job.
    CancelJob,
    /// Retry the selected failed job.
    RetryJob,
    /// Show the selected job's details and full failure reason.
    ShowDetails,
    /// Load the selected job's prompt and settings into the editor.
    ReusePrompt,
    /// Make the selected job's image a reference of an anchor (new or existing).
    PromoteAnchor,
    /// Review the selected job's folder (a batch run's) as a thumbnail grid.
    Review,
    /// Pin the selected image and compare it side by side with the next selection.
    Compare,
    /// Add a character to the roster.
    AddCharacter,
    /// Add an object to the roster.
    AddObject,
    /// Edit the selected anchor.
    EditAnchor,
    /// Remove the selected anchor.
    RemoveAnchor,
    /// Put the selected anchor in or out of the shot.
    ToggleInShot,
    /// Confirm a question or save a form.
    Confirm,
}

/// A group of actions on the help screen (headings are in `strings::section`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Keys that work in any pane.
    Anywhere,
    /// Stepping through and starting edit sessions.
    EditSessions,
    /// The settings line's cycles, seed and presets.
    SettingsLine,
    /// The prompt editor.
    Prompt,
    /// Moving in the Jobs and Anchors lists.
    Lists,
    /// The selected job.
    JobsAndPreview,
    /// The roster.
    Anchors,
}

impl Action {
    /// The scope the action's bindings live in.
    pub fn scope(self) -> Scope {
        use Action::*;
        match self {
            Generate | ShowRequest | NewSession | TurnBack | TurnForward | FocusNext
            | FocusPrev | Help | Quit | Close | CopyPrompt | CopyPath | PasteImage | ClearRefs
            | CycleModel | CycleAspect | CycleSize | CycleSeed | RerollSeed | CycleThinking
            | CycleGrounding | CycleTier | PickPreset | RunBatch => Scope::Global,
            Undo | Redo | HistoryPrev | HistoryNext | HistorySearch | ClearPrompt
            | PromptFields => Scope::Prompt,
            Up | PageUp | PageDown | First | Last | Down | Confirm => Scope::List,
            CancelJob | RetryJob | ShowDetails | ReusePrompt | PromoteAnchor | Review | Compare => {
                Scope::Jobs
            }
            AddCharacter | AddObject | EditAnchor | RemoveAnchor | ToggleInShot => Scope::Anchors,
        }
    }

    /// The config name (`generate`, `focus_next`, …).
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut out = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Parses a config name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::deserialize(
            serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name.trim()),
        )
        .ok()
    }

    /// Every action once, under its help section, in help order: the one hand-kept list of
    /// actions (`ALL` and the help screen are read from it).
    pub const SECTIONS: &'static [(Section, &'static [Action])] = &[
        (
            Section::Anywhere,
            &[
                Action::Generate,
                Action::ShowRequest,
                Action::FocusNext,
                Action::FocusPrev,
                Action::Help,
                Action::Quit,
                Action::Close,
                Action::CopyPrompt,
                Action::CopyPath,
                Action::PasteImage,
                Action::ClearRefs,
                Action::RunBatch,
            ],
        ),
        (
            Section::EditSessions,
            &[Action::NewSession, Action::TurnBack, Action::TurnForward],
        ),
        (
            Section::SettingsLine,
            &[
                Action::CycleModel,
                Action::CycleAspect,
                Action::CycleSize,
                Action::CycleSeed,
                Action::CycleThinking,
                Action::CycleGrounding,
                Action::CycleTier,
                Action::RerollSeed,
                Action::PickPreset,
            ],
        ),
        (
            Section::Prompt,
            &[
                Action::Undo,
                Action::Redo,
                Action::HistoryPrev,
                Action::HistoryNext,
                Action::HistorySearch,
                Action::ClearPrompt,
                Action::PromptFields,
            ],
        ),
        (
            Section::Lists,
            &[
                Action::Up,
                Action::Down,
                Action::PageUp,
                Action::PageDown,
                Action::First,
                Action::Last,
                Action::Confirm,
            ],
        ),
        (
            Section::JobsAndPreview,
            &[
                Action::CancelJob,
                Action::RetryJob,
                Action::ShowDetails,
                Action::ReusePrompt,
                Action::PromoteAnchor,
                Action::Review,
                Action::Compare,
            ],
        ),
        (
            Section::Anchors,
            &[
                Action::AddCharacter,
                Action::AddObject,
                Action::EditAnchor,
                Action::RemoveAnchor,
                Action::ToggleInShot,
            ],
        ),
    ];

    /// Every action, in help order: the sections' lists one after another.
    pub const ALL: &'static [Action] = &ALL_ACTIONS;
}

/// How many actions the sections list.
const ACTION_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < Action::SECTIONS.len() {
        n += Action::SECTIONS[i].1.len();
        i += 1;
    }
    n
};

/// The sections' actions one after another.
const ALL_ACTIONS: [Action; ACTION_COUNT] = {
    let mut all = [Action::Generate; ACTION_COUNT];
    let mut n = 0;
    let mut i = 0;
    while i < Action::SECTIONS.len() {
        let actions = Action::SECTIONS[i].1;
        let mut j = 0;
        while j < actions.len() {
            all[n] = actions[j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    all
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for action in Action::ALL {
            assert_eq!(
                Action::from_name(&action.name()),
                Some(*action),
                "{action:?}"
            );
        }
        assert_eq!(Action::Generate.name(), "generate");
        assert_eq!(Action::FocusNext.name(), "focus_next");
        assert_eq!(Action::from_name("frobnicate"), None);
    }

    #[test]
    fn each_action_is_listed_once() {
        for (i, action) in Action::ALL.iter().enumerate() {
            assert!(
                !Action::ALL[..i].contains(action),
                "{action:?} is listed twice"
            );
        }
    }
}
