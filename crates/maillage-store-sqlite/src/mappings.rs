//! Saved mappings on SQLite.

use maillage_store::backend::{MappingTables, WriteResult};
use maillage_store::*;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use crate::rows::*;
use crate::SqliteTables;

impl MappingTables for SqliteTables<'_> {
    fn insert_mapping(&mut self, mapping: &SavedMapping) -> WriteResult<()> {
        let sql = format!("INSERT INTO mappings ({MAPPING_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        self.run(&sql, params_from_iter(mapping_values(mapping)?)).map(drop)
    }

    fn update_mapping(&mut self, mapping: &SavedMapping, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE mappings SET source = ?2, toml = ?3, layout = ?4, created_by = ?5, created_at = ?6,
                 updated_by = ?7, updated_at = ?8, version = ?9
             WHERE name = ?1 AND version = ?10",
            params_from_iter(then_expected(mapping_values(mapping)?, expected)),
        )
    }

    fn delete_mapping(&mut self, name: &str, expected: u32) -> StoreResult<u64> {
        Ok(self.run("DELETE FROM mappings WHERE name = ?1 AND version = ?2", rusqlite::params![name, expected])?)
    }

    fn saved_mapping(&mut self, name: &str) -> StoreResult<Option<SavedMapping>> {
        self.one(&format!("SELECT {MAPPING_COLUMNS} FROM mappings WHERE name = ?1"), [name])
    }

    fn saved_mappings(&mut self) -> StoreResult<Vec<SavedMapping>> {
        self.all(&format!("SELECT {MAPPING_COLUMNS} FROM mappings ORDER BY name"), [])
    }
}

/// A mapping's values in [`MAPPING_COLUMNS`]' order.
fn mapping_values(mapping: &SavedMapping) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::from(mapping.name.clone()),
        Value::from(mapping.source.clone()),
        Value::from(mapping.toml.clone()),
        Value::from(json(&mapping.layout)?),
        Value::from(mapping.created_by.clone()),
        Value::from(timestamp(&mapping.created_at)),
        Value::from(mapping.updated_by.clone()),
        Value::from(timestamp(&mapping.updated_at)),
        Value::from(mapping.version),
    ])
}
