//! The actors directory over any [`Backend`]: the statements it needs ([`StakeholderTables`])
//! and [`StakeholderStore`] written once over them (the checks of a new entry, the version
//! arithmetic of an edit, the order of the writes of a merge).

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;

use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    check_stakeholder, merged_stakeholder_error, place_has_stakeholder_error, stakeholder_not_found,
    stale_stakeholder_error, Stakeholder, StakeholderMerge, StakeholderStore, StoreError, StoreResult,
};

/// The statements of the actors directory.
pub trait StakeholderTables {
    /// A new entry with every column as given (restores write merged ones too); an id
    /// already used, or a place another entry not merged already names, is refused.
    fn insert_stakeholder(&mut self, stakeholder: &Stakeholder) -> WriteResult<()>;
    /// Rewrites an entry's row (every column but its id) if its stored version is `expected`;
    /// how many rows changed (0 or 1).
    fn update_stakeholder(&mut self, stakeholder: &Stakeholder, expected: u32) -> WriteResult<u64>;
    fn stakeholder(&mut self, id: &str) -> StoreResult<Option<Stakeholder>>;
    /// As [`StakeholderTables::stakeholder`], keeping other writers off the row until the
    /// transaction ends where the database needs it.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_stakeholder(&mut self, id: &str) -> StoreResult<Option<Stakeholder>> {
        self.stakeholder(id)
    }
    /// Every entry, by id.
    fn stakeholders(&mut self) -> StoreResult<Vec<Stakeholder>>;
    /// Entries not merged whose search key contains every word, by search key then id.
    fn find_stakeholders(&mut self, words: &[String], limit: usize) -> StoreResult<Vec<Stakeholder>>;
    /// Every entry naming the place, merged ones included, by id.
    fn stakeholders_of_place(&mut self, place: &PlaceId) -> StoreResult<Vec<Stakeholder>>;
    /// Points every entry merged into `from` at `into`; how many.
    fn redirect_stakeholders(&mut self, from: &str, into: &str, at: DateTime<Utc>) -> StoreResult<u64>;
}

/// The entry standing for a place: the one not merged that names it, else the one a merged
/// entry naming it points at.
fn of_place<T: Tables + ?Sized>(tables: &mut T, place: &PlaceId) -> StoreResult<Option<Stakeholder>> {
    let rows = tables.stakeholders_of_place(place)?;
    if let Some(active) = rows.iter().find(|row| row.merged_into.is_none()) {
        return Ok(Some(active.clone()));
    }
    match rows.first().and_then(|row| row.merged_into.clone()) {
        Some(into) => tables.stakeholder(&into),
        None => Ok(None),
    }
}

/// A place an entry names must exist, and no other entry not merged may name it.
fn check_place<T: Tables + ?Sized>(tables: &mut T, stakeholder: &Stakeholder) -> StoreResult<()> {
    let Some(place) = &stakeholder.place_id else { return Ok(()) };
    if tables.place(place)?.is_none() {
        return Err(StoreError::NotFound(format!("lieu {place}")));
    }
    let taken = tables.stakeholders_of_place(place)?;
    if taken.iter().any(|row| row.merged_into.is_none() && row.id != stakeholder.id) {
        return Err(place_has_stakeholder_error(place));
    }
    Ok(())
}

pub(crate) fn insert_stakeholder<T: Tables + ?Sized>(tables: &mut T, stakeholder: &Stakeholder) -> StoreResult<()> {
    check_stakeholder(stakeholder)?;
    tables.insert_stakeholder(stakeholder).restoring()
}

fn add<T: Tables + ?Sized>(tables: &mut T, stakeholder: &Stakeholder) -> StoreResult<()> {
    check_stakeholder(stakeholder)?;
    if stakeholder.version != 1 || stakeholder.merged_into.is_some() {
        return Err(StoreError::Conflict(format!(
            "l'acteur {} : une nouvelle fiche a la version 1 et n'est pas fusionnée",
            stakeholder.id
        )));
    }
    if tables.stakeholder(&stakeholder.id)?.is_some() {
        return Err(StoreError::Conflict(format!("l'acteur {} existe déjà", stakeholder.id)));
    }
    check_place(tables, stakeholder)?;
    // Between the check and the insert, only another writer naming the same place can refuse
    // the row (the partial unique index), where the database lets writers run side by side.
    tables.insert_stakeholder(stakeholder).refused_as(|| match &stakeholder.place_id {
        Some(place) => place_has_stakeholder_error(place),
        None => StoreError::Conflict(format!("l'acteur {} existe déjà", stakeholder.id)),
    })
}

/// Writes `new` over the locked `current` if `current` is still at `new.version - 1`.
fn replace<T: Tables + ?Sized>(tables: &mut T, new: &Stakeholder, expected: u32) -> StoreResult<()> {
    tables
        .update_stakeholder(new, expected)
        .refused_as(|| match &new.place_id {
            Some(place) => place_has_stakeholder_error(place),
            None => StoreError::Conflict(format!("l'acteur {} est refusé par la base", new.id)),
        })
        .one_row(|| stale_stakeholder_error(&new.id))
}

/// The stored entry, locked, not merged, at `expected`.
fn current<T: Tables + ?Sized>(tables: &mut T, id: &str, expected: u32) -> StoreResult<Stakeholder> {
    let current = tables.lock_stakeholder(id)?.ok_or_else(|| stakeholder_not_found(id))?;
    if current.merged_into.is_some() {
        return Err(merged_stakeholder_error(id));
    }
    if current.version != expected {
        return Err(stale_stakeholder_error(id));
    }
    Ok(current)
}

fn update<T: Tables + ?Sized>(tables: &mut T, stakeholder: &Stakeholder) -> StoreResult<()> {
    check_stakeholder(stakeholder)?;
    let stored = current(tables, &stakeholder.id, stakeholder.version - 1)?;
    let new = Stakeholder {
        created_by: stored.created_by.clone(),
        created_at: stored.created_at,
        merged_into: None,
        ..stakeholder.clone()
    };
    check_place(tables, &new)?;
    replace(tables, &new, stored.version)
}

/// A merge's writes, in this order: `from` becomes a redirect (so that it no longer holds its
/// place for the unique index), entries merged into it follow it, then `into` takes what it
/// lacked of `from` (place, commune, département, contact).
fn merge<T: Tables + ?Sized>(tables: &mut T, merge: &StakeholderMerge) -> StoreResult<()> {
    if merge.from == merge.into {
        return Err(StoreError::Conflict(format!("l'acteur {} ne peut être fusionné avec lui-même", merge.from)));
    }
    let from = current(tables, &merge.from, merge.from_version)?;
    let into = current(tables, &merge.into, merge.into_version)?;
    let redirect = Stakeholder {
        merged_into: Some(into.id.clone()),
        version: from.version + 1,
        updated_at: merge.at,
        ..from.clone()
    };
    replace(tables, &redirect, from.version)?;
    tables.redirect_stakeholders(&from.id, &into.id, merge.at)?;
    let kept = Stakeholder {
        place_id: into.place_id.clone().or(from.place_id),
        commune_code: into.commune_code.clone().or(from.commune_code),
        commune: into.commune.clone().or(from.commune),
        departement: into.departement.clone().or(from.departement),
        contact: into.contact.clone().or(from.contact),
        version: into.version + 1,
        updated_at: merge.at,
        ..into.clone()
    };
    replace(tables, &kept, into.version)
}

impl<B: Backend> StakeholderStore for B {
    fn stakeholder(&self, id: &str) -> StoreResult<Option<Stakeholder>> {
        self.read(|tables| tables.stakeholder(id))
    }

    fn stakeholders(&self) -> StoreResult<Vec<Stakeholder>> {
        self.read(|tables| tables.stakeholders())
    }

    fn find_stakeholders(&self, words: &[String], limit: usize) -> StoreResult<Vec<Stakeholder>> {
        self.read(|tables| tables.find_stakeholders(words, limit))
    }

    fn stakeholder_of_place(&self, place: &PlaceId) -> StoreResult<Option<Stakeholder>> {
        self.read(|tables| of_place(tables, place))
    }

    fn add_stakeholder(&self, stakeholder: &Stakeholder) -> StoreResult<()> {
        self.write(|tables| add(tables, stakeholder))
    }

    fn update_stakeholder(&self, stakeholder: &Stakeholder) -> StoreResult<()> {
        self.write(|tables| update(tables, stakeholder))
    }

    fn merge_stakeholders(&self, changes: &StakeholderMerge) -> StoreResult<()> {
        self.write(|tables| merge(tables, changes))
    }
}
