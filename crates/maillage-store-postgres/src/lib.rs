//! PostgreSQL backend of the Maillage store, for a registry shared by several processes (the
//! web layer, imports run by cron, the CLI): a small connection pool, migrations embedded and
//! applied at connect, and imports serialised per source by a transaction-level advisory lock.
//!
//! It behaves like the SQLite backend for everything the store contract checks. Places and
//! versions are stored as `jsonb` documents with the columns the queries need beside them;
//! timestamps as `timestamptz`, whose microseconds match what [`maillage_store::now`] keeps.
//! Identifier columns use the "C" collation so ordering is byte order, as in SQLite.
//!
//! - Connecting: [`PostgresStore::connect`] takes a `postgres://` URL; the pool's size and
//!   timeouts are [`PoolSettings`], overridable by `MAILLAGE_PG_*` variables.
//! - Migrations: [`MIGRATIONS`], recorded in `schema_migrations`, one transaction each, under
//!   a session advisory lock so that processes starting together migrate once.
//! - Imports: one transaction on a connection of their own, in READ COMMITTED, holding
//!   `pg_advisory_xact_lock` on the source's name: a second import of the same source waits
//!   for the first to end, then sees what it committed. Dropping the session rolls back.
//! - After a server error inside an import, PostgreSQL has aborted the transaction: every
//!   later call fails until the session is dropped. Conflicts (a taken source id, a stale
//!   version) are detected without an error, so the import can go on after one.
//!
//! Boundary: implements `maillage_store::Store` and nothing else; it must never depend on
//! anything but the domain and the store contract (plus the PostgreSQL driver). Calls
//! block: use it from blocking contexts (threads, `spawn_blocking`), never on an async
//! executor's own threads.

mod accounts;
mod migrations;
mod pool;

use std::collections::{BTreeMap, HashMap, HashSet};

use maillage_domain::{Place, PlaceId, PlaceRecord, PlaceStatus, Problem, Severity};
use maillage_store::*;
use postgres::types::{Json, ToSql};
use postgres::{Client, Config, IsolationLevel, Row, Statement, Transaction};

pub use migrations::MIGRATIONS;
pub use pool::PoolSettings;

use pool::{Pool, Pooled};

/// Advisory-lock namespace of imports: `pg_advisory_xact_lock(IMPORT_LOCK_NAMESPACE,
/// hashtext(source))`. Two sources whose names hash alike merely import one after the other.
const IMPORT_LOCK_NAMESPACE: i32 = 0x4d41_4931; // "MAI1"

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

/// Versions are `u32` in the domain and `integer` in the schema.
/// The places of a [`PlaceQuery`]: `$1` source, `$2` status, `$3` updated since.
fn places_sql() -> String {
    format!(
        "SELECT {PLACE_COLUMNS} FROM places
         WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR status = $2)
           AND ($3::timestamptz IS NULL OR updated_at >= $3)
         ORDER BY id"
    )
}

fn version_param(version: u32) -> StoreResult<i32> {
    i32::try_from(version).map_err(|_| StoreError::Backend(format!("numéro de version hors limites : {version}")))
}

fn version_column(row: &Row, column: &str) -> StoreResult<u32> {
    let value: i32 = row.try_get(column).map_err(backend)?;
    u32::try_from(value).map_err(|_| StoreError::Backend(format!("numéro de version négatif en base : {value}")))
}

fn count_column(row: &Row, column: &str) -> StoreResult<usize> {
    let value: i64 = row.try_get(column).map_err(backend)?;
    usize::try_from(value).map_err(|_| StoreError::Backend(format!("nombre négatif en base : {value}")))
}

fn status_column(row: &Row, column: &str) -> StoreResult<PlaceStatus> {
    let text: &str = row.try_get(column).map_err(backend)?;
    PlaceStatus::parse(text).ok_or_else(|| StoreError::Backend(format!("statut inconnu en base : {text}")))
}

fn json_column<T: serde::de::DeserializeOwned + std::fmt::Debug>(row: &Row, column: &str) -> StoreResult<T> {
    row.try_get::<_, Json<T>>(column).map(|json| json.0).map_err(backend)
}

const PLACE_COLUMNS: &str = "id, source, source_id, batch_id, status, version, created_at, updated_at, record, extras";

fn place_from_row(row: &Row) -> StoreResult<Place> {
    Ok(Place {
        id: PlaceId(row.try_get("id").map_err(backend)?),
        source: row.try_get("source").map_err(backend)?,
        source_id: row.try_get("source_id").map_err(backend)?,
        batch_id: row.try_get("batch_id").map_err(backend)?,
        status: status_column(row, "status")?,
        version: version_column(row, "version")?,
        created_at: row.try_get("created_at").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
        record: json_column::<PlaceRecord>(row, "record")?,
        extras: json_column(row, "extras")?,
    })
}

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn severity_column(row: &Row, column: &str) -> StoreResult<Severity> {
    let text: &str = row.try_get(column).map_err(backend)?;
    Ok(match text {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    })
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`, or the
    /// `key=value` form) with the pool settings of the environment
    /// ([`PoolSettings::from_env`]), and brings the schema up to date.
    pub fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, PoolSettings::from_env()?)
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

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let mut connection = self.pool.get()?;
        connection.client()?.query(sql, params).map_err(backend)
    }

    /// Runs `work` in one transaction on a pooled connection: committed if it succeeds,
    /// rolled back otherwise. READ COMMITTED whatever the server's default, as imports, so
    /// that a writer that waited for a lock then sees what the holder committed.
    fn in_transaction<T>(&self, work: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.pool.get()?;
        let mut tx = connection
            .client()?
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(backend)?;
        let failure = match work(&mut tx) {
            Ok(value) => return tx.commit().map(|()| value).map_err(backend),
            Err(failure) => failure,
        };
        if let Err(err) = tx.rollback() {
            // Its state is unknown: it must not go back to the pool.
            tracing::error!(err = %describe(&err), "échec de l'annulation d'une transaction PostgreSQL");
            connection.discard();
        }
        Err(failure)
    }
}

impl Store for PostgresStore {
    fn begin_import(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>> {
        let connection = self.pool.get()?;
        // Marked open before BEGIN is sent: if anything below fails, the session's drop
        // rolls back (or discards the connection), so it never returns to the pool in a
        // transaction.
        let mut session = PostgresImport {
            connection,
            source: batch.source.clone(),
            batch_id: batch.id.clone(),
            open: true,
            failed: false,
            report_seq: 0,
            statements: None,
            pending: Vec::new(),
            known_source_ids: None,
        };
        let started = start_import(session.client()?, batch);
        started.map_err(|err| session.fail(err))?;
        Ok(Box::new(session))
    }

    fn place(&self, id: &PlaceId) -> StoreResult<Option<Place>> {
        let rows = self.query(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1"), &[&id.0])?;
        rows.first().map(place_from_row).transpose()
    }

    fn place_by_source_id(&self, source: &str, source_id: &str) -> StoreResult<Option<Place>> {
        let rows = self.query(
            &format!("SELECT {PLACE_COLUMNS} FROM places WHERE source = $1 AND source_id = $2"),
            &[&source, &source_id],
        )?;
        rows.first().map(place_from_row).transpose()
    }

    fn places(&self, query: &PlaceQuery) -> StoreResult<Vec<Place>> {
        let status = query.status.map(PlaceStatus::as_str);
        let rows = self.query(&places_sql(), &[&query.source, &status, &query.updated_since])?;
        rows.iter().map(place_from_row).collect()
    }

    /// Rows are decoded as they arrive: an export of a national registry never holds it whole.
    fn visit_places(&self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let status = query.status.map(PlaceStatus::as_str);
        let params: [&(dyn ToSql + Sync); 3] = [&query.source, &status, &query.updated_since];
        let mut connection = self.pool.get()?;
        let mut rows = connection.client()?.query_raw(&places_sql(), params).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            visit(place_from_row(&row)?)?;
        }
        Ok(())
    }

    fn place_history(&self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>> {
        let rows = self.query(
            "SELECT place_id, version, recorded_at, batch_id, change, status, record, extras
             FROM place_versions WHERE place_id = $1
             UNION ALL
             SELECT id, version, updated_at, batch_id, last_change, status, record, extras
             FROM places WHERE id = $1
             ORDER BY version",
            &[&id.0],
        )?;
        rows.iter()
            .map(|row| {
                let change: &str = row.try_get("change").map_err(backend)?;
                Ok(PlaceVersion {
                    place_id: PlaceId(row.try_get("place_id").map_err(backend)?),
                    version: version_column(row, "version")?,
                    recorded_at: row.try_get("recorded_at").map_err(backend)?,
                    batch_id: row.try_get("batch_id").map_err(backend)?,
                    change: ChangeKind::parse(change)
                        .ok_or_else(|| StoreError::Backend(format!("type de changement inconnu en base : {change}")))?,
                    status: status_column(row, "status")?,
                    record: json_column(row, "record")?,
                    extras: json_column(row, "extras")?,
                })
            })
            .collect()
    }

    fn batches(&self) -> StoreResult<Vec<ImportBatch>> {
        let rows = self.query(
            "SELECT id, source, file_name, started_at, finished_at, counts FROM import_batches
             WHERE finished_at IS NOT NULL ORDER BY started_at DESC, id DESC",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(ImportBatch {
                    id: row.try_get("id").map_err(backend)?,
                    source: row.try_get("source").map_err(backend)?,
                    file_name: row.try_get("file_name").map_err(backend)?,
                    started_at: row.try_get("started_at").map_err(backend)?,
                    finished_at: row.try_get("finished_at").map_err(backend)?,
                    counts: json_column(row, "counts")?,
                })
            })
            .collect()
    }

    fn batch_report(&self, batch_id: &str) -> StoreResult<Vec<ReportLine>> {
        let rows = self.query(
            r#"SELECT "row", source_id, severity, field, value, reason FROM import_report WHERE batch_id = $1 ORDER BY seq"#,
            &[&batch_id],
        )?;
        rows.iter()
            .map(|row| {
                Ok(ReportLine {
                    row: count_column(row, "row")?,
                    source_id: row.try_get("source_id").map_err(backend)?,
                    problem: Problem {
                        severity: severity_column(row, "severity")?,
                        field: row.try_get("field").map_err(backend)?,
                        value: row.try_get("value").map_err(backend)?,
                        reason: row.try_get("reason").map_err(backend)?,
                    },
                })
            })
            .collect()
    }

    fn source_stats(&self) -> StoreResult<Vec<SourceStats>> {
        let rows = self.query(
            "SELECT source,
                    count(*) FILTER (WHERE status = 'active') AS active,
                    count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn
             FROM places GROUP BY source ORDER BY source",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(SourceStats {
                    source: row.try_get("source").map_err(backend)?,
                    active: count_column(row, "active")?,
                    withdrawn: count_column(row, "withdrawn")?,
                })
            })
            .collect()
    }

    fn bassins(&self) -> StoreResult<Vec<BassinMember>> {
        // EPCI before commune, as `MemberKind` orders them (their names sort the other way).
        let rows = self.query(
            "SELECT bassin, departement, kind, code FROM bassin_members
             ORDER BY bassin, CASE kind WHEN 'epci' THEN 0 ELSE 1 END, code",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let kind: &str = row.try_get("kind").map_err(backend)?;
                Ok(BassinMember {
                    bassin: row.try_get("bassin").map_err(backend)?,
                    departement: row.try_get("departement").map_err(backend)?,
                    kind: MemberKind::parse(kind)
                        .ok_or_else(|| StoreError::Backend(format!("type de membre inconnu en base : {kind}")))?,
                    code: row.try_get("code").map_err(backend)?,
                })
            })
            .collect()
    }

    fn replace_bassins(&self, members: &[BassinMember]) -> StoreResult<()> {
        check_members(members)?;
        let column = |pick: fn(&BassinMember) -> &str| members.iter().map(pick).collect::<Vec<_>>();
        let (bassins, departements, codes) = (column(|m| &m.bassin), column(|m| &m.departement), column(|m| &m.code));
        let kinds = column(|m| m.kind.as_str());
        self.in_transaction(|tx| {
            // Two replacements at once would each delete only the rows they can see, then
            // clash on the other's inserts: the second waits for the first instead, then
            // replaces what it wrote. Readers are not blocked.
            tx.batch_execute("LOCK TABLE bassin_members IN EXCLUSIVE MODE").map_err(backend)?;
            tx.execute("DELETE FROM bassin_members", &[]).map_err(backend)?;
            tx.execute(
                "INSERT INTO bassin_members (bassin, departement, kind, code)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
                &[&bassins, &departements, &kinds, &codes],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn indicators(&self) -> StoreResult<Vec<IndicatorDefinition>> {
        let rows = self.query(
            "SELECT name, level, description, source_file, imported_at FROM indicators
             ORDER BY name, CASE level WHEN 'commune' THEN 0 ELSE 1 END",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let level: &str = row.try_get("level").map_err(backend)?;
                Ok(IndicatorDefinition {
                    name: row.try_get("name").map_err(backend)?,
                    level: IndicatorLevel::parse(level)
                        .ok_or_else(|| StoreError::Backend(format!("niveau d'indicateur inconnu en base : {level}")))?,
                    description: row.try_get("description").map_err(backend)?,
                    source_file: row.try_get("source_file").map_err(backend)?,
                    imported_at: row.try_get("imported_at").map_err(backend)?,
                })
            })
            .collect()
    }

    fn replace_indicator(&self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> StoreResult<()> {
        check_values(definition, values)?;
        let level = definition.level.as_str();
        let codes: Vec<&str> = values.iter().map(|value| value.code.as_str()).collect();
        let numbers: Vec<f64> = values.iter().map(|value| value.value).collect();
        self.in_transaction(|tx| {
            // The upsert locks the definition's row first: a concurrent replacement of the
            // same indicator waits here for this one to commit, then replaces its values.
            tx.execute(
                "INSERT INTO indicators (name, level, description, source_file, imported_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name, level) DO UPDATE SET
                     description = EXCLUDED.description, source_file = EXCLUDED.source_file,
                     imported_at = EXCLUDED.imported_at",
                &[&definition.name, &level, &definition.description, &definition.source_file, &definition.imported_at],
            )
            .map_err(backend)?;
            tx.execute("DELETE FROM indicator_values WHERE name = $1 AND level = $2", &[&definition.name, &level])
                .map_err(backend)?;
            // One statement for every value: the arrays travel in binary, so floats arrive
            // exactly and 35,000 values cost one round trip.
            tx.execute(
                "INSERT INTO indicator_values (name, level, code, value)
                 SELECT $1::text, $2::text, code, value FROM unnest($3::text[], $4::float8[]) AS v (code, value)",
                &[&definition.name, &level, &codes, &numbers],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn indicator_values(&self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>> {
        let rows = self.query(
            "SELECT code, value FROM indicator_values WHERE name = $1 AND level = $2 ORDER BY code",
            &[&name, &level.as_str()],
        )?;
        rows.iter()
            .map(|row| {
                Ok(IndicatorValue {
                    code: row.try_get("code").map_err(backend)?,
                    value: row.try_get("value").map_err(backend)?,
                })
            })
            .collect()
    }

    fn add_place_report(&self, report: &PlaceReport) -> StoreResult<()> {
        self.in_transaction(|tx| {
            // Checked first so that an unknown place is "not found", not a broken reference.
            let known: bool = tx
                .query_one("SELECT EXISTS (SELECT 1 FROM places WHERE id = $1)", &[&report.place_id.0])
                .map_err(backend)?
                .get(0);
            if !known {
                return Err(StoreError::NotFound(format!("lieu {}", report.place_id)));
            }
            tx.execute(
                REPORT_INSERT,
                &[&report.id, &report.place_id.0, &report.category, &report.message, &report.created_at],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn place_reports(&self, place: Option<&PlaceId>) -> StoreResult<Vec<PlaceReport>> {
        let rows = match place {
            Some(id) => self.query(&format!("{REPORT_SELECT} WHERE place_id = $1 ORDER BY id"), &[&id.0])?,
            None => self.query(&format!("{REPORT_SELECT} ORDER BY id"), &[])?,
        };
        rows.iter().map(place_report_from_row).collect()
    }

    fn duplicate_pairs(&self) -> StoreResult<Vec<DuplicatePair>> {
        self.query(PAIR_SELECT, &[])?.iter().map(pair_from_row).collect()
    }

    fn merge_groups(&self) -> StoreResult<Vec<MergeGroup>> {
        let mut connection = self.pool.get()?;
        read_groups(connection.client()?)
    }

    fn save_duplicates(&self, changes: &DuplicateChanges) -> StoreResult<()> {
        check_duplicates(changes)?;
        self.in_transaction(|tx| write_duplicates(tx, changes))
    }

    fn backend_name(&self) -> &'static str {
        "postgresql"
    }

    fn snapshot(&self, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()> {
        let mut connection = self.pool.get()?;
        // REPEATABLE READ: every query below sees the same snapshot, taken at the first one,
        // whatever imports commit meanwhile.
        let mut tx = connection
            .client()?
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(backend)?;
        let result = read_snapshot(&mut tx, visit);
        if let Err(err) = tx.rollback() {
            tracing::error!(err = %describe(&err), "échec de la fin d'une lecture PostgreSQL");
            connection.discard();
        }
        result
    }

    fn restore(&self, items: &mut dyn Iterator<Item = StoreResult<SnapshotItem>>) -> StoreResult<()> {
        self.in_transaction(|tx| {
            // Two restores (or a restore and an import) must not both see an empty store.
            tx.batch_execute("LOCK TABLE places, place_versions, import_batches, import_report, bassin_members, indicators, indicator_values, place_reports, merge_groups, merge_group_members, duplicate_pairs IN EXCLUSIVE MODE")
                .map_err(backend)?;
            tx.batch_execute(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", accounts::TABLES)).map_err(backend)?;
            let occupied: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM places) OR EXISTS (SELECT 1 FROM import_batches)
                     OR EXISTS (SELECT 1 FROM bassin_members) OR EXISTS (SELECT 1 FROM indicators)
                     OR EXISTS (SELECT 1 FROM place_reports)
                     OR EXISTS (SELECT 1 FROM merge_groups) OR EXISTS (SELECT 1 FROM duplicate_pairs)",
                    &[],
                )
                .map_err(backend)?
                .get(0);
            if occupied || accounts::occupied(tx)? {
                return Err(not_empty_error("PostgreSQL"));
            }
            let statements = RestoreStatements::prepare(tx).map_err(backend)?;
            for item in items {
                write_item(tx, &statements, &item?)?;
            }
            Ok(())
        })
    }
}

const REPORT_SELECT: &str = "SELECT id, place_id, category, message, created_at FROM place_reports";
const REPORT_INSERT: &str =
    "INSERT INTO place_reports (id, place_id, category, message, created_at) VALUES ($1, $2, $3, $4, $5)";

fn place_report_from_row(row: &Row) -> StoreResult<PlaceReport> {
    Ok(PlaceReport {
        id: row.try_get("id").map_err(backend)?,
        place_id: PlaceId(row.try_get("place_id").map_err(backend)?),
        category: row.try_get("category").map_err(backend)?,
        message: row.try_get("message").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
    })
}

const PAIR_SELECT: &str =
    "SELECT id, a_source, a_source_id, b_source, b_source_id, score, components, status, group_id,
    found_at, decided_by, decided_at FROM duplicate_pairs ORDER BY id";
const PAIR_INSERT: &str =
    "INSERT INTO duplicate_pairs (id, a_source, a_source_id, b_source, b_source_id, score, components,
    status, group_id, found_at, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

fn pair_from_row(row: &Row) -> StoreResult<DuplicatePair> {
    let status: &str = row.try_get("status").map_err(backend)?;
    Ok(DuplicatePair {
        id: row.try_get("id").map_err(backend)?,
        a: PlaceKey {
            source: row.try_get("a_source").map_err(backend)?,
            source_id: row.try_get("a_source_id").map_err(backend)?,
        },
        b: PlaceKey {
            source: row.try_get("b_source").map_err(backend)?,
            source_id: row.try_get("b_source_id").map_err(backend)?,
        },
        score: row.try_get("score").map_err(backend)?,
        components: json_column(row, "components")?,
        status: PairStatus::parse(status)
            .ok_or_else(|| StoreError::Backend(format!("statut de paire inconnu en base : {status}")))?,
        group_id: row.try_get("group_id").map_err(backend)?,
        found_at: row.try_get("found_at").map_err(backend)?,
        decided_by: row.try_get("decided_by").map_err(backend)?,
        decided_at: row.try_get("decided_at").map_err(backend)?,
    })
}

/// Groups with their members, in id order.
fn read_groups<C: postgres::GenericClient>(client: &mut C) -> StoreResult<Vec<MergeGroup>> {
    let rows = client
        .query("SELECT id, record, reason, decided_by, created_at, updated_at FROM merge_groups ORDER BY id", &[])
        .map_err(backend)?;
    let mut groups = rows
        .iter()
        .map(|row| {
            Ok(MergeGroup {
                id: row.try_get("id").map_err(backend)?,
                members: Vec::new(),
                record: json_column::<PlaceRecord>(row, "record")?,
                reason: row.try_get("reason").map_err(backend)?,
                decided_by: row.try_get("decided_by").map_err(backend)?,
                created_at: row.try_get("created_at").map_err(backend)?,
                updated_at: row.try_get("updated_at").map_err(backend)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let index: HashMap<String, usize> = groups.iter().enumerate().map(|(i, group)| (group.id.clone(), i)).collect();
    for row in &client
        .query("SELECT group_id, source, source_id FROM merge_group_members ORDER BY group_id, source, source_id", &[])
        .map_err(backend)?
    {
        let group_id: &str = row.try_get("group_id").map_err(backend)?;
        if let Some(&i) = index.get(group_id) {
            groups[i].members.push(PlaceKey {
                source: row.try_get("source").map_err(backend)?,
                source_id: row.try_get("source_id").map_err(backend)?,
            });
        }
    }
    Ok(groups)
}

/// A broken uniqueness or reference while writing decisions: someone else's decision or a
/// wrong write, said as a conflict.
fn decision_error(err: postgres::Error, message: impl FnOnce() -> String) -> StoreError {
    match err.as_db_error().map(|db| db.code().code().to_owned()) {
        Some(code) if code.starts_with("23") => StoreError::Conflict(message()),
        _ => backend(err),
    }
}

/// Creates or replaces a group and its members; a member already in another group is a
/// conflict.
fn write_group(tx: &mut Transaction<'_>, group: &MergeGroup) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO merge_groups (id, record, reason, decided_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, reason = EXCLUDED.reason,
             decided_by = EXCLUDED.decided_by, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at",
        &[&group.id, &Json(&group.record), &group.reason, &group.decided_by, &group.created_at, &group.updated_at],
    )
    .map_err(backend)?;
    tx.execute("DELETE FROM merge_group_members WHERE group_id = $1", &[&group.id]).map_err(backend)?;
    for member in &group.members {
        tx.execute(
            "INSERT INTO merge_group_members (group_id, source, source_id) VALUES ($1, $2, $3)",
            &[&group.id, &member.source, &member.source_id],
        )
        .map_err(|err| decision_error(err, || format!("le lieu {member} est déjà dans un autre lieu fusionné")))?;
    }
    Ok(())
}

fn insert_pair(tx: &mut Transaction<'_>, pair: &DuplicatePair) -> Result<u64, postgres::Error> {
    tx.execute(
        PAIR_INSERT,
        &[
            &pair.id,
            &pair.a.source,
            &pair.a.source_id,
            &pair.b.source,
            &pair.b.source_id,
            &pair.score,
            &Json(&pair.components),
            &pair.status.as_str(),
            &pair.group_id,
            &pair.found_at,
            &pair.decided_by,
            &pair.decided_at,
        ],
    )
}

fn write_duplicates(tx: &mut Transaction<'_>, changes: &DuplicateChanges) -> StoreResult<()> {
    for id in &changes.removed_groups {
        tx.execute("DELETE FROM merge_group_members WHERE group_id = $1", &[id]).map_err(backend)?;
    }
    for group in &changes.groups {
        write_group(tx, group)?;
    }
    for write in &changes.pairs {
        let pair = &write.pair;
        let written = match write.expected {
            None => insert_pair(tx, pair),
            Some(expected) => tx.execute(
                "UPDATE duplicate_pairs SET score = $2, components = $3, status = $4, group_id = $5, found_at = $6,
                     decided_by = $7, decided_at = $8
                 WHERE id = $1 AND status = $9 AND a_source = $10 AND a_source_id = $11 AND b_source = $12 AND b_source_id = $13",
                &[
                    &pair.id,
                    &pair.score,
                    &Json(&pair.components),
                    &pair.status.as_str(),
                    &pair.group_id,
                    &pair.found_at,
                    &pair.decided_by,
                    &pair.decided_at,
                    &expected.as_str(),
                    &pair.a.source,
                    &pair.a.source_id,
                    &pair.b.source,
                    &pair.b.source_id,
                ],
            ),
        };
        match written {
            Ok(1) => {}
            // No row updated: the pair is not (any more) in the status its writer read.
            Ok(_) => return Err(stale_pair_error(pair)),
            Err(err) => {
                return Err(decision_error(err, || {
                    format!("la paire {} / {} est déjà connue, ou nomme un groupe inconnu", pair.a, pair.b)
                }))
            }
        }
    }
    for id in &changes.removed_groups {
        tx.execute("DELETE FROM merge_groups WHERE id = $1", &[id])
            .map_err(|err| decision_error(err, || format!("le groupe {id} est encore nommé par une paire")))?;
    }
    Ok(())
}

fn change_column(row: &Row, column: &str) -> StoreResult<ChangeKind> {
    let text: &str = row.try_get(column).map_err(backend)?;
    ChangeKind::parse(text).ok_or_else(|| StoreError::Backend(format!("type de changement inconnu en base : {text}")))
}

fn no_params() -> [&'static (dyn ToSql + Sync); 0] {
    []
}

fn read_snapshot(tx: &mut Transaction<'_>, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()> {
    use postgres::fallible_iterator::FallibleIterator;

    // Batches and their reports are small: read whole, then grouped.
    let batches = tx
        .query("SELECT id, source, file_name, started_at, finished_at, counts FROM import_batches ORDER BY id", &[])
        .map_err(backend)?;
    let report_rows = tx
        .query(
            r#"SELECT batch_id, "row", source_id, severity, field, value, reason FROM import_report ORDER BY batch_id, seq"#,
            &[],
        )
        .map_err(backend)?;
    let mut reports: HashMap<String, Vec<ReportLine>> = HashMap::new();
    for row in &report_rows {
        let batch_id: String = row.try_get("batch_id").map_err(backend)?;
        reports.entry(batch_id).or_default().push(ReportLine {
            row: count_column(row, "row")?,
            source_id: row.try_get("source_id").map_err(backend)?,
            problem: Problem {
                severity: severity_column(row, "severity")?,
                field: row.try_get("field").map_err(backend)?,
                value: row.try_get("value").map_err(backend)?,
                reason: row.try_get("reason").map_err(backend)?,
            },
        });
    }
    drop(report_rows);
    for row in &batches {
        let batch = ImportBatch {
            id: row.try_get("id").map_err(backend)?,
            source: row.try_get("source").map_err(backend)?,
            file_name: row.try_get("file_name").map_err(backend)?,
            started_at: row.try_get("started_at").map_err(backend)?,
            finished_at: row.try_get("finished_at").map_err(backend)?,
            counts: json_column(row, "counts")?,
        };
        let report = reports.remove(&batch.id).unwrap_or_default();
        visit(SnapshotItem::Batch(BatchSnapshot { batch, report }))?;
    }
    drop(batches);

    // Places and versions are the bulk: streamed, never all in memory.
    let mut rows = tx
        .query_raw(&format!("SELECT {PLACE_COLUMNS}, content_hash, last_change FROM places ORDER BY id"), no_params())
        .map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        visit(SnapshotItem::Place(PlaceSnapshot {
            place: place_from_row(&row)?,
            content_hash: row.try_get("content_hash").map_err(backend)?,
            last_change: change_column(&row, "last_change")?,
        }))?;
    }
    drop(rows);
    let mut rows = tx
        .query_raw(
            "SELECT place_id, version, recorded_at, batch_id, change, status, record, extras FROM place_versions
             ORDER BY place_id, version",
            no_params(),
        )
        .map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        visit(SnapshotItem::PlaceVersion(PlaceVersion {
            place_id: PlaceId(row.try_get("place_id").map_err(backend)?),
            version: version_column(&row, "version")?,
            recorded_at: row.try_get("recorded_at").map_err(backend)?,
            batch_id: row.try_get("batch_id").map_err(backend)?,
            change: change_column(&row, "change")?,
            status: status_column(&row, "status")?,
            record: json_column(&row, "record")?,
            extras: json_column(&row, "extras")?,
        }))?;
    }
    drop(rows);

    let members = tx
        .query("SELECT bassin, departement, kind, code FROM bassin_members ORDER BY bassin, kind, code", &[])
        .map_err(backend)?;
    for row in &members {
        let kind: &str = row.try_get("kind").map_err(backend)?;
        visit(SnapshotItem::BassinMember(BassinMember {
            bassin: row.try_get("bassin").map_err(backend)?,
            departement: row.try_get("departement").map_err(backend)?,
            kind: MemberKind::parse(kind)
                .ok_or_else(|| StoreError::Backend(format!("type de membre inconnu en base : {kind}")))?,
            code: row.try_get("code").map_err(backend)?,
        }))?;
    }

    let definitions = tx
        .query("SELECT name, level, description, source_file, imported_at FROM indicators ORDER BY name, level", &[])
        .map_err(backend)?;
    for row in &definitions {
        let level: &str = row.try_get("level").map_err(backend)?;
        let definition = IndicatorDefinition {
            name: row.try_get("name").map_err(backend)?,
            level: IndicatorLevel::parse(level)
                .ok_or_else(|| StoreError::Backend(format!("niveau d'indicateur inconnu en base : {level}")))?,
            description: row.try_get("description").map_err(backend)?,
            source_file: row.try_get("source_file").map_err(backend)?,
            imported_at: row.try_get("imported_at").map_err(backend)?,
        };
        let values = tx
            .query(
                "SELECT code, value FROM indicator_values WHERE name = $1 AND level = $2 ORDER BY code",
                &[&definition.name, &definition.level.as_str()],
            )
            .map_err(backend)?
            .iter()
            .map(|row| {
                Ok(IndicatorValue {
                    code: row.try_get("code").map_err(backend)?,
                    value: row.try_get("value").map_err(backend)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        visit(SnapshotItem::Indicator(IndicatorSnapshot { definition, values }))?;
    }
    for row in &tx.query(&format!("{REPORT_SELECT} ORDER BY id"), &[]).map_err(backend)? {
        visit(SnapshotItem::PlaceReport(place_report_from_row(row)?))?;
    }
    for group in read_groups(tx)? {
        visit(SnapshotItem::MergeGroup(group))?;
    }
    for row in &tx.query(PAIR_SELECT, &[]).map_err(backend)? {
        visit(SnapshotItem::DuplicatePair(pair_from_row(row)?))?;
    }
    accounts::read_snapshot(tx, visit)
}

/// The statements a restore runs once per row, prepared once.
struct RestoreStatements {
    batch: Statement,
    report: Statement,
    place: Statement,
    version: Statement,
    member: Statement,
    indicator: Statement,
}

impl RestoreStatements {
    fn prepare(tx: &mut Transaction<'_>) -> Result<Self, postgres::Error> {
        Ok(RestoreStatements {
            batch: tx.prepare(
                "INSERT INTO import_batches (id, source, file_name, started_at, finished_at, counts) VALUES ($1, $2, $3, $4, $5, $6)",
            )?,
            report: tx.prepare(
                r#"INSERT INTO import_report (batch_id, seq, "row", source_id, severity, field, value, reason)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
            )?,
            place: tx.prepare(
                "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )?,
            version: tx.prepare(
                "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )?,
            member: tx.prepare("INSERT INTO bassin_members (bassin, departement, kind, code) VALUES ($1, $2, $3, $4)")?,
            indicator: tx.prepare(
                "INSERT INTO indicators (name, level, description, source_file, imported_at) VALUES ($1, $2, $3, $4, $5)",
            )?,
        })
    }
}

/// A broken key or reference in restored items is the backup's fault, not the database's.
fn restore_error(err: postgres::Error) -> StoreError {
    let code = err.as_db_error().map(|db| db.code().clone());
    match code {
        Some(code) if code.code().starts_with("23") => {
            StoreError::Conflict(format!("données de sauvegarde incohérentes : {}", describe(&err)))
        }
        _ => backend(err),
    }
}

fn write_item(tx: &mut Transaction<'_>, statements: &RestoreStatements, item: &SnapshotItem) -> StoreResult<()> {
    match item {
        SnapshotItem::Batch(BatchSnapshot { batch, report }) => {
            tx.execute(
                &statements.batch,
                &[
                    &batch.id,
                    &batch.source,
                    &batch.file_name,
                    &batch.started_at,
                    &batch.finished_at,
                    &Json(&batch.counts),
                ],
            )
            .map_err(restore_error)?;
            for (index, line) in report.iter().enumerate() {
                let seq = i32::try_from(index + 1)
                    .map_err(|_| StoreError::Backend(format!("trop de lignes de rapport pour le lot {}", batch.id)))?;
                let row = i64::try_from(line.row)
                    .map_err(|_| StoreError::Backend(format!("numéro de ligne hors limites : {}", line.row)))?;
                tx.execute(
                    &statements.report,
                    &[
                        &batch.id,
                        &seq,
                        &row,
                        &line.source_id,
                        &severity_key(line.problem.severity),
                        &line.problem.field,
                        &line.problem.value,
                        &line.problem.reason,
                    ],
                )
                .map_err(restore_error)?;
            }
        }
        SnapshotItem::Place(PlaceSnapshot { place, content_hash, last_change }) => {
            let version = version_param(place.version)?;
            tx.execute(
                &statements.place,
                &[
                    &place.id.0,
                    &place.source,
                    &place.source_id,
                    &place.batch_id,
                    &place.status.as_str(),
                    &version,
                    &place.created_at,
                    &place.updated_at,
                    content_hash,
                    &last_change.as_str(),
                    &Json(&place.record),
                    &Json(&place.extras),
                ],
            )
            .map_err(restore_error)?;
        }
        SnapshotItem::PlaceVersion(version) => {
            let number = version_param(version.version)?;
            tx.execute(
                &statements.version,
                &[
                    &version.place_id.0,
                    &number,
                    &version.recorded_at,
                    &version.batch_id,
                    &version.change.as_str(),
                    &version.status.as_str(),
                    &Json(&version.record),
                    &Json(&version.extras),
                ],
            )
            .map_err(restore_error)?;
        }
        SnapshotItem::BassinMember(member) => {
            tx.execute(&statements.member, &[&member.bassin, &member.departement, &member.kind.as_str(), &member.code])
                .map_err(restore_error)?;
        }
        SnapshotItem::Indicator(IndicatorSnapshot { definition, values }) => {
            check_values(definition, values)?;
            let level = definition.level.as_str();
            tx.execute(
                &statements.indicator,
                &[&definition.name, &level, &definition.description, &definition.source_file, &definition.imported_at],
            )
            .map_err(restore_error)?;
            let codes: Vec<&str> = values.iter().map(|value| value.code.as_str()).collect();
            let numbers: Vec<f64> = values.iter().map(|value| value.value).collect();
            tx.execute(
                "INSERT INTO indicator_values (name, level, code, value)
                 SELECT $1::text, $2::text, code, value FROM unnest($3::text[], $4::float8[]) AS v (code, value)",
                &[&definition.name, &level, &codes, &numbers],
            )
            .map_err(restore_error)?;
        }
        SnapshotItem::PlaceReport(report) => {
            tx.execute(
                REPORT_INSERT,
                &[&report.id, &report.place_id.0, &report.category, &report.message, &report.created_at],
            )
            .map_err(restore_error)?;
        }
        SnapshotItem::MergeGroup(group) => {
            check_duplicates(&DuplicateChanges { groups: vec![group.clone()], ..DuplicateChanges::default() })?;
            write_group(tx, group)?;
        }
        SnapshotItem::DuplicatePair(pair) => {
            insert_pair(tx, pair).map_err(restore_error)?;
        }
        SnapshotItem::User(_)
        | SnapshotItem::Session(_)
        | SnapshotItem::Token(_)
        | SnapshotItem::Audit(_)
        | SnapshotItem::VersionNote(_)
        | SnapshotItem::Proposal(_)
        | SnapshotItem::Campaign(_)
        | SnapshotItem::ReportResolution(_)
        | SnapshotItem::Setting { .. } => accounts::write_item(tx, item)?,
    }
    Ok(())
}

/// The statements an import runs once per row, prepared once per session (a prepared
/// statement belongs to its connection, and the pool does not keep them across sessions).
struct Statements {
    insert_places: Statement,
    update_place: Statement,
    insert_version: Statement,
    insert_report: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Statements {
            // One statement per batch of rows (arrays unnested server-side): a round trip per
            // row would make a national import wait on the network, not on the database.
            insert_places: client.prepare(
                "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras)
                 SELECT id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, 'created', record, extras
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::timestamptz[],
                             $8::timestamptz[], $9::text[], $10::jsonb[], $11::jsonb[])
                      AS t(id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, record, extras)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
            )?,
            update_place: client.prepare(
                "UPDATE places SET batch_id = $2, status = $3, version = $4, updated_at = $5, content_hash = $6, record = $7, extras = $8,
                     last_change = $9
                 WHERE id = $1 AND version = $4 - 1",
            )?,
            insert_version: client.prepare(
                "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras)
                 SELECT id, version, updated_at, batch_id, last_change, status, record, extras
                 FROM places WHERE id = $1 AND version = $2",
            )?,
            insert_report: client.prepare(
                r#"INSERT INTO import_report (batch_id, seq, "row", source_id, severity, field, value, reason)
                   SELECT $1, * FROM UNNEST($2::int4[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])"#,
            )?,
        })
    }
}

/// An open import: a pooled connection inside a transaction holding the source's advisory
/// lock, until commit or drop.
struct PostgresImport<'a> {
    connection: Pooled<'a>,
    source: String,
    batch_id: String,
    /// A transaction is open on the connection.
    open: bool,
    /// A statement failed: PostgreSQL has aborted the transaction, so nothing more can be
    /// written and commit must not pretend otherwise.
    failed: bool,
    report_seq: i32,
    statements: Option<Statements>,
    /// New places not yet sent: written in batches of [`INSERT_BATCH`], and always before
    /// any other statement of the session so that reads and updates see them.
    pending: Vec<(Place, String)>,
    /// Ids in the source of the session's places, stored or pending: a repeated id must be a
    /// conflict at once, as a single insert would be. Authoritative because the session holds
    /// the source's lock; loaded with `existing` or at the first insert.
    known_source_ids: Option<HashSet<String>>,
}

/// Rows per multi-row statement of an import.
const INSERT_BATCH: usize = 2_000;

impl PostgresImport<'_> {
    fn client(&mut self) -> StoreResult<&mut Client> {
        if self.failed {
            return Err(StoreError::Backend("l'import a déjà échoué : sa transaction est annulée".to_owned()));
        }
        self.connection.client()
    }

    /// Notes a driver failure: any server error aborts the whole transaction.
    fn fail(&mut self, err: postgres::Error) -> StoreError {
        self.failed = true;
        backend(err)
    }

    /// One of the session's prepared statements, preparing them all on first use.
    /// Sends the buffered new places in one statement; a place whose (source, id) already
    /// exists is a conflict, as a single insert would have been.
    fn flush_inserts(&mut self) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let statement = self.statement(|s| &s.insert_places)?;
        let mut versions = Vec::with_capacity(pending.len());
        for (place, _) in &pending {
            versions.push(version_param(place.version)?);
        }
        let ids: Vec<&str> = pending.iter().map(|(p, _)| p.id.0.as_str()).collect();
        let sources: Vec<&str> = pending.iter().map(|(p, _)| p.source.as_str()).collect();
        let source_ids: Vec<&str> = pending.iter().map(|(p, _)| p.source_id.as_str()).collect();
        let batch_ids: Vec<Option<&str>> = pending.iter().map(|(p, _)| p.batch_id.as_deref()).collect();
        let statuses: Vec<&str> = pending.iter().map(|(p, _)| p.status.as_str()).collect();
        let created: Vec<_> = pending.iter().map(|(p, _)| p.created_at).collect();
        let updated: Vec<_> = pending.iter().map(|(p, _)| p.updated_at).collect();
        let hashes: Vec<&str> = pending.iter().map(|(_, h)| h.as_str()).collect();
        let records: Vec<Json<&PlaceRecord>> = pending.iter().map(|(p, _)| Json(&p.record)).collect();
        let extras: Vec<Json<&BTreeMap<String, String>>> = pending.iter().map(|(p, _)| Json(&p.extras)).collect();
        let result = self.client()?.query(
            &statement,
            &[
                &ids,
                &sources,
                &source_ids,
                &batch_ids,
                &statuses,
                &versions,
                &created,
                &updated,
                &hashes,
                &records,
                &extras,
            ],
        );
        let inserted = result.map_err(|err| self.fail(err))?;
        if inserted.len() != pending.len() {
            let written: HashSet<String> = inserted.iter().filter_map(|row| row.try_get::<_, String>(0).ok()).collect();
            let (place, _) = pending.iter().find(|(p, _)| !written.contains(&p.id.0)).expect("one row was not written");
            return Err(StoreError::Conflict(format!(
                "le lieu {} de la source {} existe déjà",
                place.source_id, place.source
            )));
        }
        Ok(())
    }

    fn statement(&mut self, pick: fn(&Statements) -> &Statement) -> StoreResult<Statement> {
        if self.statements.is_none() {
            let prepared = Statements::prepare(self.client()?);
            self.statements = Some(prepared.map_err(|err| self.fail(err))?);
        }
        Ok(pick(self.statements.as_ref().expect("prepared above")).clone())
    }

    /// Copies a place's current version into its history before it is replaced; a stored
    /// version other than the expected one is a conflict, and nothing is written.
    fn archive_current(&mut self, id: &PlaceId, expected_version: u32) -> StoreResult<()> {
        let version = version_param(expected_version)?;
        let statement = self.statement(|s| &s.insert_version)?;
        let result = self.client()?.execute(&statement, &[&id.0, &version]);
        let copied = result.map_err(|err| self.fail(err))?;
        if copied != 1 {
            return Err(StoreError::Conflict(format!("le lieu {id} a été modifié entre-temps")));
        }
        Ok(())
    }
}

/// Opens the import's transaction and takes the source's lock; the batch row is written
/// now so that its report lines can refer to it.
fn start_import(client: &mut Client, batch: &ImportBatch) -> Result<(), postgres::Error> {
    // READ COMMITTED whatever the server's default: each statement then sees what was
    // committed before it, so an import that waited for the lock sees the rows of the
    // import it waited for. Under REPEATABLE READ its snapshot would predate them.
    client.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")?;
    // Waits, without limit, for an import of the same source to end: it releases the lock
    // at commit or rollback, and a crashed process's connection releases it when it drops.
    client.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&IMPORT_LOCK_NAMESPACE, &batch.source])?;
    client.execute(
        "INSERT INTO import_batches (id, source, file_name, started_at, finished_at, counts)
         VALUES ($1, $2, $3, $4, NULL, $5)",
        &[&batch.id, &batch.source, &batch.file_name, &batch.started_at, &Json(&batch.counts)],
    )?;
    Ok(())
}

impl ImportSession for PostgresImport<'_> {
    fn existing(&mut self) -> StoreResult<Vec<ExistingPlace>> {
        self.flush_inserts()?;
        let source = self.source.clone();
        let result = self
            .client()?
            .query("SELECT id, source_id, version, status, content_hash FROM places WHERE source = $1", &[&source]);
        let rows = result.map_err(|err| self.fail(err))?;
        let existing = rows
            .iter()
            .map(|row| {
                Ok(ExistingPlace {
                    id: PlaceId(row.try_get("id").map_err(backend)?),
                    source_id: row.try_get("source_id").map_err(backend)?,
                    version: version_column(row, "version")?,
                    status: status_column(row, "status")?,
                    content_hash: row.try_get("content_hash").map_err(backend)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.known_source_ids = Some(existing.iter().map(|place| place.source_id.clone()).collect());
        Ok(existing)
    }

    fn load(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.flush_inserts()?;
        let result = self.client()?.query(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1"), &[&id.0]);
        let rows = result.map_err(|err| self.fail(err))?;
        rows.first().map(place_from_row).transpose()
    }

    fn insert(&mut self, place: &Place, content_hash: &str) -> StoreResult<()> {
        version_param(place.version)?;
        if place.source == self.source {
            if self.known_source_ids.is_none() {
                self.existing()?;
            }
            let known = self.known_source_ids.as_mut().expect("loaded above");
            if !known.insert(place.source_id.clone()) {
                return Err(StoreError::Conflict(format!(
                    "le lieu {} de la source {} existe déjà",
                    place.source_id, place.source
                )));
            }
        }
        self.pending.push((place.clone(), content_hash.to_owned()));
        if self.pending.len() >= INSERT_BATCH {
            self.flush_inserts()?;
        }
        Ok(())
    }

    fn update(&mut self, place: &Place, content_hash: &str, change: ChangeKind) -> StoreResult<()> {
        if place.version < 2 {
            return Err(StoreError::Conflict(format!("le lieu {} a été modifié entre-temps", place.id)));
        }
        self.flush_inserts()?;
        self.archive_current(&place.id, place.version - 1)?;
        let version = version_param(place.version)?;
        let statement = self.statement(|s| &s.update_place)?;
        let result = self.client()?.execute(
            &statement,
            &[
                &place.id.0,
                &place.batch_id,
                &place.status.as_str(),
                &version,
                &place.updated_at,
                &content_hash,
                &Json(&place.record),
                &Json(&place.extras),
                &change.as_str(),
            ],
        );
        let changed = result.map_err(|err| self.fail(err))?;
        if changed != 1 {
            return Err(StoreError::Conflict(format!("le lieu {} a été modifié entre-temps", place.id)));
        }
        Ok(())
    }

    fn report(&mut self, lines: &[ReportLine]) -> StoreResult<()> {
        self.flush_inserts()?;
        let statement = self.statement(|s| &s.insert_report)?;
        let batch_id = self.batch_id.clone();
        for chunk in lines.chunks(INSERT_BATCH) {
            let mut seqs = Vec::with_capacity(chunk.len());
            let mut rows = Vec::with_capacity(chunk.len());
            for line in chunk {
                rows.push(
                    i64::try_from(line.row)
                        .map_err(|_| StoreError::Backend(format!("numéro de ligne hors limites : {}", line.row)))?,
                );
                self.report_seq += 1;
                seqs.push(self.report_seq);
            }
            let source_ids: Vec<Option<&str>> = chunk.iter().map(|l| l.source_id.as_deref()).collect();
            let severities: Vec<&str> = chunk.iter().map(|l| severity_key(l.problem.severity)).collect();
            let fields: Vec<&str> = chunk.iter().map(|l| l.problem.field.as_str()).collect();
            let values: Vec<&str> = chunk.iter().map(|l| l.problem.value.as_str()).collect();
            let reasons: Vec<&str> = chunk.iter().map(|l| l.problem.reason.as_str()).collect();
            let result = self
                .client()?
                .execute(&statement, &[&batch_id, &seqs, &rows, &source_ids, &severities, &fields, &values, &reasons]);
            result.map_err(|err| self.fail(err))?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>, batch: &ImportBatch) -> StoreResult<()> {
        self.flush_inserts()?;
        let finished = batch.finished_at.unwrap_or_else(now);
        let result = self.client()?.execute(
            "UPDATE import_batches SET finished_at = $2, counts = $3 WHERE id = $1",
            &[&batch.id, &finished, &Json(&batch.counts)],
        );
        result.map_err(|err| self.fail(err))?;
        // On failure the server has ended the transaction (or the connection is gone):
        // drop's ROLLBACK is then a harmless no-op, or discards the connection.
        let committed = self.client()?.batch_execute("COMMIT");
        committed.map_err(|err| self.fail(err))?;
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
