//! The web layer of Maillage: the HTTP server (`maillage serve`) and its JSON API under
//! `/api/v1`. Requests are answered from memory where they can be (the territory is loaded
//! once); writes and registry reads go through the store on blocking threads.
//!
//! Boundary: talks to the use cases of `maillage-app`, the `Store` trait and the territory;
//! never to a concrete database. Errors are mapped to HTTP once, in `error.rs`; internal
//! details are logged with the request id, never shown.

mod api;
mod error;
mod middleware;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use maillage_store::Store;
use maillage_territory::Territory;

pub use error::ApiError;

/// What every request handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub store: Arc<dyn Store>,
    pub territory: Arc<Territory>,
}

/// The whole application: API routes and the middleware every response goes through.
pub fn router(state: WebState) -> Router {
    middleware::wrap(api::routes().with_state(state))
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub async fn serve(address: SocketAddr, state: WebState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "Maillage écoute");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
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
