//! The settings line under the prompt: what the next generation will use, each value
//! with the key that cycles it. It shortens itself to fit narrow terminals.
//!
//!  F2 NB 2 · F3 16:9 · F4 2K · F5 seed 42 fixed · F6 think high · F7 search web · refs 2
//!
//! With a preset active it leads the line, and each setting that departs from the preset
//! is marked `*`:  F10 preset product-hero (1 changed) · F2 NB Pro · F3 16:9* · …

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::models::Tier;
use crate::settings::{Field, Grounding};
use crate::terminal::theme::Theme;
use crate::tui::action::Action;
use crate::tui::state::AppState;
use crate::tui::state::settings::{SeedMode, short_model_name};

struct Item {
    action: Option<Action>,
    field: Option<Field>,
    label: &'static str,
    short_label: &'static str,
    value: String,
    short: String,
    warn: bool,
    /// Departs from the active preset (marked `*`).
    departs: bool,
    /// Left out before the line gives up its keys (a setting at its default).
    optional: bool,
}

/// Draws the settings line.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let items = items(state);
    let width = area.width as usize;
    let variants = [
        Variant {
            keys: true,
            labels: Labels::Long,
            long: true,
        },
        Variant {
            keys: true,
            labels: Labels::Short,
            long: false,
        },
        Variant {
            keys: false,
            labels: Labels::Short,
            long: false,
        },
        Variant {
            keys: false,
            labels: Labels::None,
            long: false,
        },
    ];
    let essential: Vec<&Item> = items.iter().filter(|i| !i.optional).collect();
    let all: Vec<&Item> = items.iter().collect();
    let tries = variants
        .iter()
        .flat_map(|v| [(v, all.as_slice()), (v, essential.as_slice())]);
    let count = variants.len() * 2;
    for (i, (variant, items)) in tries.enumerate() {
        let line = render(items, state, theme, variant);
        if line.width() <= width || i + 1 == count {
            frame.render_widget(
                Paragraph::new(crate::terminal::theme::fit_line(line, width)),
                area,
            );
            return;
        }
    }
}

fn items(state: &AppState) -> Vec<Item> {
    let s = &state.settings;
    let spec = s.spec(&state.registry);
    let seed = match s.seed_mode {
        SeedMode::Random => "random".to_string(),
        mode => format!("{} {}", s.seed, mode.as_str()),
    };
    let seed_short = match s.seed_mode {
        SeedMode::Random => "rnd".to_string(),
        SeedMode::Fixed => s.seed.to_string(),
        SeedMode::Increment => format!("{}+", s.seed),
    };
    let thinking = if spec.thinking_levels.is_empty() {
        "n/a".to_string()
    } else {
        s.thinking.clone().unwrap_or_else(|| "auto".into())
    };
    let grounding = if spec.grounding.is_empty() {
        "n/a".to_string()
    } else {
        s.grounding.as_str().to_string()
    };
    let refs_cap = spec.references.images as usize;
    let mut items = Vec::new();
    let departed = state.preset_departures();
    if let Some((name, fields)) = &departed {
        let changed = if fields.is_empty() {
            String::new()
        } else {
            format!(" ({} changed)", fields.len())
        };
        items.push(Item {
            action: Some(Action::PickPreset),
            field: None,
            label: "preset",
            short_label: "",
            value: format!("{name}{changed}"),
            short: format!("{name}{}", if fields.is_empty() { "" } else { "*" }),
            warn: false,
            departs: !fields.is_empty(),
            optional: false,
        });
    }
    items.extend(vec![
        Item {
            action: Some(Action::CycleModel),
            field: Some(Field::Model),
            label: "model",
            short_label: "",
            value: spec.display_name.clone(),
            short: short_model_name(spec),
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleAspect),
            field: Some(Field::Aspect),
            label: "ratio",
            short_label: "ratio",
            value: s.aspect.clone().unwrap_or_else(|| "auto".into()),
            short: s.aspect.clone().unwrap_or_else(|| "auto".into()),
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleSize),
            field: Some(Field::Size),
            label: "size",
            short_label: "",
            value: s.size.clone(),
            short: s.size.clone(),
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleSeed),
            field: Some(Field::SeedMode),
            label: "seed",
            short_label: "seed",
            value: seed,
            short: seed_short,
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleThinking),
            field: Some(Field::Thinking),
            label: "thinking",
            short_label: "think",
            value: thinking.clone(),
            short: thinking,
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleGrounding),
            field: Some(Field::Grounding),
            label: "search",
            short_label: "search",
            value: grounding.clone(),
            short: if s.grounding == Grounding::Off && !spec.grounding.is_empty() {
                "off".into()
            } else {
                grounding
            },
            warn: false,
            departs: false,
            optional: false,
        },
        Item {
            action: Some(Action::CycleTier),
            field: Some(Field::Tier),
            label: "tier",
            short_label: "tier",
            value: s.tier.as_str().to_string(),
            short: s.tier.as_str().to_string(),
            warn: false,
            departs: false,
            optional: s.tier == Tier::Standard,
        },
    ]);
    if let Some((_, fields)) = &departed {
        for item in &mut items {
            let departs = item.field.is_some_and(|f| {
                fields.contains(&f) || (f == Field::SeedMode && fields.contains(&Field::Seed))
            });
            if departs {
                item.value.push('*');
                item.short.push('*');
                item.departs = true;
            }
        }
    }
    if !s.refs.is_empty() {
        items.push(Item {
            action: Some(Action::ClearRefs),
            field: None,
            label: "refs",
            short_label: "refs",
            value: format!("{}/{refs_cap}", s.refs.len()),
            short: s.refs.len().to_string(),
            warn: s.refs.len() > refs_cap,
            departs: false,
            optional: false,
        });
    }
    items
}

#[derive(Clone, Copy, PartialEq)]
enum Labels {
    Long,
    Short,
    None,
}

#[derive(Clone, Copy)]
struct Variant {
    keys: bool,
    labels: Labels,
    long: bool,
}

fn render<'a>(items: &[&Item], state: &AppState, theme: &Theme, v: &Variant) -> Line<'a> {
    let Variant { keys, labels, long } = *v;
    let mut spans = vec![Span::raw(" ")];
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        if keys && let Some(action) = item.action {
            spans.push(Span::styled(state.keymap.hint(action), theme.muted()));
            spans.push(Span::raw(" "));
        }
        let label = match labels {
            Labels::Long => item.label,
            Labels::Short => item.short_label,
            Labels::None => "",
        };
        if !label.is_empty() {
            spans.push(Span::styled(format!("{label} "), theme.muted()));
        }
        let value = if long { &item.value } else { &item.short };
        let style = if item.warn {
            theme.error()
        } else if item.departs {
            theme.warn()
        } else {
            theme.accent()
        };
        spans.push(Span::styled(value.clone(), style));
    }
    Line::from(spans)
}
