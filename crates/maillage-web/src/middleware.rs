//! The layers every request goes through, each named for what it guarantees, outermost
//! first: a request id (generated, echoed in `x-request-id` and in the log span), tracing,
//! the client's address and scheme behind a trusted proxy ([`crate::proxy`]), the security
//! headers ([`crate::security`]) and the error pages ([`crate::error`]).

use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue, Request};
use axum::Router;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::proxy::TrustedProxies;
use crate::SiteConfig;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are ULIDs: sortable by time, unique without coordination between servers.
#[derive(Clone, Copy, Default)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::new().to_string()).ok().map(RequestId::new)
    }
}

pub fn wrap(router: Router, site: Arc<SiteConfig>, proxies: Arc<TrustedProxies>) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(site.clone(), crate::error::render_errors))
        .layer(axum::middleware::from_fn_with_state(site, crate::security::security_headers))
        // Outside the security headers: they read whether the request came over HTTPS.
        .layer(axum::middleware::from_fn_with_state(proxies, crate::proxy::client_address))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            tracing::info_span!("requete", id = %id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, UlidRequestId))
}
