//! Mails sent through an SMTP server, over rustls (no native TLS, no pool).

use maillage_app::mail::{Mail, Mailer};
use maillage_app::{AppError, AppResult};

/// Mails sent through an SMTP server (TLS by rustls).
pub struct SmtpMailer {
    transport: lettre::SmtpTransport,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    /// `url` as lettre reads it: `smtps://user:password@host:465`,
    /// `smtp://host:587?tls=required`, `smtp://localhost:25`.
    pub fn new(url: &str, from: &str) -> AppResult<Self> {
        // The URL may hold a password: errors never repeat it.
        let transport = lettre::SmtpTransport::from_url(url)
            .map_err(|_| AppError::Input("MAILLAGE_SMTP_URL n'est pas une adresse SMTP valide".to_owned()))?
            .build();
        let from = from
            .parse()
            .map_err(|_| AppError::Input(format!("MAILLAGE_MAIL_FROM n'est pas une adresse valide : « {from} »")))?;
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &Mail) -> AppResult<()> {
        use lettre::message::header::{ContentTransferEncoding, ContentType};
        use lettre::message::Body;
        use lettre::Transport;

        let to = mail.to.parse().map_err(|_| AppError::Input("adresse de destination invalide".to_owned()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(
                Body::new_with_encoding(mail.body.clone(), ContentTransferEncoding::QuotedPrintable)
                    .map_err(|_| AppError::Input("corps de courriel impossible à encoder".to_owned()))?,
            )
            .map_err(|err| AppError::Input(format!("courriel invalide : {err}")))?;
        self.transport.send(&message).map_err(|err| {
            // lettre's error names the server's answer, never the recipient.
            tracing::warn!(%err, "envoi SMTP refusé");
            AppError::Input("le serveur de courriel a refusé l'envoi".to_owned())
        })?;
        tracing::info!("courriel envoyé par SMTP");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_FROM;

    #[test]
    fn a_bad_smtp_url_is_refused_without_repeating_it() {
        let refused = SmtpMailer::new("pas une url:motdepasse", DEFAULT_FROM).err().unwrap().to_string();
        assert!(!refused.contains("motdepasse"), "{refused}");
    }
}
