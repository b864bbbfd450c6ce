//! WCAG 2 contrast: relative luminance of sRGB colours and the ratio between two of them.
//! Named and indexed terminal colours are read as xterm's default palette.

use ratatui::style::Color;

/// Ratio body text needs against its background (WCAG 2, level AA).
pub const TEXT_MIN: f64 = 4.5;
/// Ratio secondary text (hints, timings, captions) needs.
pub const SECONDARY_MIN: f64 = 3.0;

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// xterm's default palette for the 16 basic colours, in index order.
const BASIC: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The sRGB value a terminal with xterm's palette shows for `color`; None for `Reset` (the
/// terminal's own default, which the caller knows or assumes).
pub fn rgb(color: Color) -> Option<Rgb> {
    let index = match color {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => return Some((r, g, b)),
        Color::Indexed(i) => return Some(indexed(i)),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    Some(BASIC[index])
}

/// One of the 256 indexed colours: the 16 basic ones, the 6×6×6 cube, the grey ramp.
fn indexed(i: u8) -> Rgb {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match i {
        0..=15 => BASIC[i as usize],
        16..=231 => {
            let n = i - 16;
            (
                LEVELS[(n / 36) as usize],
                LEVELS[(n / 6 % 6) as usize],
                LEVELS[(n % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// WCAG relative luminance, 0 (black) to 1 (white).
pub fn luminance((r, g, b): Rgb) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The contrast ratio of two colours, 1 (none) to 21 (black on white).
pub fn ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_the_wcag_reference_values() {
        assert!((ratio((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((ratio((9, 9, 9), (9, 9, 9)) - 1.0).abs() < 1e-9);
        // The measurement: light grey on the dark theme's yellow selection.
        let measured = ratio((215, 218, 224), (245, 197, 66));
        assert!((measured - 1.16).abs() < 0.01, "{measured}");
        // #767676 is the classic lightest grey with 4.5:1 on white.
        assert!(ratio((0x76, 0x76, 0x76), (255, 255, 255)) >= TEXT_MIN);
        assert!(ratio((0x77, 0x77, 0x77), (255, 255, 255)) < TEXT_MIN);
    }

    #[test]
    fn terminal_colours_read_as_xterms_palette() {
        assert_eq!(rgb(Color::Reset), None);
        assert_eq!(rgb(Color::LightYellow), Some((255, 255, 0)));
        assert_eq!(rgb(Color::Indexed(196)), Some((255, 0, 0)));
        assert_eq!(rgb(Color::Indexed(244)), Some((128, 128, 128)));
        assert_eq!(rgb(Color::Indexed(9)), rgb(Color::LightRed));
    }
}
