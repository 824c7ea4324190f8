//! The hub's territorial configuration on SQLite: bassin members, indicators and their values.

use maillage_store::backend::{TerritoryTables, WriteResult};
use maillage_store::*;
use rusqlite::params;

use crate::rows::*;
use crate::SqliteTables;

impl TerritoryTables for SqliteTables<'_> {
    fn bassins(&mut self) -> StoreResult<Vec<BassinMember>> {
        // EPCI before commune, as `MemberKind` orders them (their names sort the other way).
        self.all(
            &format!(
                "SELECT {MEMBER_COLUMNS} FROM bassin_members ORDER BY bassin, CASE kind WHEN 'epci' THEN 0 ELSE 1 END, code"
            ),
            [],
        )
    }

    /// The write transaction already holds the database's write lock.
    fn clear_bassins(&mut self) -> StoreResult<()> {
        self.run("DELETE FROM bassin_members", [])?;
        Ok(())
    }

    fn insert_bassins(&mut self, members: &[BassinMember]) -> WriteResult<()> {
        let sql = format!("INSERT INTO bassin_members ({MEMBER_COLUMNS}) VALUES (?1, ?2, ?3, ?4)");
        for member in members {
            self.run(&sql, params![member.bassin, member.departement, member.kind.as_str(), member.code])?;
        }
        Ok(())
    }

    fn indicators(&mut self) -> StoreResult<Vec<IndicatorDefinition>> {
        self.all(
            &format!(
                "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY name, CASE level WHEN 'commune' THEN 0 ELSE 1 END"
            ),
            [],
        )
    }

    fn indicator_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>> {
        self.all(
            "SELECT code, value FROM indicator_values WHERE name = ?1 AND level = ?2 ORDER BY code",
            params![name, level.as_str()],
        )
    }

    /// The write transaction already holds the database's write lock.
    fn upsert_indicator(&mut self, definition: &IndicatorDefinition) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO indicators ({INDICATOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name, level) DO UPDATE SET
                 description = excluded.description, source_file = excluded.source_file, imported_at = excluded.imported_at"
        );
        self.run(&sql, indicator_params(definition))?;
        Ok(())
    }

    fn insert_indicator(&mut self, definition: &IndicatorDefinition) -> WriteResult<()> {
        let sql = format!("INSERT INTO indicators ({INDICATOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)");
        self.run(&sql, indicator_params(definition)).map(drop)
    }

    fn delete_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<()> {
        self.run("DELETE FROM indicator_values WHERE name = ?1 AND level = ?2", params![name, level.as_str()])?;
        Ok(())
    }

    fn insert_values(&mut self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> WriteResult<()> {
        let level = definition.level.as_str();
        for value in values {
            self.run(
                "INSERT INTO indicator_values (name, level, code, value) VALUES (?1, ?2, ?3, ?4)",
                params![definition.name, level, value.code, value.value],
            )?;
        }
        Ok(())
    }
}

fn indicator_params(definition: &IndicatorDefinition) -> (&str, &str, &str, &str, String) {
    (
        &definition.name,
        definition.level.as_str(),
        &definition.description,
        &definition.source_file,
        timestamp(&definition.imported_at),
    )
}
