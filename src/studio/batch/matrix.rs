//! Matrix expansion: a prompt template × every combination of its variables.
//! Variables vary in the order they first appear in the template, the first slowest; then
//! the variables named like a setting (`model`, `size`, `aspect`, `thinking`, `tier`,
//! `seed`) that the template does not use, in that order. A setting variable sets that
//! setting for each combination, whether or not the template names it.

use super::file::{RawItem, RawMatrix};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

/// Splits a template into text and `{name}` pieces; `{{`/`}}` are literal braces.
fn pieces(template: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) if c.is_alphanumeric() || c == '_' || c == '-' => name.push(c),
                        _ => {
                            return Err(format!(
                                "template '{template}' has an unclosed or invalid placeholder after '{{{name}'; placeholders look like {{style}}, and {{{{ writes a literal brace"
                            ));
                        }
                    }
                }
                if name.is_empty() {
                    return Err(format!(
                        "template '{template}' has an empty placeholder {{}}"
                    ));
                }
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var(name));
            }
            '}' => {
                return Err(format!(
                    "template '{template}' has a stray '}}'; write '}}}}' for a literal brace"
                ));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn render(pieces: &[Piece], values: &[(&str, &str)]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Var(name) => values
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| *v),
        })
        .collect()
}

/// Matrix variables that set the setting of the same name.
pub const SETTING_VARS: [&str; 6] = ["model", "size", "aspect", "thinking", "tier", "seed"];

/// The matrix's own value of a setting variable's field, if it sets one.
fn fixed_setting(matrix: &RawMatrix, name: &str) -> bool {
    match name {
        "model" => matrix.model.is_some(),
        "size" => matrix.size.is_some(),
        "aspect" => matrix.aspect.is_some(),
        "thinking" => matrix.thinking.is_some(),
        "tier" => matrix.tier.is_some(),
        "seed" => matrix.seed.is_some(),
        _ => false,
    }
}

/// Sets the setting `name` of `item` to `value`.
fn set_setting(item: &mut RawItem, name: &str, value: &str) -> Result<(), String> {
    let text = Some(value.to_string());
    match name {
        "model" => item.model = text,
        "size" => item.size = text,
        "aspect" => item.aspect = text,
        "thinking" => item.thinking = text,
        "tier" => item.tier = text,
        "seed" => {
            item.seed = Some(value.trim().parse().map_err(|_| {
                format!("variable seed has the value '{value}', which is not a whole number")
            })?)
        }
        _ => {}
    }
    Ok(())
}

/// Expands a matrix into items, each with a description of its combination.
pub fn expand(matrix: &RawMatrix) -> Result<Vec<(RawItem, String)>, String> {
    let prompt = pieces(&matrix.prompt)?;
    let key = matrix.key.as_deref().map(pieces).transpose()?;
    let mut order: Vec<&str> = Vec::new();
    for piece in prompt.iter().chain(key.iter().flatten()) {
        if let Piece::Var(name) = piece
            && !order.contains(&name.as_str())
        {
            order.push(name);
        }
    }
    for name in SETTING_VARS {
        if matrix.vars.contains_key(name) && !order.contains(&name) {
            order.push(name);
        }
    }
    if let Some(both) = SETTING_VARS
        .iter()
        .find(|name| matrix.vars.contains_key(**name) && fixed_setting(matrix, name))
    {
        return Err(format!(
            "{both} is set both by the matrix and by [matrix.vars]; keep one (a variable named {both} sets it for each combination)"
        ));
    }
    if order.is_empty() {
        return Err("the template has no {placeholders} and no variable names a setting (model, size, aspect, thinking, tier, seed); a matrix needs at least one".into());
    }
    for name in &order {
        match matrix.vars.get(*name) {
            None => {
                return Err(format!(
                    "the template uses {{{name}}}, but [matrix.vars] does not define {name}"
                ));
            }
            Some(values) if values.is_empty() => {
                return Err(format!("variable {name} has no values"));
            }
            Some(_) => {}
        }
    }
    if let Some(unused) = matrix.vars.keys().find(|k| !order.contains(&k.as_str())) {
        return Err(format!(
            "variable {unused} is defined but the template never uses {{{unused}}} (only variables named like a setting — {} — work without a placeholder)",
            SETTING_VARS.join(", ")
        ));
    }
    let lists: Vec<&Vec<String>> = order.iter().map(|n| &matrix.vars[*n]).collect();
    let total = lists
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()))
        .unwrap_or(usize::MAX);
    if total > super::file::MAX_ITEMS {
        return Err(format!(
            "the matrix has {total} combinations; at most {} fit in one batch",
            super::file::MAX_ITEMS
        ));
    }
    let mut out = Vec::with_capacity(total);
    for n in 0..total {
        let mut rest = n;
        let mut values: Vec<(&str, &str)> = vec![("", ""); order.len()];
        for (slot, list) in lists.iter().enumerate().rev() {
            values[slot] = (order[slot], list[rest % list.len()].as_str());
            rest /= list.len();
        }
        let combination = values
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let key = match &key {
            Some(k) => render(k, &values),
            None => values
                .iter()
                .map(|(_, v)| crate::studio::output::slug(v))
                .collect::<Vec<_>>()
                .join("-"),
        };
        let mut item = RawItem {
            prompt: Some(render(&prompt, &values)),
            key: Some(key),
            preset: matrix.preset.clone(),
            model: matrix.model.clone(),
            aspect: matrix.aspect.clone(),
            size: matrix.size.clone(),
            seed: matrix.seed,
            thinking: matrix.thinking.clone(),
            grounding: matrix.grounding.clone(),
            tier: matrix.tier.clone(),
            fallback: matrix.fallback.clone(),
            with: matrix.with.clone(),
            refs: matrix.refs.clone(),
        };
        for (name, value) in &values {
            if SETTING_VARS.contains(name) {
                set_setting(&mut item, name, value)?;
            }
        }
        out.push((item, combination));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(prompt: &str, vars: &[(&str, &[&str])]) -> RawMatrix {
        RawMatrix {
            prompt: prompt.into(),
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            ..RawMatrix::default()
        }
    }

    #[test]
    fn a_variable_named_like_a_setting_sets_it_without_a_placeholder() {
        let m = matrix(
            "a lighthouse at dusk",
            &[
                ("model", &["nano-banana-2.1", "nano-banana-pro"]),
                ("seed", &["7", "8"]),
            ],
        );
        let items = expand(&m).unwrap();
        assert_eq!(items.len(), 4);
        let (first, combination) = &items[0];
        assert_eq!(first.model.as_deref(), Some("nano-banana-2.1"));
        assert_eq!(first.seed, Some(7));
        assert_eq!(first.prompt.as_deref(), Some("a lighthouse at dusk"));
        assert_eq!(combination, "model=nano-banana-2.1, seed=7");
        assert_eq!(items[3].0.model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(items[3].0.key.as_deref(), Some("nano-banana-pro-8"));
        let named = matrix("a {tier} fox", &[("tier", &["flex", "standard"])]);
        let items = expand(&named).unwrap();
        assert_eq!(items[0].0.prompt.as_deref(), Some("a flex fox"));
        assert_eq!(items[0].0.tier.as_deref(), Some("flex"));
    }

    #[test]
    fn a_setting_given_twice_or_a_bad_seed_is_refused() {
        let mut m = matrix("a fox", &[("model", &["nano-banana-pro"])]);
        m.model = Some("nano-banana-2.1".into());
        assert!(expand(&m).unwrap_err().contains("both"));
        let seed = matrix("a fox", &[("seed", &["seven"])]);
        assert!(expand(&seed).unwrap_err().contains("whole number"));
        let unused = matrix("a fox", &[("style", &["ink"])]);
        let err = expand(&unused).unwrap_err();
        assert!(err.contains("no {placeholders}"), "{err}");
    }

    #[test]
    fn expands_every_combination_in_template_order() {
        let m = matrix(
            "a {style} cat, {angle} view {{raw}}",
            &[
                ("angle", &["front", "side"]),
                ("style", &["Ink Wash", "oil"]),
            ],
        );
        let items = expand(&m).unwrap();
        let prompts: Vec<_> = items
            .iter()
            .map(|(i, _)| i.prompt.clone().unwrap())
            .collect();
        assert_eq!(
            prompts,
            vec![
                "a Ink Wash cat, front view {raw}",
                "a Ink Wash cat, side view {raw}",
                "a oil cat, front view {raw}",
                "a oil cat, side view {raw}",
            ]
        );
        assert_eq!(items[1].0.key.as_deref(), Some("ink-wash-side"));
        assert_eq!(items[1].1, "style=Ink Wash, angle=side");
    }

    #[test]
    fn key_templates_and_mistakes() {
        let mut m = matrix("{a}", &[("a", &["x", "y"])]);
        m.key = Some("k-{a}".into());
        assert_eq!(expand(&m).unwrap()[1].0.key.as_deref(), Some("k-y"));
        assert!(
            expand(&matrix("{a} {b}", &[("a", &["x"])]))
                .unwrap_err()
                .contains("{b}")
        );
        assert!(
            expand(&matrix("{a}", &[("a", &["x"]), ("z", &["1"])]))
                .unwrap_err()
                .contains("z")
        );
        assert!(
            expand(&matrix("no vars", &[]))
                .unwrap_err()
                .contains("placeholders")
        );
        assert!(
            expand(&matrix("{a", &[("a", &["x"])]))
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(
            expand(&matrix("{a}", &[("a", &[])]))
                .unwrap_err()
                .contains("no values")
        );
    }
}
