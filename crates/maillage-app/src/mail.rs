//! Outgoing mail: a [`Mailer`] trait, an SMTP implementation configured by the environment
//! (`MAILLAGE_SMTP_URL`, `MAILLAGE_MAIL_FROM`), and an outbox that writes each mail as an
//! `.eml` file into a folder — the default when no SMTP server is configured, and how the
//! demo, the tests and the outbox admin page read what was sent.
//!
//! Mails carry single-use links: their bodies are never logged, only their kind and count.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::{AppError, AppResult};

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

/// The sender address when `MAILLAGE_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "Maillage <ne-pas-repondre@maillage.invalid>";

/// Mails written as files, one `.eml` per mail (RFC 5322 with UTF-8 headers, RFC 6532), in
/// sending order (names start with a ULID).
pub struct Outbox {
    folder: PathBuf,
    from: String,
}

/// A mail of the outbox, as its admin page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    /// The file name (`<ulid>.eml`), which is also its id on the admin page.
    pub name: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub body: String,
}

impl Outbox {
    pub fn new(folder: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Outbox { folder: folder.into(), from: from.into() }
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Every mail of the folder, newest first.
    pub fn list(&self) -> AppResult<Vec<OutboxMail>> {
        let entries = match std::fs::read_dir(&self.folder) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(io_error(&self.folder, err)),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(".eml"))
            .collect();
        names.sort_unstable_by(|a, b| b.cmp(a));
        names.iter().map(|name| self.read(name)).collect::<AppResult<Option<Vec<_>>>>().map(Option::unwrap_or_default)
    }

    /// One mail by file name; `None` for a name that is not a mail of this folder.
    pub fn read(&self, name: &str) -> AppResult<Option<OutboxMail>> {
        // Only names this outbox writes: never a path out of its folder.
        let valid = name.len() == 30 && name.ends_with(".eml") && name[..26].bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid {
            return Ok(None);
        }
        let path = self.folder.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error(&path, err)),
        };
        Ok(Some(parse_eml(name, &text)))
    }
}

fn io_error(path: &Path, err: std::io::Error) -> AppError {
    AppError::Input(format!("boîte d'envoi {} : {err}", path.display()))
}

/// Header values must not break the header block (a name or subject with a line break).
fn header_value(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn format_eml(from: &str, mail: &Mail, date: DateTime<Utc>, id: &str) -> String {
    let body = mail.body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{id}@maillage.invalid>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        header_value(from),
        header_value(&mail.to),
        header_value(&mail.subject),
        date.to_rfc2822(),
    )
}

fn parse_eml(name: &str, text: &str) -> OutboxMail {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let header = |key: &str| {
        head.split("\r\n")
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.strip_prefix(": ")))
            .unwrap_or_default()
            .to_owned()
    };
    OutboxMail {
        name: name.to_owned(),
        to: header("To"),
        subject: header("Subject"),
        date: header("Date"),
        body: body.replace("\r\n", "\n"),
    }
}

impl Mailer for Outbox {
    fn send(&self, mail: &Mail) -> AppResult<()> {
        std::fs::create_dir_all(&self.folder).map_err(|err| io_error(&self.folder, err))?;
        let id = maillage_store::new_id();
        let path = self.folder.join(format!("{}.eml", id.to_uppercase()));
        // Written beside, then renamed: a reader never sees half a mail.
        let partial = self.folder.join(format!(".{id}.tmp"));
        std::fs::write(&partial, format_eml(&self.from, mail, Utc::now(), &id))
            .map_err(|err| io_error(&partial, err))?;
        std::fs::rename(&partial, &path).map_err(|err| io_error(&path, err))?;
        tracing::info!(fichier = %path.display(), "courriel déposé dans la boîte d'envoi");
        Ok(())
    }
}

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

/// The mailer and, when mails go to a folder, the outbox (for its admin page).
pub type MailSetup = (std::sync::Arc<dyn Mailer>, Option<std::sync::Arc<Outbox>>);

/// The mailer the environment asks for: SMTP when `MAILLAGE_SMTP_URL` is set, else an outbox
/// in `outbox_folder` (or `MAILLAGE_OUTBOX`).
pub fn mailer_from_env(outbox_folder: &Path) -> AppResult<MailSetup> {
    let from = std::env::var("MAILLAGE_MAIL_FROM").unwrap_or_else(|_| DEFAULT_FROM.to_owned());
    match std::env::var("MAILLAGE_SMTP_URL") {
        Ok(url) if !url.trim().is_empty() => Ok((std::sync::Arc::new(SmtpMailer::new(url.trim(), &from)?), None)),
        _ => {
            let folder = std::env::var_os("MAILLAGE_OUTBOX").map(PathBuf::from).unwrap_or_else(|| outbox_folder.into());
            let outbox = std::sync::Arc::new(Outbox::new(folder, from));
            Ok((outbox.clone(), Some(outbox)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_writes_and_reads_back_utf8_mails_newest_first() {
        let folder = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(folder.path(), DEFAULT_FROM);
        assert!(outbox.list().unwrap().is_empty());
        let first = Mail {
            to: "a@example.org".to_owned(),
            subject: "Votre fiche : « Médiathèque »\r\nBcc: x@y".to_owned(),
            body: "Bonjour,\nCliquez : https://hub.example/c/abc.def\n".to_owned(),
        };
        outbox.send(&first).unwrap();
        outbox.send(&Mail { subject: "Second".to_owned(), ..first.clone() }).unwrap();
        let mails = outbox.list().unwrap();
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[0].subject, "Second");
        // A line break in a subject cannot add a header.
        assert_eq!(mails[1].subject, "Votre fiche : « Médiathèque »  Bcc: x@y");
        assert_eq!(mails[1].to, "a@example.org");
        assert_eq!(mails[1].body, first.body);
        assert_eq!(outbox.read(&mails[1].name).unwrap(), Some(mails[1].clone()));
        assert_eq!(outbox.read("../secret.eml").unwrap(), None);
    }

    #[test]
    fn a_bad_smtp_url_is_refused_without_repeating_it() {
        let refused = SmtpMailer::new("pas une url:motdepasse", DEFAULT_FROM).err().unwrap().to_string();
        assert!(!refused.contains("motdepasse"), "{refused}");
    }
}
