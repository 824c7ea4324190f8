//! The API's contract: the generated OpenAPI document against the router, and the error
//! shape of every refusal.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use super::common::api::*;

#[tokio::test]
async fn openapi_describes_every_route_and_the_docs_page_lists_them() {
    let state = state();
    let (status, _, doc) = get(&state, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/sante",
        "/api/v1/communes",
        "/api/v1/couverture",
        "/api/v1/lieux",
        "/api/v1/lieux.geojson",
        "/api/v1/lieux/{id}",
        "/api/v1/territoires/{niveau}/{code}",
        "/api/v1/regroupements",
        "/api/v1/export",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    let names: BTreeSet<&str> = paths["/api/v1/lieux"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in
        ["bbox", "lat", "lon", "rayon_km", "territoire", "filtres", "ouvert", "q", "source", "tri", "limite", "curseur"]
    {
        assert!(names.contains(name), "{name}");
    }
    // The refusals are documented with the error object.
    let one = &paths["/api/v1/lieux/{id}"]["get"]["responses"];
    for status in ["200", "400", "404"] {
        assert!(one[status]["description"].as_str().is_some_and(|d| !d.is_empty()), "{status}: {one}");
    }
    assert_eq!(one["404"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Erreur");
    let (status, headers, page) = request(&state, Request::get("/api/docs").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<html lang=\"fr\">"));
    for path in paths.keys() {
        assert!(page.contains(&format!("GET {path}")), "{path}");
    }
    assert!(!page.contains("<script"));
}

/// A sample request path for a documented path (its path parameters filled in).
fn sample(path: &str) -> String {
    path.replace("{id}", "inconnu").replace("{niveau}", "departement").replace("{code}", "18")
}

/// The document is generated with the routes: every path it lists is served, every parameter
/// it names is one the route reads, and any other parameter is refused with a 400 naming it.
#[tokio::test]
async fn the_document_lists_every_route_and_what_each_reads() {
    let state = demo_state();
    let (_, _, doc) = get(&state, "/api/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 13, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, item) in paths {
        let uri = sample(path);
        let (status, _, body) = get(&state, &uri).await;
        assert_ne!(body["erreur"]["message"], "aucune ressource à cette adresse", "{path} is not served");
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let parameters = item["get"]["parameters"].as_array().cloned().unwrap_or_default();
        for parameter in parameters.iter().filter(|p| p["in"] == "query") {
            let name = parameter["name"].as_str().unwrap();
            let (_, _, body) = get(&state, &format!("{uri}?{name}=x")).await;
            let refused_as_unknown =
                body["erreur"]["champ"] == name && body["erreur"]["message"] == "paramètre inconnu";
            assert!(!refused_as_unknown, "{path} does not read {name}, which the document names");
        }
        // With the required parameters given, so that only the unknown one is wrong.
        let required: Vec<String> = parameters
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| match p["name"].as_str().unwrap() {
                "format" => "format=csv".to_owned(),
                name => format!("{name}=bourges"),
            })
            .chain(["inconnu=1".to_owned()])
            .collect();
        let (status, headers, body) = get(&state, &format!("{uri}?{}", required.join("&"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} ignores an unknown parameter: {body}");
        assert_eq!(
            (body["erreur"]["champ"].as_str(), body["erreur"]["code"].as_str()),
            (Some("inconnu"), Some("parametre_invalide")),
            "{path}"
        );
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
    }
    // A path the document does not list is not served.
    let (status, _, body) = get(&state, "/api/v1/nulle-part").await;
    assert_eq!((status, body["erreur"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("introuvable")));
}

/// Every `$ref` of the document names a schema the document holds: a client generator (or a
/// property-based tester) must be able to resolve the parameters' enumerations.
#[tokio::test]
async fn every_reference_of_the_document_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    match (key.as_str(), item.as_str()) {
                        ("$ref", Some(target)) => found.push(target),
                        _ => refs(item, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }
    let (_, _, doc) = get(&state(), "/api/openapi.json").await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 5, "{found:?}");
    for target in found {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{target}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{target} does not resolve");
    }
}

/// The JSON export is an array of places, and the document says so.
#[tokio::test]
async fn the_json_export_is_documented_as_an_array() {
    let (_, _, doc) = get(&state(), "/api/openapi.json").await;
    let content = &doc["paths"]["/api/v1/export"]["get"]["responses"]["200"]["content"];
    assert_eq!(content["application/json"]["schema"]["type"], "array", "{content}");
    let state = demo_state();
    let (status, _, body) = get(&state, "/api/v1/export?format=json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_array());
}
