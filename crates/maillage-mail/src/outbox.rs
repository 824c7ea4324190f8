//! The outbox: mails written as files in a folder, listed and read back by its admin page.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use maillage_app::mail::{Mail, Mailer};
use maillage_app::{AppError, AppResult};

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
    tracing::warn!(%err, chemin = %path.display(), "boîte d'envoi");
    AppError::Input(format!("boîte d'envoi {} : {}", path.display(), maillage_app::io_reason(&err)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_FROM;

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
}
