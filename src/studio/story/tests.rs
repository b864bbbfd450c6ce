//! Story files: frames in order, each carrying the one before; refusals at their frame.

use std::path::PathBuf;

use crate::config::DefaultsSection;
use crate::models::Registry;
use crate::studio::batch::Checks;
use crate::studio::preset::PresetBook;
use crate::studio::roster::{Anchor, AnchorKind};

fn anchor(name: &str, refs: usize) -> Anchor {
    Anchor {
        id: 1,
        name: name.into(),
        kind: AnchorKind::Character,
        description: "red scarf".into(),
        refs: (0..refs)
            .map(|i| PathBuf::from(format!("/r/{i}.png")))
            .collect(),
        pinned: false,
    }
}

fn load(text: &str, roster: &[Anchor]) -> Result<crate::studio::batch::Batch, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heist.toml");
    std::fs::write(&path, text).unwrap();
    let registry = Registry::shipped().unwrap();
    let config = DefaultsSection::default();
    let presets = PresetBook::default();
    let checks = Checks {
        registry: &registry,
        config: &config,
        presets: &presets,
        anchors: Some(roster),
    };
    super::load(&path, &checks).map_err(|e| e.to_string())
}

#[test]
fn frames_keep_their_order_and_each_carries_the_one_before() {
    let story = load(
        "[defaults]\nwith = [\"Mira\"]\nsize = \"1K\"\n\n[[frame]]\nkey = \"door\"\nprompt = \"Mira at the door\"\n\n[[frame]]\nprompt = \"Mira opens the vault\"\n\n[[frame]]\nkey = \"run\"\nprompt = \"Mira runs\"\naspect = \"16:9\"\n",
        &[anchor("Mira", 2)],
    )
    .unwrap();
    let shape: Vec<(usize, &str, Option<usize>)> = story
        .items
        .iter()
        .map(|i| (i.index, i.key.as_str(), i.follows))
        .collect();
    assert_eq!(shape[0], (1, "door", None));
    assert_eq!(shape[1].0, 2);
    assert_eq!(shape[1].2, Some(1));
    assert_eq!(shape[2], (3, "run", Some(2)));
    assert!(story.items.iter().all(|i| i.with == vec!["Mira"]));
    assert_eq!(story.items[2].aspect.as_deref(), Some("16:9"));
}

#[test]
fn an_unknown_anchor_is_refused_at_its_frame_and_line() {
    let err = load(
        "[[frame]]\nprompt = \"one\"\n\n[[frame]]\nprompt = \"two\"\nwith = [\"Nobody\"]\n",
        &[anchor("Mira", 1)],
    )
    .unwrap_err();
    assert!(err.contains("heist.toml:6: frame 2"), "{err}");
    assert!(err.contains("no anchor is named 'Nobody'"), "{err}");
}

#[test]
fn an_empty_story_and_batch_tables_are_refused() {
    let err = load("[defaults]\nsize = \"1K\"\n", &[]).unwrap_err();
    assert!(err.contains("the story has no frames"), "{err}");
    let err = load("[[frame]]\nprompt = \"a\"\n[[item]]\nprompt = \"b\"\n", &[]).unwrap_err();
    assert!(
        err.contains("heist.toml:3:") && err.contains("[[frame]]"),
        "{err}"
    );
}

#[test]
fn the_previous_frame_counts_against_the_image_budget() {
    // Nano Banana 2.1 takes 14 images: 14 anchor images fit frame 1, not frame 2.
    let err = load(
        "[defaults]\nmodel = \"nano-banana-2.1\"\nwith = [\"Mira\"]\n[[frame]]\nprompt = \"one\"\n[[frame]]\nprompt = \"two\"\n",
        &[anchor("Mira", 14)],
    )
    .unwrap_err();
    assert!(err.contains("heist.toml:6: frame 2"), "{err}");
    assert!(err.contains("with the previous frame"), "{err}");
    assert!(!err.contains("frame 1"), "frame 1 fits: {err}");
}
