//! Monographs over any [`Backend`]: the statements they need ([`MonographTables`]) and
//! [`MonographStore`] written once over them (the numbering of versions and editions, the
//! messages).

use super::{Backend, Refusal, Tables, WriteResult};
use crate::{
    check_monograph_edition, check_monograph_text, stale_monograph_edition_error, stale_monograph_text_error,
    MonographEdition, MonographStore, MonographText, StoreResult,
};

/// The statements of the monographs.
pub trait MonographTables {
    /// A new version row; a (bassin, section, version) already stored is refused.
    fn insert_monograph_text(&mut self, text: &MonographText) -> WriteResult<()>;
    /// The last version of a section (0 when none).
    fn last_monograph_text(&mut self, bassin: &str, section: &str) -> StoreResult<u32>;
    /// A bassin's versions, by section then version; every bassin's when `None`.
    fn monograph_texts(&mut self, bassin: Option<&str>) -> StoreResult<Vec<MonographText>>;
    /// A new edition row; an id or a (bassin, number) already stored is refused.
    fn insert_monograph_edition(&mut self, edition: &MonographEdition) -> WriteResult<()>;
    /// The last edition number of a bassin (0 when none).
    fn last_monograph_edition(&mut self, bassin: &str) -> StoreResult<u32>;
    /// A bassin's editions by number; every bassin's (by bassin, number) when `None`.
    fn monograph_editions(&mut self, bassin: Option<&str>) -> StoreResult<Vec<MonographEdition>>;
    fn monograph_edition(&mut self, id: &str) -> StoreResult<Option<MonographEdition>>;
}

pub(crate) fn insert_text<T: Tables + ?Sized>(tables: &mut T, text: &MonographText) -> StoreResult<()> {
    check_monograph_text(text)?;
    tables.insert_monograph_text(text).restoring()
}

pub(crate) fn insert_edition<T: Tables + ?Sized>(tables: &mut T, edition: &MonographEdition) -> StoreResult<()> {
    check_monograph_edition(edition)?;
    tables.insert_monograph_edition(edition).restoring()
}

fn save_text<T: Tables + ?Sized>(tables: &mut T, text: &MonographText) -> StoreResult<()> {
    check_monograph_text(text)?;
    let stale = || stale_monograph_text_error(&text.bassin, &text.section);
    if tables.last_monograph_text(&text.bassin, &text.section)? + 1 != text.version {
        return Err(stale());
    }
    // Between the read and the insert only another writer of the same version can refuse
    // the row (the key), where the database lets writers run side by side.
    tables.insert_monograph_text(text).refused_as(stale)
}

fn add_edition<T: Tables + ?Sized>(tables: &mut T, edition: &MonographEdition) -> StoreResult<()> {
    check_monograph_edition(edition)?;
    let stale = || stale_monograph_edition_error(&edition.bassin);
    if tables.last_monograph_edition(&edition.bassin)? + 1 != edition.number {
        return Err(stale());
    }
    tables.insert_monograph_edition(edition).refused_as(stale)
}

impl<B: Backend> MonographStore for B {
    fn monograph_texts(&self, bassin: &str) -> StoreResult<Vec<MonographText>> {
        self.read(|tables| tables.monograph_texts(Some(bassin)))
    }

    fn save_monograph_text(&self, text: &MonographText) -> StoreResult<()> {
        self.write(|tables| save_text(tables, text))
    }

    fn monograph_editions(&self, bassin: &str) -> StoreResult<Vec<MonographEdition>> {
        self.read(|tables| tables.monograph_editions(Some(bassin)))
    }

    fn monograph_edition(&self, id: &str) -> StoreResult<Option<MonographEdition>> {
        self.read(|tables| tables.monograph_edition(id))
    }

    fn add_monograph_edition(&self, edition: &MonographEdition) -> StoreResult<()> {
        self.write(|tables| add_edition(tables, edition))
    }
}
