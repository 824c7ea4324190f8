//! Monographs on PostgreSQL.

use maillage_store::backend::{MonographTables, WriteResult};
use maillage_store::*;
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> MonographTables for PgTables<'_, C> {
    fn insert_monograph_text(&mut self, text: &MonographText) -> WriteResult<()> {
        let sql = format!("INSERT INTO monograph_texts ({MONOGRAPH_TEXT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        let version = version_param(text.version)?;
        self.run(&sql, &[&text.bassin, &text.section, &version, &text.text, &text.author, &text.saved_at]).map(drop)
    }

    fn last_monograph_text(&mut self, bassin: &str, section: &str) -> StoreResult<u32> {
        let last: Option<i32> = self.value(
            "SELECT max(version) FROM monograph_texts WHERE bassin = $1 AND section = $2",
            &[&bassin, &section],
        )?;
        Ok(last.map_or(0, |v| v.max(0) as u32))
    }

    fn monograph_texts(&mut self, bassin: Option<&str>) -> StoreResult<Vec<MonographText>> {
        match bassin {
            Some(bassin) => self.all(
                &format!(
                    "SELECT {MONOGRAPH_TEXT_COLUMNS} FROM monograph_texts WHERE bassin = $1 ORDER BY section, version"
                ),
                &[&bassin],
            ),
            None => self.all(
                &format!("SELECT {MONOGRAPH_TEXT_COLUMNS} FROM monograph_texts ORDER BY bassin, section, version"),
                &[],
            ),
        }
    }

    fn insert_monograph_edition(&mut self, edition: &MonographEdition) -> WriteResult<()> {
        let sql =
            format!("INSERT INTO monograph_editions ({MONOGRAPH_EDITION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        let number = version_param(edition.number)?;
        self.run(
            &sql,
            &[&edition.id, &edition.bassin, &number, &edition.published_at, &edition.published_by, &edition.content],
        )
        .map(drop)
    }

    fn last_monograph_edition(&mut self, bassin: &str) -> StoreResult<u32> {
        let last: Option<i32> =
            self.value("SELECT max(number) FROM monograph_editions WHERE bassin = $1", &[&bassin])?;
        Ok(last.map_or(0, |v| v.max(0) as u32))
    }

    fn monograph_editions(&mut self, bassin: Option<&str>) -> StoreResult<Vec<MonographEdition>> {
        match bassin {
            Some(bassin) => self.all(
                &format!(
                    "SELECT {MONOGRAPH_EDITION_COLUMNS} FROM monograph_editions WHERE bassin = $1 ORDER BY number"
                ),
                &[&bassin],
            ),
            None => self.all(
                &format!("SELECT {MONOGRAPH_EDITION_COLUMNS} FROM monograph_editions ORDER BY bassin, number"),
                &[],
            ),
        }
    }

    fn monograph_edition(&mut self, id: &str) -> StoreResult<Option<MonographEdition>> {
        self.one(&format!("SELECT {MONOGRAPH_EDITION_COLUMNS} FROM monograph_editions WHERE id = $1"), &[&id])
    }
}
