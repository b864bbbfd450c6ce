//! Reading batch files: formats, lines, refusals.

use std::path::{Path, PathBuf};

use super::error::BatchError;
use super::file::*;

fn toml(text: &str) -> Result<RawBatch, BatchError> {
    parse(Path::new("b.toml"), text, Format::Toml)
}

#[test]
fn toml_items_keep_their_lines() {
    let b = toml(
        "[defaults]\nmodel = \"nano-banana-2\"\n\n[[item]]\nprompt = \"a fox\"\n\n[[item]]\nkey = \"owl\"\nprompt = \"an owl\"\naspect = \"16:9\"\n",
    )
    .unwrap();
    assert_eq!(b.defaults.model.as_deref(), Some("nano-banana-2"));
    assert_eq!(b.items.len(), 2);
    assert_eq!(b.items[1].0.key.as_deref(), Some("owl"));
    assert_eq!(b.items[1].1.line_of("aspect"), Some(10));
    assert_eq!(b.items[0].1.line_of("prompt"), Some(5));
}

#[test]
fn unknown_fields_are_named_with_their_line() {
    let err = toml("[[item]]\nprompt = \"x\"\naspectt = \"1:1\"\n").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("b.toml:3"), "{text}");
    assert!(text.contains("aspectt"), "{text}");
    let err = toml("[[items]]\nprompt = \"x\"\n").unwrap_err().to_string();
    assert!(err.contains("items"), "{err}");
    let err = toml("[defaults]\nprompt = \"x\"\n[[item]]\nprompt=\"y\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("prompt") && err.contains(":2"), "{err}");
}

#[test]
fn defaults_refuse_what_names_one_item_at_its_line() {
    let err = toml(
        "[defaults]
size = \"1K\"
key = \"k\"
prompt = \"x\"
[[item]]
prompt=\"y\"
",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(":3") && err.contains("`key` names one item"),
        "{err}"
    );
    assert!(
        err.contains(":4") && err.contains("`prompt` names one item"),
        "{err}"
    );
    let jsonl = "{\"prompt\": \"a\"}\n";
    let err = parse(
        Path::new("b.jsonl"),
        &format!("{{\"defaults\": {{\"key\": \"k\"}}}}\n{jsonl}"),
        Format::Jsonl,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(":1") && err.contains("`key` names one item"),
        "{err}"
    );
}

#[test]
fn jsonl_reads_defaults_and_names_bad_lines() {
    let b = parse(
        Path::new("x/b.jsonl"),
        "{\"defaults\": {\"size\": \"2K\"}}\n\n# a comment\n{\"prompt\": \"a\", \"key\": \"k\"}\n{\"prompt\": \"b\"}\n",
        Format::Jsonl,
    )
    .unwrap();
    assert_eq!(b.defaults.size.as_deref(), Some("2K"));
    assert_eq!(b.items.len(), 2);
    assert_eq!(b.items[1].1.line, Some(5));
    assert_eq!(b.base_dir, PathBuf::from("x"));
    let err = parse(
        Path::new("b.jsonl"),
        "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"colour\": 1}\n{oops\n",
        Format::Jsonl,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("b.jsonl:2") && err.contains("colour"), "{err}");
    assert!(err.contains("b.jsonl:3") && err.contains("JSON"), "{err}");
}

#[test]
fn empty_files_and_wrong_extensions_are_refused() {
    assert!(
        toml("[defaults]\nsize = \"1K\"\n")
            .unwrap_err()
            .to_string()
            .contains("no items")
    );
    assert!(Format::of(Path::new("b.yaml")).is_err());
    assert_eq!(Format::of(Path::new("B.NDJSON")).unwrap(), Format::Jsonl);
}

#[test]
fn line_numbers_count_newlines() {
    assert_eq!(line_at("a\nb\nc", 0), 1);
    assert_eq!(line_at("a\nb\nc", 2), 2);
    assert_eq!(line_at("a\nb\nc", 99), 3);
}

#[test]
fn the_line_index_agrees_with_counting_newlines() {
    let text = "a\nbb\n\nccc\n";
    let index = super::file::LineIndex::new(text);
    for offset in 0..=text.len() + 3 {
        let counted = text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        assert_eq!(index.line_at(offset), counted, "offset {offset}");
    }
}
