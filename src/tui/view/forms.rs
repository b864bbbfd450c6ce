//! The workbench's pickers and forms: the request about to be sent, promote-to-anchor and
//! preset pickers, the structured prompt fields, and the batch-run form.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::popup::{input_line, popup};
use crate::studio::batch::plan::human_duration;
use crate::studio::outline::{PartKind, RequestOutline, human_bytes};
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::state::AppState;
use crate::tui::state::batch::BatchForm;
use crate::tui::state::fields::FieldsForm;
use crate::tui::state::picker::{Picker, PickerPurpose};
use crate::tui::strings;
use crate::tui::strings::form::{FIELD_EXAMPLES, FIELD_LABELS};

pub(super) fn batch_form(frame: &mut Frame, area: Rect, form: &BatchForm, theme: &Theme) {
    const WIDTH: u16 = 90;
    let width = (WIDTH.min(area.width.saturating_sub(2)) as usize).saturating_sub(10);
    let mut lines = vec![Line::from(
        vec![Span::styled(strings::form::FILE_LABEL, theme.muted())]
            .into_iter()
            .chain(input_line(&form.path, true, width, theme).spans)
            .collect::<Vec<_>>(),
    )];
    lines.push(Line::styled(strings::form::BATCH_FILE_NOTE, theme.muted()));
    lines.push(Line::raw(""));
    if form.checking {
        lines.push(Line::styled(strings::form::CHECKING, theme.info()));
    }
    let mut wrapped = 0;
    if let Some(error) = &form.error {
        for (i, text) in error.lines().enumerate() {
            let mark = if i == 0 { strings::WARN_MARK } else { "  " };
            wrapped += text.chars().count() / width.max(1);
            lines.push(Line::styled(format!("{mark}{text}"), theme.error()));
        }
    }
    if let Some(plan) = &form.plan {
        let field = |name: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{name:<12}"), theme.muted()),
                Span::styled(value, theme.text()),
            ])
        };
        lines.push(field(
            strings::form::ITEMS,
            strings::form::plan_items(plan.items, plan.images),
        ));
        lines.push(field(
            strings::form::COST,
            strings::form::plan_cost(plan.interactive_usd, plan.batch_usd),
        ));
        lines.push(field(
            strings::form::TIME,
            strings::form::plan_time(
                &human_duration(std::time::Duration::from_secs_f64(plan.estimated_seconds)),
                plan.rpm,
                plan.concurrency,
            ),
        ));
        for group in plan.groups.iter().take(3) {
            lines.push(field(
                "",
                strings::form::plan_group(group.items, &group.model, &group.size),
            ));
        }
    }
    let height = lines.len() as u16 + wrapped as u16 + 4;
    let inner = popup(frame, area, WIDTH, height, strings::title::BATCH, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    if body.height < 3 {
        return;
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(body.x, body.y, body.width, body.height.saturating_sub(1)),
    );
    let hint = if form.plan.is_some() {
        strings::BATCH_RUN_HINT
    } else {
        strings::BATCH_HINT
    };
    let foot = Rect::new(body.x, body.bottom() - 1, body.width, 1);
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            Line::styled(hint, theme.muted()).alignment(Alignment::Right),
            foot.width as usize,
        )),
        foot,
    );
}

pub(super) fn fields_form(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    form: &FieldsForm,
    theme: &Theme,
) {
    let inner = popup(frame, area, 96, 18, strings::title::FIELDS, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    if body.height < 3 {
        return;
    }
    let label_w = 13;
    let width = (body.width as usize).saturating_sub(label_w);
    let mut lines = Vec::new();
    for (i, label) in FIELD_LABELS.iter().enumerate() {
        let active = form.field == i;
        let label_style = if active {
            theme.accent()
        } else {
            theme.muted()
        };
        let input = &form.inputs[i];
        let value = if input.text().is_empty() && !active {
            Line::styled(FIELD_EXAMPLES[i], theme.muted())
        } else {
            input_line(input, active, width, theme)
        };
        let mut spans = vec![Span::styled(format!("{label:<label_w$}"), label_style)];
        spans.extend(value.spans);
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(strings::form::BECOMES, theme.muted()));
    let prompt = form.compose();
    lines.push(Line::styled(
        if prompt.is_empty() {
            strings::form::NOTHING_YET.to_string()
        } else {
            prompt.clone()
        },
        theme.text(),
    ));
    let roster = state.anchors.names();
    let in_shot = state.anchors.in_shot(&prompt);
    let notes = if prompt.trim().is_empty() {
        vec![]
    } else {
        crate::studio::lint::lint(&crate::studio::lint::LintInput {
            prompt: &prompt,
            char_limit: Some(state.prompt_limit()),
            roster: &roster,
            in_shot: &in_shot,
        })
    };
    if !notes.is_empty() {
        lines.push(Line::raw(""));
    }
    for note in notes.iter().take(3) {
        lines.push(Line::from(vec![
            Span::styled(strings::NOTE_MARK, theme.warn()),
            Span::styled(note.message.clone(), theme.muted()),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(body.x, body.y, body.width, body.height.saturating_sub(1)),
    );
    let foot = Rect::new(body.x, body.bottom() - 1, body.width, 1);
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            Line::styled(strings::FIELDS_HINT, theme.muted()).alignment(Alignment::Right),
            foot.width as usize,
        )),
        foot,
    );
}

pub(super) fn pick_list(frame: &mut Frame, area: Rect, picker: &Picker, theme: &Theme) {
    let (title, hint, heading) = match &picker.purpose {
        PickerPurpose::Promote { image } => (
            strings::title::PROMOTE,
            strings::PROMOTE_HINT,
            strings::form::add_to(&image.file_name().map_or_else(
                || image.display().to_string(),
                |n| n.to_string_lossy().to_string(),
            )),
        ),
        PickerPurpose::Preset => (
            strings::title::PRESETS,
            strings::PRESET_HINT,
            match &picker.current {
                Some(name) => strings::form::preset_active(name),
                None => strings::form::NO_PRESET_ACTIVE.to_string(),
            },
        ),
    };
    let rows = picker.rows();
    let wanted = rows.len().max(3) as u16 + 7;
    let height = wanted.min(area.height.saturating_sub(2)).max(9);
    let inner = popup(frame, area, 90, height, title, theme);
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    if body.height < 5 {
        return;
    }
    let width = body.width as usize;
    let mut lines = vec![
        Line::styled(heading, theme.muted()),
        Line::from(
            vec![Span::styled(strings::form::NAME_LABEL, theme.muted())]
                .into_iter()
                .chain(input_line(&picker.query, true, width.saturating_sub(6), theme).spans)
                .collect::<Vec<_>>(),
        ),
    ];
    let list_rows = body.height as usize - 4;
    let offset = picker.selected.saturating_sub(list_rows.saturating_sub(1));
    for (i, row) in rows.iter().enumerate().skip(offset).take(list_rows) {
        let active = picker.current.as_deref() == Some(row.label.as_str());
        let marker = if active {
            strings::form::ACTIVE_MARK
        } else {
            "  "
        };
        let mut line = Line::from(vec![
            Span::styled(marker, theme.accent()),
            Span::styled(row.label.clone(), theme.text()),
            Span::styled(
                format!(
                    "  {}",
                    truncate(
                        &row.detail,
                        width.saturating_sub(row.label.chars().count() + 4)
                    )
                ),
                theme.muted(),
            ),
        ]);
        if i == picker.selected {
            line = theme.select_line(line, width, true);
        }
        lines.push(line);
    }
    if rows.is_empty() {
        lines.push(Line::styled(strings::form::NOTHING_MATCHES, theme.muted()));
    }
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| crate::terminal::theme::fit_line(l, body.width as usize))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
    let foot = Rect::new(body.x, body.bottom() - 1, body.width, 1);
    let foot_line = match &picker.error {
        Some(e) => Line::styled(format!("{}{e}", strings::WARN_MARK), theme.error()),
        None => Line::styled(hint, theme.muted()).alignment(Alignment::Right),
    };
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            foot_line,
            foot.width as usize,
        )),
        foot,
    );
}

pub(super) fn request(
    frame: &mut Frame,
    area: Rect,
    outline: &Result<RequestOutline, String>,
    scroll: u16,
    theme: &Theme,
) {
    let mut lines = Vec::new();
    match outline {
        Err(reason) => {
            lines.push(Line::styled(strings::form::REFUSED, theme.error()));
            lines.push(Line::raw(""));
            lines.push(Line::styled(reason.clone(), theme.text()));
        }
        Ok(o) => {
            lines.push(Line::styled(o.settings.clone(), theme.accent()));
            if !o.anchors.is_empty() {
                lines.push(Line::from(vec![
                    Span::styled(strings::form::IN_SHOT_LABEL, theme.muted()),
                    Span::styled(o.anchors.join(", "), theme.text()),
                ]));
            }
            if !o.replayed.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(strings::form::REPLAYED, theme.title(false)));
                for line in &o.replayed {
                    lines.push(Line::styled(format!("  {line}"), theme.muted()));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(strings::form::THIS_TURN, theme.title(false)));
            for part in &o.parts {
                let (tag, style) = match part.kind {
                    PartKind::Text => (strings::form::PART_TEXT, theme.text()),
                    PartKind::Image => (strings::form::PART_IMAGE, theme.accent()),
                    PartKind::File => (strings::form::PART_FILE, theme.accent()),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {tag}  "), theme.muted()),
                    Span::styled(part.text.clone(), style),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                strings::form::request_size(o.images, &human_bytes(o.inline_bytes)),
                theme.muted(),
            ));
        }
    }
    let height = (lines.len() as u16 + 4).max(9);
    let inner = popup(frame, area, 96, height, strings::title::REQUEST, theme);
    if inner.height < 2 {
        return;
    }
    let body = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height - 1,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
    let hint = if outline.is_ok() {
        strings::REQUEST_HINT
    } else {
        strings::CLOSE_HINT
    };
    let foot = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
    frame.render_widget(
        Paragraph::new(crate::terminal::theme::fit_line(
            Line::styled(hint, theme.muted()).alignment(Alignment::Right),
            foot.width as usize,
        )),
        foot,
    );
}
