#![allow(clippy::unwrap_used)]

use clap::CommandFactory;

use super::*;
use crate::store::AnchorRecord;

fn line(words: &[&str]) -> TypedLine {
    TypedLine::from_args(["peel", "--"].iter().chain(words).map(|w| w.to_string()))
}

fn values(found: &[CompletionCandidate]) -> Vec<String> {
    found
        .iter()
        .map(|c| c.get_value().to_string_lossy().into_owned())
        .collect()
}

fn values_of(found: &[Candidate]) -> Vec<&str> {
    found.iter().map(|c| c.value.as_str()).collect()
}

/// A config and data directory of their own.
fn local(root: &std::path::Path) -> Local {
    let env = Env {
        config_dir: Some(root.join("config")),
        data_dir: Some(root.join("data")),
        state_dir: Some(root.join("state")),
        cwd: Some(root.to_path_buf()),
        ..Env::default()
    };
    Local::new(env, None)
}

#[test]
fn the_typed_line_is_what_follows_the_escape() {
    let typed = line(&["peel", "generate", "--model", "pro", "--aspect", ""]);
    assert_eq!(typed.words[0], "peel");
    assert_eq!(typed.value_of("model", Some('m')), Some("pro"));
    assert_eq!(TypedLine::from_args(["peel".to_string()]).words.len(), 0);
}

#[test]
fn a_flag_value_is_read_in_every_spelling_and_the_last_wins() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["peel", "generate", "--model=a"], Some("a")),
        (&["peel", "generate", "-m", "b"], Some("b")),
        (&["peel", "generate", "-mc"], Some("c")),
        (&["peel", "generate", "-m", "b", "--model", "d"], Some("d")),
        (&["peel", "generate", "--", "--model", "e"], None),
        (&["peel", "generate", "--size", "2K"], None),
        (&["peel", "--model"], None),
    ];
    for (words, want) in cases {
        assert_eq!(line(words).value_of("model", Some('m')), *want, "{words:?}");
    }
    let typed = line(&["peel", "--config", "/tmp/x.toml", "preset", "show", ""]);
    assert_eq!(typed.value_of("config", None), Some("/tmp/x.toml"));
}

#[test]
fn models_are_every_registry_id_then_every_alias() {
    let registry = Registry::shipped().unwrap();
    let found = models(&registry);
    let mut want: Vec<&str> = registry.models.keys().map(String::as_str).collect();
    for spec in registry.models.values() {
        want.extend(spec.aliases.iter().map(String::as_str));
    }
    assert_eq!(values_of(&found), want);
    assert!(
        !registry
            .text_models
            .keys()
            .any(|t| values_of(&found).contains(&t.as_str()))
    );
    let first = &found[0];
    assert_eq!(
        first.help.as_deref(),
        Some(registry.models[&first.value].display_name.as_str())
    );
}

#[test]
fn ratios_follow_the_named_model_or_cover_every_model() {
    let registry = Registry::shipped().unwrap();
    for spec in registry.models.values() {
        for name in std::iter::once(&spec.id).chain(&spec.aliases) {
            let found = ratios(&registry, Some(name));
            assert_eq!(values_of(&found), spec.aspect_ratios, "ratios of {name}");
            assert!(
                found
                    .iter()
                    .all(|c| c.help.as_deref().unwrap().contains('×'))
            );
        }
    }
    let any = ratios(&registry, None);
    let any_values = values_of(&any);
    for spec in registry.models.values() {
        assert!(
            spec.aspect_ratios
                .iter()
                .all(|r| any_values.contains(&r.as_str()))
        );
    }
    // A ratio some model lacks names the shorter list: the models that take it, or the
    // ones that do not; one all take says nothing.
    for c in &any {
        let takers = registry.models_allowing_ratio(&c.value);
        let others: Vec<&String> = registry
            .models
            .keys()
            .filter(|id| !takers.contains(&id.as_str()))
            .collect();
        if others.is_empty() {
            assert_eq!(c.help, None, "{}", c.value);
            continue;
        }
        let help = c.help.as_deref().unwrap();
        let (word, named): (&str, Vec<&str>) = if takers.len() <= others.len() {
            ("only ", takers.clone())
        } else {
            ("not ", others.iter().map(|id| id.as_str()).collect())
        };
        assert!(help.starts_with(word), "{}: {help}", c.value);
        assert!(
            named.iter().any(|t| help.contains(t)),
            "{}: {help}",
            c.value
        );
        if !help.ends_with('…') {
            assert!(
                named.iter().all(|t| help.contains(t)),
                "{}: {help}",
                c.value
            );
        }
    }
    // An unknown or half-typed model falls back to every model's ratios.
    assert_eq!(values_of(&ratios(&registry, Some("nano-ban"))), any_values);
}

#[test]
fn sizes_follow_the_named_model_and_leave_out_fixed_size_labels() {
    let registry = Registry::shipped().unwrap();
    let any = sizes(&registry, None);
    for spec in registry.models.values() {
        let own = sizes(&registry, Some(&spec.id));
        if spec.fixed_size {
            assert_eq!(values_of(&own), [spec.default_size.as_str()]);
            assert!(!values_of(&any).contains(&spec.default_size.as_str()));
        } else {
            let names: Vec<&str> = spec.sizes.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(values_of(&own), names);
            assert!(names.iter().all(|n| values_of(&any).contains(n)));
        }
    }
}

#[test]
fn a_list_completes_its_last_name_and_skips_the_ones_given() {
    let all = vec![
        Candidate::new("Mira", "character"),
        Candidate::new("Milo", "character"),
        Candidate::new("Red-Mug", "object"),
    ];
    assert_eq!(values(&listed("Mi", all.clone())), ["Mira", "Milo"]);
    assert_eq!(
        values(&listed("Mira,", all.clone())),
        ["Mira,Milo", "Mira,Red-Mug"]
    );
    assert_eq!(
        values(&listed("mira,Red-Mug,M", all)),
        ["mira,Red-Mug,Milo"]
    );
}

#[test]
fn every_argument_that_names_something_gets_a_completer() {
    let cmd = attach(crate::cli::Cli::command());
    let mut seen = Vec::new();
    fn walk(cmd: &Command, path: &mut Vec<String>, seen: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let here: Vec<&str> = path.iter().map(String::as_str).collect();
            let names_something = ["model", "aspect", "size", "preset", "with"].contains(&id);
            let has = arg.get::<ArgValueCompleter>().is_some();
            assert_eq!(
                has,
                kind_of(&here, id).is_some(),
                "peel {} {id}",
                path.join(" ")
            );
            assert!(
                has || !names_something,
                "peel {} --{id} completes nothing",
                path.join(" ")
            );
            if has {
                seen.push(format!("{} {id}", path.join(" ")));
            }
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_string());
            walk(sub, path, seen);
            path.pop();
        }
    }
    walk(&cmd, &mut Vec::new(), &mut seen);
    for want in [
        "generate model",
        "edit target",
        "edit aspect",
        "preset save from",
        "preset show name",
        "roster rm name",
        "session show id",
        "batch resume run",
        "batch promote size",
        "check with",
        " theme",
    ] {
        assert!(
            seen.iter().any(|s| s.trim() == want.trim()),
            "{want}: {seen:?}"
        );
    }
}

#[test]
fn store_values_come_from_the_store_and_no_store_is_made_for_them() {
    let root = tempfile::tempdir().unwrap();
    let local = local(root.path());
    assert!(local.anchors().is_empty() && local.sessions().is_empty());
    assert!(
        !root.path().join("data").exists(),
        "completing made a data dir"
    );

    let store = Store::open(&local.paths.store_file()).unwrap();
    store
        .insert_anchor(&AnchorRecord {
            name: "Mira".into(),
            kind: "character".into(),
            description: "orange puffer jacket".into(),
            refs: Vec::new(),
            pinned: false,
        })
        .unwrap();
    let session = store
        .create_session("a lighthouse at dusk", "gemini-3-pro-image")
        .unwrap();
    let typed = line(&["peel", "session", "show", ""]);
    let found = candidates(Kind::Session, "", &typed, &local);
    assert_eq!(values(&found), [session]);
    assert_eq!(
        found[0].get_help().map(|h| h.to_string()),
        Some("a lighthouse at dusk".into())
    );
    let anchors = candidates(Kind::Anchor, "M", &typed, &local);
    assert_eq!(values(&anchors), ["Mira"]);
    assert_eq!(
        anchors[0].get_help().map(|h| h.to_string()),
        Some("character: orange puffer jacket".into())
    );
    assert!(candidates(Kind::Anchor, "X", &typed, &local).is_empty());
}

#[test]
fn presets_and_themes_come_from_the_config_dir() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("config/themes")).unwrap();
    std::fs::write(
        root.path().join("config/config.toml"),
        "[presets.poster]\nmodel = \"gemini-3-pro-image\"\naspect = \"2:3\"\n",
    )
    .unwrap();
    std::fs::write(
        root.path().join("peel.toml"),
        "[presets.banner]\naspect = \"21:9\"\n",
    )
    .unwrap();
    std::fs::write(root.path().join("config/themes/dusk.toml"), "").unwrap();
    let local = local(root.path());
    let typed = line(&["peel", "generate", "x", "--preset", ""]);
    let presets = candidates(Kind::Preset, "", &typed, &local);
    assert_eq!(values(&presets), ["banner", "poster"]);
    let themes = values(&candidates(Kind::Theme, "", &typed, &local));
    let mut want: Vec<String> = crate::terminal::theme::SHIPPED
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    want.push("dusk".into());
    assert_eq!(themes, want);
}

#[test]
fn a_users_models_toml_adds_its_models() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("config")).unwrap();
    let shipped = Registry::shipped().unwrap();
    let spec = shipped.default_spec();
    let mut extra = toml::Table::new();
    let mut entry = toml::Value::try_from(spec).unwrap();
    let table = entry.as_table_mut().unwrap();
    table.remove("id");
    table.remove("base_pixels");
    table.insert(
        "aliases".into(),
        toml::Value::Array(vec!["house-model".into()]),
    );
    let mut models = toml::Table::new();
    models.insert("my-tuned-image".into(), entry);
    extra.insert("models".into(), toml::Value::Table(models));
    std::fs::write(root.path().join("config/models.toml"), extra.to_string()).unwrap();
    let local = local(root.path());
    let typed = line(&["peel", "generate", "x", "--model", ""]);
    let found = values(&candidates(Kind::Model, "", &typed, &local));
    assert!(found.contains(&"my-tuned-image".to_string()), "{found:?}");
    assert!(found.contains(&"house-model".to_string()), "{found:?}");
    assert_eq!(
        values(&candidates(Kind::Model, "my-", &typed, &local)),
        ["my-tuned-image"]
    );
}

#[test]
fn attaching_completers_keeps_every_command_as_it_was() {
    fn shape(cmd: &Command, path: &str, out: &mut Vec<String>) {
        let ids: Vec<&str> = cmd.get_arguments().map(|a| a.get_id().as_str()).collect();
        out.push(format!("{path}: {}", ids.join(" ")));
        for sub in cmd.get_subcommands() {
            shape(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let (mut plain, mut attached) = (Vec::new(), Vec::new());
    shape(&crate::cli::Cli::command(), "peel", &mut plain);
    shape(&attach(crate::cli::Cli::command()), "peel", &mut attached);
    assert_eq!(plain, attached);
    let mut plain = crate::cli::Cli::command();
    let mut attached = attach(crate::cli::Cli::command());
    plain.build();
    attached.build();
    let edit = |cmd: &mut Command| {
        cmd.find_subcommand_mut("edit")
            .expect("edit")
            .render_usage()
            .to_string()
    };
    assert_eq!(edit(&mut plain), edit(&mut attached));
}
