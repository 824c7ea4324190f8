//! SQLite backend of the Maillage store, the embedded default: one database file (WAL
//! journal, full sync on commit), migrations embedded and applied at open.
//!
//! One connection behind a mutex: a read holds it for its statements, a write for its
//! transaction, begun `IMMEDIATE` so that it takes the database's write lock at once and no
//! other process's writer can slip in between what it reads and what it writes. The store's
//! logic is `maillage_store::backend`'s; this crate holds its statements (a module per
//! capability: `places`, `territory`, `duplicates`, `accounts`, `actors`, `mappings`, `agenda`, `activity`, `monographs`, the import session in
//! `import`) and its row mapping (`rows`).
//!
//! Boundary: implements `maillage_store::backend::Backend` and nothing else; depends on the
//! domain and the store contract only.

mod accounts;
mod activity;
mod actors;
mod agenda;
mod duplicates;
mod import;
mod mappings;
mod migrations;
mod monographs;
mod places;
mod pnt;
mod rows;
mod territory;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use maillage_store::backend::{Backend, Tables, WriteError, WriteResult};
use maillage_store::{ImportBatch, ImportSession, StoreError, StoreResult};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Params, TransactionBehavior};

use rows::FromRow;

/// A SQLite database file (or an in-memory database for tests).
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

fn backend(err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(err.to_string())
}

/// A violated constraint is a refusal the store's logic names; anything else a failure.
fn write_error(err: rusqlite::Error) -> WriteError {
    match &err {
        rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::ConstraintViolation => {
            WriteError::Refused(err.to_string())
        }
        _ => WriteError::Failed(backend(err)),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) a database file and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let connection = Connection::open(path).map_err(backend)?;
        Self::prepare(connection, true)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> StoreResult<Self> {
        Self::prepare(Connection::open_in_memory().map_err(backend)?, false)
    }

    fn prepare(mut connection: Connection, wal: bool) -> StoreResult<Self> {
        if wal {
            connection.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        }
        connection.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        connection.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
        // 64 MB of page cache: a national import touches every page of the places table.
        connection.pragma_update(None, "cache_size", -65536).map_err(backend)?;
        connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(backend)?;
        // Every statement of the store goes through the cache: room for all of them.
        connection.set_prepared_statement_cache_capacity(128);
        migrate(&mut connection)?;
        Ok(SqliteStore { connection: Mutex::new(connection) })
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        self.connection.lock().map_err(|_| StoreError::Backend("connexion SQLite empoisonnée".to_owned()))
    }
}

fn migrate(connection: &mut Connection) -> StoreResult<()> {
    let applied: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(backend)?;
    for (index, sql) in migrations::MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = connection.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", index + 1).map_err(backend)?;
        tx.commit().map_err(backend)?;
        tracing::info!(migration = index + 1, "migration SQLite appliquée");
    }
    Ok(())
}

impl Backend for SqliteStore {
    const NAME: &'static str = "sqlite";
    const LABEL: &'static str = "SQLite";

    fn read<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        work(&mut SqliteTables(&*self.lock()?))
    }

    fn write<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        // Dropping `tx` on an error rolls everything back.
        let value = work(&mut SqliteTables(&tx))?;
        tx.commit().map_err(backend)?;
        Ok(value)
    }

    fn read_consistent<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.lock()?;
        // A deferred read transaction: its first SELECT fixes the snapshot every later one
        // reads, whatever other processes commit meanwhile (WAL).
        let tx = connection.transaction_with_behavior(TransactionBehavior::Deferred).map_err(backend)?;
        let result = work(&mut SqliteTables(&tx));
        if let Err(err) = tx.rollback() {
            tracing::error!(%err, "échec de la fin d'une lecture SQLite");
        }
        result
    }

    fn import_session(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>> {
        import::begin(self.lock()?, batch)
    }
}

/// The store's statements on one connection (or transaction): the capability modules
/// implement [`Tables`]' traits for it.
pub(crate) struct SqliteTables<'a>(&'a Connection);

impl SqliteTables<'_> {
    /// Every row of a query, mapped.
    fn all<T: FromRow>(&self, sql: &str, params: impl Params) -> StoreResult<Vec<T>> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        let rows = statement.query_map(params, T::from_row).map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    /// The first row of a query, mapped.
    fn one<T: FromRow>(&self, sql: &str, params: impl Params) -> StoreResult<Option<T>> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        statement.query_row(params, T::from_row).optional().map_err(backend)
    }

    /// Each row of a query, mapped and handed to `visit` as it is read.
    fn each<T: FromRow>(
        &self,
        sql: &str,
        params: impl Params,
        visit: &mut dyn FnMut(T) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        let mut rows = statement.query(params).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            visit(T::from_row(row).map_err(backend)?)?;
        }
        Ok(())
    }

    /// The single value a query selects.
    fn value<T: FromSql>(&self, sql: &str, params: impl Params) -> StoreResult<T> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        statement.query_row(params, |row| row.get(0)).map_err(backend)
    }

    /// Runs a statement that writes; how many rows it changed.
    fn run(&self, sql: &str, params: impl Params) -> WriteResult<u64> {
        let mut statement = self.0.prepare_cached(sql).map_err(write_error)?;
        statement.execute(params).map(|changed| changed as u64).map_err(write_error)
    }
}

impl Tables for SqliteTables<'_> {
    /// Write transactions are `IMMEDIATE`: they already exclude every other writer.
    fn lock_tables(&mut self, _tables: &[&str]) -> StoreResult<()> {
        Ok(())
    }

    fn any_rows(&mut self, tables: &[&str]) -> StoreResult<bool> {
        let exists: Vec<String> = tables.iter().map(|table| format!("EXISTS (SELECT 1 FROM {table})")).collect();
        self.value(&format!("SELECT {}", exists.join(" OR ")), [])
    }
}
