//! Outgoing mail as the use cases see it: a plain-text [`Mail`] and the [`Mailer`] that sends
//! it. The transports (SMTP, an outbox folder of `.eml` files) live at the edge, in
//! `maillage-mail`: which one a hub uses is configuration, read by the binary.
//!
//! Mails carry single-use links: their bodies are never logged, only their kind and count.

use crate::AppResult;

/// A plain-text mail in French.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends mails. Implementations must not log recipients or bodies.
pub trait Mailer: Send + Sync {
    fn send(&self, mail: &Mail) -> AppResult<()>;
}
