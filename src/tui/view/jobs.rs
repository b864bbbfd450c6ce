//! The Jobs pane: newest first, one row per job.
//!
//! ┏▍Jobs 3 · 1 running ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
//! ┃ ⠹ #12 sending       4.1s          NB 2 1K 16:9  a red fox in… ┃
//! ┃ ✓ #11 done          3.2s  $0.067  NB 2 1K auto  a blue jay   ┃
//! ┃ ✗ #10 failed        0.4s          NB 2 1K auto  a cat        ┃
//! ┃ ⠹ #9  sending       1.0s          NB 2 1K auto  ⇄ an owl      ┃  (⇄: another process)
//! ┗━━━━━━━━━━━━━━━━━━━━━ c cancel · r retry · e details · Alt+P copy path┛

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::frame::{Pane, draw_pane, hint_line};
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::action::Action;
use crate::tui::layout::Focus;
use crate::tui::state::AppState;
use crate::tui::state::job::{JobItem, Phase};
use crate::tui::state::settings::short_model_name;
use crate::tui::strings;

/// Spinner frames for sending jobs.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// Width of the state column.
const STATE_W: usize = 16;
/// Width of the state column in middling panes.
const STATE_W_MID: usize = 12;
/// Width of the state column in narrow panes.
const STATE_W_NARROW: usize = 10;
/// From this inner width rows show the cost column.
const COST_FROM: usize = 60;
/// From this inner width rows also show the model column.
const MODEL_FROM: usize = 96;

/// Draws the Jobs pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = matches!(state.focus, Focus::Jobs | Focus::Preview);
    let jobs = &state.jobs;
    let running = jobs.active();
    let batch = state
        .batch
        .as_ref()
        .filter(|b| b.run > 0)
        .map(|b| format!(" · {}", b.badge()))
        .unwrap_or_default();
    let elsewhere: String = state
        .other_runs
        .iter()
        .map(|r| strings::jobs::run_elsewhere(r.run, r.done, r.total, r.failed))
        .collect();
    let batch = format!("{batch}{elsewhere}");
    let badge = match (jobs.len(), running) {
        (0, _) if batch.is_empty() => None,
        (0, _) => Some(Span::styled(
            batch.trim_start_matches(" · ").to_string(),
            theme.muted(),
        )),
        (n, 0) => Some(Span::styled(format!("{n}{batch}"), theme.muted())),
        (n, r) => Some(Span::styled(
            strings::jobs::running(n, r, &batch),
            theme.info(),
        )),
    };
    let keys = &state.keymap;
    let hint = hint_line(
        &[
            (keys.hint(Action::CancelJob), strings::jobs::HINT_CANCEL),
            (keys.hint(Action::RetryJob), strings::jobs::HINT_RETRY),
            (keys.hint(Action::ShowDetails), strings::jobs::HINT_DETAILS),
            (keys.hint(Action::ReusePrompt), strings::jobs::HINT_REUSE),
        ],
        theme,
    );
    let pane = Pane {
        badge,
        hint: Some(hint),
        ..Pane::new(strings::title::JOBS, state.focus == Focus::Jobs)
    };
    let inner = draw_pane(frame, area, pane, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if jobs.is_empty() {
        let line = Line::from(vec![
            Span::styled(strings::JOBS_EMPTY, theme.muted()),
            Span::raw(" "),
            Span::styled(keys.hint(Action::Generate), theme.accent()),
            Span::styled(".", theme.muted()),
        ]);
        frame.render_widget(
            Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: true }),
            inner.inner(ratatui::layout::Margin::new(1, 0)),
        );
        return;
    }
    let width = inner.width as usize;
    let rows = inner.height as usize;
    let offset = state.jobs_offset.min(jobs.len().saturating_sub(1));
    let lines: Vec<Line> = (offset..(offset + rows).min(jobs.len()))
        .filter_map(|row| {
            let job = jobs.row(row)?;
            let selected = row == jobs.selected;
            let line = job_line(job, state, theme, width, selected, focused);
            Some(crate::terminal::theme::fit_line(line, width))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn job_line<'a>(
    job: &JobItem,
    state: &AppState,
    theme: &Theme,
    width: usize,
    selected: bool,
    focused: bool,
) -> Line<'a> {
    let (glyph, label, style) = phase_words(job, state.now, theme);
    let elapsed = job
        .elapsed_at(state.now)
        .map(|d| format!("{:.1}s", d.as_secs_f64()))
        .unwrap_or_default();
    let state_w = if width >= MODEL_FROM {
        STATE_W
    } else if width >= COST_FROM {
        STATE_W_MID
    } else {
        STATE_W_NARROW
    };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(glyph, style),
        Span::styled(format!(" #{:<4}", job.id), theme.muted()),
        Span::styled(
            format!(
                "{:<state_w$}",
                truncate(&compact(&label, state_w - 1), state_w - 1)
            ),
            style,
        ),
        Span::styled(format!("{elapsed:>6}"), theme.text()),
    ];
    let mut used = 1 + 1 + 6 + state_w + 6;
    if width >= COST_FROM {
        // a simulated (notional) price reads "~$0.068": the status bar says "(simulated)"
        let cost = if job.cost_usd > 0.0 && job.cost_simulated {
            strings::jobs::simulated_cost(job.cost_usd)
        } else if job.cost_usd > 0.0 {
            strings::jobs::cost(job.cost_usd)
        } else {
            String::new()
        };
        spans.push(Span::styled(format!("{cost:>8}"), theme.text()));
        used += 8;
    }
    if width >= MODEL_FROM {
        let model = state
            .registry
            .resolve(&job.model)
            .map(short_model_name)
            .unwrap_or_else(|_| job.model.clone());
        let shape = format!(
            "{model} {} {}",
            job.size,
            job.aspect.as_deref().unwrap_or(strings::jobs::AUTO_ASPECT)
        );
        spans.push(Span::styled(
            format!("  {:<16}", truncate(&shape, 16)),
            theme.muted(),
        ));
        used += 18;
    } else if width >= COST_FROM {
        spans.push(Span::styled(
            format!("  {:<4}", truncate(&job.size, 4)),
            theme.muted(),
        ));
        used += 6;
    }
    spans.push(Span::raw("  "));
    used += 2;
    if job.elsewhere {
        used += strings::ELSEWHERE_MARK.chars().count() + 1;
        spans.push(Span::styled(
            format!("{} ", strings::ELSEWHERE_MARK),
            theme.muted(),
        ));
    }
    if let Some(tag) = &job.tag {
        let tag = truncate(tag, 18);
        used += tag.chars().count() + 3;
        spans.push(Span::styled(format!("[{tag}] "), theme.info()));
    }
    let prompt = job.prompt.replace('\n', " ");
    spans.push(Span::styled(
        truncate(&prompt, width.saturating_sub(used + 1)),
        theme.text(),
    ));
    let line = Line::from(spans);
    if selected {
        return theme.select_line(line, width, focused);
    }
    line
}

/// Glyph, words and style for a job's phase.
pub fn phase_words(job: &JobItem, now: Instant, theme: &Theme) -> (&'static str, String, Style) {
    match &job.phase {
        Phase::Queued => ("·", strings::jobs::QUEUED.into(), theme.muted()),
        Phase::Sending { attempt } => {
            let tick = job
                .elapsed_at(now)
                .map_or(0, |d| (d.as_millis() / 100) as usize);
            let label = if *attempt > 1 {
                strings::jobs::sending_attempt(*attempt)
            } else {
                strings::jobs::SENDING.into()
            };
            (SPINNER[tick % SPINNER.len()], label, theme.info())
        }
        Phase::Retrying { until, .. } => {
            let secs = until.saturating_duration_since(now).as_secs_f64().ceil();
            ("↻", strings::jobs::retrying_in(secs), theme.warn())
        }
        Phase::Done => ("✓", strings::jobs::DONE.into(), theme.ok()),
        Phase::Failed => (
            "✗",
            job.failure
                .as_ref()
                .map(|f| f.kind.replace('_', " "))
                .unwrap_or_else(|| strings::jobs::FAILED.into()),
            theme.error(),
        ),
        Phase::Blocked => ("⊘", strings::jobs::BLOCKED_BY_SAFETY.into(), theme.error()),
        Phase::Cancelled => ("–", strings::jobs::CANCELLED.into(), theme.muted()),
        Phase::Interrupted => ("?", strings::jobs::INTERRUPTED.into(), theme.muted()),
    }
}

/// Shortens state words for narrow columns ("retrying in 4 s" → "retry 4s").
fn compact(label: &str, width: usize) -> String {
    if label.chars().count() <= width {
        return label.to_string();
    }
    if label.starts_with(strings::jobs::BLOCKED) {
        return strings::jobs::BLOCKED.into();
    }
    match label.strip_prefix(strings::jobs::RETRYING_IN) {
        Some(rest) => strings::jobs::retry_short(&rest.replace(' ', "")),
        None => label.to_string(),
    }
}
