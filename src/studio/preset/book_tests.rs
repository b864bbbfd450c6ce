//! Preset books: user and project presets, found and merged by name.

use super::*;

fn user() -> BTreeMap<String, SettingsLayer> {
    let config = Config::parse(
        "[presets.hero]\nmodel = \"nano-banana-pro\"\naspect = \"4:5\"\n\n[presets.draft]\nsize = \"512\"\n",
        Path::new("config.toml"),
    )
    .unwrap();
    config.presets
}

#[test]
fn project_presets_replace_user_presets_by_name() {
    let project = ProjectFile::parse(
        "[presets.hero]\naspect = \"16:9\"\n",
        Path::new("p/peel.toml"),
    )
    .unwrap();
    let book = PresetBook::from_parts(
        &user(),
        Path::new("config.toml"),
        Some((project, PathBuf::from("p/peel.toml"))),
    )
    .unwrap();
    let hero = book.require("hero").unwrap();
    assert_eq!(hero.source, PresetSource::Project);
    assert_eq!(hero.settings.aspect.as_deref(), Some("16:9"));
    assert_eq!(
        hero.settings.model, None,
        "a project preset replaces, not merges"
    );
    assert_eq!(book.shadowed("hero").unwrap().source, PresetSource::User);
    assert_eq!(book.require("draft").unwrap().source, PresetSource::User);
    assert_eq!(book.iter().count(), 2);
    assert_eq!(book.project_file(), Some(Path::new("p/peel.toml")));
}

#[test]
fn unknown_presets_list_the_available_ones() {
    let book = PresetBook::from_parts(&user(), Path::new("config.toml"), None).unwrap();
    let err = book.require("hreo").unwrap_err().to_string();
    assert!(err.contains("unknown preset 'hreo'"), "{err}");
    assert!(err.contains("draft (user), hero (user)"), "{err}");
    let empty = PresetBook::default().require("x").unwrap_err().to_string();
    assert!(empty.contains("No presets are defined"), "{empty}");
}

#[test]
fn project_file_is_found_in_ancestors_only() {
    let root = tempfile::tempdir().unwrap();
    let deep = root.path().join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(find_project_file(&deep), None);
    std::fs::write(root.path().join("a/peel.toml"), "").unwrap();
    assert_eq!(
        find_project_file(&deep),
        Some(root.path().join("a/peel.toml"))
    );
    std::fs::write(root.path().join("a/b/peel.toml"), "").unwrap();
    assert_eq!(
        find_project_file(&deep),
        Some(root.path().join("a/b/peel.toml"))
    );
    let config = Config::default();
    let book = PresetBook::load(&config, Path::new("c.toml"), Some(&deep)).unwrap();
    assert_eq!(
        book.project_file(),
        Some(root.path().join("a/b/peel.toml").as_path())
    );
}

#[test]
fn bad_project_files_name_file_and_key() {
    let err = ProjectFile::parse(
        "[presets.hero]\nratio = \"1:1\"\n",
        Path::new("x/peel.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("x/peel.toml") && err.contains("ratio"),
        "{err}"
    );
    let err = ProjectFile::parse("[defaults]\nsize = \"1K\"\n", Path::new("peel.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("defaults"), "{err}");
    let err = ProjectFile::parse(
        "[presets.hero]\nsafety = { image-hate = \"off\" }\n",
        Path::new("peel.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("Vertex AI only"), "{err}");
    let project = ProjectFile::parse(
        "[presets.\"my hero\"]\nsize = \"1K\"\n",
        Path::new("peel.toml"),
    )
    .unwrap();
    let err = PresetBook::from_parts(
        &BTreeMap::new(),
        Path::new("c"),
        Some((project, "peel.toml".into())),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("peel.toml") && err.contains("my hero"),
        "{err}"
    );
    let project = ProjectFile::parse(
        "[presets.r]\nseed_mode = \"random\"\nseed = 3\n",
        Path::new("peel.toml"),
    )
    .unwrap();
    let err = PresetBook::from_parts(
        &BTreeMap::new(),
        Path::new("c"),
        Some((project, "peel.toml".into())),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("[presets.r]") && err.contains("takes no seed"),
        "{err}"
    );
}

#[test]
fn presets_and_default_safety_parse_and_bad_values_are_named() {
    let text = "[defaults]\nseed_mode = \"fixed\"\nsafety = { harassment = \"block_only_high\" }\n\n[presets.product-hero]\naspect = \"4:5\"\nwith = [\"Mira\"]\n";
    let config = Config::parse(text, Path::new("c.toml")).unwrap();
    assert_eq!(
        config.defaults.seed_mode,
        Some(crate::settings::SeedMode::Fixed)
    );
    assert!(!config.defaults.safety.is_empty());
    assert_eq!(
        config.presets["product-hero"].aspect.as_deref(),
        Some("4:5")
    );
    let err = Config::parse(
        "[presets.x]\nsafety = { harassment = \"loud\" }\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("c.toml") && err.contains("'loud'"), "{err}");
    let err = Config::parse("[presets.x]\nmodle = \"pro\"\n", Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("modle"), "{err}");
}
