//! Every security header of every response, from one middleware ([`security_headers`]):
//! Content-Security-Policy, `X-Frame-Options` agreeing with its `frame-ancestors`,
//! `nosniff`, the referrer policy, `no-store` on private pages, and HSTS on requests that
//! came over HTTPS (said by a trusted proxy, [`crate::proxy`]).
//!
//! Handlers never write these headers: a response that needs another policy than the strict
//! default says which in a [`Policy`] extension (the public pages widen it for the tile host
//! and the geocoder a hub configured; only the embed may be framed).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::proxy::Client;
use crate::SiteConfig;

/// Which policy a response needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Everything from this server, never framed: JSON, assets, anything that says nothing.
    #[default]
    Strict,
    /// Account and admin pages: forms post here only, no base, never cached.
    Private,
    /// A public page: the tile host and the geocoder when configured; `embed` pages may be
    /// framed by any site (that is their purpose).
    Public { embed: bool },
    /// An uploaded image opened directly: an SVG must not run scripts.
    InertImage,
    /// A public page showing what someone typed about a person (the fiche d'orientation):
    /// the public policy, never cached.
    PublicPersonal,
}

const STRICT: &str = "default-src 'self'; frame-ancestors 'none'";
const PRIVATE: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const INERT_IMAGE: &str = "default-src 'none'; style-src 'unsafe-inline'";

pub async fn security_headers(State(site): State<Arc<SiteConfig>>, request: Request, next: Next) -> Response {
    let https = request.extensions().get::<Client>().is_some_and(|client| client.https);
    let mut response = next.run(request).await;
    let policy = response.extensions().get::<Policy>().copied().unwrap_or_default();
    let headers = response.headers_mut();
    let csp = match policy {
        Policy::Strict => HeaderValue::from_static(STRICT),
        Policy::Private => HeaderValue::from_static(PRIVATE),
        Policy::InertImage => HeaderValue::from_static(INERT_IMAGE),
        Policy::Public { embed } => {
            HeaderValue::from_str(&site.content_security_policy(embed)).unwrap_or(HeaderValue::from_static(STRICT))
        }
        Policy::PublicPersonal => {
            HeaderValue::from_str(&site.content_security_policy(false)).unwrap_or(HeaderValue::from_static(STRICT))
        }
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    // The old header must not contradict the policy: the embed's says `frame-ancestors *`.
    if policy == (Policy::Public { embed: true }) {
        headers.remove(header::X_FRAME_OPTIONS);
    } else {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if matches!(policy, Policy::Private | Policy::PublicPersonal) {
        // Pages with forms, tokens and personal data are never cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        // A year, as browsers' preload lists ask; subdomains are the operator's to add.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}
