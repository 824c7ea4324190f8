//! The activity log on PostgreSQL.

use chrono::NaiveDate;
use maillage_store::backend::{ActivityTables, WriteResult};
use maillage_store::*;
use postgres::types::Json;
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> ActivityTables for PgTables<'_, C> {
    fn insert_activity(&mut self, entry: &ActivityEntry) -> WriteResult<()> {
        let version = version_param(entry.version)?;
        self.run(
            "INSERT INTO activity_entries (id, entry_date, departement, author, version, document)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&entry.id, &entry.date, &entry.departement, &entry.author, &version, &Json(entry)],
        )
        .map(drop)
    }

    fn update_activity(&mut self, entry: &ActivityEntry, expected: u32) -> StoreResult<u64> {
        let (version, expected) = (version_param(entry.version)?, version_param(expected)?);
        Ok(self.run(
            "UPDATE activity_entries SET entry_date = $2, departement = $3, author = $4, version = $5, document = $6
             WHERE id = $1 AND version = $7",
            &[&entry.id, &entry.date, &entry.departement, &entry.author, &version, &Json(entry), &expected],
        )?)
    }

    fn delete_activity(&mut self, id: &str, expected: u32) -> StoreResult<u64> {
        let expected = version_param(expected)?;
        Ok(self.run("DELETE FROM activity_entries WHERE id = $1 AND version = $2", &[&id, &expected])?)
    }

    fn activity(&mut self, id: &str) -> StoreResult<Option<ActivityEntry>> {
        self.one("SELECT document FROM activity_entries WHERE id = $1", &[&id])
    }

    fn lock_activity(&mut self, id: &str) -> StoreResult<Option<ActivityEntry>> {
        self.one("SELECT document FROM activity_entries WHERE id = $1 FOR UPDATE", &[&id])
    }

    fn activities(&mut self, query: &ActivityQuery) -> StoreResult<Vec<ActivityEntry>> {
        self.all(
            "SELECT document FROM activity_entries
             WHERE ($1::date IS NULL OR entry_date >= $1) AND ($2::date IS NULL OR entry_date <= $2)
                 AND ($3::text IS NULL OR departement = $3)
             ORDER BY entry_date, id",
            &[&query.from, &query.to, &query.departement],
        )
    }

    fn upsert_past_totals(&mut self, totals: &PastTotals) -> StoreResult<()> {
        self.run(
            "INSERT INTO activity_past_totals (departement, period_start, period_end, document)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (departement, period_start, period_end) DO UPDATE SET document = excluded.document",
            &[&totals.departement, &totals.start, &totals.end, &Json(totals)],
        )?;
        Ok(())
    }

    fn past_totals(&mut self) -> StoreResult<Vec<PastTotals>> {
        self.all("SELECT document FROM activity_past_totals ORDER BY departement, period_start, period_end", &[])
    }

    fn insert_introduction(&mut self, introduction: &BilanIntroduction) -> WriteResult<()> {
        let version = version_param(introduction.version)?;
        self.run(
            "INSERT INTO bilan_introductions (scope, period_start, period_end, version, document)
             VALUES ($1, $2, $3, $4, $5)",
            &[&introduction.scope, &introduction.start, &introduction.end, &version, &Json(introduction)],
        )
        .map(drop)
    }

    fn update_introduction(&mut self, introduction: &BilanIntroduction, expected: u32) -> StoreResult<u64> {
        let (version, expected) = (version_param(introduction.version)?, version_param(expected)?);
        Ok(self.run(
            "UPDATE bilan_introductions SET version = $4, document = $5
             WHERE scope = $1 AND period_start = $2 AND period_end = $3 AND version = $6",
            &[&introduction.scope, &introduction.start, &introduction.end, &version, &Json(introduction), &expected],
        )?)
    }

    fn introduction(
        &mut self,
        scope: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> StoreResult<Option<BilanIntroduction>> {
        self.one(
            "SELECT document FROM bilan_introductions
             WHERE scope = $1 AND period_start = $2 AND period_end = $3",
            &[&scope, &start, &end],
        )
    }

    fn introductions(&mut self) -> StoreResult<Vec<BilanIntroduction>> {
        self.all("SELECT document FROM bilan_introductions ORDER BY scope, period_start, period_end", &[])
    }
}
