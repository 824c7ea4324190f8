//! The registry's statements on PostgreSQL: places, their superseded versions, import
//! batches and their reports, problems reported on places.

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceStatus};
use maillage_store::backend::{PlaceTables, VersionWrites, WriteResult};
use maillage_store::*;
use postgres::types::Json;
use postgres::GenericClient;

use crate::rows::*;
use crate::{PgTables, ROWS_PER_STATEMENT};

impl<C: GenericClient> VersionWrites for PgTables<'_, C> {
    fn archive_version(&mut self, id: &PlaceId, version: u32) -> StoreResult<u64> {
        let sql = format!(
            "INSERT INTO place_versions ({VERSION_COLUMNS}) SELECT {CURRENT_VERSION_COLUMNS} FROM places WHERE id = $1 AND version = $2"
        );
        Ok(self.run(&sql, &[&id.0, &version_param(version)?])?)
    }

    fn update_place(&mut self, place: &Place, content_hash: Option<&str>, change: ChangeKind) -> StoreResult<u64> {
        let written = self.run(
            "UPDATE places SET batch_id = $2, status = $3, version = $4, updated_at = $5,
                 content_hash = coalesce($6, content_hash), record = $7, extras = $8, last_change = $9
             WHERE id = $1 AND version = $4 - 1",
            &[
                &place.id.0,
                &place.batch_id,
                &place.status.as_str(),
                &version_param(place.version)?,
                &place.updated_at,
                &content_hash,
                &Json(&place.record),
                &Json(&place.extras),
                &change.as_str(),
            ],
        );
        Ok(written?)
    }
}

impl<C: GenericClient> PlaceTables for PgTables<'_, C> {
    fn place(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.one(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1"), &[&id.0])
    }

    fn place_by_source_id(&mut self, source: &str, source_id: &str) -> StoreResult<Option<Place>> {
        self.one(
            &format!("SELECT {PLACE_COLUMNS} FROM places WHERE source = $1 AND source_id = $2"),
            &[&source, &source_id],
        )
    }

    fn place_exists(&mut self, id: &PlaceId) -> StoreResult<bool> {
        self.value("SELECT EXISTS (SELECT 1 FROM places WHERE id = $1)", &[&id.0])
    }

    fn visit_places(&mut self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        let status = query.status.map(PlaceStatus::as_str);
        self.each(
            &format!(
                "SELECT {PLACE_COLUMNS} FROM places
                 WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR status = $2)
                   AND ($3::timestamptz IS NULL OR updated_at >= $3)
                 ORDER BY id"
            ),
            &[&query.source, &status, &query.updated_since],
            visit,
        )
    }

    fn source_places(&mut self, source: &str) -> StoreResult<Vec<ExistingPlace>> {
        self.all(&format!("SELECT {EXISTING_COLUMNS} FROM places WHERE source = $1"), &[&source])
    }

    fn place_history(&mut self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>> {
        self.all(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM place_versions WHERE place_id = $1
                 UNION ALL SELECT {CURRENT_VERSION_COLUMNS} FROM places WHERE id = $1
                 ORDER BY version"
            ),
            &[&id.0],
        )
    }

    fn lock_place_version(&mut self, id: &PlaceId) -> StoreResult<Option<u32>> {
        let rows = self.rows("SELECT version FROM places WHERE id = $1 FOR UPDATE", &[&id.0])?;
        rows.first().map(|row| version(row, "version")).transpose()
    }

    fn insert_place(&mut self, place: &Place, content_hash: &str, last_change: ChangeKind) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO places ({PLACE_COLUMNS}, {PLACE_ROW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        let params: [&(dyn postgres::types::ToSql + Sync); 12] = [
            &place.id.0,
            &place.source,
            &place.source_id,
            &place.batch_id,
            &place.status.as_str(),
            &version_param(place.version)?,
            &place.created_at,
            &place.updated_at,
            &Json(&place.record),
            &Json(&place.extras),
            &content_hash,
            &last_change.as_str(),
        ];
        self.run(&sql, &params).map(drop)
    }

    fn insert_version(&mut self, version: &PlaceVersion) -> WriteResult<()> {
        let sql = format!("INSERT INTO place_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        let params: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &version.place_id.0,
            &version_param(version.version)?,
            &version.recorded_at,
            &version.batch_id,
            &version.change.as_str(),
            &version.status.as_str(),
            &Json(&version.record),
            &Json(&version.extras),
        ];
        self.run(&sql, &params).map(drop)
    }

    fn visit_place_rows(&mut self, visit: &mut dyn FnMut(PlaceSnapshot) -> StoreResult<()>) -> StoreResult<()> {
        self.each(&format!("SELECT {PLACE_COLUMNS}, {PLACE_ROW_COLUMNS} FROM places ORDER BY id"), &[], visit)
    }

    fn visit_versions(&mut self, visit: &mut dyn FnMut(PlaceVersion) -> StoreResult<()>) -> StoreResult<()> {
        self.each(&format!("SELECT {VERSION_COLUMNS} FROM place_versions ORDER BY place_id, version"), &[], visit)
    }

    fn source_stats(&mut self) -> StoreResult<Vec<SourceStats>> {
        self.all(
            "SELECT source,
                    count(*) FILTER (WHERE status = 'active') AS active,
                    count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn
             FROM places GROUP BY source ORDER BY source",
            &[],
        )
    }

    fn insert_batch(&mut self, batch: &ImportBatch) -> WriteResult<()> {
        let sql = format!("INSERT INTO import_batches ({BATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        let counts = Json(&batch.counts);
        let params: [&(dyn postgres::types::ToSql + Sync); 6] =
            [&batch.id, &batch.source, &batch.file_name, &batch.started_at, &batch.finished_at, &counts];
        self.run(&sql, &params).map(drop)
    }

    fn data_version(&mut self) -> StoreResult<u64> {
        let version: i64 = self.value("SELECT version FROM data_version", &[])?;
        Ok(version.unsigned_abs())
    }

    fn bump_data_version(&mut self) -> StoreResult<()> {
        self.run("UPDATE data_version SET version = version + 1", &[])?;
        Ok(())
    }

    fn finish_batch(&mut self, batch: &ImportBatch, finished_at: DateTime<Utc>) -> StoreResult<()> {
        let sql = "UPDATE import_batches SET finished_at = $2, counts = $3 WHERE id = $1";
        self.run(sql, &[&batch.id, &finished_at, &Json(&batch.counts)])?;
        Ok(())
    }

    fn batches(&mut self) -> StoreResult<Vec<ImportBatch>> {
        self.all(
            &format!(
                "SELECT {BATCH_COLUMNS} FROM import_batches WHERE finished_at IS NOT NULL ORDER BY started_at DESC, id DESC"
            ),
            &[],
        )
    }

    fn all_batches(&mut self) -> StoreResult<Vec<ImportBatch>> {
        self.all(&format!("SELECT {BATCH_COLUMNS} FROM import_batches ORDER BY id"), &[])
    }

    /// [`ROWS_PER_STATEMENT`] lines a statement.
    fn insert_report_lines(&mut self, batch_id: &str, first_seq: usize, lines: &[ReportLine]) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO import_report (batch_id, seq, {REPORT_LINE_COLUMNS})
             SELECT $1, * FROM UNNEST($2::int4[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])"
        );
        let mut next_seq = first_seq;
        for chunk in lines.chunks(ROWS_PER_STATEMENT) {
            let mut seqs = Vec::with_capacity(chunk.len());
            let mut rows = Vec::with_capacity(chunk.len());
            for line in chunk {
                seqs.push(
                    i32::try_from(next_seq).map_err(|_| {
                        StoreError::Backend(format!("trop de lignes de rapport pour le lot {batch_id}"))
                    })?,
                );
                next_seq += 1;
                rows.push(
                    i64::try_from(line.row)
                        .map_err(|_| StoreError::Backend(format!("numéro de ligne hors limites : {}", line.row)))?,
                );
            }
            let source_ids: Vec<Option<&str>> = chunk.iter().map(|l| l.source_id.as_deref()).collect();
            let severities: Vec<&str> = chunk.iter().map(|l| severity_key(l.problem.severity)).collect();
            let fields: Vec<&str> = chunk.iter().map(|l| l.problem.field.as_str()).collect();
            let values: Vec<&str> = chunk.iter().map(|l| l.problem.value.as_str()).collect();
            let reasons: Vec<&str> = chunk.iter().map(|l| l.problem.reason.as_str()).collect();
            self.run(&sql, &[&batch_id, &seqs, &rows, &source_ids, &severities, &fields, &values, &reasons])?;
        }
        Ok(())
    }

    fn report_lines(&mut self, batch_id: &str) -> StoreResult<Vec<ReportLine>> {
        self.all(
            &format!("SELECT {REPORT_LINE_COLUMNS} FROM import_report WHERE batch_id = $1 ORDER BY seq"),
            &[&batch_id],
        )
    }

    fn insert_place_report(&mut self, report: &PlaceReport) -> WriteResult<()> {
        let sql = format!("INSERT INTO place_reports ({PLACE_REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        self.run(&sql, &[&report.id, &report.place_id.0, &report.category, &report.message, &report.created_at])
            .map(drop)
    }

    fn place_report_exists(&mut self, id: &str) -> StoreResult<bool> {
        self.value("SELECT EXISTS (SELECT 1 FROM place_reports WHERE id = $1)", &[&id])
    }

    fn place_reports(&mut self, place: &PlaceId) -> StoreResult<Vec<PlaceReport>> {
        let sql = format!("SELECT {PLACE_REPORT_COLUMNS} FROM place_reports WHERE place_id = $1 ORDER BY id");
        self.all(&sql, &[&place.0])
    }

    fn all_place_reports(&mut self) -> StoreResult<Vec<PlaceReport>> {
        self.all(&format!("SELECT {PLACE_REPORT_COLUMNS} FROM place_reports ORDER BY id"), &[])
    }
}
