//! The accounts half of the store on PostgreSQL: users, sessions, single-use tokens, the
//! audit log, notes on versions written by people, proposals, campaigns, report resolutions
//! and settings.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::backend::{AccountTables, WriteResult};
use maillage_store::*;
use postgres::types::{Json, ToSql};
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> AccountTables for PgTables<'_, C> {
    fn insert_user(&mut self, user: &User) -> WriteResult<()> {
        self.run("INSERT INTO users (id, email, data) VALUES ($1, $2, $3)", &[&user.id, &user.email, &Json(user)])
            .map(drop)
    }

    fn update_user(&mut self, user: &User) -> WriteResult<u64> {
        self.run("UPDATE users SET email = $2, data = $3 WHERE id = $1", &[&user.id, &user.email, &Json(user)])
    }

    fn user(&mut self, id: &str) -> StoreResult<Option<User>> {
        self.one("SELECT data FROM users WHERE id = $1", &[&id])
    }

    fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        self.one("SELECT data FROM users WHERE email = $1", &[&email])
    }

    fn users(&mut self) -> StoreResult<Vec<User>> {
        self.all("SELECT data FROM users ORDER BY id", &[])
    }

    fn insert_session(&mut self, session: &Session) -> WriteResult<()> {
        let sql = format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        let Session { token_hash, user_id, csrf_token, created_at, expires_at } = session;
        self.run(&sql, &[token_hash, user_id, csrf_token, created_at, expires_at]).map(drop)
    }

    fn session(&mut self, token_hash: &str) -> StoreResult<Option<Session>> {
        self.one(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"), &[&token_hash])
    }

    fn sessions(&mut self) -> StoreResult<Vec<Session>> {
        self.all(&format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY token_hash"), &[])
    }

    fn delete_session(&mut self, token_hash: &str) -> StoreResult<()> {
        self.run("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn delete_user_sessions(&mut self, user_id: &str) -> StoreResult<()> {
        self.run("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
        Ok(())
    }

    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.run("DELETE FROM sessions WHERE expires_at < $1", &[&now])?)
    }

    fn delete_expired_tokens(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.run("DELETE FROM one_time_tokens WHERE expires_at < $1", &[&before])?)
    }

    fn insert_token(&mut self, token: &OneTimeToken) -> WriteResult<()> {
        let sql = format!("INSERT INTO one_time_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        let purpose = token.purpose.as_str();
        let params: [&(dyn ToSql + Sync); 7] = [
            &token.token_hash,
            &purpose,
            &token.user_id,
            &token.subject,
            &token.created_at,
            &token.expires_at,
            &token.used_at,
        ];
        self.run(&sql, &params).map(drop)
    }

    /// Of two concurrent uses, the second waits for the row lock, then finds `used_at` set.
    fn take_token(&mut self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64> {
        let taken = self.run(
            "UPDATE one_time_tokens SET used_at = $3
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            &[&token_hash, &purpose.as_str(), &at],
        );
        Ok(taken?)
    }

    fn take_user_tokens(&mut self, user_id: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.run(
            "UPDATE one_time_tokens SET used_at = $3
             WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            &[&user_id, &purpose.as_str(), &at],
        )?)
    }

    fn token(&mut self, token_hash: &str) -> StoreResult<Option<OneTimeToken>> {
        self.one(&format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens WHERE token_hash = $1"), &[&token_hash])
    }

    fn tokens(&mut self) -> StoreResult<Vec<OneTimeToken>> {
        self.all(&format!("SELECT {TOKEN_COLUMNS} FROM one_time_tokens ORDER BY token_hash"), &[])
    }

    fn insert_audit(&mut self, entry: &AuditEntry) -> WriteResult<()> {
        let sql = format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        let AuditEntry { id, at, actor, action, target, detail } = entry;
        self.run(&sql, &[id, at, actor, action, target, detail]).map(drop)
    }

    fn audit_log(&mut self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.all(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1"), &[&limit])
    }

    fn audit_entries(&mut self) -> StoreResult<Vec<AuditEntry>> {
        self.all(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id"), &[])
    }

    fn insert_note(&mut self, note: &VersionNote) -> WriteResult<()> {
        let sql = format!("INSERT INTO version_notes ({NOTE_COLUMNS}) VALUES ($1, $2, $3, $4)");
        self.run(&sql, &[&note.place_id.0, &version_param(note.version)?, &note.author, &note.reason]).map(drop)
    }

    fn version_notes(&mut self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>> {
        let sql = format!("SELECT {NOTE_COLUMNS} FROM version_notes WHERE place_id = $1 ORDER BY version");
        self.all(&sql, &[&place_id.0])
    }

    fn all_version_notes(&mut self) -> StoreResult<Vec<VersionNote>> {
        self.all(&format!("SELECT {NOTE_COLUMNS} FROM version_notes ORDER BY place_id, version"), &[])
    }

    fn insert_proposal(&mut self, proposal: &Proposal) -> WriteResult<()> {
        let status = proposal.status.as_str();
        let sql = "INSERT INTO proposals (id, place_id, status, data) VALUES ($1, $2, $3, $4)";
        self.run(sql, &[&proposal.id, &proposal.place_id.0, &status, &Json(proposal)]).map(drop)
    }

    fn proposal(&mut self, id: &str) -> StoreResult<Option<Proposal>> {
        self.one("SELECT data FROM proposals WHERE id = $1", &[&id])
    }

    fn proposals(&mut self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>> {
        let status = status.map(ProposalStatus::as_str);
        self.all("SELECT data FROM proposals WHERE $1::text IS NULL OR status = $1 ORDER BY id", &[&status])
    }

    fn decide_proposal(&mut self, proposal: &Proposal) -> StoreResult<u64> {
        let decided = self.run(
            "UPDATE proposals SET status = $2, data = $3 WHERE id = $1 AND status = 'pending'",
            &[&proposal.id, &proposal.status.as_str(), &Json(proposal)],
        );
        Ok(decided?)
    }

    fn insert_campaign(&mut self, campaign: &Campaign) -> WriteResult<()> {
        self.run("INSERT INTO campaigns (id, data) VALUES ($1, $2)", &[&campaign.id, &Json(campaign)]).map(drop)
    }

    fn insert_campaign_entry(&mut self, entry: &CampaignEntry) -> WriteResult<()> {
        let sql = format!("INSERT INTO campaign_places ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        let status = entry.status.as_str();
        let CampaignEntry { campaign_id, place_id, sent_at, reminded_at, answered_at, .. } = entry;
        self.run(&sql, &[campaign_id, &place_id.0, &status, sent_at, reminded_at, answered_at]).map(drop)
    }

    fn campaigns(&mut self) -> StoreResult<Vec<Campaign>> {
        self.all("SELECT data FROM campaigns ORDER BY id DESC", &[])
    }

    fn campaign(&mut self, id: &str) -> StoreResult<Option<Campaign>> {
        self.one("SELECT data FROM campaigns WHERE id = $1", &[&id])
    }

    fn campaign_entries(&mut self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>> {
        self.all(
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE campaign_id = $1 ORDER BY place_id"),
            &[&campaign_id],
        )
    }

    fn place_campaign_entries(&mut self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>> {
        self.all(
            &format!("SELECT {ENTRY_COLUMNS} FROM campaign_places WHERE place_id = $1 ORDER BY campaign_id"),
            &[&place_id.0],
        )
    }

    fn update_campaign_entry(&mut self, entry: &CampaignEntry) -> StoreResult<u64> {
        let status = entry.status.as_str();
        let CampaignEntry { campaign_id, place_id, sent_at, reminded_at, answered_at, .. } = entry;
        let updated = self.run(
            "UPDATE campaign_places SET status = $3, sent_at = $4, reminded_at = $5, answered_at = $6
             WHERE campaign_id = $1 AND place_id = $2",
            &[campaign_id, &place_id.0, &status, sent_at, reminded_at, answered_at],
        );
        Ok(updated?)
    }

    fn insert_resolution(&mut self, resolution: &ReportResolution) -> WriteResult<()> {
        let sql = format!("INSERT INTO place_report_resolutions ({RESOLUTION_COLUMNS}) VALUES ($1, $2, $3, $4)");
        let ReportResolution { report_id, resolved_by, resolved_at, note } = resolution;
        self.run(&sql, &[report_id, resolved_by, resolved_at, note]).map(drop)
    }

    fn report_resolutions(&mut self) -> StoreResult<Vec<ReportResolution>> {
        self.all(&format!("SELECT {RESOLUTION_COLUMNS} FROM place_report_resolutions ORDER BY report_id"), &[])
    }

    fn setting(&mut self, key: &str) -> StoreResult<Option<String>> {
        let rows = self.rows("SELECT value FROM settings WHERE key = $1", &[&key])?;
        rows.first().map(|row| get(row, "value")).transpose()
    }

    fn set_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        let sql =
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        self.run(sql, &[&key, &value])?;
        Ok(())
    }

    fn insert_setting(&mut self, key: &str, value: &str) -> WriteResult<()> {
        self.run("INSERT INTO settings (key, value) VALUES ($1, $2)", &[&key, &value]).map(drop)
    }

    fn settings(&mut self) -> StoreResult<Vec<(String, String)>> {
        self.all("SELECT key, value FROM settings ORDER BY key", &[])
    }
}
