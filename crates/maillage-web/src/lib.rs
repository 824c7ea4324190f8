//! The web layer of Maillage: the HTTP server (`maillage serve`), its JSON API under
//! `/api/v1`, the public pages and the hub's administration. A thin shell: requests are
//! translated into use cases of `maillage-app` and their answers into HTTP.
//!
//! The entry point is [`router_with_accounts`]: every route, and the layers every request
//! goes through (`middleware.rs`). Requests are answered from memory where they can be (the
//! territory and the directory); writes and registry reads run use cases on blocking
//! threads. Boundary: the use cases, the `Store` trait and the territory; never a concrete
//! database. Errors become HTTP once, in `error.rs`; security headers are set once, in
//! `security.rs`.

mod accounts;
mod admin;
mod api;
mod branding;
mod error;
mod extract;
mod middleware;
mod national;
mod ogc;
mod open_data;
mod pages;
mod pnt_view;
mod proxy;
mod query;
mod render;
mod security;
mod session;
mod state;
mod tasks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::{Extension, Router};

pub use error::WebError;
pub use national::fetch as fetch_national;
pub use pages::SiteConfig;
pub use proxy::TrustedProxies;
pub use state::{AccountsConfig, AgendaSettings, OpenData, WebState};
pub use tasks::{spawn_directory_sync, spawn_national_pull, spawn_publication, BRANDING_REFRESH};

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

/// The whole application: the API, the public pages, the account pages and the
/// administration, with the public pages' settings (tile server, geocoder) and the account
/// pages' (mailer, link key, public address).
pub fn router_with_accounts(state: WebState, mut site: SiteConfig, accounts: Arc<AccountsConfig>) -> Router {
    // The pages read the branding the administration page replaces.
    site.branding = state.branding.clone();
    let site = Arc::new(site);
    let proxies = state.trusted_proxies.clone();
    let routes = api::routes()
        .merge(pages::routes(site.clone()))
        .merge(accounts::routes())
        .merge(admin::routes())
        .merge(ogc::routes())
        .merge(open_data::routes())
        .fallback(pages::fallback)
        .layer(Extension(accounts))
        .with_state(state);
    middleware::wrap(routes, site, proxies)
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
    tasks::spawn_reminders(&state, accounts.clone(), std::time::Duration::from_secs(3600));
    tasks::spawn_agenda(&state, accounts.clone(), std::time::Duration::from_secs(600));
    let router = router_with_accounts(state, site, accounts);
    // The peer address (or the client a trusted proxy names) keys the per-client limits.
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
