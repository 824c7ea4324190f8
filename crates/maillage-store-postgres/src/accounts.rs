//! The accounts half of the store on PostgreSQL: users, sessions, single-use tokens, the
//! audit log, notes on versions written by people, proposals and campaigns.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::*;
use postgres::types::Json;
use postgres::{GenericClient, Row};

use super::{backend, describe, restore_error, version_column, version_param, PostgresStore};

/// Whether the server refused a write for a broken key or reference (class 23).
fn is_constraint_violation(err: &postgres::Error) -> bool {
    err.as_db_error().is_some_and(|db| db.code().code().starts_with("23"))
}

fn constraint_or_backend(err: postgres::Error, conflict: impl FnOnce() -> StoreError) -> StoreError {
    if is_constraint_violation(&err) {
        tracing::debug!(err = %describe(&err), "écriture refusée par une contrainte");
        conflict()
    } else {
        backend(err)
    }
}

fn document<T: serde::de::DeserializeOwned + std::fmt::Debug>(row: &Row) -> StoreResult<T> {
    row.try_get::<_, Json<T>>("data").map(|json| json.0).map_err(backend)
}

fn text<'a>(row: &'a Row, column: &str) -> StoreResult<&'a str> {
    row.try_get(column).map_err(backend)
}

fn parsed<T>(row: &Row, column: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let value = text(row, column)?;
    parse(value).ok_or_else(|| StoreError::Backend(format!("valeur inconnue en base pour {column} : {value}")))
}

const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_token, created_at, expires_at";

fn session_from_row(row: &Row) -> StoreResult<Session> {
    Ok(Session {
        token_hash: row.try_get("token_hash").map_err(backend)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        csrf_token: row.try_get("csrf_token").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        expires_at: row.try_get("expires_at").map_err(backend)?,
    })
}

const TOKEN_COLUMNS: &str = "token_hash, purpose, user_id, subject, created_at, expires_at, used_at";

fn token_from_row(row: &Row) -> StoreResult<OneTimeToken> {
    Ok(OneTimeToken {
        token_hash: row.try_get("token_hash").map_err(backend)?,
        purpose: parsed(row, "purpose", TokenPurpose::parse)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        subject: row.try_get("subject").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        expires_at: row.try_get("expires_at").map_err(backend)?,
        used_at: row.try_get("used_at").map_err(backend)?,
    })
}

const AUDIT_COLUMNS: &str = "id, at, actor, action, target, detail";

fn audit_from_row(row: &Row) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id").map_err(backend)?,
        at: row.try_get("at").map_err(backend)?,
        actor: row.try_get("actor").map_err(backend)?,
        action: row.try_get("action").map_err(backend)?,
        target: row.try_get("target").map_err(backend)?,
        detail: row.try_get("detail").map_err(backend)?,
    })
}

fn note_from_row(row: &Row) -> StoreResult<VersionNote> {
    Ok(VersionNote {
        place_id: PlaceId(row.try_get("place_id").map_err(backend)?),
        version: version_column(row, "version")?,
        author: row.try_get("author").map_err(backend)?,
        reason: row.try_get("reason").map_err(backend)?,
    })
}

const ENTRY_COLUMNS: &str = "campaign_id, place_id, status, sent_at, reminded_at, answered_at";

fn entry_from_row(row: &Row) -> StoreResult<CampaignEntry> {
    Ok(CampaignEntry {
        campaign_id: row.try_get("campaign_id").map_err(backend)?,
        place_id: PlaceId(row.try_get("place_id").map_err(backend)?),
        status: parsed(row, "status", CampaignPlaceStatus::parse)?,
        sent_at: row.try_get("sent_at").map_err(backend)?,
        reminded_at: row.try_get("reminded_at").map_err(backend)?,
        answered_at: row.try_get("answered_at").map_err(backend)?,
    })
}

fn insert_user(client: &mut impl GenericClient, user: &User) -> StoreResult<()> {
    client
        .execute("INSERT INTO users (id, email, data) VALUES ($1, $2, $3)", &[&user.id, &user.email, &Json(user)])
        .map_err(|err| constraint_or_backend(err, duplicate_email_error))?;
    Ok(())
}

fn update_user(client: &mut impl GenericClient, user: &User) -> StoreResult<()> {
    let changed = client
        .execute("UPDATE users SET email = $2, data = $3 WHERE id = $1", &[&user.id, &user.email, &Json(user)])
        .map_err(|err| constraint_or_backend(err, duplicate_email_error))?;
    if changed != 1 {
        return Err(StoreError::NotFound(format!("utilisateur {}", user.id)));
    }
    Ok(())
}

fn insert_session(client: &mut impl GenericClient, session: &Session) -> Result<u64, postgres::Error> {
    client.execute(
        &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"),
        &[&session.token_hash, &session.user_id, &session.csrf_token, &session.created_at, &session.expires_at],
    )
}

fn insert_token(client: &mut impl GenericClient, token: &OneTimeToken) -> Result<u64, postgres::Error> {
    client.execute(
        &format!("INSERT INTO one_time_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
        &[
            &token.token_hash,
            &token.purpose.as_str(),
            &token.user_id,
            &token.subject,
            &token.created_at,
            &token.expires_at,
            &token.used_at,
        ],
    )
}

fn insert_audit(client: &mut impl GenericClient, entry: &AuditEntry) -> Result<u64, postgres::Error> {
    client.execute(
        &format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        &[&entry.id, &entry.at, &entry.actor, &entry.action, &entry.target, &entry.detail],
    )
}

fn insert_note(client: &mut impl GenericClient, note: &VersionNote) -> StoreResult<u64> {
    client
        .execute(
            "INSERT INTO version_notes (place_id, version, author, reason) VALUES ($1, $2, $3, $4)",
            &[&note.place_id.0, &version_param(note.version)?, &note.author, &note.reason],
        )
        .map_err(restore_error)
}

fn insert_proposal(client: &mut impl GenericClient, proposal: &Proposal) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO proposals (id, place_id, status, data) VALUES ($1, $2, $3, $4)",
            &[&proposal.id, &proposal.place_id.0, &proposal.status.as_str(), &Json(proposal)],
        )
        .map_err(|err| constraint_or_backend(err, || StoreError::NotFound(format!("lieu {}", proposal.place_id))))?;
    Ok(())
}

fn insert_campaign(client: &mut impl GenericClient, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()> {
    client.execute("INSERT INTO campaigns (id, data) VALUES ($1, $2)", &[&campaign.id, &Json(campaign)]).map_err(
        |err| constraint_or_backend(err, || StoreError::Conflict(format!("la campagne {} existe déjà", campaign.id))),
    )?;
    let statement = client
        .prepare(&format!("INSERT INTO campaign_places ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
        .map_err(backend)?;
    for entry in entries {
        if entry.campaign_id != campaign.id {
            return Err(StoreError::Conflict(format!("le lieu {} est rattaché à une autre campagne", entry.place_id)));
        }
        client
            .execute(
                &statement,
                &[
                    &entry.campaign_id,
                    &entry.place_id.0,
                    &entry.status.as_str(),
                    &entry.sent_at,
                    &entry.reminded_at,
                    &entry.answered_at,
                ],
            )
            .map_err(|err| {
                constraint_or_backend(err, || {
                    StoreError::Conflict(format!("le lieu {} (inconnu, ou deux fois dans la campagne)", entry.place_id))
                })
            })?;
    }
    Ok(())
}

fn resolution_from_row(row: &Row) -> StoreResult<ReportResolution> {
    Ok(ReportResolution {
        report_id: row.try_get("report_id").map_err(backend)?,
        resolved_by: row.try_get("resolved_by").map_err(backend)?,
        resolved_at: row.try_get("resolved_at").map_err(backend)?,
        note: row.try_get("note").map_err(backend)?,
    })
}

const RESOLUTIONS_SELECT: &str =
    "SELECT report_id, resolved_by, resolved_at, note FROM place_report_resolutions ORDER BY report_id";

fn insert_resolution(client: &mut impl GenericClient, resolution: &ReportResolution) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO place_report_resolutions (report_id, resolved_by, resolved_at, note) VALUES ($1, $2, $3, $4)",
            &[&resolution.report_id, &resolution.resolved_by, &resolution.resolved_at, &resolution.note],
        )
        .map_err(|err| {
            constraint_or_backend(err, || {
                StoreError::Conflict(format!("le signalement {} est déjà traité", resolution.report_id))
            })
        })?;
    Ok(())
}

/// Writes a place version made by a person and its note, inside the caller's transaction.
fn write_place(client: &mut impl GenericClient, write: &PlaceWrite) -> StoreResult<()> {
    check_place_write(write)?;
    let place = &write.place;
    let record = Json(&place.record);
    let extras = Json(&place.extras);
    let version = version_param(place.version)?;
    if place.version == 1 {
        client
            .execute(
                "INSERT INTO places (id, source, source_id, batch_id, status, version, created_at, updated_at, content_hash, last_change, record, extras)
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11)",
                &[
                    &place.id.0,
                    &place.source,
                    &place.source_id,
                    &place.batch_id,
                    &place.status.as_str(),
                    &place.created_at,
                    &place.updated_at,
                    &write.content_hash,
                    &write.change.as_str(),
                    &record,
                    &extras,
                ],
            )
            .map_err(|err| {
                constraint_or_backend(err, || {
                    StoreError::Conflict(format!("le lieu {} de la source {} existe déjà", place.source_id, place.source))
                })
            })?;
    } else {
        // The row is locked and its version checked before anything is copied: a stale
        // writer copies nothing and gets a conflict.
        let current = client
            .query_opt("SELECT version FROM places WHERE id = $1 FOR UPDATE", &[&place.id.0])
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(format!("lieu {}", place.id)))?;
        if version_column(&current, "version")? + 1 != place.version {
            return Err(stale_place_error(&place.id));
        }
        client
            .execute(
                "INSERT INTO place_versions (place_id, version, recorded_at, batch_id, change, status, record, extras)
                 SELECT id, version, updated_at, batch_id, last_change, status, record, extras FROM places WHERE id = $1",
                &[&place.id.0],
            )
            .map_err(backend)?;
        client
            .execute(
                "UPDATE places SET batch_id = $2, status = $3, version = $4, updated_at = $5,
                 content_hash = coalesce($6, content_hash), record = $7, extras = $8, last_change = $9
                 WHERE id = $1",
                &[
                    &place.id.0,
                    &place.batch_id,
                    &place.status.as_str(),
                    &version,
                    &place.updated_at,
                    &write.content_hash,
                    &record,
                    &extras,
                    &write.change.as_str(),
                ],
            )
            .map_err(backend)?;
    }
    insert_note(client, &write.note())?;
    Ok(())
}

impl AccountStore for PostgresStore {
    fn insert_user(&self, user: &User) -> StoreResult<()> {
        self.in_transaction(|tx| insert_user(tx, user))
    }

    fn update_user(&self, user: &User) -> StoreResult<()> {
        self.in_transaction(|tx| update_user(tx, user))
    }

    fn user(&self, id: &str) -> StoreResult<Option<User>> {
        self.query("SELECT data FROM users WHERE id = $1", &[&id])?.first().map(document).transpose()
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.query("SELECT data FROM users WHERE email = $1", &[&email])?.first().map(document).transpose()
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        self.query("SELECT data FROM users ORDER BY id", &[])?.iter().map(document).collect()
    }

    fn insert_session(&self, session: &Session) -> StoreResult<()> {
        self.in_transaction(|tx| {
            insert_session(tx, session).map_err(|err| {
                constraint_or_backend(err, || StoreError::NotFound(format!("utilisateur {}", session.user_id)))
            })?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        self.query(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"), &[&token_hash])?
            .first()
            .map(session_from_row)
            .transpose()
    }

    fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.query("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).map(drop)
    }

    fn delete_user_sessions(&self, user_id: &str) -> StoreResult<()> {
        self.query("DELETE FROM sessions WHERE user_id = $1", &[&user_id]).map(drop)
    }

    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = self.query(
            "WITH gone AS (DELETE FROM sessions WHERE expires_at < $1 RETURNING 1) SELECT count(*) FROM gone",
            &[&now],
        )?;
        let count: i64 = deleted.first().map(|row| row.try_get(0)).transpose().map_err(backend)?.unwrap_or(0);
        Ok(count as u64)
    }

    fn insert_token(&self, token: &OneTimeToken) -> StoreResult<()> {
        self.in_transaction(|tx| {
            insert_token(tx, token).map_err(|err| {
                constraint_or_backend(err, || {
                    StoreError::Conflict("jeton déjà enregistré ou compte inconnu".to_owned())
                })
            })?;
            Ok(())
        })
    }

    fn use_token(&self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<TokenUse> {
        self.in_transaction(|tx| {
            // One statement decides: of two concurrent uses, the second waits for the row
            // lock, then finds `used_at` set.
            let taken = tx
                .execute(
                    "UPDATE one_time_tokens SET used_at = $3
                     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
                    &[&token_hash, &purpose.as_str(), &at],
                )
                .map_err(backend)?;
            let token = tx
                .query_opt(
                    &format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens WHERE token_hash = $1"),
                    &[&token_hash],
                )
                .map_err(backend)?
                .as_ref()
                .map(token_from_row)
                .transpose()?;
            Ok(match token {
                Some(token) if token.purpose != purpose => TokenUse::Unknown,
                Some(token) if taken == 1 => TokenUse::Accepted(token),
                Some(token) if token.used_at.is_some() => TokenUse::AlreadyUsed,
                Some(_) => TokenUse::Expired,
                None => TokenUse::Unknown,
            })
        })
    }

    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.in_transaction(|tx| insert_audit(tx, entry).map(drop).map_err(backend))
    }

    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1"), &[&limit])?
            .iter()
            .map(audit_from_row)
            .collect()
    }

    fn save_place(&self, write: &PlaceWrite) -> StoreResult<()> {
        self.in_transaction(|tx| write_place(tx, write))
    }

    fn version_notes(&self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>> {
        self.query(
            "SELECT place_id, version, author, reason FROM version_notes WHERE place_id = $1 ORDER BY version",
            &[&place_id.0],
        )?
        .iter()
        .map(note_from_row)
        .collect()
    }

    fn insert_proposal(&self, proposal: &Proposal) -> StoreResult<()> {
        self.in_transaction(|tx| insert_proposal(tx, proposal))
    }

    fn proposal(&self, id: &str) -> StoreResult<Option<Proposal>> {
        self.query("SELECT data FROM proposals WHERE id = $1", &[&id])?.first().map(document).transpose()
    }

    fn proposals(&self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>> {
        let status = status.map(ProposalStatus::as_str);
        self.query("SELECT data FROM proposals WHERE $1::text IS NULL OR status = $1 ORDER BY id", &[&status])?
            .iter()
            .map(document)
            .collect()
    }

    fn decide_proposal(&self, decision: &ProposalDecision) -> StoreResult<()> {
        self.in_transaction(|tx| {
            let proposal = &decision.proposal;
            let changed = tx
                .execute(
                    "UPDATE proposals SET status = $2, data = $3 WHERE id = $1 AND status = 'pending'",
                    &[&proposal.id, &proposal.status.as_str(), &Json(proposal)],
                )
                .map_err(backend)?;
            if changed != 1 {
                let known: bool = tx
                    .query_one("SELECT EXISTS (SELECT 1 FROM proposals WHERE id = $1)", &[&proposal.id])
                    .map_err(backend)?
                    .get(0);
                return Err(if known {
                    decided_proposal_error(&proposal.id)
                } else {
                    StoreError::NotFound(format!("proposition {}", proposal.id))
                });
            }
            if let Some(write) = &decision.place {
                write_place(tx, write)?;
            }
            if let Some(user) = &decision.user {
                update_user(tx, user)?;
            }
            Ok(())
        })
    }

    fn insert_campaign(&self, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()> {
        self.in_transaction(|tx| insert_campaign(tx, campaign, entries))
    }

    fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        self.query("SELECT data FROM campaigns ORDER BY id DESC", &[])?.iter().map(document).collect()
    }

    fn campaign(&self, id: &str) -> StoreResult<Option<Campaign>> {
        self.query("SELECT data FROM campaigns WHERE id = $1", &[&id])?.first().map(document).transpose()
    }

    fn campaign_entries(&self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>> {
        self.query(
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE campaign_id = $1 ORDER BY place_id"),
            &[&campaign_id],
        )?
        .iter()
        .map(entry_from_row)
        .collect()
    }

    fn place_campaign_entries(&self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>> {
        self.query(
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE place_id = $1 ORDER BY campaign_id"),
            &[&place_id.0],
        )?
        .iter()
        .map(entry_from_row)
        .collect()
    }

    fn update_campaign_entry(&self, entry: &CampaignEntry) -> StoreResult<()> {
        self.in_transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE campaign_places SET status = $3, sent_at = $4, reminded_at = $5, answered_at = $6
                     WHERE campaign_id = $1 AND place_id = $2",
                    &[
                        &entry.campaign_id,
                        &entry.place_id.0,
                        &entry.status.as_str(),
                        &entry.sent_at,
                        &entry.reminded_at,
                        &entry.answered_at,
                    ],
                )
                .map_err(backend)?;
            if changed != 1 {
                return Err(StoreError::NotFound(format!(
                    "lieu {} de la campagne {}",
                    entry.place_id, entry.campaign_id
                )));
            }
            Ok(())
        })
    }

    fn resolve_report(&self, resolution: &ReportResolution) -> StoreResult<()> {
        self.in_transaction(|tx| {
            let known: bool = tx
                .query_one("SELECT EXISTS (SELECT 1 FROM place_reports WHERE id = $1)", &[&resolution.report_id])
                .map_err(backend)?
                .get(0);
            if !known {
                return Err(StoreError::NotFound(format!("signalement {}", resolution.report_id)));
            }
            insert_resolution(tx, resolution)
        })
    }

    fn report_resolutions(&self) -> StoreResult<Vec<ReportResolution>> {
        self.query(RESOLUTIONS_SELECT, &[])?.iter().map(resolution_from_row).collect()
    }

    fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        match self.query("SELECT value FROM settings WHERE key = $1", &[&key])?.first() {
            Some(row) => Ok(Some(row.try_get("value").map_err(backend)?)),
            None => Ok(None),
        }
    }

    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.in_transaction(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map_err(backend)?;
            Ok(())
        })
    }
}

/// The accounts tables, for the restore's lock and emptiness check.
pub(crate) const TABLES: &str = "users, sessions, one_time_tokens, audit_log, version_notes, proposals, campaigns, \
     campaign_places, place_report_resolutions";

/// Whether any accounts table holds a row (a restore goes only into an empty store).
pub(crate) fn occupied(client: &mut impl GenericClient) -> StoreResult<bool> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM audit_log)
             OR EXISTS (SELECT 1 FROM campaigns) OR EXISTS (SELECT 1 FROM one_time_tokens)",
            &[],
        )
        .map_err(backend)?
        .get(0))
}

/// The accounts part of a snapshot, in [`SnapshotItem`]'s order, inside the caller's read
/// transaction.
pub(crate) fn read_snapshot(
    client: &mut impl GenericClient,
    visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>,
) -> StoreResult<()> {
    for row in client.query("SELECT data FROM users ORDER BY id", &[]).map_err(backend)? {
        visit(SnapshotItem::User(document(&row)?))?;
    }
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY token_hash");
    for row in client.query(&sql, &[]).map_err(backend)? {
        visit(SnapshotItem::Session(session_from_row(&row)?))?;
    }
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens ORDER BY token_hash");
    for row in client.query(&sql, &[]).map_err(backend)? {
        visit(SnapshotItem::Token(token_from_row(&row)?))?;
    }
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id");
    for row in client.query(&sql, &[]).map_err(backend)? {
        visit(SnapshotItem::Audit(audit_from_row(&row)?))?;
    }
    let sql = "SELECT place_id, version, author, reason FROM version_notes ORDER BY place_id, version";
    for row in client.query(sql, &[]).map_err(backend)? {
        visit(SnapshotItem::VersionNote(note_from_row(&row)?))?;
    }
    for row in client.query("SELECT data FROM proposals ORDER BY id", &[]).map_err(backend)? {
        visit(SnapshotItem::Proposal(document(&row)?))?;
    }
    let campaigns = client.query("SELECT data FROM campaigns ORDER BY id", &[]).map_err(backend)?;
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE campaign_id = $1 ORDER BY place_id");
    for row in campaigns {
        let campaign: Campaign = document(&row)?;
        let entries = client
            .query(&sql, &[&campaign.id])
            .map_err(backend)?
            .iter()
            .map(entry_from_row)
            .collect::<StoreResult<_>>()?;
        visit(SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }))?;
    }
    for row in client.query(RESOLUTIONS_SELECT, &[]).map_err(backend)? {
        visit(SnapshotItem::ReportResolution(resolution_from_row(&row)?))?;
    }
    for row in client.query("SELECT key, value FROM settings ORDER BY key", &[]).map_err(backend)? {
        visit(SnapshotItem::Setting {
            key: row.try_get(0).map_err(backend)?,
            value: row.try_get(1).map_err(backend)?,
        })?;
    }
    Ok(())
}

/// Restores one item of the accounts tables.
pub(crate) fn write_item(client: &mut impl GenericClient, item: &SnapshotItem) -> StoreResult<()> {
    match item {
        SnapshotItem::User(user) => insert_user(client, user),
        SnapshotItem::Session(session) => insert_session(client, session).map(drop).map_err(restore_error),
        SnapshotItem::Token(token) => insert_token(client, token).map(drop).map_err(restore_error),
        SnapshotItem::Audit(entry) => insert_audit(client, entry).map(drop).map_err(restore_error),
        SnapshotItem::VersionNote(note) => insert_note(client, note).map(drop),
        SnapshotItem::Proposal(proposal) => insert_proposal(client, proposal),
        SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }) => insert_campaign(client, campaign, entries),
        SnapshotItem::ReportResolution(resolution) => insert_resolution(client, resolution),
        SnapshotItem::Setting { key, value } => client
            .execute("INSERT INTO settings (key, value) VALUES ($1, $2)", &[key, value])
            .map(drop)
            .map_err(restore_error),
        other => Err(StoreError::Backend(format!("élément de sauvegarde inattendu ici : {}", other.kind()))),
    }
}
