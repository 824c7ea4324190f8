//! The JSON API through HTTP requests on the router (no socket needed).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router, WebState};
use serde_json::Value;
use tower::ServiceExt;

fn state() -> WebState {
    WebState { store: Arc::new(SqliteStore::in_memory().unwrap()), territory: Arc::new(Territory::embedded()) }
}

async fn get(state: &WebState, uri: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = router(state.clone()).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

#[tokio::test]
async fn commune_autocomplete() {
    let state = state();
    let (status, headers, body) = get(&state, "/api/v1/communes?q=bour&limite=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["nom"], "Bourges");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers.contains_key("x-request-id"));
    let (_, _, by_postcode) = get(&state, "/api/v1/communes?q=18000").await;
    assert_eq!(by_postcode[0]["code"], "18033");
}

#[tokio::test]
async fn bad_parameters_name_the_field() {
    let state = state();
    for (uri, field) in [
        ("/api/v1/communes", "q"),
        ("/api/v1/communes?q=x&limite=99", "limite"),
        ("/api/v1/communes?q=x&limite=abc", "limite"),
    ] {
        let (status, _, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["erreur"]["code"], "parametre_invalide", "{uri}");
        assert_eq!(body["erreur"]["champ"], field, "{uri}");
    }
}

#[tokio::test]
async fn health_names_the_backend() {
    let (status, _, body) = get(&state(), "/api/v1/sante").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["base"], "sqlite");
    assert_eq!(body["communes"], 34969);
}

fn demo_state() -> WebState {
    let store = SqliteStore::in_memory().unwrap();
    let territory = Territory::embedded();
    maillage_app::demo::load_if_empty(&store, &territory).unwrap();
    WebState { store: Arc::new(store), territory: Arc::new(territory) }
}

#[tokio::test]
async fn coverage_by_bassin_with_priority() {
    let state = demo_state();
    let (status, _, body) = get(&state, "/api/v1/couverture?niveau=bassin&tri=priorite&limite=3&seuils=5,10").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["lignes"].as_array().unwrap().len(), 3);
    assert_eq!(body["lignes"][0]["code"], "La Châtre");
    let first = &body["lignes"][0];
    let parts = ["part_distance", "part_fragilite", "part_population"].map(|k| first["priorite"][k].as_f64().unwrap());
    assert!((parts.iter().sum::<f64>() - first["priorite"]["score"].as_f64().unwrap()).abs() < 1e-6);
    assert!(body["formule"].as_str().unwrap().starts_with("score = 100"));
    assert!(first["population_au_dela"]["10 km"].as_u64().unwrap() > 0);

    let (status, _, filtered) =
        get(&state, "/api/v1/couverture?niveau=commune&filtres=label%3DFrance%20Services&limite=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(filtered["lieux_retenus"].as_u64().unwrap() < body["lieux_retenus"].as_u64().unwrap());
}

#[tokio::test]
async fn coverage_bad_parameters_name_the_field() {
    let state = demo_state();
    for (uri, field) in [
        ("/api/v1/couverture?niveau=canton", "niveau"),
        ("/api/v1/couverture?filtres=couleur%3Dbleu", "filtres"),
        ("/api/v1/couverture?seuils=5,-1", "seuils"),
        ("/api/v1/couverture?perimetre=lune", "perimetre"),
        ("/api/v1/couverture?tri=hasard", "tri"),
        ("/api/v1/couverture?limite=0", "limite"),
    ] {
        let (status, _, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["erreur"]["champ"], field, "{uri}");
    }
}
