//! Reading a big TOML batch file one `[[item]]` table at a time, so a 50,000-item file never
//! becomes one parse tree: the part before the first `[[item]]` (defaults, matrices) and
//! each item are parsed on their own, their lines counted in the whole file.
//!
//! The split is only trusted where it is certain: a file with a multi-line string, or with
//! any table header after its first `[[item]]` other than `[[item]]` itself, or with a piece
//! that does not parse, is read whole instead (so errors are always reported as the whole
//! file reads, at the right line).

use super::file::{FieldLines, LineIndex, RawItem};
use super::toml_read::{ReadToml, TomlFile, TomlSpans};

/// Items per parsed piece: large enough that per-piece overhead vanishes, small enough that
/// a piece's parse tree stays a few MB.
const ITEMS_PER_PIECE: usize = 500;

/// The file read piece by piece, or None when it must be read whole.
pub(super) fn read(text: &str, lines: &LineIndex) -> Option<ReadToml> {
    let starts = item_starts(text)?;
    let first = *starts.first()?;
    let head = &text[..first];
    let file: TomlFile = toml::from_str(head).ok()?;
    if !file.item.is_empty() {
        return None;
    }
    let spans: TomlSpans = toml::from_str(head).ok()?;
    let mut items: Vec<(RawItem, Option<usize>, FieldLines)> = Vec::with_capacity(starts.len());
    let bounds: Vec<usize> = starts
        .iter()
        .step_by(ITEMS_PER_PIECE)
        .copied()
        .chain(std::iter::once(text.len()))
        .collect();
    for piece in bounds.windows(2) {
        let (from, to) = (piece[0], piece[1]);
        items.extend(super::toml_read::read_items(&text[from..to], from, lines)?);
    }
    if items.len() != starts.len() {
        return None;
    }
    Some(ReadToml::assemble(file, &spans, head, lines, items))
}

/// Byte offsets of every `[[item]]` header line, or None when the file cannot be split
/// safely (see the module docs) or has no items.
fn item_starts(text: &str) -> Option<Vec<usize>> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        match header(line) {
            Some("[[item]]") => starts.push(offset),
            Some(_) if !starts.is_empty() => return None,
            _ => {}
        }
        offset += line.len();
    }
    (!starts.is_empty()).then_some(starts)
}

/// The table header a line holds (`[name]` or `[[name]]`, comments and spaces aside), if
/// it is one; `[item.x]` counts as a header, an array value such as `["a", "b"]` does not.
fn header(line: &str) -> Option<&str> {
    let code = line.split('#').next().unwrap_or("").trim();
    let inner = code.strip_prefix('[')?.strip_suffix(']')?;
    let name = inner
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(inner)
        .trim();
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    bare.then(|| {
        if code.starts_with("[[") {
            if name == "item" {
                "[[item]]"
            } else {
                "[[other]]"
            }
        } else {
            "[table]"
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::studio::batch::toml_read::read_whole;

    fn both(text: &str) -> (ReadToml, ReadToml) {
        let lines = LineIndex::new(text);
        let split = read(text, &lines).expect("read in pieces");
        let whole = read_whole(Path::new("b.toml"), text, &lines).expect("read whole");
        (split, whole)
    }

    #[test]
    fn pieces_read_exactly_what_the_whole_file_reads() {
        let mut text = String::from(
            "# shots\n[defaults]\nsize = \"2K\"\nwith = [\"mira\"]\n\n[matrix]\nprompt = \"a {x}\"\nvars = { x = [\"fox\", \"owl\"] }\n\n",
        );
        for n in 0..1_234 {
            text.push_str(&format!(
                "[[item]]  # shot {n}\nkey = \"k{n}\"\nprompt = \"a fox, take {n} # not a comment\"\nrefs = [\n  \"a.png\",\n]\n\n"
            ));
        }
        let (split, whole) = both(&text);
        assert_eq!(split.items.len(), 1_234);
        assert_eq!(split.items, whole.items, "items and every line");
        assert_eq!(split.defaults, whole.defaults);
        assert_eq!(split.default_lines, whole.default_lines);
        assert_eq!(split.matrices, whole.matrices);
        assert_eq!(split.items[1_000].1, Some(10 + 7 * 1_000));
    }

    #[test]
    fn files_that_cannot_be_split_safely_are_read_whole() {
        let later_defaults = "[[item]]\nprompt = \"a\"\n[defaults]\nsize = \"2K\"\n";
        let multi_line = "[[item]]\nprompt = \"\"\"\n[[item]]\n\"\"\"\n";
        let no_items = "[matrix]\nprompt = \"a {x}\"\nvars = { x = [\"a\"] }\n";
        let broken = "[[item]]\nprompt = \"a\"\n[[item]]\nprompt = \n";
        for text in [later_defaults, multi_line, no_items, broken] {
            assert!(read(text, &LineIndex::new(text)).is_none(), "{text}");
        }
    }

    #[test]
    fn headers_are_told_from_array_values() {
        assert_eq!(header("[[item]]\n"), Some("[[item]]"));
        assert_eq!(header("  [[ item ]] # x\n"), Some("[[item]]"));
        assert_eq!(header("[defaults]\n"), Some("[table]"));
        assert_eq!(header("[item.refs]\n"), Some("[table]"));
        assert_eq!(header("[[matrix]]\n"), Some("[[other]]"));
        assert_eq!(header("[\"a.png\", \"b.png\"]\n"), None);
        assert_eq!(header("prompt = \"[x]\"\n"), None);
    }
}
