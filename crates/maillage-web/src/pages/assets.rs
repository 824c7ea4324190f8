//! Static assets (CSS, JS, vendored Leaflet) compiled into the binary, so a hub deploys one
//! file and needs no CDN. Pages link them with a content hash in the query (`?v=…`): such a
//! URL never changes meaning, so it is cached for a year; the same path without the right hash
//! (e.g. images that Leaflet's CSS names relatively) is revalidated through its ETag.

use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $type:literal),+ $(,)?) => {
        &[$(Asset { path: $path, content_type: $type, bytes: include_bytes!(concat!("../../assets/", $path)) }),+]
    };
}

const ASSETS: &[Asset] = assets!(
    "css/app.css" => "text/css; charset=utf-8",
    "js/common.js" => "text/javascript; charset=utf-8",
    "js/carte.js" => "text/javascript; charset=utf-8",
    "js/orientation.js" => "text/javascript; charset=utf-8",
    "js/couverture.js" => "text/javascript; charset=utf-8",
    "js/confirmer.js" => "text/javascript; charset=utf-8",
    "js/lieu.js" => "text/javascript; charset=utf-8",
    "img/logo.svg" => "image/svg+xml",
    "vendor/leaflet/leaflet.js" => "text/javascript; charset=utf-8",
    "vendor/leaflet/leaflet.css" => "text/css; charset=utf-8",
    "vendor/leaflet/images/layers.png" => "image/png",
    "vendor/leaflet/images/layers-2x.png" => "image/png",
    "vendor/leaflet/images/marker-icon.png" => "image/png",
    "vendor/leaflet/images/marker-icon-2x.png" => "image/png",
    "vendor/leaflet/images/marker-shadow.png" => "image/png",
    "vendor/markercluster/leaflet.markercluster.js" => "text/javascript; charset=utf-8",
    "vendor/markercluster/MarkerCluster.css" => "text/css; charset=utf-8",
    "vendor/markercluster/MarkerCluster.Default.css" => "text/css; charset=utf-8",
);

/// Short content hashes, computed once.
fn hashes() -> &'static [String] {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|asset| Sha256::digest(asset.bytes).iter().take(8).map(|b| format!("{b:02x}")).collect())
            .collect()
    })
}

fn find(path: &str) -> Option<(usize, &'static Asset)> {
    ASSETS.iter().enumerate().find(|(_, asset)| asset.path == path)
}

/// The URL of an asset, with its content hash. Panics on a name that is not embedded: a
/// template naming a missing asset is a programming error every page test catches.
pub fn url(path: &str) -> String {
    let (index, _) = find(path).unwrap_or_else(|| panic!("asset inconnu : {path}"));
    format!("/static/{path}?v={}", hashes()[index])
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(path): Path<String>, Query(version): Query<Version>, headers: HeaderMap) -> Response {
    let Some((index, asset)) = find(&path) else {
        return (StatusCode::NOT_FOUND, "fichier introuvable").into_response();
    };
    let hash = &hashes()[index];
    let etag = format!("\"{hash}\"");
    let cache = if version.v.as_deref() == Some(hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600, must-revalidate"
    };
    let mut response = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    response
}

/// Browsers ask for `/favicon.ico` on pages that name no icon (the API's documentation page):
/// the logo answers, so no request of a page ends in a 404.
pub async fn favicon(headers: HeaderMap) -> Response {
    serve(Path("img/logo.svg".to_owned()), Query(Version { v: None }), headers).await
}
