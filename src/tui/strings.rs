//! Every word the workbench shows, in one place.

use super::action::{Action, Section};

pub mod batch;
pub mod choice;
pub mod copied;
pub mod effects;
pub mod form;
pub mod jobs;
pub mod pick;
pub mod session;

/// The model family's name and how the settings pane shortens it.
pub const MODEL_FAMILY_SHORT: (&str, &str) = ("Nano Banana", "NB");

/// Said when a fresh edit session is asked for.
/// Why `peel` with no command stops when it has no terminal.
pub const NO_TERMINAL: &str = "the workbench needs an interactive terminal, and stdin or stdout is not one. \
In scripts and pipes use the commands instead: peel generate, peel edit, peel batch run, peel history, peel wait (see peel --help).";
pub const NEW_SESSION: &str = "new edit session: the next generation starts it";
/// Said when there is no parent turn to step back to.
pub const NO_PARENT_TURN: &str = "this is the session's first turn";
/// Said when there is no later turn to step forward to.
pub const NO_NEXT_TURN: &str = "no later turn to step forward to";

/// Pane titles (each contains the word the tests look for).
pub mod title {
    /// The help overlay's terminal section.
    pub const TERMINAL: &str = "Terminal";
    /// The prompt editor.
    pub const PROMPT: &str = "Prompt";
    /// The roster.
    pub const ANCHORS: &str = "Anchors";
    /// The job list.
    pub const JOBS: &str = "Jobs";
    /// The image preview.
    pub const PREVIEW: &str = "Preview";
    /// The help overlay.
    pub const HELP: &str = "Keys";
    /// The job details overlay.
    pub const DETAILS: &str = "Job details";
    /// The history search overlay.
    pub const HISTORY: &str = "Prompt history";
    /// The quit question.
    pub const QUIT: &str = "Quit peel?";
    /// The remove-anchor question.
    pub const REMOVE: &str = "Remove anchor?";
    /// Adding an anchor.
    pub const ADD_ANCHOR: &str = "New anchor";
    /// Editing an anchor.
    pub const EDIT_ANCHOR: &str = "Edit anchor";
    /// Promote to anchor.
    pub const PROMOTE: &str = "Promote to anchor";
    /// The structured prompt form.
    pub const FIELDS: &str = "Prompt fields";
    /// The batch form.
    pub const BATCH: &str = "Run a batch file";
    /// The preset picker.
    pub const PRESETS: &str = "Presets";
    /// The request about to be sent.
    pub const REQUEST: &str = "Request to send";
}

/// What the help overlay and hints say an action does.
pub fn describe(action: Action) -> &'static str {
    use Action::*;
    match action {
        Generate => "generate (new or chosen session)",
        ShowRequest => "show the request before sending",
        NewSession => "start a fresh edit session",
        TurnBack => "step back to the parent turn (undo)",
        TurnForward => "step forward to a later turn",
        FocusNext => "next pane",
        FocusPrev => "previous pane",
        Help => "this help (? outside the editor)",
        Quit => "quit",
        Close => "close / cancel",
        CopyPrompt => "copy the prompt",
        CopyPath => "copy the image path",
        PasteImage => "paste clipboard image as reference",
        ClearRefs => "drop reference images",
        CycleModel => "next model",
        CycleAspect => "next aspect ratio",
        CycleSize => "next size",
        CycleSeed => "seed: random / fixed / increment",
        RerollSeed => "new seed",
        CycleThinking => "next thinking level",
        CycleGrounding => "next search grounding",
        CycleTier => "next service tier (flex: half price)",
        PickPreset => "pick or save a preset",
        RunBatch => "run a batch file (into Jobs)",
        Undo => "undo",
        Redo => "redo",
        HistoryPrev => "previous prompt from history",
        HistoryNext => "next prompt from history",
        HistorySearch => "search prompt history",
        ClearPrompt => "clear the prompt",
        PromptFields => "write the prompt as fields",
        Up => "up",
        Down => "down",
        PageUp => "page up",
        PageDown => "page down",
        First => "first",
        Last => "last",
        Confirm => "open / confirm",
        CancelJob => "cancel the running job",
        RetryJob => "retry the failed job",
        ShowDetails => "details and full failure reason",
        ReusePrompt => "reuse the job's prompt and settings",
        PromoteAnchor => "make the image an anchor reference",
        Review => "review the job's folder as a grid",
        Compare => "pin and compare side by side",
        AddCharacter => "add a character",
        AddObject => "add an object",
        EditAnchor => "edit",
        RemoveAnchor => "remove",
        ToggleInShot => "pin in every shot / unpin",
    }
}

/// A help section's heading.
pub fn section(section: Section) -> &'static str {
    match section {
        Section::Anywhere => "Anywhere",
        Section::EditSessions => "Edit sessions",
        Section::SettingsLine => "Settings line",
        Section::Prompt => "Prompt",
        Section::Lists => "Lists",
        Section::JobsAndPreview => "Jobs and Preview",
        Section::Anchors => "Anchors",
    }
}

/// What F1 says about the roster under its keys.
pub fn anchors_help() -> [String; 2] {
    [
        "In shot (●): pinned, or named in the prompt; only those are sent.".into(),
        format!(
            "The roster keeps at most {} characters (the most any model takes); the line under the pane's title counts what is in shot against the selected model's limits.",
            crate::studio::roster::MAX_CHARACTERS
        ),
    ]
}

/// Before warnings and errors ("!": ⚠ is an empty box in xterm's default font).
pub const WARN_MARK: &str = "! ";
/// Before the prompt checker's notes (✎ is an empty box in xterm's default font).
pub const NOTE_MARK: &str = "› ";

/// Marks an anchor in shot (pinned, or named in the prompt).
pub const IN_SHOT_MARK: &str = "●";
/// Marks an anchor out of shot.
pub const OUT_OF_SHOT_MARK: &str = "○";

/// Editor keys that come from the text area itself (not remappable).
pub const EDITOR_KEYS: &[(&str, &str)] = &[
    ("Ctrl+← / Alt+B", "word back"),
    ("Ctrl+→ / Alt+F", "word forward"),
    ("Ctrl+A / Home", "line start"),
    ("Ctrl+E / End", "line end"),
    ("Ctrl+W / Alt+Backspace", "delete word back"),
    ("Alt+D", "delete word forward"),
    ("Ctrl+K", "delete to line end"),
    ("Enter", "new line"),
    ("paste", "inserts text; an image path attaches it"),
];

/// The first status message.
/// (A fresh workbench always starts a new session: one is continued only once chosen.)
pub const WELCOME: &str =
    "Ctrl+G starts a new session with the prompt you write · F1 for every key";
/// Shown in the empty editor.
pub const PROMPT_PLACEHOLDER: &str = "Describe the image… (Ctrl+G to generate, F1 for keys)";
/// Shown in the empty Jobs pane.
pub const JOBS_EMPTY: &str = "No jobs yet. Write a prompt and press";
/// Shown in the empty Anchors pane.
pub const ANCHORS_EMPTY: &str = "No anchors. Press a for a character, o for an object.";
/// Shown in the Preview pane with nothing selected.
pub const PREVIEW_EMPTY: &str = "Finished images appear here.";
/// Shown while an image decodes.
pub const PREVIEW_LOADING: &str = "loading image…";
/// Before a running job's latest thought headline in the Preview.
pub const THINKING: &str = "thinking: ";
/// The quit question.
pub const QUIT_QUESTION: &str =
    "still running. Quit anyway? They stop, and nothing unsaved is kept.";
/// Yes / no hint.
pub const YES_NO: &str = "y / Enter: yes   n / Esc: no";
/// Printed after the quit answer `b`, once the terminal is restored.
pub fn background_note(running: usize) -> String {
    let jobs = if running == 1 {
        "1 job keeps".to_string()
    } else {
        format!("{running} jobs keep")
    };
    format!(
        "peel: {jobs} running in the background and will be saved; closing this terminal does not stop them (progress in peel.log, results in `peel history`)"
    )
}
/// Said when the quit answer `b` handed the work to a detached peel process.
pub fn handed_over_note(jobs: usize, runs: usize, pid: u32) -> String {
    let count = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let (what, verb) = match (jobs, runs) {
        (1, 0) => ("1 job".to_string(), "keeps"),
        (j, 0) => (count(j, "job"), "keep"),
        (0, 1) => ("1 batch run".to_string(), "keeps"),
        (0, r) => (count(r, "batch run"), "keep"),
        (j, r) => (
            format!("{} and {}", count(j, "job"), count(r, "batch run")),
            "keep",
        ),
    };
    format!(
        "peel: {what} {verb} running in the background in detached peel process {pid}, which saves them; closing this terminal does not stop them (`peel wait --all` waits for them, progress in peel.log, results in `peel history`)"
    )
}
/// Marks a job another peel process runs or ran (CLI, batch run, another workbench).
pub const ELSEWHERE_MARK: &str = "⇄ elsewhere";
/// The quit question's answers, one a line.
pub const QUIT_ANSWERS: &str =
    "y / Enter: stop them and quit\nb: leave them running in the background\nn / Esc: keep working";
/// The form hint.
pub const FORM_HINT: &str = "Tab: next field   ←/→ on Kind: switch   Enter: save   Esc: cancel";
/// Promote picker hint.
pub const PROMOTE_HINT: &str =
    "type to filter or name a new anchor ('object NAME')   ↑/↓   Enter: add   Esc: close";
/// Preset picker hint.
pub const PRESET_HINT: &str =
    "type to filter or name a new preset   ↑/↓   Enter: use / save   Esc: close";
/// Batch form hint before the file is checked.
pub const BATCH_HINT: &str = "Enter: check the file   Esc: close";
/// Batch form hint once the plan is shown.
pub const BATCH_RUN_HINT: &str = "Enter: run it   edit the path to check another   Esc: close";
/// Prompt form hint.
pub const FIELDS_HINT: &str = "Tab/↑/↓: field   Enter: put in the editor   Esc: cancel";
/// Request overlay hint.
pub const REQUEST_HINT: &str = "Enter / Ctrl+G: send   ↑/↓: scroll   Esc: close";
/// History search hint.
pub const HISTORY_HINT: &str = "type to filter   ↑/↓: choose   Enter: use   Esc: close";
/// The terminal never answered the graphics probe.
pub const SLOW_PROBE: &str = "the terminal did not answer the graphics query: images use halfblocks; set [tui] image_protocol (or --image-protocol) to skip the query";
/// Terminal too small.
pub const TOO_SMALL: &str = "peel needs at least 60×16; enlarge the terminal.";
/// Empty prompt refused.
pub const EMPTY_PROMPT: &str = "the prompt is empty; say what the image should show";
/// Nothing to copy.
pub const NOTHING_TO_COPY: &str = "nothing to copy";
/// No image for the selected job.
pub const NO_IMAGE_PATH: &str = "the selected job has no image";
/// History is empty.
pub const NO_HISTORY: &str = "no earlier prompts yet";
/// The job cannot be cancelled.
pub const NOT_RUNNING: &str = "the selected job is not running";
/// The job cannot be retried.
pub const NOT_FAILED: &str = "only failed jobs can be retried";
/// Word for the rate state.
pub const RATE_OK: &str = "rate ok";

/// Said while the service is asked about an interrupted job (`r`).
pub fn asking_service(id: i64) -> String {
    format!("asking the service about job #{id} before sending anything again…")
}

/// What asking the service about interrupted job `id` found, and what was done.
pub fn recovered(id: i64, recovery: &Result<crate::studio::collect::Recovery, String>) -> String {
    use crate::studio::collect::{Collected, Recovery};
    match recovery {
        Ok(Recovery::Asked(Collected::Saved { outputs, .. })) => format!(
            "job #{id} was still on the service: collected and saved ({} image(s)), nothing sent again",
            outputs.len()
        ),
        Ok(Recovery::Asked(Collected::Running { .. })) => format!(
            "job #{id} is still running on the service: it is collected when it ends; nothing sent again"
        ),
        Ok(Recovery::Asked(Collected::Failed { message, .. })) => {
            format!("the service says job #{id} failed ({message}): sent it again as a new job")
        }
        Ok(Recovery::Asked(Collected::Lost { .. })) => {
            format!("the service no longer has job #{id}'s interaction: sent it again as a new job")
        }
        Ok(Recovery::NeverCreated) => format!(
            "job #{id} never got an interaction from the service: sent it again as a new job"
        ),
        Ok(Recovery::Busy) => {
            format!("job #{id} is being finished by another peel process; nothing sent again")
        }
        Ok(Recovery::NotSaved(why)) => format!(
            "job #{id} is on the service but could not be saved ({why}); nothing sent again"
        ),
        Ok(Recovery::AlreadyResent) => {
            format!("job #{id} was already sent again by another peel process; nothing sent")
        }
        Ok(Recovery::Unreachable(u)) => format!(
            "cannot ask {} about job #{id}: set {}; nothing sent again",
            u.service, u.set
        ),
        Err(e) => format!("cannot ask the service about job #{id} ({e}); nothing sent again"),
    }
}

// What the state says: status-bar messages, form errors and pick-list rows.

/// The selected job has no image to make an anchor reference.
pub const NO_IMAGE_TO_PROMOTE: &str = "the selected job has no image to promote";
/// The selected job has no image to pin for compare.
pub const NO_IMAGE_TO_COMPARE: &str = "the selected job has no image to compare";
/// The pick list has no rows and no name was typed.
pub const NOTHING_TO_PICK: &str = "nothing to pick; type a name";
/// "No preset" was picked.
pub const NO_PRESET_CHOSEN: &str = "no preset: settings are the config's [defaults]";
/// History recall reached the oldest prompt.
pub const OLDEST_PROMPT: &str = "this is the oldest prompt";
/// Retry on a finished batch item.
pub const RETRY_BATCH_ITEM: &str =
    "batch items are re-run from the review grid: press R, then r on the item";
/// Retry on a failed job of an earlier session.
pub const RETRY_PAST_JOB: &str =
    "jobs from earlier sessions cannot be retried; press p to reuse the prompt";
/// Said when a generation is sent.
pub const SENDING: &str = "sending…";
/// Said while the request preview is put together.
pub const COMPOSING: &str = "composing the request…";
/// The request overlay's request went stale before it was sent.
pub const REQUEST_CHANGED: &str = "the request changed since it was shown; here it is again";
/// The prompt form was put in the editor.
pub const FIELDS_IN_EDITOR: &str = "the fields are in the editor as one prompt";
/// The anchor form was saved without a name.
pub const ANCHOR_NEEDS_NAME: &str = "give the anchor a name";
/// Review asked for with nothing to show.
pub const NOTHING_TO_REVIEW: &str =
    "nothing to review yet: select a job with an image, or run a batch (Ctrl+O)";
/// Back from the review grid without a choice.
pub const BACK_FROM_REVIEW: &str = "back from review";
/// The request overlay opened.
pub const NOTHING_SENT_YET: &str = "nothing is sent until you press Enter or Ctrl+G";

/// An anchor's row in the promote picker: its kind and reference count.
pub fn anchor_detail(kind: &str, refs: usize) -> String {
    format!("{kind} · {refs} ref(s)")
}

/// A preset's row in the preset picker: where it comes from and what it sets.
pub fn preset_detail(source: &str, summary: &str) -> String {
    format!("{source} · {summary}")
}

/// Saving a user preset under the name of a project preset, which would still win.
pub fn preset_in_project(name: &str, file: &std::path::Path) -> String {
    format!(
        "'{name}' comes from {} and would still win over a user preset; pick another name, or save it there with `peel preset save {name} --project --force`",
        file.display()
    )
}

/// A preset name that is not among the presets in force.
pub fn no_such_preset(name: &str) -> String {
    format!("there is no preset '{name}'")
}

/// A preset was put on the settings line.
pub fn preset_applied(name: &str, summary: &str) -> String {
    format!("preset {name}: {summary}")
}

/// A preset was put on the settings line, but names anchors the roster lacks.
pub fn preset_anchors_missing(name: &str, missing: &[&String]) -> String {
    format!(
        "preset {name}: {} not in the roster (add them in Anchors)",
        missing
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A preset was saved in the config file.
pub fn preset_saved(name: &str, file: &std::path::Path) -> String {
    format!("saved preset {name} in {}", file.display())
}

/// The attached reference images were dropped.
pub fn refs_dropped(n: usize) -> String {
    format!("dropped {n} reference image(s)")
}

/// The model cycle landed on a model.
pub fn model_chosen(display_name: &str, id: &str) -> String {
    format!("model: {display_name} ({id})")
}

/// A setting the model offers no choice of (the word is one of `choice::*`).
pub fn no_choice_of(model: &str, what: &str) -> String {
    format!("{model} offers no choice of {what}")
}

/// A job's prompt and settings were put back in the editor.
pub fn reused(job: i64) -> String {
    format!("prompt and settings of job #{job} are in the editor")
}

/// `reused`, when the job's seed was fixed too.
pub fn reused_with_seed(text: &str, seed: impl std::fmt::Display) -> String {
    format!("{text}, seed {seed} fixed")
}

/// Compare was turned off.
pub fn compare_stopped(job: i64) -> String {
    format!("stopped comparing with #{job}")
}

/// A job's image was pinned for compare.
pub fn pinned_for_compare(job: i64) -> String {
    format!(
        "#{job} pinned as A: select another job (or walk turns) to see it beside B; v again stops"
    )
}

/// The edit session stepped to another turn.
pub fn now_at(caption: &str) -> String {
    format!("now at {caption}")
}

/// A job failed (its kind in words).
pub fn job_failed(job: i64, kind: &str) -> String {
    format!("job #{job} failed: {}", kind.replace('_', " "))
}

/// A job finished.
pub fn job_done(job: i64, seconds: f64) -> String {
    format!("job #{job} done in {seconds:.1} s")
}

/// The previewed image could not be shown.
pub fn cannot_show(path: &std::path::Path, e: &str) -> String {
    format!("cannot show {}: {e}", path.display())
}

/// The model's reference image limit was reached.
pub fn too_many_refs(cap: usize) -> String {
    format!("this model takes at most {cap} reference images")
}

/// A reference image was attached.
pub fn ref_attached(name: &str, n: usize) -> String {
    format!("attached {name} as reference {n}")
}

/// "Edit from here" in the review grid started a new session.
pub fn session_from_review(name: &str, instruction: &str) -> String {
    format!("new session from {name}: {instruction}")
}

/// The review grid could not open.
pub fn cannot_review(e: &str) -> String {
    format!("cannot review: {e}")
}

/// The Request overlay's hint when the request would be refused.
pub const CLOSE_HINT: &str = "Esc: close";
