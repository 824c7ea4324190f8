//! The JSON API's client: requests on the router of a registry, answers as JSON.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use maillage_domain::Place;
use maillage_store::PlaceQuery;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::LatLon;
use maillage_web::{router, WebState};
use serde_json::Value;
use tower::ServiceExt;

use super::territory;

pub fn state() -> WebState {
    WebState::new(Arc::new(SqliteStore::in_memory().unwrap()), territory()).unwrap()
}

pub fn demo_state() -> WebState {
    let store = SqliteStore::in_memory().unwrap();
    maillage_app::places::demo::load_if_empty(
        &maillage_app::context::Context::new(&store),
        &maillage_app::accounts::Actor::operator(None),
        &territory(),
    )
    .unwrap();
    WebState::new(Arc::new(store), territory()).unwrap()
}

pub async fn request(state: &WebState, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await.unwrap();
    (status, headers, bytes.to_vec())
}

pub async fn get(state: &WebState, uri: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let (status, headers, bytes) = request(state, Request::get(uri).body(Body::empty()).unwrap()).await;
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

/// Each request is refused (400, `parametre_invalide`), its error naming the parameter given
/// beside it.
pub async fn assert_refused(state: &WebState, cases: &[(&str, &str)]) {
    for (uri, field) in cases {
        let (status, _, body) = get(state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["erreur"]["code"], "parametre_invalide", "{uri}: {body}");
        assert_eq!(body["erreur"]["champ"], *field, "{uri}: {body}");
    }
}

/// Percent-encodes a query value.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every page of a search, following the cursors: (total, ids in order).
pub async fn walk(state: &WebState, base: &str) -> (u64, Vec<String>) {
    let mut ids = Vec::new();
    let mut total = None;
    let mut uri = base.to_owned();
    loop {
        let (status, _, body) = get(state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        let page_total = body["total"].as_u64().unwrap();
        assert_eq!(*total.get_or_insert(page_total), page_total, "the total does not change between pages");
        ids.extend(body["lieux"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match body["curseur_suivant"].as_str() {
            Some(cursor) => uri = format!("{base}&curseur={cursor}"),
            None => return (total.unwrap(), ids),
        }
    }
}

pub fn active_places(state: &WebState) -> Vec<Place> {
    state.store.places(&PlaceQuery::active()).unwrap()
}

/// Where the directory shows a place: its coordinates, else its commune's point.
pub fn shown_at(state: &WebState, place: &Place) -> Option<LatLon> {
    match place.record.coordinates {
        Some(c) => Some(LatLon::new(c.latitude, c.longitude)),
        None => maillage_app::territory::find_commune(&state.territory, &place.record).and_then(|(c, _)| c.point),
    }
}
