//! Mail transports at the edge: an SMTP mailer ([`SmtpMailer`], through lettre over rustls)
//! and an [`Outbox`] that writes each mail as an `.eml` file into a folder — the default when
//! no SMTP server is configured, and how the demo, the tests and the outbox admin page read
//! what was sent. [`MailConfig`] is what the binary reads from its environment;
//! [`MailSetup::from_config`] turns it into the `Mailer` the use cases are given.
//!
//! Boundary: implements `maillage_app::mail::Mailer`; used by the binary and the web layer,
//! never by the use cases themselves. Mails carry single-use links: bodies and recipients are
//! never logged.

mod outbox;
mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use maillage_app::mail::Mailer;
use maillage_app::AppResult;

pub use outbox::{Outbox, OutboxMail};
pub use smtp::SmtpMailer;

/// The sender address when the hub sets none.
pub const DEFAULT_FROM: &str = "Maillage <ne-pas-repondre@maillage.invalid>";
/// The outbox folder when the hub sets none.
pub const DEFAULT_OUTBOX: &str = "boite-d-envoi";

/// How the hub sends mail, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailConfig {
    /// An SMTP server (`smtps://user:password@host:465`, `smtp://host:587?tls=required`); the
    /// outbox when absent. Holds a password: never logged nor repeated in messages.
    pub smtp_url: Option<String>,
    /// The `From` of every mail.
    pub from: String,
    /// Where mails are written when there is no SMTP server.
    pub outbox: PathBuf,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig { smtp_url: None, from: DEFAULT_FROM.to_owned(), outbox: PathBuf::from(DEFAULT_OUTBOX) }
    }
}

/// The mailer, and the outbox when mails go to a folder (for its admin page).
#[derive(Clone)]
pub struct MailSetup {
    pub mailer: Arc<dyn Mailer>,
    pub outbox: Option<Arc<Outbox>>,
}

impl MailSetup {
    /// SMTP when the configuration names a server, else the outbox folder.
    pub fn from_config(config: &MailConfig) -> AppResult<MailSetup> {
        match config.smtp_url.as_deref().map(str::trim).filter(|url| !url.is_empty()) {
            Some(url) => Ok(MailSetup { mailer: Arc::new(SmtpMailer::new(url, &config.from)?), outbox: None }),
            None => Ok(MailSetup::outbox(Outbox::new(&config.outbox, &config.from))),
        }
    }

    /// Mails written into an outbox.
    pub fn outbox(outbox: Outbox) -> MailSetup {
        let outbox = Arc::new(outbox);
        MailSetup { mailer: outbox.clone(), outbox: Some(outbox) }
    }
}
