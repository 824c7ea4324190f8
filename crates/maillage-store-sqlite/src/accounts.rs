//! The accounts half of the store on SQLite: users, sessions, single-use tokens, the audit
//! log, notes on versions written by people, proposals and campaigns.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::{
    backend, constraint_or_backend, json_column, parse_timestamp, query_all, restore_error, text_column, timestamp,
    SqliteStore,
};

fn optional_timestamp(text: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    text.as_deref().map(parse_timestamp).transpose()
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(backend)
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    json_column(&row.get::<_, String>(0)?)
}

const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_token, created_at, expires_at";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        token_hash: row.get(0)?,
        user_id: row.get(1)?,
        csrf_token: row.get(2)?,
        created_at: parse_timestamp(&row.get::<_, String>(3)?)?,
        expires_at: parse_timestamp(&row.get::<_, String>(4)?)?,
    })
}

const TOKEN_COLUMNS: &str = "token_hash, purpose, user_id, subject, created_at, expires_at, used_at";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<OneTimeToken> {
    Ok(OneTimeToken {
        token_hash: row.get(0)?,
        purpose: text_column(1, row.get(1)?, TokenPurpose::parse)?,
        user_id: row.get(2)?,
        subject: row.get(3)?,
        created_at: parse_timestamp(&row.get::<_, String>(4)?)?,
        expires_at: parse_timestamp(&row.get::<_, String>(5)?)?,
        used_at: optional_timestamp(row.get(6)?)?,
    })
}

const AUDIT_COLUMNS: &str = "id, at, actor, action, target, detail";

fn audit_from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.get(0)?,
        at: parse_timestamp(&row.get::<_, String>(1)?)?,
        actor: row.get(2)?,
        action: row.get(3)?,
        target: row.get(4)?,
        detail: row.get(5)?,
    })
}

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<VersionNote> {
    Ok(VersionNote { place_id: PlaceId(row.get(0)?), version: row.get(1)?, author: row.get(2)?, reason: row.get(3)? })
}

fn document_from_row<T: serde::de::DeserializeOwned>(row: &Row<'_>) -> rusqlite::Result<T> {
    json_column(&row.get::<_, String>(0)?)
}

const ENTRY_COLUMNS: &str = "campaign_id, place_id, status, sent_at, reminded_at, answered_at";

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<CampaignEntry> {
    Ok(CampaignEntry {
        campaign_id: row.get(0)?,
        place_id: PlaceId(row.get(1)?),
        status: text_column(2, row.get(2)?, CampaignPlaceStatus::parse)?,
        sent_at: optional_timestamp(row.get(3)?)?,
        reminded_at: optional_timestamp(row.get(4)?)?,
        answered_at: optional_timestamp(row.get(5)?)?,
    })
}

fn insert_user(connection: &Connection, user: &User) -> StoreResult<()> {
    connection
        .prepare_cached("INSERT INTO users (id, email, data) VALUES (?1, ?2, ?3)")
        .and_then(|mut statement| statement.execute(params![user.id, user.email, to_json(user).map_err(to_sql)?]))
        .map_err(constraint_or_backend(duplicate_email_error))?;
    Ok(())
}

fn update_user(connection: &Connection, user: &User) -> StoreResult<()> {
    let changed = connection
        .prepare_cached("UPDATE users SET email = ?2, data = ?3 WHERE id = ?1")
        .and_then(|mut statement| statement.execute(params![user.id, user.email, to_json(user).map_err(to_sql)?]))
        .map_err(constraint_or_backend(duplicate_email_error))?;
    if changed != 1 {
        return Err(StoreError::NotFound(format!("utilisateur {}", user.id)));
    }
    Ok(())
}

fn to_sql(err: StoreError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(err))
}

fn insert_session(connection: &Connection, session: &Session) -> rusqlite::Result<usize> {
    connection
        .prepare_cached(&format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"))?
        .execute(params![
            session.token_hash,
            session.user_id,
            session.csrf_token,
            timestamp(&session.created_at),
            timestamp(&session.expires_at)
        ])
}

fn insert_token(connection: &Connection, token: &OneTimeToken) -> rusqlite::Result<usize> {
    connection
        .prepare_cached(&format!("INSERT INTO one_time_tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"))?
        .execute(params![
            token.token_hash,
            token.purpose.as_str(),
            token.user_id,
            token.subject,
            timestamp(&token.created_at),
            timestamp(&token.expires_at),
            token.used_at.as_ref().map(timestamp)
        ])
}

fn insert_audit(connection: &Connection, entry: &AuditEntry) -> rusqlite::Result<usize> {
    connection
        .prepare_cached(&format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"))?
        .execute(params![entry.id, timestamp(&entry.at), entry.actor, entry.action, entry.target, entry.detail])
}

fn insert_note(connection: &Connection, note: &VersionNote) -> rusqlite::Result<usize> {
    connection
        .prepare_cached("INSERT INTO version_notes (place_id, version, author, reason) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![note.place_id.0, note.version, note.author, note.reason])
}

fn insert_proposal(connection: &Connection, proposal: &Proposal) -> StoreResult<()> {
    connection
        .prepare_cached("INSERT INTO proposals (id, place_id, status, data) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut statement| {
            statement.execute(params![
                proposal.id,
                proposal.place_id.0,
                proposal.status.as_str(),
                to_json(proposal).map_err(to_sql)?
            ])
        })
        .map_err(constraint_or_backend(|| StoreError::NotFound(format!("lieu {}", proposal.place_id))))?;
    Ok(())
}

fn insert_campaign(connection: &Connection, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()> {
    connection
        .prepare_cached("INSERT INTO campaigns (id, data) VALUES (?1, ?2)")
        .and_then(|mut statement| statement.execute(params![campaign.id, to_json(campaign).map_err(to_sql)?]))
        .map_err(constraint_or_backend(|| StoreError::Conflict(format!("la campagne {} existe déjà", campaign.id))))?;
    let mut statement = connection
        .prepare_cached(&format!("INSERT INTO campaign_places ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"))
        .map_err(backend)?;
    for entry in entries {
        if entry.campaign_id != campaign.id {
            return Err(StoreError::Conflict(format!("le lieu {} est rattaché à une autre campagne", entry.place_id)));
        }
        statement
            .execute(params![
                entry.campaign_id,
                entry.place_id.0,
                entry.status.as_str(),
                entry.sent_at.as_ref().map(timestamp),
                entry.reminded_at.as_ref().map(timestamp),
                entry.answered_at.as_ref().map(timestamp)
            ])
            .map_err(constraint_or_backend(|| {
                StoreError::Conflict(format!("le lieu {} (inconnu, ou deux fois dans la campagne)", entry.place_id))
            }))?;
    }
    Ok(())
}

fn resolution_from_row(row: &Row<'_>) -> rusqlite::Result<ReportResolution> {
    Ok(ReportResolution {
        report_id: row.get(0)?,
        resolved_by: row.get(1)?,
        resolved_at: parse_timestamp(&row.get::<_, String>(2)?)?,
        note: row.get(3)?,
    })
}

const RESOLUTIONS_SELECT: &str =
    "SELECT report_id, resolved_by, resolved_at, note FROM place_report_resolutions ORDER BY report_id";

fn insert_resolution(connection: &Connection, resolution: &ReportResolution) -> StoreResult<()> {
    connection
        .prepare_cached(
            "INSERT INTO place_report_resolutions (report_id, resolved_by, resolved_at, note) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                resolution.report_id,
                resolution.resolved_by,
                timestamp(&resolution.resolved_at),
                resolution.note
            ])
        })
        .map_err(constraint_or_backend(|| {
            StoreError::Conflict(format!("le signalement {} est déjà traité", resolution.report_id))
        }))?;
    Ok(())
}

/// Writes a place version made by a person and its note, inside the caller's transaction.
fn write_place(connection: &Connection, write: &PlaceWrite) -> StoreResult<()> {
    check_place_write(write)?;
    let place = &write.place;
    let record = to_json(&place.record)?;
    let extras = to_json(&place.extras)?;
    if place.version == 1 {
        connection
            .prepare_cached(
                "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    place.id.0,
                    place.source,
                    place.source_id,
                    place.batch_id,
                    place.status.as_str(),
                    timestamp(&place.created_at),
                    timestamp(&place.updated_at),
                    write.content_hash,
                    write.change.as_str(),
                    record,
                    extras
                ])
            })
            .map_err(constraint_or_backend(|| StoreError::Conflict(format!("le lieu {} de la source {} existe déjà", place.source_id, place.source))))?;
    } else {
        // The current version goes to the history first, only if it is the one the writer
        // read: a stale writer copies nothing and gets a conflict.
        let copied = connection
            .prepare_cached(
                "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras)
                 SELECT id, version, updated_at, batch_id, last_change, status, record, extras FROM places WHERE id = ?1 AND version = ?2",
            )
            .and_then(|mut statement| statement.execute(params![place.id.0, place.version - 1]))
            .map_err(backend)?;
        if copied != 1 {
            let known: bool = connection
                .query_row("SELECT EXISTS (SELECT 1 FROM places WHERE id = ?1)", [&place.id.0], |row| row.get(0))
                .map_err(backend)?;
            return Err(if known {
                stale_place_error(&place.id)
            } else {
                StoreError::NotFound(format!("lieu {}", place.id))
            });
        }
        connection
            .prepare_cached(
                "UPDATE places SET batch_id = ?2, status = ?3, version = ?4, updated_at = ?5,
                 content_hash = coalesce(?6, content_hash), record = ?7, extras = ?8, last_change = ?9
                 WHERE id = ?1 AND version = ?4 - 1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    place.id.0,
                    place.batch_id,
                    place.status.as_str(),
                    place.version,
                    timestamp(&place.updated_at),
                    write.content_hash,
                    record,
                    extras,
                    write.change.as_str()
                ])
            })
            .map_err(backend)?;
    }
    insert_note(connection, &write.note()).map_err(backend)?;
    Ok(())
}

impl AccountStore for SqliteStore {
    fn insert_user(&self, user: &User) -> StoreResult<()> {
        insert_user(&*self.lock()?, user)
    }

    fn update_user(&self, user: &User) -> StoreResult<()> {
        update_user(&*self.lock()?, user)
    }

    fn user(&self, id: &str) -> StoreResult<Option<User>> {
        let connection = self.lock()?;
        connection.query_row("SELECT data FROM users WHERE id = ?1", [id], user_from_row).optional().map_err(backend)
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let connection = self.lock()?;
        connection
            .query_row("SELECT data FROM users WHERE email = ?1", [email], user_from_row)
            .optional()
            .map_err(backend)
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        query_all(&*self.lock()?, "SELECT data FROM users ORDER BY id", [], user_from_row)
    }

    fn insert_session(&self, session: &Session) -> StoreResult<()> {
        insert_session(&*self.lock()?, session)
            .map_err(constraint_or_backend(|| StoreError::NotFound(format!("utilisateur {}", session.user_id))))?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let connection = self.lock()?;
        connection
            .query_row(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1"),
                [token_hash],
                session_from_row,
            )
            .optional()
            .map_err(backend)
    }

    fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.lock()?.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash]).map_err(backend)?;
        Ok(())
    }

    fn delete_user_sessions(&self, user_id: &str) -> StoreResult<()> {
        self.lock()?.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id]).map_err(backend)?;
        Ok(())
    }

    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        // Timestamps are stored in one fixed-width RFC 3339 form: text order is time order.
        let deleted =
            self.lock()?.execute("DELETE FROM sessions WHERE expires_at < ?1", [timestamp(&now)]).map_err(backend)?;
        Ok(deleted as u64)
    }

    fn insert_token(&self, token: &OneTimeToken) -> StoreResult<()> {
        insert_token(&*self.lock()?, token).map_err(constraint_or_backend(|| {
            StoreError::Conflict("jeton déjà enregistré ou compte inconnu".to_owned())
        }))?;
        Ok(())
    }

    fn use_token(&self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<TokenUse> {
        let connection = self.lock()?;
        // One statement decides: of two concurrent uses, only one finds `used_at` empty.
        let taken = connection
            .execute(
                "UPDATE one_time_tokens SET used_at = ?3
                 WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                params![token_hash, purpose.as_str(), timestamp(&at)],
            )
            .map_err(backend)?;
        let token = connection
            .query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens WHERE token_hash = ?1"),
                [token_hash],
                token_from_row,
            )
            .optional()
            .map_err(backend)?;
        Ok(classify_token(token, taken == 1, purpose))
    }

    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        insert_audit(&*self.lock()?, entry).map_err(backend)?;
        Ok(())
    }

    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        query_all(
            &*self.lock()?,
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?1"),
            [limit as i64],
            audit_from_row,
        )
    }

    fn save_place(&self, write: &PlaceWrite) -> StoreResult<()> {
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        write_place(&tx, write)?;
        tx.commit().map_err(backend)
    }

    fn version_notes(&self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>> {
        query_all(
            &*self.lock()?,
            "SELECT place_id, version, author, reason FROM version_notes WHERE place_id = ?1 ORDER BY version",
            [&place_id.0],
            note_from_row,
        )
    }

    fn insert_proposal(&self, proposal: &Proposal) -> StoreResult<()> {
        insert_proposal(&*self.lock()?, proposal)
    }

    fn proposal(&self, id: &str) -> StoreResult<Option<Proposal>> {
        let connection = self.lock()?;
        connection
            .query_row("SELECT data FROM proposals WHERE id = ?1", [id], document_from_row)
            .optional()
            .map_err(backend)
    }

    fn proposals(&self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>> {
        query_all(
            &*self.lock()?,
            "SELECT data FROM proposals WHERE ?1 IS NULL OR status = ?1 ORDER BY id",
            [status.map(ProposalStatus::as_str)],
            document_from_row,
        )
    }

    fn decide_proposal(&self, decision: &ProposalDecision) -> StoreResult<()> {
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        let proposal = &decision.proposal;
        let changed = tx
            .execute(
                "UPDATE proposals SET status = ?2, data = ?3 WHERE id = ?1 AND status = 'pending'",
                params![proposal.id, proposal.status.as_str(), to_json(proposal)?],
            )
            .map_err(backend)?;
        if changed != 1 {
            let known: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM proposals WHERE id = ?1)", [&proposal.id], |row| row.get(0))
                .map_err(backend)?;
            return Err(if known {
                decided_proposal_error(&proposal.id)
            } else {
                StoreError::NotFound(format!("proposition {}", proposal.id))
            });
        }
        if let Some(write) = &decision.place {
            write_place(&tx, write)?;
        }
        if let Some(user) = &decision.user {
            update_user(&tx, user)?;
        }
        tx.commit().map_err(backend)
    }

    fn insert_campaign(&self, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()> {
        let mut connection = self.lock()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        insert_campaign(&tx, campaign, entries)?;
        tx.commit().map_err(backend)
    }

    fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        query_all(&*self.lock()?, "SELECT data FROM campaigns ORDER BY id DESC", [], document_from_row)
    }

    fn campaign(&self, id: &str) -> StoreResult<Option<Campaign>> {
        let connection = self.lock()?;
        connection
            .query_row("SELECT data FROM campaigns WHERE id = ?1", [id], document_from_row)
            .optional()
            .map_err(backend)
    }

    fn campaign_entries(&self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>> {
        query_all(
            &*self.lock()?,
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE campaign_id = ?1 ORDER BY place_id"),
            [campaign_id],
            entry_from_row,
        )
    }

    fn place_campaign_entries(&self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>> {
        query_all(
            &*self.lock()?,
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE place_id = ?1 ORDER BY campaign_id"),
            [&place_id.0],
            entry_from_row,
        )
    }

    fn update_campaign_entry(&self, entry: &CampaignEntry) -> StoreResult<()> {
        let changed = self
            .lock()?
            .execute(
                "UPDATE campaign_places SET status = ?3, sent_at = ?4, reminded_at = ?5, answered_at = ?6
                 WHERE campaign_id = ?1 AND place_id = ?2",
                params![
                    entry.campaign_id,
                    entry.place_id.0,
                    entry.status.as_str(),
                    entry.sent_at.as_ref().map(timestamp),
                    entry.reminded_at.as_ref().map(timestamp),
                    entry.answered_at.as_ref().map(timestamp)
                ],
            )
            .map_err(backend)?;
        if changed != 1 {
            return Err(StoreError::NotFound(format!("lieu {} de la campagne {}", entry.place_id, entry.campaign_id)));
        }
        Ok(())
    }

    fn resolve_report(&self, resolution: &ReportResolution) -> StoreResult<()> {
        let connection = self.lock()?;
        let known: bool = connection
            .query_row("SELECT EXISTS (SELECT 1 FROM place_reports WHERE id = ?1)", [&resolution.report_id], |row| {
                row.get(0)
            })
            .map_err(backend)?;
        if !known {
            return Err(StoreError::NotFound(format!("signalement {}", resolution.report_id)));
        }
        insert_resolution(&connection, resolution)
    }

    fn report_resolutions(&self) -> StoreResult<Vec<ReportResolution>> {
        query_all(&*self.lock()?, RESOLUTIONS_SELECT, [], resolution_from_row)
    }

    fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        query_all(&*self.lock()?, "SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0))
            .map(|values| values.into_iter().next())
    }

    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.lock()?
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(backend)?;
        Ok(())
    }
}

/// Why a token was not accepted, once the atomic update has decided.
pub(crate) fn classify_token(token: Option<OneTimeToken>, taken: bool, purpose: TokenPurpose) -> TokenUse {
    match token {
        Some(token) if token.purpose != purpose => TokenUse::Unknown,
        Some(token) if taken => TokenUse::Accepted(token),
        Some(token) if token.used_at.is_some() => TokenUse::AlreadyUsed,
        Some(_) => TokenUse::Expired,
        None => TokenUse::Unknown,
    }
}

/// Whether any accounts table holds a row (a restore goes only into an empty store).
pub(crate) fn occupied(connection: &Connection) -> StoreResult<bool> {
    connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM audit_log)
             OR EXISTS (SELECT 1 FROM campaigns) OR EXISTS (SELECT 1 FROM one_time_tokens)",
            [],
            |row| row.get(0),
        )
        .map_err(backend)
}

/// The accounts part of a snapshot, in [`SnapshotItem`]'s order, inside the caller's read
/// transaction.
pub(crate) fn read_snapshot(
    connection: &Connection,
    visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>,
) -> StoreResult<()> {
    for user in query_all(connection, "SELECT data FROM users ORDER BY id", [], user_from_row)? {
        visit(SnapshotItem::User(user))?;
    }
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY token_hash");
    for session in query_all(connection, &sql, [], session_from_row)? {
        visit(SnapshotItem::Session(session))?;
    }
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens ORDER BY token_hash");
    for token in query_all(connection, &sql, [], token_from_row)? {
        visit(SnapshotItem::Token(token))?;
    }
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id");
    for entry in query_all(connection, &sql, [], audit_from_row)? {
        visit(SnapshotItem::Audit(entry))?;
    }
    let sql = "SELECT place_id, version, author, reason FROM version_notes ORDER BY place_id, version";
    for note in query_all(connection, sql, [], note_from_row)? {
        visit(SnapshotItem::VersionNote(note))?;
    }
    for proposal in query_all(connection, "SELECT data FROM proposals ORDER BY id", [], document_from_row)? {
        visit(SnapshotItem::Proposal(proposal))?;
    }
    let campaigns: Vec<Campaign> =
        query_all(connection, "SELECT data FROM campaigns ORDER BY id", [], document_from_row)?;
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE campaign_id = ?1 ORDER BY place_id");
    for campaign in campaigns {
        let entries = query_all(connection, &sql, [&campaign.id], entry_from_row)?;
        visit(SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }))?;
    }
    for resolution in query_all(connection, RESOLUTIONS_SELECT, [], resolution_from_row)? {
        visit(SnapshotItem::ReportResolution(resolution))?;
    }
    let settings = query_all(connection, "SELECT key, value FROM settings ORDER BY key", [], |row| {
        Ok(SnapshotItem::Setting { key: row.get(0)?, value: row.get(1)? })
    })?;
    for setting in settings {
        visit(setting)?;
    }
    Ok(())
}

/// Restores one item of the accounts tables.
pub(crate) fn write_item(connection: &Connection, item: &SnapshotItem) -> StoreResult<()> {
    match item {
        SnapshotItem::User(user) => insert_user(connection, user),
        SnapshotItem::Session(session) => insert_session(connection, session).map(drop).map_err(restore_error),
        SnapshotItem::Token(token) => insert_token(connection, token).map(drop).map_err(restore_error),
        SnapshotItem::Audit(entry) => insert_audit(connection, entry).map(drop).map_err(restore_error),
        SnapshotItem::VersionNote(note) => insert_note(connection, note).map(drop).map_err(restore_error),
        SnapshotItem::Proposal(proposal) => insert_proposal(connection, proposal),
        SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }) => {
            insert_campaign(connection, campaign, entries)
        }
        SnapshotItem::ReportResolution(resolution) => insert_resolution(connection, resolution),
        SnapshotItem::Setting { key, value } => connection
            .execute("INSERT INTO settings (key, value) VALUES (?1, ?2)", [key, value])
            .map(drop)
            .map_err(restore_error),
        other => Err(StoreError::Backend(format!("élément de sauvegarde inattendu ici : {}", other.kind()))),
    }
}
