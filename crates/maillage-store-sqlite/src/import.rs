//! An import session on SQLite: the connection is held, inside `BEGIN IMMEDIATE`, from the
//! start of the import to its commit or its drop (which rolls everything back).

use std::sync::MutexGuard;

use maillage_domain::{Place, PlaceId};
use maillage_store::backend::{insert_new_place, replace_version, PlaceTables};
use maillage_store::*;
use rusqlite::Connection;

use crate::{backend, SqliteTables};

struct SqliteImport<'a> {
    connection: MutexGuard<'a, Connection>,
    source: String,
    batch_id: String,
    open: bool,
    /// Report lines written so far.
    report_seq: usize,
}

/// Takes the write lock and writes the batch's row (finished at commit), so that its report
/// lines can refer to it.
pub(crate) fn begin<'a>(
    connection: MutexGuard<'a, Connection>,
    batch: &ImportBatch,
) -> StoreResult<Box<dyn ImportSession + 'a>> {
    // IMMEDIATE takes the write lock now: no other writer can interleave with the import.
    connection.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
    let session = SqliteImport {
        connection,
        source: batch.source.clone(),
        batch_id: batch.id.clone(),
        open: true,
        report_seq: 0,
    };
    session.tables().insert_batch(&ImportBatch { finished_at: None, ..batch.clone() })?;
    Ok(Box::new(session))
}

impl SqliteImport<'_> {
    fn tables(&self) -> SqliteTables<'_> {
        SqliteTables(&self.connection)
    }
}

impl ImportSession for SqliteImport<'_> {
    fn existing(&mut self) -> StoreResult<Vec<ExistingPlace>> {
        self.tables().source_places(&self.source)
    }

    fn load(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.tables().place(id)
    }

    fn insert(&mut self, place: &Place, content_hash: &str) -> StoreResult<()> {
        insert_new_place(&mut self.tables(), place, content_hash, ChangeKind::Created)
    }

    fn update(&mut self, place: &Place, content_hash: &str, change: ChangeKind) -> StoreResult<()> {
        replace_version(&mut self.tables(), place, Some(content_hash), change)
    }

    fn report(&mut self, lines: &[ReportLine]) -> StoreResult<()> {
        self.tables().insert_report_lines(&self.batch_id, self.report_seq + 1, lines)?;
        self.report_seq += lines.len();
        Ok(())
    }

    fn commit(mut self: Box<Self>, batch: &ImportBatch) -> StoreResult<()> {
        self.tables().finish_batch(batch, batch.finished_at.unwrap_or_else(now))?;
        self.tables().bump_data_version()?;
        self.connection.execute_batch("COMMIT").map_err(backend)?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteImport<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(err) = self.connection.execute_batch("ROLLBACK") {
                tracing::error!(%err, "échec de l'annulation d'un import SQLite");
            }
        }
    }
}
