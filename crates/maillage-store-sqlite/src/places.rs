//! The registry's statements on SQLite: places, their superseded versions, import batches
//! and their reports, problems reported on places.

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceStatus};
use maillage_store::backend::{PlaceTables, VersionWrites, WriteResult};
use maillage_store::*;
use rusqlite::params;

use crate::rows::*;
use crate::SqliteTables;

impl VersionWrites for SqliteTables<'_> {
    fn archive_version(&mut self, id: &PlaceId, version: u32) -> StoreResult<u64> {
        let sql = format!(
            "INSERT INTO place_versions ({VERSION_COLUMNS}) SELECT {CURRENT_VERSION_COLUMNS} FROM places WHERE id = ?1 AND version = ?2"
        );
        Ok(self.run(&sql, params![id.0, version])?)
    }

    fn update_place(&mut self, place: &Place, content_hash: Option<&str>, change: ChangeKind) -> StoreResult<u64> {
        let written = self.run(
            "UPDATE places SET batch_id = ?2, status = ?3, version = ?4, updated_at = ?5,
                 content_hash = coalesce(?6, content_hash), record = ?7, extras = ?8, last_change = ?9
             WHERE id = ?1 AND version = ?4 - 1",
            params![
                place.id.0,
                place.batch_id,
                place.status.as_str(),
                place.version,
                timestamp(&place.updated_at),
                content_hash,
                json(&place.record)?,
                json(&place.extras)?,
                change.as_str()
            ],
        );
        Ok(written?)
    }
}

impl PlaceTables for SqliteTables<'_> {
    fn place(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.one(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = ?1"), [&id.0])
    }

    fn place_by_source_id(&mut self, source: &str, source_id: &str) -> StoreResult<Option<Place>> {
        self.one(
            &format!("SELECT {PLACE_COLUMNS} FROM places WHERE source = ?1 AND source_id = ?2"),
            [source, source_id],
        )
    }

    fn place_exists(&mut self, id: &PlaceId) -> StoreResult<bool> {
        self.value("SELECT EXISTS (SELECT 1 FROM places WHERE id = ?1)", [&id.0])
    }

    fn visit_places(&mut self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        self.each(
            &format!(
                "SELECT {PLACE_COLUMNS} FROM places
                 WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR updated_at >= ?3)
                 ORDER BY id"
            ),
            params![query.source, query.status.map(PlaceStatus::as_str), optional_timestamp(&query.updated_since)],
            visit,
        )
    }

    fn source_places(&mut self, source: &str) -> StoreResult<Vec<ExistingPlace>> {
        self.all(&format!("SELECT {EXISTING_COLUMNS} FROM places WHERE source = ?1"), [source])
    }

    fn place_history(&mut self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>> {
        self.all(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM place_versions WHERE place_id = ?1
                 UNION ALL SELECT {CURRENT_VERSION_COLUMNS} FROM places WHERE id = ?1
                 ORDER BY version"
            ),
            [&id.0],
        )
    }

    /// The write transaction already holds the database's write lock.
    fn lock_place_version(&mut self, id: &PlaceId) -> StoreResult<Option<u32>> {
        self.one("SELECT version FROM places WHERE id = ?1", [&id.0])
    }

    fn insert_place(&mut self, place: &Place, content_hash: &str, last_change: ChangeKind) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO places ({PLACE_COLUMNS}, {PLACE_ROW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        );
        let params = params![
            place.id.0,
            place.source,
            place.source_id,
            place.batch_id,
            place.status.as_str(),
            place.version,
            timestamp(&place.created_at),
            timestamp(&place.updated_at),
            json(&place.record)?,
            json(&place.extras)?,
            content_hash,
            last_change.as_str()
        ];
        self.run(&sql, params).map(drop)
    }

    fn insert_version(&mut self, version: &PlaceVersion) -> WriteResult<()> {
        let sql = format!("INSERT INTO place_versions ({VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        let params = params![
            version.place_id.0,
            version.version,
            timestamp(&version.recorded_at),
            version.batch_id,
            version.change.as_str(),
            version.status.as_str(),
            json(&version.record)?,
            json(&version.extras)?
        ];
        self.run(&sql, params).map(drop)
    }

    fn visit_place_rows(&mut self, visit: &mut dyn FnMut(PlaceSnapshot) -> StoreResult<()>) -> StoreResult<()> {
        self.each(&format!("SELECT {PLACE_COLUMNS}, {PLACE_ROW_COLUMNS} FROM places ORDER BY id"), [], visit)
    }

    fn visit_versions(&mut self, visit: &mut dyn FnMut(PlaceVersion) -> StoreResult<()>) -> StoreResult<()> {
        self.each(&format!("SELECT {VERSION_COLUMNS} FROM place_versions ORDER BY place_id, version"), [], visit)
    }

    fn source_stats(&mut self) -> StoreResult<Vec<SourceStats>> {
        self.all(
            "SELECT source, SUM(status = 'active'), SUM(status = 'withdrawn') FROM places GROUP BY source ORDER BY source",
            [],
        )
    }

    fn insert_batch(&mut self, batch: &ImportBatch) -> WriteResult<()> {
        let sql = format!("INSERT INTO import_batches ({BATCH_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        let params = params![
            batch.id,
            batch.source,
            batch.file_name,
            timestamp(&batch.started_at),
            optional_timestamp(&batch.finished_at),
            json(&batch.counts)?
        ];
        self.run(&sql, params).map(drop)
    }

    fn data_version(&mut self) -> StoreResult<u64> {
        let version: i64 = self.value("SELECT version FROM data_version", [])?;
        Ok(version.unsigned_abs())
    }

    fn bump_data_version(&mut self) -> StoreResult<()> {
        self.run("UPDATE data_version SET version = version + 1", [])?;
        Ok(())
    }

    fn finish_batch(&mut self, batch: &ImportBatch, finished_at: DateTime<Utc>) -> StoreResult<()> {
        let sql = "UPDATE import_batches SET finished_at = ?2, counts = ?3 WHERE id = ?1";
        self.run(sql, params![batch.id, timestamp(&finished_at), json(&batch.counts)?])?;
        Ok(())
    }

    fn batches(&mut self) -> StoreResult<Vec<ImportBatch>> {
        self.all(
            &format!(
                "SELECT {BATCH_COLUMNS} FROM import_batches WHERE finished_at IS NOT NULL ORDER BY started_at DESC, id DESC"
            ),
            [],
        )
    }

    fn all_batches(&mut self) -> StoreResult<Vec<ImportBatch>> {
        self.all(&format!("SELECT {BATCH_COLUMNS} FROM import_batches ORDER BY id"), [])
    }

    fn insert_report_lines(&mut self, batch_id: &str, first_seq: usize, lines: &[ReportLine]) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO import_report (batch_id, seq, {REPORT_LINE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        );
        for (seq, line) in (first_seq..).zip(lines) {
            let problem = &line.problem;
            let severity = severity_key(problem.severity);
            self.run(
                &sql,
                params![
                    batch_id,
                    seq,
                    line.row,
                    line.source_id,
                    severity,
                    problem.field,
                    problem.value,
                    problem.reason
                ],
            )?;
        }
        Ok(())
    }

    fn report_lines(&mut self, batch_id: &str) -> StoreResult<Vec<ReportLine>> {
        self.all(
            &format!("SELECT {REPORT_LINE_COLUMNS} FROM import_report WHERE batch_id = ?1 ORDER BY seq"),
            [batch_id],
        )
    }

    fn insert_place_report(&mut self, report: &PlaceReport) -> WriteResult<()> {
        let sql = format!("INSERT INTO place_reports ({PLACE_REPORT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)");
        let created_at = timestamp(&report.created_at);
        self.run(&sql, params![report.id, report.place_id.0, report.category, report.message, created_at]).map(drop)
    }

    fn place_report_exists(&mut self, id: &str) -> StoreResult<bool> {
        self.value("SELECT EXISTS (SELECT 1 FROM place_reports WHERE id = ?1)", [id])
    }

    fn place_reports(&mut self, place: &PlaceId) -> StoreResult<Vec<PlaceReport>> {
        let sql = format!("SELECT {PLACE_REPORT_COLUMNS} FROM place_reports WHERE place_id = ?1 ORDER BY id");
        self.all(&sql, [&place.0])
    }

    fn all_place_reports(&mut self) -> StoreResult<Vec<PlaceReport>> {
        self.all(&format!("SELECT {PLACE_REPORT_COLUMNS} FROM place_reports ORDER BY id"), [])
    }
}
