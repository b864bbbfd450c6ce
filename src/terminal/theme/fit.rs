//! Styled lines cut to a width with an ellipsis where they were cut (the styled sibling of
//! `text::truncate`).

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// `line` cut to `width` columns; a cut line ends in `…` (in the style of the span it cut).
pub fn fit_line(line: Line<'_>, width: usize) -> Line<'_> {
    if line.width() <= width {
        return line;
    }
    let Line {
        spans,
        style,
        alignment,
    } = line;
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.content.width();
        if used + w < width {
            used += w;
            out.push(span);
            continue;
        }
        // This span holds the last column: keep what fits before the ellipsis.
        let cut = crate::text::truncate(&span.content, width - used);
        let cut = if cut.ends_with('…') {
            cut
        } else {
            crate::text::truncate(&format!("{cut}……"), width - used)
        };
        out.push(Span::styled(cut, span.style));
        break;
    }
    let mut fitted = Line::from(out).style(style);
    fitted.alignment = alignment;
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    #[test]
    fn cut_lines_end_in_an_ellipsis_and_keep_their_styles() {
        let line = Line::from(vec![
            Span::styled("  Ctrl+G  ", Style::new().yellow()),
            Span::raw("generate the prompt"),
        ]);
        let fitted = fit_line(line.clone(), 15);
        assert_eq!(fitted.width(), 15);
        assert_eq!(fitted.to_string(), "  Ctrl+G  gene…");
        assert_eq!(fitted.spans[0].style, Style::new().yellow());
        assert_eq!(fit_line(line.clone(), 40), line);
        // A cut right at a span's end still shows that it was cut.
        let fitted = fit_line(line, 10);
        assert_eq!(fitted.to_string(), "  Ctrl+G …");
        assert_eq!(fit_line(Line::raw("abc"), 0).width(), 0);
    }
}
