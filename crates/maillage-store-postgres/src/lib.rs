//! PostgreSQL backend of the Maillage store, for a registry shared by several processes (the
//! web layer, imports run by cron, the CLI): a small connection pool, migrations embedded and
//! applied at connect, and imports serialised per source by a transaction-level advisory lock.
//!
//! It behaves like the SQLite backend for everything the store contract checks: the store's
//! logic is `maillage_store::backend`'s, and this crate holds its statements (a module per
//! capability: `places`, `territory`, `duplicates`, `accounts`, `actors`, `mappings`, `pnt`, `agenda`, `activity`, `monographs`, the import session in
//! `import`) and its row mapping (`rows`). Places and versions are stored as `jsonb`
//! documents with the columns the queries need beside them; timestamps as `timestamptz`,
//! whose microseconds match what [`maillage_store::now`] keeps. Identifier columns use the
//! "C" collation so ordering is byte order, as in SQLite.
//!
//! - Connecting: [`PostgresStore::connect`] takes a `postgres://` URL; the pool's size and
//!   timeouts are [`PoolSettings`] (the binary reads them from `MAILLAGE_PG_*` variables).
//! - Migrations: [`MIGRATIONS`], recorded in `schema_migrations`, one transaction each, under
//!   a session advisory lock so that processes starting together migrate once.
//! - Writes: one transaction each in READ COMMITTED; what a write reads before it replaces it
//!   (a place's version) is locked with `FOR UPDATE`, and whole-table replacements take a
//!   table lock, so that concurrent writers wait for each other rather than clash.
//! - Imports: one transaction on a connection of their own, in READ COMMITTED, holding
//!   `pg_advisory_xact_lock` on the source's name: a second import of the same source waits
//!   for the first to end, then sees what it committed. Dropping the session rolls back.
//! - After a server error inside an import, PostgreSQL has aborted the transaction: every
//!   later call fails until the session is dropped. Conflicts (a taken source id, a stale
//!   version) are detected without an error, so the import can go on after one.
//!
//! Boundary: implements `maillage_store::backend::Backend` and nothing else; it must never
//! depend on anything but the domain and the store contract (plus the PostgreSQL driver).
//! Calls block: use it from blocking contexts (threads, `spawn_blocking`), never on an async
//! executor's own threads.

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
mod pool;
mod rows;
mod territory;

use std::collections::HashMap;

use maillage_store::backend::{Backend, Tables, WriteError, WriteResult};
use maillage_store::{ImportBatch, ImportSession, StoreError, StoreResult};
use postgres::types::{FromSqlOwned, ToSql};
use postgres::{Config, GenericClient, IsolationLevel, Row, Statement};

pub use migrations::MIGRATIONS;
pub use pool::PoolSettings;

use pool::Pool;
use rows::FromRow;

/// Rows per multi-row statement (arrays unnested server-side): a round trip per row would
/// make a national import wait on the network, not on the database.
const ROWS_PER_STATEMENT: usize = 2_000;

/// A PostgreSQL database, reached through a small pool of connections.
pub struct PostgresStore {
    pool: Pool,
}

/// The details of a driver error, for the logs: the server's code, message, detail and
/// hint when it is the server that refused.
fn describe(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => {
            let mut text = format!("{} {} : {}", db.severity(), db.code().code(), db.message());
            for (label, part) in [("détail", db.detail()), ("indice", db.hint()), ("contrainte", db.constraint())] {
                if let Some(part) = part {
                    text.push_str(&format!(" ({label} : {part})"));
                }
            }
            text
        }
        None => {
            let mut text = err.to_string();
            let mut cause = std::error::Error::source(err);
            while let Some(inner) = cause {
                let inner_text = inner.to_string();
                if !text.contains(&inner_text) {
                    text.push_str(&format!(" : {inner_text}"));
                }
                cause = inner.source();
            }
            text
        }
    }
}

fn backend(err: postgres::Error) -> StoreError {
    StoreError::Backend(describe(&err))
}

/// A broken key, reference or check (SQLSTATE class 23) is a refusal the store's logic
/// names; anything else a failure.
fn write_error(err: postgres::Error) -> WriteError {
    if err.as_db_error().is_some_and(|db| db.code().code().starts_with("23")) {
        let detail = describe(&err);
        tracing::debug!(err = %detail, "écriture refusée par une contrainte");
        WriteError::Refused(detail)
    } else {
        WriteError::Failed(backend(err))
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`, or the
    /// `key=value` form) with the default pool settings, and brings the schema up to date.
    pub fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, PoolSettings::default())
    }

    /// As [`PostgresStore::connect`], with explicit pool settings.
    pub fn connect_with(url: &str, settings: PoolSettings) -> StoreResult<Self> {
        // The parse error never repeats the URL, which may hold a password.
        let config: Config = url.parse().map_err(|err: postgres::Error| {
            StoreError::Backend(format!("adresse PostgreSQL invalide : {}", describe(&err)))
        })?;
        Self::from_config(config, settings)
    }

    /// As [`PostgresStore::connect_with`], from a driver configuration built by the caller.
    pub fn from_config(config: Config, settings: PoolSettings) -> StoreResult<Self> {
        let store = PostgresStore { pool: Pool::new(config, settings) };
        let mut connection = store.pool.get()?;
        let migrated = connection.client().and_then(migrations::migrate);
        if migrated.is_err() {
            // It may still hold the migration lock or sit in a failed transaction.
            connection.discard();
        }
        migrated?;
        drop(connection);
        Ok(store)
    }

    /// Runs `work` in one transaction on a pooled connection: a read-only one always ends
    /// rolled back, a read-write one is committed if `work` succeeds, rolled back otherwise.
    fn transaction<T>(
        &self,
        isolation: IsolationLevel,
        read_only: bool,
        work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut connection = self.pool.get()?;
        let mut statements = Statements::new();
        let builder = connection.client()?.build_transaction().isolation_level(isolation);
        let mut tx = if read_only { builder.read_only(true) } else { builder }.start().map_err(backend)?;
        let result = work(&mut PgTables { client: &mut tx, statements: &mut statements });
        if result.is_ok() && !read_only {
            tx.commit().map_err(backend)?;
            return result;
        }
        if let Err(err) = tx.rollback() {
            // Its state is unknown: it must not go back to the pool.
            tracing::error!(err = %describe(&err), "échec de la fin d'une transaction PostgreSQL");
            connection.discard();
        }
        result
    }
}

impl Backend for PostgresStore {
    const NAME: &'static str = "postgresql";
    const LABEL: &'static str = "PostgreSQL";

    fn read<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.pool.get()?;
        let mut statements = Statements::new();
        work(&mut PgTables { client: connection.client()?, statements: &mut statements })
    }

    /// READ COMMITTED whatever the server's default, as imports: a writer that waited for a
    /// lock then sees what the holder committed.
    fn write<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        self.transaction(IsolationLevel::ReadCommitted, false, work)
    }

    /// REPEATABLE READ: every query sees the same snapshot, taken at the first one, whatever
    /// imports commit meanwhile.
    fn read_consistent<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T> {
        self.transaction(IsolationLevel::RepeatableRead, true, work)
    }

    fn import_session(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>> {
        import::begin(self.pool.get()?, batch)
    }
}

/// Statements prepared on one connection, by their SQL: a loop (a restore, an import)
/// prepares each statement once. A prepared statement belongs to its connection, so the
/// cache lives as long as one use of it (a call, a transaction, an import).
type Statements = HashMap<String, Statement>;

/// The store's statements on one connection or transaction: the capability modules
/// implement [`Tables`]' traits for it.
pub(crate) struct PgTables<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut Statements,
}

impl<C: GenericClient> PgTables<'_, C> {
    fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn rows(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let statement = self.prepared(sql).map_err(backend)?;
        self.client.query(&statement, params).map_err(backend)
    }

    /// Every row of a query, mapped.
    fn all<T: FromRow>(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<T>> {
        self.rows(sql, params)?.iter().map(T::from_row).collect()
    }

    /// The first row of a query, mapped.
    fn one<T: FromRow>(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<T>> {
        self.rows(sql, params)?.first().map(T::from_row).transpose()
    }

    /// Each row of a query, decoded as it arrives and handed to `visit`.
    fn each<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        visit: &mut dyn FnMut(T) -> StoreResult<()>,
    ) -> StoreResult<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let statement = self.prepared(sql).map_err(backend)?;
        let mut rows = self.client.query_raw(&statement, params.iter().copied()).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            visit(T::from_row(&row)?)?;
        }
        Ok(())
    }

    /// The single value a query selects.
    fn value<T: FromSqlOwned>(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<T> {
        let statement = self.prepared(sql).map_err(backend)?;
        self.client.query_one(&statement, params).and_then(|row| row.try_get(0)).map_err(backend)
    }

    /// Runs a statement that writes; how many rows it changed.
    fn run(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> WriteResult<u64> {
        let statement = self.prepared(sql).map_err(write_error)?;
        self.client.execute(&statement, params).map_err(write_error)
    }

    /// Runs statements without parameters (locks, transaction control).
    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.client.batch_execute(sql).map_err(backend)
    }
}

impl<C: GenericClient> Tables for PgTables<'_, C> {
    fn lock_tables(&mut self, tables: &[&str]) -> StoreResult<()> {
        self.batch(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", tables.join(", ")))
    }

    fn any_rows(&mut self, tables: &[&str]) -> StoreResult<bool> {
        let exists: Vec<String> = tables.iter().map(|table| format!("EXISTS (SELECT 1 FROM {table})")).collect();
        self.value(&format!("SELECT {}", exists.join(" OR ")), &[])
    }
}
