//! Where everything goes: a pure function of the terminal area.

use ratatui::layout::Rect;

/// Columns per grid tile (image plus a one-column gap).
pub const TILE_W: u16 = 20;
/// Rows per grid tile (image plus the caption line).
pub const TILE_H: u16 = 8;
/// Narrowest terminal that still gets a preview pane.
pub const PREVIEW_MIN_WIDTH: u16 = 70;
/// Rows of the details box under the preview.
pub const DETAILS_H: u16 = 9;

/// The named areas of the review screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewLayout {
    /// The grid's frame.
    pub grid: Rect,
    /// The preview's frame (zero-sized on narrow terminals).
    pub preview: Rect,
    /// Prompt and settings of the selection.
    pub details: Rect,
    /// The bottom line: news, filter, counts and keys.
    pub status: Rect,
}

impl ReviewLayout {
    /// Splits `area`: grid left, preview and details right, status at the bottom.
    pub fn new(area: Rect) -> Self {
        let body = Rect {
            height: area.height.saturating_sub(1),
            ..area
        };
        let status = Rect {
            y: area.y + body.height,
            height: area.height.min(1),
            ..area
        };
        if area.width < PREVIEW_MIN_WIDTH {
            return Self {
                grid: body,
                preview: Rect::default(),
                details: Rect::default(),
                status,
            };
        }
        let right_w = area.width * 2 / 5;
        let grid = Rect {
            width: area.width - right_w,
            ..body
        };
        let details_h = DETAILS_H.min(body.height / 2);
        let preview = Rect {
            x: area.x + grid.width,
            width: right_w,
            height: body.height - details_h,
            ..body
        };
        let details = Rect {
            y: body.y + preview.height,
            height: details_h,
            ..preview
        };
        Self {
            grid,
            preview,
            details,
            status,
        }
    }

    /// (columns, rows) of tiles that fit inside the grid's border.
    pub fn grid_shape(&self) -> (usize, usize) {
        let inner_w = self.grid.width.saturating_sub(2);
        let inner_h = self.grid.height.saturating_sub(2);
        (
            (inner_w / TILE_W).max(1) as usize,
            (inner_h / TILE_H).max(1) as usize,
        )
    }

    /// The image area of the tile at (`col`, `row`) of the visible grid.
    pub fn tile(&self, col: usize, row: usize) -> Rect {
        Rect {
            x: self.grid.x + 1 + col as u16 * TILE_W,
            y: self.grid.y + 1 + row as u16 * TILE_H,
            width: TILE_W - 1,
            height: TILE_H - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_screens_get_a_preview_and_narrow_ones_do_not() {
        let l = ReviewLayout::new(Rect::new(0, 0, 120, 40));
        assert_eq!((l.grid.width, l.preview.width), (72, 48));
        assert_eq!(l.status, Rect::new(0, 39, 120, 1));
        assert_eq!(l.preview.height + l.details.height, 39);
        assert_eq!(l.grid_shape(), (3, 4));
        assert_eq!(l.tile(1, 1), Rect::new(21, 9, 19, 7));
        let narrow = ReviewLayout::new(Rect::new(0, 0, 50, 20));
        assert_eq!(narrow.preview.width, 0);
        assert_eq!(narrow.grid_shape(), (2, 2));
    }
}
