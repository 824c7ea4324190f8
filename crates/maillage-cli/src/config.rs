//! The configuration of a run, read once here: the command line's options (which clap also
//! reads from their `MAILLAGE_*` variables) and the variables that have no option. It is
//! passed down as typed values; nothing below the binary reads the environment.
//!
//! Variables (see the README): `MAILLAGE_DB`, `MAILLAGE_NO_DEMO`, `MAILLAGE_PG_POOL_SIZE`,
//! `MAILLAGE_PG_CONNECT_TIMEOUT`, `MAILLAGE_PG_ACQUIRE_TIMEOUT`, `MAILLAGE_PG_IDLE_CHECK`,
//! `MAILLAGE_BASE_URL` (default `http://localhost:8080`; `serve` uses the address it serves), `MAILLAGE_SECRET`,
//! `MAILLAGE_SMTP_URL`, `MAILLAGE_MAIL_FROM`, `MAILLAGE_OUTBOX` (default `boite-d-envoi`),
//! `MAILLAGE_ADMIN_PASSWORD`, `MAILLAGE_PRODUCTEUR`, `MAILLAGE_PUBLICATION_DIR`, `MAILLAGE_PUBLICATION_HEURES`, `MAILLAGE_CARTE_NATIONALE_URL`; the server's options and the duplicate thresholds have their
//! own variables, declared with the options; `MAILLAGE_LOG` sets the log filter.

use std::path::PathBuf;
use std::time::Duration;

use maillage_app::accounts::{LinkSigner, MIN_SECRET_CHARS};
use maillage_mail::{MailConfig, MailSetup, DEFAULT_FROM, DEFAULT_OUTBOX};
use maillage_store_postgres::PoolSettings;

use crate::error::{CliError, CliResult};

/// The public address links in mails start with when the hub sets none.
pub const DEFAULT_BASE_URL: &str = "http://localhost:8080";

/// What a run of the command is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// `--db`: a SQLite file (or `sqlite://path`) or a PostgreSQL URL.
    pub database: String,
    /// Load the demo data into an empty database (unless `--no-demo`).
    pub demo: bool,
    /// The `MAILLAGE_PG_*` values as written, read when a PostgreSQL database is opened.
    pub pool: PoolVariables,
    /// `https://hub.example`: links in mails start with it; HTTPS makes cookies `Secure`.
    pub base_url: String,
    /// Whether `MAILLAGE_BASE_URL` was given (else the server takes the address it serves).
    pub base_url_given: bool,
    /// The key that signs links in mails; a random one (links die with the process) if unset.
    pub secret: Option<String>,
    pub mail: MailConfig,
    /// The first administrator's password, else read on the standard input.
    pub admin_password: Option<String>,
    /// `MAILLAGE_PRODUCTEUR`: the hub's name as a producer of open data (file names, the
    /// data·inclusion `source`), a slug; default `maillage`.
    pub producer: String,
    /// `MAILLAGE_PUBLICATION_DIR`: the open-data folder (`maillage publish`, the server's
    /// scheduled publication and `/donnees/…`); none: no publication.
    pub publication_dir: Option<PathBuf>,
    /// `MAILLAGE_PUBLICATION_HEURES`: hours between two scheduled publications (default 24).
    pub publication_hours: Option<String>,
    /// `MAILLAGE_CARTE_NATIONALE_URL`: the national map's file, pulled daily by the server for
    /// the hub's départements (none: off, the default).
    pub national_url: Option<String>,
}

/// The PostgreSQL pool settings as the environment gives them.
#[derive(Clone, Debug, Default)]
pub struct PoolVariables {
    pub size: Option<String>,
    pub connect_timeout: Option<String>,
    pub acquire_timeout: Option<String>,
    pub idle_check: Option<String>,
}

impl PoolVariables {
    /// The pool settings: the defaults, overridden by the variables that are set.
    /// A variable that is set but not a whole number is refused rather than ignored.
    pub fn settings(&self) -> CliResult<PoolSettings> {
        let number = |name: &str, value: &Option<String>| -> CliResult<Option<u64>> {
            value
                .as_deref()
                .map(|text| {
                    text.trim()
                        .parse::<u64>()
                        .map_err(|_| CliError::Usage(format!("{name} doit être un nombre entier, pas « {text} »")))
                })
                .transpose()
        };
        let mut settings = PoolSettings::default();
        if let Some(size) = number("MAILLAGE_PG_POOL_SIZE", &self.size)? {
            settings.max_size = (size as usize).max(1);
        }
        if let Some(seconds) = number("MAILLAGE_PG_CONNECT_TIMEOUT", &self.connect_timeout)? {
            settings.connect_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = number("MAILLAGE_PG_ACQUIRE_TIMEOUT", &self.acquire_timeout)? {
            settings.acquire_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = number("MAILLAGE_PG_IDLE_CHECK", &self.idle_check)? {
            settings.idle_check_after = Duration::from_secs(seconds);
        }
        Ok(settings)
    }
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Config {
    /// The configuration of this run: the global options given, the rest from the environment.
    pub fn read(database: &std::path::Path, no_demo: bool) -> Config {
        Config {
            database: database.to_string_lossy().into_owned(),
            demo: !no_demo,
            pool: PoolVariables {
                size: variable("MAILLAGE_PG_POOL_SIZE"),
                connect_timeout: variable("MAILLAGE_PG_CONNECT_TIMEOUT"),
                acquire_timeout: variable("MAILLAGE_PG_ACQUIRE_TIMEOUT"),
                idle_check: variable("MAILLAGE_PG_IDLE_CHECK"),
            },
            base_url_given: variable("MAILLAGE_BASE_URL").is_some_and(|url| !url.trim().is_empty()),
            base_url: variable("MAILLAGE_BASE_URL")
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            secret: variable("MAILLAGE_SECRET"),
            mail: MailConfig {
                smtp_url: variable("MAILLAGE_SMTP_URL").filter(|url| !url.trim().is_empty()),
                from: variable("MAILLAGE_MAIL_FROM").unwrap_or_else(|| DEFAULT_FROM.to_owned()),
                outbox: std::env::var_os("MAILLAGE_OUTBOX").map(PathBuf::from).unwrap_or_else(|| DEFAULT_OUTBOX.into()),
            },
            admin_password: variable("MAILLAGE_ADMIN_PASSWORD"),
            producer: variable("MAILLAGE_PRODUCTEUR")
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
                .unwrap_or_else(|| "maillage".to_owned()),
            publication_dir: std::env::var_os("MAILLAGE_PUBLICATION_DIR")
                .filter(|value| !value.is_empty())
                .map(PathBuf::from),
            publication_hours: variable("MAILLAGE_PUBLICATION_HEURES"),
            national_url: variable("MAILLAGE_CARTE_NATIONALE_URL").filter(|url| !url.trim().is_empty()),
        }
    }

    /// Time between two scheduled publications: `MAILLAGE_PUBLICATION_HEURES` (0.1 to 720), or a day.
    pub fn publication_interval(&self) -> CliResult<Duration> {
        match self.publication_hours.as_deref().map(str::trim) {
            None | Some("") => Ok(Duration::from_secs(24 * 3600)),
            Some(text) => text
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|hours| hours.is_finite() && (0.1..=720.0).contains(hours))
                .map(|hours| Duration::from_secs_f64(hours * 3600.0))
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "MAILLAGE_PUBLICATION_HEURES : nombre d'heures entre 0,1 et 720 attendu, pas « {text} »"
                    ))
                }),
        }
    }

    /// The producer's slug, checked: lower-case letters, digits and hyphens only, since it
    /// becomes part of file names and of every data·inclusion id.
    pub fn producer(&self) -> CliResult<&str> {
        let ok = self.producer.len() <= 60
            && self.producer.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(&self.producer)
        } else {
            Err(CliError::Usage(format!(
                "MAILLAGE_PRODUCTEUR doit ne contenir que des minuscules sans accent, des chiffres et des tirets, pas « {} »",
                self.producer
            )))
        }
    }

    /// How data·inclusion files name the hub, as of today.
    pub fn data_inclusion(&self) -> CliResult<maillage_formats::data_inclusion::Options> {
        let mut options =
            maillage_formats::data_inclusion::Options::new(self.producer()?, maillage_store::now().date_naive());
        options.base_url = Some(self.base_url.clone());
        Ok(options)
    }

    /// The PostgreSQL pool settings: the defaults, overridden by the variables that are set.
    pub fn pool_settings(&self) -> CliResult<PoolSettings> {
        self.pool.settings()
    }

    /// The key that signs the links mailed by the hub. Without `MAILLAGE_SECRET`, a random
    /// one: links mailed before a restart then stop working, which the log says.
    pub fn link_signer(&self) -> CliResult<LinkSigner> {
        match &self.secret {
            Some(secret) => LinkSigner::from_secret(secret).map_err(|_| {
                CliError::Usage(format!("MAILLAGE_SECRET doit compter au moins {MIN_SECRET_CHARS} caractères"))
            }),
            None => {
                tracing::warn!(
                    "MAILLAGE_SECRET absent : clé de signature aléatoire, les liens envoyés ne survivront pas à un redémarrage"
                );
                Ok(LinkSigner::random())
            }
        }
    }

    /// The mail transport: SMTP when `MAILLAGE_SMTP_URL` is set, else the outbox folder.
    pub fn mail_setup(&self) -> CliResult<MailSetup> {
        Ok(MailSetup::from_config(&self.mail)?)
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    #[test]
    fn pool_settings_come_from_the_variables_set() {
        let pool = PoolVariables { size: Some("8".into()), acquire_timeout: Some(" 5 ".into()), ..Default::default() };
        let settings = pool.settings().unwrap();
        assert_eq!(settings.max_size, 8);
        assert_eq!(settings.acquire_timeout, Duration::from_secs(5));
        assert_eq!(settings.connect_timeout, PoolSettings::default().connect_timeout);
    }

    #[test]
    fn a_bad_pool_setting_is_refused_with_its_name() {
        let pool = PoolVariables { size: Some("beaucoup".into()), ..Default::default() };
        assert!(matches!(pool.settings(), Err(CliError::Usage(message)) if message.contains("MAILLAGE_PG_POOL_SIZE")));
    }

    #[test]
    fn a_zero_pool_size_still_allows_one_connection() {
        let pool = PoolVariables { size: Some("0".into()), ..Default::default() };
        assert_eq!(pool.settings().unwrap().max_size, 1);
    }
}
