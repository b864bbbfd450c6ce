//! Prompt advice: which lint fires on which prompt, and which stays quiet.

use super::*;

fn rules(prompt: &str) -> Vec<&'static str> {
    lint(&LintInput {
        prompt,
        ..Default::default()
    })
    .into_iter()
    .map(|n| n.rule)
    .collect()
}

fn fires(rule: &str, prompt: &str) {
    assert!(
        rules(prompt).contains(&rule),
        "{rule} should fire on {prompt:?}: {:?}",
        lint(&LintInput {
            prompt,
            ..Default::default()
        })
    );
}

fn quiet(rule: &str, prompt: &str) {
    assert!(
        !rules(prompt).contains(&rule),
        "{rule} must not fire on {prompt:?}: {:?}",
        lint(&LintInput {
            prompt,
            ..Default::default()
        })
    );
}

#[test]
fn too_short_fires_on_empty_and_one_word_only() {
    assert_eq!(rules(""), ["too-short"]);
    assert_eq!(rules("   \n "), ["too-short"]);
    assert_eq!(rules("fox"), ["too-short"]);
    assert_eq!(rules("  fox! "), ["too-short"]);
    quiet("too-short", "a fox");
    quiet("too-short", "A red fox in fresh snow, watercolor");
}

#[test]
fn quote_text_fires_on_unquoted_words_to_render() {
    fires(
        "quote-text",
        "a neon sign that says Open Late above the door",
    );
    fires("quote-text", "a bakery sign reading fresh bread daily");
    fires(
        "quote-text",
        "a poster with the text SUMMER SALE in bold red letters",
    );
    fires(
        "quote-text",
        "a vintage book titled The Quiet Garden on a desk",
    );
    fires("quote-text", "Text: grand opening");
    fires("quote-text", "a mug which reads World's Best Dad");
    let notes = lint(&LintInput {
        prompt: "a neon sign that says Open Late above the door",
        ..Default::default()
    });
    assert_eq!(notes[0].span, Some(17..46));
    assert!(
        notes[0]
            .message
            .contains("says \"Open Late above the door\""),
        "{}",
        notes[0].message
    );
}

#[test]
fn quote_text_stays_quiet_on_quoted_text_and_ordinary_prose() {
    quiet(
        "quote-text",
        "a neon sign that says \"Open Late\" above the door",
    );
    quiet(
        "quote-text",
        "a neon sign that says “Open Late” above the door",
    );
    quiet("quote-text", "a sign reading: 'OPEN'");
    quiet("quote-text", "a woman reading a book by the window");
    quiet("quote-text", "a poster of a man reading a newspaper");
    quiet("quote-text", "he says nothing, staring at the sea");
    quiet("quote-text", "a diagram labeled in French");
    quiet(
        "quote-text",
        "a book cover with the title and author name in gold",
    );
    quiet("quote-text", "a storefront with text overlays");
    quiet("quote-text", "a jar labelled with a red sticker");
    quiet("quote-text", "the sign. Reading the room, she smiles");
}

#[test]
fn long_text_fires_past_five_words_per_element() {
    fires(
        "long-text",
        "a banner that says \"Grand opening sale this weekend only\"",
    );
    fires("long-text", "a poster: “one two three four five six”");
    let notes = lint(&LintInput {
        prompt: "a banner that says \"Grand opening sale this weekend only\"",
        ..Default::default()
    });
    assert!(
        notes[0].message.contains("is 6 words"),
        "{}",
        notes[0].message
    );
    quiet(
        "long-text",
        "a banner that says \"Grand opening sale today\"",
    );
    quiet(
        "long-text",
        "a sign saying \"one two three four five\" and a mug saying \"six seven\"",
    );
    quiet(
        "long-text",
        "the dogs' bowls and the cats' toys are all over the kitchen floor today",
    );
    quiet(
        "long-text",
        "an \"unclosed quote with many many many many words in it",
    );
}

#[test]
fn ratio_in_prompt_fires_on_ratios_not_times() {
    fires("ratio-in-prompt", "a mountain lake at dawn, 16:9");
    fires("ratio-in-prompt", "cinematic 21:9 shot of a desert road");
    fires("ratio-in-prompt", "a poster in 7:3 format");
    fires("ratio-in-prompt", "a portrait with a tall aspect ratio");
    let notes = lint(&LintInput {
        prompt: "a mountain lake, 16:9 aspect ratio",
        ..Default::default()
    });
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].span, Some(17..21));
    quiet(
        "ratio-in-prompt",
        "a clock showing 3:30 pm over the station",
    );
    quiet("ratio-in-prompt", "the train leaves at 9:16 sharp");
    quiet("ratio-in-prompt", "a meeting at 4:15, office interior");
    quiet("ratio-in-prompt", "the timestamp 12:16:9 on a screen");
    quiet("ratio-in-prompt", "a scoreboard at 9:16 pm");
    quiet("ratio-in-prompt", "John 3:16 on a church banner");
    quiet("ratio-in-prompt", "version 1.16:9 of the file");
}

#[test]
fn size_in_prompt_fires_on_sizes_not_objects() {
    fires("size-in-prompt", "a red fox in snow, 4K");
    fires("size-in-prompt", "ultra detailed 8k render of a city");
    fires("size-in-prompt", "a wallpaper at 1920x1080");
    fires("size-in-prompt", "a wallpaper at 1920 x 1080");
    fires("size-in-prompt", "a wallpaper at 2048×2048");
    fires("size-in-prompt", "an icon, 512px");
    fires("size-in-prompt", "an icon, 512 pixels wide");
    fires("size-in-prompt", "a 1080p still of a beach");
    quiet("size-in-prompt", "a living room with a 4K TV on the wall");
    quiet("size-in-prompt", "runners finishing a 5K race");
    quiet("size-in-prompt", "a 2K run through the park");
    quiet("size-in-prompt", "a bakery with 1200 loaves and 300 cakes");
    quiet("size-in-prompt", "the year 1920 x the future");
    quiet("size-in-prompt", "K2 mountain at sunrise");
}

#[test]
fn length_fires_near_and_past_the_limit() {
    let long = "a fox ".repeat(20);
    let check = |limit| {
        lint(&LintInput {
            prompt: &long,
            char_limit: limit,
            ..Default::default()
        })
        .into_iter()
        .filter(|n| n.rule == "length")
        .map(|n| n.message)
        .collect::<Vec<_>>()
    };
    assert!(check(Some(100))[0].contains("past this model's limit of about 100"));
    assert!(check(Some(125))[0].contains("near"));
    assert!(check(Some(1000)).is_empty());
    assert!(check(None).is_empty());
    assert!(check(Some(0)).is_empty());
}

#[test]
fn anchors_named_but_not_in_shot_and_the_reverse() {
    let roster = vec!["Mira".to_string(), "Tom".to_string(), "Bolt".to_string()];
    let run = |prompt: &str, in_shot: &[&str]| {
        let in_shot: Vec<String> = in_shot.iter().map(|s| s.to_string()).collect();
        lint(&LintInput {
            prompt,
            char_limit: None,
            roster: &roster,
            in_shot: &in_shot,
        })
        .into_iter()
        .map(|n| {
            (
                n.rule,
                n.message
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect::<Vec<_>>()
    };
    assert_eq!(
        run("Mira and Tom share an umbrella", &["Mira"]),
        [("anchor-not-in-shot", "Tom".to_string())]
    );
    assert_eq!(
        run("a girl walks in the rain", &["Mira"]),
        [("anchor-not-named", "Mira".to_string())]
    );
    assert!(run("Mira's umbrella flips, Tom laughs", &["Mira", "Tom"]).is_empty());
    assert!(run("a lightning bolt over the sea", &[]).is_empty());
    assert!(run("mira walks in the rain", &["MIRA"]).is_empty());
    assert!(run("a city street at night", &[]).is_empty());
}

#[test]
fn ordinary_prompts_get_no_notes() {
    for prompt in [
        "A red fox in fresh snow, watercolor, soft morning light",
        "A ceramic coffee mug on a linen tablecloth, soft morning light, product photo",
        "Flat-lay of the mug with coffee beans and a notebook, top-down",
        "A café sign that says \"OPEN\" glowing at 3:30 am, rain on the window",
        "an old man reading the newspaper at 9:15 in a Paris café",
    ] {
        assert_eq!(rules(prompt), Vec::<&str>::new(), "{prompt}");
    }
}

#[test]
fn every_rule_id_is_listed() {
    let ids: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
    for id in [
        "quote-text",
        "long-text",
        "ratio-in-prompt",
        "size-in-prompt",
        "length",
        "anchor-not-in-shot",
        "anchor-not-named",
        "too-short",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
}
