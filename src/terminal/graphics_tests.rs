//! The protocol decision from recorded terminal answers.

use super::*;

const KITTY_OK: &str = "\x1b_Gi=31;OK\x1b\\";
const CELL: &str = "\x1b[6;20;10t";

fn answers(parts: &[&str]) -> Answers {
    parse(parts.concat().as_bytes())
}

fn outside() -> Surroundings {
    Surroundings::default()
}

fn version(name: &str) -> String {
    format!("\x1bP>|{name}\x1b\\")
}

#[test]
fn kitty_from_0_28_gets_kitty() {
    let a = answers(&[KITTY_OK, CELL, &version("kitty(0.35.2)"), "\x1b[?62;c"]);
    assert_eq!(a.cell, Some((10, 20)));
    let d = decide(&a, &outside());
    assert_eq!(d.protocol, Protocol::Kitty);
    assert_eq!(d.line(), "images: kitty (detected)");
}

#[test]
fn kitty_before_0_28_never_gets_placeholders() {
    let a = answers(&[KITTY_OK, CELL, &version("kitty(0.26.5)"), "\x1b[?62;c"]);
    let d = decide(&a, &outside());
    assert_eq!(d.protocol, Protocol::Halfblocks);
    assert!(
        d.reason.contains("kitty(0.26.5) predates kitty 0.28"),
        "{}",
        d.reason
    );
}

#[test]
fn wezterm_gets_iterm2() {
    let a = answers(&[
        KITTY_OK,
        &version("WezTerm 20240203-110809"),
        "\x1b[?65;4;6;18;22c",
    ]);
    assert_eq!(decide(&a, &outside()).protocol, Protocol::Iterm2);
    let iterm = answers(&[KITTY_OK, &version("iTerm2 3.5.4"), "\x1b[?62;4c"]);
    assert_eq!(
        decide(&iterm, &outside()).line(),
        "images: iterm2 (detected iTerm2)"
    );
}

#[test]
fn foot_and_sixel_xterm_get_sixel_and_plain_xterm_halfblocks() {
    let foot = answers(&[&version("foot(1.16.2)"), "\x1b[?62;4;22c"]);
    assert_eq!(decide(&foot, &outside()).line(), "images: sixel (detected)");
    let vt340 = answers(&[&version("XTerm(379)"), "\x1b[?63;1;2;4;6;9;15;22c"]);
    assert_eq!(decide(&vt340, &outside()).protocol, Protocol::Sixel);
    let plain = answers(&[&version("XTerm(379)"), "\x1b[?64;1;2;6;9;15;18;21;22c"]);
    let d = decide(&plain, &outside());
    assert_eq!(d.protocol, Protocol::Halfblocks);
    assert!(d.reason.contains("no graphics protocol"), "{}", d.reason);
}

#[test]
fn no_answer_is_halfblocks_with_what_to_do() {
    let d = decide(&Answers::default(), &outside());
    assert_eq!(
        d.line(),
        "images: halfblocks (the terminal did not answer the graphics query; set --image-protocol or [tui] image_protocol)"
    );
}

#[test]
fn inside_tmux_only_what_tmux_carries_is_used() {
    let tmux = Surroundings {
        tmux: true,
        passthrough: false,
    };
    let plain = answers(&[&version("tmux 3.3a"), "\x1b[?1;2c"]);
    let d = decide(&plain, &tmux);
    assert_eq!(d.protocol, Protocol::Halfblocks);
    assert!(d.reason.contains("tmux"), "{}", d.reason);
    let with_sixel = answers(&[&version("tmux 3.4"), "\x1b[?1;2;4c"]);
    assert_eq!(decide(&with_sixel, &tmux).protocol, Protocol::Sixel);
}

#[test]
fn typed_keys_between_answers_are_kept_in_order() {
    let a = parse(format!("he{KITTY_OK}llo{CELL} wo\x1b[?62;4crld").as_bytes());
    assert_eq!(a.typed, b"hello world");
    assert!(a.kitty_ok);
    assert_eq!(a.device_attributes, Some(vec![62, 4]));
    assert!(has_fences(b"x\x1b[?1;2c", 1));
    assert!(
        !has_fences(b"\x1b[?1;2", 1),
        "half an answer is not the fence"
    );
    assert!(!has_fences(b"\x1b[?1;2c", 2));
}

#[test]
fn through_tmux_passthrough_only_a_modern_kitty_gets_kitty() {
    let around = Surroundings {
        tmux: true,
        passthrough: true,
    };
    // tmux answers first (its name, its DA1), then the outer terminal through passthrough.
    let tmux_first = [&version("tmux 3.3a"), "\x1b[?1;2c"].concat();
    let modern = answers(&[
        &tmux_first,
        KITTY_OK,
        &version("kitty(0.35.2)"),
        "\x1b[?62;c",
    ]);
    assert_eq!(modern.fences, 2);
    assert_eq!(
        modern.device_attributes,
        Some(vec![1, 2]),
        "tmux's own DA1 counts"
    );
    assert_eq!(
        decide(&modern, &around).line(),
        "images: kitty (detected through tmux passthrough)"
    );
    let old = answers(&[
        &tmux_first,
        KITTY_OK,
        &version("kitty(0.26.5)"),
        "\x1b[?62;c",
    ]);
    assert_eq!(decide(&old, &around).protocol, Protocol::Halfblocks);
    let silent = answers(&[&tmux_first]);
    assert!(
        decide(&silent, &around)
            .reason
            .contains("did not answer the kitty")
    );
    let both = Wants {
        graphics: true,
        background: true,
    };
    let through = passthrough_probe(both);
    assert!(
        through.starts_with("\x1bPtmux;\x1b\x1b[16t\x1b\x1b_Gi=31"),
        "{through:?}"
    );
    assert!(through.contains("\x1b\x1b]11;?"), "{through:?}");
    // Inside tmux the bare kitty query is not sent: tmux would take it for a pane title.
    assert!(!probe_for(both, &around).contains("_Gi=31"));
}

#[test]
fn the_background_answer_is_read_in_every_form_terminals_send() {
    // xterm and kitty end with ST and send four hex digits a channel; tmux ends with BEL.
    let xterm = answers(&["\x1b]11;rgb:ffff/ffff/ffff\x1b\\", "\x1b[?64;1c"]);
    assert_eq!(xterm.background, Some((255, 255, 255)));
    let tmux = answers(&["\x1b]11;rgb:1e1e/1e1e/1e1e\x07", "\x1b[?1;2c"]);
    assert_eq!(tmux.background, Some((0x1e, 0x1e, 0x1e)));
    let short = answers(&["\x1b]11;rgb:f/0/8\x1b\\"]);
    assert_eq!(short.background, Some((255, 0, 136)));
    let two = answers(&["\x1b]11;rgba:fd/f6/e3/ff\x1b\\"]);
    assert_eq!(two.background, Some((0xfd, 0xf6, 0xe3)));
    // A colour peel cannot read is no answer, and keys around it are kept.
    let odd = answers(&["a\x1b]11;cmyk:0/0/0/0\x07b", "\x1b[?1c"]);
    assert_eq!(odd.background, None);
    assert_eq!(odd.typed, b"ab");
    assert_eq!(odd.fences, 1);
}

#[test]
fn the_probe_asks_only_what_is_wanted_and_always_ends_with_da1() {
    let outside = Surroundings::default();
    let both = probe_for(
        Wants {
            graphics: true,
            background: true,
        },
        &outside,
    );
    assert!(both.starts_with("\x1b_Gi=31"), "{both:?}");
    assert!(both.contains("\x1b[16t") && both.contains("\x1b[>0q"));
    assert!(both.ends_with("\x1b]11;?\x1b\\\x1b[c"), "{both:?}");
    let forced = probe_for(
        Wants {
            graphics: false,
            background: true,
        },
        &outside,
    );
    assert_eq!(forced, "\x1b[16t\x1b]11;?\x1b\\\x1b[c");
    let named = probe_for(
        Wants {
            graphics: true,
            background: false,
        },
        &outside,
    );
    assert!(!named.contains("]11;"), "{named:?}");
    assert!(
        !Wants {
            graphics: false,
            background: false
        }
        .any()
    );
}
