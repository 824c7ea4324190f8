//! The saved mappings' half of the store contract: the mappings a hub's administrators wrote
//! (with the assistant or by hand) for the exports of their sources, kept so that the next
//! import of the same export is recognised and read without anyone naming a mapping.
//!
//! A saved mapping is its TOML text as written (so that exporting it gives back what was
//! saved, comments included), the registry source it feeds, and the export's column layout
//! recognition compares files with. The store keeps the text and checks nothing of its
//! meaning: the application parses it before saving.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// One mapping saved by the hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMapping {
    /// The mapping's name, unique in the hub: a short key ("mediatheques-41").
    pub name: String,
    /// The registry source the mapping's imports feed.
    pub source: String,
    /// The mapping file as saved.
    pub toml: String,
    /// The export's columns as the mapping knows them (read and left unread), which
    /// recognition compares a file's columns with.
    pub layout: Vec<String>,
    /// The account that first saved it; `None` when the hub itself did (command line).
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The account that saved the current version; `None` for the hub itself.
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// 1 when first saved, one more at each replacement: a replacement names the version it
    /// replaces, and so does a deletion.
    pub version: u32,
}

/// The saved mappings in the store.
pub trait MappingStore {
    /// One saved mapping by name.
    fn saved_mapping(&self, name: &str) -> StoreResult<Option<SavedMapping>>;
    /// Every saved mapping, by name.
    fn saved_mappings(&self) -> StoreResult<Vec<SavedMapping>>;
    /// A new mapping (version 1). A name already used is a [`StoreError::Conflict`] and
    /// nothing is written.
    fn add_mapping(&self, mapping: &SavedMapping) -> StoreResult<()>;
    /// Replaces a mapping: `mapping.version` must be one more than the stored one, else
    /// [`StoreError::Conflict`]; an unknown name is [`StoreError::NotFound`]. Its creation is
    /// kept as stored.
    fn update_mapping(&self, mapping: &SavedMapping) -> StoreResult<()>;
    /// Deletes a mapping at `version` (the one its caller read), else a conflict; an unknown
    /// name is [`StoreError::NotFound`]. Places imported with it stay as they are.
    fn delete_mapping(&self, name: &str, version: u32) -> StoreResult<()>;
}

/// Checks what a saved mapping must hold before anything is written.
pub fn check_mapping(mapping: &SavedMapping) -> StoreResult<()> {
    if mapping.name.trim().is_empty() {
        return Err(StoreError::Conflict("une correspondance enregistrée doit avoir un nom".to_owned()));
    }
    if mapping.source.trim().is_empty() {
        return Err(StoreError::Conflict(format!("la correspondance {} ne nomme pas de source", mapping.name)));
    }
    if mapping.toml.trim().is_empty() {
        return Err(StoreError::Conflict(format!("la correspondance {} est vide", mapping.name)));
    }
    if mapping.version == 0 {
        return Err(StoreError::Conflict(format!("la correspondance {} a une version nulle", mapping.name)));
    }
    Ok(())
}

pub fn mapping_not_found(name: &str) -> StoreError {
    StoreError::NotFound(format!("correspondance {name}"))
}

pub fn mapping_exists_error(name: &str) -> StoreError {
    StoreError::Conflict(format!("la correspondance {name} existe déjà"))
}

pub fn stale_mapping_error(name: &str) -> StoreError {
    StoreError::Conflict(format!("la correspondance {name} a été modifiée entre-temps"))
}
