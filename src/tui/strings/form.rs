//! The words of the batch, pick-list, prompt-fields, anchor and request overlays.

/// The prompt form's rows, in Tab order.
pub const FIELD_LABELS: [&str; 5] = ["Subject", "Style", "Composition", "Lighting", "Text"];

/// What each prompt form row asks for, shown while it is empty.
pub const FIELD_EXAMPLES: [&str; 5] = [
    "a red fox curled up in fresh snow",
    "watercolor, loose washes",
    "low angle, fox off-centre, lots of sky",
    "golden hour backlight",
    "words to render; separate elements with ;",
];
/// The anchor form's name row.
pub const ANCHOR_NAME: &str = "Name";
/// The anchor form's kind row.
pub const ANCHOR_KIND: &str = "Kind";
/// The anchor form's description row.
pub const ANCHOR_LOOKS: &str = "Looks";
/// The anchor form's reference images row.
pub const ANCHOR_IMAGES: &str = "Images";
/// Before the batch file's path.
pub const FILE_LABEL: &str = "file  ";
/// Under the batch file's path.
pub const BATCH_FILE_NOTE: &str =
    "      a .toml or .jsonl batch file; it is checked in full before anything runs";
/// While the batch file is checked.
pub const CHECKING: &str = "checking…";
/// The plan's item count.
pub const ITEMS: &str = "items";
/// The plan's cost.
pub const COST: &str = "cost";
/// The plan's time.
pub const TIME: &str = "time";
/// Above the composed prompt in the prompt form.
pub const BECOMES: &str = "becomes";
/// The prompt form with nothing filled in.
pub const NOTHING_YET: &str = "(nothing yet)";
/// The preset picker with no preset on the settings line.
pub const NO_PRESET_ACTIVE: &str = "no preset active";
/// Before the pick list's query.
pub const NAME_LABEL: &str = "name ";
/// Marks the row in force.
pub const ACTIVE_MARK: &str = "● ";
/// The query matches no row.
pub const NOTHING_MATCHES: &str = "  nothing matches";
/// Above the reason a request would be refused.
pub const REFUSED: &str = "This request would be refused:";
/// Before the anchors in shot.
pub const IN_SHOT_LABEL: &str = "in shot  ";
/// Above the earlier turns a continuation sends back.
pub const REPLAYED: &str = "earlier turns, sent back verbatim";
/// Above this turn's parts.
pub const THIS_TURN: &str = "this turn, in order";
/// A text part.
pub const PART_TEXT: &str = "text ";
/// An image part.
pub const PART_IMAGE: &str = "image";
/// A file part.
pub const PART_FILE: &str = "file ";

/// The plan's items and images.
pub fn plan_items(items: usize, images: usize) -> String {
    format!("{items} ({images} images)")
}

/// The plan's cost here and on the Batch API.
pub fn plan_cost(interactive_usd: f64, batch_usd: f64) -> String {
    format!(
        "about ${interactive_usd:.2} here (Batch API: ${batch_usd:.2} with `peel batch submit`)"
    )
}

/// The plan's least time.
pub fn plan_time(duration: &str, rpm: u32, concurrency: usize) -> String {
    format!("at least {duration} at {rpm} requests/min, {concurrency} at once")
}

/// One group of the plan's items.
pub fn plan_group(items: usize, model: &str, size: &str) -> String {
    format!("{items} × {model} {size}")
}

/// The promote picker's heading.
pub fn add_to(image: &str) -> String {
    format!("add {image} to")
}

/// The preset picker's heading with a preset in force.
pub fn preset_active(name: &str) -> String {
    format!("active: {name}")
}

/// The request's images and inline size.
pub fn request_size(images: usize, inline: &str) -> String {
    format!("{images} image(s) in the request · {inline} inline")
}
