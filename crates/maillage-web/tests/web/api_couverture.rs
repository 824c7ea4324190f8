//! `/api/v1/couverture`, with its bad parameters.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use super::common::api::*;

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
    assert_refused(
        &state,
        &[
            ("/api/v1/couverture?niveau=canton", "niveau"),
            ("/api/v1/couverture?filtres=couleur%3Dbleu", "filtres"),
            ("/api/v1/couverture?seuils=5,-1", "seuils"),
            ("/api/v1/couverture?perimetre=lune", "perimetre"),
            ("/api/v1/couverture?tri=hasard", "tri"),
            ("/api/v1/couverture?limite=0", "limite"),
            ("/api/v1/couverture?seuils=1e308", "seuils"),
            ("/api/v1/couverture?seuils=NaN", "seuils"),
            ("/api/v1/couverture?niveau=epci&niveau=region", "niveau"),
            ("/api/v1/couverture?filtre=gratuit", "filtre"),
            ("/api/v1/communes?q=bourges&limit=3", "limit"),
            ("/api/v1/communes?q=a&q=b", "q"),
        ],
    )
    .await;
}

#[tokio::test]
async fn empty_values_count_as_absent_and_rejections_answer_json() {
    let state = demo_state();
    let (status, _, body) = get(&state, "/api/v1/couverture?niveau=bassin&seuils=&filtres=&tri=").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = get(&state, "/api/v1/communes?q=bourges&limite=").await;
    assert_eq!((status, body[0]["nom"].as_str()), (StatusCode::OK, Some("Bourges")));
    // The router's own refusal is said in the API's shape too.
    let (status, headers, bytes) = request(&state, Request::post("/api/v1/lieux").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(body["erreur"]["message"].as_str().is_some(), "{body}");
}

/// The API and the coverage page answer through the server's cache: the same request is
/// computed once per data version, and the cached answer is the body sent.
#[tokio::test]
async fn coverage_answers_come_from_the_cache() {
    let state = demo_state();
    let uri = "/api/v1/couverture?niveau=bassin&tri=priorite";
    let (status, headers, first) = get(&state, uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(state.coverage.computations(), 1);
    let (_, _, again) = get(&state, uri).await;
    assert_eq!(again, first);
    assert_eq!(state.coverage.computations(), 1, "the second answer is the cached one");
    let (status, _, _) = get(&state, "/api/v1/couverture?niveau=region").await;
    assert_eq!((status, state.coverage.computations()), (StatusCode::OK, 2));

    let page = super::common::pages::get(&state, "/couverture").await;
    assert_eq!(page.status, StatusCode::OK);
    let computed = state.coverage.computations();
    assert_eq!(computed, 3, "the page's table is a cached answer too");
    super::common::pages::get(&state, "/couverture").await;
    assert_eq!(state.coverage.computations(), computed);
}

/// France-wide coverage is compressed for clients that accept it, and a client asking in a
/// loop is stopped (429 with `Retry-After`) before anything is computed again.
#[tokio::test]
async fn france_wide_coverage_is_compressed_and_rate_limited_per_client() {
    let state = demo_state();
    let uri = "/api/v1/couverture?perimetre=france&niveau=departement";
    let (status, headers, packed) =
        request(&state, Request::get(uri).header("accept-encoding", "gzip").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed.as_slice()), &mut plain).unwrap();
    let (_, _, raw) = request(&state, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(plain, raw);
    assert!(packed.len() * 3 < raw.len(), "{} → {}", raw.len(), packed.len());
    // Twenty at once, then one every 3 seconds: a slow machine may earn a few more on the way.
    let mut answered = 2;
    let (status, headers, body) = loop {
        let (status, headers, body) = get(&state, uri).await;
        if status != StatusCode::OK || answered == 60 {
            break (status, headers, body);
        }
        answered += 1;
    };
    assert!(answered >= 20, "{answered}");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(body["erreur"]["code"], "trop_de_requetes");
    assert_eq!(state.coverage.computations(), 1);
}
