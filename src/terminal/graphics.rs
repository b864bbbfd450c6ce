//! Which image protocol a terminal can draw, decided from its answers to a probe (pure: the
//! bytes are read elsewhere). The probe asks for kitty graphics, the cell size in pixels,
//! the terminal's name and version (XTVERSION), its background colour (OSC 11) and, last,
//! the primary device attributes (DA1), which every terminal answers, so DA1 is the fence
//! that ends the probe.

/// The kitty graphics query (answered `OK` by terminals that draw kitty images).
const KITTY_QUERY: &str = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\";
/// The cell size in pixels (CSI 16 t), asked whenever the probe runs.
const CELL_QUERY: &str = "\x1b[16t";
/// The terminal's name and version (XTVERSION).
const VERSION_QUERY: &str = "\x1b[>0q";
/// The background colour (OSC 11).
const BACKGROUND_QUERY: &str = "\x1b]11;?\x1b\\";
/// Primary device attributes: every terminal answers, so it ends the probe.
const FENCE: &str = "\x1b[c";

/// What a probe asks besides the cell size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wants {
    /// Which graphics protocol the terminal draws (not asked when one is forced).
    pub graphics: bool,
    /// The background colour, for `theme = "auto"`.
    pub background: bool,
}

impl Wants {
    /// True when there is anything to ask at all.
    pub fn any(self) -> bool {
        self.graphics || self.background
    }
}

/// The probe to write for `wants`, in order: kitty graphics query, cell size, XTVERSION,
/// background colour, DA1 (the fence, always last). Inside tmux the kitty query goes only
/// through passthrough (`passthrough_probe`): tmux has no kitty graphics and would take the
/// bare query for a pane title.
pub fn probe_for(wants: Wants, around: &Surroundings) -> String {
    let mut out = String::new();
    if wants.graphics && !around.tmux {
        out.push_str(KITTY_QUERY);
    }
    out.push_str(CELL_QUERY);
    if wants.graphics {
        out.push_str(VERSION_QUERY);
    }
    if wants.background {
        out.push_str(BACKGROUND_QUERY);
    }
    out.push_str(FENCE);
    out
}

/// The part of the probe sent on to the outer terminal through tmux's passthrough (only
/// when `allow-passthrough` is on): kitty graphics query, the cell size (tmux 3.3 does not
/// answer it), XTVERSION, the background colour (when wanted: tmux 3.3 answers it only for a
/// pane with its own `window-style`) and a second DA1.
pub fn passthrough_probe(wants: Wants) -> String {
    let mut inner = String::new();
    inner.push_str(CELL_QUERY);
    if wants.graphics {
        inner.push_str(KITTY_QUERY);
        inner.push_str(VERSION_QUERY);
    }
    if wants.background {
        inner.push_str(BACKGROUND_QUERY);
    }
    inner.push_str(FENCE);
    format!("\x1bPtmux;{}\x1b\\", inner.replace('\x1b', "\x1b\x1b"))
}

/// kitty draws images through Unicode placeholders (which ratatui-image uses) from 0.28.
const KITTY_PLACEHOLDERS_SINCE: (u32, u32) = (0, 28);

/// What the terminal said, and the bytes that were no answer (typed keys, to replay).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// The kitty graphics query was answered OK.
    pub kitty_ok: bool,
    /// The XTVERSION name, e.g. `kitty(0.26.5)`, `WezTerm 20240203`, `foot(1.16.2)`.
    pub version: Option<String>,
    /// DA1 parameters of the first answer (`4` means sixel); `None` when DA1 never came.
    pub device_attributes: Option<Vec<u32>>,
    /// How many DA1 answers came (two when the outer terminal answered through tmux).
    pub fences: usize,
    /// Cell size in pixels (width, height).
    pub cell: Option<(u16, u16)>,
    /// The background colour (OSC 11), as 8-bit sRGB.
    pub background: Option<(u8, u8, u8)>,
    /// Bytes read that were not part of any answer, in order.
    pub typed: Vec<u8>,
}

/// Where the probe ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surroundings {
    /// Inside tmux (`TMUX` set).
    pub tmux: bool,
    /// tmux passes escape sequences on to the outer terminal (`allow-passthrough on`).
    pub passthrough: bool,
}

/// A protocol peel can draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Kitty,
    Sixel,
    Iterm2,
    Halfblocks,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Kitty => "kitty",
            Protocol::Sixel => "sixel",
            Protocol::Iterm2 => "iterm2",
            Protocol::Halfblocks => "halfblocks",
        }
    }
}

/// The protocol to use and why, e.g. `images: sixel (detected)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub protocol: Protocol,
    pub reason: String,
}

impl Decision {
    /// The line F1 and `peel doctor` show.
    pub fn line(&self) -> String {
        format!("images: {} ({})", self.protocol.as_str(), self.reason)
    }
}

/// Reads the answers out of `bytes`; everything else is kept, in order, as typed bytes.
pub fn parse(bytes: &[u8]) -> Answers {
    let mut answers = Answers::default();
    let mut i = 0;
    while i < bytes.len() {
        match answer_at(&bytes[i..]) {
            Some((len, answer)) => {
                answer.apply(&mut answers);
                i += len;
            }
            None => {
                answers.typed.push(bytes[i]);
                i += 1;
            }
        }
    }
    answers
}

/// Whether `bytes` hold the `fences` DA1 answers that end the probe.
pub fn has_fences(bytes: &[u8], fences: usize) -> bool {
    parse(bytes).fences >= fences
}

enum Answer {
    Kitty(bool),
    Version(String),
    DeviceAttributes(Vec<u32>),
    Cell(u16, u16),
    Background(Option<(u8, u8, u8)>),
}

impl Answer {
    fn apply(self, answers: &mut Answers) {
        match self {
            Answer::Kitty(ok) => answers.kitty_ok |= ok,
            // tmux names itself; the outer terminal's name (through passthrough) wins.
            Answer::Version(v) => {
                if !answers
                    .version
                    .as_deref()
                    .is_some_and(|v| v.starts_with("kitty("))
                {
                    answers.version = Some(v);
                }
            }
            Answer::DeviceAttributes(a) => {
                answers.fences += 1;
                answers.device_attributes.get_or_insert(a);
            }
            Answer::Cell(h, w) => answers.cell = Some((w, h)).filter(|(w, h)| *w > 0 && *h > 0),
            Answer::Background(rgb) => answers.background = answers.background.or(rgb),
        }
    }
}

/// The answer starting at the head of `bytes`, with its length.
fn answer_at(bytes: &[u8]) -> Option<(usize, Answer)> {
    if let Some(body) = bytes.strip_prefix(b"\x1b_G") {
        let end = find(body, b"\x1b\\")?;
        let text = String::from_utf8_lossy(&body[..end]);
        let ok = text.starts_with("i=31") && text.ends_with(";OK");
        return Some((3 + end + 2, Answer::Kitty(ok)));
    }
    if let Some(body) = bytes.strip_prefix(b"\x1bP>|") {
        let end = find(body, b"\x1b\\")?;
        let name = String::from_utf8_lossy(&body[..end]).into_owned();
        return Some((4 + end + 2, Answer::Version(name)));
    }
    if let Some(body) = bytes.strip_prefix(b"\x1b[?") {
        let end = body
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        if body[end] != b'c' {
            return None;
        }
        let params = numbers(&body[..end]);
        return Some((3 + end + 1, Answer::DeviceAttributes(params)));
    }
    if let Some(body) = bytes.strip_prefix(b"\x1b]11;") {
        // Ended by ST (ESC \\) or BEL.
        let end = body.iter().position(|b| *b == 0x07 || *b == 0x1b)?;
        let len = if body[end] == 0x07 {
            1
        } else if body.get(end + 1) == Some(&b'\\') {
            2
        } else if end + 1 == body.len() {
            return None;
        } else {
            1
        };
        let colour = parse_colour(&String::from_utf8_lossy(&body[..end]));
        return Some((5 + end + len, Answer::Background(colour)));
    }
    if let Some(body) = bytes.strip_prefix(b"\x1b[6;") {
        let end = body
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        if body[end] != b't' {
            return None;
        }
        if let [h, w] = numbers(&body[..end])[..] {
            return Some((4 + end + 1, Answer::Cell(h as u16, w as u16)));
        }
    }
    None
}

/// `rgb:RRRR/GGGG/BBBB` (1 to 4 hex digits a channel; `rgba:` too) as 8-bit channels.
fn parse_colour(text: &str) -> Option<(u8, u8, u8)> {
    let body = text
        .strip_prefix("rgb:")
        .or_else(|| text.strip_prefix("rgba:"))?;
    let mut channels = body.split('/').map(|part| {
        let digits = part.len();
        let value = u32::from_str_radix(part, 16).ok()?;
        if !(1..=4).contains(&digits) {
            return None;
        }
        let max = (1u32 << (4 * digits)) - 1;
        Some(((value * 255 + max / 2) / max) as u8)
    });
    Some((channels.next()??, channels.next()??, channels.next()??))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn numbers(text: &[u8]) -> Vec<u32> {
    String::from_utf8_lossy(text)
        .split(';')
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// `kitty(0.26.5)` → (0, 26).
fn kitty_version(name: &str) -> Option<(u32, u32)> {
    let inner = name.strip_prefix("kitty(")?.strip_suffix(')')?;
    let mut parts = inner.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// Picks the protocol from the terminal's answers.
pub fn decide(answers: &Answers, around: &Surroundings) -> Decision {
    let detected = |protocol: Protocol, why: &str| Decision {
        protocol,
        reason: why.to_string(),
    };
    let Some(attributes) = &answers.device_attributes else {
        return detected(
            Protocol::Halfblocks,
            "the terminal did not answer the graphics query; set --image-protocol or [tui] image_protocol",
        );
    };
    let name = answers.version.as_deref().unwrap_or_default();
    let sixel = attributes.contains(&4);
    // WezTerm and iTerm2 answer the kitty query but do not draw kitty's Unicode placeholders.
    for terminal in ["WezTerm", "iTerm2"] {
        if name.starts_with(terminal) && !around.tmux {
            return detected(Protocol::Iterm2, &format!("detected {terminal}"));
        }
    }
    if answers.kitty_ok && around.tmux {
        // Only an answer through passthrough reaches us; tmux itself has no kitty graphics.
        if kitty_version(name).is_some_and(|v| v >= KITTY_PLACEHOLDERS_SINCE) {
            return detected(Protocol::Kitty, "detected through tmux passthrough");
        }
    } else if answers.kitty_ok {
        match kitty_version(name) {
            Some(v) if v < KITTY_PLACEHOLDERS_SINCE => {
                let why = format!(
                    "{name} predates kitty 0.28, which the kitty protocol here needs; upgrade kitty for full images"
                );
                let protocol = if sixel {
                    Protocol::Sixel
                } else {
                    Protocol::Halfblocks
                };
                return detected(protocol, &why);
            }
            _ => return detected(Protocol::Kitty, "detected"),
        }
    }
    if sixel {
        return detected(Protocol::Sixel, "detected");
    }
    if around.tmux {
        return detected(
            Protocol::Halfblocks,
            if around.passthrough {
                "inside tmux; the outer terminal did not answer the kitty graphics query"
            } else {
                "inside tmux, which does not pass graphics on here; see the README's tmux note"
            },
        );
    }
    detected(
        Protocol::Halfblocks,
        "the terminal has no graphics protocol peel can use",
    )
}

#[cfg(test)]
#[path = "graphics_tests.rs"]
mod tests;
