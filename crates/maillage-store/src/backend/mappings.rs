//! Saved mappings over any [`Backend`]: the statements they need ([`MappingTables`]) and
//! [`MappingStore`] written once over them (the checks, the version arithmetic of a
//! replacement or a deletion, the messages).

use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    check_mapping, mapping_exists_error, mapping_not_found, stale_mapping_error, MappingStore, SavedMapping,
    StoreError, StoreResult,
};

/// The statements of the saved mappings.
pub trait MappingTables {
    /// A new row with every column as given; a name already used is refused.
    fn insert_mapping(&mut self, mapping: &SavedMapping) -> WriteResult<()>;
    /// Rewrites a mapping's row (every column but its name) if its stored version is
    /// `expected`; how many rows changed (0 or 1).
    fn update_mapping(&mut self, mapping: &SavedMapping, expected: u32) -> WriteResult<u64>;
    /// Deletes a mapping's row if its stored version is `expected`; how many (0 or 1).
    fn delete_mapping(&mut self, name: &str, expected: u32) -> StoreResult<u64>;
    fn saved_mapping(&mut self, name: &str) -> StoreResult<Option<SavedMapping>>;
    /// As [`MappingTables::saved_mapping`], keeping other writers off the row until the
    /// transaction ends where the database needs it.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_mapping(&mut self, name: &str) -> StoreResult<Option<SavedMapping>> {
        self.saved_mapping(name)
    }
    /// Every saved mapping, by name.
    fn saved_mappings(&mut self) -> StoreResult<Vec<SavedMapping>>;
}

pub(crate) fn insert_mapping<T: Tables + ?Sized>(tables: &mut T, mapping: &SavedMapping) -> StoreResult<()> {
    check_mapping(mapping)?;
    tables.insert_mapping(mapping).restoring()
}

fn add<T: Tables + ?Sized>(tables: &mut T, mapping: &SavedMapping) -> StoreResult<()> {
    check_mapping(mapping)?;
    if mapping.version != 1 {
        return Err(StoreError::Conflict(format!(
            "la correspondance {} : une nouvelle correspondance a la version 1",
            mapping.name
        )));
    }
    if tables.saved_mapping(&mapping.name)?.is_some() {
        return Err(mapping_exists_error(&mapping.name));
    }
    // Between the check and the insert, only another writer saving the same name can refuse
    // the row, where the database lets writers run side by side.
    tables.insert_mapping(mapping).refused_as(|| mapping_exists_error(&mapping.name))
}

/// The stored mapping, locked, at `expected`.
fn current<T: Tables + ?Sized>(tables: &mut T, name: &str, expected: u32) -> StoreResult<SavedMapping> {
    let current = tables.lock_mapping(name)?.ok_or_else(|| mapping_not_found(name))?;
    if current.version != expected {
        return Err(stale_mapping_error(name));
    }
    Ok(current)
}

fn update<T: Tables + ?Sized>(tables: &mut T, mapping: &SavedMapping) -> StoreResult<()> {
    check_mapping(mapping)?;
    let stored = current(tables, &mapping.name, mapping.version - 1)?;
    let new = SavedMapping { created_by: stored.created_by.clone(), created_at: stored.created_at, ..mapping.clone() };
    let stale = || stale_mapping_error(&new.name);
    tables.update_mapping(&new, stored.version).refused_as(stale).one_row(stale)
}

fn delete<T: Tables + ?Sized>(tables: &mut T, name: &str, version: u32) -> StoreResult<()> {
    let stored = current(tables, name, version)?;
    tables.delete_mapping(&stored.name, stored.version).one_row(|| stale_mapping_error(name))
}

impl<B: Backend> MappingStore for B {
    fn saved_mapping(&self, name: &str) -> StoreResult<Option<SavedMapping>> {
        self.read(|tables| tables.saved_mapping(name))
    }

    fn saved_mappings(&self) -> StoreResult<Vec<SavedMapping>> {
        self.read(|tables| tables.saved_mappings())
    }

    fn add_mapping(&self, mapping: &SavedMapping) -> StoreResult<()> {
        self.write(|tables| add(tables, mapping))
    }

    fn update_mapping(&self, mapping: &SavedMapping) -> StoreResult<()> {
        self.write(|tables| update(tables, mapping))
    }

    fn delete_mapping(&self, name: &str, version: u32) -> StoreResult<()> {
        self.write(|tables| delete(tables, name, version))
    }
}
