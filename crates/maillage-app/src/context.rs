//! What every use case is given: the store, where places are (for coordinators' scopes) and
//! how the hub writes to people; and the audit log every guarded use case writes to.
//!
//! The edges build one per request or command, from the configuration they read at start.
//! What a caller does not need it leaves out: the command line's operator commands locate no
//! place for a scope and mail nobody, so they never load the territory or a mail transport
//! for it. A use case that needs what its context lacks refuses; a coordinator's scope check
//! without a locator fails closed.

use chrono::{DateTime, Utc};
use maillage_store::{new_id, AuditEntry, Store};

use crate::accounts::LinkSigner;
use crate::mail::{Mail, Mailer};
use crate::territory::Locator;
use crate::{AppError, AppResult};

/// How the hub writes to people: the transport, the key that signs the links mails carry and
/// the public address the links start with.
#[derive(Clone, Copy)]
pub struct Mailing<'a> {
    pub mailer: &'a dyn Mailer,
    pub signer: &'a LinkSigner,
    /// `https://hub.example` (no trailing slash).
    pub base_url: &'a str,
}

/// The store, and what the use cases of a request or command may need beside it.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub store: &'a dyn Store,
    pub locator: Option<&'a Locator>,
    pub mailing: Option<Mailing<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(store: &'a dyn Store) -> Self {
        Context { store, locator: None, mailing: None }
    }

    pub fn with_locator(self, locator: &'a Locator) -> Self {
        Context { locator: Some(locator), ..self }
    }

    pub fn with_mailing(self, mailing: Mailing<'a>) -> Self {
        Context { mailing: Some(mailing), ..self }
    }

    /// The locator, for use cases that place things in the territory.
    pub fn locator(&self) -> AppResult<&'a Locator> {
        self.locator.ok_or_else(|| missing("le territoire et les bassins du hub"))
    }

    /// The mail transport, link key and public address, for use cases that write to people.
    pub fn mailing(&self) -> AppResult<Mailing<'a>> {
        self.mailing.ok_or_else(|| missing("l'envoi de courriels"))
    }

    /// Writes a line of the audit log. A failure to audit fails the use case: a change
    /// nobody can account for is worse than a refused one.
    pub fn audit(
        &self,
        actor: Option<&str>,
        action: &str,
        target: Option<String>,
        detail: impl Into<String>,
        at: DateTime<Utc>,
    ) -> AppResult<()> {
        self.store.append_audit(&AuditEntry {
            id: new_id(),
            at,
            actor: actor.map(str::to_owned),
            action: action.to_owned(),
            target,
            detail: detail.into(),
        })?;
        Ok(())
    }

    /// Sends a mail; a failure is logged and reported, never shown with the address.
    pub fn send(&self, mail: &Mail, kind: &str) -> AppResult<()> {
        self.mailing()?.mailer.send(mail).inspect_err(|err| tracing::warn!(%err, kind, "courriel non envoyé"))
    }

    /// The public address of a path, for a link in a mail.
    pub fn link(&self, path: &str) -> AppResult<String> {
        Ok(format!("{}{path}", self.mailing()?.base_url))
    }
}

fn missing(what: &str) -> AppError {
    tracing::error!(manque = what, "cas d'usage appelé sans ce dont il a besoin");
    AppError::Input(format!("Cette action a besoin de {what}, que cet appel ne fournit pas."))
}
