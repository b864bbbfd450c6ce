//! Where a check's answer is kept: the image's sidecar (`"consistency"`) and, when the
//! image belongs to a batch or story folder, that folder's `manifest.json`.

use std::path::Path;

use crate::fsio::write_atomic;
use crate::studio::batch::manifest::{MANIFEST, Manifest};
use crate::studio::consistency::Consistency;
use crate::studio::output::sidecar_path;

/// Writes `consistency` into `image`'s sidecar (when it has one) and into its folder's
/// manifest (when the image is an item's primary file there).
pub fn record(image: &Path, consistency: &Consistency) -> Result<(), String> {
    let sidecar = sidecar_path(image);
    if let Ok(bytes) = std::fs::read(&sidecar) {
        let mut body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} cannot be read ({e})", sidecar.display()))?;
        if let Some(object) = body.as_object_mut() {
            let value = serde_json::to_value(consistency).map_err(|e| e.to_string())?;
            object.insert("consistency".into(), value);
            let text = serde_json::to_vec_pretty(&body).map_err(|e| e.to_string())?;
            write_atomic(&sidecar, &text).map_err(|e| e.to_string())?;
        }
    }
    let (Some(dir), Some(name)) = (image.parent(), image.file_name()) else {
        return Ok(());
    };
    if !dir.join(MANIFEST).exists() {
        return Ok(());
    }
    let name = name.to_string_lossy().to_string();
    let updated = Manifest::update(dir, Manifest::default, |manifest| {
        let item = manifest
            .items
            .iter_mut()
            .find(|i| i.file.as_deref() == Some(name.as_str()))
            .ok_or(NOT_AN_ITEM)?;
        item.consistency = Some(consistency.clone());
        Ok(())
    });
    match updated {
        Err(e) if e != NOT_AN_ITEM => Err(e),
        _ => Ok(()),
    }
}

/// The image is not an item's primary file in the manifest: nothing to write there.
const NOT_AN_ITEM: &str = "not an item of the manifest";
