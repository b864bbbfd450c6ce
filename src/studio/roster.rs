//! The roster: named characters and objects kept consistent across shots, each with
//! visual identifiers and reference images, stored in SQLite.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::models::ModelSpec;
use crate::store::{AnchorRecord, AnchorRow, AnchorWriteError, Store, StoreError};

/// Most characters a roster keeps (the largest character cap of any model).
pub const MAX_CHARACTERS: usize = 5;

/// Longest anchor name accepted.
pub const MAX_NAME_CHARS: usize = 40;

/// What an anchor stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnchorKind {
    /// A person or creature whose identity must hold.
    Character,
    /// A thing (product, prop, logo) whose look must hold.
    Object,
}

impl AnchorKind {
    /// "character" or "object".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Character => "character",
            Self::Object => "object",
        }
    }

    /// Parses "character" or "object" (also "char", "obj").
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "character" | "char" | "c" => Some(Self::Character),
            "object" | "obj" | "o" => Some(Self::Object),
            _ => None,
        }
    }
}

impl fmt::Display for AnchorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One roster entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anchor {
    /// Row id.
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Character or object.
    pub kind: AnchorKind,
    /// Visual identifiers in words ("red scarf, freckles, short grey hair").
    pub description: String,
    /// Reference image files.
    pub refs: Vec<PathBuf>,
    /// Pinned in shot by the user: in every shot, named or not. An unpinned anchor is in
    /// shot where the prompt names it (`shot::in_shot`).
    pub pinned: bool,
}

/// Fields to change on an anchor; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnchorChanges {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<AnchorKind>,
    /// New description.
    pub description: Option<String>,
    /// New reference list.
    pub refs: Option<Vec<PathBuf>>,
}

/// Why a roster change was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RosterError {
    /// A sixth character.
    #[error(
        "the roster already has {limit} characters, the most it keeps; remove one, or add '{name}' as an object"
    )]
    TooManyCharacters { name: String, limit: usize },
    /// The name is taken.
    #[error("an anchor named '{0}' already exists; pick another name or edit that one")]
    DuplicateName(String),
    /// No anchor has this name.
    #[error("no anchor is named '{0}'")]
    NotFound(String),
    /// The name is empty or too long.
    #[error("an anchor needs a name of 1 to {MAX_NAME_CHARS} characters")]
    BadName,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The roster over a store.
#[derive(Debug, Clone)]
pub struct Roster {
    store: Store,
}

impl Roster {
    /// A roster kept in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Every anchor, oldest first.
    pub fn list(&self) -> Result<Vec<Anchor>, RosterError> {
        Ok(self.store.anchors()?.into_iter().map(from_row).collect())
    }

    /// One anchor by name, ignoring case.
    pub fn get(&self, name: &str) -> Result<Option<Anchor>, RosterError> {
        Ok(self.store.anchor(name.trim())?.map(from_row))
    }

    /// Adds an anchor, unpinned (in shot where a prompt names it); a sixth character is refused.
    pub fn add(
        &self,
        kind: AnchorKind,
        name: &str,
        description: &str,
        refs: Vec<PathBuf>,
    ) -> Result<Anchor, RosterError> {
        let name = check_name(name)?;
        if kind == AnchorKind::Character && self.characters()? >= MAX_CHARACTERS {
            return Err(RosterError::TooManyCharacters {
                name,
                limit: MAX_CHARACTERS,
            });
        }
        let record = AnchorRecord {
            name: name.clone(),
            kind: kind.as_str().into(),
            description: description.trim().into(),
            refs,
            pinned: false,
        };
        let id = self
            .store
            .insert_anchor(&record)
            .map_err(|e| write_error(e, &name))?;
        Ok(from_row(AnchorRow { id, record }))
    }

    /// Changes an anchor's fields; turning the sixth anchor into a character is refused.
    pub fn update(&self, name: &str, changes: AnchorChanges) -> Result<Anchor, RosterError> {
        let current = self.require(name)?;
        let new_name = match &changes.name {
            Some(n) => check_name(n)?,
            None => current.name.clone(),
        };
        let kind = changes.kind.unwrap_or(current.kind);
        if kind == AnchorKind::Character
            && current.kind != AnchorKind::Character
            && self.characters()? >= MAX_CHARACTERS
        {
            return Err(RosterError::TooManyCharacters {
                name: new_name,
                limit: MAX_CHARACTERS,
            });
        }
        let record = AnchorRecord {
            name: new_name.clone(),
            kind: kind.as_str().into(),
            description: changes
                .description
                .map(|d| d.trim().to_string())
                .unwrap_or(current.description),
            refs: changes.refs.unwrap_or(current.refs),
            pinned: current.pinned,
        };
        let found = self
            .store
            .update_anchor(current.id, &record)
            .map_err(|e| write_error(e, &new_name))?;
        if !found {
            return Err(RosterError::NotFound(name.to_string()));
        }
        Ok(from_row(AnchorRow {
            id: current.id,
            record,
        }))
    }

    /// Adds `image` to the references of the anchor `name` (once); `None` when there is no
    /// such anchor, so the caller decides how to create one.
    pub fn add_reference(&self, name: &str, image: PathBuf) -> Result<Option<Anchor>, RosterError> {
        let Some(existing) = self.get(name)? else {
            return Ok(None);
        };
        let mut refs = existing.refs.clone();
        if !refs.contains(&image) {
            refs.push(image);
        }
        let changes = AnchorChanges {
            refs: Some(refs),
            ..AnchorChanges::default()
        };
        self.update(&existing.name, changes).map(Some)
    }

    /// Removes an anchor and returns it.
    pub fn remove(&self, name: &str) -> Result<Anchor, RosterError> {
        let anchor = self.require(name)?;
        self.store.delete_anchor(&anchor.name)?;
        Ok(anchor)
    }

    /// Pins an anchor in shot (every shot), or unpins it (in shot where a prompt names it).
    pub fn set_pinned(&self, name: &str, pinned: bool) -> Result<Anchor, RosterError> {
        let mut anchor = self.require(name)?;
        anchor.pinned = pinned;
        let record = to_record(&anchor);
        self.store
            .update_anchor(anchor.id, &record)
            .map_err(|e| write_error(e, &anchor.name))?;
        Ok(anchor)
    }

    fn require(&self, name: &str) -> Result<Anchor, RosterError> {
        self.get(name)?
            .ok_or_else(|| RosterError::NotFound(name.trim().to_string()))
    }

    fn characters(&self) -> Result<usize, RosterError> {
        Ok(self
            .list()?
            .iter()
            .filter(|a| a.kind == AnchorKind::Character)
            .count())
    }
}

/// How much of a model's reference budget the anchors in shot use: (used, cap) each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// In-shot characters against the model's character cap.
    pub characters: (u32, u32),
    /// In-shot objects against the model's object cap.
    pub objects: (u32, u32),
    /// Reference images of in-shot anchors against the model's image cap.
    pub images: (u32, u32),
}

impl Budget {
    /// True when any count is above its cap.
    pub fn is_over(&self) -> bool {
        [self.characters, self.objects, self.images]
            .iter()
            .any(|(used, cap)| used > cap)
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "characters {}/{} · objects {}/{} · images {}/{}",
            self.characters.0,
            self.characters.1,
            self.objects.0,
            self.objects.1,
            self.images.0,
            self.images.1
        )
    }
}

/// The budget the anchors in shot (`in_shot`) use on `model`.
pub fn budget(in_shot: &[&Anchor], model: &ModelSpec) -> Budget {
    let (mut characters, mut objects, mut images) = (0u32, 0u32, 0u32);
    for anchor in in_shot {
        match anchor.kind {
            AnchorKind::Character => characters += 1,
            AnchorKind::Object => objects += 1,
        }
        images += anchor.refs.len() as u32;
    }
    let caps = model.references;
    Budget {
        characters: (characters, caps.characters),
        objects: (objects, caps.objects),
        images: (images, caps.images),
    }
}

fn check_name(name: &str) -> Result<String, RosterError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(RosterError::BadName);
    }
    Ok(name.to_string())
}

fn write_error(e: AnchorWriteError, name: &str) -> RosterError {
    match e {
        AnchorWriteError::DuplicateName => RosterError::DuplicateName(name.to_string()),
        AnchorWriteError::Store(e) => RosterError::Store(e),
    }
}

fn to_record(anchor: &Anchor) -> AnchorRecord {
    AnchorRecord {
        name: anchor.name.clone(),
        kind: anchor.kind.as_str().into(),
        description: anchor.description.clone(),
        refs: anchor.refs.clone(),
        pinned: anchor.pinned,
    }
}

fn from_row(row: AnchorRow) -> Anchor {
    let AnchorRow { id, record } = row;
    Anchor {
        id,
        name: record.name,
        kind: AnchorKind::parse(&record.kind).unwrap_or(AnchorKind::Object),
        description: record.description,
        refs: record.refs,
        pinned: record.pinned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;

    fn roster() -> Roster {
        Roster::new(Store::in_memory().unwrap())
    }

    fn refs(n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|i| PathBuf::from(format!("/r/{i}.png")))
            .collect()
    }

    #[test]
    fn the_sixth_character_is_refused_naming_the_limit() {
        let r = roster();
        for name in ["Ann", "Bo", "Cy", "Di", "Ed"] {
            r.add(AnchorKind::Character, name, "", vec![]).unwrap();
        }
        let err = r.add(AnchorKind::Character, "Flo", "", vec![]).unwrap_err();
        assert!(matches!(
            err,
            RosterError::TooManyCharacters { limit: 5, .. }
        ));
        assert!(err.to_string().contains("5 characters"), "{err}");
        r.add(AnchorKind::Object, "Flo", "a lamp", vec![]).unwrap();
        let err = r
            .update(
                "flo",
                AnchorChanges {
                    kind: Some(AnchorKind::Character),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(matches!(err, RosterError::TooManyCharacters { .. }));
        assert_eq!(r.list().unwrap().len(), 6);
    }

    #[test]
    fn anchors_are_added_edited_toggled_and_removed() {
        let r = roster();
        let mira = r
            .add(AnchorKind::Character, " Mira ", " red scarf ", refs(2))
            .unwrap();
        assert_eq!(
            (mira.name.as_str(), mira.description.as_str()),
            ("Mira", "red scarf")
        );
        assert!(!mira.pinned, "a new anchor starts unpinned");
        assert_eq!(
            r.add(AnchorKind::Object, "MIRA", "", vec![]).unwrap_err(),
            RosterError::DuplicateName("MIRA".into())
        );
        assert_eq!(
            r.add(AnchorKind::Object, "  ", "", vec![]).unwrap_err(),
            RosterError::BadName
        );
        let edited = r
            .update(
                "mira",
                AnchorChanges {
                    name: Some("Mira Vale".into()),
                    description: Some("red scarf, freckles".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(edited.refs.len(), 2);
        assert_eq!(r.get("mira vale").unwrap().unwrap(), edited);
        assert!(r.set_pinned("Mira Vale", true).unwrap().pinned);
        assert!(r.get("Mira Vale").unwrap().unwrap().pinned);
        assert!(!r.set_pinned("Mira Vale", false).unwrap().pinned);
        assert!(!r.get("Mira Vale").unwrap().unwrap().pinned);
        assert_eq!(r.remove("mira vale").unwrap().id, mira.id);
        assert_eq!(
            r.remove("Mira Vale").unwrap_err(),
            RosterError::NotFound("Mira Vale".into())
        );
    }

    #[test]
    fn the_budget_counts_in_shot_anchors_against_the_model() {
        let registry = Registry::shipped().unwrap();
        let flash = registry.resolve("gemini-3.1-flash-image").unwrap();
        let r = roster();
        r.add(AnchorKind::Character, "A", "", refs(3)).unwrap();
        r.add(AnchorKind::Character, "B", "", refs(2)).unwrap();
        r.add(AnchorKind::Character, "C", "", refs(1)).unwrap();
        r.add(AnchorKind::Character, "D", "", refs(4)).unwrap();
        r.add(AnchorKind::Object, "Lamp", "", refs(1)).unwrap();
        r.add(AnchorKind::Object, "Cup", "", vec![]).unwrap();
        let all = r.list().unwrap();
        let without_d: Vec<&Anchor> = all.iter().filter(|a| a.name != "D").collect();
        let b = budget(&without_d, flash);
        assert_eq!(b.to_string(), "characters 3/4 · objects 2/10 · images 7/14");
        assert!(!b.is_over());
        r.add(AnchorKind::Character, "E", "", vec![]).unwrap();
        let all = r.list().unwrap();
        let b = budget(&all.iter().collect::<Vec<_>>(), flash);
        assert_eq!(b.characters, (5, 4));
        assert!(b.is_over());
    }
}
