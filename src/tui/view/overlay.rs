//! Overlays over the panes: help, questions, job details, the anchor form, history search.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::forms;
use super::jobs::phase_words;
use super::popup::{input_line, popup};
use crate::studio::AnchorKind;
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::action::{Action, Section};
use crate::tui::state::AppState;
use crate::tui::state::overlay::{AnchorForm, FormField, HistorySearch, Overlay};
use crate::tui::strings;
use unicode_width::UnicodeWidthStr;

/// Width of the key column in help.
const KEY_W: usize = 24;
/// Width of one help column.
const HELP_COL_W: u16 = 64;

/// Draws the overlay, if any.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let Some(overlay) = &state.overlay else {
        return;
    };
    let area = frame.area();
    match overlay {
        Overlay::Help { scroll } => help(frame, area, state, theme, *scroll),
        Overlay::ConfirmQuit { running } => {
            let jobs = if *running == 1 {
                "1 job is".to_string()
            } else {
                format!("{running} jobs are")
            };
            let mut text = format!("{jobs} {}", strings::QUIT_QUESTION);
            if let Some(run) = state.batch.as_ref().filter(|b| b.running() && b.run > 0) {
                text.push_str(&format!(
                    " Batch {} stops too; `peel batch resume {}` finishes it later.",
                    run.run, run.run
                ));
            }
            question(
                frame,
                area,
                (strings::title::QUIT, strings::QUIT_ANSWERS),
                &text,
                theme,
            )
        }
        Overlay::ConfirmRemove { name } => {
            let text =
                format!("Remove '{name}' from the roster? Its reference files stay on disk.");
            question(
                frame,
                area,
                (strings::title::REMOVE, strings::YES_NO),
                &text,
                theme,
            )
        }
        Overlay::Details { job, scroll } => details(frame, area, state, theme, *job, *scroll),
        Overlay::AnchorForm(form) => anchor_form(frame, area, form, theme),
        Overlay::History(search) => history(frame, area, state, search, theme),
        Overlay::Request { outline, scroll } => {
            forms::request(frame, area, outline, *scroll, theme)
        }
        Overlay::Picker(picker) => forms::pick_list(frame, area, picker, theme),
        Overlay::Fields(form) => forms::fields_form(frame, area, state, form, theme),
        Overlay::Batch(form) => forms::batch_form(frame, area, form, theme),
    }
}

fn help_sections(state: &AppState, theme: &Theme) -> Vec<Vec<Line<'static>>> {
    let mut sections = Vec::new();
    let about: Vec<&str> = [state.images_line.as_str(), state.theme_line.as_str()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    if !about.is_empty() {
        let mut terminal = vec![Line::styled(strings::title::TERMINAL, theme.title(false))];
        for line in about {
            for row in wrap_words(line, HELP_COL_W as usize - 4) {
                terminal.push(Line::styled(format!("  {row}"), theme.text()));
            }
        }
        terminal.push(Line::raw(""));
        sections.push(terminal);
    }
    for (section, actions) in Action::SECTIONS {
        let heading = strings::section(*section);
        let mut lines = vec![Line::styled(heading.to_string(), theme.title(false))];
        for action in actions.iter() {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<KEY_W$}", state.keymap.describe(*action)),
                    theme.accent(),
                ),
                Span::styled(strings::describe(*action), theme.text()),
            ]));
        }
        if *section == Section::Anchors {
            for note in strings::anchors_help() {
                for row in wrap_words(&note, HELP_COL_W as usize - 4) {
                    lines.push(Line::styled(format!("  {row}"), theme.muted()));
                }
            }
        }
        lines.push(Line::raw(""));
        sections.push(lines);
    }
    let mut editor = vec![Line::styled("Editor", theme.title(false))];
    for (keys, what) in strings::EDITOR_KEYS {
        editor.push(Line::from(vec![
            Span::styled(format!("  {keys:<KEY_W$}"), theme.accent()),
            Span::styled(*what, theme.text()),
        ]));
    }
    sections.push(editor);
    sections
}

/// `text` broken at spaces into rows of at most `width` columns (a longer word gets its own).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match rows.last_mut() {
            Some(row) if row.width() + 1 + word.width() <= width => {
                row.push(' ');
                row.push_str(word);
            }
            _ => rows.push(word.to_string()),
        }
    }
    rows
}

fn help(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, scroll: u16) {
    let sections = help_sections(state, theme);
    let total: usize = sections.iter().map(Vec::len).sum();
    let two_columns = area.width >= HELP_COL_W * 2 + 4;
    let (left, right) = if two_columns {
        let mut left = Vec::new();
        let mut right = Vec::new();
        for section in sections {
            if left.len() + section.len() <= total.div_ceil(2) + 2 || left.is_empty() {
                left.extend(section);
            } else {
                right.extend(section);
            }
        }
        (left, right)
    } else {
        (sections.into_iter().flatten().collect(), Vec::new())
    };
    let content = left.len().max(right.len()) as u16;
    let rows = content + 1;
    let width = if two_columns {
        HELP_COL_W * 2 + 3
    } else {
        HELP_COL_W + 2
    };
    let inner = popup(frame, area, width, rows + 2, strings::title::HELP, theme);
    if inner.height == 0 {
        return;
    }
    let body = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(1),
        inner.height.saturating_sub(1),
    );
    let max_scroll = content.saturating_sub(body.height);
    let scroll = scroll.min(max_scroll);
    if two_columns {
        let half = body.width / 2;
        let l = Rect::new(body.x, body.y, half, body.height);
        let r = Rect::new(body.x + half, body.y, body.width - half, body.height);
        // A column's rows end a column short of the next one, cut with an ellipsis.
        let left = fitted(left, l.width.saturating_sub(1));
        let right = fitted(right, r.width.saturating_sub(1));
        frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), l);
        frame.render_widget(Paragraph::new(right).scroll((scroll, 0)), r);
    } else {
        let left = fitted(left, body.width);
        frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), body);
    }
    let footer = if max_scroll > 0 {
        "↑/↓ scroll · Esc close"
    } else {
        "Esc close"
    };
    let foot = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            Line::styled(footer, theme.muted()).alignment(Alignment::Right),
            foot.width as usize,
        )),
        foot,
    );
}

/// Every line cut to `width` columns with an ellipsis where it was cut.
fn fitted(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'_>> {
    lines
        .into_iter()
        .map(|l| crate::terminal::theme::fit_line(l, width as usize))
        .collect()
}

/// A question box; `words` is its title and the line of answers under the text.
fn question(frame: &mut Frame, area: Rect, words: (&str, &str), text: &str, theme: &Theme) {
    const WIDTH: u16 = 56;
    let (title, answers) = words;
    // Word wrap can take a row more than the characters need.
    let rows = |t: &str| (t.chars().count() / (WIDTH as usize - 4) + 1) as u16;
    let inner = popup(
        frame,
        area,
        WIDTH,
        rows(text) + answers.lines().map(rows).sum::<u16>() + 5,
        title,
        theme,
    );
    let mut lines = vec![Line::styled(text.to_string(), theme.text()), Line::raw("")];
    lines.extend(answers.lines().map(|a| Line::styled(a, theme.muted())));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}

fn details(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, id: i64, scroll: u16) {
    let Some(job) = state.jobs.get(id) else {
        return;
    };
    let (glyph, label, style) = phase_words(job, state.now, theme);
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<9}"), theme.muted()),
            Span::styled(value, theme.text()),
        ])
    };
    let mut lines = vec![
        Line::styled(format!("{glyph} job #{} · {label}", job.id), style),
        Line::raw(""),
        field("model", job.model.clone()),
        field(
            "size",
            format!(
                "{} · ratio {}",
                job.size,
                job.aspect.as_deref().unwrap_or("auto")
            ),
        ),
        field("seed", job.seed.map_or("—".into(), |s| s.to_string())),
        field(
            "time",
            job.elapsed_at(state.now)
                .map_or("—".into(), |d| format!("{:.1} s", d.as_secs_f64())),
        ),
        field("cost", format!("${:.4}", job.cost_usd)),
    ];
    for path in &job.outputs {
        lines.push(field("image", path.display().to_string()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("prompt", theme.muted()));
    lines.push(Line::styled(job.prompt.clone(), theme.text()));
    if let Some(f) = &job.failure {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("why it failed ({})", f.kind),
            theme.error(),
        ));
        lines.push(Line::styled(f.message.clone(), theme.text()));
    }
    let inner = popup(frame, area, 90, 26, strings::title::DETAILS, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
}

fn anchor_form(frame: &mut Frame, area: Rect, form: &AnchorForm, theme: &Theme) {
    let title = if form.editing.is_some() {
        strings::title::EDIT_ANCHOR
    } else {
        strings::title::ADD_ANCHOR
    };
    let inner = popup(frame, area, 72, 11, title, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    let width = body.width.saturating_sub(10) as usize;
    let mut lines = Vec::new();
    for field in FormField::ALL {
        let active = form.field == field;
        let label_style = if active {
            theme.accent()
        } else {
            theme.muted()
        };
        let value = match field {
            FormField::Name => input_line(&form.name, active, width, theme),
            FormField::Description => input_line(&form.description, active, width, theme),
            FormField::Refs => input_line(&form.refs, active, width, theme),
            FormField::Kind => {
                let pick = |k: AnchorKind, word: &'static str| {
                    if form.kind == k {
                        Span::styled(
                            format!("[{word}]"),
                            if active {
                                theme.selection()
                            } else {
                                theme.accent()
                            },
                        )
                    } else {
                        Span::styled(format!(" {word} "), theme.muted())
                    }
                };
                Line::from(vec![
                    pick(AnchorKind::Character, "character"),
                    Span::raw(" "),
                    pick(AnchorKind::Object, "object"),
                ])
            }
        };
        let mut spans = vec![Span::styled(format!("{:<9}", field.label()), label_style)];
        spans.extend(value.spans);
        lines.push(Line::from(spans));
    }
    lines.push(Line::styled(
        "         image paths separated by ; — files are checked when used",
        theme.muted(),
    ));
    lines.push(Line::raw(""));
    if let Some(error) = &form.error {
        lines.push(Line::styled(
            format!("{}{error}", strings::WARN_MARK),
            theme.error(),
        ));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(strings::FORM_HINT, theme.muted()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
}

fn history(frame: &mut Frame, area: Rect, state: &AppState, search: &HistorySearch, theme: &Theme) {
    let wanted = search.matches.len().max(4) as u16 + 6;
    let height = wanted.min(area.height * 2 / 3).max(8);
    let inner = popup(frame, area, 90, height, strings::title::HISTORY, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    if body.height < 3 {
        return;
    }
    let width = body.width as usize;
    let mut lines = vec![
        Line::from(
            vec![Span::styled("search ", theme.muted())]
                .into_iter()
                .chain(input_line(&search.query, true, width.saturating_sub(8), theme).spans)
                .collect::<Vec<_>>(),
        ),
        Line::styled(
            format!(
                "{} of {} prompts",
                search.matches.len(),
                state.prompt.history.len()
            ),
            theme.muted(),
        ),
    ];
    let rows = body.height as usize - 3;
    let offset = search.selected.saturating_sub(rows.saturating_sub(1));
    for (i, &index) in search.matches.iter().enumerate().skip(offset).take(rows) {
        let text = state.prompt.history[index].replace('\n', " ");
        let mut line = Line::styled(
            format!(" {}", truncate(&text, width.saturating_sub(2))),
            theme.text(),
        );
        if i == search.selected {
            line = theme.select_line(line, width, true);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(fitted(lines, body.width)), body);
    let foot = Rect::new(body.x, body.bottom() - 1, body.width, 1);
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            Line::styled(strings::HISTORY_HINT, theme.muted()).alignment(Alignment::Right),
            foot.width as usize,
        )),
        foot,
    );
}
