//! The accounts half of the store contract: users and their roles, sessions, single-use
//! tokens, the audit log, place edits made by people (with who and why), the moderation
//! queue and update campaigns.
//!
//! Secrets never reach the store in clear: sessions and single-use tokens are kept as
//! SHA-256 hashes of the random values handed to browsers and mails, passwords as argon2
//! hashes. A stolen database therefore opens no session and follows no link.

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceRecord};
use serde::{Deserialize, Serialize};

use crate::{ChangeKind, StoreError, StoreResult};

/// New ids for users, proposals, campaigns and audit entries: lower-case ULIDs, so that
/// id order is creation order.
pub fn new_id() -> String {
    crate::new_place_id().0
}

/// What a person may do, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// The hub's administrator: everything, everywhere.
    Administrateur,
    /// A territorial coordinator: moderation and campaigns on the places located in these
    /// départements (codes, "18") or bassins de vie (names, as configured).
    Coordinateur {
        #[serde(default)]
        departements: Vec<String>,
        #[serde(default)]
        bassins: Vec<String>,
    },
    /// A structure's manager: its own places only, granted one by one when a coordinator
    /// approves a claim.
    Gestionnaire {
        #[serde(default)]
        places: Vec<PlaceId>,
    },
}

impl Role {
    /// The role's name in the interface.
    pub fn label(&self) -> &'static str {
        match self {
            Role::Administrateur => "administrateur",
            Role::Coordinateur { .. } => "coordinateur",
            Role::Gestionnaire { .. } => "gestionnaire",
        }
    }
}

/// A person with an account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// Lower case, trimmed: unique in the store.
    pub email: String,
    pub name: String,
    /// The argon2 PHC string; `None` until an invitation is accepted.
    pub password_hash: Option<String>,
    pub role: Role,
    /// A gestionnaire whose edits skip the moderation queue (set by a coordinator).
    pub trusted: bool,
    /// A disabled account cannot sign in; it is kept for the audit log's sake.
    pub active: bool,
    /// Failed sign-ins since the last success, for the lockout delay.
    pub failed_sign_ins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A signed-in browser. The cookie holds the random token, the store its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    /// The session's anti-CSRF token: every form carries it, and a post without the
    /// session's own is refused. Useless without the session cookie.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a single-use link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    Invitation,
    PasswordReset,
    /// "Rien n'a changé" in a campaign mail: confirms a place without signing in.
    CampaignConfirmation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::CampaignConfirmation => "campaign_confirmation",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "invitation" => Some(TokenPurpose::Invitation),
            "password_reset" => Some(TokenPurpose::PasswordReset),
            "campaign_confirmation" => Some(TokenPurpose::CampaignConfirmation),
            _ => None,
        }
    }
}

/// A single-use, expiring token sent in a mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeToken {
    pub token_hash: String,
    pub purpose: TokenPurpose,
    /// The account it opens (invitations, resets).
    pub user_id: Option<String>,
    /// What it acts on otherwise (`<campaign id>/<place id>` for a confirmation).
    pub subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// The outcome of presenting a single-use token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// Valid: it is now marked used, and can never be used again.
    Accepted(OneTimeToken),
    AlreadyUsed,
    Expired,
    /// Unknown, or issued for another purpose.
    Unknown,
}

/// One line of the audit log: who did what to what, and when. Never a secret: no
/// password, token or link; people are named by their user id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// A user id, or `None` for the public and for unknown accounts.
    pub actor: Option<String>,
    /// A short stable key ("connexion", "connexion_refusee", "lieu_modifie"…).
    pub action: String,
    /// What it acted on (`lieu:<id>`, `utilisateur:<id>`…).
    pub target: Option<String>,
    /// Free text in French, for people reading the log.
    pub detail: String,
}

/// Who wrote a version of a place outside imports, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionNote {
    pub place_id: PlaceId,
    pub version: u32,
    /// A user id, or `campagne <id>` for a one-click confirmation.
    pub author: String,
    pub reason: String,
}

/// A write of a place made by a person (not an import): a new place (`place.version == 1`)
/// or a new version (`place.version` is one more than the stored one, else
/// [`StoreError::Conflict`] and nothing is written).
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceWrite {
    pub place: Place,
    pub change: ChangeKind,
    /// Kept with the version: see [`VersionNote`].
    pub author: String,
    pub reason: String,
    /// The fingerprint imports compare. `None` keeps the stored one, so that re-importing
    /// an unchanged source file does not undo a person's edit; required for a new place.
    pub content_hash: Option<String>,
}

impl PlaceWrite {
    pub fn note(&self) -> VersionNote {
        VersionNote {
            place_id: self.place.id.clone(),
            version: self.place.version,
            author: self.author.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// What a proposal asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposalKind {
    /// A gestionnaire's edit of a place it manages, made on `base_version`.
    /// (The record is boxed: it is most of the proposal's size.)
    Edit { base_version: u32, record: Box<PlaceRecord> },
    /// A person asks to manage a place.
    Claim { message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(ProposalStatus::Pending),
            "approved" => Some(ProposalStatus::Approved),
            "rejected" => Some(ProposalStatus::Rejected),
            _ => None,
        }
    }
}

/// An item of the moderation queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub place_id: PlaceId,
    pub kind: ProposalKind,
    /// The user who asked.
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub status: ProposalStatus,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The reviewer's words (required for a rejection, mailed to the author).
    pub reason: Option<String>,
}

/// The decision on a pending proposal, with the place version an approved edit writes
/// and the user an approved claim changes, applied together in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposalDecision {
    /// The proposal as decided (status, reviewer, reviewed_at, reason set).
    pub proposal: Proposal,
    pub place: Option<PlaceWrite>,
    pub user: Option<User>,
}

/// An update campaign: the contacts of every place of a territory are asked to confirm or
/// correct their sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    /// The territory as the export names it ("18", "bassin:Bourges", "region:24").
    pub territory: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// A reminder goes to places with no answer this many days after the first mail.
    pub reminder_days: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignPlaceStatus {
    /// The mail went out (or could not: see `CampaignEntry::sent_at`); no answer yet.
    Sent,
    /// "Rien n'a changé" was clicked.
    Confirmed,
    /// The sheet was edited after the mail.
    Edited,
}

impl CampaignPlaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignPlaceStatus::Sent => "sent",
            CampaignPlaceStatus::Confirmed => "confirmed",
            CampaignPlaceStatus::Edited => "edited",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sent" => Some(CampaignPlaceStatus::Sent),
            "confirmed" => Some(CampaignPlaceStatus::Confirmed),
            "edited" => Some(CampaignPlaceStatus::Edited),
            _ => None,
        }
    }
}

/// One place of a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignEntry {
    pub campaign_id: String,
    pub place_id: PlaceId,
    pub status: CampaignPlaceStatus,
    /// When the first mail went out; `None` when the place has no e-mail contact.
    pub sent_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A campaign with its places, as a backup keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSnapshot {
    pub campaign: Campaign,
    pub entries: Vec<CampaignEntry>,
}

/// How a coordinator dealt with a problem reported by the public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportResolution {
    pub report_id: String,
    /// A user id.
    pub resolved_by: String,
    pub resolved_at: DateTime<Utc>,
    /// What was done ("fiche corrigée", "signalement infondé"…).
    pub note: String,
}

/// The refusal of a second account with the same e-mail.
/// The address itself stays out of the message: messages end up in logs.
pub fn duplicate_email_error() -> StoreError {
    StoreError::Conflict("un compte existe déjà avec cette adresse".to_owned())
}

/// The refusal of a decision on a proposal that is no longer pending.
pub fn decided_proposal_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("la proposition {id} a déjà été traitée"))
}

/// The refusal of a write on a stale version.
pub fn stale_place_error(id: &PlaceId) -> StoreError {
    StoreError::Conflict(format!("le lieu {id} a été modifié entre-temps"))
}

/// Checks what the store cannot check by itself before a place write: a new place must
/// come with its fingerprint.
pub fn check_place_write(write: &PlaceWrite) -> StoreResult<()> {
    if write.place.version == 0 {
        return Err(StoreError::Conflict(format!("le lieu {} n'a pas de version", write.place.id)));
    }
    if write.place.version == 1 && write.content_hash.is_none() {
        return Err(StoreError::Backend(format!("le nouveau lieu {} n'a pas d'empreinte", write.place.id)));
    }
    Ok(())
}

/// The accounts half of the store: every backend implements it beside [`crate::Store`].
pub trait AccountStore: Send + Sync {
    /// A new account; an e-mail already used is a [`StoreError::Conflict`].
    fn insert_user(&self, user: &User) -> StoreResult<()>;
    /// Replaces an account by id ([`StoreError::NotFound`] when absent).
    fn update_user(&self, user: &User) -> StoreResult<()>;
    fn user(&self, id: &str) -> StoreResult<Option<User>>;
    /// `email` as stored (lower case, trimmed).
    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Every account, by id.
    fn users(&self) -> StoreResult<Vec<User>>;

    fn insert_session(&self, session: &Session) -> StoreResult<()>;
    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Signs a user out everywhere (after a password reset, a role change, a disabling).
    fn delete_user_sessions(&self, user_id: &str) -> StoreResult<()>;
    /// Forgets the sessions that expired before `now` (already refused at sign-in checks); how many.
    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Forgets the single-use tokens (used or not) that expired before `before`; how many. A
    /// link whose token is gone is refused as unknown instead of expired, so callers keep them
    /// a while past their expiry (the server keeps them `KEEP_EXPIRED_TOKENS_DAYS` days).
    fn delete_expired_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    fn insert_token(&self, token: &OneTimeToken) -> StoreResult<()>;
    /// Marks a token used, atomically: of two concurrent uses, one is accepted.
    fn use_token(&self, token_hash: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<TokenUse>;
    /// Marks used, at `at`, every token of this purpose the account still holds unused and
    /// unexpired (a new password makes every earlier link of the account void); how many.
    fn spend_user_tokens(&self, user_id: &str, purpose: TokenPurpose, at: DateTime<Utc>) -> StoreResult<u64>;

    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The latest `limit` entries, newest first.
    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;

    /// Writes a place version made by a person, with its note, in one transaction.
    fn save_place(&self, write: &PlaceWrite) -> StoreResult<()>;
    /// Notes of a place's versions written by people, by version.
    fn version_notes(&self, place_id: &PlaceId) -> StoreResult<Vec<VersionNote>>;

    fn insert_proposal(&self, proposal: &Proposal) -> StoreResult<()>;
    fn proposal(&self, id: &str) -> StoreResult<Option<Proposal>>;
    /// Proposals by id (arrival order), of one status or all.
    fn proposals(&self, status: Option<ProposalStatus>) -> StoreResult<Vec<Proposal>>;
    /// Applies a decision in one transaction: the proposal must still be pending and the
    /// place version current, else [`StoreError::Conflict`] and nothing is written.
    fn decide_proposal(&self, decision: &ProposalDecision) -> StoreResult<()>;

    /// A campaign with its places (one entry per place), in one transaction.
    fn insert_campaign(&self, campaign: &Campaign, entries: &[CampaignEntry]) -> StoreResult<()>;
    /// Campaigns, newest first.
    fn campaigns(&self) -> StoreResult<Vec<Campaign>>;
    fn campaign(&self, id: &str) -> StoreResult<Option<Campaign>>;
    /// A campaign's places, by place id.
    fn campaign_entries(&self, campaign_id: &str) -> StoreResult<Vec<CampaignEntry>>;
    /// One place's entries in every campaign, by campaign id.
    fn place_campaign_entries(&self, place_id: &PlaceId) -> StoreResult<Vec<CampaignEntry>>;
    /// Replaces one place's entry ([`StoreError::NotFound`] when absent).
    fn update_campaign_entry(&self, entry: &CampaignEntry) -> StoreResult<()>;

    /// Closes a reported problem: an unknown report is [`StoreError::NotFound`], one already
    /// closed a [`StoreError::Conflict`].
    fn resolve_report(&self, resolution: &ReportResolution) -> StoreResult<()>;
    /// Every resolution, by report id.
    fn report_resolutions(&self) -> StoreResult<Vec<ReportResolution>>;
    /// A hub setting (the branding's name, colours, logo) by key; None when never set.
    fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Sets a hub setting, replacing its value.
    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}
