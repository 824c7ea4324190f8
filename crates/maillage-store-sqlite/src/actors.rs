//! The actors directory on SQLite.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::backend::{StakeholderTables, WriteResult};
use maillage_store::*;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};

use crate::rows::*;
use crate::SqliteTables;

impl StakeholderTables for SqliteTables<'_> {
    fn insert_stakeholder(&mut self, stakeholder: &Stakeholder) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO stakeholders ({STAKEHOLDER_COLUMNS}, search_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        );
        self.run(&sql, params_from_iter(stakeholder_values(stakeholder))).map(drop)
    }

    fn update_stakeholder(&mut self, stakeholder: &Stakeholder, expected: u32) -> WriteResult<u64> {
        let mut values = stakeholder_values(stakeholder);
        values.push(Value::from(expected));
        self.run(
            "UPDATE stakeholders SET name = ?2, kind = ?3, commune_code = ?4, commune = ?5, departement = ?6,
                 place_id = ?7, contact = ?8, created_by = ?9, created_at = ?10, updated_at = ?11, version = ?12,
                 merged_into = ?13, search_key = ?14
             WHERE id = ?1 AND version = ?15",
            params_from_iter(values),
        )
    }

    fn stakeholder(&mut self, id: &str) -> StoreResult<Option<Stakeholder>> {
        self.one(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE id = ?1"), [id])
    }

    fn stakeholders(&mut self) -> StoreResult<Vec<Stakeholder>> {
        self.all(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders ORDER BY id"), [])
    }

    fn find_stakeholders(&mut self, words: &[String], limit: usize) -> StoreResult<Vec<Stakeholder>> {
        let mut sql = format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE merged_into IS NULL");
        for n in 1..=words.len() {
            sql.push_str(&format!(" AND instr(search_key, ?{n}) > 0"));
        }
        sql.push_str(&format!(" ORDER BY search_key, id LIMIT ?{}", words.len() + 1));
        let mut values: Vec<Value> = words.iter().map(|word| Value::from(word.clone())).collect();
        values.push(Value::from(i64::try_from(limit).unwrap_or(i64::MAX)));
        self.all(&sql, params_from_iter(values))
    }

    fn stakeholders_of_place(&mut self, place: &PlaceId) -> StoreResult<Vec<Stakeholder>> {
        self.all(&format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE place_id = ?1 ORDER BY id"), [&place.0])
    }

    fn redirect_stakeholders(&mut self, from: &str, into: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let sql = "UPDATE stakeholders SET merged_into = ?2, updated_at = ?3 WHERE merged_into = ?1";
        Ok(self.run(sql, params![from, into, timestamp(&at)])?)
    }
}

/// An entry's values in [`STAKEHOLDER_COLUMNS`]' order, then its search key.
fn stakeholder_values(stakeholder: &Stakeholder) -> Vec<Value> {
    vec![
        Value::from(stakeholder.id.clone()),
        Value::from(stakeholder.name.clone()),
        Value::from(stakeholder.kind.as_str().to_owned()),
        Value::from(stakeholder.commune_code.clone()),
        Value::from(stakeholder.commune.clone()),
        Value::from(stakeholder.departement.clone()),
        Value::from(stakeholder.place_id.as_ref().map(|place| place.0.clone())),
        Value::from(stakeholder.contact.clone()),
        Value::from(stakeholder.created_by.clone()),
        Value::from(timestamp(&stakeholder.created_at)),
        Value::from(timestamp(&stakeholder.updated_at)),
        Value::from(stakeholder.version),
        Value::from(stakeholder.merged_into.clone()),
        Value::from(stakeholder.search_key()),
    ]
}
