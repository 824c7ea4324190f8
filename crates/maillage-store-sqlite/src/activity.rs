//! The activity log on SQLite.

use chrono::NaiveDate;
use maillage_store::backend::{ActivityTables, WriteResult};
use maillage_store::*;
use rusqlite::params;

use crate::rows::*;
use crate::SqliteTables;

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

impl ActivityTables for SqliteTables<'_> {
    fn insert_activity(&mut self, entry: &ActivityEntry) -> WriteResult<()> {
        self.run(
            "INSERT INTO activity_entries (id, entry_date, departement, author, version, document)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![entry.id, day(entry.date), entry.departement, entry.author, entry.version, json(entry)?],
        )
        .map(drop)
    }

    fn update_activity(&mut self, entry: &ActivityEntry, expected: u32) -> StoreResult<u64> {
        Ok(self.run(
            "UPDATE activity_entries SET entry_date = ?2, departement = ?3, author = ?4, version = ?5, document = ?6
             WHERE id = ?1 AND version = ?7",
            params![entry.id, day(entry.date), entry.departement, entry.author, entry.version, json(entry)?, expected],
        )?)
    }

    fn delete_activity(&mut self, id: &str, expected: u32) -> StoreResult<u64> {
        Ok(self.run("DELETE FROM activity_entries WHERE id = ?1 AND version = ?2", params![id, expected])?)
    }

    fn activity(&mut self, id: &str) -> StoreResult<Option<ActivityEntry>> {
        self.one("SELECT document FROM activity_entries WHERE id = ?1", [id])
    }

    fn activities(&mut self, query: &ActivityQuery) -> StoreResult<Vec<ActivityEntry>> {
        self.all(
            "SELECT document FROM activity_entries
             WHERE (?1 IS NULL OR entry_date >= ?1) AND (?2 IS NULL OR entry_date <= ?2)
                 AND (?3 IS NULL OR departement = ?3)
             ORDER BY entry_date, id",
            params![query.from.map(day), query.to.map(day), query.departement],
        )
    }

    fn upsert_past_totals(&mut self, totals: &PastTotals) -> StoreResult<()> {
        self.run(
            "INSERT INTO activity_past_totals (departement, period_start, period_end, document)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (departement, period_start, period_end) DO UPDATE SET document = excluded.document",
            params![totals.departement, day(totals.start), day(totals.end), json(totals)?],
        )?;
        Ok(())
    }

    fn past_totals(&mut self) -> StoreResult<Vec<PastTotals>> {
        self.all("SELECT document FROM activity_past_totals ORDER BY departement, period_start, period_end", [])
    }

    fn insert_introduction(&mut self, introduction: &BilanIntroduction) -> WriteResult<()> {
        self.run(
            "INSERT INTO bilan_introductions (scope, period_start, period_end, version, document)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                introduction.scope,
                day(introduction.start),
                day(introduction.end),
                introduction.version,
                json(introduction)?
            ],
        )
        .map(drop)
    }

    fn update_introduction(&mut self, introduction: &BilanIntroduction, expected: u32) -> StoreResult<u64> {
        Ok(self.run(
            "UPDATE bilan_introductions SET version = ?4, document = ?5
             WHERE scope = ?1 AND period_start = ?2 AND period_end = ?3 AND version = ?6",
            params![
                introduction.scope,
                day(introduction.start),
                day(introduction.end),
                introduction.version,
                json(introduction)?,
                expected
            ],
        )?)
    }

    fn introduction(
        &mut self,
        scope: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> StoreResult<Option<BilanIntroduction>> {
        self.one(
            "SELECT document FROM bilan_introductions WHERE scope = ?1 AND period_start = ?2 AND period_end = ?3",
            params![scope, day(start), day(end)],
        )
    }

    fn introductions(&mut self) -> StoreResult<Vec<BilanIntroduction>> {
        self.all("SELECT document FROM bilan_introductions ORDER BY scope, period_start, period_end", [])
    }
}
