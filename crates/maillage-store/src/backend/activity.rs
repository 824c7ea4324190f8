//! The activity log over any [`Backend`]: the statements it needs ([`ActivityTables`]) and
//! [`ActivityStore`] written once over them (checks, version arithmetic, messages).

use chrono::NaiveDate;

use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    activity_exists_error, activity_not_found, check_activity, check_past_totals, stale_activity_error,
    stale_introduction_error, ActivityEntry, ActivityQuery, ActivityStore, BilanIntroduction, PastTotals, StoreError,
    StoreResult,
};

/// The statements of the activity log.
pub trait ActivityTables {
    /// A new row with every column as given; an id already used is refused.
    fn insert_activity(&mut self, entry: &ActivityEntry) -> WriteResult<()>;
    /// Rewrites an entry's row if its stored version is `expected`; how many rows (0 or 1).
    fn update_activity(&mut self, entry: &ActivityEntry, expected: u32) -> StoreResult<u64>;
    /// Deletes an entry's row if its stored version is `expected`; how many (0 or 1).
    fn delete_activity(&mut self, id: &str, expected: u32) -> StoreResult<u64>;
    fn activity(&mut self, id: &str) -> StoreResult<Option<ActivityEntry>>;
    /// As [`ActivityTables::activity`], keeping other writers off the row until the
    /// transaction ends where the database needs it.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_activity(&mut self, id: &str) -> StoreResult<Option<ActivityEntry>> {
        self.activity(id)
    }
    /// The entries the query selects, by date then id.
    fn activities(&mut self, query: &ActivityQuery) -> StoreResult<Vec<ActivityEntry>>;
    /// Inserts the totals, or replaces those of the same département and period.
    fn upsert_past_totals(&mut self, totals: &PastTotals) -> StoreResult<()>;
    /// Every past period's totals, by département, start, end.
    fn past_totals(&mut self) -> StoreResult<Vec<PastTotals>>;
    fn insert_introduction(&mut self, introduction: &BilanIntroduction) -> WriteResult<()>;
    /// Rewrites an introduction if its stored version is `expected`; how many (0 or 1).
    fn update_introduction(&mut self, introduction: &BilanIntroduction, expected: u32) -> StoreResult<u64>;
    /// Every introduction, by scope, start, end.
    fn introductions(&mut self) -> StoreResult<Vec<BilanIntroduction>>;
    /// The introduction of a scope and period (read by its key, not among them all).
    fn introduction(&mut self, scope: &str, start: NaiveDate, end: NaiveDate)
        -> StoreResult<Option<BilanIntroduction>>;
}

pub(crate) fn insert_activity<T: Tables + ?Sized>(tables: &mut T, entry: &ActivityEntry) -> StoreResult<()> {
    check_activity(entry)?;
    tables.insert_activity(entry).restoring()
}

pub(crate) fn insert_introduction<T: Tables + ?Sized>(
    tables: &mut T,
    introduction: &BilanIntroduction,
) -> StoreResult<()> {
    tables.insert_introduction(introduction).restoring()
}

fn add<T: Tables + ?Sized>(tables: &mut T, entry: &ActivityEntry) -> StoreResult<()> {
    check_activity(entry)?;
    if entry.version != 1 {
        return Err(StoreError::Conflict(format!(
            "l'entrée d'activité {} : une nouvelle entrée a la version 1",
            entry.id
        )));
    }
    if tables.activity(&entry.id)?.is_some() {
        return Err(activity_exists_error(&entry.id));
    }
    tables.insert_activity(entry).refused_as(|| activity_exists_error(&entry.id))
}

/// The stored entry, locked, at `expected`.
fn current<T: Tables + ?Sized>(tables: &mut T, id: &str, expected: u32) -> StoreResult<ActivityEntry> {
    let current = tables.lock_activity(id)?.ok_or_else(|| activity_not_found(id))?;
    if current.version != expected {
        return Err(stale_activity_error(id));
    }
    Ok(current)
}

fn update<T: Tables + ?Sized>(tables: &mut T, entry: &ActivityEntry) -> StoreResult<()> {
    check_activity(entry)?;
    let stored = current(tables, &entry.id, entry.version - 1)?;
    let new = ActivityEntry { created_at: stored.created_at, ..entry.clone() };
    tables.update_activity(&new, stored.version).one_row(|| stale_activity_error(&entry.id))
}

fn delete<T: Tables + ?Sized>(tables: &mut T, id: &str, version: u32) -> StoreResult<()> {
    let stored = current(tables, id, version)?;
    tables.delete_activity(&stored.id, stored.version).one_row(|| stale_activity_error(id))
}

fn save_introduction<T: Tables + ?Sized>(tables: &mut T, introduction: &BilanIntroduction) -> StoreResult<()> {
    let stale = || stale_introduction_error(&introduction.scope);
    if introduction.version == 0 {
        return Err(stale());
    }
    match tables.introduction(&introduction.scope, introduction.start, introduction.end)? {
        None if introduction.version == 1 => tables.insert_introduction(introduction).refused_as(stale),
        Some(stored) if stored.version + 1 == introduction.version => {
            tables.update_introduction(introduction, stored.version).one_row(stale)
        }
        _ => Err(stale()),
    }
}

impl<B: Backend> ActivityStore for B {
    fn activity(&self, id: &str) -> StoreResult<Option<ActivityEntry>> {
        self.read(|tables| tables.activity(id))
    }

    fn activities(&self, query: &ActivityQuery) -> StoreResult<Vec<ActivityEntry>> {
        self.read(|tables| tables.activities(query))
    }

    fn add_activity(&self, entry: &ActivityEntry) -> StoreResult<()> {
        self.write(|tables| add(tables, entry))
    }

    fn update_activity(&self, entry: &ActivityEntry) -> StoreResult<()> {
        self.write(|tables| update(tables, entry))
    }

    fn delete_activity(&self, id: &str, version: u32) -> StoreResult<()> {
        self.write(|tables| delete(tables, id, version))
    }

    fn past_totals(&self) -> StoreResult<Vec<PastTotals>> {
        self.read(|tables| tables.past_totals())
    }

    fn save_past_totals(&self, totals: &[PastTotals]) -> StoreResult<()> {
        check_past_totals(totals)?;
        self.write(|tables| {
            for row in totals {
                tables.upsert_past_totals(row)?;
            }
            Ok(())
        })
    }

    fn bilan_introduction(
        &self,
        scope: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> StoreResult<Option<BilanIntroduction>> {
        self.read(|tables| tables.introduction(scope, start, end))
    }

    fn bilan_introductions(&self) -> StoreResult<Vec<BilanIntroduction>> {
        self.read(|tables| tables.introductions())
    }

    fn save_bilan_introduction(&self, introduction: &BilanIntroduction) -> StoreResult<()> {
        self.write(|tables| save_introduction(tables, introduction))
    }
}
