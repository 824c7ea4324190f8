//! The hub's branding as the pages render it: its colour in a served stylesheet that sets
//! `--couleur-marque` (the CSP forbids inline style), its uploaded logo served from here, and
//! content-hashed URLs for both. What the branding is, how it is checked and saved, is the
//! use case's (`maillage_app::hub::branding`).
//!
//! Cached in memory: every public page reads it, so it is read from the store once at start
//! and replaced whole when an administrator saves it.

use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maillage_app::hub::branding::{Branding, Logo};
use sha2::{Digest, Sha256};

use crate::WebState;

/// A short fingerprint: the stylesheet's and logo's URLs change when the branding does, so
/// they can be cached for long.
pub fn version(branding: &Branding) -> String {
    let mut hasher = Sha256::new();
    hasher.update(branding.colour.as_bytes());
    if let Some(Logo::Uploaded { bytes, .. }) = &branding.logo {
        hasher.update(bytes);
    }
    hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

pub fn stylesheet_url(branding: &Branding) -> String {
    format!("/marque.css?v={}", version(branding))
}

/// Where the header's logo comes from; None for the default one.
pub fn logo_url(branding: &Branding) -> Option<String> {
    match &branding.logo {
        None => None,
        Some(Logo::Url(url)) => Some(url.clone()),
        Some(Logo::Uploaded { .. }) => Some(format!("/marque/logo?v={}", version(branding))),
    }
}

/// The branding shared by the pages and the administration page that changes it.
#[derive(Clone, Debug, Default)]
pub struct BrandingCell(Arc<RwLock<Arc<Branding>>>);

impl BrandingCell {
    pub fn new(branding: Branding) -> Self {
        BrandingCell(Arc::new(RwLock::new(Arc::new(branding))))
    }

    pub fn current(&self) -> Arc<Branding> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace(&self, branding: Branding) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(branding);
    }
}

/// `/marque.css`: the hub's colour as a CSS variable.
pub async fn stylesheet(State(state): State<WebState>) -> Response {
    let branding = state.branding.current();
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=31536000")],
        format!(":root {{ --couleur-marque: {}; }}\n", branding.colour),
    )
        .into_response()
}

/// `/marque/logo`: the uploaded logo.
pub async fn logo(State(state): State<WebState>) -> Response {
    let branding = state.branding.current();
    match &branding.logo {
        Some(Logo::Uploaded { content_type, bytes }) => {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000"));
            let mut response = (headers, bytes.clone()).into_response();
            // An SVG opened directly must not run scripts.
            response.extensions_mut().insert(crate::security::Policy::InertImage);
            response
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
