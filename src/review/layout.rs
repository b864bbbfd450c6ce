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
/// Columns per tile of a story's strip.
pub const STRIP_TILE_W: u16 = 28;
/// Rows per tile of a story's strip (image plus caption).
pub const STRIP_TILE_H: u16 = 11;

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
    /// (columns, rows) of one tile.
    pub tile_size: (u16, u16),
    /// One row of frames (a story), not a grid.
    pub strip: bool,
}

impl ReviewLayout {
    /// The layout for a folder: a story's strip, else the grid.
    pub fn for_folder(area: Rect, strip: bool) -> Self {
        if strip {
            Self::strip(area)
        } else {
            Self::new(area)
        }
    }

    /// A story: its frames in one row across the top, the preview and details below.
    pub fn strip(area: Rect) -> Self {
        let body_h = area.height.saturating_sub(1);
        let status = Rect {
            y: area.y + body_h,
            height: area.height.min(1),
            ..area
        };
        let grid_h = (STRIP_TILE_H + 2).min(body_h / 2).max(3.min(body_h));
        let grid = Rect {
            height: grid_h,
            ..area
        };
        let below = Rect {
            y: area.y + grid_h,
            height: body_h - grid_h,
            ..area
        };
        let details_w = if area.width < PREVIEW_MIN_WIDTH {
            0
        } else {
            area.width * 2 / 5
        };
        let preview = Rect {
            width: below.width - details_w,
            ..below
        };
        let details = Rect {
            x: below.x + preview.width,
            width: details_w,
            ..below
        };
        Self {
            grid,
            preview,
            details,
            status,
            tile_size: (STRIP_TILE_W, grid_h.saturating_sub(2).max(2)),
            strip: true,
        }
    }

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
                tile_size: (TILE_W, TILE_H),
                strip: false,
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
            tile_size: (TILE_W, TILE_H),
            strip: false,
        }
    }

    /// (columns, rows) of tiles that fit inside the grid's border.
    pub fn grid_shape(&self) -> (usize, usize) {
        let inner_w = self.grid.width.saturating_sub(2);
        let inner_h = self.grid.height.saturating_sub(2);
        let (w, h) = self.tile_size;
        let rows = if self.strip { 1 } else { (inner_h / h).max(1) };
        ((inner_w / w).max(1) as usize, rows as usize)
    }

    /// The image area of the tile at (`col`, `row`) of the visible grid.
    pub fn tile(&self, col: usize, row: usize) -> Rect {
        let (w, h) = self.tile_size;
        Rect {
            x: self.grid.x + 1 + col as u16 * w,
            y: self.grid.y + 1 + row as u16 * h,
            width: w - 1,
            height: h.saturating_sub(if self.strip { 0 } else { 1 }),
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

    #[test]
    fn a_story_is_one_row_of_frames_over_the_preview() {
        let l = ReviewLayout::strip(Rect::new(0, 0, 120, 40));
        assert_eq!(l.grid, Rect::new(0, 0, 120, 13));
        assert_eq!(l.grid_shape(), (4, 1), "four frames across, one row");
        assert_eq!(l.preview, Rect::new(0, 13, 72, 26));
        assert_eq!(l.details, Rect::new(72, 13, 48, 26));
        assert_eq!(l.tile(2, 0), Rect::new(57, 1, 27, 11));
        assert_eq!(l.status, Rect::new(0, 39, 120, 1));
    }
}
