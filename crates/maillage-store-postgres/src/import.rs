//! An import session on PostgreSQL: a pooled connection inside a transaction holding the
//! source's advisory lock, until commit or drop. New places are buffered and sent
//! [`ROWS_PER_STATEMENT`] at a time; the session's statements are prepared once.

use std::collections::{BTreeMap, HashSet};

use maillage_domain::{Place, PlaceId, PlaceRecord};
use maillage_store::backend::{replace_version, source_id_taken_error, PlaceTables};
use maillage_store::*;
use postgres::types::Json;
use postgres::Client;

use crate::pool::Pooled;
use crate::rows::version_param;
use crate::{describe, PgTables, Statements, ROWS_PER_STATEMENT};

/// Advisory-lock namespace of imports: `pg_advisory_xact_lock(IMPORT_LOCK_NAMESPACE,
/// hashtext(source))`. Two sources whose names hash alike merely import one after the other.
pub(crate) const IMPORT_LOCK_NAMESPACE: i32 = 0x4d41_4931; // "MAI1"

struct PostgresImport<'a> {
    connection: Pooled<'a>,
    statements: Statements,
    source: String,
    batch_id: String,
    /// A transaction is open on the connection.
    open: bool,
    /// A statement failed: PostgreSQL has aborted the transaction, so nothing more can be
    /// written and commit must not pretend otherwise.
    failed: bool,
    /// Report lines written so far.
    report_seq: usize,
    /// New places not yet sent, always sent before any other statement of the session so
    /// that reads and updates see them.
    pending: Vec<(Place, String)>,
    /// Ids in the source of the session's places, stored or pending: a repeated id must be a
    /// conflict at once, as a single insert would be. Authoritative because the session holds
    /// the source's lock; loaded with `existing` or at the first insert.
    known_source_ids: Option<HashSet<String>>,
}

/// Opens the import's transaction, takes the source's lock and writes the batch's row
/// (finished at commit), so that its report lines can refer to it.
pub(crate) fn begin<'a>(connection: Pooled<'a>, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + 'a>> {
    // Marked open before BEGIN is sent: if anything below fails, the session's drop rolls
    // back (or discards the connection), so it never returns to the pool in a transaction.
    let mut session = PostgresImport {
        connection,
        statements: Statements::new(),
        source: batch.source.clone(),
        batch_id: batch.id.clone(),
        open: true,
        failed: false,
        report_seq: 0,
        pending: Vec::new(),
        known_source_ids: None,
    };
    session.run(|tables| {
        // READ COMMITTED whatever the server's default: each statement then sees what was
        // committed before it, so an import that waited for the lock sees the rows of the
        // import it waited for. Under REPEATABLE READ its snapshot would predate them.
        tables.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        // Waits, without limit, for an import of the same source to end: it releases the
        // lock at commit or rollback, and a crashed process's connection releases it when it
        // drops.
        tables.run("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&IMPORT_LOCK_NAMESPACE, &batch.source])?;
        Ok(tables.insert_batch(&ImportBatch { finished_at: None, ..batch.clone() })?)
    })?;
    Ok(Box::new(session))
}

impl PostgresImport<'_> {
    /// Runs `work` on the session's connection and statements, unless an earlier failure
    /// aborted the transaction; a failure of the database (not a conflict, which is detected
    /// without an error) aborts it.
    fn run<T>(&mut self, work: impl FnOnce(&mut PgTables<'_, Client>) -> StoreResult<T>) -> StoreResult<T> {
        if self.failed {
            return Err(StoreError::Backend("l'import a déjà échoué : sa transaction est annulée".to_owned()));
        }
        let client = self.connection.client()?;
        let result = work(&mut PgTables { client, statements: &mut self.statements });
        if matches!(result, Err(StoreError::Backend(_))) {
            self.failed = true;
        }
        result
    }

    /// As [`PostgresImport::run`], once the buffered new places are sent.
    fn flushed<T>(&mut self, work: impl FnOnce(&mut PgTables<'_, Client>) -> StoreResult<T>) -> StoreResult<T> {
        self.flush_inserts()?;
        self.run(work)
    }

    /// Sends the buffered new places in one statement; a place whose (source, id) already
    /// exists is a conflict, as a single insert would have been.
    fn flush_inserts(&mut self) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let written = self.run(|tables| tables.insert_new_places(&pending))?;
        match pending.iter().find(|(place, _)| !written.contains(&place.id.0)) {
            Some((place, _)) => Err(source_id_taken_error(place)),
            None => Ok(()),
        }
    }
}

impl PgTables<'_, Client> {
    /// Inserts new places (their first version), skipping those whose (source, id in
    /// source) is taken; the ids of the rows written.
    fn insert_new_places(&mut self, places: &[(Place, String)]) -> StoreResult<HashSet<String>> {
        let mut versions = Vec::with_capacity(places.len());
        for (place, _) in places {
            versions.push(version_param(place.version)?);
        }
        let ids: Vec<&str> = places.iter().map(|(p, _)| p.id.0.as_str()).collect();
        let sources: Vec<&str> = places.iter().map(|(p, _)| p.source.as_str()).collect();
        let source_ids: Vec<&str> = places.iter().map(|(p, _)| p.source_id.as_str()).collect();
        let batch_ids: Vec<Option<&str>> = places.iter().map(|(p, _)| p.batch_id.as_deref()).collect();
        let statuses: Vec<&str> = places.iter().map(|(p, _)| p.status.as_str()).collect();
        let created: Vec<_> = places.iter().map(|(p, _)| p.created_at).collect();
        let updated: Vec<_> = places.iter().map(|(p, _)| p.updated_at).collect();
        let hashes: Vec<&str> = places.iter().map(|(_, h)| h.as_str()).collect();
        let records: Vec<Json<&PlaceRecord>> = places.iter().map(|(p, _)| Json(&p.record)).collect();
        let extras: Vec<Json<&BTreeMap<String, String>>> = places.iter().map(|(p, _)| Json(&p.extras)).collect();
        let rows = self.rows(
            "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras)
             SELECT id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, 'created', record, extras
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::timestamptz[],
                         $8::timestamptz[], $9::text[], $10::jsonb[], $11::jsonb[])
                  AS t(id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, record, extras)
             ON CONFLICT DO NOTHING
             RETURNING id",
            &[&ids, &sources, &source_ids, &batch_ids, &statuses, &versions, &created, &updated, &hashes, &records, &extras],
        )?;
        rows.iter().map(|row| crate::rows::get(row, "id")).collect()
    }
}

impl ImportSession for PostgresImport<'_> {
    fn existing(&mut self) -> StoreResult<Vec<ExistingPlace>> {
        let source = self.source.clone();
        let existing = self.flushed(|tables| tables.source_places(&source))?;
        self.known_source_ids = Some(existing.iter().map(|place| place.source_id.clone()).collect());
        Ok(existing)
    }

    fn load(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.flushed(|tables| tables.place(id))
    }

    fn insert(&mut self, place: &Place, content_hash: &str) -> StoreResult<()> {
        version_param(place.version)?;
        if place.source == self.source {
            if self.known_source_ids.is_none() {
                self.existing()?;
            }
            let known = self.known_source_ids.as_mut().expect("loaded above");
            if !known.insert(place.source_id.clone()) {
                return Err(source_id_taken_error(place));
            }
        }
        self.pending.push((place.clone(), content_hash.to_owned()));
        if self.pending.len() >= ROWS_PER_STATEMENT {
            self.flush_inserts()?;
        }
        Ok(())
    }

    fn update(&mut self, place: &Place, content_hash: &str, change: ChangeKind) -> StoreResult<()> {
        self.flushed(|tables| replace_version(tables, place, Some(content_hash), change))
    }

    fn report(&mut self, lines: &[ReportLine]) -> StoreResult<()> {
        let (batch_id, first_seq) = (self.batch_id.clone(), self.report_seq + 1);
        self.flushed(|tables| Ok(tables.insert_report_lines(&batch_id, first_seq, lines)?))?;
        self.report_seq += lines.len();
        Ok(())
    }

    fn commit(mut self: Box<Self>, batch: &ImportBatch) -> StoreResult<()> {
        let finished = batch.finished_at.unwrap_or_else(now);
        self.flushed(|tables| {
            tables.finish_batch(batch, finished)?;
            tables.bump_data_version()?;
            // On failure the server has ended the transaction (or the connection is gone):
            // drop's ROLLBACK is then a harmless no-op, or discards the connection.
            tables.batch("COMMIT")
        })?;
        self.open = false;
        Ok(())
    }
}

impl Drop for PostgresImport<'_> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // ROLLBACK also clears an aborted transaction; if even that fails, the
        // connection's state is unknown and it must not go back to the pool.
        let rolled_back = match self.connection.client() {
            Ok(client) => client.batch_execute("ROLLBACK").map_err(|err| describe(&err)),
            Err(_) => Ok(()),
        };
        if let Err(err) = rolled_back {
            tracing::error!(%err, "échec de l'annulation d'un import PostgreSQL");
            self.connection.discard();
        }
    }
}
