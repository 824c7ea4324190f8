//! What every handler can reach: the shared state ([`WebState`]), the account pages'
//! settings ([`AccountsConfig`]), and how a use case runs from a request ([`run`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use maillage_app::accounts::LinkSigner;
use maillage_app::agenda::index::{AgendaHandle, AgendaIndex};
use maillage_app::context::{Context, Mailing};
use maillage_app::coverage::CoverageCache;
use maillage_app::directory::{Directory, DirectoryHandle, Visibility};
use maillage_app::hub::branding::Branding;
use maillage_app::mail::Mailer;
use maillage_app::territory::Locator;
use maillage_app::throttle::Throttle;
use maillage_app::{AppError, AppResult};
use maillage_mail::{MailSetup, Outbox, DEFAULT_FROM};
use maillage_store::{Store, StoreError};
use maillage_territory::Territory;

use crate::api::RateLimiter;
use crate::branding::BrandingCell;
use crate::proxy::TrustedProxies;

/// What every request handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub store: Arc<dyn Store>,
    pub territory: Arc<Territory>,
    /// The active places in memory, kept in step with the store by
    /// [`crate::spawn_directory_sync`].
    pub directory: Arc<DirectoryHandle>,
    /// Per-client budget of the export endpoint.
    pub export_limiter: Arc<RateLimiter>,
    /// Per-client budget of `/api/v1/couverture`.
    pub coverage_limiter: Arc<RateLimiter>,
    /// The hub's name, colour and logo (administration, branding page).
    pub branding: BrandingCell,
    /// The duplicate scan started from the administration (a button, after an import).
    pub scans: Arc<maillage_app::duplicates::ScanTracker>,
    /// Files uploaded to the mapping assistant, kept while their administrator corrects the
    /// proposal (a form without JavaScript cannot send a file again).
    pub drafts: Arc<Drafts>,
    /// Recent coverage answers per data version of the store (the API and the coverage page):
    /// a France-wide answer is computed once, not once per request.
    pub coverage: Arc<CoverageCache>,
    /// Public error reports accepted per client (`moderation::report_problem`).
    pub report_throttle: Arc<Throttle>,
    /// Public registrations to the agenda, per client.
    pub registration_throttle: Arc<Throttle>,
    /// When the agenda's scheduled work runs (reminders, erasure of registrants).
    pub agenda: AgendaSettings,
    /// The published agenda in memory, checked against the store on each request
    /// ([`WebState::agenda_events`]).
    pub agenda_index: Arc<AgendaHandle>,
    /// The reverse proxies whose `X-Forwarded-*` headers are believed (none by default).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// How the hub names itself in the open data it publishes.
    pub open_data: Arc<OpenData>,
}

/// How the hub names itself in its open data (the binary sets it from its configuration).
#[derive(Clone, Debug)]
pub struct OpenData {
    /// The producer's slug: data·inclusion's `source`, the publication's file names.
    pub producer: String,
    /// The hub's public address: data·inclusion's `lien_source`, the catalogue's links.
    pub base_url: Option<String>,
    /// The publication folder (none: nothing is published and `/donnees/…` answers 404).
    pub publication_dir: Option<std::path::PathBuf>,
    /// The national map's file for the scheduled pull and the administrators' button (none:
    /// off, the default).
    pub national_url: Option<String>,
}

impl Default for OpenData {
    fn default() -> OpenData {
        OpenData { producer: "maillage".to_owned(), base_url: None, publication_dir: None, national_url: None }
    }
}

impl OpenData {
    /// What a publication needs now: the folder, the producer, the hub's name as publisher
    /// and the public map's cut-off (hidden places are not published).
    pub fn publication(&self, state: &WebState) -> Option<maillage_app::publication::PublicationSettings> {
        Some(maillage_app::publication::PublicationSettings {
            dir: self.publication_dir.clone()?,
            producer: self.producer.clone(),
            base_url: self.base_url.clone(),
            publisher: state.branding.current().name.clone(),
            visible: state.directory.current().visibility(),
        })
    }

    /// The data·inclusion files' producer, as of today.
    pub fn data_inclusion(&self) -> maillage_formats::data_inclusion::Options {
        let mut options =
            maillage_formats::data_inclusion::Options::new(self.producer.clone(), maillage_store::now().date_naive());
        options.base_url = self.base_url.clone();
        options
    }
}

impl WebState {
    /// Loads the directory from the store (blocking: call it before serving or on a blocking
    /// thread).
    pub fn new(store: Arc<dyn Store>, territory: Arc<Territory>) -> Result<WebState, AppError> {
        WebState::with_cutoff(store, territory, None)
    }

    /// As [`WebState::new`], hiding from the public map, lists and API search the places
    /// whose sheet was not confirmed for `cutoff_months` (they stay in the store).
    pub fn with_cutoff(
        store: Arc<dyn Store>,
        territory: Arc<Territory>,
        cutoff_months: Option<u32>,
    ) -> Result<WebState, AppError> {
        let directory =
            Directory::load_visible(store.as_ref(), territory.clone(), Visibility::as_of_today(cutoff_months))?;
        let branding = Branding::load(store.as_ref())?;
        let agenda_index = Arc::new(AgendaHandle::new(AgendaIndex::load(store.as_ref(), territory.clone())?));
        Ok(WebState {
            store,
            territory,
            directory: Arc::new(DirectoryHandle::new(directory)),
            export_limiter: Arc::new(RateLimiter::exports()),
            coverage_limiter: Arc::new(RateLimiter::coverage()),
            branding: BrandingCell::new(branding),
            scans: Arc::default(),
            drafts: Arc::new(Drafts::default()),
            coverage: Arc::new(CoverageCache::default()),
            report_throttle: Arc::new(maillage_app::moderation::report_throttle()),
            registration_throttle: Arc::new(maillage_app::agenda::registration::throttle()),
            agenda: AgendaSettings::default(),
            agenda_index,
            trusted_proxies: Arc::new(TrustedProxies::default()),
            open_data: Arc::new(OpenData::default()),
        })
    }
}

impl WebState {
    /// The published agenda as the store holds it now (a write by any server is seen).
    pub async fn agenda_events(&self) -> Result<Arc<AgendaIndex>, crate::WebError> {
        let (store, handle) = (self.store.clone(), self.agenda_index.clone());
        run_blocking(move || handle.current(store.as_ref())).await
    }
}

/// The delays of the agenda's scheduled tasks (`maillage serve --agenda-rappel-heures`,
/// `--agenda-effacement-jours`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgendaSettings {
    /// Reminders go this long before an event starts.
    pub reminder: chrono::TimeDelta,
    /// Registrants' personal data is erased this long after an event ends.
    pub erasure: chrono::TimeDelta,
}

impl AgendaSettings {
    pub fn new(reminder_hours: u32, erasure_days: u32) -> AgendaSettings {
        AgendaSettings {
            reminder: chrono::TimeDelta::hours(i64::from(reminder_hours)),
            erasure: chrono::TimeDelta::days(i64::from(erasure_days)),
        }
    }
}

impl Default for AgendaSettings {
    fn default() -> Self {
        AgendaSettings { reminder: chrono::TimeDelta::hours(48), erasure: chrono::TimeDelta::days(90) }
    }
}

/// What the account pages need beyond the shared state.
pub struct AccountsConfig {
    pub mailer: Arc<dyn Mailer>,
    /// The outbox, when mails are written to a folder instead of sent (its admin page).
    pub outbox: Option<Arc<Outbox>>,
    pub signer: LinkSigner,
    /// `https://hub.example`: links in mails start with it.
    pub base_url: String,
    /// `Secure` cookies: set when `base_url` is HTTPS.
    pub secure_cookies: bool,
    /// Sign-in and reset attempts per client address.
    pub sign_in_limiter: RateLimiter,
}

impl AccountsConfig {
    /// The mail transport, the link key and the public address (`https://hub.example`), as
    /// the binary read them from its configuration.
    pub fn new(mail: MailSetup, signer: LinkSigner, base_url: &str) -> AccountsConfig {
        let base_url = base_url.trim_end_matches('/').to_owned();
        AccountsConfig {
            mailer: mail.mailer,
            outbox: mail.outbox,
            signer,
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            // Five attempts at once, then one every 12 seconds: a person who mistypes is
            // never slowed, a password-guessing client is (the account lockout does the rest).
            sign_in_limiter: RateLimiter::new(5, Duration::from_secs(12)),
        }
    }

    /// Mails into an outbox folder (tests, tools).
    pub fn with_outbox(folder: impl Into<PathBuf>, base_url: &str, key: &[u8]) -> AccountsConfig {
        AccountsConfig::new(MailSetup::outbox(Outbox::new(folder, DEFAULT_FROM)), LinkSigner::new(key), base_url)
    }
}

/// Runs a use case on a blocking thread with a fresh context (the locator reads the
/// bassins, which an administrator may have just changed).
pub async fn run<T: Send + 'static>(
    state: &WebState,
    config: &Arc<AccountsConfig>,
    work: impl FnOnce(&Context<'_>) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let (store, territory, config) = (state.store.clone(), state.territory.clone(), config.clone());
    blocking(move || {
        let locator = Locator::load(store.as_ref(), territory)?;
        let mailing = Mailing { mailer: config.mailer.as_ref(), signer: &config.signer, base_url: &config.base_url };
        let ctx = Context::new(store.as_ref()).with_locator(&locator).with_mailing(mailing);
        work(&ctx)
    })
    .await
}

/// Runs work on a blocking thread; a thread that panicked is an error of the use case's kind.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::Store(StoreError::Backend(format!("tâche interrompue : {err}"))))?
}

/// Runs work that needs no context (public reads of the store) on a blocking thread.
pub async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> Result<T, crate::WebError> {
    Ok(tokio::task::spawn_blocking(work).await.map_err(crate::WebError::internal)??)
}

/// A file uploaded to the mapping assistant, while its administrator corrects the proposal.
#[derive(Clone)]
pub struct Draft {
    /// The account that uploaded it: nobody else reaches it.
    pub user_id: String,
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
    /// The source name asked for at upload, if any.
    pub source: Option<String>,
    at: Instant,
}

/// The assistant's uploads, in memory: a few at a time, each for an hour at most (the oldest
/// goes first), reached by an unguessable key and only by the account that uploaded it. A
/// server restart forgets them: the administrator uploads the file again. (Several servers
/// sharing one database each keep their own: the assistant's pages must reach the same one.)
#[derive(Default)]
pub struct Drafts {
    files: Mutex<HashMap<String, Draft>>,
}

impl Drafts {
    const MAX_FILES: usize = 8;
    const LIFETIME: Duration = Duration::from_secs(3600);

    /// Keeps a file; its key.
    pub fn keep(&self, user_id: &str, file_name: &str, bytes: Vec<u8>, source: Option<String>) -> String {
        let key = format!("{}{}", maillage_store::new_id(), maillage_store::new_id());
        let mut files = self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        files.retain(|_, draft| draft.at.elapsed() < Self::LIFETIME);
        while files.len() >= Self::MAX_FILES {
            let Some(oldest) = files.iter().min_by_key(|(_, draft)| draft.at).map(|(key, _)| key.clone()) else {
                break;
            };
            files.remove(&oldest);
        }
        let draft = Draft {
            user_id: user_id.to_owned(),
            file_name: file_name.to_owned(),
            bytes: Arc::new(bytes),
            source,
            at: Instant::now(),
        };
        files.insert(key.clone(), draft);
        key
    }

    /// The file kept under `key` for this account, if it is still there.
    pub fn get(&self, key: &str, user_id: &str) -> Option<Draft> {
        let files = self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        files.get(key).filter(|draft| draft.user_id == user_id && draft.at.elapsed() < Self::LIFETIME).cloned()
    }

    /// Forgets a file once its mapping is saved.
    pub fn forget(&self, key: &str) {
        self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}
