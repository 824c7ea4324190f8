//! Shared support of the web tests (one test binary, a module per resource): the
//! territory, the answered page, and per audience a typed client with its fixtures:
//! `api` (JSON requests on a registry), `pages` (the public pages of the demo hub), `hub`
//! (a hub with accounts and a browser that keeps its cookies and signs in).

pub mod api;
pub mod hub;
pub mod pages;

use std::sync::{Arc, OnceLock};

use axum::http::{header, StatusCode};
use maillage_territory::Territory;

pub fn territory() -> Arc<Territory> {
    static TERRITORY: OnceLock<Arc<Territory>> = OnceLock::new();
    TERRITORY.get_or_init(|| Arc::new(Territory::embedded())).clone()
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden `_csrf` field.
    pub fn csrf(&self) -> String {
        hidden(&self.body, "_csrf")
    }
}

pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} in {body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}
