//! The deprecation notices a run gives: one per deprecated model among those it uses.

use crate::models::Registry;

/// One notice per deprecated model among `models` (a run says it once, not per item).
pub fn model_notices<'a>(
    registry: &Registry,
    models: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut notices = Vec::new();
    for model in models {
        if seen.contains(&model) {
            continue;
        }
        seen.push(model);
        if let Some(notice) = registry
            .lifecycle_of(model)
            .and_then(|l| l.notice(crate::models::today()))
        {
            notices.push(notice);
        }
    }
    notices
}
