//! Saved mappings on PostgreSQL.

use maillage_store::backend::{MappingTables, WriteResult};
use maillage_store::*;
use postgres::types::Json;
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> MappingTables for PgTables<'_, C> {
    fn insert_mapping(&mut self, mapping: &SavedMapping) -> WriteResult<()> {
        let sql = format!("INSERT INTO mappings ({MAPPING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        self.run(&sql, &borrow(&mapping_params(mapping)?)).map(drop)
    }

    fn update_mapping(&mut self, mapping: &SavedMapping, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE mappings SET source = $2, toml = $3, layout = $4, created_by = $5, created_at = $6,
                 updated_by = $7, updated_at = $8, version = $9
             WHERE name = $1 AND version = $10",
            &borrow(&then_expected(mapping_params(mapping)?, expected)?),
        )
    }

    fn delete_mapping(&mut self, name: &str, expected: u32) -> StoreResult<u64> {
        let expected = version_param(expected)?;
        Ok(self.run("DELETE FROM mappings WHERE name = $1 AND version = $2", &[&name, &expected])?)
    }

    fn saved_mapping(&mut self, name: &str) -> StoreResult<Option<SavedMapping>> {
        self.one(&format!("SELECT {MAPPING_COLUMNS} FROM mappings WHERE name = $1"), &[&name])
    }

    fn lock_mapping(&mut self, name: &str) -> StoreResult<Option<SavedMapping>> {
        self.one(&format!("SELECT {MAPPING_COLUMNS} FROM mappings WHERE name = $1 FOR UPDATE"), &[&name])
    }

    fn saved_mappings(&mut self) -> StoreResult<Vec<SavedMapping>> {
        self.all(&format!("SELECT {MAPPING_COLUMNS} FROM mappings ORDER BY name"), &[])
    }
}

/// A mapping's parameters in [`MAPPING_COLUMNS`]' order.
fn mapping_params(mapping: &SavedMapping) -> StoreResult<Params<'_>> {
    let version = version_param(mapping.version)?;
    Ok(vec![
        Box::new(&mapping.name),
        Box::new(&mapping.source),
        Box::new(&mapping.toml),
        Box::new(Json(&mapping.layout)),
        Box::new(&mapping.created_by),
        Box::new(mapping.created_at),
        Box::new(&mapping.updated_by),
        Box::new(mapping.updated_at),
        Box::new(version),
    ])
}
