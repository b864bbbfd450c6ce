//! Reading colours back from `tmux capture-pane -e`: each character with the foreground and
//! background it is drawn in, and WCAG contrast between them.
#![allow(dead_code, clippy::unwrap_used)]

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// One drawn character and its colours (None: the pane's default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub ch: char,
    pub fg: Option<Rgb>,
    pub bg: Option<Rgb>,
    pub reverse: bool,
}

/// xterm's palette for the 16 basic colours.
const BASIC: [Rgb; 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

fn indexed(i: u16) -> Rgb {
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
            let v = (8 + 10 * (i.min(255) - 232)) as u8;
            (v, v, v)
        }
    }
}

/// Every character of a `capture-pane -e` screen with its colours, row by row.
pub fn cells(screen: &str) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let (mut fg, mut bg, mut reverse) = (None, None, false);
    for line in screen.lines() {
        let mut row = Vec::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\x1b' {
                row.push(Cell {
                    ch: c,
                    fg,
                    bg,
                    reverse,
                });
                continue;
            }
            if chars.next_if_eq(&'[').is_none() {
                continue;
            }
            let mut params = String::new();
            let mut last = ' ';
            for p in chars.by_ref() {
                if p.is_ascii_digit() || p == ';' || p == ':' {
                    params.push(p);
                } else {
                    last = p;
                    break;
                }
            }
            if last != 'm' {
                continue;
            }
            let nums: Vec<u16> = params
                .split([';', ':'])
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            let mut i = 0;
            while i < nums.len() {
                match nums[i] {
                    0 => (fg, bg, reverse) = (None, None, false),
                    7 => reverse = true,
                    27 => reverse = false,
                    30..=37 => fg = Some(BASIC[(nums[i] - 30) as usize]),
                    90..=97 => fg = Some(BASIC[(nums[i] - 90 + 8) as usize]),
                    40..=47 => bg = Some(BASIC[(nums[i] - 40) as usize]),
                    100..=107 => bg = Some(BASIC[(nums[i] - 100 + 8) as usize]),
                    39 => fg = None,
                    49 => bg = None,
                    code @ (38 | 48) => {
                        let colour = match nums.get(i + 1) {
                            Some(2) if i + 4 < nums.len() => {
                                let c = (nums[i + 2] as u8, nums[i + 3] as u8, nums[i + 4] as u8);
                                i += 4;
                                Some(c)
                            }
                            Some(5) if i + 2 < nums.len() => {
                                let c = indexed(nums[i + 2]);
                                i += 2;
                                Some(c)
                            }
                            _ => None,
                        };
                        if code == 38 {
                            fg = colour.or(fg);
                        } else {
                            bg = colour.or(bg);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        rows.push(row);
    }
    rows
}

/// WCAG relative luminance.
pub fn luminance((r, g, b): Rgb) -> f64 {
    let ch = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
}

/// WCAG contrast ratio.
pub fn ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Text cells (not blanks, frame lines or image blocks) with their drawn colours and
/// contrast, given the pane's default colours.
pub fn text_contrast(screen: &str, default_fg: Rgb, default_bg: Rgb) -> Vec<(char, Rgb, Rgb, f64)> {
    cells(screen)
        .into_iter()
        .flatten()
        .filter(|c| !c.ch.is_whitespace() && !('\u{2500}'..='\u{259f}').contains(&c.ch))
        .map(|c| {
            let (mut fg, mut bg) = (c.fg.unwrap_or(default_fg), c.bg.unwrap_or(default_bg));
            if c.reverse {
                std::mem::swap(&mut fg, &mut bg);
            }
            (c.ch, fg, bg, ratio(fg, bg))
        })
        .collect()
}
