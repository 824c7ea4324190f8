//! The public pages' client: the demo hub with a tile server configured, pages as text.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use maillage_store::PlaceQuery;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router_with_site, SiteConfig, WebState};
use tower::ServiceExt;

use super::Page;

/// The demo store, loaded once for the read-only tests.
pub fn demo() -> WebState {
    static STATE: OnceLock<WebState> = OnceLock::new();
    STATE.get_or_init(fresh_demo).clone()
}

/// A store of its own, for the tests that write.
pub fn fresh_demo() -> WebState {
    let store = SqliteStore::in_memory().unwrap();
    let territory = Arc::new(Territory::embedded());
    maillage_app::places::demo::load_if_empty(
        &maillage_app::context::Context::new(&store),
        &maillage_app::accounts::Actor::operator(None),
        &territory,
    )
    .unwrap();
    WebState::new(Arc::new(store), territory).unwrap()
}

pub fn site() -> SiteConfig {
    SiteConfig {
        tiles_url: Some("https://tuiles.example.org/{z}/{x}/{y}.png".to_owned()),
        tiles_attribution: Some("© contributeurs OpenStreetMap".to_owned()),
        geocoder_url: None,
        branding: Default::default(),
    }
}

pub async fn send(state: &WebState, request: Request<Body>) -> Page {
    let response = router_with_site(state.clone(), site()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(state: &WebState, uri: &str) -> Page {
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub fn first_place(state: &WebState) -> maillage_domain::Place {
    let mut places = state.store.places(&PlaceQuery::active()).unwrap();
    places.sort_by_key(|p| std::cmp::Reverse(p.record.horaires.is_some() as u8 + p.record.services.len() as u8));
    places.into_iter().next().unwrap()
}

pub fn assert_page(page: &Page, uri: &str) {
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", &page.body[..page.body.len().min(2000)]);
    assert!(page.body.contains("<html lang=\"fr\">"), "{uri}");
    assert!(page.body.contains("href=\"#contenu\""), "{uri}: skip link");
    assert!(page.body.contains("<main id=\"contenu\""), "{uri}: main landmark");
    let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{uri}: {policy}");
    assert!(policy.contains("img-src 'self' data: https://tuiles.example.org"), "{uri}: {policy}");
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
    assert!(!page.body.contains("<script>") && !page.body.contains(" style=\""), "{uri}: inline script or style");
}

pub fn total(body: &str) -> usize {
    let start = body.find("data-role=\"total\">").unwrap() + "data-role=\"total\">".len();
    body[start..].split('<').next().unwrap().parse().unwrap()
}
