//! `peel view`: images and contact sheets printed without the TUI.

mod batch_support;

use batch_support::*;

#[test]
fn prints_a_file_and_a_contact_sheet_of_a_folder() {
    let home = Home::new();
    let dir = home.path("imgs");
    std::fs::create_dir_all(&dir).unwrap();
    for n in 0..6 {
        image::RgbImage::from_pixel(300, 200, image::Rgb([40 * n as u8, 90, 200]))
            .save(dir.join(format!("{n:03}_x.png")))
            .unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    let one = home.run(&[
        "view",
        dir.join("000_x.png").to_str().unwrap(),
        "--width",
        "30",
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    let text = stdout(&one);
    assert!(
        text.contains("000_x.png") && text.contains("\u{1b}["),
        "colour blocks expected"
    );
    let sheet = home.run(&[
        "view",
        dir.to_str().unwrap(),
        "--columns",
        "4",
        "--width",
        "60",
    ]);
    assert!(sheet.status.success(), "{}", stderr(&sheet));
    let text = stdout(&sheet);
    assert!(
        text.contains("row 1: 000_x.png  001_x.png  002_x.png  003_x.png"),
        "{text}"
    );
    assert!(text.contains("row 2: 004_x.png  005_x.png"), "{text}");
    assert!(!text.contains("notes.txt"));
    let cached = walk(&home.path("data/thumbs"));
    assert_eq!(cached, 6, "one cached thumbnail per image");
    let bad = home.run(&["view", dir.join("notes.txt").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("neither an image"),
        "{}",
        stderr(&bad)
    );
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn review_without_a_terminal_exits_2_with_the_workbench_s_message_and_draws_nothing() {
    let home = Home::new();
    let dir = home.path("imgs");
    std::fs::create_dir_all(&dir).unwrap();
    image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
        .save(dir.join("a.png"))
        .unwrap();
    let out = home.run(&["review", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs an interactive terminal"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("peel review"),
        "scripts are not sent to review: {}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "no escape sequences written");
}
