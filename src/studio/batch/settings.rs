//! An item's settings stacked from five layers, highest first: the item's own fields, the
//! item's preset, the file's `[defaults]`, the preset `[defaults]` names, the config's
//! `[defaults]`. Each setting remembers the layer that supplied it, so a refusal can point
//! at the line that set it. Registry checks happen later, in `validate`.

use std::collections::BTreeMap;

use super::file::RawItem;
use crate::settings::{Field, SettingTexts, SettingsLayer};
use crate::studio::preset::PresetBook;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The item's own field.
    Item,
    /// The preset the item names.
    ItemPreset(String),
    /// The file's `[defaults]`.
    Defaults,
    /// The preset the file's `[defaults]` names.
    DefaultsPreset(String),
    /// The config's `[defaults]` (or nothing: the registry's default).
    Config,
}

/// A setting that cannot be used as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingIssue {
    /// The field at fault (`preset`, `grounding`).
    pub field: &'static str,
    /// Whose field it is.
    pub source: Source,
    /// What is wrong and what to do.
    pub message: String,
}

/// The layers every item of a file shares.
#[derive(Debug, Clone)]
pub struct SharedLayers {
    defaults: SettingsLayer,
    defaults_preset: Option<(String, SettingsLayer)>,
    config: SettingsLayer,
}

impl SharedLayers {
    /// The file's `[defaults]` and its preset over the config's `[defaults]`; an unknown
    /// preset or bad value is reported once, and left out.
    pub fn new(
        defaults: &RawItem,
        presets: &PresetBook,
        config: SettingsLayer,
    ) -> (Self, Vec<SettingIssue>) {
        let mut issues = Vec::new();
        let layer = raw_layer(defaults, Source::Defaults, &mut issues);
        let defaults_preset =
            preset_layer(&defaults.preset, presets, Source::Defaults, &mut issues);
        let shared = Self {
            defaults: layer,
            defaults_preset,
            config,
        };
        (shared, issues)
    }
}

/// One item's settings, stacked, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemSettings {
    /// The settings in force.
    pub settings: SettingsLayer,
    /// The preset in force: the item's, else the one the file's `[defaults]` names.
    pub preset: Option<String>,
    sources: BTreeMap<Field, Source>,
}

impl ItemSettings {
    /// The layer that supplied `field` (`Config` when no layer of the file did).
    pub fn source(&self, field: Field) -> Source {
        self.sources.get(&field).cloned().unwrap_or(Source::Config)
    }
}

/// Stacks `item` over `shared`, resolving the item's preset in `presets`. Problems are
/// returned beside the settings; the faulty value is left out of the stack.
pub fn resolve(
    item: &RawItem,
    shared: &SharedLayers,
    presets: &PresetBook,
) -> (ItemSettings, Vec<SettingIssue>) {
    let mut issues = Vec::new();
    let own = raw_layer(item, Source::Item, &mut issues);
    let item_preset = preset_layer(&item.preset, presets, Source::Item, &mut issues);
    let empty = SettingsLayer::default();
    let layers: [(Source, &SettingsLayer); 5] = [
        (Source::Item, &own),
        match &item_preset {
            Some((name, layer)) => (Source::ItemPreset(name.clone()), layer),
            None => (Source::Item, &empty),
        },
        (Source::Defaults, &shared.defaults),
        match &shared.defaults_preset {
            Some((name, layer)) => (Source::DefaultsPreset(name.clone()), layer),
            None => (Source::Defaults, &empty),
        },
        (Source::Config, &shared.config),
    ];
    let sources = Field::ALL
        .into_iter()
        .filter_map(|field| {
            let (source, _) = layers.iter().find(|(_, layer)| layer.sets(field))?;
            Some((field, source.clone()))
        })
        .collect();
    let stacked: Vec<&SettingsLayer> = layers.iter().map(|(_, layer)| *layer).collect();
    let preset = item_preset
        .as_ref()
        .or(shared.defaults_preset.as_ref())
        .map(|(name, _)| name.clone());
    let settings = ItemSettings {
        settings: SettingsLayer::stack(&stacked),
        preset,
        sources,
    };
    (settings, issues)
}

fn raw_layer(fields: &RawItem, source: Source, issues: &mut Vec<SettingIssue>) -> SettingsLayer {
    let (layer, refused) = SettingTexts::from(fields).to_layer_each();
    issues.extend(refused.into_iter().map(|(field, error)| SettingIssue {
        field: field.as_str(),
        source: source.clone(),
        message: error.to_string(),
    }));
    layer
}

/// The preset `name` names, or an issue on the `preset` field of `source` listing the
/// presets there are.
fn preset_layer(
    name: &Option<String>,
    presets: &PresetBook,
    source: Source,
    issues: &mut Vec<SettingIssue>,
) -> Option<(String, SettingsLayer)> {
    let name = name.as_deref()?;
    match presets.require(name) {
        Ok(preset) => Some((preset.name.clone(), preset.settings.clone())),
        Err(e) => {
            issues.push(SettingIssue {
                field: "preset",
                source,
                message: e.to_string(),
            });
            None
        }
    }
}
