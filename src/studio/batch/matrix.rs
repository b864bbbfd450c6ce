//! Matrix expansion: a prompt template × every combination of its variables.
//! Variables vary in the order they first appear in the template, the first slowest.

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
    if order.is_empty() {
        return Err("the template has no {placeholders}; a matrix needs at least one".into());
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
            "variable {unused} is defined but the template never uses {{{unused}}}"
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
        let item = RawItem {
            prompt: Some(render(&prompt, &values)),
            key: Some(key),
            preset: matrix.preset.clone(),
            model: matrix.model.clone(),
            aspect: matrix.aspect.clone(),
            size: matrix.size.clone(),
            seed: matrix.seed,
            thinking: matrix.thinking.clone(),
            grounding: matrix.grounding.clone(),
            with: matrix.with.clone(),
            refs: matrix.refs.clone(),
        };
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
