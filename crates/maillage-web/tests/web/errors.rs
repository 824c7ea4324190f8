//! How refusals are answered: a use case's refusal is a 403, 404 or 409 (never a 500) in the
//! API's JSON shape under `/api`, and a French page elsewhere, with the person's navigation
//! on the account pages and the request id on the public ones.

use axum::http::StatusCode;

use super::common::api;
use super::common::hub::Hub;

#[tokio::test]
async fn api_refusals_are_json_and_never_500() {
    let state = api::demo_state();
    for uri in [
        "/api/v1/lieux/01inconnu",
        "/api/v1/territoires/commune/99999",
        "/api/v1/territoires/bassin/Nulle%20part",
        "/api/v1/territoires/departement/999",
        "/api/v1/inconnu",
    ] {
        let (status, headers, body) = api::get(&state, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(body["erreur"]["code"], "introuvable", "{uri}");
        assert!(body["erreur"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{uri}");
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"), "{uri}");
    }
}

#[tokio::test]
async fn account_pages_say_a_refusal_with_the_persons_navigation() {
    let hub = Hub::new();
    let mut manager = hub.signed_in("g@asso.example").await;
    for route in ["/admin/moderation", "/admin/doublons", "/admin/campagnes", "/admin/journal", "/admin/bassins"] {
        let page = manager.get(route).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{route}");
        assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"), "{route}");
        assert!(page.body.contains("Accès refusé"), "{route}: {}", page.body);
        assert!(page.body.contains("Se déconnecter"), "{route}: the navigation of the person signed in");
        assert_eq!(page.headers["cache-control"], "no-store", "{route}");
    }
    // A place that does not exist, edited by its gestionnaire: 404, said in French.
    let page = manager.get("/admin/lieux/01inconnu/modifier").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    assert!(page.body.contains("Introuvable"), "{}", page.body);
}
