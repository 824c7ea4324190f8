//! The accounts half of the store over any [`Backend`]: the statements it needs
//! ([`AccountTables`]) and [`AccountStore`] written once over them.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;

use super::places::{insert_new_place, replace_version};
use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    check_place_write, decided_proposal_error, duplicate_email_error, stale_place_error, AccountStore, AuditEntry,
    Campaign, CampaignEntry, OneTimeToken, PlaceWrite, Proposal, ProposalDecision, ProposalStatus, ReportResolution,
    Session, StoreError, StoreResult, TokenPurpose, TokenUse, User, VersionNote,
};

/// The statements of users, sessions, tokens, the audit log, version notes, proposals,
/// campaigns, report resolutions and settings.
pub trait AccountTables {
    /// A new account; an e-mail or id already used is refused.
    fn insert_user(&mut self, user: &User) -> WriteResult<()>;
    /// Replaces an account by id; an e-mail another account uses is refused. How many rows
    /// changed (0 for an unknown id).
    fn update_user(&mut self, user: &User) -> WriteResult<u64>;
    fn user(&mut self, id: &str) -> StoreResult<Option<User>>;
    fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>>;
    /// Every account, by id.
    fn users(&mut self) -> StoreResult<Vec<User>>;

    /// A new session; an unknown user is refused.
    fn insert_session(&mut self, session: &Session) -> WriteResult<()>;
    fn session(&mut self, token_hash: &str) -> StoreResult<Option<Session>>;
    /// Every session, by token hash.
    fn sessions(&mut self) -> StoreResult<Vec<Session>>;
    fn delete_session(&mut self, token_hash: &str) -> StoreResult<()>;
    fn delete_user_sessions(&mut self, user_id: &str) -> StoreResult<()>;
    /// Deletes the sessions that expired before `now`; how many.
    fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Deletes the single-use tokens that expired before `before`, used or not; how many.
    fn delete_expired_tokens(&mut self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// A new token; a hash already known or an unknown user is refused.
    fn insert_token(&mut self, token: &OneTimeToken) -> WriteResult<()>;
    /// Marks a token used at `at` in one statement, if it has this purpose, is unused and has
    /// not expired; how many rows changed (of two concurrent uses, one gets 1).
    fn take_token(&mut self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64>;
    fn token(&mut self, token_hash: &str) -> StoreResult<Option<OneTimeToken>>;
    /// Marks used at `at` the account's unused, unexpired tokens of this purpose; how many.
    fn take_user_tokens(&mut self, user_id: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64>;
    /// Every token, by hash.
    fn tokens(&mut self) -> StoreResult<Vec<OneTimeToken>>;

    fn insert_audit(&mut self, entry: &AuditEntry) -> WriteResult<()>;
    /// The latest `limit` entries, newest first.
    fn audit_log(&mut self, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// Every entry, oldest first.
    fn audit_entries(&mut self) -> StoreResult<Vec<AuditEntry>>;

    fn insert_note(&mut self, note: &VersionNote) -> WriteResult<()>;
    /// One place's notes, by version.
    fn version_notes(&mut self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>>;
    /// Every note, by place then version.
    fn all_version_notes(&mut self) -> StoreResult<Vec<VersionNote>>;

    /// A new proposal; an unknown place is refused.
    fn insert_proposal(&mut self, proposal: &Proposal) -> WriteResult<()>;
    fn proposal(&mut self, id: &str) -> StoreResult<Option<Proposal>>;
    /// Proposals by id, of one status or all.
    fn proposals(&mut self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>>;
    /// Writes a decided proposal if the stored one is still pending; how many rows changed.
    fn decide_proposal(&mut self, proposal: &Proposal) -> StoreResult<u64>;

    /// A new campaign, without its places; an id already used is refused.
    fn insert_campaign(&mut self, campaign: &Campaign) -> WriteResult<()>;
    /// One place of a campaign; an unknown place or a place twice is refused.
    fn insert_campaign_entry(&mut self, entry: &CampaignEntry) -> WriteResult<()>;
    /// Campaigns, newest first (by id).
    fn campaigns(&mut self) -> StoreResult<Vec<Campaign>>;
    fn campaign(&mut self, id: &str) -> StoreResult<Option<Campaign>>;
    /// A campaign's places, by place id.
    fn campaign_entries(&mut self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>>;
    /// One place's entries, by campaign id.
    fn place_campaign_entries(&mut self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>>;
    /// Replaces one place's entry; how many rows changed.
    fn update_campaign_entry(&mut self, entry: &CampaignEntry) -> StoreResult<u64>;

    /// Closes a report; a report already closed is refused.
    fn insert_resolution(&mut self, resolution: &ReportResolution) -> WriteResult<()>;
    /// Every resolution, by report id.
    fn report_resolutions(&mut self) -> StoreResult<Vec<ReportResolution>>;

    fn setting(&mut self, key: &str) -> StoreResult<Option<String>>;
    /// Sets a setting, replacing its value.
    fn set_setting(&mut self, key: &str, value: &str) -> StoreResult<()>;
    /// A new setting; a key already set is refused.
    fn insert_setting(&mut self, key: &str, value: &str) -> WriteResult<()>;
    /// Every setting as (key, value), by key.
    fn settings(&mut self) -> StoreResult<Vec<(String, String)>>;
}

pub(crate) fn insert_user<T: Tables + ?Sized>(tables: &mut T, user: &User) -> StoreResult<()> {
    tables.insert_user(user).refused_as(duplicate_email_error)
}

fn update_user<T: Tables + ?Sized>(tables: &mut T, user: &User) -> StoreResult<()> {
    tables
        .update_user(user)
        .refused_as(duplicate_email_error)
        .one_row(|| StoreError::NotFound(format!("utilisateur {}", user.id)))
}

pub(crate) fn insert_proposal<T: Tables + ?Sized>(tables: &mut T, proposal: &Proposal) -> StoreResult<()> {
    tables.insert_proposal(proposal).refused_as(|| StoreError::NotFound(format!("lieu {}", proposal.place_id)))
}

/// A campaign and its places; every entry must belong to it.
pub(crate) fn insert_campaign<T: Tables + ?Sized>(
    tables: &mut T,
    campaign: &Campaign,
    entries: &[CampaignEntry],
) -> StoreResult<()> {
    tables
        .insert_campaign(campaign)
        .refused_as(|| StoreError::Conflict(format!("la campagne {} existe déjà", campaign.id)))?;
    for entry in entries {
        if entry.campaign_id != campaign.id {
            return Err(StoreError::Conflict(format!("le lieu {} est rattaché à une autre campagne", entry.place_id)));
        }
        tables.insert_campaign_entry(entry).refused_as(|| {
            StoreError::Conflict(format!("le lieu {} (inconnu, ou deux fois dans la campagne)", entry.place_id))
        })?;
    }
    Ok(())
}

pub(crate) fn insert_resolution<T: Tables + ?Sized>(tables: &mut T, resolution: &ReportResolution) -> StoreResult<()> {
    tables
        .insert_resolution(resolution)
        .refused_as(|| StoreError::Conflict(format!("le signalement {} est déjà traité", resolution.report_id)))
}

/// Writes a place version made by a person and its note, inside the caller's transaction.
/// The stored version is read (and locked) first: a stale writer copies nothing and gets a
/// conflict, an unknown place is "not found".
fn write_place<T: Tables + ?Sized>(tables: &mut T, write: &PlaceWrite) -> StoreResult<()> {
    check_place_write(write)?;
    let place = &write.place;
    if place.version == 1 {
        // `check_place_write` made sure a new place comes with its fingerprint.
        let content_hash = write.content_hash.as_deref().unwrap_or_default();
        insert_new_place(tables, place, content_hash, write.change)?;
    } else {
        match tables.lock_place_version(&place.id)? {
            None => return Err(StoreError::NotFound(format!("lieu {}", place.id))),
            Some(current) if current + 1 != place.version => return Err(stale_place_error(&place.id)),
            Some(_) => replace_version(tables, place, write.content_hash.as_deref(), write.change)?,
        }
    }
    Ok(tables.insert_note(&write.note())?)
}

/// Why a token was not accepted, once the atomic update has decided.
fn classify_token(token: Option<OneTimeToken>, taken: bool, purpose: TokenPurpose) -> TokenUse {
    match token {
        Some(token) if token.purpose != purpose => TokenUse::Unknown,
        Some(token) if taken => TokenUse::Accepted(token),
        Some(token) if token.used_at.is_some() => TokenUse::AlreadyUsed,
        Some(_) => TokenUse::Expired,
        None => TokenUse::Unknown,
    }
}

impl<B: Backend> AccountStore for B {
    fn insert_user(&self, user: &User) -> StoreResult<()> {
        self.write(|tables| insert_user(tables, user))
    }

    fn update_user(&self, user: &User) -> StoreResult<()> {
        self.write(|tables| update_user(tables, user))
    }

    fn user(&self, id: &str) -> StoreResult<Option<User>> {
        self.read(|tables| tables.user(id))
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.read(|tables| tables.user_by_email(email))
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        self.read(|tables| tables.users())
    }

    fn insert_session(&self, session: &Session) -> StoreResult<()> {
        self.write(|tables| {
            tables
                .insert_session(session)
                .refused_as(|| StoreError::NotFound(format!("utilisateur {}", session.user_id)))
        })
    }

    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        self.read(|tables| tables.session(token_hash))
    }

    fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.write(|tables| tables.delete_session(token_hash))
    }

    fn delete_user_sessions(&self, user_id: &str) -> StoreResult<()> {
        self.write(|tables| tables.delete_user_sessions(user_id))
    }

    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.write(|tables| tables.delete_expired_sessions(now))
    }

    fn delete_expired_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.write(|tables| tables.delete_expired_tokens(before))
    }

    fn insert_token(&self, token: &OneTimeToken) -> StoreResult<()> {
        self.write(|tables| {
            tables
                .insert_token(token)
                .refused_as(|| StoreError::Conflict("jeton déjà enregistré ou compte inconnu".to_owned()))
        })
    }

    fn use_token(&self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<TokenUse> {
        self.write(|tables| {
            // One statement decides: of two concurrent uses, only one finds `used_at` empty.
            let taken = tables.take_token(token_hash, purpose, at)?;
            let token = tables.token(token_hash)?;
            Ok(classify_token(token, taken == 1, purpose))
        })
    }

    fn spend_user_tokens(&self, user_id: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64> {
        self.write(|tables| tables.take_user_tokens(user_id, purpose, at))
    }

    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.write(|tables| Ok(tables.insert_audit(entry)?))
    }

    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(|tables| tables.audit_log(limit))
    }

    fn save_place(&self, write: &PlaceWrite) -> StoreResult<()> {
        self.write(|tables| {
            write_place(tables, write)?;
            tables.bump_data_version()
        })
    }

    fn version_notes(&self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>> {
        self.read(|tables| tables.version_notes(place_id))
    }

    fn insert_proposal(&self, proposal: &Proposal) -> StoreResult<()> {
        self.write(|tables| insert_proposal(tables, proposal))
    }

    fn proposal(&self, id: &str) -> StoreResult<Option<Proposal>> {
        self.read(|tables| tables.proposal(id))
    }

    fn proposals(&self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>> {
        self.read(|tables| tables.proposals(status))
    }

    fn decide_proposal(&self, decision: &ProposalDecision) -> StoreResult<()> {
        self.write(|tables| {
            let proposal = &decision.proposal;
            if tables.decide_proposal(proposal)? != 1 {
                return Err(if tables.proposal(&proposal.id)?.is_some() {
                    decided_proposal_error(&proposal.id)
                } else {
                    StoreError::NotFound(format!("proposition {}", proposal.id))
                });
            }
            if let Some(write) = &decision.place {
                write_place(tables, write)?;
                tables.bump_data_version()?;
            }
            if let Some(user) = &decision.user {
                update_user(tables, user)?;
            }
            Ok(())
        })
    }

    fn insert_campaign(&self, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()> {
        self.write(|tables| insert_campaign(tables, campaign, entries))
    }

    fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        self.read(|tables| tables.campaigns())
    }

    fn campaign(&self, id: &str) -> StoreResult<Option<Campaign>> {
        self.read(|tables| tables.campaign(id))
    }

    fn campaign_entries(&self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>> {
        self.read(|tables| tables.campaign_entries(campaign_id))
    }

    fn place_campaign_entries(&self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>> {
        self.read(|tables| tables.place_campaign_entries(place_id))
    }

    fn update_campaign_entry(&self, entry: &CampaignEntry) -> StoreResult<()> {
        self.write(|tables| {
            if tables.update_campaign_entry(entry)? != 1 {
                return Err(StoreError::NotFound(format!(
                    "lieu {} de la campagne {}",
                    entry.place_id, entry.campaign_id
                )));
            }
            Ok(())
        })
    }

    fn resolve_report(&self, resolution: &ReportResolution) -> StoreResult<()> {
        self.write(|tables| {
            if !tables.place_report_exists(&resolution.report_id)? {
                return Err(StoreError::NotFound(format!("signalement {}", resolution.report_id)));
            }
            insert_resolution(tables, resolution)
        })
    }

    fn report_resolutions(&self) -> StoreResult<Vec<ReportResolution>> {
        self.read(|tables| tables.report_resolutions())
    }

    fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        self.read(|tables| tables.setting(key))
    }

    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tables| tables.set_setting(key, value))
    }
}
