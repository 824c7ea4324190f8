//! SQLite backend of the Maillage store, the embedded default: one database file (WAL
//! journal, full sync on commit), migrations embedded and applied at open.
//!
//! Boundary: implements `maillage_store::Store` and nothing else; depends on the domain and
//! the store contract only.

mod accounts;
mod migrations;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceStatus, Problem, Severity};
use maillage_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

/// A SQLite database file (or an in-memory database for tests).
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

fn backend(err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(err.to_string())
}

/// A place's row as an import creates it or a restore brings it back.
fn insert_place_row(
    connection: &Connection,
    place: &Place,
    content_hash: &str,
    last_change: ChangeKind,
) -> rusqlite::Result<()> {
    let record =
        serde_json::to_string(&place.record).map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))?;
    let extras =
        serde_json::to_string(&place.extras).map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))?;
    connection
        .prepare_cached(
            "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            place.id.0,
            place.source,
            place.source_id,
            place.batch_id,
            place.status.as_str(),
            place.version,
            timestamp(&place.created_at),
            timestamp(&place.updated_at),
            content_hash,
            last_change.as_str(),
            record,
            extras
        ])
        .map(drop)
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_timestamp(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err)))
}

fn json_column<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err)))
}

fn status_column(text: &str) -> rusqlite::Result<PlaceStatus> {
    PlaceStatus::parse(text)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text.to_owned(), rusqlite::types::Type::Text))
}

fn is_constraint_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// Maps a violated constraint to the store's own error for it (a conflict, an unknown
/// reference), anything else to a backend error.
fn constraint_or_backend(on_constraint: impl FnOnce() -> StoreError) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |err| if is_constraint_violation(&err) { on_constraint() } else { backend(err) }
}

const PLACE_COLUMNS: &str = "id, source, source_id, batch_id, status, version, created_at, updated_at, record, extras";

fn place_from_row(row: &Row<'_>) -> rusqlite::Result<Place> {
    Ok(Place {
        id: PlaceId(row.get(0)?),
        source: row.get(1)?,
        source_id: row.get(2)?,
        batch_id: row.get(3)?,
        status: status_column(&row.get::<_, String>(4)?)?,
        version: row.get(5)?,
        created_at: parse_timestamp(&row.get::<_, String>(6)?)?,
        updated_at: parse_timestamp(&row.get::<_, String>(7)?)?,
        record: json_column(&row.get::<_, String>(8)?)?,
        extras: json_column(&row.get::<_, String>(9)?)?,
    })
}

/// Runs a query and maps every row: the shape of every list read of this store.
fn query_all<T, P: rusqlite::Params>(
    connection: &Connection,
    sql: &str,
    params: P,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut statement = connection.prepare_cached(sql).map_err(backend)?;
    let rows = statement.query_map(params, map).map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

fn text_column<T>(index: usize, text: String, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    parse(&text).ok_or(rusqlite::Error::InvalidColumnType(index, text, rusqlite::types::Type::Text))
}

const VERSION_COLUMNS: &str = "place_id, version, recorded_at, batch_id, change, status, record, extras";
const CURRENT_VERSION_COLUMNS: &str = "id, version, updated_at, batch_id, last_change, status, record, extras";
const BATCH_COLUMNS: &str = "id, source, file_name, started_at, finished_at, counts";
const REPORT_SELECT: &str =
    "SELECT row, source_id, severity, field, value, reason FROM import_report WHERE batch_id = ?1 ORDER BY seq";
const MEMBER_COLUMNS: &str = "bassin, departement, kind, code";
const INDICATOR_COLUMNS: &str = "name, level, description, source_file, imported_at";
const VALUES_SELECT: &str = "SELECT code, value FROM indicator_values WHERE name = ?1 AND level = ?2 ORDER BY code";

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<PlaceVersion> {
    Ok(PlaceVersion {
        place_id: PlaceId(row.get(0)?),
        version: row.get(1)?,
        recorded_at: parse_timestamp(&row.get::<_, String>(2)?)?,
        batch_id: row.get(3)?,
        change: text_column(4, row.get(4)?, ChangeKind::parse)?,
        status: status_column(&row.get::<_, String>(5)?)?,
        record: json_column(&row.get::<_, String>(6)?)?,
        extras: json_column(&row.get::<_, String>(7)?)?,
    })
}

fn batch_from_row(row: &Row<'_>) -> rusqlite::Result<ImportBatch> {
    let finished: Option<String> = row.get(4)?;
    Ok(ImportBatch {
        id: row.get(0)?,
        source: row.get(1)?,
        file_name: row.get(2)?,
        started_at: parse_timestamp(&row.get::<_, String>(3)?)?,
        finished_at: finished.as_deref().map(parse_timestamp).transpose()?,
        counts: json_column(&row.get::<_, String>(5)?)?,
    })
}

fn report_line_from_row(row: &Row<'_>) -> rusqlite::Result<ReportLine> {
    let severity: String = row.get(2)?;
    let severity = match severity.as_str() {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    Ok(ReportLine {
        row: row.get(0)?,
        source_id: row.get(1)?,
        problem: Problem { severity, field: row.get(3)?, value: row.get(4)?, reason: row.get(5)? },
    })
}

fn member_from_row(row: &Row<'_>) -> rusqlite::Result<BassinMember> {
    Ok(BassinMember {
        bassin: row.get(0)?,
        departement: row.get(1)?,
        kind: text_column(2, row.get(2)?, MemberKind::parse)?,
        code: row.get(3)?,
    })
}

fn indicator_from_row(row: &Row<'_>) -> rusqlite::Result<IndicatorDefinition> {
    Ok(IndicatorDefinition {
        name: row.get(0)?,
        level: text_column(1, row.get(1)?, IndicatorLevel::parse)?,
        description: row.get(2)?,
        source_file: row.get(3)?,
        imported_at: parse_timestamp(&row.get::<_, String>(4)?)?,
    })
}

fn value_from_row(row: &Row<'_>) -> rusqlite::Result<IndicatorValue> {
    Ok(IndicatorValue { code: row.get(0)?, value: row.get(1)? })
}

const PAIR_COLUMNS: &str =
    "id, a_source, a_source_id, b_source, b_source_id, score, components, status, group_id, found_at, decided_by, decided_at";
const GROUP_COLUMNS: &str = "id, record, reason, decided_by, created_at, updated_at";

fn pair_from_row(row: &Row<'_>) -> rusqlite::Result<DuplicatePair> {
    let decided_at: Option<String> = row.get(11)?;
    Ok(DuplicatePair {
        id: row.get(0)?,
        a: PlaceKey { source: row.get(1)?, source_id: row.get(2)? },
        b: PlaceKey { source: row.get(3)?, source_id: row.get(4)? },
        score: row.get(5)?,
        components: json_column(&row.get::<_, String>(6)?)?,
        status: text_column(7, row.get(7)?, PairStatus::parse)?,
        group_id: row.get(8)?,
        found_at: parse_timestamp(&row.get::<_, String>(9)?)?,
        decided_by: row.get(10)?,
        decided_at: decided_at.as_deref().map(parse_timestamp).transpose()?,
    })
}

/// Groups with their members, in id order.
fn read_groups(connection: &Connection) -> StoreResult<Vec<MergeGroup>> {
    let mut groups =
        query_all(connection, &format!("SELECT {GROUP_COLUMNS} FROM merge_groups ORDER BY id"), [], |row| {
            Ok(MergeGroup {
                id: row.get(0)?,
                members: Vec::new(),
                record: json_column(&row.get::<_, String>(1)?)?,
                reason: row.get(2)?,
                decided_by: row.get(3)?,
                created_at: parse_timestamp(&row.get::<_, String>(4)?)?,
                updated_at: parse_timestamp(&row.get::<_, String>(5)?)?,
            })
        })?;
    let members = query_all(
        connection,
        "SELECT group_id, source, source_id FROM merge_group_members ORDER BY group_id, source, source_id",
        [],
        |row| Ok((row.get::<_, String>(0)?, PlaceKey { source: row.get(1)?, source_id: row.get(2)? })),
    )?;
    let index: std::collections::HashMap<String, usize> =
        groups.iter().enumerate().map(|(i, group)| (group.id.clone(), i)).collect();
    for (group_id, key) in members {
        if let Some(&i) = index.get(&group_id) {
            groups[i].members.push(key);
        }
    }
    Ok(groups)
}

/// Creates or replaces a group and its members; a member already in another group is a
/// conflict.
fn write_group(connection: &Connection, group: &MergeGroup) -> StoreResult<()> {
    let record = serde_json::to_string(&group.record).map_err(backend)?;
    connection
        .prepare_cached(
            "INSERT INTO merge_groups (id, record, reason, decided_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, reason = excluded.reason,
                 decided_by = excluded.decided_by, created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                group.id,
                record,
                group.reason,
                group.decided_by,
                timestamp(&group.created_at),
                timestamp(&group.updated_at)
            ])
        })
        .map_err(backend)?;
    connection
        .prepare_cached("DELETE FROM merge_group_members WHERE group_id = ?1")
        .and_then(|mut statement| statement.execute([&group.id]))
        .map_err(backend)?;
    let mut statement = connection
        .prepare_cached("INSERT INTO merge_group_members (group_id, source, source_id) VALUES (?1, ?2, ?3)")
        .map_err(backend)?;
    for member in &group.members {
        statement.execute(params![group.id, member.source, member.source_id]).map_err(constraint_or_backend(|| {
            StoreError::Conflict(format!("le lieu {member} est déjà dans un autre lieu fusionné"))
        }))?;
    }
    Ok(())
}

fn insert_pair(connection: &Connection, pair: &DuplicatePair) -> rusqlite::Result<usize> {
    let components = serde_json::to_string(&pair.components)
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
    connection
        .prepare_cached(&format!(
            "INSERT INTO duplicate_pairs ({PAIR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))?
        .execute(params![
            pair.id,
            pair.a.source,
            pair.a.source_id,
            pair.b.source,
            pair.b.source_id,
            pair.score,
            components,
            pair.status.as_str(),
            pair.group_id,
            timestamp(&pair.found_at),
            pair.decided_by,
            pair.decided_at.as_ref().map(timestamp)
        ])
}

fn write_duplicates(connection: &Connection, changes: &DuplicateChanges) -> StoreResult<()> {
    for id in &changes.removed_groups {
        connection
            .prepare_cached("DELETE FROM merge_group_members WHERE group_id = ?1")
            .and_then(|mut statement| statement.execute([id]))
            .map_err(backend)?;
    }
    for group in &changes.groups {
        write_group(connection, group)?;
    }
    for write in &changes.pairs {
        let pair = &write.pair;
        let written = match write.expected {
            None => insert_pair(connection, pair),
            Some(expected) => {
                let components = serde_json::to_string(&pair.components).map_err(backend)?;
                connection
                    .prepare_cached(
                        "UPDATE duplicate_pairs SET score = ?2, components = ?3, status = ?4, group_id = ?5, found_at = ?6,
                             decided_by = ?7, decided_at = ?8
                         WHERE id = ?1 AND status = ?9 AND a_source = ?10 AND a_source_id = ?11 AND b_source = ?12 AND b_source_id = ?13",
                    )
                    .and_then(|mut statement| {
                        statement.execute(params![
                            pair.id,
                            pair.score,
                            components,
                            pair.status.as_str(),
                            pair.group_id,
                            timestamp(&pair.found_at),
                            pair.decided_by,
                            pair.decided_at.as_ref().map(timestamp),
                            expected.as_str(),
                            pair.a.source,
                            pair.a.source_id,
                            pair.b.source,
                            pair.b.source_id
                        ])
                    })
            }
        };
        match written {
            Ok(1) => {}
            // No row updated: the pair is not (any more) in the status its writer read.
            Ok(_) => return Err(stale_pair_error(pair)),
            Err(err) if is_constraint_violation(&err) => {
                return Err(StoreError::Conflict(format!(
                    "la paire {} / {} est déjà connue, ou nomme un groupe inconnu",
                    pair.a, pair.b
                )))
            }
            Err(err) => return Err(backend(err)),
        }
    }
    for id in &changes.removed_groups {
        connection
            .prepare_cached("DELETE FROM merge_groups WHERE id = ?1")
            .and_then(|mut statement| statement.execute([id]))
            .map_err(constraint_or_backend(|| {
                StoreError::Conflict(format!("le groupe {id} est encore nommé par une paire"))
            }))?;
    }
    Ok(())
}

const REPORT_COLUMNS: &str = "id, place_id, category, message, created_at";

fn place_report_from_row(row: &Row<'_>) -> rusqlite::Result<PlaceReport> {
    Ok(PlaceReport {
        id: row.get(0)?,
        place_id: PlaceId(row.get(1)?),
        category: row.get(2)?,
        message: row.get(3)?,
        created_at: parse_timestamp(&row.get::<_, String>(4)?)?,
    })
}

fn insert_place_report(connection: &Connection, report: &PlaceReport) -> rusqlite::Result<usize> {
    connection
        .prepare_cached(&format!("INSERT INTO place_reports ({REPORT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"))?
        .execute(params![report.id, report.place_id.0, report.category, report.message, timestamp(&report.created_at)])
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

impl Store for SqliteStore {
    fn begin_import(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>> {
        let connection = self.lock()?;
        // IMMEDIATE takes the write lock now: no other writer can interleave with the import.
        connection.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        let session = SqliteImport {
            connection,
            source: batch.source.clone(),
            batch_id: batch.id.clone(),
            open: true,
            report_seq: 0,
        };
        session
            .connection
            .execute(
                "INSERT INTO import_batches (id, source, file_name, started_at, finished_at, counts) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
                params![batch.id, batch.source, batch.file_name, timestamp(&batch.started_at), serde_json::to_string(&batch.counts).map_err(backend)?],
            )
            .map_err(backend)?;
        Ok(Box::new(session))
    }

    fn place(&self, id: &PlaceId) -> StoreResult<Option<Place>> {
        let connection = self.lock()?;
        connection
            .query_row(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = ?1"), [&id.0], place_from_row)
            .optional()
            .map_err(backend)
    }

    fn place_by_source_id(&self, source: &str, source_id: &str) -> StoreResult<Option<Place>> {
        let connection = self.lock()?;
        connection
            .query_row(
                &format!("SELECT {PLACE_COLUMNS} FROM places WHERE source = ?1 AND source_id = ?2"),
                [source, source_id],
                place_from_row,
            )
            .optional()
            .map_err(backend)
    }

    fn places(&self, query: &PlaceQuery) -> StoreResult<Vec<Place>> {
        query_all(
            &*self.lock()?,
            &format!(
                "SELECT {PLACE_COLUMNS} FROM places WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR updated_at >= ?3) ORDER BY id"
            ),
            params![query.source, query.status.map(PlaceStatus::as_str), query.updated_since.as_ref().map(timestamp)],
            place_from_row,
        )
    }

    fn visit_places(&self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {PLACE_COLUMNS} FROM places WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR updated_at >= ?3) ORDER BY id"
            ))
            .map_err(backend)?;
        let mut rows = statement
            .query(params![
                query.source,
                query.status.map(PlaceStatus::as_str),
                query.updated_since.as_ref().map(timestamp)
            ])
            .map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            visit(place_from_row(row).map_err(backend)?)?;
        }
        Ok(())
    }

    fn place_history(&self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>> {
        query_all(
            &*self.lock()?,
            &format!(
                "SELECT {VERSION_COLUMNS} FROM place_versions WHERE place_id = ?1
                 UNION ALL SELECT {CURRENT_VERSION_COLUMNS} FROM places WHERE id = ?1
                 ORDER BY version"
            ),
            [&id.0],
            version_from_row,
        )
    }

    fn batches(&self) -> StoreResult<Vec<ImportBatch>> {
        query_all(
            &*self.lock()?,
            &format!(
                "SELECT {BATCH_COLUMNS} FROM import_batches WHERE finished_at IS NOT NULL ORDER BY started_at DESC, id DESC"
            ),
            [],
            batch_from_row,
        )
    }

    fn batch_report(&self, batch_id: &str) -> StoreResult<Vec<ReportLine>> {
        query_all(&*self.lock()?, REPORT_SELECT, [batch_id], report_line_from_row)
    }

    fn source_stats(&self) -> StoreResult<Vec<SourceStats>> {
        query_all(
            &*self.lock()?,
            "SELECT source, SUM(status = 'active'), SUM(status = 'withdrawn') FROM places GROUP BY source ORDER BY source",
            [],
            |row| Ok(SourceStats { source: row.get(0)?, active: row.get(1)?, withdrawn: row.get(2)? }),
        )
    }

    fn bassins(&self) -> StoreResult<Vec<BassinMember>> {
        // EPCI before commune, as `MemberKind` orders them (their names sort the other way).
        query_all(
            &*self.lock()?,
            &format!(
                "SELECT {MEMBER_COLUMNS} FROM bassin_members ORDER BY bassin, CASE kind WHEN 'epci' THEN 0 ELSE 1 END, code"
            ),
            [],
            member_from_row,
        )
    }

    fn replace_bassins(&self, members: &[BassinMember]) -> StoreResult<()> {
        check_members(members)?;
        let mut connection = self.lock()?;
        // IMMEDIATE: another process's writer cannot slip in between the delete and the inserts.
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        tx.execute("DELETE FROM bassin_members", []).map_err(backend)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO bassin_members (bassin, departement, kind, code) VALUES (?1, ?2, ?3, ?4)")
                .map_err(backend)?;
            for member in members {
                insert
                    .execute(params![member.bassin, member.departement, member.kind.as_str(), member.code])
                    .map_err(constraint_or_backend(|| StoreError::Conflict(member_label(member.kind, &member.code))))?;
            }
        }
        // Dropping the transaction on any error above rolls it back.
        tx.commit().map_err(backend)
    }

    fn indicators(&self) -> StoreResult<Vec<IndicatorDefinition>> {
        query_all(
            &*self.lock()?,
            &format!(
                "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY name, CASE level WHEN 'commune' THEN 0 ELSE 1 END"
            ),
            [],
            indicator_from_row,
        )
    }

    fn replace_indicator(&self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> StoreResult<()> {
        check_values(definition, values)?;
        let level = definition.level.as_str();
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        // An upsert rather than delete-and-insert: deleting the definition would cascade
        // through the values only to write them again.
        tx.execute(
            "INSERT INTO indicators (name, level, description, source_file, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name, level) DO UPDATE SET
                 description = excluded.description, source_file = excluded.source_file, imported_at = excluded.imported_at",
            params![definition.name, level, definition.description, definition.source_file, timestamp(&definition.imported_at)],
        )
        .map_err(backend)?;
        tx.execute("DELETE FROM indicator_values WHERE name = ?1 AND level = ?2", params![definition.name, level])
            .map_err(backend)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO indicator_values (name, level, code, value) VALUES (?1, ?2, ?3, ?4)")
                .map_err(backend)?;
            for value in values {
                insert.execute(params![definition.name, level, value.code, value.value]).map_err(
                    constraint_or_backend(|| {
                        StoreError::Conflict(format!("le code {} de {}", value.code, indicator_label(definition)))
                    }),
                )?;
            }
        }
        tx.commit().map_err(backend)
    }

    fn indicator_values(&self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>> {
        query_all(&*self.lock()?, VALUES_SELECT, params![name, level.as_str()], value_from_row)
    }

    fn add_place_report(&self, report: &PlaceReport) -> StoreResult<()> {
        let connection = self.lock()?;
        let known: bool = connection
            .query_row("SELECT EXISTS (SELECT 1 FROM places WHERE id = ?1)", [&report.place_id.0], |row| row.get(0))
            .map_err(backend)?;
        if !known {
            return Err(StoreError::NotFound(format!("lieu {}", report.place_id)));
        }
        insert_place_report(&connection, report).map_err(backend)?;
        Ok(())
    }

    fn place_reports(&self, place: Option<&PlaceId>) -> StoreResult<Vec<PlaceReport>> {
        let connection = self.lock()?;
        match place {
            Some(id) => query_all(
                &connection,
                &format!("SELECT {REPORT_COLUMNS} FROM place_reports WHERE place_id = ?1 ORDER BY id"),
                [&id.0],
                place_report_from_row,
            ),
            None => query_all(
                &connection,
                &format!("SELECT {REPORT_COLUMNS} FROM place_reports ORDER BY id"),
                [],
                place_report_from_row,
            ),
        }
    }

    fn duplicate_pairs(&self) -> StoreResult<Vec<DuplicatePair>> {
        query_all(&*self.lock()?, &format!("SELECT {PAIR_COLUMNS} FROM duplicate_pairs ORDER BY id"), [], pair_from_row)
    }

    fn merge_groups(&self) -> StoreResult<Vec<MergeGroup>> {
        read_groups(&*self.lock()?)
    }

    fn save_duplicates(&self, changes: &DuplicateChanges) -> StoreResult<()> {
        check_duplicates(changes)?;
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        write_duplicates(&tx, changes)?;
        // Dropping `tx` on any error above rolls everything back.
        tx.commit().map_err(backend)
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    fn snapshot(&self, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()> {
        let connection = self.lock()?;
        // A deferred read transaction: its first SELECT fixes the snapshot every later one
        // reads, whatever other processes commit meanwhile (WAL).
        connection.execute_batch("BEGIN DEFERRED").map_err(backend)?;
        let result = read_snapshot(&connection, visit);
        if let Err(err) = connection.execute_batch("ROLLBACK") {
            tracing::error!(%err, "échec de la fin d'une lecture SQLite");
        }
        result
    }

    fn restore(&self, items: &mut dyn Iterator<Item = StoreResult<SnapshotItem>>) -> StoreResult<()> {
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        let occupied: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM places) OR EXISTS (SELECT 1 FROM import_batches)
                 OR EXISTS (SELECT 1 FROM bassin_members) OR EXISTS (SELECT 1 FROM indicators)
                 OR EXISTS (SELECT 1 FROM place_reports)
                 OR EXISTS (SELECT 1 FROM merge_groups) OR EXISTS (SELECT 1 FROM duplicate_pairs)",
                [],
                |row| row.get(0),
            )
            .map_err(backend)?;
        if occupied || accounts::occupied(&tx)? {
            return Err(not_empty_error("SQLite"));
        }
        for item in items {
            write_item(&tx, &item?)?;
        }
        // Dropping `tx` on any error above rolls everything back.
        tx.commit().map_err(backend)
    }
}

fn read_snapshot(connection: &Connection, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()> {
    for batch in
        query_all(connection, &format!("SELECT {BATCH_COLUMNS} FROM import_batches ORDER BY id"), [], batch_from_row)?
    {
        let report = query_all(connection, REPORT_SELECT, [&batch.id], report_line_from_row)?;
        visit(SnapshotItem::Batch(BatchSnapshot { batch, report }))?;
    }
    // Places and versions are streamed: they are most of a registry.
    let mut statement = connection
        .prepare(&format!("SELECT {PLACE_COLUMNS}, content_hash, last_change FROM places ORDER BY id"))
        .map_err(backend)?;
    let mut rows = statement.query([]).map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        let item = (|| {
            Ok::<_, rusqlite::Error>(PlaceSnapshot {
                place: place_from_row(row)?,
                content_hash: row.get(10)?,
                last_change: text_column(11, row.get(11)?, ChangeKind::parse)?,
            })
        })()
        .map_err(backend)?;
        visit(SnapshotItem::Place(item))?;
    }
    let mut statement = connection
        .prepare(&format!("SELECT {VERSION_COLUMNS} FROM place_versions ORDER BY place_id, version"))
        .map_err(backend)?;
    let mut rows = statement.query([]).map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        visit(SnapshotItem::PlaceVersion(version_from_row(row).map_err(backend)?))?;
    }
    let members = query_all(
        connection,
        &format!("SELECT {MEMBER_COLUMNS} FROM bassin_members ORDER BY bassin, kind, code"),
        [],
        member_from_row,
    )?;
    for member in members {
        visit(SnapshotItem::BassinMember(member))?;
    }
    let definitions = query_all(
        connection,
        &format!("SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY name, level"),
        [],
        indicator_from_row,
    )?;
    for definition in definitions {
        let values =
            query_all(connection, VALUES_SELECT, params![definition.name, definition.level.as_str()], value_from_row)?;
        visit(SnapshotItem::Indicator(IndicatorSnapshot { definition, values }))?;
    }
    let reports = query_all(
        connection,
        &format!("SELECT {REPORT_COLUMNS} FROM place_reports ORDER BY id"),
        [],
        place_report_from_row,
    )?;
    for report in reports {
        visit(SnapshotItem::PlaceReport(report))?;
    }
    for group in read_groups(connection)? {
        visit(SnapshotItem::MergeGroup(group))?;
    }
    for pair in
        query_all(connection, &format!("SELECT {PAIR_COLUMNS} FROM duplicate_pairs ORDER BY id"), [], pair_from_row)?
    {
        visit(SnapshotItem::DuplicatePair(pair))?;
    }
    accounts::read_snapshot(connection, visit)
}

fn write_item(connection: &Connection, item: &SnapshotItem) -> StoreResult<()> {
    match item {
        SnapshotItem::Batch(BatchSnapshot { batch, report }) => {
            connection
                .prepare_cached(
                    "INSERT INTO import_batches (id, source, file_name, started_at, finished_at, counts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        batch.id,
                        batch.source,
                        batch.file_name,
                        timestamp(&batch.started_at),
                        batch.finished_at.as_ref().map(timestamp),
                        serde_json::to_string(&batch.counts).map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?
                    ])
                })
                .map_err(restore_error)?;
            let mut statement = connection
                .prepare_cached(
                    "INSERT INTO import_report (batch_id, seq, row, source_id, severity, field, value, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(backend)?;
            for (index, line) in report.iter().enumerate() {
                statement
                    .execute(params![
                        batch.id,
                        index + 1,
                        line.row,
                        line.source_id,
                        severity_key(line.problem.severity),
                        line.problem.field,
                        line.problem.value,
                        line.problem.reason
                    ])
                    .map_err(restore_error)?;
            }
        }
        SnapshotItem::Place(PlaceSnapshot { place, content_hash, last_change }) => {
            insert_place_row(connection, place, content_hash, *last_change).map_err(restore_error)?;
        }
        SnapshotItem::PlaceVersion(version) => {
            let record = serde_json::to_string(&version.record).map_err(backend)?;
            let extras = serde_json::to_string(&version.extras).map_err(backend)?;
            connection
                .prepare_cached(
                    "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        version.place_id.0,
                        version.version,
                        timestamp(&version.recorded_at),
                        version.batch_id,
                        version.change.as_str(),
                        version.status.as_str(),
                        record,
                        extras
                    ])
                })
                .map_err(restore_error)?;
        }
        SnapshotItem::BassinMember(member) => {
            connection
                .prepare_cached("INSERT INTO bassin_members (bassin, departement, kind, code) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut statement| {
                    statement.execute(params![member.bassin, member.departement, member.kind.as_str(), member.code])
                })
                .map_err(restore_error)?;
        }
        SnapshotItem::Indicator(IndicatorSnapshot { definition, values }) => {
            check_values(definition, values)?;
            connection
                .prepare_cached(
                    "INSERT INTO indicators (name, level, description, source_file, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        definition.name,
                        definition.level.as_str(),
                        definition.description,
                        definition.source_file,
                        timestamp(&definition.imported_at)
                    ])
                })
                .map_err(restore_error)?;
            let mut statement = connection
                .prepare_cached("INSERT INTO indicator_values (name, level, code, value) VALUES (?1, ?2, ?3, ?4)")
                .map_err(backend)?;
            for value in values {
                statement
                    .execute(params![definition.name, definition.level.as_str(), value.code, value.value])
                    .map_err(restore_error)?;
            }
        }
        SnapshotItem::PlaceReport(report) => {
            insert_place_report(connection, report).map_err(restore_error)?;
        }
        SnapshotItem::MergeGroup(group) => {
            check_duplicates(&DuplicateChanges { groups: vec![group.clone()], ..DuplicateChanges::default() })?;
            write_group(connection, group)?;
        }
        SnapshotItem::DuplicatePair(pair) => {
            insert_pair(connection, pair).map_err(restore_error)?;
        }
        SnapshotItem::User(_)
        | SnapshotItem::Session(_)
        | SnapshotItem::Token(_)
        | SnapshotItem::Audit(_)
        | SnapshotItem::VersionNote(_)
        | SnapshotItem::Proposal(_)
        | SnapshotItem::Campaign(_)
        | SnapshotItem::ReportResolution(_)
        | SnapshotItem::Setting { .. } => accounts::write_item(connection, item)?,
    }
    Ok(())
}

/// A broken key or reference in restored items is the backup's fault, not the database's.
fn restore_error(err: rusqlite::Error) -> StoreError {
    if is_constraint_violation(&err) {
        StoreError::Conflict(format!("données de sauvegarde incohérentes : {err}"))
    } else {
        backend(err)
    }
}

/// An open import: the connection is held, inside `BEGIN IMMEDIATE`, until commit or drop.
struct SqliteImport<'a> {
    connection: MutexGuard<'a, Connection>,
    source: String,
    batch_id: String,
    open: bool,
    report_seq: usize,
}

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

impl SqliteImport<'_> {
    /// Copies a place's current version into its history before it is replaced; fails with
    /// a conflict when the stored version is not the one the writer read.
    fn archive_current(&self, id: &PlaceId, expected_version: u32) -> StoreResult<()> {
        let copied = self
            .connection
            .prepare_cached(
                "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras)
                 SELECT id, version, updated_at, batch_id, last_change, status, record, extras FROM places WHERE id = ?1 AND version = ?2",
            )
            .and_then(|mut statement| statement.execute(params![id.0, expected_version]))
            .map_err(backend)?;
        if copied != 1 {
            return Err(StoreError::Conflict(format!("le lieu {id} a été modifié entre-temps")));
        }
        Ok(())
    }
}

impl ImportSession for SqliteImport<'_> {
    fn existing(&mut self) -> StoreResult<Vec<ExistingPlace>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT id, source_id, version, status, content_hash FROM places WHERE source = ?1")
            .map_err(backend)?;
        let rows = statement
            .query_map([&self.source], |row| {
                Ok(ExistingPlace {
                    id: PlaceId(row.get(0)?),
                    source_id: row.get(1)?,
                    version: row.get(2)?,
                    status: status_column(&row.get::<_, String>(3)?)?,
                    content_hash: row.get(4)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn load(&mut self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.connection
            .query_row(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = ?1"), [&id.0], place_from_row)
            .optional()
            .map_err(backend)
    }

    fn insert(&mut self, place: &Place, content_hash: &str) -> StoreResult<()> {
        insert_place_row(&self.connection, place, content_hash, ChangeKind::Created).map_err(constraint_or_backend(
            || StoreError::Conflict(format!("le lieu {} de la source {} existe déjà", place.source_id, place.source)),
        ))
    }

    fn update(&mut self, place: &Place, content_hash: &str, change: ChangeKind) -> StoreResult<()> {
        if place.version < 2 {
            return Err(StoreError::Conflict(format!("le lieu {} a été modifié entre-temps", place.id)));
        }
        self.archive_current(&place.id, place.version - 1)?;
        let record = serde_json::to_string(&place.record).map_err(backend)?;
        let extras = serde_json::to_string(&place.extras).map_err(backend)?;
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE places SET batch_id = ?2, status = ?3, version = ?4, updated_at = ?5, content_hash = ?6, record = ?7, extras = ?8, last_change = ?9 WHERE id = ?1 AND version = ?4 - 1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    place.id.0,
                    place.batch_id,
                    place.status.as_str(),
                    place.version,
                    timestamp(&place.updated_at),
                    content_hash,
                    record,
                    extras,
                    change.as_str()
                ])
            })
            .map_err(backend)?;
        if changed != 1 {
            return Err(StoreError::Conflict(format!("le lieu {} a été modifié entre-temps", place.id)));
        }
        Ok(())
    }

    fn report(&mut self, lines: &[ReportLine]) -> StoreResult<()> {
        let mut statement = self
            .connection
            .prepare_cached(
                "INSERT INTO import_report (batch_id, seq, row, source_id, severity, field, value, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(backend)?;
        for line in lines {
            self.report_seq += 1;
            statement
                .execute(params![
                    self.batch_id,
                    self.report_seq,
                    line.row,
                    line.source_id,
                    severity_key(line.problem.severity),
                    line.problem.field,
                    line.problem.value,
                    line.problem.reason
                ])
                .map_err(backend)?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>, batch: &ImportBatch) -> StoreResult<()> {
        let finished = batch.finished_at.unwrap_or_else(now);
        self.connection
            .execute(
                "UPDATE import_batches SET finished_at = ?2, counts = ?3 WHERE id = ?1",
                params![batch.id, timestamp(&finished), serde_json::to_string(&batch.counts).map_err(backend)?],
            )
            .map_err(backend)?;
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
