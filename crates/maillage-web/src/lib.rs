//! The web layer of Maillage: the HTTP server (`maillage serve`) and its JSON API under
//! `/api/v1`. Requests are answered from memory where they can be (the territory is loaded
//! once); writes and registry reads go through the store on blocking threads.
//!
//! Boundary: talks to the use cases of `maillage-app`, the `Store` trait and the territory;
//! never to a concrete database. Errors are mapped to HTTP once, in `error.rs`; internal
//! details are logged with the request id, never shown.

mod admin;
mod admin_duplicates;
mod admin_hub;
mod api;
mod auth;
mod branding;
mod error;
mod middleware;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use maillage_app::directory::{Directory, DirectoryHandle, Visibility};
use maillage_app::hub::branding::Branding;
use maillage_store::Store;
use maillage_territory::Territory;

pub use auth::AccountsConfig;
pub use error::ApiError;
pub use pages::SiteConfig;

/// What every request handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub store: Arc<dyn Store>,
    pub territory: Arc<Territory>,
    /// The active places in memory, kept in step with the store by [`spawn_directory_sync`].
    pub directory: Arc<DirectoryHandle>,
    /// Per-client budget of the export endpoint.
    pub export_limiter: Arc<api::RateLimiter>,
    /// The hub's name, colour and logo (administration, branding page).
    pub branding: branding::BrandingCell,
}

impl WebState {
    /// Loads the directory from the store (blocking: call it before serving or on a blocking
    /// thread).
    pub fn new(store: Arc<dyn Store>, territory: Arc<Territory>) -> Result<WebState, maillage_app::AppError> {
        WebState::with_cutoff(store, territory, None)
    }

    /// As [`WebState::new`], hiding from the public map, lists and API search the places
    /// whose sheet was not confirmed for `cutoff_months` (they stay in the store).
    pub fn with_cutoff(
        store: Arc<dyn Store>,
        territory: Arc<Territory>,
        cutoff_months: Option<u32>,
    ) -> Result<WebState, maillage_app::AppError> {
        let directory =
            Directory::load_visible(store.as_ref(), territory.clone(), Visibility::as_of_today(cutoff_months))?;
        let branding = Branding::load(store.as_ref())?;
        Ok(WebState {
            store,
            territory,
            directory: Arc::new(DirectoryHandle::new(directory)),
            export_limiter: Arc::new(api::RateLimiter::exports()),
            branding: branding::BrandingCell::new(branding),
        })
    }
}

/// Polls the store every `every` and applies the places changed since the last poll to the
/// directory. A place written to the store is served by the API and pages at most `every`
/// plus one poll's duration later.
pub fn spawn_directory_sync(state: &WebState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let (store, directory, branding) = (state.store.clone(), state.directory.clone(), state.branding.clone());
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        let mut branding_read = std::time::Instant::now();
        loop {
            ticks.tick().await;
            // Another server's branding page writes the same settings: follow them too, less
            // often than places (the logo may weigh a few hundred kilobytes).
            let read_branding = branding_read.elapsed() >= BRANDING_REFRESH;
            if read_branding {
                branding_read = std::time::Instant::now();
            }
            let (store, directory, branding) = (store.clone(), directory.clone(), branding.clone());
            let synced = tokio::task::spawn_blocking(move || {
                if read_branding {
                    match Branding::load(store.as_ref()) {
                        Ok(latest) if *branding.current() != latest => branding.replace(latest),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(%err, "lecture de la marque impossible"),
                    }
                }
                directory.sync(store.as_ref())
            });
            match synced.await {
                Ok(Ok(outcome)) if outcome.applied > 0 => {
                    tracing::info!(lus = outcome.read, appliques = outcome.applied, "annuaire synchronisé")
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(%err, "synchronisation de l'annuaire impossible"),
                Err(err) => tracing::error!(%err, "synchronisation de l'annuaire interrompue"),
            }
        }
    })
}

/// How long a server may show another server's previous branding.
pub const BRANDING_REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The whole application with the default settings: no tile server or geocoder, mails into
/// the default outbox folder (tests, tools).
pub fn router(state: WebState) -> Router {
    router_with_site(state, SiteConfig::default())
}

/// The whole application with the public pages' settings given, and the default account
/// settings (mails into the default outbox folder).
pub fn router_with_site(state: WebState, site: SiteConfig) -> Router {
    // One per process: every router shares one link key, so a link signed by one is valid
    // for the next.
    static ACCOUNTS: std::sync::OnceLock<Arc<AccountsConfig>> = std::sync::OnceLock::new();
    let accounts = ACCOUNTS.get_or_init(|| {
        let key = maillage_app::accounts::random_token();
        Arc::new(AccountsConfig::with_outbox(maillage_mail::DEFAULT_OUTBOX, "http://localhost:8080", key.as_bytes()))
    });
    router_with_accounts(state, site, accounts.clone())
}

/// The whole application with the account pages' settings given (mailer, link key, public
/// address).
pub fn router_with_accounts(state: WebState, mut site: SiteConfig, accounts: Arc<AccountsConfig>) -> Router {
    // The pages read the branding the administration page replaces.
    site.branding = state.branding.clone();
    let not_found_site = site.clone();
    middleware::wrap(
        api::routes()
            .merge(pages::routes(site))
            .merge(auth::routes(accounts.clone()))
            .merge(admin_duplicates::routes(accounts.clone()))
            .merge(admin::routes(accounts.clone()))
            .merge(admin_hub::routes(accounts))
            .fallback(move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                let site = not_found_site.clone();
                async move { pages::fallback(site, uri, headers).await }
            })
            .with_state(state),
    )
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish; the campaign
/// reminders are sent hourly meanwhile. The settings are the binary's configuration.
pub async fn serve(
    address: SocketAddr,
    state: WebState,
    site: SiteConfig,
    accounts: Arc<AccountsConfig>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "Maillage écoute");
    auth::spawn_reminders(&state, accounts.clone(), std::time::Duration::from_secs(3600));
    let router = router_with_accounts(state, site, accounts);
    // The peer address keys the per-client limits of the API.
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("arrêt demandé : fin des requêtes en cours");
}
