//! `/api/v1/communes` and `/api/v1/sante`, with their bad parameters.

use axum::http::StatusCode;

use super::common::api::*;

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
async fn health_names_the_backend() {
    let (status, _, body) = get(&state(), "/api/v1/sante").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["base"], "sqlite");
    assert_eq!(body["communes"], 34969);
}

#[tokio::test]
async fn bad_parameters_name_the_field() {
    let state = state();
    assert_refused(
        &state,
        &[
            ("/api/v1/communes", "q"),
            ("/api/v1/communes?q=x&limite=99", "limite"),
            ("/api/v1/communes?q=x&limite=abc", "limite"),
        ],
    )
    .await;
}
