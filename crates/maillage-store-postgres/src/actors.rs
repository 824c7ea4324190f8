//! The actors directory on PostgreSQL.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::backend::{StakeholderTables, WriteResult};
use maillage_store::*;
use postgres::types::ToSql;
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> StakeholderTables for PgTables<'_, C> {
    fn insert_stakeholder(&mut self, stakeholder: &Stakeholder) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO stakeholders ({STAKEHOLDER_COLUMNS}, search_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        self.run(&sql, &borrow(&stakeholder_params(stakeholder)?)).map(drop)
    }

    fn update_stakeholder(&mut self, stakeholder: &Stakeholder, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE stakeholders SET name = $2, kind = $3, commune_code = $4, commune = $5, departement = $6,
                 place_id = $7, contact = $8, created_by = $9, created_at = $10, updated_at = $11, version = $12,
                 merged_into = $13, search_key = $14
             WHERE id = $1 AND version = $15",
            &borrow(&then_expected(stakeholder_params(stakeholder)?, expected)?),
        )
    }

    fn stakeholder(&mut self, id: &str) -> StoreResult<Option<Stakeholder>> {
        self.one(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE id = $1"), &[&id])
    }

    fn lock_stakeholder(&mut self, id: &str) -> StoreResult<Option<Stakeholder>> {
        self.one(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE id = $1 FOR UPDATE"), &[&id])
    }

    fn stakeholders(&mut self) -> StoreResult<Vec<Stakeholder>> {
        self.all(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders ORDER BY id"), &[])
    }

    fn find_stakeholders(&mut self, words: &[String], limit: usize) -> StoreResult<Vec<Stakeholder>> {
        let mut sql = format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE merged_into IS NULL");
        for n in 1..=words.len() {
            sql.push_str(&format!(" AND strpos(search_key, ${n}) > 0"));
        }
        sql.push_str(&format!(" ORDER BY search_key, id LIMIT ${}", words.len() + 1));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut params: Vec<&(dyn ToSql + Sync)> = words.iter().map(|word| word as &(dyn ToSql + Sync)).collect();
        params.push(&limit);
        self.all(&sql, &params)
    }

    fn stakeholders_of_place(&mut self, place: &PlaceId) -> StoreResult<Vec<Stakeholder>> {
        let sql = format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE place_id = $1 ORDER BY id");
        self.all(&sql, &[&place.0])
    }

    fn redirect_stakeholders(&mut self, from: &str, into: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let sql = "UPDATE stakeholders SET merged_into = $2, updated_at = $3 WHERE merged_into = $1";
        Ok(self.run(sql, &[&from, &into, &at])?)
    }
}

/// An entry's parameters in [`STAKEHOLDER_COLUMNS`]' order, then the search key.
fn stakeholder_params(stakeholder: &Stakeholder) -> StoreResult<Params<'_>> {
    let version = version_param(stakeholder.version)?;
    Ok(vec![
        Box::new(&stakeholder.id),
        Box::new(&stakeholder.name),
        Box::new(stakeholder.kind.as_str()),
        Box::new(&stakeholder.commune_code),
        Box::new(&stakeholder.commune),
        Box::new(&stakeholder.departement),
        Box::new(stakeholder.place_id.as_ref().map(|place| &place.0)),
        Box::new(&stakeholder.contact),
        Box::new(&stakeholder.created_by),
        Box::new(stakeholder.created_at),
        Box::new(stakeholder.updated_at),
        Box::new(version),
        Box::new(&stakeholder.merged_into),
        Box::new(stakeholder.search_key()),
    ])
}
